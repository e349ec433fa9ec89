"""Run labelling on a Dask cluster, for feeds that outgrow one machine.

The driver streams and batches pages exactly as the local engine does (same readers, same
per-record errors), ships the model to every worker once (``scatter(broadcast=True)``) and
keeps a bounded window of batch futures in flight, collecting them in submission order. So
the records are the same as the local engine's, in the same order, and memory stays flat.
Workers need this package installed (``pip install feed-content-classifier[dask]``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from .batch import PAGES_PER_BATCH, BatchResult, _batches, in_submission_order, label_texts
from .errors import ClassifierError
from .model import SegmentModel
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


def label_stream_dask(items: Iterable[Item], model: SegmentModel, scheduler: str | None = None,
                      workers: int = 2, batch_pages: int = PAGES_PER_BATCH,
                      probabilities: bool = False, explain: bool = False,
                      on_error: Callable[[RecordError], None] | None = None,
                      ) -> Iterator[tuple[list[PageRecord], BatchResult]]:
    """Yield (pages, labels) batch by batch, in input order, computed on Dask workers."""
    client, cluster = _client(scheduler, workers)
    try:
        n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
        shipped = client.scatter(model, broadcast=True)
        yield from in_submission_order(
            ((pages, client.submit(label_texts, shipped, [p.text for p in pages], probabilities,
                                   explain, pure=False))
             for pages in _batches(items, batch_pages, on_error or (lambda error: None))),
            limit=n_workers * IN_FLIGHT_PER_WORKER)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
