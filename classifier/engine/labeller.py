"""The engine contract: a ``Labeller`` labels a stream of page batches and gives them back in
input order; the local process pool and the Dask cluster both implement it.

This module imports neither NumPy nor scikit-learn (see ``outputs``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import ClassifierError
from ..io.pages import Item, PageRecord, RecordError
from .outputs import EmittedBatch, LabelJob

if TYPE_CHECKING:
    from ..model.predictor import SegmentModel

Batch = list[PageRecord]
Labelled = tuple[Batch, EmittedBatch]
WORKER_DIED = ("a worker process died while labelling (killed from outside, or out of memory: "
               "lower --jobs or --batch-size)")


class WorkerDied(ClassifierError):
    """A worker process ended abruptly (the kernel's out-of-memory killer, ``kill -9``)."""


class Labeller(Protocol):
    """Labels batches of pages with one model; a context manager whose entry loads the model
    (so a bad artifact fails before any output is opened) and sets ``labels``."""

    labels: list[str]

    def __enter__(self) -> Labeller: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def label(self, batches: Iterable[Batch], job: LabelJob) -> Iterator[Labelled]:
        """Yield (batch, its output) for every batch, in input order."""
        ...


def load_artifact(model_path: str) -> SegmentModel:
    from ..model.artifact import load_model_file

    return load_model_file(model_path)


def page_batches(items: Iterable[Item], batch_pages: int,
                 on_error: Callable[[RecordError], None]) -> Iterator[Batch]:
    """Group pages into batches of ``batch_pages``; unreadable records go to ``on_error``."""
    batch: Batch = []
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


def job_pages(batch: Batch) -> list[tuple[str, str]]:
    """What a job needs of a batch: (id, text) of each page."""
    return [(page.id, page.text) for page in batch]


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
