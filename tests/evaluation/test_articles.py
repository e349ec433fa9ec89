"""Scoring what clean keeps against gold article text (the article-extraction metric)."""

import json

import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.errors import DataError
from classifier.evaluation.articles import read_articles, score_kept, score_page, shingles
from classifier.evaluation.pageview import in_article, render_worst_pages

runner = CliRunner()


def test_shingles_are_four_token_windows_in_lower_case():
    assert shingles("The Cat sat, on the mat!") == {
        ("the", "cat", "sat", "on"): 1, ("cat", "sat", "on", "the"): 1,
        ("sat", "on", "the", "mat"): 1}
    assert shingles("Short line") == {("short", "line"): 1}
    assert shingles("...") == {}


def test_page_scores_by_hand():
    article = "one two three four five six"  # shingles: 1234 2345 3456
    kept = "one two three four five\nmenu item here now"  # 1234 2345 + 4 wrong ones
    score = score_page("p", kept, article)
    # kept: 9 tokens, 6 shingles (they run across the newline); 1234 and 2345 are gold
    assert score.recall == pytest.approx(2 / 3)
    assert score.precision == pytest.approx(2 / 6)
    assert score_page("p", "", article).precision is None


def test_averages_follow_the_benchmark_definition():
    articles = {"a": "alpha beta gamma delta epsilon", "b": "one two three four"}
    scores = score_kept({"a": "alpha beta gamma delta epsilon"}, articles)
    # precision averages over pages that kept something (a: 1.0); recall over all (1.0, 0.0)
    assert scores.precision == pytest.approx(1.0)
    assert scores.recall == pytest.approx(0.5)
    assert scores.f1 == pytest.approx(2 / 3)
    assert scores.empty == 1 and [p.id for p in scores.worst(1)] == ["b"]


def test_gold_file_problems_are_data_errors(tmp_path):
    bad = tmp_path / "gold.jsonl"
    bad.write_text('{"id": "a", "article": "x"}\n{"id": "b"}\n')
    with pytest.raises(DataError, match=r"gold\.jsonl:2"):
        read_articles(bad)


def test_worst_pages_view_marks_wrongly_kept_and_missed_lines():
    articles = {"p": "The council voted to build the new bridge over the river"}
    scores = score_kept({"p": "Subscribe to our newsletter for daily news today"}, articles)
    scores.lines = {"p": [("The council voted to build the new bridge over the river",
                           "teaser", 0.7),
                          ("Subscribe to our newsletter for daily news today", "news", 0.6),
                          ("<script>alert(1)</script>", "boilerplate", 0.9)]}
    html = render_worst_pages(scores, 5)
    assert "class='line missed'" in html and "class='line kept wrong'" in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    line = "the new bridge over the river"  # three shingles
    assert in_article(line, {("the", "new", "bridge", "over"), ("new", "bridge", "over", "the")})
    assert not in_article(line, {("the", "new", "bridge", "over")})


def test_evaluate_clean_command(tmp_path, default_model_path):
    pages = tmp_path / "pages.jsonl"
    body = ("The city council approved a new budget on Tuesday after a long debate about "
            "school funding and road repairs across the northern districts.")
    pages.write_text(json.dumps({"id": "p1", "text": f"Home\nNews\n{body}\nShare"}) + "\n")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "p1", "article": body}) + "\n")
    html = tmp_path / "worst.html"
    result = runner.invoke(app, ["evaluate-clean", str(pages), "--gold", str(gold), "--json",
                                 "--html", str(html), "-q"])
    assert result.exit_code == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["pages"] == 1 and 0.0 <= scores["f1"] <= 1.0
    assert scores["worst"][0]["id"] == "p1" and html.read_text().startswith("<!doctype html>")
    missing = runner.invoke(app, ["evaluate-clean", str(pages), "--gold", str(tmp_path / "x")])
    assert missing.exit_code == 1 and "cannot read" in missing.stderr
