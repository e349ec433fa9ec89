"""The reference page from the project docs must be labelled right, line for line."""

import pytest

from ..conftest import SEED_PAGE

EXPECTED = ["news"] * 13 + ["promo", "disclaimer"] + ["teaser"] * 25 + ["boilerplate"] * 2


@pytest.mark.skipif(not SEED_PAGE.is_file(), reason="shared/seed-page.txt is not beside the repo")
def test_reference_page_is_labelled_correctly(default_model):
    text = SEED_PAGE.read_text(encoding="utf-8")
    predictions = default_model.predict_page(text)
    assert len(predictions) == 42
    wrong = [(i + 1, p.label, want, p.text[:50])
             for i, (p, want) in enumerate(zip(predictions, EXPECTED)) if p.label != want]
    assert wrong == []


@pytest.mark.skipif(not SEED_PAGE.is_file(), reason="shared/seed-page.txt is not beside the repo")
def test_reference_page_text_is_not_in_the_corpus():
    from ..conftest import REPO

    long_lines = [line.strip() for line in SEED_PAGE.read_text(encoding="utf-8").splitlines()
                  if len(line.strip()) > 40]
    for path in (REPO / "data").rglob("*"):
        if path.is_file():
            content = path.read_text(encoding="utf-8", errors="ignore")
            for line in long_lines:
                assert line not in content, f"{path} copies the reference page"
