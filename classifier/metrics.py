"""Quality measures shared by training (cross-validation) and evaluation."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

CALIBRATION_BINS = 10


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray,
                               bins: int = CALIBRATION_BINS) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins."""
    if len(confidence) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(total)


def reliability_table(confidence: np.ndarray, correct: np.ndarray,
                      bins: int = CALIBRATION_BINS) -> list[dict[str, float]]:
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            rows.append({"low": float(edges[b]), "high": float(edges[b + 1]),
                         "count": int(mask.sum()), "confidence": float(confidence[mask].mean()),
                         "accuracy": float(correct[mask].mean())})
    return rows


def classification_metrics(y_true, y_pred, labels: list[str],
                           proba: np.ndarray | None = None) -> dict[str, Any]:
    """Per-label precision/recall/F1, macro-F1, accuracy, confusion matrix, calibration."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    present = support > 0
    result: dict[str, Any] = {
        "segments": len(y_true),
        "accuracy": float((y_true == y_pred).mean()) if len(y_true) else 0.0,
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "per_label": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f),
                    "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        },
        "labels": list(labels),
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
    if proba is not None and len(proba):
        index = {label: i for i, label in enumerate(labels)}
        onehot = np.zeros_like(proba)
        onehot[np.arange(len(y_true)), [index[t] for t in y_true]] = 1.0
        confidence = proba.max(axis=1)
        correct = (y_true == y_pred).astype(float)
        result["brier"] = float(((proba - onehot) ** 2).sum(axis=1).mean())
        result["ece"] = expected_calibration_error(confidence, correct)
        result["reliability"] = reliability_table(confidence, correct)
    return result


def format_metrics(metrics: dict[str, Any]) -> str:
    """A plain-text table for terminals."""
    lines = [f"{'label':<12} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}"]
    for label, row in metrics["per_label"].items():
        lines.append(f"{label:<12} {row['precision']:>9.3f} {row['recall']:>7.3f} "
                     f"{row['f1']:>7.3f} {row['support']:>8d}")
    lines.append(f"{'macro-F1':<12} {metrics['macro_f1']:>25.3f}")
    lines.append(f"{'accuracy':<12} {metrics['accuracy']:>25.3f}")
    if "ece" in metrics:
        lines.append(f"{'ECE':<12} {metrics['ece']:>25.3f}")
        lines.append(f"{'Brier':<12} {metrics['brier']:>25.3f}")
    return "\n".join(lines)
