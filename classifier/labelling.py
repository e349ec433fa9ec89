"""Segment and label a batch of pages in one vectorised call (the work a worker does)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .emit import EmittedBatch, Emitter, Page, emit_batch
from .model import SegmentModel
from .segment import segment_page


@dataclass
class BatchResult:
    """Compact labels for a batch of pages; texts are re-sliced from the pages by offset."""

    counts: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    label_index: np.ndarray
    scores: np.ndarray
    labels: list[str]
    proba: np.ndarray | None = None
    explanations: list[list[tuple[str, float]]] | None = None


def label_texts(model: SegmentModel, texts: list[str], probabilities: bool = False,
                explain: bool = False) -> BatchResult:
    """Segment and label a batch of page texts in one vectorised call."""
    segmented = [segment_page(t) for t in texts]
    counts = np.fromiter((len(s) for s in segmented), dtype=np.int64, count=len(segmented))
    flat = [seg for segs in segmented for seg in segs]
    starts = np.fromiter((s.start for s in flat), dtype=np.int64, count=len(flat))
    ends = np.fromiter((s.end for s in flat), dtype=np.int64, count=len(flat))
    proba, chosen, scores, explanations = model.score_segmented(segmented, explain)
    return BatchResult(counts, starts, ends, chosen.astype(np.int16), scores, model.labels,
                       proba if probabilities else None, explanations)


def label_and_emit(model: SegmentModel, pages: list[Page], emitter: Emitter,
                   probabilities: bool = False, explain: bool = False,
                   encode: bool = True) -> EmittedBatch:
    """Label a batch of (id, text) pages and build (and, for JSONL, encode) its output."""
    result = label_texts(model, [text for _, text in pages], probabilities, explain)
    return emit_batch(pages, result, emitter, encode)
