from classifier.corpus import check_corpus

from .conftest import CORPUS


def test_shipped_corpus_meets_its_minimums():
    report = check_corpus([CORPUS], strict=True)
    assert report.problems == []
    assert report.pages >= 300 and report.lines >= 9000 and len(report.sources) >= 40
