"""The compiled second pass gives scikit-learn's probabilities exactly: the labels are the ones
the trees gave before the speed work."""

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from classifier.model.flat_trees import flat_trees_of, flatten, predict_proba
from classifier.model.predictor import segment_table
from classifier.segment import segment_page


def test_flat_trees_equal_scikit_learn_on_the_corpus(default_model, corpus_frame):
    """Second-pass inputs of every fifth corpus page (about 25,000 segments, every layout
    family), scored both ways."""
    stacked = default_model.estimator
    pages = corpus_frame.groupby("page", sort=True)["text"].apply("\n".join).tolist()[::5]
    table = segment_table([segment_page(text) for text in pages])
    first, matrix = stacked._first_pass(table)
    inputs = stacked._second_pass_inputs(first, table, matrix)
    expected = stacked.final_.predict_proba(inputs)
    assert len(inputs) > 20_000
    assert np.array_equal(predict_proba(stacked.flat_trees_, stacked.final_, inputs), expected)
    assert np.array_equal(stacked.predict_proba(table), expected)


@pytest.mark.parametrize("classes", [2, 5])
def test_missing_values_and_every_leaf(classes):
    rng = np.random.default_rng(classes)
    X = rng.normal(size=(3000, 6))
    y = (X[:, 0] * 2 + X[:, 1] > 0).astype(int) + (X[:, 2] > 1) * (classes - 2)
    X[rng.random(X.shape) < 0.1] = np.nan
    model = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=15,
                                           random_state=0).fit(X, y)
    test = np.vstack([X, rng.normal(size=(500, 6)) * 3])
    assert np.array_equal(predict_proba(flatten(model), model, test), model.predict_proba(test))
    # without NaN the compiled pass takes its branch-free path, in float32 as in float64
    complete = np.nan_to_num(test).astype(np.float32)
    assert np.array_equal(predict_proba(flatten(model), model, complete),
                          model.predict_proba(complete))
    assert np.array_equal(predict_proba(flatten(model), model, complete.astype(np.float64)),
                          model.predict_proba(complete))


def test_other_second_passes_are_left_to_scikit_learn():
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 2
    assert flat_trees_of(LogisticRegression().fit(X, y)) is None
    wide = HistGradientBoostingClassifier(max_iter=2, max_leaf_nodes=31, min_samples_leaf=1)
    assert flat_trees_of(wide.fit(np.random.default_rng(0).normal(size=(400, 3)),
                                  np.arange(400) % 2)) is None
