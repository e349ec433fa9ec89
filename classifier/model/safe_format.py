"""The ``.skops`` artifact format: safe to load from people you do not fully trust.

skops.io stores objects without pickle and, on load, instantiates only types it is told to
trust. We trust scikit-learn's, NumPy's and SciPy's types that skops itself considers safe,
plus exactly the package's own estimator classes and preprocessing functions listed here;
a file naming any other type is refused before anything in it is instantiated.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from ..errors import ArtifactError

OWN_TRUSTED_TYPES: tuple[str, ...] = (
    "classifier.features.layout.PageLayoutFeatures",
    "classifier.features.ngrams.HashedCharNgrams",
    "classifier.features.ngrams.HashedWordNgrams",
    "classifier.features.ngrams.NeighbourWords",
    "classifier.model.stacking.StackedSegmentClassifier",
)
"""This package's own estimator classes, by module path (a test checks the list against the
classes a trained model holds)."""
SCIKIT_LEARN_TYPES: tuple[str, ...] = (
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)
"""scikit-learn types a fitted model holds that skops does not list as safe by itself: the
boosted trees' node tables (arrays of numbers, no code)."""
OLD_TYPE_PREFIXES = ("classifier.features.", "classifier.ngrams.", "classifier.pipeline.")


def dump_skops(payload: dict[str, Any], path: Path) -> None:
    import skops.io as sio

    sio.dump(payload, path, compression=zipfile.ZIP_DEFLATED, compresslevel=6)


def load_skops(path: Path) -> Any:
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # a damaged or foreign zip fails in many ways
        raise ArtifactError(f"{path}: not a readable .skops artifact ({exc})") from exc
    refused = sorted(set(untrusted) - set(OWN_TRUSTED_TYPES) - set(SCIKIT_LEARN_TYPES))
    if refused and all(name.startswith(OLD_TYPE_PREFIXES) for name in refused):
        from .artifact import OLD_ARTIFACT_HINT

        raise ArtifactError(f"{path}: {OLD_ARTIFACT_HINT}")
    if refused:
        raise ArtifactError(f"{path}: refused to load untrusted type(s) {', '.join(refused)}; "
                            "only this package's model types are allowed")
    try:
        return sio.load(path, trusted=list(untrusted))
    except Exception as exc:
        raise ArtifactError(f"{path}: cannot load .skops artifact ({exc})") from exc
