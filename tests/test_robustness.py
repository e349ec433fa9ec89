"""Bad input, faults and untrusted artifacts: clear errors, nothing lost, nothing executed."""

from __future__ import annotations

import codecs
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from classifier.cli import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_PARTIAL, app
from classifier.errors import ArtifactError
from classifier.labels import LABELS

from .conftest import CORPUS, REPO, SAMPLES

runner = CliRunner()
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
PAGE = ("Markets rally on rate-cut hopes\nBy A. Writer\n"
        "Stocks rose on Tuesday as investors bet on cuts.")


def _predict(*args: str, stdin: str | None = None):
    return runner.invoke(app, ["predict", *args, "-j", "1", "-q"], input=stdin)


def _records(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def _assert_lossless(records: list[dict], text: str) -> None:
    for record in records:
        assert text[record["start"]:record["end"]] == record["text"]
        assert record["label"] in LABELS and 0.0 <= record["score"] <= 1.0


# --- pages ------------------------------------------------------------------------------------

@pytest.mark.parametrize("content", ["", "   \n\t\r\n  "])
def test_empty_and_blank_pages_have_no_segments(tmp_path, default_model_path, content):
    page = tmp_path / "blank.txt"
    page.write_text(content)
    result = _predict(str(page))
    assert result.exit_code == 0 and result.stdout == ""


@pytest.mark.parametrize("encoding,bom,warned", [
    ("latin-1", b"", True), ("cp1252", b"", True), ("utf-16-le", codecs.BOM_UTF16_LE, True),
    ("utf-8", codecs.BOM_UTF8, False),
])
def test_text_encodings_are_decoded(tmp_path, default_model_path, encoding, bom, warned):
    text = ("Économie : la Bourse de Paris gagne 1,2 % — « un rebond attendu », dit l’analyste\n"
            "Les valeurs bancaires mènent la hausse après les résultats trimestriels.")
    if encoding == "latin-1":
        text = text.replace("—", "-").replace("’", "'")
    page = tmp_path / "page.txt"
    page.write_bytes(bom + text.encode(encoding))
    result = runner.invoke(app, ["predict", str(page), "-j", "1"])
    assert result.exit_code == 0, result.stderr
    records = _records(result)
    assert [r["text"] for r in records] == text.split("\n")
    assert ("decoded as" in result.stderr) == warned


def test_invalid_utf8_is_decoded_with_a_named_encoding(tmp_path, default_model_path):
    page = tmp_path / "broken.txt"
    page.write_bytes(b"Prices climbed sharply on Monday, traders said.\n" * 5
                     + b"Caf\xe9 owners \xff\xfe complain\n")
    result = runner.invoke(app, ["predict", str(page), "-j", "1"])
    assert result.exit_code == 0, result.stderr
    assert "not UTF-8; decoded as" in result.stderr
    assert len(_records(result)) == 6


@pytest.mark.parametrize("payload", [
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    bytes((i * 7919) % 256 for i in range(4096)),
])
def test_binary_files_are_reported_not_labelled(tmp_path, default_model_path, payload):
    binary = tmp_path / "blob.bin"
    binary.write_bytes(payload)
    good = tmp_path / "good.txt"
    good.write_text(PAGE)
    result = runner.invoke(app, ["predict", str(binary), str(good), "-j", "1"])
    assert result.exit_code == EXIT_PARTIAL
    assert "binary" in result.stderr and str(binary) in result.stderr
    assert {r["id"] for r in _records(result)} == {str(good)}


def test_nul_and_control_characters(tmp_path, default_model_path):
    text = "Head\x00line with NUL\nBody \x07 bell and \x1b escape\n\x0c\nEnd"
    page = tmp_path / "ctrl.txt"
    page.write_text(text)
    result = _predict(str(page))
    assert result.exit_code == 0
    records = _records(result)
    _assert_lossless(records, text)
    assert records[0]["text"] == "Head\x00line with NUL"


def test_single_twenty_megabyte_line(tmp_path, default_model_path):
    text = "word " * (4 * 1024 * 1024)
    page = tmp_path / "huge.txt"
    page.write_text(text)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["predict", str(page), "-o", str(out), "-j", "1", "-q"])
    assert result.exit_code == 0
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["start"] == 0 and record["end"] == len(text.rstrip())


def test_page_of_two_hundred_thousand_lines(tmp_path, default_model_path):
    lines = [f"Line {i} of the ticker tape" for i in range(200_000)]
    page = tmp_path / "long.txt"
    page.write_text("\n".join(lines))
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["predict", str(page), "-o", str(out), "-j", "1", "-q"])
    assert result.exit_code == 0
    with out.open() as fh:
        count = sum(1 for _ in fh)
    assert count == 200_000


def test_right_to_left_emoji_and_combining_marks(tmp_path, default_model_path):
    text = ("الأسواق ترتفع بعد قرار البنك المركزي\nשוק המניות בתל אביב עלה היום\n"
            "Bitcoin 🚀🚀 to the moon? 📉\nCafe\u0301 au lait, nai\u0308ve re\u0301sume\u0301")
    page = tmp_path / "mixed.txt"
    page.write_text(text)
    result = _predict(str(page))
    assert result.exit_code == 0
    records = _records(result)
    assert len(records) == 4
    _assert_lossless(records, text)


# --- containers -------------------------------------------------------------------------------

def test_jsonl_problems_are_reported_with_line_and_id(tmp_path, default_model_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join([
        json.dumps({"id": "a", "text": PAGE}), "{oops", json.dumps({"id": "b"}),
        json.dumps({"id": "c", "text": ["not", "a", "string"]}),
        json.dumps({"id": "a", "text": "Second page reusing id a"}),
    ]) + "\n")
    result = runner.invoke(app, ["predict", str(feed), "-j", "1"])
    assert result.exit_code == EXIT_PARTIAL
    assert f"{feed}:2" in result.stderr and "malformed JSON" in result.stderr
    assert f"{feed}:3 (id b)" in result.stderr and "no 'text'" in result.stderr
    assert f"{feed}:4 (id c)" in result.stderr and "must be a string" in result.stderr
    assert "1 pages repeat an earlier page's id" in result.stderr
    assert "3 failed" in result.stderr and "Traceback" not in result.stderr
    ids = [r["id"] for r in _records(result)]
    assert ids[:3] == ["a", "a", "a"] and ids[-1] == "a" and len(set(ids)) == 1


def test_csv_without_needed_columns(tmp_path, default_model_path):
    table = tmp_path / "pages.csv"
    table.write_text("identifier,body\n1,hello\n")
    result = runner.invoke(app, ["predict", str(table), "-j", "1"])
    assert result.exit_code == EXIT_PARTIAL
    assert "missing column(s) id, text" in result.stderr


def test_truncated_gzip_keeps_the_good_records(tmp_path, default_model_path):
    path = tmp_path / "feed.jsonl.gz"
    blob = gzip.compress("".join(json.dumps({"id": f"p{i}", "text": PAGE}) + "\n"
                                 for i in range(400)).encode())
    path.write_bytes(blob[: len(blob) * 2 // 3])
    result = runner.invoke(app, ["predict", str(path), "-j", "1"])
    assert result.exit_code == EXIT_PARTIAL
    assert "input ends abruptly" in result.stderr
    pages = list(dict.fromkeys(r["id"] for r in _records(result)))
    assert pages and pages == [f"p{i}" for i in range(len(pages))]


def test_directory_with_unreadable_entries(tmp_path, default_model_path):
    (tmp_path / "good.txt").write_text(PAGE)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing-target.txt")
    locked = tmp_path / "locked.txt"
    locked.write_text(PAGE)
    locked.chmod(0)
    result = runner.invoke(app, ["predict", str(tmp_path), "-j", "1"])
    locked.chmod(0o644)
    assert result.exit_code == EXIT_PARTIAL
    assert "dangling.txt" in result.stderr and "cannot open" in result.stderr
    assert str(tmp_path / "good.txt") in {r["id"] for r in _records(result)}


def test_missing_input_path_fails_before_work(tmp_path):
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["predict", str(tmp_path / "nope.txt"), "-o", str(out)])
    assert result.exit_code == EXIT_ERROR and "no such file or directory" in result.stderr
    assert not out.exists()


# --- training data ----------------------------------------------------------------------------

def _write_pages(path: Path, pages: list[tuple[str, str, list[tuple[str, str]]]]) -> Path:
    with path.open("w") as fh:
        for pid, source, lines in pages:
            fh.write(json.dumps({"id": pid, "source": source, "lines": [
                {"text": t, "label": lab} for t, lab in lines]}) + "\n")
    return path


def test_custom_label_set_is_accepted_with_labels_option(tmp_path):
    pages = [(f"p{i}", f"s{i % 3}", [(f"Story {i} body text here.", "story"),
                                      (f"Buy widget {i} now", "advert"),
                                      (f"Another line {i} of the story.", "story")])
             for i in range(9)]
    data = _write_pages(tmp_path / "custom.jsonl", pages)
    model = tmp_path / "m.joblib"
    rejected = runner.invoke(app, ["train", str(data), "-o", str(model), "-q"])
    assert rejected.exit_code == EXIT_ERROR and "unknown label 'story'" in rejected.stderr
    accepted = runner.invoke(app, ["train", str(data), "-o", str(model), "--labels",
                                   "story,advert", "--kind", "full", "--cv-folds", "3", "-q"])
    assert accepted.exit_code == 0, accepted.stderr
    info = json.loads(runner.invoke(app, ["info", str(model), "--json"]).stdout)
    assert info["labels"] == ["advert", "story"]


@pytest.mark.parametrize("pages,message", [
    ([("p1", "s1", [("Only news here.", "news")]), ("p2", "s2", [("More news.", "news")])],
     "at least two labels"),
    ([(f"p{i}", f"s{i}", [("News line.", "news"), ("Promo line.", "promo")]) for i in range(3)],
     "5-fold cross-validation grouped by source needs at least 5 sources"),
    ([], "holds no segments"),
])
def test_untrainable_data_is_explained(tmp_path, pages, message):
    data = _write_pages(tmp_path / "data.jsonl", pages)
    result = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m.joblib"), "-q"])
    assert result.exit_code == EXIT_ERROR
    assert message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "m.joblib").exists()


# --- artifacts --------------------------------------------------------------------------------

def test_skops_round_trip_and_export(small_model_path, tmp_path):
    from classifier.model.artifact import load_model_file

    target = tmp_path / "shared.skops"
    result = runner.invoke(app, ["export", str(small_model_path), "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    original, shared = load_model_file(small_model_path), load_model_file(target)
    page = (SAMPLES / "city-council-page.txt").read_text()
    assert ([p.label for p in original.predict_page(page)]
            == [p.label for p in shared.predict_page(page)])
    predicted = runner.invoke(app, ["predict", str(SAMPLES / "city-council-page.txt"), "-m",
                                    str(target), "-j", "1", "-q"])
    lines = [line for line in page.splitlines() if line.strip()]
    assert predicted.exit_code == 0 and len(_records(predicted)) == len(lines)


class Tampered:
    """A type nobody trusted: unpickling or instantiating it would leave a mark."""

    marker: str = ""

    def __setstate__(self, state):
        Path(state["marker"]).write_text("code from the artifact ran")

    def __getstate__(self):
        return {"marker": self.marker}


def test_tampered_skops_file_is_refused_and_runs_nothing(small_model_path, tmp_path):
    import joblib
    import skops.io as sio

    payload = joblib.load(small_model_path)
    evil = Tampered()
    evil.marker = str(tmp_path / "ran.txt")
    payload["estimator"] = evil
    path = tmp_path / "evil.skops"
    sio.dump(payload, path)
    from classifier.model.artifact import load_model_file

    with pytest.raises(ArtifactError, match="refused to load untrusted type"):
        load_model_file(path)
    result = runner.invoke(app, ["predict", str(SAMPLES / "feed.jsonl"), "-m", str(path)])
    assert result.exit_code == EXIT_ERROR and "Tampered" in result.stderr
    assert not (tmp_path / "ran.txt").exists()


def test_format_and_suffix_must_agree(small_model_path, tmp_path):
    result = runner.invoke(app, ["export", str(small_model_path), "-o",
                                 str(tmp_path / "m.joblib"), "--format", "skops"])
    assert result.exit_code == EXIT_ERROR and "*.skops" in result.stderr


# --- faults -----------------------------------------------------------------------------------

def test_output_directory_problems_fail_before_work(tmp_path, default_model_path):
    page = SAMPLES / "city-council-page.txt"
    for target, message in [(tmp_path / "missing" / "out.jsonl", "does not exist"),
                            (Path("/proc/out.jsonl"), "cannot write in /proc")]:
        result = runner.invoke(app, ["predict", str(page), "-o", str(target)])
        assert result.exit_code == EXIT_ERROR, target
        assert message in result.stderr


def _cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "classifier", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def _interrupt_after(process: subprocess.Popen, seconds: float) -> tuple[int, str]:
    time.sleep(seconds)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    return process.returncode, err


def test_ctrl_c_during_labelling_leaves_no_output(tmp_path, default_model_path):
    feed = tmp_path / "feed.jsonl"
    page = (SAMPLES / "city-council-page.txt").read_text()
    with feed.open("w") as fh:
        for i in range(20_000):
            fh.write(json.dumps({"id": f"p{i}", "text": page}) + "\n")
    out = tmp_path / "labels.jsonl"
    code, err = _interrupt_after(_cli("predict", str(feed), "-o", str(out), "-j", "1"), 6)
    assert code == EXIT_INTERRUPTED, err
    assert "interrupted" in err and "Traceback" not in err
    assert not out.exists() and list(tmp_path.glob(".labels.jsonl*")) == []


def test_ctrl_c_during_training_leaves_no_artifact(tmp_path):
    out = tmp_path / "model.joblib"
    code, err = _interrupt_after(_cli("train", str(CORPUS), "-o", str(out), "-q"), 6)
    assert code == EXIT_INTERRUPTED, err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_concurrent_default_model_builds_do_not_corrupt(tmp_path):
    """Two processes asking for the default model at once: one builds it (under the lock,
    writing atomically), the other waits and uses the same file. The build itself is replaced
    by a slow stand-in that counts calls, so the test checks the locking, not training."""
    cache = tmp_path / "cache"
    calls = tmp_path / "builds.log"
    script = (
        "import time, sys\n"
        "from pathlib import Path\n"
        "import classifier.model.default as default\n"
        "def build(path, quiet=False):\n"
        f"    with open({str(calls)!r}, 'a') as log: log.write('build\\n')\n"
        "    time.sleep(2)\n"
        "    tmp = path.with_suffix('.tmp'); tmp.write_text('model'); tmp.replace(path)\n"
        "    return path\n"
        "default.build_default_model = build\n"
        "print(default.ensure_default_model(quiet=True))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO),
                                   "CLASSIFIER_CACHE_DIR": str(cache)}) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    paths = {out.strip() for out, _ in outputs}
    assert len(paths) == 1 and Path(paths.pop()).read_text() == "model"
    assert calls.read_text().splitlines() == ["build"]
    assert len(list(cache.glob("default-*.joblib"))) == 1


# --- fuzzing ----------------------------------------------------------------------------------

@settings(max_examples=FUZZ_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_fuzz_any_unicode_page(default_model, page):
    predictions = default_model.predict_page(page, probabilities=True)
    for p in predictions:
        assert page[p.start:p.end] == p.text
        assert p.label in LABELS and 0.0 <= p.score <= 1.0
