"""The quality gate: committed floors for the held-out split's scores, tied to the corpus
they were measured on.

``data/quality-floors.json`` names the corpus fingerprint and the minimum held-out scores of
the selected model. CI runs the evaluation notebook and checks its scores against the floors
(``tests/evaluation/test_notebook.py``). A change that moves the scores (a new corpus, a new
feature) must edit the floors in the same commit: a lowered floor is then visible in review,
and a corpus change cannot slip through against floors measured on other data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError


@dataclass
class Floors:
    corpus_fingerprint: str
    model: str
    minimums: dict[str, float]
    """Metric name -> floor: ``macro_f1`` or ``f1:<label>``."""

    @classmethod
    def read(cls, path: str | Path) -> Floors:
        try:
            spec = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(spec["corpus_fingerprint"], spec["model"], dict(spec["heldout_floors"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{path}: not a quality-floors file ({exc})") from exc


def measured_scores(metrics: dict[str, Any]) -> dict[str, float]:
    """The gated numbers of a metrics dict (``classification_metrics``)."""
    scores = {"macro_f1": float(metrics["macro_f1"])}
    scores.update({f"f1:{label}": float(row["f1"]) for label, row in metrics["per_label"].items()})
    return scores


def gate_problems(floors: Floors, corpus_fingerprint: str, model: str,
                  metrics: dict[str, Any]) -> list[str]:
    """Why the measured held-out scores do not pass the floors (empty when they do)."""
    if corpus_fingerprint != floors.corpus_fingerprint:
        return [f"the corpus changed (fingerprint {corpus_fingerprint}; the floors were "
                f"measured on {floors.corpus_fingerprint}): re-run the evaluation and update "
                "data/quality-floors.json in the same commit"]
    if model != floors.model:
        return [f"the selected model is {model}, the floors are for {floors.model}"]
    scores = measured_scores(metrics)
    return [f"held-out {name} {scores.get(name, 0.0):.4f} < floor {floor:.4f}"
            for name, floor in floors.minimums.items() if scores.get(name, 0.0) < floor]
