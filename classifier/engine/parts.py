"""Output to a directory of numbered part files, so a long run can stop and resume.

``-o out/`` writes ``part-00000.jsonl``, ``part-00001.jsonl``, ... (or ``.csv``/``.parquet``),
each holding the records of ``part_pages`` consecutive input pages and each written
atomically (``io.writers``). After every part, a line goes to the journal ``_parts.jsonl``:
its pages, segments and records, a fingerprint of its input pages and of its bytes. When the
run completes, ``_manifest.json`` lists every part with the totals and ``_SUCCESS`` appears
(the convention Spark and Dask users check for), and the journal is folded into the manifest.

``--resume`` keeps every part the journal (or manifest) vouches for whose input pages are
the same and whose file is intact, and labels the rest. Part boundaries depend only on the
input, so a resumed run writes exactly the files an uninterrupted one would. The run's
settings (model file, format, what is emitted, part size) are in the manifest from the
start; resuming with other settings is refused rather than mixing two runs' parts.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..io.formats import OutputFormat
from ..io.pages import Item, PageRecord, RecordError
from ..io.writers import atomic_write, output_problem

JOURNAL = "_parts.jsonl"
MANIFEST = "_manifest.json"
SUCCESS = "_SUCCESS"
_OURS = re.compile(r"^(part-\d{5,}\.(jsonl|csv|parquet)|_parts\.jsonl|_manifest\.json|_SUCCESS"
                   r"|\..*\.(partial|tmp|probe))$")
_CHUNK = 1 << 20


def is_directory_target(output: str | None) -> bool:
    """``-o out/`` (or an existing directory) asks for part files."""
    if output in (None, "-"):
        return False
    return output.endswith(("/", os.sep)) or Path(output).is_dir()


def part_name(index: int, fmt: OutputFormat) -> str:
    return f"part-{index:05d}.{fmt.value}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class FinishedPart:
    """A part file that is complete, and what it holds."""

    index: int
    file: str
    pages: int
    segments: int
    records: int
    input_sha256: str
    """Of the part's input pages (ids and texts)."""
    bytes: int
    sha256: str


@dataclass
class InputPart:
    """``part_pages`` consecutive readable pages of the input, with their fingerprint."""

    index: int
    pages: list[PageRecord]
    input_sha256: str


def input_parts(items: Iterable[Item], part_pages: int,
                on_error) -> Iterator[InputPart]:
    """Group the input's readable pages into parts; unreadable records go to ``on_error``
    (they belong to no part, so part boundaries do not move when they are skipped)."""
    index = 0
    pages: list[PageRecord] = []
    digest = hashlib.sha256()
    for item in items:
        if isinstance(item, RecordError):
            on_error(item)
            continue
        pages.append(item)
        for value in (item.id, item.text):
            digest.update(value.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        if len(pages) >= part_pages:
            yield InputPart(index, pages, digest.hexdigest())
            index, pages, digest = index + 1, [], hashlib.sha256()
    if pages:
        yield InputPart(index, pages, digest.hexdigest())


class PartsDirectory:
    """The output directory of a run written as parts: checks, journal, manifest."""

    def __init__(self, path: str | Path, fmt: OutputFormat, settings: dict[str, Any],
                 force: bool = False, resume: bool = False):
        self.path = Path(path)
        self.fmt = fmt
        self.settings = settings
        self.force = force
        self.resume = resume

    # before any work ------------------------------------------------------------------------
    def prepare(self) -> tuple[dict[int, FinishedPart], str | None]:
        """Check the directory and make it ready; the parts a resumed run may keep, and a note
        for the user (None when there is nothing to say)."""
        path = self.path
        if path.exists() and not path.is_dir():
            raise OutputError(f"{path}: exists and is not a directory")
        if not path.parent.is_dir():
            raise OutputError(f"{path}: directory {path.parent} does not exist")
        try:
            path.mkdir(exist_ok=True)
        except OSError as exc:
            raise output_problem(path, exc) from exc
        self._probe()
        entries = sorted(p.name for p in path.iterdir())
        strangers = [name for name in entries if not _OURS.match(name)]
        if strangers:
            raise OutputError(f"{path}: holds files that are not part of a run's output "
                              f"({', '.join(strangers[:3])}); give a new or empty directory")
        note = None
        finished: dict[int, FinishedPart] = {}
        if entries and self.resume:
            finished, note = self._resumable()
        elif entries and not self.force:
            raise OutputError(f"{path}: holds the output of an earlier run; pass --resume to "
                              "continue it or --force to replace it")
        elif entries:
            for name in entries:
                (path / name).unlink()
        elif self.resume:
            note = f"{path}: nothing to resume; starting from the first part"
        keep = {part.file for part in finished.values()}
        for name in entries:  # what is not kept is written again
            if name not in keep and (path / name).exists():
                (path / name).unlink()
        self._write_manifest({"complete": False, "settings": self.settings})
        if finished:
            self._append(list(finished.values()))
        return finished, note

    def _probe(self) -> None:
        try:
            fd, probe = tempfile.mkstemp(prefix=".write.", suffix=".probe", dir=self.path)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise output_problem(self.path, exc) from exc

    def _resumable(self) -> tuple[dict[int, FinishedPart], str]:
        manifest = self._read_json(self.path / MANIFEST)
        if manifest is None:
            raise OutputError(f"{self.path}: has no {MANIFEST}, so it cannot be resumed; "
                              "pass --force to replace it")
        if manifest.get("settings") != self.settings:
            changed = sorted(k for k in {**self.settings, **manifest.get("settings", {})}
                             if manifest.get("settings", {}).get(k) != self.settings.get(k))
            raise OutputError(f"{self.path}: was written with other settings "
                              f"({', '.join(changed)}); resume with the same ones, or pass "
                              "--force to start over")
        listed = [FinishedPart(**p) for p in manifest.get("parts", [])]
        journal = self.path / JOURNAL
        if journal.exists():
            for line in journal.read_text(encoding="utf-8").splitlines():
                try:
                    listed.append(FinishedPart(**json.loads(line)))
                except (ValueError, TypeError):
                    break  # a line cut short by the interruption: the parts after it are redone
        finished = {part.index: part for part in listed if self._intact(part)}
        return finished, (f"{self.path}: resuming; {len(finished)} finished parts are kept "
                          "(each checked against its size and checksum)")

    def _intact(self, part: FinishedPart) -> bool:
        file = self.path / part.file
        return (file.is_file() and file.stat().st_size == part.bytes
                and file_sha256(file) == part.sha256)

    @staticmethod
    def _read_json(path: Path) -> dict[str, Any] | None:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    # during the run -------------------------------------------------------------------------
    def part_path(self, index: int) -> Path:
        return self.path / part_name(index, self.fmt)

    def finished(self, part: InputPart, segments: int, records: int) -> FinishedPart:
        """Record that ``part``'s file is complete (after the writer renamed it into place)."""
        file = self.part_path(part.index)
        done = FinishedPart(part.index, file.name, len(part.pages), segments, records,
                            part.input_sha256, file.stat().st_size, file_sha256(file))
        self._append([done])
        return done

    def _append(self, parts: list[FinishedPart]) -> None:
        try:
            with (self.path / JOURNAL).open("a", encoding="utf-8") as fh:
                for part in parts:
                    fh.write(json.dumps(asdict(part), sort_keys=True) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise output_problem(self.path / JOURNAL, exc) from exc

    def remove_temporary_files(self) -> None:
        """Remove the temporary files of unfinished parts (the directory holds only ours)."""
        for tmp in self.path.glob(".part-*"):
            tmp.unlink(missing_ok=True)

    # at the end -----------------------------------------------------------------------------
    def complete(self, parts: list[FinishedPart], failed: int) -> None:
        """Write the manifest and ``_SUCCESS``; drop parts beyond the input's end (left by an
        earlier run over a longer input) and the journal."""
        parts = sorted(parts, key=lambda p: p.index)
        wanted = {p.file for p in parts}
        for stale in self.path.glob("part-*"):
            if stale.name not in wanted:
                stale.unlink()
        self._write_manifest({
            "complete": True, "settings": self.settings,
            "pages": sum(p.pages for p in parts), "segments": sum(p.segments for p in parts),
            "records": sum(p.records for p in parts), "unreadable_records": failed,
            "parts": [asdict(p) for p in parts],
        })
        (self.path / JOURNAL).unlink(missing_ok=True)
        atomic_write(self.path / SUCCESS, lambda tmp: tmp.write_bytes(b""))

    def _write_manifest(self, content: dict[str, Any]) -> None:
        text = json.dumps(content, indent=1, sort_keys=True) + "\n"
        try:
            atomic_write(self.path / MANIFEST, lambda tmp: tmp.write_text(text, "utf-8"))
        except OSError as exc:
            raise output_problem(self.path / MANIFEST, exc) from exc
