"""The model zoo: the three model kinds, as unfitted scikit-learn estimators.

- ``bow``: word n-grams of the segment alone, logistic regression (the baseline);
- ``full``: word and character n-grams (hashed, computed per batch with NumPy), layout
  signals of the segment and its neighbours, its position, and its neighbours' words;
- ``stacked`` (the default): ``full`` as a first pass, revised by a second pass that reads
  the first pass's probabilities for the segment and its neighbours (``stacking``).

Their comparison is in data/README.md (``benchmarks/compare_models.py`` reproduces it).
"""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ..features.layout import CONTEXT_WINDOW, PageLayoutFeatures
from ..features.ngrams import HashedCharNgrams, HashedWordNgrams, NeighbourWords
from .kinds import DEFAULT_KIND, MODEL_KINDS, ModelKind

FIRST_PASS_C = 4.0
"""Inverse regularisation of the first pass's logistic regression."""
FIRST_PASS_TOL = 1e-3
"""Stopping tolerance of the first pass: a third of the iterations of 1e-4 (training on the
grown corpus fits in two minutes) for a held-out macro-F1 0.002 lower (data/README.md)."""
FINAL_ITERATIONS = 100
FINAL_LEARNING_RATE = 0.2
FINAL_LEAVES = 15
FINAL_MIN_LEAF = 100
FINAL_L2 = 1.0
"""Regularised trees: leaves of at least 100 segments and an L2 penalty keep the second pass
from keying on a few pages' quirks; on layout families left out of training they score
higher and are better calibrated than unregularised trees. 100 rounds at rate 0.2 score as
200 at 0.1 on real pages and train and predict in half the time (data/README.md)."""


def _weighted(counts) -> Pipeline:
    return Pipeline([("counts", counts), ("tfidf", TfidfTransformer(sublinear_tf=True))])


def _linear(C: float) -> LogisticRegression:
    return LogisticRegression(C=C, tol=FIRST_PASS_TOL, max_iter=3000, class_weight="balanced")


def build_base_pipeline(kind: str = "full", C: float = FIRST_PASS_C,
                        layout_window: int = CONTEXT_WINDOW) -> Pipeline:
    """First-pass pipeline over a segment table (columns ``page`` and ``text``); the layout
    signals of ``layout_window`` neighbours each side are read beside the segment's own."""
    if kind == "bow":
        columns = ColumnTransformer([("words", _weighted(HashedWordNgrams()), "text")])
    elif kind == "full":
        columns = ColumnTransformer([
            ("words", _weighted(HashedWordNgrams()), "text"),
            ("chars", _weighted(HashedCharNgrams()), "text"),
            ("layout", Pipeline([("signals", PageLayoutFeatures(window=layout_window)),
                                 ("scale", StandardScaler())]), ["page", "text"]),
            ("around", _weighted(NeighbourWords()), ["page", "text"]),
        ])
    else:
        raise ValueError(f"unknown first-pass kind {kind!r}")
    return Pipeline([("features", columns), ("classify", _linear(C))])


def build_final_stage() -> HistGradientBoostingClassifier:
    """Second pass: boosted trees (log-loss, so their scores are probabilities). Not wrapped
    in a calibrator: one fitted on out-of-fold inputs, noisier than those seen at prediction
    time, made the scores under-confident (data/README.md)."""
    return HistGradientBoostingClassifier(max_iter=FINAL_ITERATIONS,
                                          learning_rate=FINAL_LEARNING_RATE,
                                          max_leaf_nodes=FINAL_LEAVES,
                                          min_samples_leaf=FINAL_MIN_LEAF,
                                          l2_regularization=FINAL_L2, early_stopping=False,
                                          random_state=0)


def build_model(kind: ModelKind | str = DEFAULT_KIND, n_jobs: int | None = None):
    """A fresh, unfitted estimator of the named kind."""
    from .stacking import StackedSegmentClassifier

    try:
        kind = ModelKind(kind)
    except ValueError:
        raise ValueError(f"unknown model kind {kind!r}; choose from "
                         f"{', '.join(MODEL_KINDS)}") from None
    if kind is ModelKind.STACKED:
        return StackedSegmentClassifier(n_jobs=n_jobs)
    return build_base_pipeline(kind.value)
