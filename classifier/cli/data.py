"""``classifier data ...``: work with labelled data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .app import EXIT_ERROR, data_app, err, run_guarded


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
    from ..evaluation.corpus import check_corpus

    def work() -> None:
        report = check_corpus(data, strict=strict)
        typer.echo(json.dumps(report.as_dict(), indent=2) if as_json else report.render())
        if report.problems:
            for problem in report.problems:
                err(f"problem: {problem}")
            raise typer.Exit(EXIT_ERROR)

    run_guarded(work)


@data_app.command("from-html")
def data_from_html(
    pages: Annotated[list[str], typer.Argument(
        help="Labelled HTML pages (data-label on elements) or directories of them.",
        show_default=False)],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Labelled-pages JSONL to write; default: only check.")] = None,
    forbid: Annotated[list[Path] | None, typer.Option(
        "--forbid", help="Third-party text (plain text or JSONL pages) whose lines of 40+ "
                         "characters the pages must not copy; repeat the option.")] = None,
) -> None:
    """Render labelled HTML pages as scrapers render them, into labelled-pages JSONL.

    Every element may carry data-label="news|promo|disclaimer|teaser|boilerplate"; it labels
    all text inside it down to the nearest element with its own. <html> carries
    data-source (required), lang and data-topic. Lines that mix labels are problems.

    Example: classifier data from-html data/html/fa -o data/corpus/pages-fa.jsonl
    """
    from ..evaluation.corpus import build_from_html

    def work() -> None:
        build = build_from_html(pages, output, forbid or ())
        for problem in build.problems:
            err(f"problem: {problem}")
        typer.echo(build.render())
        if build.problems:
            raise typer.Exit(EXIT_ERROR)

    run_guarded(work)
