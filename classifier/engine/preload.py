"""What the fork server of local worker processes loads before it forks them.

Every worker needs NumPy, scikit-learn, the feature code, numba's compiled functions (whose
first use starts LLVM) and the model: about 170 MB of heap a worker when each loads them
itself. Loaded once in the fork server, those pages are shared by all workers, copy-on-write.
Only imports, the model and a warm-up run here: no threads.
"""

import gc
import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"  # before NumPy loads BLAS: a process that forks has no threads

from ..errors import ClassifierError  # noqa: E402
from ..features import counts, signals  # noqa: E402
from ..model import flat_trees, predictor, stacking  # noqa: E402,F401
from .labeller import load_artifact  # noqa: E402
from .options import WORKER_MODEL_VARIABLE  # noqa: E402


def model_key(path: str) -> tuple[str, int, int]:
    """The model file as it is now (a file rewritten under the same name is another model)."""
    status = os.stat(path)
    return path, status.st_mtime_ns, status.st_size


def preloaded_model(path: str) -> "predictor.SegmentModel | None":
    """The model loaded here before forking, if it is the one at ``path``."""
    if _preloaded is None:
        return None
    try:
        return _preloaded[1] if model_key(path) == _preloaded[0] else None
    except OSError:
        return None


_preloaded = None
if os.environ.get(WORKER_MODEL_VARIABLE):
    try:
        _path = os.environ[WORKER_MODEL_VARIABLE]
        _preloaded = (model_key(_path), load_artifact(_path))
    except (OSError, ClassifierError):
        pass  # each worker loads the model itself and reports what is wrong with it

counts.warm_up()
signals.warm_up()
flat_trees.warm_up()
# The collector would otherwise walk (and so write to) every object above in every worker,
# copying the pages they share: keep them out of its reach.
gc.freeze()
