"""Read labelled data into one segment table: page, page_id, source, position, text, label.

Accepted: labelled-pages JSONL (``{"id", "source", "lines": [{"text", "label"}]}``) and
labelled-segment CSV/Parquet (``id, position, text, label`` and optionally ``source``),
as files, directories of them, or ``.gz`` of either. Every problem names its file and line.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pandas as pd

from ..errors import DataError
from ..labels import LABELS
from .decode import json_lines
from .formats import TABLE_FORMATS, is_compressed, suffix_format

COLUMNS = ["page", "page_id", "source", "position", "text", "label"]


def _kind(path: Path) -> str:
    kind = suffix_format(path)
    if kind not in TABLE_FORMATS:
        raise DataError(
            f"{path}: not labelled data (expected .jsonl, .csv or .parquet, optionally .gz)")
    return kind


def labelled_files(paths: Sequence[str | Path]) -> list[Path]:
    """Expand files and directories into the labelled-data files they hold, sorted."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*")
                           if p.is_file() and suffix_format(p) in TABLE_FORMATS)
            if not found:
                raise DataError(f"{path}: directory holds no .jsonl, .csv or .parquet files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise DataError(f"{path}: no such file or directory")
    if not files:
        raise DataError("no labelled data given")
    return files


def _open_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
        if is_compressed(path):
            data = gzip.decompress(data)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from exc
    return data


def _check_label(label: object, where: str, allowed: frozenset[str]) -> str:
    if not isinstance(label, str) or label not in allowed:
        raise DataError(
            f"{where}: unknown label {label!r}; valid labels: {', '.join(sorted(allowed))} "
            "(declare others with --labels)"
        )
    return label


def _rows_from_jsonl(path: Path, data: bytes, allowed: frozenset[str]) -> Iterator[tuple]:
    for number, record in json_lines(data.splitlines(), "id, source and lines"):
        where = f"{path}:{number}"
        if isinstance(record, ValueError):
            raise DataError(f"{where}: {record}")
        lines = record.get("lines")
        if not isinstance(lines, list):
            raise DataError(f"{where}: missing 'lines' list")
        page_id = str(record.get("id", f"{path.name}:{number}"))
        source = str(record.get("source") or page_id)
        for position, item in enumerate(lines):
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise DataError(f"{where}: line {position} needs a string 'text'")
            text = item["text"].strip()
            if not text or "\n" in text or "\r" in text:
                raise DataError(f"{where}: line {position} must be one non-empty line of text")
            label = _check_label(item.get("label"), f"{where} line {position}", allowed)
            yield page_id, source, position, text, label


def _rows_from_table(path: Path, data: bytes, kind: str, allowed: frozenset[str]) -> Iterator[
    tuple
]:
    try:
        if kind == "csv":
            table = pd.read_csv(io.BytesIO(data), dtype={"id": str, "text": str, "label": str},
                                keep_default_na=False)
        else:
            table = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pandas raises many parser-specific types
        raise DataError(f"{path}: cannot parse {kind} ({exc})") from exc
    missing = {"id", "position", "text", "label"} - set(table.columns)
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(sorted(missing))}; "
                        "labelled segments need id, position, text, label")
    if "source" not in table.columns:
        table["source"] = table["id"]
    table = table.sort_values(["id", "position"], kind="stable")
    for row in table.itertuples(index=False):
        where = f"{path}: id {row.id} position {row.position}"
        text = str(row.text).strip()
        if not text or "\n" in text or "\r" in text:
            raise DataError(f"{where}: text must be one non-empty line")
        yield str(row.id), str(row.source), int(row.position), text, _check_label(
            row.label, where, allowed)


def read_labelled(paths: Sequence[str | Path], labels: Iterable[str] = LABELS) -> pd.DataFrame:
    """Load labelled data from files or directories into one segment table."""
    allowed = frozenset(labels)
    rows: list[tuple] = []
    page_number = -1
    for path in labelled_files(paths):
        kind = _kind(path)
        data = _open_bytes(path)
        rows_iter = (_rows_from_jsonl(path, data, allowed) if kind == "jsonl"
                     else _rows_from_table(path, data, kind, allowed))
        previous = None
        for page_id, source, position, text, label in rows_iter:
            starts_page = position == 0 if kind == "jsonl" else page_id != previous
            if starts_page:
                page_number += 1
            previous = page_id
            rows.append((page_number, page_id, source, position, text, label))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if frame.empty:
        raise DataError("labelled data holds no segments")
    return frame


def fingerprint(frame: pd.DataFrame) -> str:
    """A stable hash of the labelled content, to tie an artifact to its training data."""
    digest = hashlib.sha256()
    for row in frame[["page_id", "source", "text", "label"]].itertuples(index=False):
        digest.update("\x1f".join(row).encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()[:16]
