"""A fitted model with its metadata, and the one prediction path every caller uses.

``SegmentModel.label_batch`` segments and labels a batch of page texts in one vectorised
call and returns a compact ``LabelledBatch`` (arrays, no per-segment objects); the Python API
(``predict_page``, ``predict_pages``) and the engine's workers (``engine.outputs``) both build
what they return from it, through ``LabelledBatch.predictions``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..batching import PAGES_PER_BATCH
from ..segment import Segment, segment_page

MAX_FEATURE_CHARS = 3000
"""Only a segment's first characters are featurised: a 20 MB line must not exhaust memory."""
SCORE_DECIMALS = 6


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


def segment_table(segmented: list[list[Segment]]) -> pd.DataFrame:
    """The model's input for several pages: one row per segment, pages numbered in order."""
    codes = np.repeat(np.arange(len(segmented)), [len(s) for s in segmented])
    texts = [seg.text[:MAX_FEATURE_CHARS] for segs in segmented for seg in segs]
    # plain Python strings: the feature code iterates over them several times, and pandas'
    # default Arrow-backed strings cost a conversion on every pass
    return pd.DataFrame({"page": codes, "text": pd.Series(texts, dtype=object)})


@dataclass
class LabelledBatch:
    """Labels of a batch of pages: one row per segment, pages in order (``counts`` segments
    each); segment texts are sliced from the page texts by offset."""

    counts: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    label_index: np.ndarray
    scores: np.ndarray
    labels: list[str]
    proba: np.ndarray | None = None
    explanations: list[list[tuple[str, float]]] | None = None

    def page_rows(self) -> Iterator[tuple[int, int]]:
        """(first row, number of rows) of each page, in order."""
        first = 0
        for count in self.counts.tolist():
            yield first, count
            first += count

    def predictions(self, text: str, first: int, count: int) -> list[Prediction]:
        """The ``count`` segments of one page (``text``) starting at row ``first``."""
        labels = self.labels
        result = []
        for k in range(count):
            row = first + k
            start, end = int(self.starts[row]), int(self.ends[row])
            probabilities = None if self.proba is None else {
                label: round(float(p), SCORE_DECIMALS)
                for label, p in zip(labels, self.proba[row])}
            result.append(Prediction(
                k, start, end, labels[self.label_index[row]],
                round(float(self.scores[row]), SCORE_DECIMALS), text[start:end], probabilities,
                None if self.explanations is None else self.explanations[row]))
        return result


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
        from .explain import explain_linear_pipeline

        return explain_linear_pipeline(self.estimator, table, chosen)

    def label_batch(self, texts: list[str], probabilities: bool = False,
                    explain: bool = False) -> LabelledBatch:
        """Segment and label a batch of page texts in one vectorised call."""
        segmented = [segment_page(t) for t in texts]
        counts = np.fromiter((len(s) for s in segmented), dtype=np.int64, count=len(segmented))
        flat = [seg for segs in segmented for seg in segs]
        starts = np.fromiter((s.start for s in flat), dtype=np.int64, count=len(flat))
        ends = np.fromiter((s.end for s in flat), dtype=np.int64, count=len(flat))
        table = segment_table(segmented)
        proba = self.predict_proba_table(table)
        chosen = proba.argmax(axis=1) if len(proba) else np.zeros(0, dtype=np.int64)
        scores = proba[np.arange(len(proba)), chosen] if len(proba) else np.zeros(0)
        explanations = self.explain_table(table, chosen) if explain and len(table) else None
        return LabelledBatch(counts, starts, ends, chosen.astype(np.int16), scores, self.labels,
                             proba if probabilities else None, explanations)

    def predict_page(self, text: str, probabilities: bool = False,
                     explain: bool = False) -> list[Prediction]:
        """Segment one page and label every segment."""
        batch = self.label_batch([text], probabilities, explain)
        return batch.predictions(text, 0, int(batch.counts[0]))

    def predict_pages(self, pages: Iterable[str], probabilities: bool = False,
                      explain: bool = False, batch_size: int = PAGES_PER_BATCH,
                      ) -> Iterator[list[Prediction]]:
        """Label a stream of page texts lazily, in order, a batch of pages at a time."""
        iterator = iter(pages)
        while texts := list(islice(iterator, batch_size)):
            batch = self.label_batch(texts, probabilities, explain)
            for text, (first, count) in zip(texts, batch.page_rows()):
                yield batch.predictions(text, first, count)

    def __repr__(self) -> str:
        kind = self.metadata.get("model_kind", type(self.estimator).__name__)
        return f"SegmentModel(kind={kind!r}, labels={self.labels})"
