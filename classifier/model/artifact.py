"""Save and load model artifacts: one file holding the fitted pipeline and its metadata.

joblib (pickle) is the default for models you trained yourself: loading a pickle runs code
from the file, so only load those you trust. ``.skops`` files are for sharing: they are
loaded with an explicit list of trusted types and anything else is refused.
"""

from __future__ import annotations

import platform
import warnings
from pathlib import Path
from typing import Any

import joblib
import sklearn

from .._version import __version__
from ..errors import ArtifactError
from ..io.formats import ArtifactFormat
from ..io.writers import atomic_write
from .predictor import SegmentModel

ARTIFACT_KIND = "feed-content-classifier/model"
ARTIFACT_FORMAT_VERSION = 3
"""Bumped whenever saved artifacts stop loading: 3 when the package was split into
subpackages (the pickled estimators name their classes' module paths)."""
OLD_ARTIFACT_HINT = ("it was written by an earlier version of feed-content-classifier "
                     "(artifact format 2 or older), whose model classes have since moved; "
                     "retrain it with this version (classifier train DATA -o MODEL)")


ARTIFACT_FORMATS = tuple(fmt.value for fmt in ArtifactFormat)


def environment_metadata() -> dict[str, str]:
    return {
        "package_version": __version__,
        "sklearn_version": sklearn.__version__,
        "python_version": platform.python_version(),
    }


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def check_compatible(metadata: dict[str, Any], path: Path) -> None:
    """Refuse artifacts whose format or scikit-learn minor version differ from ours."""
    if metadata.get("kind") != ARTIFACT_KIND:
        raise ArtifactError(f"{path}: not a feed-content-classifier model artifact")
    if metadata.get("format_version") != ARTIFACT_FORMAT_VERSION:
        raise ArtifactError(
            f"{path}: artifact format {metadata.get('format_version')} is not supported by "
            f"this version ({__version__}, format {ARTIFACT_FORMAT_VERSION}); retrain the model")
    made_with = str(metadata.get("sklearn_version", "?"))
    if _minor(made_with) != _minor(sklearn.__version__):
        raise ArtifactError(
            f"{path}: made with scikit-learn {made_with}, but {sklearn.__version__} is "
            f"installed; retrain the model or install scikit-learn=={made_with}")


def save_model(model: SegmentModel, path: str | Path,
               fmt: ArtifactFormat | str | None = None) -> Path:
    """Write the model and its metadata to one file, atomically."""
    path = Path(path)
    if fmt is None:
        fmt = ArtifactFormat.SKOPS if path.suffix == ".skops" else ArtifactFormat.JOBLIB
    try:
        fmt = ArtifactFormat(fmt)
    except ValueError:
        raise ArtifactError(f"unknown artifact format {fmt!r}; choose joblib or skops") from None
    if (fmt is ArtifactFormat.SKOPS) != (path.suffix == ".skops"):
        expected = "*.skops" if fmt is ArtifactFormat.SKOPS else "anything but *.skops"
        raise ArtifactError(f"{path}: {fmt.value} artifacts must be named {expected}")
    metadata = {**model.metadata, "kind": ARTIFACT_KIND,
                "format_version": ARTIFACT_FORMAT_VERSION, **environment_metadata()}
    payload = {"metadata": metadata, "estimator": model.estimator}
    if fmt is ArtifactFormat.JOBLIB:
        atomic_write(path, lambda tmp: joblib.dump(payload, tmp, compress=3))
    else:
        from .safe_format import dump_skops

        atomic_write(path, lambda tmp: dump_skops(payload, tmp))
    model.metadata = metadata
    return path


def load_model_file(path: str | Path) -> SegmentModel:
    """Load an artifact written by ``save_model``, checking it is ours and compatible."""
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"{path}: no such model file")
    if path.suffix == ".skops":
        from .safe_format import load_skops

        payload = load_skops(path)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                payload = joblib.load(path)
            except (ModuleNotFoundError, AttributeError) as exc:
                if "classifier" not in str(exc):
                    raise ArtifactError(f"{path}: not a readable model artifact "
                                        f"({type(exc).__name__}: {exc})") from exc
                raise ArtifactError(f"{path}: {OLD_ARTIFACT_HINT}") from exc
            except Exception as exc:  # unpickling fails in many ways on foreign files
                raise ArtifactError(
                    f"{path}: not a readable model artifact ({type(exc).__name__}: {exc})"
                ) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("metadata"), dict):
        raise ArtifactError(f"{path}: not a feed-content-classifier model artifact")
    check_compatible(payload["metadata"], path)
    if "estimator" not in payload or not hasattr(payload["estimator"], "predict_proba"):
        raise ArtifactError(f"{path}: artifact holds no fitted model")
    return SegmentModel(payload["estimator"], payload["metadata"])
