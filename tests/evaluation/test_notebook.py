"""The evaluation notebook runs on every CI run, so it cannot rot, and its held-out scores
must pass the committed quality floors (data/quality-floors.json)."""

import json

import nbformat
from nbclient import NotebookClient

from classifier.evaluation.gate import Floors, gate_problems

from ..conftest import REPO


def test_evaluation_notebook_runs_and_passes_the_quality_gate(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORT_DIR", str(tmp_path / "reports"))
    # model selection on every fourth training source: the same steps, a minute less of CI
    monkeypatch.setenv("CV_SOURCE_STEP", "4")
    notebook = nbformat.read(REPO / "notebooks" / "evaluate.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(REPO / "notebooks")}}).execute()
    report = tmp_path / "reports"
    for name in ["metrics.json", "metrics.md", "confusion_matrix.png", "reliability.png",
                 "misclassified.csv"]:
        assert (report / "heldout" / name).is_file(), name
    comparison = (report / "model-comparison.md").read_text()
    assert all(kind in comparison for kind in ["bow", "full", "stacked"])
    quality = json.loads((report / "quality.json").read_text())
    metrics = json.loads((report / "heldout" / "metrics.json").read_text())
    floors = Floors.read(REPO / "data" / "quality-floors.json")
    assert gate_problems(floors, quality["corpus_fingerprint"], quality["model"], metrics) == []


def test_the_gate_refuses_lower_scores_and_other_corpora():
    floors = Floors("abc", "stacked", {"macro_f1": 0.95, "f1:news": 0.97})
    metrics = {"macro_f1": 0.951, "per_label": {"news": {"f1": 0.96}, "promo": {"f1": 0.9}}}
    assert gate_problems(floors, "abc", "stacked", metrics) == [
        "held-out f1:news 0.9600 < floor 0.9700"]
    assert "the corpus changed" in gate_problems(floors, "xyz", "stacked", metrics)[0]
    metrics["per_label"]["news"]["f1"] = 0.975
    assert gate_problems(floors, "abc", "stacked", metrics) == []
