"""Turn raw bytes into page text (BOMs, UTF-8, then a charset detector; refuse binaries)
and JSON lines into records."""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from ..errors import InputError

BINARY_CONTROL_SHARE = 0.10
"""More control bytes than this in a non-UTF-16 file means it is not text."""
_MAGIC = {
    b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
    b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive", b"\x7fELF": "an executable",
    b"RIFF": "a RIFF media file", b"\x1f\x8b": "gzip data",
}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_TEXT_CONTROLS = {9, 10, 12, 13, 27}


def _control_share(data: bytes) -> float:
    sample = data[:65536]
    if not sample:
        return 0.0
    controls = sum(1 for b in sample if b < 32 and b not in _TEXT_CONTROLS)
    return controls / len(sample)


def decode_bytes(data: bytes, origin: str) -> tuple[str, str | None]:
    """Return (text, encoding) where encoding is None for plain UTF-8.

    Raises InputError for data that is not text (images, archives, random bytes).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise InputError(f"{origin}: starts with a {encoding} BOM but does not decode "
                                 f"({exc.reason})") from exc
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise InputError(f"{origin}: binary file ({what}), not a text page")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        if _control_share(data) > BINARY_CONTROL_SHARE:
            raise InputError(f"{origin}: binary file (mostly control bytes), not a text page")
        return text, None
    if _control_share(data) > BINARY_CONTROL_SHARE:
        raise InputError(f"{origin}: binary file (mostly control bytes), not a text page")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"{origin}: not UTF-8 and no text encoding fits; is it binary?")
    return str(best), best.encoding


def json_object(line: bytes, fields: str) -> dict[str, Any]:
    """One JSON-lines record as a dict; ValueError says what is wrong (``fields`` names what
    the record should hold, for the message)."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object with {fields}")
    return record


def json_lines(lines: Iterable[bytes], fields: str) -> Iterator[
    tuple[int, dict[str, Any] | ValueError]
]:
    """(line number, record or what is wrong with it) of every non-blank JSON line."""
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                yield number, json_object(line, fields)
            except ValueError as exc:
                yield number, exc
