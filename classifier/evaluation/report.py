"""Write an evaluation report: metrics (JSON, Markdown), confusion and reliability plots,
and the misclassified segments with the lines around them.

Plots are drawn on their own ``Figure`` objects (no pyplot, no global backend switch), and
every file is written atomically.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import OutputError
from ..io.writers import atomic_write
from .evaluate import Evaluation
from .metrics import render_metrics

CONTEXT_LINES = 1


def metrics_markdown(metrics: dict, title: str = "Evaluation") -> str:
    return (f"# {title}\n\n{metrics['segments']} segments, {metrics.get('pages', '?')} pages; "
            f"data fingerprint `{metrics.get('data_fingerprint', '?')}`.\n\n"
            + render_metrics(metrics, markdown=True) + "\n")


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def plot_confusion(metrics: dict, path: Path) -> None:
    labels = metrics["labels"]
    matrix = np.asarray(metrics["confusion_matrix"], dtype=float)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig = _figure(6, 5)
    ax = fig.subplots()
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, int(matrix[i, j]), ha="center", va="center",
                    color="white" if shares[i, j] > 0.5 else "black", fontsize=9)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Confusion matrix (colour: share of the true label)")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))


def plot_reliability(metrics: dict, path: Path) -> None:
    rows = metrics.get("reliability", [])
    fig = _figure(5, 5)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    if rows:
        ax.plot([r["confidence"] for r in rows], [r["accuracy"] for r in rows], marker="o",
                label=f"model (ECE {metrics.get('ece', 0):.3f})")
    ax.set_xlabel("confidence (score of the chosen label)")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title("Reliability diagram")
    ax.legend(loc="upper left")
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))


def misclassified_with_context(predictions: pd.DataFrame,
                               context: int = CONTEXT_LINES) -> pd.DataFrame:
    """Wrong segments with the text of the lines before and after them on the page."""
    frame = predictions.reset_index(drop=True)
    same_page_prev = frame["page"].shift(context) == frame["page"]
    same_page_next = frame["page"].shift(-context) == frame["page"]
    frame = frame.assign(
        before=frame["text"].shift(context).where(same_page_prev, ""),
        after=frame["text"].shift(-context).where(same_page_next, ""),
    )
    wrong = frame[frame["label"] != frame["predicted"]]
    return wrong[["source", "page_id", "position", "label", "predicted", "score", "before",
                  "text", "after"]]


def _write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_report(evaluation: Evaluation, directory: str | Path,
                 title: str = "Evaluation") -> Path:
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{directory}: cannot create the report directory ({exc})") from exc
    metrics = evaluation.metrics
    _write_text(directory / "metrics.json", json.dumps(metrics, indent=2))
    _write_text(directory / "metrics.md", metrics_markdown(metrics, title))
    plot_confusion(metrics, directory / "confusion_matrix.png")
    plot_reliability(metrics, directory / "reliability.png")
    errors = misclassified_with_context(evaluation.predictions)
    atomic_write(directory / "misclassified.csv", lambda tmp: errors.to_csv(tmp, index=False))
    return directory
