"""The built-in default model: trained from the corpus shipped in the package, on first use.

The artifact is cached per user, keyed by a fingerprint of the corpus, the package code and
the scikit-learn version, so it is always in sync with what is installed. Building takes
about a minute, once; concurrent first uses wait on a lock and the file is written
atomically, so no process ever reads a half-written model.
"""

from __future__ import annotations

import hashlib
import os
import sys
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

from .._version import __version__
from ..errors import ArtifactError

if TYPE_CHECKING:
    from .predictor import SegmentModel

CACHE_ENV = "CLASSIFIER_CACHE_DIR"
BUILD_LOCK_TIMEOUT_S = 900
DEFAULT_MODEL_CV_FOLDS = 0
"""The default model skips cross-validation on first use; its scores are in data/README.md."""


def _package_dir() -> Path:
    return Path(__file__).resolve().parent.parent


def corpus_dir() -> Path:
    """The shipped corpus: package data in an installed wheel, ``data/corpus`` in a checkout."""
    packaged = resources.files("classifier") / "_corpus"
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = _package_dir().parent / "data" / "corpus"
    if checkout.is_dir():
        return checkout
    raise ArtifactError("the default corpus is missing from this installation; reinstall the "
                        "package or pass --model")


def corpus_files() -> list[Path]:
    files = sorted(corpus_dir().glob("*.jsonl"))
    if not files:
        raise ArtifactError(f"{corpus_dir()}: no corpus files; reinstall the package")
    return files


def default_fingerprint() -> str:
    """Changes whenever the corpus, the package code or scikit-learn's version changes."""
    digest = hashlib.sha256(f"{__version__}|{version('scikit-learn')}".encode())
    for path in corpus_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    package = _package_dir()
    for source in sorted(package.rglob("*.py")):
        digest.update(str(source.relative_to(package)).encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "feed-content-classifier"


def default_model_path() -> Path:
    return cache_dir() / f"default-{default_fingerprint()}.joblib"


def build_default_model(path: Path, quiet: bool = False) -> Path:
    from ..evaluation.train import train
    from ..io.labelled import read_labelled
    from .artifact import save_model

    if not quiet:
        print(f"Building the default model from the shipped corpus (first use only) -> {path}",
              file=sys.stderr)
    frame = read_labelled(corpus_files())
    # every core, as `classifier train` does: the full fit and the out-of-fold fits run side
    # by side (one process took 88 s on 2 cores, against 50 s)
    result = train(frame, cv_folds=DEFAULT_MODEL_CV_FOLDS, n_jobs=-1,
                   extra_metadata={"default_model": True})
    save_model(result.model, path)
    if not quiet:
        print(f"Default model ready ({result.seconds:.0f} s).", file=sys.stderr)
    return path


def ensure_default_model(quiet: bool = False) -> Path:
    """Return the cached default artifact's path, building it first if needed."""
    path = default_model_path()
    if path.is_file():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArtifactError(f"cannot create the model cache {path.parent} ({exc}); set "
                            f"{CACHE_ENV} to a writable directory") from exc
    try:
        with FileLock(str(path) + ".lock", timeout=BUILD_LOCK_TIMEOUT_S):
            if not path.is_file():
                build_default_model(path, quiet)
    except Timeout as exc:
        raise ArtifactError(f"timed out waiting for another process building {path}") from exc
    return path


def load_default_model(quiet: bool = False) -> SegmentModel:
    from .artifact import load_model_file

    return load_model_file(ensure_default_model(quiet))
