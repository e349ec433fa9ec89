"""Long runs: stopped by any signal they end cleanly (no process left, no stray file), a dead
worker or a full disk gets a message saying what to do, and output to a directory of parts
resumes where it stopped, ending byte for byte as an uninterrupted run."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from classifier.engine.parts import JOURNAL, MANIFEST, SUCCESS
from classifier.io.writers import output_problem

from ..conftest import REPO, SAMPLES

PART_PAGES = 40
PAGES = 400


@pytest.fixture(scope="module")
def feed(tmp_path_factory) -> Path:
    """PAGES distinct pages (a sample page with its numbers changed), ten parts of output."""
    base = (SAMPLES / "city-council-page.txt").read_text()
    path = tmp_path_factory.mktemp("long") / "feed.jsonl"
    with path.open("w") as fh:
        for n in range(PAGES):
            fh.write(json.dumps({"id": f"page-{n}", "text": base.replace("2", str(n))}) + "\n")
    return path


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "classifier", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})


def _finished_parts(out: Path) -> int:
    journal = out / JOURNAL
    return len(journal.read_text().splitlines()) if journal.exists() else 0


def _wait_for(condition, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the run did not get there in time"
        time.sleep(0.05)


def _stop(process: subprocess.Popen, signum: int) -> tuple[int, str, list[psutil.Process]]:
    """Send ``signum``; the exit code, stderr and the children the process had."""
    children = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    return process.returncode, err, children


def _assert_all_gone(children: list[psutil.Process]) -> None:
    _, alive = psutil.wait_procs(children, timeout=15)
    assert alive == [], f"processes outlived the command: {alive}"


def _stray(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def _run_labels(feed: Path, out: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "classifier", "predict", str(feed), "-o",
                           f"{out}/", "--part-pages", str(PART_PAGES), "--batch-size", "8",
                           "-q", *options], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600)


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def uninterrupted(feed, tmp_path_factory, default_model_path) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("whole") / "out"
    result = _run_labels(feed, out, "--jobs", "1")
    assert result.returncode == 0, result.stderr
    return _files(out)


def test_parts_and_manifest(uninterrupted):
    parts = [name for name in uninterrupted if name.startswith("part-")]
    assert len(parts) == PAGES // PART_PAGES and SUCCESS in uninterrupted
    manifest = json.loads(uninterrupted[MANIFEST])
    assert manifest["complete"] and manifest["pages"] == PAGES
    assert [p["file"] for p in manifest["parts"]] == parts
    records = [json.loads(line) for name in parts for line in uninterrupted[name].splitlines()]
    assert manifest["records"] == len(records)
    assert [r["id"] for r in records if r["segment"] == 0] == [f"page-{n}" for n in range(PAGES)]


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_sigterm_mid_run_then_resume_equals_an_uninterrupted_run(feed, tmp_path, engine,
                                                                  uninterrupted):
    out = tmp_path / "out"
    stop_after = random.randint(1, PAGES // PART_PAGES - 3)
    process = _start("predict", str(feed), "-o", f"{out}/", "--part-pages", str(PART_PAGES),
                     "--batch-size", "8", "--jobs", "2", "--engine", engine, "-q")
    _wait_for(lambda: _finished_parts(out) >= stop_after, process)
    code, err, children = _stop(process, signal.SIGTERM)
    assert code == 143, err
    assert err.strip().splitlines() == [err.strip()] and "stopped by SIGTERM" in err
    assert "--resume" in err and "Traceback" not in err
    assert len(children) >= 2
    _assert_all_gone(children)
    assert _stray(out) == [] and not (out / SUCCESS).exists()
    kept = {p.name for p in out.glob("part-*")}
    assert len(kept) >= stop_after, f"stopped after part {stop_after}"

    resumed = _run_labels(feed, out, "--jobs", "2", "--engine", engine, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert _files(out) == uninterrupted, f"stopped after part {stop_after}"


def test_resume_relabels_damaged_parts_and_refuses_other_settings(feed, tmp_path,
                                                                  uninterrupted):
    out = tmp_path / "out"
    out.mkdir()
    for name, content in uninterrupted.items():
        (out / name).write_bytes(content)
    (out / "part-00003.jsonl").write_bytes(b"cut short")
    (out / "part-00007.jsonl").unlink()
    resumed = _run_labels(feed, out, "--jobs", "1", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert _files(out) == uninterrupted

    again = _run_labels(feed, out, "--jobs", "1")
    assert again.returncode == 1 and "--resume" in again.stderr and "--force" in again.stderr
    other = _run_labels(feed, out, "--jobs", "1", "--resume", "--probabilities")
    assert other.returncode == 1 and "other settings (probabilities)" in other.stderr
    assert _files(out) == uninterrupted


def test_clean_writes_parts_too(feed, tmp_path, default_model_path):
    out = tmp_path / "clean"
    result = subprocess.run([sys.executable, "-m", "classifier", "clean", str(feed), "-o",
                             f"{out}/", "--part-pages", "150", "-j", "1", "-q"],
                            capture_output=True, text=True, timeout=600,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    parts = sorted(out.glob("part-*.jsonl"))
    assert [len(p.read_text().splitlines()) for p in parts] == [150, 150, 100]
    assert (out / SUCCESS).exists()


@pytest.mark.parametrize(("signum", "code", "name"), [(signal.SIGHUP, 129, "SIGHUP"),
                                                      (signal.SIGTERM, 143, "SIGTERM")])
def test_stop_signals_leave_no_file_and_no_process(feed, tmp_path, signum, code, name,
                                                   default_model_path):
    target = tmp_path / "labels.jsonl"
    process = _start("predict", str(feed), str(feed), str(feed), "-o", str(target),
                     "--batch-size", "8", "--jobs", "2", "-q")
    _wait_for(lambda: any(p.suffix == ".partial" for p in tmp_path.iterdir())
              and len(psutil.Process(process.pid).children(recursive=True)) >= 2, process)
    time.sleep(1)
    returncode, err, children = _stop(process, signum)
    assert returncode == code, err
    assert err.strip() == f"stopped by {name}; no output was written"
    _assert_all_gone(children)
    assert list(tmp_path.iterdir()) == []


def test_a_dead_worker_is_named_with_what_to_do(feed, tmp_path, default_model_path):
    target = tmp_path / "labels.jsonl"
    process = _start("predict", str(feed), str(feed), str(feed), "-o", str(target),
                     "--batch-size", "8", "--jobs", "2", "-q")
    _wait_for(lambda: any(p.suffix == ".partial" for p in tmp_path.iterdir())
              and len(psutil.Process(process.pid).children(recursive=True)) >= 2, process)
    workers = [p for p in psutil.Process(process.pid).children(recursive=True)
               if "resource_tracker" not in " ".join(p.cmdline())]
    workers[-1].kill()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "a worker process died" in err and "--jobs" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_full_disk_is_reported_with_the_path(tmp_path, default_model_path):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "classifier", "predict",
                                 str(SAMPLES / "city-council-page.txt"), "-j", "1", "-q"],
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=300,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 1
    assert result.stderr.startswith("error: standard output: no space left on the device")
    assert "unexpected" not in result.stderr


def test_output_problems_say_what_happened():
    assert "no space left" in str(output_problem("out.jsonl", OSError(errno.ENOSPC, "x"), 10))
    assert "permission denied" in str(output_problem("out.jsonl", OSError(errno.EACCES, "x")))
    assert "read-only" in str(output_problem("out.jsonl", OSError(errno.EROFS, "x")))
