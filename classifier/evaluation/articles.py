"""How well ``clean`` keeps the article: pages with their gold article text, scored with the
metric article-extraction benchmarks use.

A text becomes the multiset of its 4-token shingles (tokens: runs of word characters, lower
case; a text of fewer than 4 tokens is one shingle of all of them). Per page, precision is
shared shingles / kept shingles and recall shared / gold; precision is averaged over the
pages where something was kept, recall over all pages, and F1 is the harmonic mean of the two
averages. Users run this on their own pages to know what cleaning will do to them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..io.decode import json_lines
from ..labels import DEFAULT_KEEP

SHINGLE_TOKENS = 4
WORST_PAGES = 10
_WORD = re.compile(r"\w+")


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _WORD.findall(text.lower())
    if not tokens:
        return Counter()
    if len(tokens) < SHINGLE_TOKENS:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i:i + SHINGLE_TOKENS])
                   for i in range(len(tokens) - SHINGLE_TOKENS + 1))


@dataclass
class PageScore:
    id: str
    precision: float | None
    """None when nothing was kept."""
    recall: float

    @property
    def f1(self) -> float:
        p = self.precision or 0.0
        return 2 * p * self.recall / (p + self.recall) if p + self.recall else 0.0


def score_page(page_id: str, kept: str, article: str) -> PageScore:
    gold, mine = shingles(article), shingles(kept)
    shared = sum((gold & mine).values())
    precision = shared / sum(mine.values()) if mine else None
    recall = shared / sum(gold.values()) if gold else 0.0
    return PageScore(page_id, precision, recall)


@dataclass
class ArticleScores:
    """Scores of kept text against gold articles, and the pages behind them."""

    pages: list[PageScore]
    lines: dict[str, list[tuple[str, str, float]]] = field(default_factory=dict)
    """Page id -> (line, predicted label, score), for the HTML view of worst pages."""
    articles: dict[str, str] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        kept = [p.precision for p in self.pages if p.precision is not None]
        return sum(kept) / len(kept) if kept else 0.0

    @property
    def recall(self) -> float:
        return sum(p.recall for p in self.pages) / len(self.pages) if self.pages else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def empty(self) -> int:
        return sum(1 for p in self.pages if p.precision is None)

    def worst(self, n: int = WORST_PAGES) -> list[PageScore]:
        return sorted(self.pages, key=lambda p: (p.f1, p.id))[:n]

    def as_dict(self, worst: int = WORST_PAGES) -> dict[str, Any]:
        return {"f1": self.f1, "precision": self.precision, "recall": self.recall,
                "pages": len(self.pages), "empty": self.empty,
                "worst": [{"id": p.id, "f1": p.f1, "precision": p.precision,
                           "recall": p.recall} for p in self.worst(worst)]}

    def render(self, worst: int = WORST_PAGES) -> str:
        lines = [f"article F1 {self.f1:.3f}  precision {self.precision:.3f}  "
                 f"recall {self.recall:.3f}  ({len(self.pages)} pages, {self.empty} with "
                 "nothing kept)"]
        if worst:
            lines.append(f"worst {min(worst, len(self.pages))} pages:")
            for page in self.worst(worst):
                precision = "-" if page.precision is None else f"{page.precision:.3f}"
                lines.append(f"  {page.id:<30} F1 {page.f1:.3f}  precision {precision}  "
                             f"recall {page.recall:.3f}")
        return "\n".join(lines)


def read_articles(path: str | Path) -> dict[str, str]:
    """Gold articles: JSONL of {"id", "article"}."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    articles: dict[str, str] = {}
    for number, record in json_lines(data.splitlines(), "id and article"):
        if isinstance(record, ValueError):
            raise DataError(f"{path}:{number}: {record}")
        if "id" not in record or not isinstance(record.get("article"), str):
            raise DataError(f"{path}:{number}: needs an 'id' and an 'article' string")
        articles[str(record["id"])] = record["article"]
    if not articles:
        raise DataError(f"{path}: holds no articles")
    return articles


def score_kept(kept: dict[str, str], articles: dict[str, str]) -> ArticleScores:
    """Score kept texts (page id -> text) against every gold article; a page with no kept
    text counts with recall 0."""
    return ArticleScores([score_page(pid, kept.get(pid, ""), article)
                          for pid, article in articles.items()], articles=articles)


def evaluate_cleaning(pages: Iterable[tuple[str, str]], articles: dict[str, str], model,
                      keep: Sequence[str] = DEFAULT_KEEP) -> ArticleScores:
    """Clean ``pages`` ((id, text) pairs) with ``model`` and score what is kept against the
    gold ``articles``; pages without a gold article are skipped."""
    keep = set(keep)
    wanted = [(pid, text) for pid, text in pages if pid in articles]
    missing = set(articles) - {pid for pid, _ in wanted}
    if missing:
        raise DataError(f"{len(missing)} gold article(s) have no page, e.g. "
                        f"{sorted(missing)[:3]}")
    kept: dict[str, str] = {}
    lines: dict[str, list[tuple[str, str, float]]] = {}
    for (pid, _), predictions in zip(wanted, model.predict_pages(t for _, t in wanted)):
        kept[pid] = "\n".join(p.text for p in predictions if p.label in keep)
        lines[pid] = [(p.text, p.label, p.score) for p in predictions]
    scores = score_kept(kept, articles)
    scores.lines = lines
    return scores


def evaluate_cleaning_files(inputs: Sequence[str], gold: str | Path, model: str | None = None,
                            keep: Sequence[str] = DEFAULT_KEEP, html: str | Path | None = None,
                            worst: int = WORST_PAGES, quiet: bool = False) -> ArticleScores:
    """``evaluate_cleaning`` on page inputs (any format ``predict`` reads) and a gold JSONL
    file; writes the HTML view of the worst pages when ``html`` is given."""
    from .. import load_model
    from ..io.pages import RecordError, check_inputs, iter_pages

    check_inputs(inputs)
    articles = read_articles(gold)
    pages = []
    for item in iter_pages(inputs):
        if isinstance(item, RecordError):
            raise DataError(str(item))
        pages.append((item.id, item.text))
    scores = evaluate_cleaning(pages, articles, load_model(model, quiet=quiet), keep)
    if html is not None:
        from .pageview import write_worst_pages

        write_worst_pages(scores, Path(html), worst, keep)
    return scores
