"""The second pass's boosted trees as flat arrays, applied in compiled code: the same
probabilities as ``HistGradientBoostingClassifier.predict_proba``, bit for bit, faster.

Why: scikit-learn walks each tree node by node, one segment at a time; every step waits on
the previous node's memory and on a branch the CPU cannot predict, and the second pass has
500 trees of up to 15 leaves. Here each tree is evaluated the QuickScorer way: every split of
the tree is tested for a block of segments at once (independent comparisons the CPU runs
side by side), each failed test clears the leaves it rules out from a bit set, and the
leftmost leaf left standing is the exit leaf, the one the walk would reach. Leaf values are
added in scikit-learn's order (round by round, class by class) and the same loss turns the
sums into probabilities, so the results are identical (a test checks this on the corpus).
Only numerical splits are supported, which is all the second pass has.
"""

from __future__ import annotations

import numba
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from ..errors import ArtifactError

MAX_LEAVES = 16
"""Leaves a tree may have (bits of the leaf set); the second pass grows 15."""
BLOCK = 128
"""Segments evaluated together against each split."""


FlatTrees = dict[str, np.ndarray]
"""The trees of a fitted ``HistGradientBoostingClassifier`` as QuickScorer tables (a dict of
arrays, so artifacts hold no class of ours and skops files stay loadable):

- ``split_start``: per tree (in scikit-learn's order: round by round, class by class), where
  its splits start in the split arrays; one more entry closes the last tree;
- ``feature``, ``threshold``, ``missing_left``: per split, the input column it tests, the
  value at most which an input goes left, and whether a NaN input goes left;
- ``keep``: per split, the leaf set with its left subtree's leaves cleared (what going
  right leaves possible);
- ``leaf_value``: per tree, its leaves' values from left to right (``MAX_LEAVES`` a tree);
- ``tree_class``: per tree, the class column its value is added to;
- ``baseline``: the raw score every segment starts from, per class.
"""


def _tree_tables(nodes) -> tuple[list[tuple[int, float, bool, int]], list[float]]:
    """Splits (feature, threshold, NaN goes left, leaves kept when going right) and leaf
    values, leaves numbered left to right."""
    leaves: list[float] = []
    splits: list[tuple[int, float, bool, int]] = []

    def visit(index: int) -> tuple[int, int]:  # the range of leaves under ``index``
        node = nodes[index]
        if node["is_leaf"]:
            leaves.append(float(node["value"]))
            return len(leaves) - 1, len(leaves)
        first, middle = visit(int(node["left"]))
        _, last = visit(int(node["right"]))
        left_leaves = sum(1 << b for b in range(first, middle))
        splits.append((int(node["feature_idx"]), float(node["num_threshold"]),
                       bool(node["missing_go_to_left"]), ((1 << MAX_LEAVES) - 1) ^ left_leaves))
        return first, last

    visit(0)
    return splits, leaves


def flatten(model) -> FlatTrees:
    """Flatten a fitted ``HistGradientBoostingClassifier`` (numerical splits, at most
    ``MAX_LEAVES`` leaves a tree)."""
    starts, splits, values, tree_class = [0], [], [], []
    for round_trees in model._predictors:
        for k, predictor in enumerate(round_trees):
            nodes = predictor.nodes
            if nodes["is_categorical"].any() or nodes["is_leaf"].sum() > MAX_LEAVES:
                raise ArtifactError("flat trees support numerical splits and at most "
                                    f"{MAX_LEAVES} leaves a tree")
            tree_splits, leaves = _tree_tables(nodes)
            splits += tree_splits
            starts.append(len(splits))
            values.append(leaves + [0.0] * (MAX_LEAVES - len(leaves)))
            tree_class.append(k)
    return {
        "split_start": np.asarray(starts, dtype=np.int64),
        "feature": np.asarray([s[0] for s in splits], dtype=np.int64),
        "threshold": np.asarray([s[1] for s in splits], dtype=np.float64),
        "missing_left": np.asarray([s[2] for s in splits], dtype=np.bool_),
        "keep": np.asarray([s[3] for s in splits], dtype=np.uint32),
        "leaf_value": np.asarray(values, dtype=np.float64),
        "tree_class": np.asarray(tree_class, dtype=np.int64),
        "baseline": np.asarray(model._baseline_prediction, dtype=np.float64).ravel(),
    }


def flat_trees_of(model) -> FlatTrees | None:
    """The flat trees of a second pass that can have them (boosted trees with numerical splits
    of at most ``MAX_LEAVES`` leaves); None for any other estimator."""
    if not isinstance(model, HistGradientBoostingClassifier):
        return None
    try:
        return flatten(model)
    except ArtifactError:
        return None


_LOWEST_BIT = np.array([0] + [(v & -v).bit_length() - 1 for v in range(1, 1 << MAX_LEAVES)],
                       dtype=np.int8)
"""The index of the lowest set bit of every leaf set."""


@numba.njit(cache=True, nogil=True)
def _raw_scores(XT, split_start, feature, threshold, missing_left, keep, leaf_value,
                tree_class, baseline, lowest_bit):  # pragma: no cover - compiled
    n, n_classes = XT.shape[1], baseline.shape[0]
    raw = np.empty((n, n_classes), dtype=np.float64)
    for i in range(n):
        for k in range(n_classes):
            raw[i, k] = baseline[k]
    leaves = np.empty(BLOCK, dtype=np.uint32)
    for start in range(0, n, BLOCK):
        size = min(start + BLOCK, n) - start
        for t in range(split_start.shape[0] - 1):
            for j in range(size):
                leaves[j] = 0xFFFF
            for s in range(split_start[t], split_start[t + 1]):
                column = XT[feature[s]]
                cut, nan_left, kept = threshold[s], missing_left[s], keep[s]
                for j in range(size):
                    x = column[start + j]
                    goes_left = (x <= cut) | (np.isnan(x) & nan_left)
                    leaves[j] &= np.uint32(0xFFFF) if goes_left else kept
            k = tree_class[t]
            for j in range(size):
                raw[start + j, k] += leaf_value[t, lowest_bit[leaves[j]]]
    return raw


@numba.njit(cache=True, nogil=True)
def _raw_scores_without_nan(XT, split_start, feature, threshold, keep, leaf_value, tree_class,
                            baseline, lowest_bit):  # pragma: no cover - compiled
    """``_raw_scores`` for inputs without NaN: the test needs no NaN branch and becomes a
    mask (all ones when the input goes left), which the compiler vectorises."""
    n, n_classes = XT.shape[1], baseline.shape[0]
    raw = np.empty((n, n_classes), dtype=np.float64)
    for i in range(n):
        for k in range(n_classes):
            raw[i, k] = baseline[k]
    leaves = np.empty(BLOCK, dtype=np.uint32)
    for start in range(0, n, BLOCK):
        size = min(start + BLOCK, n) - start
        for t in range(split_start.shape[0] - 1):
            for j in range(size):
                leaves[j] = 0xFFFF
            for s in range(split_start[t], split_start[t + 1]):
                column = XT[feature[s]]
                cut, kept = threshold[s], keep[s]
                for j in range(size):
                    goes_right = np.uint32(column[start + j] > cut)
                    leaves[j] &= kept | (goes_right - np.uint32(1))
            k = tree_class[t]
            for j in range(size):
                raw[start + j, k] += leaf_value[t, lowest_bit[leaves[j]]]
    return raw


def predict_proba(trees: FlatTrees, model, X: np.ndarray) -> np.ndarray:
    """``model.predict_proba(X)``, computed from ``trees`` (flattened from ``model``).

    float32 inputs stay float32 (half the memory traffic; each is compared as the float64 it
    converts to exactly, as scikit-learn compares it)."""
    X = np.asarray(X)
    if X.dtype != np.float32:
        X = X.astype(np.float64)
    XT = np.ascontiguousarray(X.T)
    if np.isnan(XT).any():
        raw = _raw_scores(XT, trees["split_start"], trees["feature"], trees["threshold"],
                          trees["missing_left"], trees["keep"], trees["leaf_value"],
                          trees["tree_class"], trees["baseline"], _LOWEST_BIT)
    else:
        raw = _raw_scores_without_nan(XT, trees["split_start"], trees["feature"],
                                      trees["threshold"], trees["keep"], trees["leaf_value"],
                                      trees["tree_class"], trees["baseline"], _LOWEST_BIT)
    return model._loss.predict_proba(raw)


def warm_up() -> None:
    """Load the compiled evaluator now (from numba's cache), in a process about to fork: a
    one-split tree of the dtypes ``flatten`` gives, on one row."""
    tree = {"split_start": np.array([0, 1]), "feature": np.zeros(1, dtype=np.int64),
            "threshold": np.zeros(1), "missing_left": np.zeros(1, dtype=bool),
            "keep": np.full(1, 0xFFFE, dtype=np.uint32), "leaf_value": np.zeros((1, MAX_LEAVES)),
            "tree_class": np.zeros(1, dtype=np.int64), "baseline": np.zeros(1)}
    for inputs in (np.zeros((1, 1), dtype=np.float32), np.full((1, 1), np.nan)):
        XT = np.ascontiguousarray(inputs.T)
        _raw_scores(XT, *(tree[k] for k in ("split_start", "feature", "threshold",
                                            "missing_left", "keep", "leaf_value",
                                            "tree_class", "baseline")), _LOWEST_BIT)
        _raw_scores_without_nan(XT, *(tree[k] for k in ("split_start", "feature", "threshold",
                                                        "keep", "leaf_value", "tree_class",
                                                        "baseline")), _LOWEST_BIT)
