"""Score a model on labelled data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..io.labelled import fingerprint, read_labelled
from ..model.predictor import SegmentModel
from .metrics import metrics_from_proba, render_metrics


@dataclass
class Evaluation:
    metrics: dict[str, Any]
    predictions: pd.DataFrame
    """The labelled segments with ``predicted`` and ``score`` columns added."""

    def render(self) -> str:
        return render_metrics(self.metrics)


def evaluate_model(model: SegmentModel, frame: pd.DataFrame) -> Evaluation:
    """Per-label precision/recall/F1, macro-F1, confusion matrix and calibration."""
    unknown = set(frame["label"]) - set(model.labels)
    if unknown:
        raise DataError(f"labels {sorted(unknown)} are not in the model's label set "
                        f"{model.labels}")
    table = frame[["page", "text"]].reset_index(drop=True)
    proba = model.predict_proba_table(table)
    labels = model.labels
    metrics = metrics_from_proba(frame["label"].to_numpy(), proba, labels)
    metrics["data_fingerprint"] = fingerprint(frame)
    metrics["pages"] = int(frame["page"].nunique())
    predictions = frame.reset_index(drop=True).copy()
    predictions["predicted"] = np.asarray(labels)[proba.argmax(axis=1)]
    predictions["score"] = proba.max(axis=1)
    by_source = predictions.assign(correct=predictions["predicted"] == predictions["label"])
    metrics["accuracy_by_source"] = {
        str(k): float(v) for k, v in by_source.groupby("source")["correct"].mean().items()}
    return Evaluation(metrics, predictions)


def evaluate_files(data: Sequence[str | Path], model: str | None = None,
                   report: str | Path | None = None, quiet: bool = False) -> Evaluation:
    """Score an artifact (the default model when None) on labelled data files, writing the
    report directory when asked."""
    from .. import load_model

    loaded = load_model(model, quiet=quiet)
    evaluation = evaluate_model(loaded, read_labelled(data, loaded.labels))
    if report is not None:
        from .report import write_report

        write_report(evaluation, report)
    return evaluation
