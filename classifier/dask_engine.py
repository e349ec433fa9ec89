"""Run labelling on a Dask cluster, for feeds that outgrow one machine.

The driver streams and batches pages exactly as the local engine does (same readers, same
per-record errors), ships the model to every worker once (``scatter(broadcast=True)``) and
keeps a bounded window of batch futures in flight, collecting them in submission order. So
the records are the same as the local engine's, in the same order, and memory stays flat.
Workers need this package installed (``pip install feed-content-classifier[dask]``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from .batch import PAGES_PER_BATCH, _batches, _load, in_submission_order
from .emit import EmittedBatch, Emitter
from .errors import ClassifierError
from .labelling import label_and_emit
from .readers import Item, PageRecord, RecordError

IN_FLIGHT_PER_WORKER = 3


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
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    return Client(cluster), cluster


class DaskLabeller:
    """The Dask counterpart of ``batch.LocalLabeller`` (same interface, same records)."""

    def __init__(self, model_path: str, scheduler: str | None = None, workers: int = 2):
        self.model_path = model_path
        self.scheduler = scheduler
        self.workers = workers
        self.labels: list[str] = []

    def __enter__(self) -> DaskLabeller:
        self._model = _load(self.model_path)  # fail fast on a bad artifact, before any output
        self.labels = self._model.labels
        self._client, self._cluster = _client(self.scheduler, self.workers)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def stream(self, items: Iterable[Item], emitter: Emitter, encode: bool = True,
               batch_pages: int = PAGES_PER_BATCH, probabilities: bool = False,
               explain: bool = False, on_error: Callable[[RecordError], None] | None = None,
               ) -> Iterator[tuple[list[PageRecord], EmittedBatch]]:
        """Yield (pages, their output) batch by batch, in input order, computed on Dask."""
        client = self._client
        n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
        shipped = client.scatter(self._model, broadcast=True)
        yield from in_submission_order(
            ((pages, client.submit(label_and_emit, shipped, [(p.id, p.text) for p in pages],
                                   emitter, probabilities, explain, encode, pure=False))
             for pages in _batches(items, batch_pages, on_error or (lambda error: None))),
            limit=n_workers * IN_FLIGHT_PER_WORKER)
