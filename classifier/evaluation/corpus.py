"""Validate a labelled corpus and describe it: counts per label, source, topic, language."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from ..errors import DataError
from ..io.html import labelled_html_files, read_labelled_html
from ..io.labelled import labelled_files, read_labelled
from ..io.writers import atomic_write
from ..labels import LABELS

# The shipped corpus's minimums (the corpus issue); ``--strict`` enforces them.
MIN_PAGES = 300
MIN_LINES = 9000
MIN_SOURCES = 40
MAX_SOURCE_SHARE = 0.05
MIN_LINES_PER_LABEL = {"promo": 700, "disclaimer": 700, "teaser": 700, "boilerplate": 700}
MIN_DISTINCT_RATIO = 0.97
SENTENCE_CHARS = 20
"""The distinct-line minimum counts lines of at least this many characters: templated pages
show in repeated sentences, while short chrome ("Log in", "Sponsored", "3 hours ago") is
rightly the same on every site that uses it."""


@dataclass
class CorpusReport:
    pages: int
    lines: int
    distinct_ratio: float
    distinct_sentence_ratio: float
    labels: dict[str, int]
    sources: dict[str, int]
    topics: dict[str, int]
    languages: dict[str, int]
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def render(self) -> str:
        lines = [f"pages: {self.pages}", f"lines: {self.lines}",
                 f"distinct lines: {self.distinct_ratio:.4f}",
                 f"distinct lines of {SENTENCE_CHARS}+ characters: "
                 f"{self.distinct_sentence_ratio:.4f}", f"sources: {len(self.sources)}",
                 "labels: " + ", ".join(f"{k} {v}" for k, v in self.labels.items()),
                 "topics: " + ", ".join(f"{k} {v}" for k, v in self.topics.items()),
                 "languages: " + ", ".join(f"{k} {v}" for k, v in self.languages.items())]
        largest = max(self.sources.values()) if self.sources else 0
        lines.append(f"largest source: {largest} pages "
                     f"({largest / max(self.pages, 1):.1%} of pages)")
        lines.append("OK" if not self.problems else f"{len(self.problems)} problem(s)")
        return "\n".join(lines)


def _page_attributes(paths: Sequence[str | Path]) -> tuple[Counter, Counter]:
    """Topic and language counts from JSONL pages (optional fields; CSV has none)."""
    topics: Counter = Counter()
    languages: Counter = Counter()
    for path in labelled_files(paths):
        if not path.name.endswith(".jsonl"):
            continue
        for line in path.read_bytes().splitlines():
            if line.strip():
                record = orjson.loads(line)
                topics[str(record.get("topic", "unspecified"))] += 1
                languages[str(record.get("lang", "unspecified"))] += 1
    return topics, languages


def _distinct_ratio(texts: pd.Series) -> float:
    return texts.nunique() / max(len(texts), 1)


def check_corpus(paths: Sequence[str | Path], strict: bool = False) -> CorpusReport:
    """Validate format and labels (raising DataError), then count; ``strict`` adds minimums."""
    frame = read_labelled(paths)
    topics, languages = _page_attributes(paths)
    pages = frame.groupby("page").agg(source=("source", "first"), page_id=("page_id", "first"))
    problems = []
    duplicated_ids = pages["page_id"][pages["page_id"].duplicated()].tolist()
    if duplicated_ids:
        problems.append(f"duplicate page ids: {duplicated_ids[:10]}")
    report = CorpusReport(
        pages=len(pages), lines=len(frame),
        distinct_ratio=_distinct_ratio(frame["text"]),
        distinct_sentence_ratio=_distinct_ratio(
            frame["text"][frame["text"].str.len() >= SENTENCE_CHARS]),
        labels={label: int((frame["label"] == label).sum()) for label in LABELS
                if (frame["label"] == label).any()},
        sources=dict(Counter(pages["source"]).most_common()),
        topics=dict(topics.most_common()), languages=dict(languages.most_common()),
        problems=problems,
    )
    if strict:
        report.problems.extend(_minimum_problems(report))
    return report


def _minimum_problems(report: CorpusReport) -> list[str]:
    problems = []
    if report.pages < MIN_PAGES:
        problems.append(f"{report.pages} pages < {MIN_PAGES}")
    if report.lines < MIN_LINES:
        problems.append(f"{report.lines} lines < {MIN_LINES}")
    if len(report.sources) < MIN_SOURCES:
        problems.append(f"{len(report.sources)} sources < {MIN_SOURCES}")
    for source, count in report.sources.items():
        if count > MAX_SOURCE_SHARE * report.pages:
            problems.append(f"source {source!r} holds {count} pages "
                            f"(> {MAX_SOURCE_SHARE:.0%} of {report.pages})")
    for label, minimum in MIN_LINES_PER_LABEL.items():
        if report.labels.get(label, 0) < minimum:
            problems.append(f"{report.labels.get(label, 0)} {label} lines < {minimum}")
    if report.distinct_sentence_ratio < MIN_DISTINCT_RATIO:
        problems.append(f"distinct-line ratio (lines of {SENTENCE_CHARS}+ characters) "
                        f"{report.distinct_sentence_ratio:.4f} < {MIN_DISTINCT_RATIO}")
    return problems


@dataclass
class HtmlBuild:
    """Labelled HTML pages converted to labelled-pages JSONL, with what was wrong."""

    pages: int
    lines: int
    problems: list[str]

    def render(self) -> str:
        verdict = "OK" if not self.problems else f"{len(self.problems)} problem(s)"
        return f"{self.pages} pages, {self.lines} lines; {verdict}"


FORBIDDEN_MIN_CHARS = 40
"""Lines this long that appear in a ``forbid`` file are refused: shorter ones ("Share on
Facebook", "Most read") are the same on every site."""


def _forbidden_lines(paths: Sequence[str | Path]) -> set[str]:
    """Lines of third-party text (plain text, or JSONL pages' ``text``) that pages must not
    copy."""
    lines: set[str] = set()
    for path in paths:
        for raw in Path(path).read_text(encoding="utf-8").splitlines():
            try:
                record = orjson.loads(raw)
                texts = record.get("text", "").split("\n") if isinstance(record, dict) else []
            except orjson.JSONDecodeError:
                texts = [raw]
            lines.update(t.strip() for t in texts if len(t.strip()) >= FORBIDDEN_MIN_CHARS)
    return lines


def build_from_html(paths: Sequence[str | Path], output: str | Path | None = None,
                    forbid: Sequence[str | Path] = ()) -> HtmlBuild:
    """Render labelled HTML pages (``io.html``) into labelled-pages JSONL at ``output``
    (atomically; nothing is written when a page has a problem)."""
    forbidden = _forbidden_lines(forbid)
    records, problems = [], []
    for path in labelled_html_files(paths):
        page = read_labelled_html(path)
        copied = [line["text"] for line in page.record["lines"] if line["text"] in forbidden]
        page.problems += [f"copies third-party text: {text[:60]!r}" for text in copied]
        problems += [f"{path}: {problem}" for problem in page.problems]
        records.append(page.record)
    if output is not None and not problems:
        payload = b"".join(orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for r in records)
        atomic_write(Path(output), lambda tmp: tmp.write_bytes(payload))
    return HtmlBuild(len(records), sum(len(r["lines"]) for r in records), problems)


__all__ = ["CorpusReport", "DataError", "HtmlBuild", "build_from_html", "check_corpus"]
