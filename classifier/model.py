"""A fitted model with its metadata, and the page-level prediction API built on it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .segment import Segment, segment_page

PAGES_PER_BATCH = 64
"""Pages labelled together in one vectorised call: large enough to amortise overhead."""


class Prediction(NamedTuple):
    """One labelled segment of a page: offsets index the page text as given."""

    segment: int
    start: int
    end: int
    label: str
    score: float
    text: str
    probabilities: dict[str, float] | None = None
    explanation: list[tuple[str, float]] | None = None


MAX_FEATURE_CHARS = 3000
"""Only a segment's first characters are featurised: a 20 MB line must not exhaust memory."""


def segment_table(segmented: list[list[Segment]]) -> pd.DataFrame:
    """The model's input for several pages: one row per segment, pages numbered in order."""
    codes = np.repeat(np.arange(len(segmented)), [len(s) for s in segmented])
    texts = [seg.text[:MAX_FEATURE_CHARS] for segs in segmented for seg in segs]
    # plain Python strings: the feature code iterates over them several times, and pandas'
    # default Arrow-backed strings cost a conversion on every pass
    return pd.DataFrame({"page": codes, "text": pd.Series(texts, dtype=object)})


class SegmentModel:
    """A fitted estimator over segment tables, plus the metadata saved beside it."""

    def __init__(self, estimator: Any, metadata: dict[str, Any] | None = None):
        self.estimator = estimator
        self.metadata = dict(metadata or {})

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.estimator.classes_]

    def predict_proba_table(self, table: pd.DataFrame) -> np.ndarray:
        if table.empty:
            return np.zeros((0, len(self.labels)))
        return self.estimator.predict_proba(table)

    def explain_table(self, table: pd.DataFrame, chosen: np.ndarray) -> list[
        list[tuple[str, float]]
    ]:
        """The features that pushed each segment most toward its chosen label."""
        explain_fn = getattr(self.estimator, "explain", None)
        if explain_fn is not None:
            return explain_fn(table)
        from .pipeline import explain_linear_pipeline

        return explain_linear_pipeline(self.estimator, table, chosen)

    def score_segmented(self, segmented: list[list[Segment]], explain: bool = False) -> tuple[
        np.ndarray, np.ndarray, np.ndarray, list[list[tuple[str, float]]] | None
    ]:
        """(probabilities, chosen label index, score, explanations) for every segment."""
        table = segment_table(segmented)
        proba = self.predict_proba_table(table)
        chosen = proba.argmax(axis=1) if len(proba) else np.zeros(0, dtype=np.int64)
        scores = proba[np.arange(len(proba)), chosen] if len(proba) else np.zeros(0)
        explanations = self.explain_table(table, chosen) if explain and len(table) else None
        return proba, chosen, scores, explanations

    def label_segmented(self, segmented: list[list[Segment]], probabilities: bool = False,
                        explain: bool = False) -> list[list[Prediction]]:
        """Label already-segmented pages in one vectorised call."""
        proba, chosen, scores, explanations = self.score_segmented(segmented, explain)
        labels = self.labels
        results: list[list[Prediction]] = []
        row = 0
        for segments in segmented:
            page: list[Prediction] = []
            for seg in segments:
                probs = ({lab: round(float(p), 6) for lab, p in zip(labels, proba[row])}
                         if probabilities else None)
                page.append(Prediction(seg.index, seg.start, seg.end, labels[chosen[row]],
                                       round(float(scores[row]), 6), seg.text, probs,
                                       explanations[row] if explanations else None))
                row += 1
            results.append(page)
        return results

    def predict_page(self, text: str, probabilities: bool = False,
                     explain: bool = False) -> list[Prediction]:
        """Segment one page and label every segment."""
        return self.label_segmented([segment_page(text)], probabilities, explain)[0]

    def predict_pages(self, pages: Iterable[str], probabilities: bool = False,
                      batch_size: int = PAGES_PER_BATCH) -> Iterator[list[Prediction]]:
        """Label a stream of page texts lazily, in order, a batch of pages at a time."""
        iterator = iter(pages)
        while batch := list(islice(iterator, batch_size)):
            yield from self.label_segmented([segment_page(t) for t in batch], probabilities)

    def __repr__(self) -> str:
        kind = self.metadata.get("model_kind", type(self.estimator).__name__)
        return f"SegmentModel(kind={kind!r}, labels={self.labels})"
