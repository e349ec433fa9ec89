"""Run a model over inputs and write one output: the engine behind ``predict`` and ``clean``.

Data flows one way: pages are read (``io.pages``), grouped into batches, labelled by a
``Labeller`` (this machine's process pool or a Dask cluster) with a ``LabelJob``, and the
output of each batch is written in input order (``io.writers``).
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..io.formats import InputFormat, OutputFormat, choose, output_format
from ..io.pages import PageRecord, RecordError, check_inputs, iter_pages
from ..io.writers import RecordWriter, check_output
from ..labels import DEFAULT_KEEP
from .labeller import Labeller, page_batches
from .options import MAX_REPORTED_ERRORS, REMEMBERED_IDS, Engine, RunOptions
from .outputs import CleanText, LabelJob, PredictionRecords
from .parts import (
    FinishedPart,
    InputPart,
    PartsDirectory,
    file_sha256,
    input_parts,
    is_directory_target,
)

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
    parts_kept: int = 0
    """Parts of an earlier, interrupted run that ``--resume`` kept."""
    segments_kept: int = 0
    """Segments in those parts (counted in ``segments``, not labelled by this run)."""

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


def open_labeller(options: RunOptions, model_path: str | None = None) -> Labeller:
    engine = choose(Engine, options.engine, "engine")
    model_path = model_path or resolve_model_path(options.model, options.quiet)
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
    (standard output when None; part files when it is a directory, see ``parts``).
    ``columns(labels)`` names the output's columns."""
    fmt = output_format(None if is_directory_target(output) else output, options.output_format)
    input_format = choose(InputFormat, options.input_format, "input format")
    check_inputs(inputs)
    if not is_directory_target(output):
        check_output(output, fmt, options.force)
    job = LabelJob(job.emitter, job.probabilities, job.explain, fmt is OutputFormat.JSONL)
    summary = RunSummary()
    started = time.perf_counter()
    tally = _Tally(summary, progress)

    def failed(error: RecordError) -> None:
        summary.record_error(error)
        if on_error:
            on_error(error)

    items = iter_pages(inputs, input_format, warn)
    if is_directory_target(output):
        assert output is not None
        _run_parts(items, job, columns, output, fmt, options, tally, failed)
    else:
        with open_labeller(options) as labeller:  # loads the model: a bad artifact fails here
            batches = page_batches(items, options.batch_pages, failed)
            with RecordWriter(output, fmt, columns(labeller.labels)) as writer:
                for pages, out in labeller.label(batches, job):
                    _write(writer, out)
                    tally.add(pages, out.segments)
    summary.duplicate_ids = tally.duplicates.repeats
    summary.seconds = time.perf_counter() - started
    return summary


class _Tally:
    """Counts what a run has done and reports progress."""

    def __init__(self, summary: RunSummary, progress: Progress | None):
        self.summary = summary
        self.progress = progress
        self.chars = 0
        self.duplicates = _DuplicateIds()

    def add(self, pages: Sequence[PageRecord], segments: int) -> None:
        for page in pages:
            self.chars += len(page.text)
            self.duplicates.add(page.id)
        self.summary.pages += len(pages)
        self.summary.segments += segments
        if self.progress:
            self.progress(self.summary.pages, self.summary.segments, self.chars)


def _write(writer: RecordWriter, out) -> None:
    if out.encoded is not None:
        writer.write_encoded(out.encoded, out.n_records)
    else:
        writer.write_many(out.records or [])


def _run_parts(items, job: LabelJob, columns: Callable[[list[str]], list[str]], output: str,
               fmt: OutputFormat, options: RunOptions, tally: _Tally,
               failed: Callable[[RecordError], None]) -> None:
    """Label into part files in ``output``, keeping an earlier run's finished parts when
    resuming. Part after part, in input order; batches never span two parts."""
    model_path = resolve_model_path(options.model, options.quiet)
    settings = {"model_sha256": file_sha256(Path(model_path)), "format": fmt.value,
                "part_pages": options.part_pages, "emit": repr(job.emitter),
                "probabilities": job.probabilities, "explain": job.explain}
    directory = PartsDirectory(output, fmt, settings, options.force, options.resume)
    with open_labeller(options, model_path) as labeller:
        kept, note = directory.prepare()
        if note and not options.quiet:
            print(note, file=sys.stderr)
        done: list[FinishedPart] = []
        plan: deque[tuple[InputPart, bool]] = deque()

        def batches() -> Iterator[list[PageRecord]]:
            for part in input_parts(items, options.part_pages, failed):
                previous = kept.get(part.index)
                if previous is not None and previous.input_sha256 == part.input_sha256:
                    done.append(previous)
                    tally.summary.parts_kept += 1
                    tally.summary.segments_kept += previous.segments
                    tally.add(part.pages, previous.segments)
                    continue
                size = options.batch_pages
                chunks = [part.pages[i:i + size] for i in range(0, len(part.pages), size)]
                for number, chunk in enumerate(chunks):
                    plan.append((part, number == len(chunks) - 1))
                    yield chunk

        writer: RecordWriter | None = None
        segments = 0
        try:
            for pages, out in labeller.label(batches(), job):
                part, last = plan.popleft()
                if writer is None:
                    writer = RecordWriter(str(directory.part_path(part.index)), fmt,
                                          columns(labeller.labels)).__enter__()
                    segments = 0
                _write(writer, out)
                segments += out.segments
                tally.add(pages, out.segments)
                if last:
                    records, finishing, writer = writer.records, writer, None
                    finishing.__exit__(None, None, None)
                    done.append(directory.finished(part, segments, records))
        except BaseException as exc:
            if writer is not None:
                writer.__exit__(type(exc), exc, exc.__traceback__)
            directory.remove_temporary_files()  # whatever moment the signal came at
            exc.kept_output = (f"{len(done)} finished parts are kept in {output}; run the same "
                               "command with --resume to continue")
            raise
        directory.complete(done, tally.summary.failed)


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
