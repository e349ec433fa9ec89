"""The neighbour-aware stack: a first pass over each segment, revised by a second pass that
reads the first pass's probabilities for the segment and its neighbours.

The second pass is trained on out-of-fold first-pass predictions, grouped by source, so it
learns how the first pass behaves on publishers it has not seen; beside the probabilities it
reads the layout signals of the segment and its direct neighbours, so a run of teaser cards
or a legal block at the end of a page is read as a block.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ..features.pagetable import (
    cumulative_within_pages,
    neighbour_blocks,
    neighbour_names,
    page_codes,
    page_means,
    positions_in_pages,
    shift_within_pages,
    window_means,
)
from ..features.structure import STRUCTURE_FEATURE_NAMES, structure_matrix
from .flat_trees import flat_trees_of
from .flat_trees import predict_proba as flat_predict_proba
from .folds import place_fold
from .zoo import build_base_pipeline, build_final_stage

STACK_WINDOW = 3
"""Neighbours on each side whose first-pass probabilities the second pass reads."""
STACK_RUN = 6
"""Width of the before/after averages of first-pass probabilities (runs of cards)."""
STACK_FOLDS = 2
"""Source-grouped folds of the out-of-fold first pass: two score as well as three and train
faster, since with two cores the two half-size fits run beside the full fit."""
FIRST_PASS_LAYOUT_WINDOW = 0
"""The first pass reads only the segment's own layout signals: neighbours' layout in a linear
model fitted the corpus's layouts and hurt on real pages; the second pass reads it instead."""
SECOND_PASS_LAYOUT_WINDOW = 1
"""Neighbours on each side whose layout signals the second pass reads (taken from the first
pass's own feature matrix, not computed again)."""
PAGE_WEIGHT = 0.5
"""Each segment weighs ``1 / lines_on_its_page ** 0.5`` in training, so a 400-line scrape counts
for more than a 10-line feed item but not 40 times more: with every line weighing the same, the
long pages drowned the short ones' patterns (held-out split, short pages: macro-F1 0.959 ->
0.964 with the weighting)."""
SAMPLED_PAGE_LINES = 50
"""Pages longer than this many lines are trained on a random sample of their lines, weighted
up so each page keeps the weight ``PAGE_WEIGHT`` gives it: a 400-line page is trained on 110
of its lines. The features still read the whole page; only the rows the two passes fit on are
sampled. On the grown corpus it halves the rows and the training time (127 s -> 70 s) at the
same held-out and real-page scores (data/README.md)."""
WIDE_WINDOWS = (15, 50)
"""Half-widths of the wide averages of first-pass probabilities: the blocks a segment sits
in on a long page (a 40-item menu, a rail of 30 headlines, the article)."""


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


def _fit_rows(estimator, matrix, y: np.ndarray, train: np.ndarray, test: np.ndarray,
              weight: np.ndarray | None = None):
    """A clone of ``estimator`` fitted on the ``train`` rows of ``matrix``, and its
    probabilities for the ``test`` rows (None when there are none)."""
    fitted = clone(estimator).fit(matrix[train], y[train],
                                  sample_weight=None if weight is None else weight[train])
    return fitted, fitted.predict_proba(matrix[test]) if len(test) else None


def _averaged(models: list) -> object:
    """One linear model whose coefficients are the mean of ``models``' (same classes): the
    fold models' average serves as the first pass, so no full-data fit is needed."""
    model = copy.deepcopy(models[0])
    model.coef_ = np.mean([m.coef_ for m in models], axis=0)
    model.intercept_ = np.mean([m.intercept_ for m in models], axis=0)
    return model


class StackedSegmentClassifier(ClassifierMixin, BaseEstimator):
    """A first-pass segment classifier revised by a second pass that reads the page around
    each segment.

    The first pass (a linear model over the segment's n-grams, its own layout signals and its
    neighbours' words) is fitted on ``cv`` source-grouped folds; its out-of-fold
    probabilities train the second pass, so the second pass learns how the first behaves on
    publishers it has not seen. The fold models' average is the first pass at prediction
    time (``refit=True`` fits one on all the data instead). The second pass (boosted trees)
    reads the first-pass probabilities of the segment, of ``window`` neighbours each side, and
    their averages over runs and wide windows; the layout signals of the segment and
    ``layout_window`` neighbours; and the page's structure around it (``structure``). Both
    passes weigh segments by ``page_weight`` (see ``PAGE_WEIGHT``) and fit on a sample of
    the lines of pages longer than ``sampled_page_lines`` (see ``SAMPLED_PAGE_LINES``).

    ``fit`` takes the segment table; a ``source`` column, when present, groups the folds
    (else pages do).
    """

    def __init__(self, base=None, final=None, window: int = STACK_WINDOW, run: int = STACK_RUN,
                 cv: int = STACK_FOLDS, layout_window: int = SECOND_PASS_LAYOUT_WINDOW,
                 wide: tuple[int, ...] = WIDE_WINDOWS, structure: bool = True,
                 page_weight: float = PAGE_WEIGHT, sampled_page_lines: int | None = (
                     SAMPLED_PAGE_LINES), refit: bool = False, random_state: int = 0,
                 n_jobs: int | None = None):
        self.base = base
        self.final = final
        self.window = window
        self.run = run
        self.cv = cv
        self.layout_window = layout_window
        self.wide = wide
        self.structure = structure
        self.page_weight = page_weight
        self.sampled_page_lines = sampled_page_lines
        self.refit = refit
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _own_layout_columns(self, features) -> tuple[np.ndarray, list[str]]:
        """Columns of the first pass's features holding the segment's own layout signals."""
        if "layout" not in features.named_transformers_:
            return np.zeros(0, dtype=np.int64), []
        block = features.output_indices_["layout"]
        names = features.named_transformers_["layout"].get_feature_names_out()
        chosen = [i for i, name in enumerate(names) if str(name).startswith("self:")]
        return (block.start + np.asarray(chosen, dtype=np.int64),
                [str(names[i]).removeprefix("self:") for i in chosen])

    def _first_pass(self, X: pd.DataFrame) -> tuple[np.ndarray, object]:
        """First-pass probabilities and the first pass's feature matrix of ``X``."""
        matrix = self.base_.named_steps["features"].transform(X).astype(np.float32)
        return self.base_.named_steps["classify"].predict_proba(matrix), matrix

    def _second_pass_inputs(self, proba: np.ndarray, X: pd.DataFrame, matrix) -> np.ndarray:
        codes = page_codes(X["page"])
        blocks = [stack_features(proba, codes, self.window, self.run)]
        if len(self.layout_columns_):
            own = matrix[:, self.layout_columns_]
            own = (own.toarray() if hasattr(own, "toarray") else np.asarray(own)).astype(
                np.float32)
            blocks += [own, *neighbour_blocks(own, codes, self.layout_window)]
        blocks += [window_means(proba, codes, w) for w in self.wide]
        if self.structure:
            texts = [str(t) for t in X["text"]]
            chars = np.fromiter(map(len, texts), dtype=np.float64, count=len(texts))
            before, total = cumulative_within_pages(proba * chars[:, None], codes)
            blocks += [(before / np.maximum(total, 1e-9)).astype(np.float32),
                       structure_matrix(texts, codes)]
        return np.hstack(blocks).astype(np.float32)

    def second_pass_feature_names(self) -> list[str]:
        check_is_fitted(self, "final_")
        classes = [str(c) for c in self.classes_]
        names = stack_feature_names(classes, self.window)
        if len(self.layout_columns_):
            own = [f"layout:{n}" for n in self.layout_names_]
            names += own + neighbour_names(own, self.layout_window)
        names += [f"wide{w}:{c}" for w in self.wide for c in classes]
        if self.structure:
            names += [f"mass_before:{c}" for c in classes]
            names += [f"page:{n}" for n in STRUCTURE_FEATURE_NAMES]
        return names

    def _groups(self, X: pd.DataFrame) -> np.ndarray:
        column = "source" if "source" in X.columns else "page"
        return np.asarray(X[column])

    def fit(self, X: pd.DataFrame, y) -> StackedSegmentClassifier:
        y = np.asarray(y)
        base = clone(self.base) if self.base is not None else build_base_pipeline(
            "full", layout_window=FIRST_PASS_LAYOUT_WINDOW)
        final = clone(self.final) if self.final is not None else build_final_stage()
        groups = self._groups(X)
        folds = min(self.cv, len(np.unique(groups)))
        if folds < 2:
            raise ValueError("stacking needs at least two sources (or pages) to fold over")
        # the features are fitted once, without labels (n-gram buckets, idf, scaling); the
        # linear first pass is fitted per fold on rows of the one matrix, folds in parallel
        features = base.named_steps["features"]
        matrix = features.fit_transform(X, y).astype(np.float32).tocsr()
        everything = np.arange(len(X))
        weight, kept = self._training_rows(X)
        jobs = [(np.intersect1d(train, kept, assume_unique=True), test)
                for train, test in GroupKFold(folds).split(X, y, groups=groups)]
        if self.refit:
            jobs.insert(0, (kept, everything[:0]))
        fitted = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_rows)(base.named_steps["classify"], matrix, y, train, test, weight)
            for train, test in jobs)
        fold_models = [model for (_, test), (model, _) in zip(jobs, fitted) if len(test)]
        classes = sorted({label for model in fold_models for label in model.classes_})
        oof = np.zeros((len(X), len(classes)))
        for (_, test), (model, proba) in zip(jobs, fitted):
            if len(test):
                place_fold(oof, test, proba, model.classes_, classes)
        same_classes = all(list(m.classes_) == classes for m in fold_models)
        if self.refit or not same_classes:
            first = fitted[0][0] if self.refit else clone(base.named_steps["classify"]).fit(
                matrix[kept], y[kept], sample_weight=None if weight is None else weight[kept])
        else:
            first = _averaged(fold_models)
        self.base_ = Pipeline([("features", features), ("classify", first)])
        self.classes_ = np.asarray(first.classes_)
        self.layout_columns_, self.layout_names_ = self._own_layout_columns(features)
        inputs = self._second_pass_inputs(oof, X, matrix)
        self.final_ = final.fit(inputs[kept], y[kept],
                                sample_weight=None if weight is None else weight[kept])
        self.flat_trees_ = flat_trees_of(self.final_)
        return self

    def _training_rows(self, X: pd.DataFrame) -> tuple[np.ndarray | None, np.ndarray]:
        """Each row's training weight and the rows the passes fit on (sorted): all the lines
        of short pages, a sample of ``(sampled_page_lines / lines) ** page_weight`` of the
        lines of longer ones, their weights divided by that share."""
        _, size = positions_in_pages(page_codes(X["page"]))
        size = size.astype(np.float64)
        if not self.page_weight:
            return None, np.arange(len(X))
        weight = size ** -self.page_weight
        if self.sampled_page_lines:
            share = np.minimum(1.0, (self.sampled_page_lines / size) ** self.page_weight)
            draw = np.random.default_rng(self.random_state).random(len(X))
            kept = np.flatnonzero(draw < share)
            weight = weight / share
        else:
            kept = np.arange(len(X))
        return weight / weight[kept].mean(), kept

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "final_")
        first, matrix = self._first_pass(X)
        inputs = self._second_pass_inputs(first, X, matrix)
        flat = getattr(self, "flat_trees_", None)  # None: another kind of second pass
        if flat is None:
            return self.final_.predict_proba(inputs)
        return flat_predict_proba(flat, self.final_, inputs)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def explain(self, X: pd.DataFrame, top: int = 5) -> list[list[tuple[str, float]]]:
        """For each segment, the features that pushed most toward its predicted label."""
        from .explain import explain_stacked

        check_is_fitted(self, "final_")
        return explain_stacked(self, X, top)
