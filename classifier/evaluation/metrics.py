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


def metrics_from_proba(y_true, proba: np.ndarray, labels: list[str]) -> dict[str, Any]:
    """``classification_metrics`` of the labels a model's probabilities choose (columns of
    ``proba`` in the order of ``labels``)."""
    predicted = np.asarray(labels)[proba.argmax(axis=1)] if len(proba) else np.asarray([])
    return classification_metrics(y_true, predicted, labels, proba)


def render_metrics(metrics: dict[str, Any], markdown: bool = False,
                   confusion: bool = True) -> str:
    """Per-label precision/recall/F1, the summary scores and the confusion matrix, as a
    terminal table or Markdown. Missing parts (an artifact's saved CV scores hold no
    confusion matrix) are left out."""
    header = ["label", "precision", "recall", "F1", "support"]
    rows = [[label, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}",
             str(row["support"])] for label, row in metrics["per_label"].items()]
    summary = [("macro-F1", metrics.get("macro_f1")), ("accuracy", metrics.get("accuracy")),
               ("ECE", metrics.get("ece")), ("Brier", metrics.get("brier"))]
    summary = [(name, value) for name, value in summary if value is not None]
    parts = [_table(header, rows, markdown)]
    if markdown:
        parts.append("\n".join(f"- {name}: **{value:.3f}**" if name == "macro-F1"
                               else f"- {name}: {value:.3f}" for name, value in summary))
    else:
        parts.append("\n".join(f"{name:<12} {value:.3f}" for name, value in summary))
    if confusion and "confusion_matrix" in metrics:
        labels = metrics["labels"]
        matrix = [[label, *map(str, row)] for label, row in zip(labels,
                                                                   metrics["confusion_matrix"])]
        parts.append("confusion matrix (rows: true, columns: predicted)")
        parts.append(_table(["", *labels], matrix, markdown))
    return ("\n\n" if markdown else "\n").join(parts)


def _table(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |",
                 "|---" + "|---:" * (len(header) - 1) + "|"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    widths = [max(9, *(len(str(cell)) for cell in column)) for column in zip(header, *rows)]
    widths[0] = max(widths[0], 12)
    lines = []
    for row in [header, *rows]:
        cells = [f"{row[0]:<{widths[0]}}"] + [f"{cell:>{width}}"
                                             for cell, width in zip(row[1:], widths[1:])]
        lines.append(" ".join(cells).rstrip())
    return "\n".join(lines)
