"""The neighbour-aware stack: a first pass over each segment, revised by a second pass that
reads the first pass's probabilities for the segment and its neighbours.

The second pass is trained on out-of-fold first-pass predictions, grouped by source, so it
learns how the first pass behaves on publishers it has not seen; beside the probabilities it
reads the layout signals of the segment and its direct neighbours, so a run of teaser cards
or a legal block at the end of a page is read as a block.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import GroupKFold
from sklearn.utils.validation import check_is_fitted

from ..features.pagetable import (
    neighbour_blocks,
    neighbour_names,
    page_codes,
    page_means,
    positions_in_pages,
    shift_within_pages,
)
from .folds import fit_and_predict, place_fold
from .zoo import build_base_pipeline, build_final_stage

STACK_WINDOW = 3
"""Neighbours on each side whose first-pass probabilities the second pass reads."""
STACK_RUN = 6
"""Width of the before/after averages of first-pass probabilities (runs of cards)."""
STACK_FOLDS = 2
"""Source-grouped folds of the out-of-fold first pass: two score as well as three and train
faster, since with two cores the two half-size fits run beside the full fit."""
SECOND_PASS_LAYOUT = ("self:", "prev1:", "next1:")
"""Layout signals the second pass reads beside the probabilities (taken from the first
pass's own feature matrix, not computed again)."""


def stack_features(proba: np.ndarray, codes: np.ndarray, window: int = STACK_WINDOW,
                   run: int = STACK_RUN) -> np.ndarray:
    """Second-pass inputs: own and neighbouring first-pass probabilities, runs, page mix."""
    proba = proba.astype(np.float32)
    blocks = [proba, *neighbour_blocks(proba, codes, window)]
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
    names = [f"pass1:{c}" for c in classes] + neighbour_names(classes, window)
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
                 cv: int = STACK_FOLDS, layout: tuple[str, ...] = SECOND_PASS_LAYOUT,
                 n_jobs: int | None = None):
        self.base = base
        self.final = final
        self.window = window
        self.run = run
        self.cv = cv
        self.layout = layout
        self.n_jobs = n_jobs

    def _layout_columns(self) -> tuple[np.ndarray, list[str]]:
        """Columns of the first pass's feature matrix that the second pass reads too."""
        features = self.base_.named_steps["features"]
        if "layout" not in features.named_transformers_ or not self.layout:
            return np.zeros(0, dtype=np.int64), []
        block = features.output_indices_["layout"]
        names = features.named_transformers_["layout"].get_feature_names_out()
        chosen = [i for i, name in enumerate(names) if str(name).startswith(tuple(self.layout))]
        return block.start + np.asarray(chosen, dtype=np.int64), [f"layout:{names[i]}"
                                                                  for i in chosen]

    def _first_pass(self, X: pd.DataFrame, matrix=None) -> tuple[np.ndarray, np.ndarray]:
        """First-pass probabilities, and the layout signals picked from the same features
        (``matrix``: the first pass's features of ``X`` when already computed)."""
        if matrix is None:
            matrix = self.base_.named_steps["features"].transform(X)
        proba = self.base_.named_steps["classify"].predict_proba(matrix)
        layout = matrix[:, self.layout_columns_] if len(self.layout_columns_) else np.zeros(
            (len(X), 0))
        layout = layout.toarray() if hasattr(layout, "toarray") else np.asarray(layout)
        return proba, layout.astype(np.float32)

    def _second_pass_inputs(self, proba: np.ndarray, X: pd.DataFrame,
                            layout: np.ndarray) -> np.ndarray:
        stacked = stack_features(proba, page_codes(X["page"]), self.window, self.run)
        return np.hstack([stacked, layout])

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
        # the full fit and the out-of-fold fits are independent: one pool runs them all, the
        # longest (the full fit) first, so two cores run the half-size folds beside it
        everything = np.arange(len(X))
        jobs = [(everything, everything[:0]),
                *GroupKFold(folds).split(X, y, groups=groups)]
        fitted = Parallel(n_jobs=self.n_jobs)(
            delayed(fit_and_predict)(base, X, y, train, test) for train, test in jobs)
        self.base_ = fitted[0][0]
        classes = list(self.base_.classes_)
        oof = np.zeros((len(X), len(classes)))
        for (_, test), (model, proba) in zip(jobs[1:], fitted[1:]):
            place_fold(oof, test, proba, model.classes_, classes)
        self.classes_ = self.base_.classes_
        self.layout_columns_, _ = self._layout_columns()
        _, layout = self._first_pass(X)
        self.final_ = final.fit(self._second_pass_inputs(oof, X, layout), y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "final_")
        first, layout = self._first_pass(X)
        return self.final_.predict_proba(self._second_pass_inputs(first, X, layout))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def explain(self, X: pd.DataFrame, top: int = 5) -> list[list[tuple[str, float]]]:
        """For each segment, the features that pushed most toward its predicted label."""
        from .explain import explain_stacked

        check_is_fitted(self, "final_")
        return explain_stacked(self, X, top)
