"""The label set (see LABELS.md in the project docs)."""

from __future__ import annotations

LABELS: tuple[str, ...] = ("news", "promo", "disclaimer", "teaser", "boilerplate")
DEFAULT_KEEP: tuple[str, ...] = ("news",)
