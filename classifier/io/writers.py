"""Write records as JSONL, CSV or Parquet, streaming, and never leave a half-written file.

A file target is written through a temporary file beside it and renamed into place only when
the run completes; on an error or Ctrl-C the temporary file is removed and the target is
untouched. Parquet is written in row groups as records arrive.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from ..errors import OutputError
from .formats import OutputFormat

PARQUET_ROW_GROUP = 50_000


def _file_mode() -> int:
    """The mode a plainly created file gets under this process's umask (``mkstemp`` makes
    0600 files; outputs should be as readable as any other file the user writes)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()


def check_output(path: str | None, fmt: OutputFormat, force: bool = False) -> None:
    """Fail before any work when the output cannot be written (or exists and ``force`` is
    not given)."""
    if path in (None, "-"):
        if fmt is OutputFormat.PARQUET:
            raise OutputError("Parquet output needs a file: pass --output PATH")
        return
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{path}: is a directory; give a file path")
    if target.exists() and not force:
        raise OutputError(f"{path}: exists; pass --force to overwrite it")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{path}: directory {parent} does not exist")
    try:  # a real probe: permission bits say nothing for root or read-only file systems
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {parent} ({exc.strerror or exc})") from exc


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then rename it into place: readers
    never see a half-written file, and a failure leaves nothing behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, FILE_MODE)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def output_problem(path: Path | str | None, exc: OSError, written: int | None = None
                   ) -> OutputError:
    """An OSError met while writing, in the user's terms: what happened and what to do."""
    where = "standard output" if path is None else str(path)
    so_far = f" after {written:,} bytes" if written else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"{where}: no space left on the device{so_far}; nothing was kept. "
                           "Free space or write elsewhere")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return OutputError(f"{where}: permission denied; write somewhere you may write")
    if exc.errno == errno.EROFS:
        return OutputError(f"{where}: the file system is read-only; write elsewhere")
    if exc.errno == errno.ENOENT:
        return OutputError(f"{where}: its directory disappeared during the run")
    return OutputError(f"{where}: cannot write ({exc.strerror or exc}){so_far}")


def encode_jsonl(records: list[dict[str, Any]]) -> bytes:
    """JSON lines of ``records``, each ending in a newline."""
    return b"".join(orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for r in records)


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    """CSV/Parquet rows: probabilities become p_<label> columns, explanations JSON text."""
    row = {k: v for k, v in record.items() if k not in ("probabilities", "explanation")}
    for label, p in (record.get("probabilities") or {}).items():
        row[f"p_{label}"] = p
    if "explanation" in record:
        row["explanation"] = orjson.dumps(record["explanation"]).decode()
    return row


class RecordWriter:
    """Context manager writing dict records to a path (atomically) or to standard output."""

    def __init__(self, path: str | None, fmt: OutputFormat = OutputFormat.JSONL,
                 columns: Sequence[str] | None = None):
        self.path = None if path in (None, "-") else Path(path)
        self.fmt = fmt
        self.columns = list(columns) if columns else None
        self._tmp: Path | None = None
        self._stream: BinaryIO | None = None
        self._csv: Any = None
        self._text: io.TextIOWrapper | None = None
        self._parquet: Any = None
        self._pending: list[dict[str, Any]] = []
        self.records = 0
        self.bytes_written = 0

    @contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise output_problem(self.path, exc, self.bytes_written) from exc

    def __enter__(self) -> RecordWriter:
        if self.path is None:
            self._stream = sys.stdout.buffer
        else:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".partial",
                                       dir=self.path.parent)
            try:
                self._tmp = Path(tmp)
                os.fchmod(fd, FILE_MODE)
                self._stream = os.fdopen(fd, "wb")
            except BaseException:  # Ctrl-C or a stop signal right after the file was made
                Path(tmp).unlink(missing_ok=True)
                raise
        if self.fmt == "csv":
            self._text = io.TextIOWrapper(self._stream, encoding="utf-8", newline="",
                                          write_through=True)
        return self

    def write(self, record: dict[str, Any]) -> None:
        self.records += 1
        with self._writing():
            if self.fmt == "jsonl":
                line = orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
                self.bytes_written += len(line)
                self._stream.write(line)
            elif self.fmt == "csv":
                row = _flat(record)
                if self._csv is None:
                    self._csv = csv.DictWriter(self._text, fieldnames=self.columns or list(row))
                    self._csv.writeheader()
                self.bytes_written += self._csv.writerow(row) or 0
            else:
                self._pending.append(_flat(record))
                if len(self._pending) >= PARQUET_ROW_GROUP:
                    self._flush_parquet()

    def write_many(self, records: list[dict[str, Any]]) -> None:
        if self.fmt == "jsonl":
            self.write_encoded(encode_jsonl(records), len(records))
        else:
            for record in records:
                self.write(record)

    def write_encoded(self, lines: bytes, n_records: int) -> None:
        """Write ``n_records`` records already encoded as JSON lines (JSONL output only)."""
        if self.fmt != "jsonl":
            raise ValueError("encoded records can only be written as JSONL")
        self.records += n_records
        self.bytes_written += len(lines)
        with self._writing():
            self._stream.write(lines)

    def _flush_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._pending:
            return
        table = pa.Table.from_pylist(self._pending)
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self._stream, table.schema)
        else:
            table = table.cast(self._parquet.schema)
        self._parquet.write_table(table)
        self._pending = []

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            with self._writing():
                self._finish(exc_type)
            if self._tmp is not None and exc_type is None:
                os.replace(self._tmp, self.path)
                self._tmp = None
        finally:
            if self._tmp is not None:
                self._tmp.unlink(missing_ok=True)

    def _finish(self, exc_type) -> None:
        """Complete the file (Parquet footer, CSV header of an empty output) and close it."""
        if exc_type is None:
            if self.fmt == "parquet":
                self._flush_parquet()
                if self._parquet is None and self.columns:
                    import pyarrow as pa
                    import pyarrow.parquet as pq

                    empty = pa.table({c: pa.array([], pa.string()) for c in self.columns})
                    pq.write_table(empty, self._stream)
                elif self._parquet is not None:
                    self._parquet.close()
            elif self.fmt == "csv" and self._csv is None and self.columns:
                csv.DictWriter(self._text, fieldnames=self.columns).writeheader()
        if self._text is not None:
            self._text.flush()
            self._text.detach()
        self._stream.flush()
        if self._tmp is not None:
            self._stream.close()
