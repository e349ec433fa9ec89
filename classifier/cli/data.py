"""``classifier data ...``: work with labelled data."""

from __future__ import annotations

import json
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
