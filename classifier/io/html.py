"""HTML pages rendered to text the way scrapers render them, and labelled HTML pages.

Aggregators hand over a page's visible text with one block per line: html-text's
``extract_text(html, guess_layout=True)``, each line stripped, blank lines dropped. HTML
inputs to ``predict`` and ``clean`` are rendered exactly so, and so are the labelled HTML
pages the corpus is written as: there every element may carry ``data-label`` (one of the
labels), which applies to all text inside it down to the nearest element with its own, and
each rendered line takes the label of the text it is made of. ``<html>`` carries the page's
``data-source`` (required), ``lang`` and ``data-topic``; the page id is the file name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..labels import LABELS

_UNLABELLED = "?"
_MARKS = {label: chr(0xE000 + i) for i, label in enumerate((*LABELS, _UNLABELLED))}
"""Private-use characters put in front of each text node to trace its label through the
renderer; they are not white space, so they never change where lines break."""
_LABEL_OF_MARK = {mark: label for label, mark in _MARKS.items()}
_MARK_PATTERN = re.compile("[" + "".join(_MARKS.values()) + "]")
_SPACES = re.compile(r"\s+")


def _html_text():
    try:
        import html_text
    except ImportError as exc:  # a core dependency, but say so clearly when it is missing
        raise DataError("reading HTML needs html-text: pip install html-text") from exc
    return html_text


def render_lines(html: str) -> list[str]:
    """The page's text as a scraper renders it: one stripped, non-empty line per block."""
    text = _html_text().extract_text(html, guess_layout=True)
    return [line.strip() for line in text.split("\n") if line.strip()]


def render_page(html: str) -> str:
    """``render_lines`` joined by newlines: the page text ``predict`` labels."""
    return "\n".join(render_lines(html))


def _label_of(element: Any) -> str | None:
    while element is not None:
        label = element.get("data-label") if isinstance(element.tag, str) else None
        if label:
            if label not in LABELS:
                raise DataError(f"unknown data-label {label!r} on <{element.tag}>; valid "
                                f"labels: {', '.join(LABELS)}")
            return label
        element = element.getparent()
    return None


def _marked(text: str | None, label: str | None) -> str | None:
    if not text or not text.strip():
        return text
    stripped = text.lstrip()
    return text[: len(text) - len(stripped)] + _MARKS[label or _UNLABELLED] + stripped


@dataclass
class LabelledHtmlPage:
    record: dict[str, Any]
    """A labelled-pages JSONL record: id, source, optional topic and lang, lines."""
    problems: list[str] = field(default_factory=list)
    """Lines that mix labels or hold unlabelled text, and a missing data-source."""


def label_lines(html: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(rendered line, label) pairs of a labelled HTML page, and the problems found."""
    html_text = _html_text()
    plain = [line.strip() for line in html_text.extract_text(html, guess_layout=True)
             .split("\n")]
    tree = html_text.parse_html(html)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        element.text = _marked(element.text, _label_of(element))
        parent = element.getparent()
        if parent is not None:
            element.tail = _marked(element.tail, _label_of(parent))
    marked = [line.strip() for line in html_text.extract_text(tree, guess_layout=True)
              .split("\n")]
    if len(plain) != len(marked):  # marks are not white space: this cannot happen
        raise DataError("internal: the labelled rendering broke lines differently")
    lines: list[tuple[str, str]] = []
    problems: list[str] = []
    for text, with_marks in zip(plain, marked):
        if not text:
            continue
        shares: Counter[str] = Counter()
        pieces = _MARK_PATTERN.split(with_marks)
        for mark, piece in zip(_MARK_PATTERN.findall(with_marks), pieces[1:]):
            shares[_LABEL_OF_MARK[mark]] += len(piece.strip())
        if shares.pop(_UNLABELLED, 0):
            problems.append(f"text without a data-label: {text[:60]!r}")
        if not shares:
            continue
        if sum(1 for size in shares.values() if size) > 1:
            problems.append(f"line mixes labels {dict(shares)}: {text[:70]!r}")
        if _SPACES.sub("", _MARK_PATTERN.sub("", with_marks)) != _SPACES.sub("", text):
            problems.append(f"internal: line changed by labelling: {text[:60]!r}")
        lines.append((text, shares.most_common(1)[0][0]))
    return lines, problems


def read_labelled_html(path: str | Path) -> LabelledHtmlPage:
    """One labelled HTML page as a labelled-pages record."""
    import lxml.html

    path = Path(path)
    try:
        html = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from exc
    # bytes with the encoding said: lxml guesses Latin-1 for bytes without a meta charset
    root = lxml.html.fromstring(html.encode("utf-8"),
                                parser=lxml.html.HTMLParser(encoding="utf-8"))
    source = root.get("data-source")
    problems = [] if source else ['<html> needs data-source="site name"']
    lines, more = label_lines(html)
    record: dict[str, Any] = {"id": path.stem, "source": source or path.stem}
    for attribute, key in (("data-topic", "topic"), ("lang", "lang")):
        if root.get(attribute):
            record[key] = root.get(attribute)
    record["lines"] = [{"text": text, "label": label} for text, label in lines]
    return LabelledHtmlPage(record, problems + more)


def labelled_html_files(paths: Sequence[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in (".html",
                                                                                   ".htm")))
        elif path.is_file():
            files.append(path)
        else:
            raise DataError(f"{path}: no such file or directory")
    if not files:
        raise DataError("no HTML pages given")
    return files
