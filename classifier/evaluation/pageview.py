"""An HTML view of the pages cleaning does worst on: the page's lines coloured by predicted
label beside the gold article, so a reader sees at a glance what was kept that should not
have been, and what was dropped.

Each page line is marked by whether it belongs to the gold article (most of its 4-token
shingles are in it): a kept line that does not is wrongly kept, a dropped line that does is
missed. One self-contained file, written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from ..io.writers import atomic_write
from ..labels import DEFAULT_KEEP, LABELS
from .articles import ArticleScores, shingles

IN_ARTICLE_SHARE = 0.5
"""A line belongs to the gold article when at least this share of its shingles is in it."""
LABEL_COLOURS = {"news": "#d8f0d2", "promo": "#fde2c8", "disclaimer": "#e6dcf5",
                 "teaser": "#d6e6f7", "boilerplate": "#eeeeee"}
_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h2 { margin-top: 2em; border-top: 2px solid #999; padding-top: .5em; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5em; align-items: start; }
.line { padding: 1px 6px; margin: 1px 0; border-left: 4px solid transparent; }
.kept { font-weight: 600; }
.wrong { border-left-color: #c62828; }
.missed { border-left-color: #1565c0; }
.meta { color: #666; font-size: 12px; margin-right: .5em; font-family: monospace; }
.gold p { margin: .3em 0; }
.legend span { padding: 2px 8px; margin-right: .5em; }
"""


def in_article(line: str, gold: set[tuple[str, ...]]) -> bool:
    own = shingles(line)
    if not own:
        return False
    shared = sum(count for shingle, count in own.items() if shingle in gold)
    return shared / sum(own.values()) >= IN_ARTICLE_SHARE


def render_worst_pages(scores: ArticleScores, worst: int,
                       keep: Sequence[str] = DEFAULT_KEEP) -> str:
    keep = set(keep)
    legend = "".join(f'<span style="background:{LABEL_COLOURS.get(label, "#fff")}">'
                     f"{label}</span>" for label in LABELS)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Worst pages: "
             f"cleaning vs gold article</title><style>{_STYLE}</style></head><body>",
             f"<h1>Worst {min(worst, len(scores.pages))} of {len(scores.pages)} pages</h1>",
             f"<p>Article F1 {scores.f1:.3f}, precision {scores.precision:.3f}, recall "
             f"{scores.recall:.3f}. Bold: kept by <code>clean</code> "
             f"({', '.join(sorted(keep))}). Red edge: kept but not in the gold article; blue "
             f"edge: in the gold article but dropped.</p><p class='legend'>{legend}</p>"]
    for page in scores.worst(worst):
        article = scores.articles.get(page.id, "")
        gold = set(shingles(article))
        precision = "-" if page.precision is None else f"{page.precision:.3f}"
        parts.append(f"<h2>{escape(page.id)}: F1 {page.f1:.3f}, precision {precision}, "
                     f"recall {page.recall:.3f}</h2><div class='pair'><div>")
        for text, label, score in scores.lines.get(page.id, []):
            kept = label in keep
            belongs = in_article(text, gold)
            classes = ["line"] + (["kept"] if kept else []) + (
                ["wrong"] if kept and not belongs else ["missed"] if belongs and not kept
                else [])
            parts.append(f"<div class='{' '.join(classes)}' style='background:"
                         f"{LABEL_COLOURS.get(label, '#fff')}'><span class='meta'>"
                         f"{escape(label[:5])} {score:.2f}</span>{escape(text)}</div>")
        parts.append("</div><div class='gold'><h3>Gold article</h3>")
        parts.extend(f"<p>{escape(line)}</p>" for line in article.split("\n") if line.strip())
        parts.append("</div></div>")
    parts.append("</body></html>\n")
    return "".join(parts)


def write_worst_pages(scores: ArticleScores, path: Path, worst: int,
                      keep: Sequence[str] = DEFAULT_KEEP) -> Path:
    html = render_worst_pages(scores, worst, keep)
    atomic_write(path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    return path
