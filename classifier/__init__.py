"""Label every segment of a scraped news page: news, promo, disclaimer, teaser, boilerplate.

Public API: ``load_model`` (the default model or an artifact file), ``segment_page``,
``SegmentModel.predict_page`` / ``predict_pages``. Importing does no work: heavy modules load
on first use.

The package reads as its data flow: ``io`` (formats, page readers, labelled data, writers)
-> ``segment`` -> ``features`` (text engine, layout signals, n-grams, page table) -> ``model``
(zoo, stack, explanations, the fitted-model API, artifacts, default model) -> ``engine``
(labelling runs on a process pool or Dask) -> ``io`` writers; ``evaluation`` (train,
evaluate, metrics, reports, corpus check) beside them, and ``cli`` on top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .labels import LABELS

if TYPE_CHECKING:
    from .model.predictor import Prediction, SegmentModel

__all__ = ["LABELS", "Prediction", "SegmentModel", "__version__", "load_model", "segment_page"]


def load_model(path: str | None = None, *, quiet: bool = False) -> SegmentModel:
    """Load an artifact file, or the built-in default model when ``path`` is None."""
    if path is None:
        from .model.default import load_default_model

        return load_default_model(quiet=quiet)
    from .model.artifact import load_model_file

    return load_model_file(path)


def __getattr__(name: str) -> Any:
    if name in ("Prediction", "SegmentModel"):
        from .model import predictor

        return getattr(predictor, name)
    if name == "segment_page":
        from .segment import segment_page

        return segment_page
    raise AttributeError(name)
