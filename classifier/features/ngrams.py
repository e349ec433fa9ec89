"""Hashed word and character n-grams of a whole batch of segments, computed with NumPy.

Why not ``TfidfVectorizer``: its analysers build every n-gram as a Python string and look
it up in a dict, one at a time; on a feed that is most of the labelling time. Here a batch
of segments is joined into one array of code points, every n-gram is hashed with
vectorised polynomial hashing (arithmetic modulo 2**32), and the counts go straight into a
CSR matrix. The outputs are term counts, so scikit-learn's ``TfidfTransformer`` does the
weighting downstream, as it would after ``HashingVectorizer``.

Text is normalised by ``text.encode_batch``: lower case, every decimal digit ``0``, every
white space a space. Hashes are
deterministic across processes and machines (no Python ``hash``), so a saved model means
the same thing everywhere. Hash collisions merge rare n-grams; with 2**18 buckets they are
too few to matter for a linear model.
"""

from __future__ import annotations

from itertools import pairwise
from typing import ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .counts import count_matrix
from .pagetable import page_codes
from .text import HASH_MULTIPLIER, NEWLINE, SPACE, encode_batch, run_hashes

_SYMBOLS = "$€£%©|"
"""Characters that are tokens on their own in word n-grams (prices, percents, bylines)."""

_PAIR = np.uint32(0x9E3779B1)
_MIX = np.uint32(0x85EBCA6B)


def _bucket(hashes: np.ndarray, salt: int, bits: int) -> np.ndarray:
    """Spread a 32-bit hash over ``2**bits`` buckets (multiplicative hashing)."""
    mixed = (hashes ^ np.uint32(salt)) * _MIX
    mixed ^= mixed >> np.uint32(15)
    mixed *= _PAIR
    return (mixed >> np.uint32(32 - bits)).astype(np.int32)


def _as_texts(X) -> list[str]:
    if isinstance(X, pd.DataFrame):
        X = X.iloc[:, 0]
    return [str(t) for t in X]


class _BucketSelection:
    """Keeps the buckets seen in at least ``min_df`` training segments (and at most the
    ``max_features`` most frequent), like a vectoriser's vocabulary: rare n-grams only
    teach a linear model to memorise, and fewer columns keep the model small and fast."""

    def _fit_columns(self, rows: np.ndarray, buckets: np.ndarray, n_rows: int) -> None:
        counts = count_matrix(rows, buckets, n_rows, 2 ** self.n_bits)
        df = np.bincount(counts.indices, minlength=2 ** self.n_bits)
        kept = np.flatnonzero(df >= self.min_df)
        if self.max_features is not None and len(kept) > self.max_features:
            totals = np.asarray(counts.sum(axis=0)).ravel()[kept]
            kept = np.sort(kept[np.argsort(-totals, kind="stable")[: self.max_features]])
        self.columns_ = np.full(2 ** self.n_bits, -1, dtype=np.int32)
        self.columns_[kept] = np.arange(len(kept), dtype=np.int32)
        self.n_features_out_ = len(kept)

    def _selected(self, rows: np.ndarray, buckets: np.ndarray, n_rows: int) -> sp.csr_matrix:
        mapped = self.columns_[buckets]
        keep = mapped >= 0
        return count_matrix(rows[keep], mapped[keep], n_rows, self.n_features_out_)

    def _check_params(self) -> None:
        """Raise ValueError on parameters that make no sense (checked in ``fit``)."""

    def fit(self, X, y=None):
        self._check_params()
        texts = _as_texts(X)
        self._fit_columns(*self._pairs(texts), len(texts))
        return self

    def transform(self, X) -> sp.csr_matrix:
        check_is_fitted(self, "columns_")
        texts = _as_texts(X)
        return self._selected(*self._pairs(texts), len(texts))


def char_ngram_positions(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(hash, valid) of the n-gram starting at each position.

    Like scikit-learn's ``char_wb``: an n-gram may start or end with the space around a
    word but never holds a space inside, and never spans two segments.
    """
    m = len(codes) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=bool)
    hashes = codes[:m].copy()
    for k in range(1, n):
        hashes *= HASH_MULTIPLIER
        hashes += codes[k:k + m]
    is_space = codes == SPACE
    blocked = (codes == NEWLINE) | is_space
    if n == 2:
        valid = ~((codes[:m] == NEWLINE) | (codes[1:1 + m] == NEWLINE)
                  | (is_space[:m] & is_space[1:1 + m]))
    else:
        valid = ~blocked[1:1 + m]
        for k in range(2, n - 1):
            valid &= ~blocked[k:k + m]
    return hashes, valid


class HashedCharNgrams(_BucketSelection, TransformerMixin, BaseEstimator):
    """Counts of within-word character n-grams of each segment, hashed into ``2**n_bits``.

    Input: a sequence of segment texts (or a one-column DataFrame).
    """

    def __init__(self, ngram_range: tuple[int, int] = (2, 4), n_bits: int = 20,
                 min_df: int = 3, max_features: int | None = 60000):
        self.ngram_range = ngram_range
        self.n_bits = n_bits
        self.min_df = min_df
        self.max_features = max_features

    def _check_params(self) -> None:
        low, high = self.ngram_range
        if not 1 <= low <= high:
            raise ValueError(f"invalid ngram_range {self.ngram_range!r}")

    def _pairs(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, bucket) of every n-gram occurrence, rows non-decreasing."""
        codes, owner, _ = encode_batch(texts)
        low, high = self.ngram_range
        width = high - low + 1
        # one column per n, rows by position: the flattened order keeps rows non-decreasing
        buckets = np.zeros((len(codes), width), dtype=np.int32)
        valid = np.zeros((len(codes), width), dtype=bool)
        for j, n in enumerate(range(low, high + 1)):
            hashes, ok = char_ngram_positions(codes, n)
            buckets[: len(hashes), j] = _bucket(hashes, n, self.n_bits)
            valid[: len(ok), j] = ok
        chosen = valid.ravel()
        return np.repeat(owner, width)[chosen], buckets.ravel()[chosen]

    def describe(self, text: str) -> dict[int, str]:
        """Column -> the n-gram of ``text`` hashed there, to name features in explanations."""
        codes, _, _ = encode_batch([text])
        shown = "".join(chr(c) for c in codes)
        names: dict[int, str] = {}
        for n in range(self.ngram_range[0], self.ngram_range[1] + 1):
            hashes, ok = char_ngram_positions(codes, n)
            columns = self.columns_[_bucket(hashes, n, self.n_bits)]
            for position in np.flatnonzero(ok & (columns >= 0)):
                names.setdefault(int(columns[position]), repr(shown[position:position + n]))
        return names

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "columns_")
        return np.asarray([f"chars_{i}" for i in range(self.n_features_out_)], dtype=object)


class _Tokens:
    """Word tokens of a batch: a run of word characters, or one of ``_SYMBOLS`` alone."""

    def __init__(self, codes: np.ndarray, owner: np.ndarray, is_word: np.ndarray):
        symbols = np.flatnonzero(np.isin(codes, _SYMBOL_CODES))
        before = np.r_[False, is_word[:-1]]
        after = np.r_[is_word[1:], False]
        starts = np.r_[np.flatnonzero(is_word & ~before), symbols]
        ends = np.r_[np.flatnonzero(is_word & ~after) + 1, symbols + 1]
        order = np.argsort(starts, kind="stable")
        starts, ends = starts[order], ends[order]
        self.hashes = run_hashes(codes, starts, ends)
        self.starts, self.ends = starts, ends
        self.owner = owner[starts]
        self.is_word = is_word[starts]
        first = np.flatnonzero(np.r_[True, self.owner[1:] != self.owner[:-1]]) if len(
            starts) else np.zeros(0, dtype=np.int64)
        self.index = np.arange(len(starts)) - np.repeat(first, np.diff(np.r_[first,
                                                                              len(starts)]))


_SYMBOL_CODES = np.frombuffer(_SYMBOLS.encode("utf-32-le"), dtype=np.uint32)


def _combine(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return (first * _PAIR + second).astype(np.uint32)


class HashedWordNgrams(_BucketSelection, TransformerMixin, BaseEstimator):
    """Counts of word n-grams of each segment, plus marks for how the segment starts and ends.

    'Read more: <a headline>' is a teaser whatever the headline says: features for the
    first word, the first two words, the last word, and the whole of a short (<= 3 words)
    segment let those cues weigh as much as the rest of the line.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), marks: bool = True,
                 n_bits: int = 20, min_df: int = 2, max_features: int | None = None):
        self.ngram_range = ngram_range
        self.marks = marks
        self.n_bits = n_bits
        self.min_df = min_df
        self.max_features = max_features

    def _check_params(self) -> None:
        if tuple(self.ngram_range) not in ((1, 1), (1, 2), (2, 2)):
            raise ValueError(f"ngram_range must be (1, 1), (1, 2) or (2, 2), "
                             f"not {self.ngram_range!r}")

    def _pairs(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, bucket) of every feature occurrence, rows non-decreasing."""
        tokens = _Tokens(*encode_batch(texts))
        parts = self._features(tokens, len(texts))
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int32)
        rows = np.concatenate([p[0] for p in parts])
        columns = np.concatenate([_bucket(h, self._SALTS[kind], self.n_bits)
                                  for _, h, kind in parts])
        order = np.argsort(rows, kind="stable")
        return rows[order], columns[order]

    def _features(self, tokens: _Tokens, n_rows: int) -> list[tuple[np.ndarray, np.ndarray,
                                                                    str]]:
        """(rows, hashes, kind) triples, each with non-decreasing rows."""
        parts = []
        low, high = self.ngram_range
        if low <= 1:
            parts.append((tokens.owner, tokens.hashes, "word"))
        if high >= 2 and len(tokens.hashes) > 1:
            same = tokens.owner[1:] == tokens.owner[:-1]
            parts.append((tokens.owner[:-1][same],
                          _combine(tokens.hashes[:-1], tokens.hashes[1:])[same], "pair"))
        if self.marks:
            words = tokens.is_word
            w_owner, w_hash = tokens.owner[words], tokens.hashes[words]
            if len(w_owner):
                starts = np.flatnonzero(np.r_[True, w_owner[1:] != w_owner[:-1]])
                ends = np.r_[starts[1:], len(w_owner)] - 1
                count = ends - starts + 1
                parts.append((w_owner[starts], w_hash[starts], "first"))
                parts.append((w_owner[ends], w_hash[ends], "last"))
                two = count >= 2
                parts.append((w_owner[starts][two],
                              _combine(w_hash[starts][two], w_hash[starts[two] + 1]), "first2"))
                short = count <= 3
                whole = w_hash[starts].copy()
                for k in (1, 2):
                    more = count > k
                    whole[more] = _combine(whole[more], w_hash[np.minimum(starts + k,
                                                                        len(w_hash) - 1)][more])
                parts.append((w_owner[starts][short], whole[short], "short"))
        return parts

    _SALTS: ClassVar[dict[str, int]] = {"word": 1, "pair": 2, "first": 3, "last": 4,
                                        "first2": 5, "short": 6}

    def describe(self, text: str) -> dict[int, str]:
        """Column -> the word feature of ``text`` hashed there, for explanations."""
        codes, owner, is_word = encode_batch([text])
        tokens = _Tokens(codes, owner, is_word)
        shown = "".join(chr(c) for c in codes)
        words = [shown[s:e] for s, e in zip(tokens.starts, tokens.ends)]
        plain = [w for w, keep in zip(words, tokens.is_word) if keep]
        readable = {"word": words, "pair": [f"{a} {b}" for a, b in pairwise(words)],
                    "first": plain[:1], "last": plain[-1:],
                    "first2": [" ".join(plain[:2])] if len(plain) >= 2 else [],
                    "short": [" ".join(plain)] if 0 < len(plain) <= 3 else []}
        names: dict[int, str] = {}
        for _, hashes, kind in self._features(tokens, 1):
            label = {"word": "{}", "pair": "{}", "first": "starts:{}", "last": "ends:{}",
                     "first2": "starts:{}", "short": "whole:{}"}[kind]
            columns = self.columns_[_bucket(hashes, self._SALTS[kind], self.n_bits)]
            for column, shown_text in zip(columns, readable[kind]):
                if column >= 0:
                    names.setdefault(int(column), label.format(shown_text))
        return names

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "columns_")
        return np.asarray([f"words_{i}" for i in range(self.n_features_out_)], dtype=object)


class NeighbourWords(_BucketSelection, TransformerMixin, BaseEstimator):
    """Words of the segments just before and after each segment, kept apart by direction.

    Words around a segment say what block it sits in ("Related", "Author", "Sponsored"). The
    first ``max_words`` words of the neighbour on each side are counted, in a before-block
    and an after-block of ``2**n_bits`` columns each. Input: DataFrame with ``page`` and
    ``text``, rows of a page contiguous and in order.
    """

    def __init__(self, max_words: int = 12, n_bits: int = 18, min_df: int = 3,
                 max_features: int | None = None):
        self.max_words = max_words
        self.n_bits = n_bits
        self.min_df = min_df
        self.max_features = max_features

    def _pairs(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        tokens = _Tokens(*encode_batch(texts))
        keep = tokens.index < self.max_words
        return tokens.owner[keep], _bucket(tokens.hashes[keep], 7, self.n_bits)

    def fit(self, X, y=None) -> NeighbourWords:
        texts = _as_texts(X["text"])
        self._fit_columns(*self._pairs(texts), len(texts))
        return self

    def transform(self, X: pd.DataFrame) -> sp.csr_matrix:
        check_is_fitted(self, "columns_")
        codes = page_codes(X["page"])
        texts = _as_texts(X["text"])
        own = self._selected(*self._pairs(texts), len(texts))
        n = len(codes)
        blocks = []
        for offset in (-1, 1):
            source = np.arange(n) + offset
            valid = (source >= 0) & (source < n)
            valid[valid] = codes[source[valid]] == codes[valid]
            picked = own[np.where(valid, source, 0)]
            blocks.append(sp.diags(valid.astype(np.float32)) @ picked)
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def describe(self, page: list[str], row: int) -> dict[int, str]:
        """Column -> 'before:word' / 'after:word' for one row of a page, for explanations."""
        names: dict[int, str] = {}
        for side, other in (("before", row - 1), ("after", row + 1)):
            if not 0 <= other < len(page):
                continue
            codes, owner, is_word = encode_batch([page[other]])
            tokens = _Tokens(codes, owner, is_word)
            shown = "".join(chr(c) for c in codes)
            offset = 0 if side == "before" else self.n_features_out_
            keep = tokens.index < self.max_words
            columns = self.columns_[_bucket(tokens.hashes[keep], 7, self.n_bits)]
            for column, s, e in zip(columns, tokens.starts[keep], tokens.ends[keep]):
                if column >= 0:
                    names.setdefault(int(column) + offset, f"{side}:{shown[s:e]}")
        return names

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "columns_")
        half = self.n_features_out_
        return np.asarray([f"before_{i}" for i in range(half)]
                          + [f"after_{i}" for i in range(half)], dtype=object)
