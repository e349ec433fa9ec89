"""Parallel and distributed labelling produce exactly the local single-process records."""

import json

import pytest
from typer.testing import CliRunner

from classifier.cli import app

from .conftest import CORPUS

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
