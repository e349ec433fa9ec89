"""The file formats read and written, and how a path's suffix names its format: one table.

Every reader and writer (pages, labelled data, predictions) asks this module, so a suffix
means the same thing everywhere: ``.json`` is JSON lines for ``predict`` as for ``train``.
The choices are Enums, so the CLI lists them in ``--help`` and refuses others as a usage
error; library callers passing a plain string get the same check through ``choose``.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TypeVar

from ..errors import ClassifierError


class InputFormat(str, Enum):
    """How to read pages: by suffix (``auto``) or as one of the formats."""

    AUTO = "auto"
    TEXT = "text"
    HTML = "html"
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


class OutputFormat(str, Enum):
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


class ArtifactFormat(str, Enum):
    """Model artifacts: joblib (pickle, for models you trust) or skops (safe to share)."""

    JOBLIB = "joblib"
    SKOPS = "skops"


SUFFIXES: dict[str, str] = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".html": "html", ".htm": "html",
}
"""Suffix -> format, for pages, labelled data and outputs alike (``.gz`` is looked through)."""
COMPRESSED_SUFFIX = ".gz"
TABLE_FORMATS = ("jsonl", "csv", "parquet")
"""Formats that hold many records (pages, labelled segments or predictions) per file."""

E = TypeVar("E", bound=Enum)


def choose(choices: type[E], value: str | E, what: str) -> E:
    """``value`` as a member of ``choices``, or a ClassifierError that lists them."""
    try:
        return choices(value)
    except ValueError:
        names = ", ".join(member.value for member in choices)
        raise ClassifierError(f"unknown {what} {value!r}; choose one of {names}") from None


def is_compressed(path: str | Path) -> bool:
    return str(path).lower().endswith(COMPRESSED_SUFFIX)


def suffix_format(path: str | Path) -> str | None:
    """The format a path's suffix names (through ``.gz``), or None."""
    name = str(path).lower()
    if name.endswith(COMPRESSED_SUFFIX):
        name = name[: -len(COMPRESSED_SUFFIX)]
    for suffix, fmt in SUFFIXES.items():
        if name.endswith(suffix):
            return fmt
    return None


def page_format(path: str | Path, declared: InputFormat | str = InputFormat.AUTO) -> str:
    """How to read pages from ``path``: the declared format, else by suffix, else text."""
    declared = choose(InputFormat, declared, "input format")
    if declared is not InputFormat.AUTO:
        return declared.value
    return suffix_format(path) or InputFormat.TEXT.value


def output_format(path: str | None, declared: OutputFormat | str | None) -> OutputFormat:
    """The declared output format, else the output file's suffix, else JSONL."""
    if declared is not None:
        return choose(OutputFormat, declared, "output format")
    by_suffix = suffix_format(path) if path and path != "-" else None
    return OutputFormat(by_suffix) if by_suffix in TABLE_FORMATS else OutputFormat.JSONL
