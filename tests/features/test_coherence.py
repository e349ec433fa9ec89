"""Lexical coherence: article paragraphs share words with each other, a stream of other
stories' summaries does not."""

import re

import numpy as np
import pytest

from classifier.features.coherence import COHERENCE_FEATURE_NAMES, content_word_hashes
from classifier.features.structure import STRUCTURE_FEATURE_NAMES, structure_matrix
from classifier.features.text import encode_batch

ARTICLE = [
    "Harbour council votes to rebuild the Kessel ferry pier after winter storms",
    "The Kessel ferry pier, closed since January, will be rebuilt by the harbour council at "
    "a cost of 4.2 million after engineers found the winter storms had cracked its piles.",
    "Council leader Imogen Varga said the ferry carries 900 commuters a day and that the "
    "harbour could not wait for another winter with the pier closed to foot passengers.",
    "Engineers told the council the new piles would be driven deeper so the rebuilt pier "
    "survives storms like those that closed the ferry crossing for eleven weeks.",
    "Varga said work on the pier starts in May and the ferry should return by September, "
    "while a temporary landing stage serves the harbour until then.",
]
STREAM = [
    "More stories",
    "Orchard growers count losses after late frost",
    "Apple farmers in the valley lost nearly a third of their blossom when temperatures "
    "dropped below freezing on two April nights, a growers' association estimated.",
    "Chess prodigy, eleven, beats grandmaster in blitz final",
    "A schoolgirl from Tallinn won the rapid tournament's final game in fourteen moves, "
    "surprising spectators who had expected a drawn match.",
    "Museum returns bronze masks to museum in Benin City",
    "Curators packed the twelve masks in climate-controlled crates for a flight arranged "
    "by the foreign ministry, ending a dispute that lasted decades.",
]


def _columns(texts: list[str]) -> dict[str, np.ndarray]:
    matrix = structure_matrix(texts, np.zeros(len(texts), dtype=np.int64))
    return {name: matrix[:, STRUCTURE_FEATURE_NAMES.index(name)]
            for name in COHERENCE_FEATURE_NAMES}


def test_article_paragraphs_share_words_and_summaries_do_not():
    page = ["Ferry pier to be rebuilt | Coastline Courier", "Home", "Log in", *ARTICLE,
            *STREAM]
    col = _columns(page)
    paragraphs = [4, 5, 6, 7]
    summaries = [page.index(STREAM[i]) for i in (2, 4, 6)]
    far = col["shared_far_on_page"]
    assert far[paragraphs].min() > 0.15 and far[summaries].max() < 0.1
    block = col["shared_with_main_block"]
    assert block[paragraphs].min() > 0.25 and block[summaries].max() < 0.15
    assert col["shared_far_nearby_mean"][summaries].mean() < col["shared_far_nearby_mean"][
        paragraphs].mean()
    words = np.expm1(col["log_content_words"]).round()
    assert words[1] == 1 and words[2] == 0  # "home"; "log", "in" are too short


def test_a_summary_repeating_only_its_own_headline_is_not_shared_far():
    page = [*ARTICLE, "Lighthouse keeper retires", "The lighthouse keeper hands over the lamp "
            "room following forty years on the northern headland."]
    far = _columns(page)["shared_far_on_page"]
    assert far[-1] == 0.0  # its words appear only on the headline right above it


def _reference_words(text: str) -> set[str]:
    """The rule in plain Python: runs of word characters (hiragana, ideographs and katakana
    excepted) of 4+ characters, 3+ outside ASCII, not all digits; plus every pair of adjacent
    ideographs or katakana."""
    unspaced = "[\u3400-\u9fff\uf900-\ufaff\u30a0-\u30ff]"
    lowered = re.sub(r"\d", "0", text.lower())
    words = set()
    for run in re.findall(r"[^\W\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+", lowered):
        if (len(run) >= 4 if run.isascii() else len(run) >= 3) and set(run) != {"0"}:
            words.add(run)
    for run in re.findall(f"{unspaced}{{2,}}", lowered):
        words.update(run[i:i + 2] for i in range(len(run) - 1))
    return words


@pytest.mark.parametrize("texts", [
    ["Council approves 2026 budget, says Mayor O'Neill", "the budget", "2026 12345 ab_cd"],
    ["トレンドマイクロは3月9日、Wi-Fi利用時の通信を暗号化", "東京都の新しい政策", "ですます"],
    ["새로운 정책을 발표했다", "Économie : la réforme passe", "Ünlü şef İstanbul'da"],
    ["", "—", "a b c", "Rückkehr der Straßenbahn 🚋 nach Köln"],
])
def test_content_words_follow_the_rule(texts):
    lines, hashes = content_word_hashes(encode_batch(texts))
    for row, text in enumerate(texts):
        assert (lines == row).sum() == len(_reference_words(text)), text
    # equal words hash equally wherever they stand
    again_lines, again = content_word_hashes(encode_batch(list(reversed(texts))))
    for row in range(len(texts)):
        mirrored = len(texts) - 1 - row
        assert set(hashes[lines == row]) == set(again[again_lines == mirrored])
