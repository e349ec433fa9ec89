"""The model: scikit-learn pipelines over the segment table, and a neighbour-aware stack.

Three variants, compared in the evaluation report:
- ``bow``: word n-grams of the segment alone, logistic regression (the baseline);
- ``full``: word and character n-grams plus layout, neighbour and page features;
- ``stacked`` (the default): ``full`` as a first pass, then a second pass that reads the
  first pass's probabilities for the segment and its neighbours. The second pass is trained
  on out-of-fold first-pass predictions, grouped by source, so it learns how the first pass
  behaves on publishers it has not seen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from .features import (
    NeighbourText,
    PageLayoutFeatures,
    decorate_text,
    normalize_text,
    page_codes,
    page_means,
    positions_in_pages,
    shift_within_pages,
)

MODEL_KINDS = ("bow", "full", "stacked")
DEFAULT_KIND = "stacked"
STACK_WINDOW = 3
"""Neighbours on each side whose first-pass probabilities the second pass reads."""
STACK_RUN = 6
"""Width of the before/after averages of first-pass probabilities (runs of cards)."""
STACK_FOLDS = 3
FINAL_ITERATIONS = 200
WORD_TOKENS = r"(?u)\b\w+\b|[$€£%©|]"


def _word_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=decorate_text, token_pattern=WORD_TOKENS, ngram_range=(1, 2),
        min_df=2, sublinear_tf=True, dtype=np.float32,
    )


def _char_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=normalize_text, analyzer="char_wb", ngram_range=(2, 4), min_df=3,
        max_features=60000, sublinear_tf=True, dtype=np.float32,
    )


def _linear(C: float) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=3000, class_weight="balanced")


def _neighbour_words() -> Pipeline:
    return Pipeline([
        ("around", NeighbourText(window=1)),
        ("tfidf", TfidfVectorizer(token_pattern=r"\S+", min_df=3, sublinear_tf=True,
                                  dtype=np.float32)),
    ])


def build_base_pipeline(kind: str = "full", C: float = 4.0,
                        neighbour_words: bool = True, char_ngrams: bool = True) -> Pipeline:
    """First-pass pipeline over a segment table (columns ``page`` and ``text``)."""
    if kind == "bow":
        columns = ColumnTransformer([("words", _word_vectorizer(), "text")])
    elif kind == "full":
        branches = [
            ("words", _word_vectorizer(), "text"),
            *([("chars", _char_vectorizer(), "text")] if char_ngrams else []),
            ("layout", Pipeline([("signals", PageLayoutFeatures()),
                                 ("scale", StandardScaler())]), ["page", "text"]),
        ]
        if neighbour_words:
            branches.append(("around", _neighbour_words(), ["page", "text"]))
        columns = ColumnTransformer(branches)
    else:
        raise ValueError(f"unknown first-pass kind {kind!r}")
    return Pipeline([("features", columns), ("classify", _linear(C))])


def build_final_stage(calibrated: bool = True):
    """Second pass: boosted trees over neighbour probabilities, isotonic-calibrated."""
    trees = HistGradientBoostingClassifier(max_iter=FINAL_ITERATIONS, learning_rate=0.1,
                                           early_stopping=False, random_state=0)
    if not calibrated:
        return trees
    return CalibratedClassifierCV(trees, method="isotonic", cv=3, ensemble=False)


def stack_features(proba: np.ndarray, codes: np.ndarray, window: int = STACK_WINDOW,
                   run: int = STACK_RUN) -> np.ndarray:
    """Second-pass inputs: own and neighbouring first-pass probabilities, runs, page mix."""
    proba = proba.astype(np.float32)
    blocks = [proba]
    for offset in [*range(-window, 0), *range(1, window + 1)]:
        shifted, valid = shift_within_pages(proba, codes, offset)
        blocks.extend([shifted, valid[:, None].astype(np.float32)])
    for direction in (-1, 1):
        total = np.zeros_like(proba)
        count = np.zeros((len(proba), 1), dtype=np.float32)
        for step in range(1, run + 1):
            shifted, valid = shift_within_pages(proba, codes, direction * step)
            total += shifted
            count[:, 0] += valid
        blocks.append(total / np.maximum(count, 1))
    blocks.append(page_means(proba, codes))
    index, size = positions_in_pages(codes)
    last = np.maximum(size - 1, 1)
    blocks.append(np.column_stack([index / last, index == 0, index == size - 1]).astype(
        np.float32))
    return np.hstack(blocks)


def stack_feature_names(classes: list[str], window: int = STACK_WINDOW) -> list[str]:
    names = [f"pass1:{c}" for c in classes]
    for offset in [*range(-window, 0), *range(1, window + 1)]:
        tag = f"prev{-offset}" if offset < 0 else f"next{offset}"
        names += [f"{tag}:{c}" for c in classes] + [f"{tag}:exists"]
    names += [f"run_before:{c}" for c in classes] + [f"run_after:{c}" for c in classes]
    names += [f"page_mix:{c}" for c in classes]
    names += ["pos:relative", "pos:first", "pos:last"]
    return names


class StackedSegmentClassifier(ClassifierMixin, BaseEstimator):
    """A first-pass segment classifier revised by a second pass over neighbours' predictions.

    ``fit`` takes the segment table; a ``source`` column, when present, groups the
    out-of-fold predictions (else pages do), so the second pass never sees first-pass
    outputs for segments the first pass was trained on.
    """

    def __init__(self, base=None, final=None, window: int = STACK_WINDOW, run: int = STACK_RUN,
                 cv: int = STACK_FOLDS, n_jobs: int | None = None):
        self.base = base
        self.final = final
        self.window = window
        self.run = run
        self.cv = cv
        self.n_jobs = n_jobs

    def _groups(self, X: pd.DataFrame) -> np.ndarray:
        column = "source" if "source" in X.columns else "page"
        return np.asarray(X[column])

    def fit(self, X: pd.DataFrame, y) -> StackedSegmentClassifier:
        y = np.asarray(y)
        base = clone(self.base) if self.base is not None else build_base_pipeline("full")
        final = clone(self.final) if self.final is not None else build_final_stage()
        groups = self._groups(X)
        folds = min(self.cv, len(np.unique(groups)))
        if folds < 2:
            raise ValueError("stacking needs at least two sources (or pages) to fold over")
        oof = cross_val_predict(base, X, y, groups=groups, cv=GroupKFold(folds),
                                method="predict_proba", n_jobs=self.n_jobs)
        self.base_ = base.fit(X, y)
        self.classes_ = self.base_.classes_
        codes = page_codes(X["page"])
        self.final_ = final.fit(stack_features(oof, codes, self.window, self.run), y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "final_")
        first = self.base_.predict_proba(X)
        return self.final_.predict_proba(
            stack_features(first, page_codes(X["page"]), self.window, self.run))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def explain(self, X: pd.DataFrame, top: int = 5) -> list[list[tuple[str, float]]]:
        """For each segment, the features that pushed most toward its predicted label."""
        check_is_fitted(self, "final_")
        first = self.base_.predict_proba(X)
        stacked = stack_features(first, page_codes(X["page"]), self.window, self.run)
        chosen = np.argmax(self.final_.predict_proba(stacked), axis=1)
        base_expl = explain_linear_pipeline(self.base_, X, chosen, top)
        names = stack_feature_names(list(self.classes_), self.window)
        coef = getattr(self.final_, "coef_", None)
        n_classes = len(self.classes_)
        result = []
        for i, label_index in enumerate(chosen):
            if coef is not None:
                contrib = stacked[i] * coef[label_index]
            else:  # trees: credit the neighbours' first-pass belief in the chosen label
                contrib = np.zeros(len(names), dtype=np.float64)
                for j, name in enumerate(names):
                    if name.endswith(f":{self.classes_[label_index]}") and j >= n_classes:
                        contrib[j] = stacked[i, j] - 1.0 / n_classes
            order = np.argsort(contrib)[::-1][:top]
            stage2 = [(f"context:{names[j]}", float(contrib[j])) for j in order if contrib[j] > 0]
            merged = sorted(stage2 + base_expl[i], key=lambda item: -item[1])[:top]
            result.append(merged)
        return result


def explain_linear_pipeline(pipeline: Pipeline, X: pd.DataFrame, chosen: np.ndarray,
                            top: int = 5) -> list[list[tuple[str, float]]]:
    """Top positive contributions (feature value x coefficient) toward each chosen label."""
    features = pipeline.named_steps["features"]
    linear = pipeline.named_steps["classify"]
    matrix = features.transform(X)
    names = features.get_feature_names_out()
    matrix = matrix.tocsr() if hasattr(matrix, "tocsr") else np.asarray(matrix)
    result = []
    for i, label_index in enumerate(chosen):
        row = matrix[i]
        if hasattr(row, "indices"):
            idx, values = row.indices, row.data
        else:
            values = np.asarray(row).ravel()
            idx = np.flatnonzero(values)
            values = values[idx]
        contrib = values * linear.coef_[label_index][idx]
        order = np.argsort(contrib)[::-1][:top]
        result.append([(str(names[idx[j]]), float(contrib[j])) for j in order if contrib[j] > 0])
    return result


def build_model(kind: str = DEFAULT_KIND, n_jobs: int | None = None):
    """A fresh, unfitted estimator of the named kind."""
    if kind == "stacked":
        return StackedSegmentClassifier(n_jobs=n_jobs)
    if kind in ("bow", "full"):
        return build_base_pipeline(kind)
    raise ValueError(f"unknown model kind {kind!r}; choose from {', '.join(MODEL_KINDS)}")
