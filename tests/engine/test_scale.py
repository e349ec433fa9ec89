"""Parallel and distributed labelling produce exactly the local single-process records."""

import json

import pytest
from typer.testing import CliRunner

from classifier.cli import app

from ..conftest import CORPUS

runner = CliRunner()


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    path = tmp_path_factory.mktemp("feed") / "feed.jsonl"
    with path.open("w") as out:
        for n, line in enumerate((CORPUS / "pages-a.jsonl").read_text().splitlines()[:30]):
            page = json.loads(line)
            text = "\n".join(item["text"] for item in page["lines"])
            out.write(json.dumps({"id": f"{page['id']}-{n}", "text": text}) + "\n")
    return path


def _run(feed, tmp_path, name, *options):
    out = tmp_path / name
    result = runner.invoke(app, ["predict", str(feed), "-o", str(out), "--batch-size", "4",
                                 "-q", *options])
    assert result.exit_code == 0, result.stderr
    return out.read_text()


def test_jobs_two_equals_jobs_one(feed, tmp_path, default_model_path):
    one = _run(feed, tmp_path, "one.jsonl", "--jobs", "1")
    two = _run(feed, tmp_path, "two.jsonl", "--jobs", "2")
    assert one == two and len(one.splitlines()) > 300


def test_dask_engine_equals_local(feed, tmp_path, default_model_path):
    local = _run(feed, tmp_path, "local.jsonl", "--jobs", "1")
    distributed = _run(feed, tmp_path, "dask.jsonl", "--engine", "dask", "--jobs", "2")
    assert local == distributed


def test_dask_engine_runs_on_the_given_scheduler(feed, tmp_path, default_model_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        local = _run(feed, tmp_path, "local2.jsonl", "--jobs", "1")
        remote = _run(feed, tmp_path, "remote.jsonl", "--engine", "dask", "--scheduler",
                      cluster.scheduler_address)
        assert "label_on_worker" in cluster.scheduler.task_prefixes
    assert local == remote


def test_unreachable_scheduler_is_a_clear_error(feed, tmp_path, default_model_path):
    out = tmp_path / "never.jsonl"
    result = runner.invoke(app, ["predict", str(feed), "-o", str(out), "--engine", "dask",
                                 "--scheduler", "tcp://127.0.0.1:9", "-q"])
    assert result.exit_code == 1
    assert "cannot reach the Dask scheduler" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("option,value", [("--engine", "spark"), ("--input-format", "xml"),
                                          ("--format", "xlsx")])
def test_unknown_choices_are_usage_errors(feed, tmp_path, option, value):
    """Choices are validated: a bad value is a usage error naming the valid ones, never
    silently read some other way."""
    result = runner.invoke(app, ["predict", str(feed), option, value, "-q"])
    assert result.exit_code == 2
    assert f"'{value}' is not one of" in result.stderr and option in result.stderr


def test_library_callers_get_the_same_check(feed, tmp_path):
    from classifier.engine.options import RunOptions
    from classifier.engine.run import predict
    from classifier.errors import ClassifierError

    with pytest.raises(ClassifierError, match="unknown engine 'spark'; choose one of local"):
        predict([str(feed)], str(tmp_path / "out.jsonl"), options=RunOptions(engine="spark"))


def test_clean_with_jobs_two_equals_jobs_one(feed, tmp_path, default_model_path):
    one = _run_command("clean", feed, tmp_path / "one.jsonl", "--jobs", "1")
    two = _run_command("clean", feed, tmp_path / "two.jsonl", "--jobs", "2")
    assert one == two and len(one.splitlines()) == 30


def _run_command(command, feed, out, *options):
    result = runner.invoke(app, [command, str(feed), "-o", str(out), "--batch-size", "4", "-q",
                                 *options])
    assert result.exit_code == 0, result.stderr
    return out.read_text()


def test_damaged_artifact_with_jobs_two_fails_before_any_output(feed, tmp_path):
    damaged = tmp_path / "damaged.joblib"
    damaged.write_bytes(b"not a model at all")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["predict", str(feed), "-m", str(damaged), "-o", str(out),
                                 "--jobs", "2", "-q"])
    assert result.exit_code == 1
    assert "damaged.joblib" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [damaged]


def test_reading_and_writing_process_holds_no_model_libraries(feed, tmp_path,
                                                              default_model_path):
    """With --jobs 2 the main process only moves pages and bytes: the model's libraries
    (NumPy, pandas, scikit-learn) load in the workers alone, which keeps memory down."""
    import subprocess
    import sys

    out = tmp_path / "out.jsonl"
    script = (
        "import sys\n"
        "import classifier.cli\n"
        "from classifier.engine.options import RunOptions\n"
        "from classifier.engine.run import predict\n"
        f"options = RunOptions(model={str(default_model_path)!r}, jobs=2, quiet=True)\n"
        f"summary = predict([{str(feed)!r}], {str(out)!r}, options=options)\n"
        "loaded = sorted(m for m in ('numpy', 'pandas', 'sklearn', 'scipy') if m in sys.modules)\n"
        "print(summary.pages, loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=300)
    assert done.stdout.split() == ["30", "[]"]
    assert len(out.read_text().splitlines()) > 30


def test_duplicate_id_check_remembers_a_bounded_number_of_ids(tmp_path, default_model_path,
                                                              monkeypatch):
    """Memory stays flat on endless feeds: only the first REMEMBERED_IDS ids are kept, and
    repeats of those are still counted."""
    from classifier.engine import run
    from classifier.engine.options import RunOptions

    monkeypatch.setattr(run, "REMEMBERED_IDS", 2)
    feed = tmp_path / "feed.jsonl"
    ids = ["a", "b", "c", "a", "c", "b", "a"]
    feed.write_text("".join(json.dumps({"id": i, "text": "Markets rose today."}) + "\n"
                            for i in ids))
    summary = run.predict([str(feed)], str(tmp_path / "out.jsonl"),
                          options=RunOptions(model=str(default_model_path), quiet=True))
    assert summary.pages == 7
    assert summary.duplicate_ids == 3  # "a" twice and "b" once; "c" was never remembered
