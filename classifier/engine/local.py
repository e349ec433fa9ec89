"""Label batches on this machine: in this process (``jobs == 1``) or in a pool of ``jobs``
worker processes that each load the model once, keeping input order.

At most a few batches per worker are in flight, so memory stays flat however long the input
is. This module imports neither NumPy nor scikit-learn: with ``jobs > 1`` the process that
reads and writes holds no model and none of its libraries, only the pages in flight.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from ..errors import ClassifierError
from .labeller import (
    WORKER_DIED,
    Batch,
    Labelled,
    WorkerDied,
    in_submission_order,
    job_pages,
    load_artifact,
)
from .options import IN_FLIGHT_PER_WORKER, WORKER_MODEL_VARIABLE
from .outputs import EmittedBatch, LabelJob, Page

if TYPE_CHECKING:
    from ..model.predictor import SegmentModel

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
        from .preload import preloaded_model

        _WORKER_MODEL = preloaded_model(model_path) or load_artifact(model_path)
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


def _worker_run(job: LabelJob, pages: list[Page]) -> EmittedBatch:
    return job(_worker_model(), pages)


class LocalLabeller:
    """A ``Labeller`` on this machine: ``jobs`` worker processes, or this process alone."""

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

            self._model = load_artifact(self.model_path)
            self.labels = self._model.labels
            # --jobs 1 means one core: no OpenMP threads in the boosted trees either
            self._thread_limit = threadpool_limits(limits=1)
            return self
        # Workers fork from a fork server that has imported the libraries and loaded the
        # compiled code once (``preload``), so they share those pages; it starts no threads,
        # so forking it is safe where forking a process running BLAS/OpenMP threads is not.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([f"{__package__}.preload"])
        os.environ[WORKER_MODEL_VARIABLE] = self.model_path  # read by a new fork server
        self._pool = ProcessPoolExecutor(
            max_workers=self.jobs, mp_context=context,
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
            # queued batches are dropped; the workers finish the batch they are on (a second
            # or two) and exit, so none outlives the command, whatever ended the run
            self._pool.shutdown(wait=True, cancel_futures=True)

    def label(self, batches: Iterable[Batch], job: LabelJob) -> Iterator[Labelled]:
        if self._pool is None:
            assert self._model is not None, "use LocalLabeller as a context manager"
            for batch in batches:
                yield batch, job(self._model, job_pages(batch))
            return
        pool = self._pool
        try:
            yield from in_submission_order(
                ((batch, pool.submit(_worker_run, job, job_pages(batch))) for batch in batches),
                limit=self.jobs * IN_FLIGHT_PER_WORKER)
        except BrokenProcessPool as exc:
            raise WorkerDied(WORKER_DIED) from exc


def default_jobs() -> int:
    """Every core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
