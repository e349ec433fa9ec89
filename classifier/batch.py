"""Label a stream of pages in batches, on one core or many, keeping input order.

Pages are grouped into batches; each batch is segmented, featurised, predicted and turned
into output records in one vectorised call (``labelling.label_and_emit``). With ``jobs > 1``
batches go to a process pool whose workers load the model once (in the pool initializer);
at most a few batches per worker are in flight, so memory stays flat however long the input
is, and results come back in submission order.

This module imports neither NumPy nor scikit-learn: with ``jobs > 1`` the process that reads
and writes holds no model and none of its libraries, only the pages in flight.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .emit import EmittedBatch, Emitter, Page
from .errors import ClassifierError
from .readers import Item, PageRecord, RecordError

if TYPE_CHECKING:
    from .model import SegmentModel

PAGES_PER_BATCH = 64
"""Pages per batch: as fast as larger batches, with half the working memory of 128."""
IN_FLIGHT_PER_WORKER = 3
MAX_REPORTED_ERRORS = 20


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


def _load(model_path: str) -> SegmentModel:
    from .artifact import load_model_file

    return load_model_file(model_path)


_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_WORKER_MODEL: SegmentModel | None = None
_WORKER_ERROR: ClassifierError | None = None
_THREAD_LIMIT = None


def _init_worker(model_path: str) -> None:
    """Load the model once per worker; a bad artifact is kept as the worker's answer to every
    task (an initializer that raises would only break the pool, without the reason)."""
    global _WORKER_MODEL, _WORKER_ERROR, _THREAD_LIMIT
    # One native thread per worker: the pool already uses every core, and OpenMP threads
    # competing for them (the boosted trees use OpenMP) made --jobs 2 four times slower.
    # The variables act on libraries loaded from now on; threadpoolctl on those loaded.
    for variable in _THREAD_VARIABLES:
        os.environ[variable] = "1"
    try:
        _WORKER_MODEL = _load(model_path)
    except ClassifierError as exc:
        _WORKER_ERROR = exc
    from threadpoolctl import threadpool_limits

    _THREAD_LIMIT = threadpool_limits(limits=1)


def _worker_model() -> SegmentModel:
    if _WORKER_ERROR is not None:
        raise _WORKER_ERROR
    assert _WORKER_MODEL is not None, "worker model not loaded"
    return _WORKER_MODEL


def _worker_labels() -> list[str]:
    return _worker_model().labels


def _worker_run(pages: list[Page], emitter: Emitter, probabilities: bool, explain: bool,
                encode: bool) -> EmittedBatch:
    from .labelling import label_and_emit

    return label_and_emit(_worker_model(), pages, emitter, probabilities, explain, encode)


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


class LocalLabeller:
    """Labels batches in this process (``jobs == 1``) or in a pool of ``jobs`` processes.

    A context manager: entering loads the model (here, or once in every worker) and learns
    its labels, so a bad artifact fails before any output is opened.
    """

    def __init__(self, model_path: str, jobs: int = 1):
        self.model_path = model_path
        self.jobs = jobs
        self.labels: list[str] = []
        self._model: SegmentModel | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._thread_limit: Any = None

    def __enter__(self) -> LocalLabeller:
        if self.jobs <= 1:
            from threadpoolctl import threadpool_limits

            self._model = _load(self.model_path)
            self.labels = self._model.labels
            # --jobs 1 means one core: no OpenMP threads in the boosted trees either
            self._thread_limit = threadpool_limits(limits=1)
            return self
        # spawn, not fork: forking a process that already runs BLAS/OpenMP threads can deadlock
        self._pool = ProcessPoolExecutor(
            max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker, initargs=(self.model_path,))
        try:
            self.labels = self._pool.submit(_worker_labels).result()
        except BaseException:
            self._pool.shutdown(cancel_futures=True)
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._thread_limit is not None:
            self._thread_limit.restore_original_limits()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def stream(self, items: Iterable[Item], emitter: Emitter, encode: bool = True,
               batch_pages: int = PAGES_PER_BATCH, probabilities: bool = False,
               explain: bool = False, on_error: Callable[[RecordError], None] | None = None,
               ) -> Iterator[tuple[list[PageRecord], EmittedBatch]]:
        """Yield (pages, their output) batch by batch, in input order."""
        batches = _batches(items, batch_pages, on_error or (lambda error: None))
        if self._pool is None:
            from .labelling import label_and_emit

            assert self._model is not None, "use LocalLabeller as a context manager"
            for pages in batches:
                yield pages, label_and_emit(self._model, [(p.id, p.text) for p in pages],
                                            emitter, probabilities, explain, encode)
            return
        pool = self._pool
        yield from in_submission_order(
            ((pages, pool.submit(_worker_run, [(p.id, p.text) for p in pages], emitter,
                                 probabilities, explain, encode))
             for pages in batches), limit=self.jobs * IN_FLIGHT_PER_WORKER)


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
