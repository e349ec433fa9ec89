from classifier.corpus import check_corpus

from .conftest import CORPUS


def test_shipped_corpus_meets_its_minimums():
    report = check_corpus([CORPUS], strict=True)
    assert report.problems == []
    assert report.pages >= 300 and report.lines >= 9000 and len(report.sources) >= 40


def _write_pages(path, pages):
    import json

    path.write_text("\n".join(json.dumps(page) for page in pages) + "\n", encoding="utf-8")


def _distinct_problems(report):
    return [p for p in report.problems if p.startswith("distinct-line ratio")]


def test_repeated_short_chrome_is_not_counted_as_templating(tmp_path):
    pages = [{"id": f"p{i}", "source": f"S{i % 3}", "lines": [
        {"text": "Log in", "label": "boilerplate"},
        {"text": "3 hours ago", "label": "teaser"},
        {"text": f"Story number {i} says something of its own about the week.", "label": "news"},
    ]} for i in range(20)]
    _write_pages(tmp_path / "pages.jsonl", pages)
    report = check_corpus([tmp_path], strict=True)
    assert report.distinct_ratio < 0.5
    assert report.distinct_sentence_ratio == 1.0
    assert _distinct_problems(report) == []


def test_templated_sentences_fail_the_strict_check(tmp_path):
    pages = [{"id": f"p{i}", "source": f"S{i % 3}", "lines": [
        {"text": "Sign up for our free trading webinar today", "label": "promo"},
        {"text": f"Story number {i} says something of its own about the week.", "label": "news"},
    ]} for i in range(20)]
    _write_pages(tmp_path / "pages.jsonl", pages)
    report = check_corpus([tmp_path], strict=True)
    assert report.distinct_sentence_ratio < 0.97
    assert len(_distinct_problems(report)) == 1
