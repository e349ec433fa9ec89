"""Label batches on a Dask cluster, for feeds that outgrow one machine.

The driver streams and batches pages exactly as the local engine does (same readers, same
per-record errors), ships the model to every worker once (``scatter(broadcast=True)``) and
keeps a bounded window of batch futures in flight, collecting them in submission order. So
the records are the same as the local engine's, in the same order, and memory stays flat.
Workers need this package installed (``pip install feed-content-classifier[dask]``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

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
from .options import IN_FLIGHT_PER_WORKER
from .outputs import LabelJob


def _client(scheduler: str | None, workers: int):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # the extra is optional
        raise ClassifierError("the Dask engine needs the dask extra: "
                              "pip install 'feed-content-classifier[dask]'") from exc
    if scheduler:
        try:
            return Client(scheduler, timeout="10s"), None
        except OSError as exc:
            raise ClassifierError(
                f"cannot reach the Dask scheduler at {scheduler} ({exc})") from exc
    # The workers' logs about a stopped run (cancelled tasks, a heartbeat racing the
    # scheduler's shutdown, logged as an error with a traceback) are not the user's concern;
    # a worker that really fails reaches the client as an exception (KilledWorker).
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.CRITICAL)
    return Client(cluster), cluster


def label_on_worker(job: LabelJob, model, pages):
    """The task each worker runs (named for the scheduler's task list)."""
    return job(model, pages)


class DaskLabeller:
    """A ``Labeller`` on a Dask cluster (same records as ``LocalLabeller``)."""

    def __init__(self, model_path: str, scheduler: str | None = None, workers: int = 2):
        self.model_path = model_path
        self.scheduler = scheduler
        self.workers = workers
        self.labels: list[str] = []

    def __enter__(self) -> DaskLabeller:
        self._model = load_artifact(self.model_path)  # a bad artifact fails before any output
        self.labels = self._model.labels
        self._client, self._cluster = _client(self.scheduler, self.workers)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def label(self, batches: Iterable[Batch], job: LabelJob) -> Iterator[Labelled]:
        client = self._client
        n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
        shipped = client.scatter(self._model, broadcast=True)
        from distributed import KilledWorker

        try:
            yield from in_submission_order(
                ((batch, client.submit(label_on_worker, job, shipped, job_pages(batch),
                                       pure=False))
                 for batch in batches),
                limit=n_workers * IN_FLIGHT_PER_WORKER)
        except KilledWorker as exc:
            raise WorkerDied(WORKER_DIED.replace("--jobs or ", "workers per machine or ")) from exc
