"""The ``classifier`` command: one module per group of commands; each Typer command only
parses options and calls a plain function of the package that tests can import."""

from __future__ import annotations

import signal

from ..errors import Terminated
from . import data, label, models  # noqa: F401 - registers the commands
from .app import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_PARTIAL, app

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_PARTIAL", "app", "main"]

STOP_SIGNALS = ("SIGTERM", "SIGHUP")
"""What systemd, Kubernetes, Airflow, ``timeout`` and a closed terminal send to stop a job."""


def _stop(signum: int, frame: object) -> None:
    # later signals are ignored, so the clean-up the first one starts is not cut short
    for name in STOP_SIGNALS:
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    raise Terminated(signum, signal.Signals(signum).name)


def handle_stop_signals() -> None:
    """Stop on SIGTERM/SIGHUP the way Ctrl-C stops: workers ended, no partial output left,
    exit 128 + the signal's number."""
    for name in STOP_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _stop)


def main() -> None:
    handle_stop_signals()
    app()
