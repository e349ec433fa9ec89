"""Label a stream of pages in batches, on one core or many, keeping input order.

Pages are grouped into batches; each batch is segmented, featurised and predicted in one
vectorised call. With ``jobs > 1`` batches go to a process pool whose workers load the
model once (in the pool initializer); at most a few batches per worker are in flight, so
memory stays flat however long the input is, and results come back in submission order.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .model import SegmentModel
from .readers import Item, PageRecord, RecordError
from .segment import segment_page

PAGES_PER_BATCH = 128
IN_FLIGHT_PER_WORKER = 3
MAX_REPORTED_ERRORS = 20


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


@dataclass
class RunSummary:
    pages: int = 0
    segments: int = 0
    failed: int = 0
    duplicate_ids: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def record_error(self, error: RecordError) -> None:
        self.failed += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(str(error))


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


def prediction_records(page: PageRecord, result: BatchResult, first: int, count: int) -> list[
    dict[str, Any]
]:
    """Output records (DESIGN.md, 'Predictions out') for one page of a batch result."""
    records = []
    labels = result.labels
    text = page.text
    for k in range(count):
        row = first + k
        start, end = int(result.starts[row]), int(result.ends[row])
        record: dict[str, Any] = {
            "id": page.id, "segment": k, "start": start, "end": end,
            "label": labels[result.label_index[row]],
            "score": round(float(result.scores[row]), 6), "text": text[start:end],
        }
        if result.proba is not None:
            record["probabilities"] = {lab: round(float(p), 6)
                                       for lab, p in zip(labels, result.proba[row])}
        if result.explanations is not None:
            record["explanation"] = [{"feature": name, "weight": round(weight, 4)}
                                     for name, weight in result.explanations[row]]
        records.append(record)
    return records


def split_pages(pages: list[PageRecord], result: BatchResult) -> Iterator[tuple[PageRecord, int,
                                                                                int]]:
    first = 0
    for page, count in zip(pages, result.counts):
        yield page, first, int(count)
        first += int(count)


_WORKER_MODEL: SegmentModel | None = None
_THREAD_LIMIT = None


def _init_worker(model_path: str) -> None:
    global _WORKER_MODEL, _THREAD_LIMIT
    from threadpoolctl import threadpool_limits

    from .artifact import load_model_file

    # one native thread per worker: the pool already uses every core
    _THREAD_LIMIT = threadpool_limits(limits=1)
    _WORKER_MODEL = load_model_file(model_path)


def _worker_label(texts: list[str], probabilities: bool, explain: bool) -> BatchResult:
    assert _WORKER_MODEL is not None, "worker model not loaded"
    return label_texts(_WORKER_MODEL, texts, probabilities, explain)


def _batches(items: Iterable[Item], batch_pages: int,
             on_error: Callable[[RecordError], None]) -> Iterator[list[PageRecord]]:
    batch: list[PageRecord] = []
    for item in items:
        if isinstance(item, RecordError):
            on_error(item)
            continue
        batch.append(item)
        if len(batch) >= batch_pages:
            yield batch
            batch = []
    if batch:
        yield batch


def label_stream(items: Iterable[Item], model: SegmentModel | None = None,
                 model_path: str | None = None, jobs: int = 1,
                 batch_pages: int = PAGES_PER_BATCH, probabilities: bool = False,
                 explain: bool = False, on_error: Callable[[RecordError], None] | None = None,
                 ) -> Iterator[tuple[list[PageRecord], BatchResult]]:
    """Yield (pages, labels) batch by batch, in input order.

    ``jobs == 1`` labels in this process with ``model``; ``jobs > 1`` starts a pool whose
    workers each load ``model_path`` once.
    """
    on_error = on_error or (lambda error: None)
    batches = _batches(items, batch_pages, on_error)
    if jobs <= 1:
        if model is None:
            raise ValueError("label_stream needs a model when jobs == 1")
        for pages in batches:
            yield pages, label_texts(model, [p.text for p in pages], probabilities, explain)
        return
    if model_path is None:
        raise ValueError("label_stream needs model_path when jobs > 1")
    # spawn, not fork: forking a process that already runs BLAS/OpenMP threads can deadlock
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                             initargs=(model_path,)) as pool:
        yield from in_submission_order(
            ((pages, pool.submit(_worker_label, [p.text for p in pages], probabilities, explain))
             for pages in batches), limit=jobs * IN_FLIGHT_PER_WORKER)


def in_submission_order(submissions: Iterable[tuple[Any, Any]], limit: int) -> Iterator[
    tuple[Any, Any]
]:
    """Yield (key, future.result()) in submission order, with at most ``limit`` in flight.

    Works for concurrent.futures and Dask futures alike; bounding the window is what keeps
    memory flat on endless inputs.
    """
    pending: deque[tuple[Any, Any]] = deque()
    try:
        for key, future in submissions:
            pending.append((key, future))
            while len(pending) >= limit:
                done_key, done = pending.popleft()
                yield done_key, done.result()
        while pending:
            done_key, done = pending.popleft()
            yield done_key, done.result()
    except BaseException:
        for _, future in pending:
            future.cancel()
        raise


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


class Timer:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started
