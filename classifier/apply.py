"""Run a model over inputs and write one output: the engine behind predict and clean."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .batch import PAGES_PER_BATCH, LocalLabeller, RunSummary, Timer
from .emit import Emitter, PredictionRecords, clean_text
from .errors import ClassifierError
from .labels import DEFAULT_KEEP
from .readers import RecordError, check_inputs, iter_pages
from .writers import RecordWriter, check_output, output_format

ENGINES = ("local", "dask")
REMEMBERED_IDS = 100_000
"""Ids remembered for the duplicate-id warning (about 6 MB): a later page repeating one of
them is counted, and memory stays flat however long the feed (a set of every id grew by
about 70 bytes a page: 21 MB on a 1 GB feed)."""
Progress = Callable[[int, int, int], None]
"""Called with (pages done, segments done, characters read) after every batch."""


def resolve_model_path(model: str | None, quiet: bool = False) -> str:
    if model is not None:
        return model
    from .default_model import ensure_default_model

    return str(ensure_default_model(quiet=quiet))


def apply_model(inputs: Sequence[str], emit: Emitter, output: str | None = None,
                fmt: str | None = None, model: str | None = None, jobs: int = 1,
                input_format: str = "auto", probabilities: bool = False, explain: bool = False,
                batch_pages: int = PAGES_PER_BATCH,
                columns: Callable[[list[str]], Sequence[str]] | None = None,
                force: bool = True, quiet: bool = False, progress: Progress | None = None,
                on_error: Callable[[RecordError], None] | None = None,
                warn: Callable[[str], None] | None = None, engine: str = "local",
                scheduler: str | None = None) -> RunSummary:
    """Label every page of ``inputs`` and write what ``emit`` makes of each page.

    ``emit`` must be picklable (it runs in the workers): see ``emit.PredictionRecords``.
    """
    fmt = output_format(output, fmt)
    if engine not in ENGINES:
        raise ClassifierError(f"unknown engine {engine!r}; choose {' or '.join(ENGINES)}")
    check_inputs(inputs)
    check_output(output, fmt, force)
    model_path = resolve_model_path(model, quiet)
    if engine == "dask":
        from .dask_engine import DaskLabeller

        labeller: Any = DaskLabeller(model_path, scheduler=scheduler, workers=jobs)
    else:
        labeller = LocalLabeller(model_path, jobs=jobs)
    summary = RunSummary()
    timer = Timer()
    chars = 0
    seen_ids: set[int] = set()  # hashes only, for the duplicate-id warning; bounded below

    def failed(error: RecordError) -> None:
        summary.record_error(error)
        if on_error:
            on_error(error)

    encode = fmt == "jsonl"
    with labeller:  # loads the model: a bad artifact fails here, before any output
        header = columns(labeller.labels) if columns else None
        stream = labeller.stream(iter_pages(inputs, input_format, warn), emit, encode=encode,
                                 batch_pages=batch_pages, probabilities=probabilities,
                                 explain=explain, on_error=failed)
        with RecordWriter(output, fmt, header) as writer:
            for pages, out in stream:
                if out.encoded is not None:
                    writer.write_encoded(out.encoded, out.n_records)
                else:
                    writer.write_many(out.records or [])
                for page in pages:
                    chars += len(page.text)
                    key = hash(page.id)
                    if key in seen_ids:
                        summary.duplicate_ids += 1
                    elif len(seen_ids) < REMEMBERED_IDS:
                        seen_ids.add(key)
                summary.pages += len(pages)
                summary.segments += out.segments
                if progress:
                    progress(summary.pages, summary.segments, chars)
    summary.seconds = timer.seconds
    return summary


def prediction_columns(labels: Sequence[str], probabilities: bool, explain: bool) -> list[str]:
    columns = ["id", "segment", "start", "end", "label", "score", "text"]
    if probabilities:
        columns += [f"p_{label}" for label in labels]
    if explain:
        columns.append("explanation")
    return columns


def predict(inputs: Sequence[str], output: str | None = None, probabilities: bool = False,
            explain: bool = False, **options: Any) -> RunSummary:
    """Write one record per segment (DESIGN.md, 'Predictions out')."""
    return apply_model(
        inputs, PredictionRecords(), output, probabilities=probabilities, explain=explain,
        columns=lambda labels: prediction_columns(labels, probabilities, explain), **options)


def clean(inputs: Sequence[str], output: str | None = None,
          keep: Sequence[str] = DEFAULT_KEEP, **options: Any) -> RunSummary:
    """Write each page's text with only the kept labels, one {"id", "text"} record per page."""
    return apply_model(inputs, clean_text(keep), output,
                       columns=lambda labels: ["id", "text"], **options)
