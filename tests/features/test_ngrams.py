"""Hashed n-gram features: what a row holds, and that it never depends on the batch."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone

from classifier.features.counts import count_matrix
from classifier.features.ngrams import HashedCharNgrams, HashedWordNgrams, NeighbourWords

TEXTS = [
    "Read more: Bitcoin hits $100,000 as ETF inflows return",
    "By Jane Doe, Markets Editor",
    "12 hours ago",
    "3 hours ago",
    "BITCOIN Hits $100,000",
    "Sign up for the Daily Brief newsletter",
]


def _fitted(transformer, texts=TEXTS * 3):
    return clone(transformer).fit(texts)


@pytest.mark.parametrize("transformer", [HashedWordNgrams(), HashedCharNgrams()])
def test_a_row_does_not_depend_on_the_rest_of_the_batch(transformer):
    fitted = _fitted(transformer)
    together = fitted.transform(TEXTS).toarray()
    for i, text in enumerate(TEXTS):
        alone = fitted.transform([text]).toarray()[0]
        assert np.array_equal(together[i], alone)


@pytest.mark.parametrize("transformer", [HashedWordNgrams(), HashedCharNgrams()])
def test_digits_and_case_are_normalised(transformer):
    fitted = _fitted(transformer)
    rows = fitted.transform(["12 hours ago", "47 hours ago", "12 HOURS AGO"]).toarray()
    assert np.array_equal(rows[0], rows[1]) and np.array_equal(rows[0], rows[2])
    assert rows[0].sum() > 0
    words = _fitted(HashedWordNgrams())
    a, b = words.transform(["12 hours ago", "47 hours ago"]).toarray()
    assert np.array_equal(a, b)


def test_word_features_are_the_words_pairs_and_edge_marks():
    words = HashedWordNgrams(min_df=1).fit(["Read more: Bitcoin rallies", "Log in"])
    names = set(words.describe("Read more: Bitcoin rallies").values())
    assert {"read", "more", "bitcoin", "rallies", "read more", "more bitcoin",
            "starts:read", "starts:read more", "ends:rallies"} <= names
    short = set(words.describe("Log in").values())
    assert "whole:log in" in short


def test_char_ngrams_stay_inside_words_and_segments():
    chars = HashedCharNgrams(min_df=1, max_features=None).fit(["ab cd"])
    names = [name.strip("'") for name in chars.describe("ab cd").values()]
    assert " ab" in names and "cd " in names and "ab " in names
    assert not any(" " in name.strip(" ") for name in names)  # no n-gram holds an inner space
    counts = chars.transform(["ab", "cd"]).toarray()
    assert counts[0].sum() == chars.transform(["ab"]).toarray().sum()


def test_rare_ngrams_are_dropped_like_min_df():
    words = HashedWordNgrams(min_df=2).fit(["alpha beta", "alpha gamma"])
    assert set(words.describe("alpha beta gamma").values()) >= {"alpha"}
    assert "beta" not in words.describe("alpha beta gamma").values()
    assert words.transform(["beta"]).nnz == 0


def test_hashes_are_the_same_in_every_process():
    code = ("import numpy as np; from classifier.features.ngrams import HashedWordNgrams;"
            "m = HashedWordNgrams(min_df=1).fit(['Bitcoin hits a record', 'Log in']);"
            "x = m.transform(['Bitcoin hits a record']);"
            "print(np.flatnonzero(m.columns_ >= 0).tolist(), x.indices.tolist())")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
               for seed in ("1", "2")}
    assert len(outputs) == 1


def test_neighbour_words_never_cross_pages_and_keep_direction():
    table = pd.DataFrame({"page": [0, 0, 1], "text": ["Related stories", "Solar output", "x"]})
    around = NeighbourWords(min_df=1).fit(table)
    matrix = around.transform(table).toarray()
    half = around.n_features_out_
    assert matrix[0, :half].sum() == 0 and matrix[0, half:].sum() > 0  # nothing before row 0
    assert matrix[1, :half].sum() > 0 and matrix[1, half:].sum() == 0
    assert matrix[2].sum() == 0  # alone on its page
    names = around.describe(["Related stories", "Solar output"], 1)
    assert set(names.values()) == {"before:related", "before:stories"}


@pytest.mark.parametrize("n_rows, n_columns, n_pairs", [(1, 1, 0), (5, 3, 40), (300, 2000, 9000)])
def test_count_matrix_is_scipys_sorted_and_summed(n_rows, n_columns, n_pairs):
    rng = np.random.default_rng(n_pairs)
    rows = np.sort(rng.integers(0, n_rows, n_pairs))
    rows[rows == n_rows // 2] = max(n_rows // 2 - 1, 0)  # an empty row in the middle
    columns = rng.integers(0, n_columns, n_pairs).astype(np.int32)
    kept_rows, kept_columns = rows.copy(), columns.copy()
    ours = count_matrix(rows, columns, n_rows, n_columns)
    reference = sp.coo_matrix((np.ones(n_pairs, dtype=np.float32), (rows, columns)),
                              shape=(n_rows, n_columns)).tocsr()
    reference.sum_duplicates()
    assert np.array_equal(ours.indptr, reference.indptr)
    assert np.array_equal(ours.indices, reference.indices)
    assert np.array_equal(ours.data, reference.data) and ours.dtype == np.float32
    assert ours.has_canonical_format
    assert np.array_equal(rows, kept_rows) and np.array_equal(columns, kept_columns)
