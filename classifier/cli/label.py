"""``classifier predict`` and ``classifier clean``: label feeds."""

from __future__ import annotations

from typing import Annotated

import typer

from ..engine.options import PART_PAGES, REMEMBERED_IDS, Engine, RunOptions
from ..io.formats import InputFormat, OutputFormat
from ..labels import DEFAULT_KEEP
from .app import (
    DEFAULT_BATCH,
    EXIT_PARTIAL,
    BatchOpt,
    EngineOpt,
    ForceOpt,
    FormatOpt,
    InputFormatOpt,
    Inputs,
    JobsOpt,
    ModelOpt,
    OutputOpt,
    PartPagesOpt,
    QuietOpt,
    ResumeOpt,
    SchedulerOpt,
    app,
    err,
    input_size,
    progress_reporter,
    run_guarded,
)


def _options(model: str | None, fmt: OutputFormat | None, jobs: int,
             input_format: InputFormat, batch_size: int, engine: Engine,
             scheduler: str | None, force: bool, quiet: bool, resume: bool,
             part_pages: int) -> RunOptions:
    from ..engine.local import default_jobs

    return RunOptions(model=model, jobs=default_jobs() if jobs <= 0 else jobs, engine=engine,
                      scheduler=scheduler, input_format=input_format, output_format=fmt,
                      batch_pages=batch_size, force=force, quiet=quiet, resume=resume,
                      part_pages=part_pages)


def _finish(summary, quiet: bool, what: str) -> None:
    if summary.duplicate_ids:
        err(f"warning: {summary.duplicate_ids} pages repeat an earlier page's id; each was "
            f"labelled and written (repeats of the first {REMEMBERED_IDS:,} ids are counted)")
    for line in summary.errors:
        err(f"skipped: {line}")
    if summary.failed > len(summary.errors):
        err(f"... and {summary.failed - len(summary.errors)} more")
    if summary.parts_kept and not quiet:
        err(f"kept {summary.parts_kept} parts ({summary.segments_kept} segments) of the "
            "earlier run")
    if not quiet:
        labelled = summary.segments - summary.segments_kept
        rate = labelled / summary.seconds if summary.seconds else 0.0
        err(f"{what} {summary.pages} pages, {summary.segments} segments in "
            f"{summary.seconds:.1f} s ({rate:,.0f} segments/s); {summary.failed} failed")
    if summary.failed:
        raise typer.Exit(EXIT_PARTIAL)


@app.command()
def predict(
    inputs: Inputs,
    model: ModelOpt = None,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    force: ForceOpt = False,
    probabilities: Annotated[bool, typer.Option(
        "--probabilities", "-p", help="Add every label's probability to each record.")] = False,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Add the features that pushed most toward each label.")] = False,
    jobs: JobsOpt = 0,
    input_format: InputFormatOpt = InputFormat.AUTO,
    batch_size: BatchOpt = DEFAULT_BATCH,
    engine: EngineOpt = Engine.LOCAL,
    scheduler: SchedulerOpt = None,
    resume: ResumeOpt = False,
    part_pages: PartPagesOpt = PART_PAGES,
    quiet: QuietOpt = False,
) -> None:
    """Label every segment of every page: one record per segment, pages in input order.

    Records: {"id", "segment", "start", "end", "label", "score", "text"}.

    Example: classifier predict page.txt feed.jsonl.gz -o labels.parquet

    Long feeds: classifier predict big.jsonl -o out/ writes part files and a manifest; after an
    interruption, the same command with --resume labels only what is missing.
    """
    from ..engine.run import predict as run_predict

    def work() -> None:
        options = _options(model, fmt, jobs, input_format, batch_size, engine, scheduler,
                           force, quiet, resume, part_pages)
        with progress_reporter(quiet, input_size(inputs)) as update:
            summary = run_predict(inputs, output, probabilities, explain, options,
                                  progress=update)
        _finish(summary, quiet, "labelled")

    run_guarded(work)


@app.command()
def clean(
    inputs: Inputs,
    keep: Annotated[list[str] | None, typer.Option(
        "--keep", "-k", help="Labels to keep (repeat the option); default: news.")] = None,
    model: ModelOpt = None,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    force: ForceOpt = False,
    jobs: JobsOpt = 0,
    input_format: InputFormatOpt = InputFormat.AUTO,
    batch_size: BatchOpt = DEFAULT_BATCH,
    engine: EngineOpt = Engine.LOCAL,
    scheduler: SchedulerOpt = None,
    resume: ResumeOpt = False,
    part_pages: PartPagesOpt = PART_PAGES,
    quiet: QuietOpt = False,
) -> None:
    """Write each page with only the kept labels: one {"id", "text"} record per page.

    Example: classifier clean feed.jsonl --keep news -o clean.jsonl

    Long feeds: -o out/ writes part files and a manifest; --resume continues an interrupted run.
    """
    from ..engine.run import clean as run_clean

    def work() -> None:
        options = _options(model, fmt, jobs, input_format, batch_size, engine, scheduler,
                           force, quiet, resume, part_pages)
        with progress_reporter(quiet, input_size(inputs)) as update:
            summary = run_clean(inputs, output, tuple(keep or DEFAULT_KEEP), options,
                                progress=update)
        _finish(summary, quiet, "cleaned")

    run_guarded(work)


@app.command()
def show(
    inputs: Inputs,
    model: ModelOpt = None,
    pages: Annotated[int, typer.Option(
        "--pages", "-n", help="How many pages to show (from the start of the input).",
        min=1)] = 1,
    full: Annotated[bool, typer.Option(
        "--full", help="Show whole lines (default: cut to 160 characters).")] = False,
    input_format: InputFormatOpt = InputFormat.AUTO,
    quiet: QuietOpt = False,
) -> None:
    """Print a page's lines coloured by label, with each line's score.

    Example: classifier show page.html
    """
    from rich.console import Console

    from ..engine.run import label_pages
    from .render import labelled_page_table

    def work() -> None:
        console = Console()
        for page_id, predictions in label_pages(inputs, model, input_format, pages, quiet):
            console.print(labelled_page_table(page_id, predictions,
                                              None if full else SHOW_MAX_CHARS))

    run_guarded(work)


SHOW_MAX_CHARS = 160
