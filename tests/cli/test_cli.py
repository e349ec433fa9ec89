import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier import __version__
from classifier.cli import EXIT_PARTIAL, app
from classifier.labels import LABELS

from ..conftest import CORPUS, SAMPLES

runner = CliRunner()
RECORD_KEYS = ["id", "segment", "start", "end", "label", "score", "text"]


def _records(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_version_and_help():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output
    for command in ["predict", "clean", "train", "evaluate", "info", "data"]:
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, command
        assert "Example" in result.output or command == "data"


def test_predict_text_file_records_follow_the_contract(default_model_path):
    page = SAMPLES / "city-council-page.txt"
    result = runner.invoke(app, ["predict", str(page), "--jobs", "1", "-q"])
    assert result.exit_code == 0, result.output
    records = _records(result.stdout)
    text = page.read_text(encoding="utf-8")
    assert len(records) == len([line for line in text.splitlines() if line.strip()])
    for i, record in enumerate(records):
        assert list(record) == RECORD_KEYS
        assert record["id"] == str(page) and record["segment"] == i
        assert text[record["start"]:record["end"]] == record["text"]
        assert record["label"] in LABELS and 0 <= record["score"] <= 1


def test_predict_jsonl_with_probabilities_to_csv_and_parquet(default_model_path, tmp_path):
    feed = SAMPLES / "feed.jsonl"
    out_csv = tmp_path / "out.csv"
    result = runner.invoke(app, ["predict", str(feed), "-p", "-o", str(out_csv), "-j", "1"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out_csv)
    assert list(table.columns) == RECORD_KEYS + [f"p_{label}" for label in sorted(LABELS)]
    assert table["id"].unique().tolist() == ["feed-001", "feed-002"]
    pages = {r["id"]: r["text"] for r in map(json.loads, feed.read_text().splitlines())}
    for row in table.itertuples():
        assert pages[row.id][row.start:row.end] == row.text
    out_pq = tmp_path / "out.parquet"
    result = runner.invoke(app, ["predict", str(feed), "-o", str(out_pq), "-j", "1", "-q"])
    assert result.exit_code == 0, result.output
    parquet = pd.read_parquet(out_pq)
    exact = [k for k in RECORD_KEYS if k != "score"]
    assert parquet[exact].equals(table[exact])
    assert (parquet["score"] - table["score"]).abs().max() < 1e-9


def test_predict_from_stdin_text_and_jsonl(default_model_path):
    result = runner.invoke(app, ["predict", "-", "-j", "1", "-q"], input="Headline\nBody text.")
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in _records(result.stdout)] == ["-", "-"]
    feed = (SAMPLES / "feed.jsonl").read_text()
    result = runner.invoke(app, ["predict", "-", "-j", "1", "-q"], input=feed)
    assert {r["id"] for r in _records(result.stdout)} == {"feed-001", "feed-002"}


def test_clean_keeps_news_only(default_model_path, tmp_path):
    out = tmp_path / "clean.jsonl"
    result = runner.invoke(app, ["clean", str(SAMPLES / "feed.jsonl"), "-o", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    pages = _records(out.read_text())
    assert [p["id"] for p in pages] == ["feed-001", "feed-002", "feed-003"]
    assert "Discord" not in pages[0]["text"] and "Solana" in pages[0]["text"]
    assert "retail investor accounts" not in pages[1]["text"]
    assert pages[2]["text"] == ""


def test_bad_records_are_reported_and_the_rest_written(default_model_path, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "text": "Good page"}\n{broken\n{"id": "b", "text": "Also good"}\n')
    result = runner.invoke(app, ["predict", str(feed), "-j", "1"])
    assert result.exit_code == EXIT_PARTIAL
    assert [r["id"] for r in _records(result.stdout)] == ["a", "b"]
    assert f"{feed}:2" in result.stderr and "1 failed" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args,message", [
    (["predict", "missing-file.txt"], "no such file or directory"),
    (["predict", "{page}", "-m", "{junk}"], "not a readable model artifact"),
    (["predict", "{page}", "-o", "/nonexistent-dir/out.jsonl"], "does not exist"),
    (["predict", "{page}", "-f", "parquet"], "Parquet output needs a file"),
    (["info", "{junk}"], "not a readable model artifact"),
    (["train", "missing-dir"], "no such file or directory"),
])
def test_errors_are_one_line_without_traceback(tmp_path, args, message, default_model_path):
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"\x00\x01garbage")
    page = SAMPLES / "city-council-page.txt"
    args = [a.format(junk=junk, page=page) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output and result.stdout == ""


def test_train_evaluate_info(small_frame, tmp_path):
    data = tmp_path / "small.jsonl"
    with data.open("w") as fh:
        for _, page in small_frame.groupby("page"):
            lines = [{"text": t, "label": lab} for t, lab in zip(page["text"], page["label"])]
            fh.write(json.dumps({"id": page["page_id"].iloc[0], "source": page["source"].iloc[0],
                                 "lines": lines}) + "\n")
    model = tmp_path / "model.joblib"
    result = runner.invoke(app, ["train", str(data), "-o", str(model), "--kind", "full",
                                 "--cv-folds", "3", "-q"])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.stdout and model.is_file()
    result = runner.invoke(app, ["evaluate", str(data), "-m", str(model), "--json"])
    metrics = json.loads(result.stdout)
    assert set(metrics["per_label"]) == set(LABELS) and metrics["segments"] == len(small_frame)
    result = runner.invoke(app, ["info", str(model), "--json"])
    meta = json.loads(result.stdout)
    assert meta["model_kind"] == "full" and meta["training_data"]["segments"] == len(small_frame)


def test_train_rejects_unknown_labels(tmp_path):
    data = tmp_path / "bad.jsonl"
    data.write_text(json.dumps({"id": "p", "source": "s", "lines": [
        {"text": "Hello", "label": "news"}, {"text": "Buy now", "label": "advert"}]}) + "\n")
    result = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m.joblib")])
    assert result.exit_code == 1
    assert "unknown label 'advert'" in result.stderr and "boilerplate" in result.stderr


def test_data_check_on_corpus():
    result = runner.invoke(app, ["data", "check", str(CORPUS), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["pages"] > 0 and set(report["labels"]) == set(LABELS)


def test_explain_names_the_features_behind_each_label(default_model_path):
    page = ("Markets\nBitcoin climbs past $70,000 as ETF inflows return\n"
            "Read more: Ether options expiry looms\n"
            "This article is for information only and is not financial advice.")
    result = runner.invoke(app, ["predict", "-", "--explain", "-q"], input=page)
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 4
    for record in records:
        features = record["explanation"]
        assert 1 <= len(features) <= 5
        assert all(f["weight"] > 0 for f in features)
        assert [f["weight"] for f in features] == sorted((f["weight"] for f in features),
                                                          reverse=True)
        assert not any(f["feature"].endswith(("#", "?")) or "#" in f["feature"]
                       for f in features)
    named = [f["feature"] for record in records for f in record["explanation"]]
    # hashed n-grams are named by the text they stand for, e.g. words:bitcoin, chars:'adv'
    first_pass = [n for n in named if n.startswith(("words:", "chars:", "around:"))]
    assert first_pass, named
    normalised = re.sub(r"\d", "0", page.lower())  # names show the normalised text
    tokens = set(re.findall(r"\w+|[$€£%©|]", normalised))
    for name in first_pass:
        kind, shown = name.split(":", 1)
        for mark in ("starts:", "ends:", "whole:", "before:", "after:"):
            shown = shown.removeprefix(mark)
        if kind == "chars":
            assert shown.strip("'").strip() in normalised, name
        else:
            assert set(shown.split()) <= tokens, name
