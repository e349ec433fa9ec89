"""Score a model on labelled data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .dataset import fingerprint
from .errors import DataError
from .metrics import classification_metrics
from .model import SegmentModel


@dataclass
class Evaluation:
    metrics: dict[str, Any]
    predictions: pd.DataFrame
    """The labelled segments with ``predicted`` and ``score`` columns added."""


def evaluate_model(model: SegmentModel, frame: pd.DataFrame) -> Evaluation:
    """Per-label precision/recall/F1, macro-F1, confusion matrix and calibration."""
    unknown = set(frame["label"]) - set(model.labels)
    if unknown:
        raise DataError(f"labels {sorted(unknown)} are not in the model's label set "
                        f"{model.labels}")
    table = frame[["page", "text"]].reset_index(drop=True)
    proba = model.predict_proba_table(table)
    labels = model.labels
    predicted = np.asarray(labels)[proba.argmax(axis=1)]
    metrics = classification_metrics(frame["label"].to_numpy(), predicted, labels, proba)
    metrics["data_fingerprint"] = fingerprint(frame)
    metrics["pages"] = int(frame["page"].nunique())
    predictions = frame.reset_index(drop=True).copy()
    predictions["predicted"] = predicted
    predictions["score"] = proba.max(axis=1)
    by_source = predictions.assign(correct=predictions["predicted"] == predictions["label"])
    metrics["accuracy_by_source"] = {
        str(k): float(v) for k, v in by_source.groupby("source")["correct"].mean().items()}
    return Evaluation(metrics, predictions)
