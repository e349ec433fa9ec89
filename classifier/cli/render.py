"""Labelled pages for a terminal: each line coloured by its label, with its score."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

LABEL_STYLES = {"news": "green", "promo": "dark_orange", "disclaimer": "magenta",
                "teaser": "cyan", "boilerplate": "grey50"}


def labelled_page_table(page_id: str, predictions: Sequence, max_chars: int | None = None,
                        ) -> Table:
    """A table of one page: line number, label, score, text (cut to ``max_chars``)."""
    table = Table(title=page_id, title_justify="left", show_edge=False, pad_edge=False,
                  box=None, expand=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("label")
    table.add_column("score", justify="right")
    table.add_column("text", overflow="fold")
    for p in predictions:
        style = LABEL_STYLES.get(p.label, "")
        text = p.text if max_chars is None or len(p.text) <= max_chars else (
            p.text[: max_chars - 1] + "…")
        table.add_row(str(p.segment), Text(p.label, style=style), f"{p.score:.2f}",
                      Text(text, style=style))
    return table
