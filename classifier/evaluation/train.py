"""Train a model on labelled data, with cross-validation grouped by source."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.model_selection import GroupKFold

from ..errors import DataError
from ..io.labelled import fingerprint, read_labelled
from ..labels import LABELS
from ..model.folds import fit_and_predict, place_fold
from ..model.predictor import SegmentModel
from ..model.zoo import DEFAULT_KIND, ModelKind, build_model
from .metrics import metrics_from_proba, render_metrics

CV_FOLDS = 5
MIN_SEGMENTS_PER_LABEL = 2


@dataclass
class TrainResult:
    model: SegmentModel
    cv_metrics: dict[str, Any] | None
    seconds: float

    def render(self) -> str:
        """The cross-validated scores for a terminal (nothing when CV was skipped)."""
        if self.cv_metrics is None:
            return ""
        return (f"Cross-validated ({self.cv_metrics['folds']} folds grouped by source):\n"
                + render_metrics(self.cv_metrics, confusion=False))


def model_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["page", "text", "source"]].reset_index(drop=True)


def check_trainable(frame: pd.DataFrame, cv_folds: int) -> None:
    counts = frame["label"].value_counts()
    if len(counts) < 2:
        raise DataError(
            f"training needs at least two labels; the data has only {list(counts.index)}")
    sparse = counts[counts < MIN_SEGMENTS_PER_LABEL]
    if len(sparse):
        raise DataError("too few examples for label(s) " + ", ".join(
            f"{k} ({v})" for k, v in sparse.items()) + f"; need {MIN_SEGMENTS_PER_LABEL} each")
    sources = frame["source"].nunique()
    if cv_folds and sources < cv_folds:
        raise DataError(f"{cv_folds}-fold cross-validation grouped by source needs at least "
                        f"{cv_folds} sources; the data has {sources} (use --cv-folds "
                        f"{max(sources, 2) if sources >= 2 else 0} or add sources)")
    if sources < 2:
        raise DataError("training needs pages from at least two sources")


def _fit_fold(estimator, X, y, train_idx, test_idx):
    """The fold's probabilities and classes (not the fitted model: it need not travel back)."""
    fitted, proba = fit_and_predict(estimator, X, y, train_idx, test_idx)
    return test_idx, proba, list(fitted.classes_)


def grouped_cv(frame: pd.DataFrame, kind: ModelKind | str = DEFAULT_KIND,
               folds: int = CV_FOLDS, n_jobs: int | None = None,
               group_by: str = "source") -> tuple[np.ndarray, list[str]]:
    """Out-of-fold probabilities where no group (by default: source) is in both a fold's
    train and test parts. ``group_by`` names the column of ``frame`` that groups."""
    X = model_inputs(frame)
    y = frame["label"].to_numpy()
    labels = sorted(frame["label"].unique())
    estimator = build_model(kind, n_jobs=1)
    splits = GroupKFold(folds).split(X, y, groups=frame[group_by].to_numpy())
    proba = np.zeros((len(X), len(labels)))
    for test_idx, fold_proba, fold_labels in Parallel(n_jobs=n_jobs)(
        delayed(_fit_fold)(estimator, X, y, tr, te) for tr, te in splits
    ):
        place_fold(proba, test_idx, fold_proba, fold_labels, labels)
    return proba, labels


def train(frame: pd.DataFrame, kind: ModelKind | str = DEFAULT_KIND, cv_folds: int = CV_FOLDS,
          n_jobs: int | None = None, progress: Callable[[str], None] | None = None,
          extra_metadata: dict[str, Any] | None = None) -> TrainResult:
    """Cross-validate (when ``cv_folds`` >= 2), then fit the model on all the data."""
    kind = ModelKind(kind).value
    started = time.perf_counter()
    check_trainable(frame, cv_folds)
    say = progress or (lambda message: None)
    cv_metrics = None
    if cv_folds and cv_folds >= 2:
        say(f"cross-validating ({cv_folds} folds grouped by source)")
        proba, labels = grouped_cv(frame, kind, cv_folds, n_jobs)
        cv_metrics = metrics_from_proba(frame["label"].to_numpy(), proba, labels)
        cv_metrics["folds"] = cv_folds
    say("fitting the model on all the data")
    estimator = build_model(kind, n_jobs=n_jobs).fit(model_inputs(frame),
                                                     frame["label"].to_numpy())
    seconds = time.perf_counter() - started
    metadata = {
        "model_kind": kind,
        "labels": [str(c) for c in estimator.classes_],
        "label_counts": {k: int(v) for k, v in frame["label"].value_counts().sort_index().items()},
        "training_data": {
            "fingerprint": fingerprint(frame),
            "pages": int(frame["page"].nunique()),
            "segments": len(frame),
            "sources": int(frame["source"].nunique()),
        },
        "cv_scores": None if cv_metrics is None else {
            "folds": cv_folds, "grouped_by": "source", "macro_f1": cv_metrics["macro_f1"],
            "accuracy": cv_metrics["accuracy"], "ece": cv_metrics.get("ece"),
            "per_label": cv_metrics["per_label"],
        },
        "training_seconds": round(seconds, 2),
        **(extra_metadata or {}),
    }
    return TrainResult(SegmentModel(estimator, metadata), cv_metrics, seconds)


def train_files(data: Sequence[str | Path], output: str | Path,
                kind: ModelKind | str = DEFAULT_KIND, cv_folds: int = CV_FOLDS,
                labels: Sequence[str] | None = None, artifact_format: str | None = None,
                n_jobs: int | None = None,
                progress: Callable[[str], None] | None = None) -> TrainResult:
    """Read labelled data, train (``train``) and write the artifact to ``output``."""
    from ..model.artifact import save_model

    say = progress or (lambda message: None)
    frame = read_labelled(data, labels or LABELS)
    say(f"training on {frame['page'].nunique()} pages, {len(frame)} segments, "
        f"{frame['source'].nunique()} sources")
    result = train(frame, kind=kind, cv_folds=cv_folds, n_jobs=n_jobs, progress=say,
                   extra_metadata={"training_files": [str(d) for d in data]})
    save_model(result.model, output, artifact_format)
    say(f"wrote {output} ({result.seconds:.1f} s)")
    return result
