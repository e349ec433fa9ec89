"""Layout features: the shape of each segment's text, its position on the page, and the same
signals of its neighbours.

A segment's role depends on where it sits: teaser cards come in runs of short author/date
lines, chrome is short and sits at the edges, legal text follows a pitch. So besides its own
words (``ngrams``), every segment gets the layout signals of the segments around it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from . import signals
from .pagetable import neighbour_blocks, neighbour_names, page_codes, positions_in_pages
from .text import BatchText

CONTEXT_WINDOW = 3
"""How many segments before and after a segment lend it their layout signals."""

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
    "marks_per_word",
    "markup_share",
)


def layout_matrix(texts: list[str] | pd.Series) -> np.ndarray:
    """Layout signals of many one-line segments as a float32 matrix (one row each).

    The batch is read into arrays once (``signals.BatchText``) and every signal is computed
    for all segments at once: this is the hot path of batch labelling.
    """
    texts = list(texts)
    n = len(texts)
    if n == 0:
        return np.zeros((0, len(LAYOUT_FEATURE_NAMES)), dtype=np.float32)
    texts = [t.replace("\n", " ").replace("\r", " ") for t in texts]
    joined = "\n".join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    batch = BatchText(codes, lengths)
    n_chars = lengths.astype(np.float32)
    counts = signals.char_counts(batch)
    n_words = counts.words
    letters = np.maximum(counts.letters, 1)
    upper_share = counts.upper / letters
    columns = [
        np.log1p(n_chars),
        np.log1p(n_words),
        (n_words <= 1).astype(np.float32),
        (n_words <= 4).astype(np.float32),
        counts.digits / np.maximum(n_chars, 1),
        upper_share,
        counts.titled / np.maximum(n_words, 1),
        signals.ends_with(batch, ".!?\"”’)"),
        signals.ends_with(batch, ":"),
        signals.starts_with(batch, "-•*–—▪►✓·"),
        signals.has_date(batch),
        signals.has_relative_time(batch),
        signals.has_clock(batch),
        signals.has_url(batch),
        signals.has_currency(batch),
        signals.has_any(batch, "%"),
        signals.has_signed_number(batch),
        np.minimum(signals.glued_titles(batch), 3) / 3.0,
        signals.has_copyright(batch),
        np.minimum(signals.separators(batch), 5) / 5.0,
        signals.has_any(batch, "\"“”«»„"),
        signals.starts_by(batch),
        signals.call_to_action(batch),
        ((n_chars > 3) & (upper_share > 0.8)).astype(np.float32),
        signals.kicker_colon(batch),
        np.minimum(counts.marks / np.maximum(n_words, 1), 1.0),
        np.minimum(counts.markup * 8 / np.maximum(n_chars, 1), 1.0),
    ]
    return np.column_stack(columns).astype(np.float32)


class PageLayoutFeatures(TransformerMixin, BaseEstimator):
    """Layout signals of each segment and of its neighbours, and its position on the page.

    Input: a DataFrame with ``page`` and ``text`` columns, rows of a page contiguous and in
    page order. Stateless apart from the column count learned in ``fit``. Page-level
    statistics (the page's size and mean signals) are deliberately absent: a linear model
    extrapolated them badly on pages unlike the corpus (data/README.md, model history).
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
        position = np.column_stack([
            index / np.maximum(last, 1),
            np.log1p(index),
            np.log1p(last - index),
            index == 0,
            index == last,
        ]).astype(np.float32)
        blocks = [own, position, *neighbour_blocks(own, codes, self.window)]
        return np.hstack(blocks).astype(np.float32)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        names = [f"self:{n}" for n in LAYOUT_FEATURE_NAMES]
        names += ["pos:relative", "pos:log_from_start", "pos:log_from_end", "pos:first",
                  "pos:last"]
        names += neighbour_names(LAYOUT_FEATURE_NAMES, self.window)
        return np.asarray(names, dtype=object)
