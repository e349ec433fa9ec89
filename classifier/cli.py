"""The ``classifier`` command: Typer parses options and calls the package's plain functions.

Exit codes: 0 success; 1 error (nothing useful could be done: bad model, data or output);
2 usage error; 3 partial failure (some records could not be processed, the rest were
written); 130 interrupted.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ._version import __version__
from .batch import PAGES_PER_BATCH
from .errors import ClassifierError

EXIT_ERROR = 1
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="classifier",
    help="Label every segment of scraped news pages as news, promo, disclaimer, teaser or "
         "boilerplate; train, evaluate and apply models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
data_app = typer.Typer(help="Work with labelled data.", no_args_is_help=True)
app.add_typer(data_app, name="data")

T = TypeVar("T")
_state = {"debug": False}


def _err(message: str) -> None:
    typer.echo(message, err=True)


def run_guarded(work: Callable[[], T]) -> T:
    """Turn library errors into one line on stderr and an exit code (``--debug``: traceback)."""
    try:
        return work()
    except typer.Exit:
        raise
    except ClassifierError as exc:
        if _state["debug"]:
            traceback.print_exc()
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_ERROR) from None
    except KeyboardInterrupt:
        _err("interrupted; no output was written")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except BrokenPipeError:
        sys.stderr.close()
        raise typer.Exit(EXIT_ERROR) from None
    except Exception as exc:  # last resort: never a traceback for users
        if _state["debug"]:
            traceback.print_exc()
        _err(f"error: unexpected {type(exc).__name__}: {exc} (rerun with --debug for details)")
        raise typer.Exit(EXIT_ERROR) from None


def _show_progress(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


@contextmanager
def progress_reporter(quiet: bool, total_chars: int | None):
    """A rich progress bar on stderr: pages, segments, rate and (when known) ETA."""
    if not _show_progress(quiet):
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn("[bold]labelling"), BarColumn(),
               TextColumn("{task.fields[pages]} pages, {task.fields[segments]} segments, "
                          "{task.fields[rate]} seg/s"), TimeElapsedColumn()]
    if total_chars:
        columns.append(TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("label", total=total_chars, pages=0, segments=0, rate=0)

        def update(pages: int, segments: int, chars: int) -> None:
            elapsed = bar.tasks[0].elapsed or 1e-9
            bar.update(task, completed=chars, pages=pages, segments=segments,
                       rate=int(segments / elapsed))

        yield update


def _input_size(inputs: list[str]) -> int | None:
    """Total size of plain (not gzipped, not stdin) input files, for an ETA."""
    total = 0
    for item in inputs:
        path = Path(item)
        if item == "-" or item.endswith(".gz"):
            return None
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total or None


def _finish(summary: Any, quiet: bool, what: str) -> None:
    if summary.duplicate_ids:
        from .apply import REMEMBERED_IDS

        _err(f"warning: {summary.duplicate_ids} pages repeat an earlier page's id; each was "
             f"labelled and written (repeats of the first {REMEMBERED_IDS:,} ids are counted)")
    for line in summary.errors:
        _err(f"skipped: {line}")
    if summary.failed > len(summary.errors):
        _err(f"... and {summary.failed - len(summary.errors)} more")
    if not quiet:
        rate = summary.segments / summary.seconds if summary.seconds else 0.0
        _err(f"{what} {summary.pages} pages, {summary.segments} segments in "
             f"{summary.seconds:.1f} s ({rate:,.0f} segments/s); {summary.failed} failed")
    if summary.failed:
        raise typer.Exit(EXIT_PARTIAL)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"classifier {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug


# Shared option types -------------------------------------------------------------------------
Inputs = Annotated[list[str], typer.Argument(
    help="Pages: text files, directories, JSONL/CSV/Parquet with id and text, .gz of those, "
         "or - for standard input.", show_default=False)]
ModelOpt = Annotated[str | None, typer.Option(
    "--model", "-m", help="Model artifact (.joblib or .skops); default: the built-in model.")]
OutputOpt = Annotated[str | None, typer.Option(
    "--output", "-o", help="Output file (written atomically); default: standard output.")]
FormatOpt = Annotated[str | None, typer.Option(
    "--format", "-f", help="Output format: jsonl, csv or parquet (default: from the output "
                           "file's extension, else jsonl).")]
JobsOpt = Annotated[int, typer.Option(
    "--jobs", "-j", help="Worker processes; 0 means all cores.")]
InputFormatOpt = Annotated[str, typer.Option(
    "--input-format", help="auto (by extension; stdin: JSONL if it starts with a JSON "
                           "object, else one text page), text, jsonl, csv or parquet.")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="No progress or summary on stderr (automatic when stderr is not a "
                          "terminal, except the summary).")]
BatchOpt = Annotated[int, typer.Option("--batch-size", help="Pages per batch.", min=1)]
EngineOpt = Annotated[str, typer.Option(
    "--engine", help="local (process pool on this machine) or dask (a Dask cluster).")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="Dask scheduler address (tcp://host:8786); default: a local cluster "
                        "with --jobs workers.")]


def _jobs(jobs: int) -> int:
    from .batch import default_jobs

    return default_jobs() if jobs <= 0 else jobs


@app.command()
def predict(
    inputs: Inputs,
    model: ModelOpt = None,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    probabilities: Annotated[bool, typer.Option(
        "--probabilities", "-p", help="Add every label's probability to each record.")] = False,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Add the features that pushed most toward each label.")] = False,
    jobs: JobsOpt = 0,
    input_format: InputFormatOpt = "auto",
    batch_size: BatchOpt = PAGES_PER_BATCH,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Label every segment of every page: one record per segment, pages in input order.

    Records: {"id", "segment", "start", "end", "label", "score", "text"}.

    Example: classifier predict page.txt feed.jsonl.gz -o labels.parquet
    """
    from .apply import predict as run_predict

    def work() -> None:
        with progress_reporter(quiet, _input_size(inputs)) as update:
            summary = run_predict(
                inputs, output, fmt=fmt, model=model, jobs=_jobs(jobs),
                input_format=input_format, probabilities=probabilities, explain=explain,
                batch_pages=batch_size, quiet=quiet, progress=update, engine=engine,
                scheduler=scheduler)
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
    jobs: JobsOpt = 0,
    input_format: InputFormatOpt = "auto",
    batch_size: BatchOpt = PAGES_PER_BATCH,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Write each page with only the kept labels: one {"id", "text"} record per page.

    Example: classifier clean feed.jsonl --keep news -o clean.jsonl
    """
    from .apply import clean as run_clean
    from .labels import DEFAULT_KEEP

    def work() -> None:
        with progress_reporter(quiet, _input_size(inputs)) as update:
            summary = run_clean(
                inputs, output, keep=tuple(keep or DEFAULT_KEEP), fmt=fmt, model=model,
                jobs=_jobs(jobs), input_format=input_format, batch_pages=batch_size,
                quiet=quiet, progress=update, engine=engine, scheduler=scheduler)
        _finish(summary, quiet, "cleaned")

    run_guarded(work)


@app.command()
def train(
    data: Annotated[list[str], typer.Argument(
        help="Labelled data: labelled-pages JSONL or labelled-segment CSV/Parquet, files or "
             "directories.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Artifact file to write.")] = Path(
        "model.joblib"),
    kind: Annotated[str, typer.Option(
        "--kind", help="Model: stacked (default, neighbour-aware), full or bow.")] = "stacked",
    cv_folds: Annotated[int, typer.Option(
        "--cv-folds", help="Cross-validation folds grouped by source; 0 skips it.",
        min=0)] = 5,
    labels: Annotated[str | None, typer.Option(
        "--labels", help="Comma-separated custom label set (default: the five labels).")] = None,
    artifact_format: Annotated[str | None, typer.Option(
        "--format", "-f", help="joblib (default) or skops (safe to share; default when the "
                               "output ends in .skops).")] = None,
    jobs: JobsOpt = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the CV scores as JSON.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Train a model, print source-grouped cross-validated scores, write one artifact.

    Example: classifier train data/corpus -o model.joblib
    """
    from .artifact import save_model
    from .dataset import read_labelled
    from .labels import LABELS
    from .metrics import format_metrics
    from .pipeline import MODEL_KINDS
    from .train import train as run_train

    def work() -> None:
        if kind not in MODEL_KINDS:
            raise typer.BadParameter(f"choose one of {', '.join(MODEL_KINDS)}", param_hint="--kind")
        label_set = [x.strip() for x in labels.split(",") if x.strip()] if labels else LABELS
        frame = read_labelled(data, label_set)
        say = (lambda m: None) if quiet else (lambda m: _err(m))
        say(f"training on {frame['page'].nunique()} pages, {len(frame)} segments, "
            f"{frame['source'].nunique()} sources")
        result = run_train(frame, kind=kind, cv_folds=cv_folds, n_jobs=_jobs(jobs), progress=say,
                           extra_metadata={"training_files": [str(d) for d in data]})
        save_model(result.model, output, artifact_format)
        if as_json:
            typer.echo(json.dumps(result.cv_metrics, indent=2))
        elif result.cv_metrics is not None:
            typer.echo(f"Cross-validated ({cv_folds} folds grouped by source):")
            typer.echo(format_metrics(result.cv_metrics))
        say(f"wrote {output} ({result.seconds:.1f} s)")

    run_guarded(work)


@app.command()
def evaluate(
    data: Annotated[list[str], typer.Argument(help="Labelled data to score the model on.",
                                              show_default=False)],
    model: ModelOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Directory for metrics (JSON, Markdown), confusion-matrix and "
                         "reliability PNGs, and a CSV of misclassified segments.")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Score a model on labelled data: per-label P/R/F1, macro-F1, confusion matrix.

    Example: classifier evaluate data/corpus -m model.joblib --json
    """
    from .dataset import read_labelled
    from .evaluate import evaluate_model
    from .metrics import format_metrics

    def work() -> None:
        from . import load_model

        loaded = load_model(model, quiet=quiet)
        frame = read_labelled(data, loaded.labels)
        result = evaluate_model(loaded, frame)
        if report is not None:
            from .report import write_report

            write_report(result, report)
            if not quiet:
                _err(f"wrote the report to {report}")
        if as_json:
            typer.echo(json.dumps(result.metrics, indent=2))
            return
        typer.echo(format_metrics(result.metrics))
        labels = result.metrics["labels"]
        typer.echo("\nconfusion matrix (rows: true, columns: predicted)")
        typer.echo(" " * 12 + "".join(f"{lab[:10]:>11}" for lab in labels))
        for lab, row in zip(labels, result.metrics["confusion_matrix"]):
            typer.echo(f"{lab:<12}" + "".join(f"{v:>11}" for v in row))

    run_guarded(work)


@app.command()
def info(
    path: Annotated[str | None, typer.Argument(
        help="Artifact file; default: the built-in model.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Print an artifact's metadata: labels, versions, training data, CV scores.

    Example: classifier info model.joblib
    """

    def work() -> None:
        from . import load_model

        loaded = load_model(path)
        meta = loaded.metadata
        if as_json:
            typer.echo(json.dumps(meta, indent=2, default=str))
            return
        for key, value in meta.items():
            if key == "cv_scores" and isinstance(value, dict):
                typer.echo(f"cv_scores: macro-F1 {value['macro_f1']:.3f} ({value['folds']} "
                           f"folds grouped by {value['grouped_by']})")
                for label, row in value["per_label"].items():
                    typer.echo(f"  {label:<12} f1 {row['f1']:.3f}  support {row['support']}")
            else:
                typer.echo(f"{key}: {json.dumps(value, default=str)}")

    run_guarded(work)


@app.command()
def export(
    model: Annotated[str, typer.Argument(help="Artifact to convert (.joblib).",
                                         show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")] = Path(
        "model.skops"),
    artifact_format: Annotated[str, typer.Option(
        "--format", "-f", help="skops (safe to share and load) or joblib.")] = "skops",
) -> None:
    """Convert an artifact, e.g. to the .skops format that is safe to share.

    Example: classifier export model.joblib -o model.skops
    """
    from .artifact import load_model_file, save_model

    def work() -> None:
        save_model(load_model_file(model), output, artifact_format)
        _err(f"wrote {output}")

    run_guarded(work)


@data_app.command("check")
def data_check(
    data: Annotated[list[str], typer.Argument(help="Labelled data files or directories.",
                                              show_default=False)],
    strict: Annotated[bool, typer.Option(
        "--strict", help="Also enforce the shipped corpus's minimums (size, breadth, "
                         "per-label counts, distinct lines).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Validate labelled data and print counts per label, source and topic.

    Example: classifier data check data/corpus --strict
    """
    from .corpus import check_corpus

    def work() -> None:
        report = check_corpus(data, strict=strict)
        typer.echo(json.dumps(report.as_dict(), indent=2) if as_json else report.render())
        if report.problems:
            for problem in report.problems:
                _err(f"problem: {problem}")
            raise typer.Exit(EXIT_ERROR)

    run_guarded(work)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
