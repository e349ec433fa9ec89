"""The ``classifier`` command: one module per group of commands; each Typer command only
parses options and calls a plain function of the package that tests can import."""

from __future__ import annotations

from . import data, label, models  # noqa: F401 - registers the commands
from .app import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_PARTIAL, app

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_PARTIAL", "app", "main"]


def main() -> None:
    app()
