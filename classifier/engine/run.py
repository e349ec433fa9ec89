"""Run a model over inputs and write one output: the engine behind ``predict`` and ``clean``.

Data flows one way: pages are read (``io.pages``), grouped into batches, labelled by a
``Labeller`` (this machine's process pool or a Dask cluster) with a ``LabelJob``, and the
output of each batch is written in input order (``io.writers``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import InputError
from ..io.formats import InputFormat, OutputFormat, choose, output_format
from ..io.pages import RecordError, check_inputs, iter_pages
from ..io.writers import RecordWriter, check_output
from ..labels import DEFAULT_KEEP
from .labeller import Labeller, page_batches
from .options import MAX_REPORTED_ERRORS, REMEMBERED_IDS, Engine, RunOptions
from .outputs import CleanText, LabelJob, PredictionRecords

if TYPE_CHECKING:
    from ..model.predictor import Prediction

Progress = Callable[[int, int, int], None]
"""Called with (pages done, segments done, characters read) after every batch."""


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


def resolve_model_path(model: str | None, quiet: bool = False) -> str:
    """The artifact to load: the given one, or the default model (built on first use)."""
    if model is not None:
        return model
    from ..model.default import ensure_default_model

    return str(ensure_default_model(quiet=quiet))


def open_labeller(options: RunOptions) -> Labeller:
    engine = choose(Engine, options.engine, "engine")
    model_path = resolve_model_path(options.model, options.quiet)
    if engine is Engine.DASK:
        from .dask_cluster import DaskLabeller

        return DaskLabeller(model_path, scheduler=options.scheduler, workers=options.jobs)
    from .local import LocalLabeller

    return LocalLabeller(model_path, jobs=options.jobs)


class _DuplicateIds:
    """Counts pages repeating an earlier page's id, remembering at most REMEMBERED_IDS ids
    (hashes only), so memory stays flat on endless feeds."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.repeats = 0

    def add(self, page_id: str) -> None:
        key = hash(page_id)
        if key in self.seen:
            self.repeats += 1
        elif len(self.seen) < REMEMBERED_IDS:
            self.seen.add(key)


def run(inputs: Sequence[str], job: LabelJob, columns: Callable[[list[str]], list[str]],
        output: str | None = None, options: RunOptions = RunOptions(),
        progress: Progress | None = None, on_error: Callable[[RecordError], None] | None = None,
        warn: Callable[[str], None] | None = None) -> RunSummary:
    """Label every page of ``inputs`` with ``job`` and write its output to ``output``
    (standard output when None). ``columns(labels)`` names the output's columns."""
    fmt = output_format(output, options.output_format)
    input_format = choose(InputFormat, options.input_format, "input format")
    check_inputs(inputs)
    check_output(output, fmt, options.force)
    job = LabelJob(job.emitter, job.probabilities, job.explain, fmt is OutputFormat.JSONL)
    summary = RunSummary()
    started = time.perf_counter()
    chars = 0
    duplicates = _DuplicateIds()

    def failed(error: RecordError) -> None:
        summary.record_error(error)
        if on_error:
            on_error(error)

    with open_labeller(options) as labeller:  # loads the model: a bad artifact fails here
        batches = page_batches(iter_pages(inputs, input_format, warn), options.batch_pages,
                               failed)
        with RecordWriter(output, fmt, columns(labeller.labels)) as writer:
            for pages, out in labeller.label(batches, job):
                if out.encoded is not None:
                    writer.write_encoded(out.encoded, out.n_records)
                else:
                    writer.write_many(out.records or [])
                for page in pages:
                    chars += len(page.text)
                    duplicates.add(page.id)
                summary.pages += len(pages)
                summary.segments += out.segments
                if progress:
                    progress(summary.pages, summary.segments, chars)
    summary.duplicate_ids = duplicates.repeats
    summary.seconds = time.perf_counter() - started
    return summary


def prediction_columns(labels: Sequence[str], probabilities: bool, explain: bool) -> list[str]:
    columns = ["id", "segment", "start", "end", "label", "score", "text"]
    if probabilities:
        columns += [f"p_{label}" for label in labels]
    if explain:
        columns.append("explanation")
    return columns


def predict(inputs: Sequence[str], output: str | None = None, probabilities: bool = False,
            explain: bool = False, options: RunOptions = RunOptions(), *,
            progress: Progress | None = None,
            on_error: Callable[[RecordError], None] | None = None,
            warn: Callable[[str], None] | None = None) -> RunSummary:
    """Write one record per segment (DESIGN.md, 'Predictions out')."""
    return run(inputs, LabelJob(PredictionRecords(), probabilities, explain),
               lambda labels: prediction_columns(labels, probabilities, explain),
               output, options, progress, on_error, warn)


def clean(inputs: Sequence[str], output: str | None = None,
          keep: Sequence[str] = DEFAULT_KEEP, options: RunOptions = RunOptions(), *,
          progress: Progress | None = None,
          on_error: Callable[[RecordError], None] | None = None,
          warn: Callable[[str], None] | None = None) -> RunSummary:
    """Write each page's text with only the kept labels, one {"id", "text"} record per page."""
    return run(inputs, LabelJob(CleanText(tuple(keep))), lambda labels: ["id", "text"],
               output, options, progress, on_error, warn)


def label_pages(inputs: Sequence[str], model: str | None = None,
                input_format: InputFormat | str = InputFormat.AUTO,
                limit: int | None = None, quiet: bool = False) -> Iterator[
    tuple[str, list[Prediction]]
]:
    """(page id, predictions) for the first ``limit`` pages of ``inputs``, labelled in this
    process: for looking at a few pages, not for feeds (use ``predict``)."""
    from itertools import islice

    from .. import load_model

    check_inputs(inputs)
    loaded = load_model(model, quiet=quiet)
    pages = (item for item in iter_pages(inputs, choose(InputFormat, input_format,
                                                        "input format")))
    records = []
    for item in islice(pages, limit):
        if isinstance(item, RecordError):
            raise InputError(str(item))
        records.append(item)
    for record, predictions in zip(records, loaded.predict_pages(r.text for r in records)):
        yield record.id, predictions
