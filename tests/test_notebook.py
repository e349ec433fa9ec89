"""The evaluation notebook is executed on every CI run so it cannot rot."""

import nbformat
from nbclient import NotebookClient

from .conftest import REPO


def test_evaluation_notebook_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORT_DIR", str(tmp_path / "reports"))
    notebook = nbformat.read(REPO / "notebooks" / "evaluate.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(REPO / "notebooks")}}).execute()
    report = tmp_path / "reports"
    for name in ["metrics.json", "metrics.md", "confusion_matrix.png", "reliability.png",
                 "misclassified.csv"]:
        assert (report / "heldout" / name).is_file(), name
    comparison = (report / "model-comparison.md").read_text()
    assert all(kind in comparison for kind in ["bow", "full", "stacked"])
