"""Write an evaluation report: metrics (JSON, Markdown), confusion and reliability plots,
and the misclassified segments with the lines around them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import OutputError
from .evaluate import Evaluation

CONTEXT_LINES = 1


def metrics_markdown(metrics: dict, title: str = "Evaluation") -> str:
    lines = [f"# {title}", "",
             f"{metrics['segments']} segments, {metrics.get('pages', '?')} pages; "
             f"data fingerprint `{metrics.get('data_fingerprint', '?')}`.", "",
             "| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for label, row in metrics["per_label"].items():
        lines.append(f"| {label} | {row['precision']:.3f} | {row['recall']:.3f} | "
                     f"{row['f1']:.3f} | {row['support']} |")
    lines += ["", f"- macro-F1: **{metrics['macro_f1']:.3f}**",
              f"- accuracy: {metrics['accuracy']:.3f}"]
    if "ece" in metrics:
        lines += [f"- expected calibration error: {metrics['ece']:.3f}",
                  f"- Brier score: {metrics['brier']:.3f}"]
    labels = metrics["labels"]
    lines += ["", "Confusion matrix (rows: true, columns: predicted)", "",
              "| | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for label, row in zip(labels, metrics["confusion_matrix"]):
        lines.append(f"| **{label}** | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def plot_confusion(metrics: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = metrics["labels"]
    matrix = np.asarray(metrics["confusion_matrix"], dtype=float)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6, 5))
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
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_reliability(metrics: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = metrics.get("reliability", [])
    fig, ax = plt.subplots(figsize=(5, 5))
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
    fig.savefig(path, dpi=110)
    plt.close(fig)


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


def write_report(evaluation: Evaluation, directory: str | Path,
                 title: str = "Evaluation") -> Path:
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{directory}: cannot create the report directory ({exc})") from exc
    metrics = evaluation.metrics
    (directory / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    (directory / "metrics.md").write_text(metrics_markdown(metrics, title), encoding="utf-8")
    plot_confusion(metrics, directory / "confusion_matrix.png")
    plot_reliability(metrics, directory / "reliability.png")
    misclassified_with_context(evaluation.predictions).to_csv(
        directory / "misclassified.csv", index=False)
    return directory
