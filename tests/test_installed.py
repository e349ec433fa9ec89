"""Run the installed console script in a real subprocess, so packaging mistakes fail here."""

import json
import os
import shutil
import subprocess
import sys

from .conftest import SAMPLES


def test_installed_command_labels_a_sample_page(default_model_path):
    command = shutil.which("classifier")
    assert command, "the classifier console script is not installed (pip install .)"
    page = SAMPLES / "lithium-price-page.txt"
    done = subprocess.run([command, "predict", str(page)], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=300)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records and {r["label"] for r in records} >= {"news", "teaser"}
    assert "Traceback" not in done.stderr


def test_python_dash_m_matches_console_script():
    done = subprocess.run([sys.executable, "-m", "classifier", "--version"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("classifier ")
