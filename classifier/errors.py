"""Exceptions raised by the library; only the CLI turns them into messages and exit codes."""

from __future__ import annotations


class ClassifierError(Exception):
    """Base class: anything the user can fix by changing input, options or files."""


class InputError(ClassifierError):
    """An input file, directory or record cannot be read as pages."""


class DataError(ClassifierError):
    """Labelled data is malformed or unusable for training or evaluation."""


class ArtifactError(ClassifierError):
    """A model artifact is missing, foreign, damaged or from an incompatible version."""


class OutputError(ClassifierError):
    """The requested output cannot be written."""


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by a signal (SIGTERM, SIGHUP). A KeyboardInterrupt, so
    every clean-up that Ctrl-C gets (temporary files removed, workers stopped) runs for it
    too."""

    def __init__(self, signum: int, name: str):
        super().__init__(name)
        self.signum = signum
        self.name = name
