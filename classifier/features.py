"""Segment features: text n-grams, layout signals, and the same signals of neighbours.

The model sees a page as a table of segments in page order (columns ``page`` and ``text``;
rows of one page are contiguous). A segment's role depends on where it sits: teaser cards
come in runs of short author/date lines, chrome is short and sits at the edges, legal text
follows a pitch. So besides each segment's own words, every segment gets the layout signals
of the segments around it and a few page-level statistics.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

CONTEXT_WINDOW = 3
"""How many segments before and after a segment lend it their layout signals."""

_DIGITS = re.compile(r"\d")
_MONTHS = (
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|"
    r"july|august|september|october|november|december|"
    r"ene|abr|ago|dic|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
    r"noviembre|diciembre|januar|februar|märz|mai|juni|juli|oktober|dezember|"
    r"janv|févr|mars|avr|juil|août|déc|janvier|février|avril|juin|juillet|septembre|octobre|"
    r"novembre|décembre|fev|out|set|dez|janeiro|fevereiro|março|maio|junho|julho|setembro|"
    r"outubro|novembro|dezembro"
)
_DATE = re.compile(
    rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\.?\s+(?:{_MONTHS})\b|"
    r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b,?",
    re.IGNORECASE,
)
_RELATIVE = re.compile(
    r"\b\d+\s*(?:s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|mo|months?)"
    r"\s+ago\b|\b(?:an?|one)\s+(?:hour|minute|day|week)\s+ago\b|\b\d+\s*[mhd]\b|"
    r"\b(?:yesterday|today|just now|hace|vor|il y a|há|gestern|hier|ayer|ontem|heute)\b",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")
_URL = re.compile(r"https?://|www\.|\.com\b|\.io\b|@\w", re.IGNORECASE)
_CURRENCY = re.compile(r"[$€£¥₿]|\b(?:usd|eur|btc|eth|gbp|jpy|usdt)\b", re.IGNORECASE)
_SIGNED = re.compile(r"(?:^|\s)[+\-−–]\s?\d+(?:[.,]\d+)?\s?%?")
_GLUED = re.compile(r"[a-z\d][.!?]?[A-Z][a-z]")
_COPYRIGHT = re.compile(r"©|\(c\)|\bcopyright\b|all rights reserved", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s[|·•»›>/]\s|\s{2,}")
_QUOTES = re.compile(r"[\"“”«»„]")
_BY = re.compile(r"^(?:by|author|von|por|par|de)\b[\s:]", re.IGNORECASE)
_CTA = re.compile(
    r"\b(?:sign up|subscribe|join|register|download|enroll|enrol|save your|claim|get started|"
    r"trade now|open an? account|learn more|book|apply|try|free)\b",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^[-•*–—▪►✓·]")
_SENTENCE_END = re.compile(r"[.!?\"”’)]$")

LAYOUT_FEATURE_NAMES: tuple[str, ...] = (
    "log_chars",
    "log_words",
    "one_word",
    "few_words",
    "digit_share",
    "upper_share",
    "titlecase_share",
    "ends_sentence",
    "ends_colon",
    "starts_bullet",
    "has_date",
    "has_relative_time",
    "has_clock",
    "has_url",
    "has_currency",
    "has_percent",
    "has_signed_number",
    "glued_title",
    "has_copyright",
    "separators",
    "has_quotes",
    "starts_by",
    "call_to_action",
    "all_caps",
    "kicker_colon",
)
_KICKER = re.compile(r"^\W*\w+(?:[ -]\w+){0,2}\s?:\s")


def normalize_text(text: str) -> str:
    """Lower-case and map digits to 0, so '12 hours ago' and '3 hours ago' look alike."""
    return _DIGITS.sub("0", text.lower())


_WORD = re.compile(r"\w+")


def decorate_text(text: str) -> str:
    """Normalised text plus tokens for how it starts and ends.

    'Read more: <a headline>' is a teaser whatever the headline says; marking the first
    words and the last word lets those cues weigh as much as the rest of the line.
    """
    normal = normalize_text(text)
    words = _WORD.findall(normal)
    if not words:
        return normal
    marks = [f"zzfirst_{words[0]}", f"zzlast_{words[-1]}"]
    if len(words) > 1:
        marks.append(f"zzfirst2_{words[0]}_{words[1]}")
    if len(words) <= 3:
        marks.append("zzshort_" + "_".join(words))
    return normal + " " + " ".join(marks)


def segment_layout(text: str) -> list[float]:
    """Layout signals of one segment, in the order of ``LAYOUT_FEATURE_NAMES``."""
    n_chars = len(text)
    words = text.split()
    n_words = len(words)
    letters = sum(c.isalpha() for c in text) or 1
    upper = sum(c.isupper() for c in text)
    digits = sum(c.isdigit() for c in text)
    titled = sum(1 for w in words if w[:1].isupper())
    return [
        math.log1p(n_chars),
        math.log1p(n_words),
        float(n_words <= 1),
        float(n_words <= 4),
        digits / n_chars if n_chars else 0.0,
        upper / letters,
        titled / n_words if n_words else 0.0,
        float(bool(_SENTENCE_END.search(text))),
        float(text.endswith(":")),
        float(bool(_BULLET.match(text))),
        float(bool(_DATE.search(text))),
        float(bool(_RELATIVE.search(text))),
        float(bool(_CLOCK.search(text))),
        float(bool(_URL.search(text))),
        float(bool(_CURRENCY.search(text))),
        float("%" in text),
        float(bool(_SIGNED.search(text))),
        min(len(_GLUED.findall(text)), 3) / 3.0,
        float(bool(_COPYRIGHT.search(text))),
        min(len(_SEPARATORS.findall(text)), 5) / 5.0,
        float(bool(_QUOTES.search(text))),
        float(bool(_BY.match(text))),
        float(bool(_CTA.search(text))),
        float(n_chars > 3 and upper / letters > 0.8),
        float(bool(_KICKER.match(text))),
    ]


def layout_matrix(texts: list[str] | pd.Series) -> np.ndarray:
    """Layout signals for many segments as a float32 matrix."""
    rows = [segment_layout(t) for t in texts]
    if not rows:
        return np.zeros((0, len(LAYOUT_FEATURE_NAMES)), dtype=np.float32)
    return np.asarray(rows, dtype=np.float32)


def page_codes(pages: pd.Series | np.ndarray) -> np.ndarray:
    """Integer page codes that change exactly where the page changes between rows."""
    values = np.asarray(pages)
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    changed = np.ones(len(values), dtype=bool)
    changed[1:] = values[1:] != values[:-1]
    return np.cumsum(changed) - 1


def positions_in_pages(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's index within its page and its page's number of segments."""
    n = len(codes)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    sizes = np.diff(np.r_[starts, n])
    first_row = np.repeat(starts, sizes)
    return np.arange(n) - first_row, np.repeat(sizes, sizes)


def shift_within_pages(values: np.ndarray, codes: np.ndarray, offset: int) -> tuple[
    np.ndarray, np.ndarray
]:
    """Row i gets the values of row i+offset when that row is on the same page, else 0."""
    n = len(codes)
    out = np.zeros_like(values)
    valid = np.zeros(n, dtype=bool)
    if offset == 0 or abs(offset) >= n:
        if offset == 0:
            return values.copy(), np.ones(n, dtype=bool)
        return out, valid
    if offset > 0:
        src, dst = slice(offset, n), slice(0, n - offset)
    else:
        src, dst = slice(0, n + offset), slice(-offset, n)
    same = codes[src] == codes[dst]
    dst_idx = np.arange(n)[dst][same]
    src_idx = np.arange(n)[src][same]
    out[dst_idx] = values[src_idx]
    valid[dst_idx] = True
    return out, valid


def page_means(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each row gets the mean of ``values`` over its page."""
    if len(codes) == 0:
        return np.zeros_like(values)
    n_pages = int(codes[-1]) + 1
    sums = np.zeros((n_pages, values.shape[1]), dtype=np.float64)
    np.add.at(sums, codes, values)
    counts = np.bincount(codes, minlength=n_pages).astype(np.float64)
    return (sums / counts[:, None])[codes].astype(values.dtype)


class PageLayoutFeatures(TransformerMixin, BaseEstimator):
    """Layout signals of each segment, of its neighbours, and of its page.

    Input: a DataFrame with ``page`` and ``text`` columns, rows of a page contiguous and in
    page order. Stateless apart from the column names learned in ``fit``.
    """

    def __init__(self, window: int = CONTEXT_WINDOW):
        self.window = window

    def fit(self, X: pd.DataFrame, y=None) -> PageLayoutFeatures:
        self.n_features_out_ = len(self.get_feature_names_out())
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "n_features_out_")
        codes = page_codes(X["page"])
        own = layout_matrix(X["text"])
        index, size = positions_in_pages(codes)
        last = size - 1
        position = np.column_stack(
            [
                index / np.maximum(last, 1),
                np.log1p(index),
                np.log1p(last - index),
                index == 0,
                index == last,
                np.log1p(size),
            ]
        ).astype(np.float32)
        blocks = [own, position]
        for offset in [*range(-self.window, 0), *range(1, self.window + 1)]:
            shifted, valid = shift_within_pages(own, codes, offset)
            blocks.extend([shifted, valid[:, None].astype(np.float32)])
        page_mean = page_means(own, codes)
        blocks.extend([page_mean, own - page_mean])
        return np.hstack(blocks).astype(np.float32)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        names = [f"self:{n}" for n in LAYOUT_FEATURE_NAMES]
        names += ["pos:relative", "pos:log_from_start", "pos:log_from_end", "pos:first",
                  "pos:last", "page:log_segments"]
        for offset in [*range(-self.window, 0), *range(1, self.window + 1)]:
            tag = f"prev{-offset}" if offset < 0 else f"next{offset}"
            names += [f"{tag}:{n}" for n in LAYOUT_FEATURE_NAMES] + [f"{tag}:exists"]
        names += [f"page_mean:{n}" for n in LAYOUT_FEATURE_NAMES]
        names += [f"vs_page:{n}" for n in LAYOUT_FEATURE_NAMES]
        return np.asarray(names, dtype=object)


class NeighbourText(TransformerMixin, BaseEstimator):
    """The text of the segments just before and after each segment, as one string.

    Words around a segment say what block it sits in ("Related", "Author", "Sponsored"), so
    a vectoriser over this column lets the words of neighbours vote. Words are prefixed
    with ``before_``/``after_`` so the direction is kept.
    """

    def __init__(self, window: int = 1):
        self.window = window

    def fit(self, X: pd.DataFrame, y=None) -> NeighbourText:
        self.fitted_window_ = self.window
        return self

    def transform(self, X: pd.DataFrame) -> list[str]:
        check_is_fitted(self, "fitted_window_")
        codes = page_codes(X["page"])
        texts = np.asarray([normalize_text(t) for t in X["text"]], dtype=object)
        n = len(texts)
        parts: list[list[str]] = [[] for _ in range(n)]
        for offset in [*range(-self.window, 0), *range(1, self.window + 1)]:
            tag = "before_" if offset < 0 else "after_"
            lo, hi = max(0, -offset), min(n, n - offset)
            for i in range(lo, hi):
                if codes[i + offset] == codes[i]:
                    parts[i].append(" ".join(tag + w for w in texts[i + offset].split()[:12]))
        return [" ".join(p) for p in parts]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray(["neighbour_text"], dtype=object)
