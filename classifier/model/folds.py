"""Out-of-fold fitting, shared by grouped cross-validation and the stack's second pass."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone


def fit_and_predict(estimator, X: pd.DataFrame, y: np.ndarray, train: np.ndarray,
                    test: np.ndarray):
    """A clone of ``estimator`` fitted on ``train`` rows, and its probabilities for ``test``
    (None when ``test`` is empty)."""
    fitted = clone(estimator).fit(X.iloc[train], y[train])
    proba = fitted.predict_proba(X.iloc[test]) if len(test) else None
    return fitted, proba


def place_fold(target: np.ndarray, rows: np.ndarray, proba: np.ndarray, fold_classes,
               classes: list) -> None:
    """Write a fold's probabilities into ``target``'s columns for ``classes``: a fold may
    lack a class its training part never saw."""
    columns = [classes.index(label) for label in fold_classes]
    target[np.ix_(rows, columns)] = proba
