from classifier.evaluation.corpus import check_corpus

from ..conftest import CORPUS


def test_shipped_corpus_meets_its_minimums():
    report = check_corpus([CORPUS], strict=True)
    assert report.problems == []
    assert report.pages >= 300 and report.lines >= 9000 and len(report.sources) >= 40


def _check_pages_repeating(tmp_path, repeated: list[tuple[str, str]]):
    """Strict check of 20 pages that share the ``repeated`` lines, each with its own story."""
    import json

    pages = [{"id": f"p{i}", "source": f"S{i % 3}", "lines": [
        *({"text": text, "label": label} for text, label in repeated),
        {"text": f"Story number {i} says something of its own about the week.", "label": "news"},
    ]} for i in range(20)]
    (tmp_path / "pages.jsonl").write_text("\n".join(json.dumps(p) for p in pages) + "\n",
                                          encoding="utf-8")
    report = check_corpus([tmp_path], strict=True)
    return report, [p for p in report.problems if p.startswith("distinct-line ratio")]


def test_repeated_short_chrome_is_not_counted_as_templating(tmp_path):
    report, problems = _check_pages_repeating(
        tmp_path, [("Log in", "boilerplate"), ("3 hours ago", "teaser")])
    assert report.distinct_ratio < 0.5
    assert report.distinct_sentence_ratio == 1.0
    assert problems == []


def test_templated_sentences_fail_the_strict_check(tmp_path):
    report, problems = _check_pages_repeating(
        tmp_path, [("Sign up for our free trading webinar today", "promo")])
    assert report.distinct_sentence_ratio < 0.97
    assert len(problems) == 1
