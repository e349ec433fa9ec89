"""HTML rendered as scrapers render it, for labelling and for labelled corpus pages."""

import json

from typer.testing import CliRunner

from classifier.cli import app
from classifier.io.html import label_lines, render_lines
from classifier.io.pages import iter_pages

runner = CliRunner()

PAGE = """<!doctype html>
<html lang="en" data-source="Test Gazette" data-topic="local">
<head><title data-label="news">Bridge approved | Test Gazette</title>
<script>var tracking = 1;</script></head>
<body data-label="boilerplate">
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<div class="ad" data-label="promo">Advertisement</div>
<article data-label="news"><h1>Bridge approved</h1>
<p>Councillors <a href="/c">approved</a> the bridge, after a long debate (again).</p>
<aside data-label="teaser"><a>Storm closes coast road</a> <span>2 hours ago</span></aside>
</article>
<footer><a>Privacy</a> | <a>Terms</a>
<p data-label="disclaimer">© 2026 Test Gazette Ltd.</p></footer>
</body></html>"""


def test_rendering_breaks_blocks_and_keeps_inline_text_together():
    assert render_lines(PAGE) == [
        "Bridge approved | Test Gazette", "Home", "News", "Advertisement", "Bridge approved",
        "Councillors approved the bridge, after a long debate (again).",
        "Storm closes coast road 2 hours ago", "Privacy | Terms", "© 2026 Test Gazette Ltd."]


def test_labelled_html_gives_each_line_the_label_of_its_text():
    lines, problems = label_lines(PAGE)
    assert problems == []
    assert [label for _, label in lines] == [
        "news", "boilerplate", "boilerplate", "promo", "news", "news", "teaser",
        "boilerplate", "disclaimer"]
    assert [text for text, _ in lines] == render_lines(PAGE)


def test_mixed_and_unlabelled_lines_are_reported():
    page = ('<html data-source="S"><body><p data-label="news">Story text '
            '<span data-label="promo">Subscribe now</span></p><p>orphan text</p></body></html>')
    _, problems = label_lines(page)
    assert any("mixes labels" in p for p in problems)
    assert any("without a data-label" in p and "orphan" in p for p in problems)


def test_html_pages_are_read_as_rendered_text(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    (record,) = list(iter_pages([str(path)]))
    assert record.text.split("\n") == render_lines(PAGE)


def test_data_from_html_builds_labelled_pages_and_refuses_copies(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "tg001.html").write_text(PAGE, encoding="utf-8")
    out = tmp_path / "pages.jsonl"
    result = runner.invoke(app, ["data", "from-html", str(pages), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["id"] == "tg001" and record["source"] == "Test Gazette"
    assert record["lang"] == "en" and record["topic"] == "local"
    assert record["lines"][5] == {
        "text": "Councillors approved the bridge, after a long debate (again).", "label": "news"}
    third_party = tmp_path / "theirs.txt"
    third_party.write_text("Councillors approved the bridge, after a long debate (again).\n")
    out.unlink()
    refused = runner.invoke(app, ["data", "from-html", str(pages), "-o", str(out),
                                  "--forbid", str(third_party)])
    assert refused.exit_code == 1 and "copies third-party text" in refused.stderr
    assert not out.exists()


def test_show_prints_each_line_with_its_label_and_score(tmp_path, default_model_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    result = runner.invoke(app, ["show", str(path), "-q"])
    assert result.exit_code == 0, result.stderr
    shown = result.stdout
    assert "Councillors approved the bridge" in shown and str(path) in shown
    rows = [line for line in shown.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) >= len(render_lines(PAGE))
    assert all(any(label in row for label in ("news", "promo", "disclaimer", "teaser",
                                               "boilerplate")) for row in rows)


def test_site_names_outside_latin_1_are_read_as_written(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    page = PAGE.replace('data-source="Test Gazette"', 'data-source="ミナト新報 Brückner"')
    (pages / "tg001.html").write_text(page, encoding="utf-8")
    out = tmp_path / "pages.jsonl"
    result = runner.invoke(app, ["data", "from-html", str(pages), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["source"] == "ミナト新報 Brückner"
