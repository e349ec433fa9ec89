"""Save and load model artifacts: one file holding the fitted pipeline and its metadata.

joblib (pickle) is the default for models you trained yourself: loading a pickle runs code
from the file, so only load those you trust. ``.skops`` files are for sharing: they are
loaded with an explicit list of trusted types and anything else is refused.
"""

from __future__ import annotations

import os
import platform
import tempfile
import warnings
from pathlib import Path
from typing import Any

import joblib
import sklearn

from ._version import __version__
from .errors import ArtifactError
from .model import SegmentModel

ARTIFACT_KIND = "feed-content-classifier/model"
ARTIFACT_FORMAT_VERSION = 2
ARTIFACT_FORMATS = ("joblib", "skops")


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


def _atomic_write(path: Path, write) -> None:
    """Write through a temporary file beside ``path`` and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_model(model: SegmentModel, path: str | Path, fmt: str | None = None) -> Path:
    """Write the model and its metadata to one file, atomically."""
    path = Path(path)
    fmt = fmt or ("skops" if path.suffix == ".skops" else "joblib")
    if fmt not in ARTIFACT_FORMATS:
        raise ArtifactError(f"unknown artifact format {fmt!r}; choose joblib or skops")
    if (fmt == "skops") != (path.suffix == ".skops"):
        raise ArtifactError(f"{path}: {fmt} artifacts must be named "
                            f"{'*.skops' if fmt == 'skops' else 'anything but *.skops'}")
    metadata = {**model.metadata, "kind": ARTIFACT_KIND,
                "format_version": ARTIFACT_FORMAT_VERSION, **environment_metadata()}
    payload = {"metadata": metadata, "estimator": model.estimator}
    if fmt == "joblib":
        _atomic_write(path, lambda tmp: joblib.dump(payload, tmp, compress=3))
    else:
        from .safe_format import dump_skops

        _atomic_write(path, lambda tmp: dump_skops(payload, tmp))
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
