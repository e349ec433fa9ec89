"""Stream pages from every accepted input: text files, directories, JSONL, CSV, Parquet,
``.gz`` of those, and ``-`` for standard input.

Readers never load a whole container: JSONL goes line by line, CSV in chunks, Parquet by
record batch, directories file by file. A record that cannot be read becomes a
``RecordError`` in the stream (with where and why) and the stream goes on.
"""

from __future__ import annotations

import gzip
import io
import itertools
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson

from ..errors import InputError
from .decode import decode_bytes, json_lines
from .formats import InputFormat, choose, is_compressed, page_format

TABLE_CHUNK_ROWS = 2000


@dataclass(slots=True)
class PageRecord:
    id: str
    text: str
    origin: str


@dataclass(slots=True)
class RecordError:
    origin: str
    id: str | None
    reason: str

    def __str__(self) -> str:
        who = f" (id {self.id})" if self.id is not None else ""
        return f"{self.origin}{who}: {self.reason}"


Item = PageRecord | RecordError
Warn = Callable[[str], None]


def check_inputs(inputs: Sequence[str]) -> None:
    """Fail before any work when an input path does not exist."""
    if not inputs:
        raise InputError("no input given (pass files, directories or - for standard input)")
    for item in inputs:
        if item != "-" and not Path(item).exists():
            raise InputError(f"{item}: no such file or directory")


def _open_binary(path: str) -> BinaryIO:
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller's with-block
    if is_compressed(path):
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def _jsonl_records(stream: Iterable[bytes], name: str) -> Iterator[Item]:
    number = 0
    try:
        for number, record in json_lines(stream, "id and text"):
            origin = f"{name}:{number}"
            if isinstance(record, ValueError):
                yield RecordError(origin, None, str(record))
                continue
            rid = record.get("id")
            rid = origin if rid is None else str(rid)
            text = record.get("text")
            if text is None:
                yield RecordError(origin, rid, "record has no 'text'")
            elif not isinstance(text, str):
                yield RecordError(origin, rid, f"'text' must be a string, got "
                                               f"{type(text).__name__}")
            else:
                yield PageRecord(rid, text, origin)
    except (EOFError, OSError, zlib.error) as exc:
        yield RecordError(f"{name}:{number + 1}", None, f"input ends abruptly ({exc})")


def _table_missing_columns(columns, name: str) -> RecordError | None:
    missing = {"id", "text"} - set(columns)
    if missing:
        return RecordError(name, None, f"missing column(s) {', '.join(sorted(missing))}; "
                                       "pages need id and text columns")
    return None


def _csv_records(stream: BinaryIO, name: str) -> Iterator[Item]:
    import pandas as pd

    row_number = 1
    try:
        chunks = pd.read_csv(stream, dtype=str, keep_default_na=False,
                             chunksize=TABLE_CHUNK_ROWS)
        for chunk in chunks:
            problem = _table_missing_columns(chunk.columns, name)
            if problem:
                yield problem
                return
            for rid, text in zip(chunk["id"], chunk["text"]):
                row_number += 1
                yield PageRecord(str(rid), text, f"{name}:{row_number}")
    except (EOFError, OSError, zlib.error, ValueError, UnicodeDecodeError) as exc:
        yield RecordError(f"{name}:{row_number + 1}", None, f"cannot read CSV ({exc})")


def _parquet_records(stream: BinaryIO, name: str) -> Iterator[Item]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    row = 0
    try:
        source = stream if stream.seekable() else io.BytesIO(stream.read())
        parquet = pq.ParquetFile(source)
        problem = _table_missing_columns(parquet.schema_arrow.names, name)
        if problem:
            yield problem
            return
        for batch in parquet.iter_batches(batch_size=TABLE_CHUNK_ROWS, columns=["id", "text"]):
            for rid, text in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist()):
                row += 1
                origin = f"{name}:row {row}"
                if not isinstance(text, str):
                    yield RecordError(origin, None if rid is None else str(rid),
                                      "'text' must be a string")
                else:
                    yield PageRecord(origin if rid is None else str(rid), text, origin)
    except (EOFError, OSError, zlib.error, pa.ArrowException) as exc:
        yield RecordError(name, None, f"cannot read Parquet ({exc})")


_TABLE_READERS = {"jsonl": _jsonl_records, "csv": _csv_records, "parquet": _parquet_records}


def _text_record(data: bytes, page_id: str, warn: Warn, html: bool = False) -> Item:
    """One page from a file's bytes; HTML is rendered as scrapers render it."""
    try:
        text, encoding = decode_bytes(data, page_id)
    except InputError as exc:
        return RecordError(page_id, page_id, str(exc).split(": ", 1)[-1])
    if encoding and encoding not in ("utf-8-sig",):
        warn(f"{page_id}: not UTF-8; decoded as {encoding}")
    if html:
        from .html import render_page

        try:
            text = render_page(text)
        except ValueError as exc:  # lxml refuses a few inputs (e.g. an XML declaration)
            return RecordError(page_id, page_id, f"cannot render HTML ({exc})")
    return PageRecord(page_id, text, page_id)


def _file_records(path: str, fmt: str, warn: Warn) -> Iterator[Item]:
    try:
        stream = _open_binary(path)
    except OSError as exc:
        yield RecordError(path, None, f"cannot open ({exc.strerror or exc})")
        return
    with stream:
        if fmt in _TABLE_READERS:
            yield from _TABLE_READERS[fmt](stream, path)
        else:
            try:
                data = stream.read()
            except (OSError, EOFError, zlib.error) as exc:
                yield RecordError(path, path, f"cannot read ({exc})")
                return
            yield _text_record(data, path, warn, html=fmt == "html")


def _stdin_records(declared: InputFormat, warn: Warn) -> Iterator[Item]:
    stream = sys.stdin.buffer
    if declared.value in _TABLE_READERS:
        yield from _TABLE_READERS[declared.value](stream, "<stdin>")
        return
    first = stream.readline()
    if declared is InputFormat.AUTO and first.lstrip()[:1] == b"{":
        try:
            looks_jsonl = isinstance(orjson.loads(first), dict)
        except orjson.JSONDecodeError:
            looks_jsonl = False
        if looks_jsonl:
            yield from _jsonl_records(itertools.chain([first], stream), "<stdin>")
            return
    yield _text_record(first + stream.read(), "-", warn, html=declared is InputFormat.HTML)


def iter_pages(inputs: Sequence[str], input_format: InputFormat | str = InputFormat.AUTO,
               warn: Warn | None = None) -> Iterator[Item]:
    """Yield pages (or per-record errors) from all inputs, in the order given."""
    input_format = choose(InputFormat, input_format, "input format")
    warn = warn or (lambda message: print(f"warning: {message}", file=sys.stderr))
    for item in inputs:
        if item == "-":
            yield from _stdin_records(input_format, warn)
            continue
        path = Path(item)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if not p.is_dir()):
                if child.name.startswith("."):
                    continue
                yield from _file_records(str(child), page_format(child, input_format), warn)
        elif path.exists():
            yield from _file_records(item, page_format(item, input_format), warn)
        else:
            yield RecordError(item, None, "no such file or directory")
