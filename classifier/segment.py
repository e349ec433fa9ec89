"""Split a page into line segments with exact character offsets.

A segment is one non-empty line (lines end at ``\\n``, ``\\r\\n`` or ``\\r``) with surrounding
white space stripped, so ``page[start:end] == text`` and only white space lies outside
segments. ``str.splitlines`` is not used: it also splits on form feeds, U+2028 and others,
which the contract treats as ordinary characters.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_LINE = re.compile(r"[^\r\n]+")


class Segment(NamedTuple):
    index: int
    start: int
    end: int
    text: str


def segment_page(page: str) -> list[Segment]:
    """Return the page's segments in order; an empty or blank page has none."""
    segments: list[Segment] = []
    for match in _LINE.finditer(page):
        line = match.group()
        stripped = line.strip()
        if not stripped:
            continue
        start = match.start() + (len(line) - len(line.lstrip()))
        segments.append(Segment(len(segments), start, start + len(stripped), stripped))
    return segments
