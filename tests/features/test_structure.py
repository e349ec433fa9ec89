"""Page-structure features: where a line sits relative to the page's main text."""

import numpy as np

from classifier.features.pagetable import cumulative_within_pages, window_means
from classifier.features.structure import STRUCTURE_FEATURE_NAMES, structure_matrix

PROSE = ("Councillors argued for three hours about the cost of the new bridge before a narrow "
         "majority approved the plan late on Tuesday night")


def _page() -> list[str]:
    menu = ["Home", "World", "Business", "Sport", "Home"]
    article = ["Bridge approved | The Gazette", *[f"{PROSE} ({i})" for i in range(6)]]
    rail = ["Most read", "Storm closes the coast road", "Share"]
    return menu + article + rail


def test_main_block_short_runs_repeats_and_title():
    texts = _page()
    matrix = structure_matrix(texts, np.zeros(len(texts), dtype=np.int64))
    col = {name: matrix[:, i] for i, name in enumerate(STRUCTURE_FEATURE_NAMES)}
    prose_rows = list(range(6, 12))
    assert col["in_main_block"][prose_rows].all() and not col["in_main_block"][:6].any()
    assert col["log_lines_before_main_block"][0] == np.log1p(6).astype(np.float32)
    assert col["log_lines_after_main_block"][-1] == np.log1p(3).astype(np.float32)
    assert col["log_short_run"][0] == np.log1p(5).astype(np.float32)  # the five-item menu
    assert col["log_repeats_on_page"][0] > 0 and col["log_repeats_on_page"][1] == 0  # "Home"
    assert col["is_title_line"][0] == 1 and col["is_title_line"][1] == 0
    assert 0 < col["char_position"][8] < col["char_position"][-1] < 1
    assert col["prose_share_before"][0] == 0 and col["prose_share_before"][-1] == 1


def test_lines_since_the_headline_repeat():
    title = "Storm floods the harbour district | The Gazette"
    texts = [title, "Home", "World", "Storm floods the harbour district", "By Ana Ruiz",
             f"{PROSE} (1)", f"{PROSE} (2)", "Most read", "Harbour storm: the district floods"]
    matrix = structure_matrix(texts, np.zeros(len(texts), dtype=np.int64))
    since = np.expm1(matrix[:, STRUCTURE_FEATURE_NAMES.index("log_lines_since_headline")])
    # no repeat above the headline: the page's length; the title line itself never anchors
    assert since[:3].round().tolist() == [9, 9, 9]
    assert since[3:8].round().tolist() == [0, 1, 2, 3, 4]
    assert since[8].round() == 0  # shares every word with the title: a repeat too


def test_pages_are_independent():
    one = _page()
    alone = structure_matrix(one, np.zeros(len(one), dtype=np.int64))
    two = ["Short page", "Nothing else", *one]
    codes = np.r_[np.zeros(2, dtype=np.int64), np.ones(len(one), dtype=np.int64)]
    together = structure_matrix(two, codes)
    assert np.array_equal(together[2:], alone)
    assert structure_matrix([], np.zeros(0, dtype=np.int64)).shape == (
        0, len(STRUCTURE_FEATURE_NAMES))


def test_unspaced_scripts_count_as_words():
    texts = ["新闻", "这是一个很长的中文句子用来说明没有空格的文字也能被看作一段正文内容了"]
    matrix = structure_matrix(texts, np.zeros(2, dtype=np.int64))
    prose = matrix[:, STRUCTURE_FEATURE_NAMES.index("prose")]
    assert prose.tolist() == [0.0, 1.0]


def test_cumulative_and_window_helpers_stay_within_pages():
    values = np.array([1.0, 2, 3, 4, 5])
    codes = np.array([0, 0, 0, 1, 1])
    before, total = cumulative_within_pages(values, codes)
    assert before.tolist() == [0, 1, 3, 0, 4] and total.tolist() == [6, 6, 6, 9, 9]
    assert window_means(values, codes, 1).tolist() == [1.5, 2, 2.5, 4.5, 4.5]
