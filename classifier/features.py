"""Segment features: text n-grams, layout signals, and the same signals of neighbours.

The model sees a page as a table of segments in page order (columns ``page`` and ``text``;
rows of one page are contiguous). A segment's role depends on where it sits: teaser cards
come in runs of short author/date lines, chrome is short and sits at the edges, legal text
follows a pitch. So besides each segment's own words, every segment gets the layout signals
of the segments around it and a few page-level statistics.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

CONTEXT_WINDOW = 3
"""How many segments before and after a segment lend it their layout signals."""

_DIGITS = re.compile(r"\d")
_SP = r"[^\S\n]"  # white space within a line: patterns run over a batch joined by newlines
_MONTHS = (
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|"
    r"july|august|september|october|november|december|"
    r"ene|abr|ago|dic|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
    r"noviembre|diciembre|januar|februar|märz|mai|juni|juli|oktober|dezember|"
    r"janv|févr|mars|avr|juil|août|déc|janvier|février|avril|juin|juillet|septembre|octobre|"
    r"novembre|décembre|fev|out|set|dez|janeiro|fevereiro|março|maio|junho|julho|setembro|"
    r"outubro|novembro|dezembro"
)
_FLAGS = re.IGNORECASE | re.MULTILINE
_DATE = re.compile(
    rf"\b(?:{_MONTHS})\.?{_SP}+\d{{1,2}}\b|\b\d{{1,2}}\.?{_SP}+(?:{_MONTHS})\b|"
    r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|"
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|"
    r"thur|thurs|fri|sat|sun|lun|mar|mié|jue|vie|sáb|dom|mo|di|mi|do|fr|sa|so|mer|jeu|ven|"
    r"sam|seg|ter|qua|qui|sex)\b\.?,",
    _FLAGS,
)
_RELATIVE = re.compile(
    rf"\b\d+{_SP}*(?:s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|mo|"
    rf"months?){_SP}+ago\b|\b(?:an?|one){_SP}+(?:hour|minute|day|week){_SP}+ago\b|"
    rf"\b\d+{_SP}*[mhd]\b|"
    r"\b(?:yesterday|today|just now|hace|vor|il y a|há|gestern|hier|ayer|ontem|heute)\b",
    _FLAGS,
)
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")
_URL = re.compile(r"https?://|www\.|\.com\b|\.io\b|@\w", re.IGNORECASE)
_CURRENCY = re.compile(r"[$€£¥₿]|\b(?:usd|eur|btc|eth|gbp|jpy|usdt)\b", re.IGNORECASE)
_SIGNED = re.compile(rf"(?:^|{_SP})[+\-−–]{_SP}?\d+(?:[.,]\d+)?{_SP}?%?", re.MULTILINE)
_GLUED = re.compile(r"[a-z\d][.!?]?[A-Z][a-z]")
_COPYRIGHT = re.compile(r"©|\(c\)|\bcopyright\b|all rights reserved", re.IGNORECASE)
_SEPARATORS = re.compile(rf"{_SP}[|·•»›>/]{_SP}|{_SP}{{2,}}")
_QUOTES = re.compile(r"[\"“”«»„]")
_BY = re.compile(rf"^(?:by|author|von|por|par|de)\b(?:{_SP}|:)", _FLAGS)
_CTA = re.compile(
    r"\b(?:sign up|subscribe|join|register|download|enroll|enrol|save your|claim|get started|"
    r"trade now|open an? account|learn more|book|apply|try|free)\b",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^[-•*–—▪►✓·]", re.MULTILINE)
_SENTENCE_END = re.compile(r"[.!?\"”’)]$", re.MULTILINE)
_COLON_END = re.compile(r":$", re.MULTILINE)
_WORDS = re.compile(r"\S+")
_TITLED = re.compile(r"(?:^|(?<=\s))[A-ZÀ-ÖØ-ÞΑ-ΩА-Я]", re.MULTILINE)
_PERCENT = re.compile("%")

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
_KICKER = re.compile(rf"^\W*\w+(?:[ -]\w+){{0,2}}{_SP}?:{_SP}", re.MULTILINE)


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


def _counts(pattern: re.Pattern, joined: str, starts: np.ndarray) -> np.ndarray:
    """Matches of ``pattern`` per segment, from one scan of the whole batch."""
    positions = np.fromiter((m.start() for m in pattern.finditer(joined)), dtype=np.int64)
    owner = np.searchsorted(starts, positions, side="right") - 1
    return np.bincount(owner, minlength=len(starts)).astype(np.float32)


def _char_classes(joined: str, lengths: np.ndarray) -> tuple[np.ndarray, ...]:
    """Digits, upper-case and letters per segment, counted over code points with NumPy."""
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    owner = np.repeat(np.arange(len(lengths)), lengths + 1)[: len(codes)]
    digits = (codes >= 48) & (codes <= 57)
    upper = (((codes >= 65) & (codes <= 90)) | ((codes >= 0xC0) & (codes <= 0xDE)
             & (codes != 0xD7)) | ((codes >= 0x391) & (codes <= 0x3A9))
             | ((codes >= 0x410) & (codes <= 0x42F)))
    letters = (((codes | 32) >= 97) & ((codes | 32) <= 122)) | (
        (codes >= 0xC0) & (codes < 0x2000) & (codes != 0xD7) & (codes != 0xF7)) | (
        codes >= 0x3040)
    n = len(lengths)
    return tuple(np.bincount(owner, weights=mask, minlength=n).astype(np.float32)
                 for mask in (digits, upper, letters))


def layout_matrix(texts: list[str] | pd.Series) -> np.ndarray:
    """Layout signals of many one-line segments as a float32 matrix (one row each).

    Every regular expression scans the batch once (segments joined by newlines) instead of
    once per segment, and character classes are counted with NumPy: this is the hot path
    of batch labelling.
    """
    texts = list(texts)
    n = len(texts)
    if n == 0:
        return np.zeros((0, len(LAYOUT_FEATURE_NAMES)), dtype=np.float32)
    texts = [t.replace("\n", " ").replace("\r", " ") for t in texts]
    joined = "\n".join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    starts = np.concatenate([[0], np.cumsum(lengths[:-1] + 1)])
    n_chars = lengths.astype(np.float32)
    n_words = _counts(_WORDS, joined, starts)
    digits, upper, letters = _char_classes(joined, lengths)
    letters = np.maximum(letters, 1)

    def has(pattern: re.Pattern) -> np.ndarray:
        return (_counts(pattern, joined, starts) > 0).astype(np.float32)

    columns = [
        np.log1p(n_chars),
        np.log1p(n_words),
        (n_words <= 1).astype(np.float32),
        (n_words <= 4).astype(np.float32),
        digits / np.maximum(n_chars, 1),
        upper / letters,
        _counts(_TITLED, joined, starts) / np.maximum(n_words, 1),
        has(_SENTENCE_END),
        has(_COLON_END),
        has(_BULLET),
        has(_DATE),
        has(_RELATIVE),
        has(_CLOCK),
        has(_URL),
        has(_CURRENCY),
        has(_PERCENT),
        has(_SIGNED),
        np.minimum(_counts(_GLUED, joined, starts), 3) / 3.0,
        has(_COPYRIGHT),
        np.minimum(_counts(_SEPARATORS, joined, starts), 5) / 5.0,
        has(_QUOTES),
        has(_BY),
        has(_CTA),
        ((n_chars > 3) & (upper / letters > 0.8)).astype(np.float32),
        has(_KICKER),
    ]
    return np.column_stack(columns).astype(np.float32)


def segment_layout(text: str) -> list[float]:
    """Layout signals of one segment, in the order of ``LAYOUT_FEATURE_NAMES``."""
    return layout_matrix([text])[0].tolist()


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
