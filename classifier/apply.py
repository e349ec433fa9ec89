"""Run a model over inputs and write one output: the engine behind predict and clean."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .batch import (
    PAGES_PER_BATCH,
    BatchResult,
    RunSummary,
    Timer,
    label_stream,
    prediction_records,
    split_pages,
)
from .errors import ClassifierError
from .labels import DEFAULT_KEEP
from .readers import PageRecord, RecordError, check_inputs, iter_pages
from .writers import RecordWriter, check_output, output_format

ENGINES = ("local", "dask")
Emit = Callable[[PageRecord, BatchResult, int, int], list[dict[str, Any]]]
Progress = Callable[[int, int, int], None]
"""Called with (pages done, segments done, characters read) after every batch."""


def resolve_model_path(model: str | None, quiet: bool = False) -> str:
    if model is not None:
        return model
    from .default_model import ensure_default_model

    return str(ensure_default_model(quiet=quiet))


def apply_model(inputs: Sequence[str], emit: Emit, output: str | None = None,
                fmt: str | None = None, model: str | None = None, jobs: int = 1,
                input_format: str = "auto", probabilities: bool = False, explain: bool = False,
                batch_pages: int = PAGES_PER_BATCH,
                columns: Callable[[list[str]], Sequence[str]] | None = None,
                force: bool = True, quiet: bool = False, progress: Progress | None = None,
                on_error: Callable[[RecordError], None] | None = None,
                warn: Callable[[str], None] | None = None, engine: str = "local",
                scheduler: str | None = None) -> RunSummary:
    """Label every page of ``inputs`` and write what ``emit`` makes of each page."""
    fmt = output_format(output, fmt)
    if engine not in ENGINES:
        raise ClassifierError(f"unknown engine {engine!r}; choose {' or '.join(ENGINES)}")
    check_inputs(inputs)
    check_output(output, fmt, force)
    model_path = resolve_model_path(model, quiet)
    from .artifact import load_model_file

    loaded = load_model_file(model_path)  # fail fast on a bad artifact, before any output
    labels = loaded.labels
    if jobs > 1 and engine == "local":
        loaded = None  # workers load their own copy: do not hold a third one here
    summary = RunSummary()
    timer = Timer()
    chars = 0
    seen_ids: set[int] = set()  # hashes only: ~70 bytes a page, for the duplicate-id warning

    def failed(error: RecordError) -> None:
        summary.record_error(error)
        if on_error:
            on_error(error)

    items = iter_pages(inputs, input_format, warn)
    header = columns(labels) if columns else None
    if engine == "dask":
        from .dask_engine import label_stream_dask

        stream = label_stream_dask(items, loaded, scheduler=scheduler, workers=jobs,
                                   batch_pages=batch_pages, probabilities=probabilities,
                                   explain=explain, on_error=failed)
    else:
        stream = label_stream(items, model=loaded, model_path=model_path, jobs=jobs,
                              batch_pages=batch_pages, probabilities=probabilities,
                              explain=explain, on_error=failed)
    with RecordWriter(output, fmt, header) as writer:
        for pages, result in stream:
            for page, first, count in split_pages(pages, result):
                writer.write_many(emit(page, result, first, count))
                chars += len(page.text)
                key = hash(page.id)
                if key in seen_ids:
                    summary.duplicate_ids += 1
                seen_ids.add(key)
            summary.pages += len(pages)
            summary.segments += len(result.starts)
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
        inputs, prediction_records, output, probabilities=probabilities, explain=explain,
        columns=lambda labels: prediction_columns(labels, probabilities, explain), **options)


def clean_emitter(keep: Sequence[str] = DEFAULT_KEEP) -> Emit:
    kept = set(keep)

    def emit(page: PageRecord, result: BatchResult, first: int, count: int) -> list[dict]:
        labels = result.labels
        parts = [page.text[int(result.starts[r]):int(result.ends[r])]
                 for r in range(first, first + count)
                 if labels[result.label_index[r]] in kept]
        return [{"id": page.id, "text": "\n".join(parts)}]

    return emit


def clean(inputs: Sequence[str], output: str | None = None,
          keep: Sequence[str] = DEFAULT_KEEP, **options: Any) -> RunSummary:
    """Write each page's text with only the kept labels, one {"id", "text"} record per page."""
    return apply_model(inputs, clean_emitter(keep), output,
                       columns=lambda labels: ["id", "text"], **options)
