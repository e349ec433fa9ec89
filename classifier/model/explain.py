"""Explanations: the features that pushed each segment most toward its chosen label.

Linear first passes are explained by feature value x coefficient; the stack adds the
neighbours' first-pass votes that its second pass read. Hashed n-gram columns have no
vocabulary, so they are named from the n-grams of the segment (or its neighbours) being
explained, e.g. ``words:starts:read more``, ``chars:' adv'``, ``around:before:related``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

from ..features.ngrams import NeighbourWords
from ..features.pagetable import page_codes, positions_in_pages

if TYPE_CHECKING:
    from .stacking import StackedSegmentClassifier

Explanation = list[tuple[str, float]]
"""(feature name, contribution) pairs, strongest first."""


def explain_stacked(model: StackedSegmentClassifier, X: pd.DataFrame,
                    top: int = 5) -> list[Explanation]:
    """The segment's own first-pass evidence merged with the neighbours' votes that the
    second pass read."""
    first, matrix = model._first_pass(X)
    stacked = model._second_pass_inputs(first, X, matrix)
    chosen = np.argmax(model.final_.predict_proba(stacked), axis=1)
    base_expl = explain_linear_pipeline(model.base_, X, chosen, top, matrix)
    classes = [str(c) for c in model.classes_]
    names = model.second_pass_feature_names()
    coef = getattr(model.final_, "coef_", None)
    n_classes = len(classes)
    result = []
    for i, label_index in enumerate(chosen):
        if coef is not None:
            contrib = stacked[i] * coef[label_index]
        else:  # trees: credit the neighbours' first-pass belief in the chosen label
            contrib = np.zeros(len(names), dtype=np.float64)
            for j, name in enumerate(names):
                if (j >= n_classes and name.endswith(f":{classes[label_index]}")
                        and not name.startswith(("mass_before:", "layout:"))):
                    contrib[j] = stacked[i, j] - 1.0 / n_classes
        order = np.argsort(contrib)[::-1][:top]
        stage2 = [(f"context:{names[j]}", float(contrib[j])) for j in order if contrib[j] > 0]
        context = stage2[:2]
        result.append(sorted(context + base_expl[i][: top - len(context)],
                             key=lambda item: -item[1]))
    return result


def explain_linear_pipeline(pipeline: Pipeline, X: pd.DataFrame, chosen: np.ndarray,
                            top: int = 5, matrix=None) -> list[Explanation]:
    """Top positive contributions (feature value x coefficient) toward each chosen label.

    ``matrix``: the pipeline's features of ``X``, when the caller has them already.
    """
    features = pipeline.named_steps["features"]
    linear = pipeline.named_steps["classify"]
    if matrix is None:
        matrix = features.transform(X)
    matrix = matrix.tocsr() if hasattr(matrix, "tocsr") else np.asarray(matrix)
    namer = _FeatureNamer(features, X)
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
        positive = [j for j in np.argsort(contrib)[::-1] if contrib[j] > 0]
        # scaled layout signals often outweigh any single n-gram; keep some of each kind so
        # the explanation shows the words as well as the shape of the line
        textual = [j for j in positive if namer.is_text(int(idx[j]))]
        other = [j for j in positive if not namer.is_text(int(idx[j]))]
        keep_text = min(len(textual), max(top - len(other), (top + 1) // 2))
        chosen_cols = sorted(textual[:keep_text] + other[: top - keep_text],
                             key=lambda j: -contrib[j])
        result.append([(namer.name(i, int(idx[j])), float(contrib[j])) for j in chosen_cols])
    return result


class _FeatureNamer:
    """Readable names of first-pass columns. Hashed n-gram columns have no vocabulary, so
    they are named from the n-grams of the segment (or its neighbours) being explained."""

    def __init__(self, features: ColumnTransformer, X: pd.DataFrame):
        self.features = features
        self.texts = [str(t) for t in X["text"]]
        index, size = positions_in_pages(page_codes(X["page"]))
        self.page_start, self.page_size = index, size
        self.blocks = [(name, block) for name, block in features.output_indices_.items()
                       if block.stop > block.start]
        self.cache: dict[tuple[str, int], Any] = {}

    def _locate(self, column: int) -> tuple[str, int, Any] | None:
        """(branch name, column within the branch, the branch's first step)."""
        for name, block in self.blocks:
            if block.start <= column < block.stop:
                transformer = self.features.named_transformers_[name]
                first = (transformer.steps[0][1] if isinstance(transformer, Pipeline)
                         else transformer)
                return name, column - block.start, first
        return None

    def _described(self, name: str, counts: Any, row: int) -> dict[int, str] | np.ndarray:
        if isinstance(counts, NeighbourWords):
            key = (name, row)
            if key not in self.cache:
                start = row - int(self.page_start[row])
                page = self.texts[start:start + int(self.page_size[row])]
                self.cache[key] = counts.describe(page, row - start)
        elif hasattr(counts, "describe"):
            key = (name, row)
            if key not in self.cache:
                self.cache[key] = counts.describe(self.texts[row])
        else:
            key = (name, -1)
            if key not in self.cache:
                self.cache[key] = self.features.named_transformers_[name].get_feature_names_out()
        return self.cache[key]

    def is_text(self, column: int) -> bool:
        """Whether a column is an n-gram (of the segment or of its neighbours)."""
        located = self._locate(column)
        return located is not None and hasattr(located[2], "describe")

    def name(self, row: int, column: int) -> str:
        located = self._locate(column)
        if located is None:
            return f"#{column}"
        name, local, counts = located
        described = self._described(name, counts, row)
        label = (described.get(local, f"#{local}") if isinstance(described, dict)
                 else str(described[local]))
        return f"{name}:{label}"
