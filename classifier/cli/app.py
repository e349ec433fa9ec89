"""The ``classifier`` Typer app, the shared options, and the one place where library errors
become messages and exit codes.

Exit codes: 0 success; 1 error (nothing useful could be done: bad model, data or output);
2 usage error; 3 partial failure (some records could not be processed, the rest were
written); 130 interrupted (Ctrl-C); 143 stopped by SIGTERM, 129 by SIGHUP (128 + the signal's
number, as shells report it).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from .._version import __version__
from ..engine.options import PAGES_PER_BATCH, Engine
from ..errors import ClassifierError, Terminated
from ..io.formats import InputFormat, OutputFormat

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


def err(message: str) -> None:
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
        err(f"error: {exc}{_kept(exc, '')}")
        raise typer.Exit(EXIT_ERROR) from None
    except Terminated as stop:
        err(f"stopped by {stop.name}{_kept(stop)}")
        raise typer.Exit(128 + stop.signum) from None
    except KeyboardInterrupt as stop:
        err(f"interrupted{_kept(stop)}")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except BrokenPipeError:
        sys.stderr.close()
        raise typer.Exit(EXIT_ERROR) from None
    except Exception as exc:  # last resort: never a traceback for users
        if _state["debug"]:
            traceback.print_exc()
        err(f"error: unexpected {type(exc).__name__}: {exc} (rerun with --debug for details)")
        raise typer.Exit(EXIT_ERROR) from None


def _kept(exc: BaseException, otherwise: str = "; no output was written") -> str:
    """What an interrupted or failed run left behind: the finished parts of a directory
    output (which ``--resume`` continues), else nothing."""
    kept = getattr(exc, "kept_output", None)
    return f"; {kept}" if kept else otherwise


@contextmanager
def progress_reporter(quiet: bool, total_chars: int | None):
    """A rich progress bar on stderr: pages, segments, rate and (when known) ETA."""
    if quiet or not sys.stderr.isatty():
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


def input_size(inputs: list[str]) -> int | None:
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
    "--output", "-o", help="Output file (written atomically), or a directory (out/) for "
                           "numbered part files and a manifest; default: standard output.")]
ResumeOpt = Annotated[bool, typer.Option(
    "--resume", help="With -o DIR/: keep the finished parts of an interrupted run into DIR "
                     "(each checked) and label the rest.")]
PartPagesOpt = Annotated[int, typer.Option(
    "--part-pages", min=1, help="With -o DIR/: input pages per part file.")]
FormatOpt = Annotated[OutputFormat | None, typer.Option(
    "--format", "-f", case_sensitive=False,
    help="Output format (default: from the output file's extension, else jsonl).")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")]
JobsOpt = Annotated[int, typer.Option(
    "--jobs", "-j", help="Worker processes; 0 means all cores.")]
InputFormatOpt = Annotated[InputFormat, typer.Option(
    "--input-format", case_sensitive=False,
    help="auto: by extension; standard input is JSONL if it starts with a JSON object, else "
         "one text page.")]
QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="No progress or summary on stderr (automatic when stderr is not a "
                          "terminal, except the summary).")]
BatchOpt = Annotated[int, typer.Option("--batch-size", help="Pages per batch.", min=1)]
EngineOpt = Annotated[Engine, typer.Option(
    "--engine", case_sensitive=False,
    help="local: a process pool on this machine; dask: a Dask cluster.")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="Dask scheduler address (tcp://host:8786); default: a local cluster "
                        "with --jobs workers.")]
DEFAULT_BATCH = PAGES_PER_BATCH
