from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.segment import segment_page

LINE_BREAKS = st.sampled_from(["\n", "\r\n", "\r", "\n\n", " \n\t"])


def _check_lossless(page: str) -> None:
    segments = segment_page(page)
    covered = 0
    for i, seg in enumerate(segments):
        assert seg.index == i
        assert page[seg.start:seg.end] == seg.text
        assert seg.text == seg.text.strip() and seg.text
        assert "\n" not in seg.text and "\r" not in seg.text
        assert page[covered:seg.start].strip() == ""
        covered = seg.end
    assert page[covered:].strip() == ""


def test_offsets_and_line_endings():
    page = "  Title  \r\nBody line\rSecond\n\n\t\nLast"
    segs = segment_page(page)
    assert [s.text for s in segs] == ["Title", "Body line", "Second", "Last"]
    assert [(s.start, s.end) for s in segs] == [(2, 7), (11, 20), (21, 27), (31, 35)]


def test_blank_pages_have_no_segments():
    assert segment_page("") == []
    assert segment_page(" \n\r\n\t \r") == []


def test_other_unicode_breaks_are_not_line_ends():
    page = "one\u2028two\x0cthree\nfour"
    assert [s.text for s in segment_page(page)] == ["one\u2028two\x0cthree", "four"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(), LINE_BREAKS), max_size=12))
def test_segmentation_is_lossless(parts):
    _check_lossless("".join(text + brk for text, brk in parts))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_segmentation_is_lossless_on_any_text(page):
    _check_lossless(page)
