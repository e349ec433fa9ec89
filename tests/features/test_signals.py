"""The NumPy layout signals agree with the regular expressions that define them."""

from __future__ import annotations

import re

import numpy as np
import pytest

from classifier.features.layout import LAYOUT_FEATURE_NAMES, layout_matrix
from classifier.features.signals import (
    CJK_CHARS_PER_WORD,
    MARKUP_CHARS,
    SENTENCE_MARKS,
    char_counts,
)
from classifier.features.text import WORD_SETS, BatchText

_SP = r"[^\S\n]"
_MONTHS = (
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|"
    r"july|august|september|october|november|december|"
    r"ene|abr|ago|dic|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
    r"noviembre|diciembre|januar|februar|märz|mai|juni|juli|oktober|dezember|"
    r"janv|févr|mars|avr|juil|août|déc|janvier|février|avril|juin|juillet|septembre|octobre|"
    r"novembre|décembre|fev|out|set|dez|janeiro|fevereiro|março|maio|junho|julho|setembro|"
    r"outubro|novembro|dezembro"
)
_WEEKDAYS = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|"
    r"thurs|fri|sat|sun|lun|mar|mié|jue|vie|sáb|dom|mo|di|mi|do|fr|sa|so|mer|jeu|ven|sam|seg|"
    r"ter|qua|qui|sex"
)
# signal -> (expression, case-insensitive, how a segment's matches become its value)
REFERENCE = {
    "ends_sentence": (r"[.!?\"”’)]$", False, "has"),
    "ends_colon": (r":$", False, "has"),
    "starts_bullet": (r"^[-•*–—▪►✓·]", False, "has"),
    "has_date": (rf"\b(?:{_MONTHS})\.?{_SP}+\d{{1,2}}\b|\b\d{{1,2}}\.?{_SP}+(?:{_MONTHS})\b|"
                 rf"\b\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{1,4}}\b|\b(?:{_WEEKDAYS})\b\.?,",
                 True, "has"),
    "has_relative_time": (
        rf"\b\d+{_SP}*(?:s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|"
        rf"mo|months?){_SP}+ago\b|\b(?:an?|one){_SP}+(?:hour|minute|day|week){_SP}+ago\b|"
        rf"\b\d+{_SP}*[mhd]\b|"
        r"\b(?:yesterday|today|just now|hace|vor|il y a|há|gestern|hier|ayer|ontem|heute)\b",
        True, "has"),
    "has_clock": (r"\b\d{1,2}:\d{2}\b", False, "has"),
    "has_url": (r"https?://|www\.|\.com\b|\.io\b|@\w", True, "has"),
    "has_currency": (r"[$€£¥₿]|\b(?:usd|eur|btc|eth|gbp|jpy|usdt)\b", True, "has"),
    "has_percent": (r"%", False, "has"),
    "has_signed_number": (rf"(?:^|{_SP})[+\-−–]{_SP}?\d+(?:[.,]\d+)?{_SP}?%?", False, "has"),
    "glued_title": (r"[a-z\d][.!?]?[A-Z][a-z]", False, 3),
    "has_copyright": (r"©|\(c\)|\bcopyright\b|all rights reserved", True, "has"),
    "separators": (rf"{_SP}[|·•»›>/]{_SP}|{_SP}{{2,}}", False, 5),
    "has_quotes": (r"[\"“”«»„]", False, "has"),
    "starts_by": (rf"^(?:by|author|von|por|par|de)\b(?:{_SP}|:)", True, "has"),
    "call_to_action": (
        r"\b(?:sign up|subscribe|join|register|download|enroll|enrol|save your|claim|"
        r"get started|trade now|open an? account|learn more|book|apply|try|free|"
        + "|".join(sorted(WORD_SETS["cta"])) + r")\b",
        True, "has"),
    "kicker_colon": (rf"^[^\w\n]*\w+(?:[ -]\w+){{0,2}}{_SP}?:{_SP}", False, "has"),
}

EDGE_CASES = [
    "Jan. 12, 2025", "12 mars 2024", "3h ago", "posted 3 h", "an hour ago", "il y a 2 jours",
    "12:30 GMT", "x 12:305", "aBcDe", "a | | b", "a    b  |  c", "Breaking news: x", "...",
    "Breaking: y", "-5%", " - 3", "+ 4", "(C) 2024 All Rights Reserved",
    "small rights reserved", "copyrighted", "Sign up now", "sign  up", "open an account",
    "Open A Account!", "by: me", "By the way", "2024/05-12", "12.05.2024", "1.2.3", "Mon., x",
    "mar, 12", "www.x.com", "x.comic", "a@b", "@ x", "5 mins ago", "5mins ago", "12m", "12 m",
    "12 mo ago", "𝐀𝐁 12 𝟏𝟐 Jan", "😀 Sign up", "", "   ", "\u00a0–\u00a02", "١٢ mar", "x.io",
    "x.iox", "HTTP://A", "Foo-bar baz: qux", "Foo bar baz qux: no", "Foo :  x", "Foo : x",
    "Ab.Cd", "ab.CD", "1A", "aÀb", "ÉTÉ 2025: Ça chauffe", "Vor 2 Std.", "HACE 5 MINUTOS",
    "USDT/usd", "€5", "Save Your Seat", "Trade now →", "get started!", "learn  more",
    "Abonnez-vous dès maintenant", "TÉLÉCHARGEZ l'app", "Ücretsiz kaydol", "Скачайте приложение",
    "gratuitamente", "Kostenlos!",
]


def _reference(texts: list[str]) -> dict[str, np.ndarray]:
    """Each signal computed the slow way: one regular expression per segment."""
    values = {}
    for name, (pattern, ignore_case, kind) in REFERENCE.items():
        compiled = re.compile(pattern, re.MULTILINE)
        column = []
        for text in texts:
            if ignore_case:  # one code point for one, as the signals lower-case
                text = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
            if kind == "has":
                column.append(1.0 if compiled.search(text) else 0.0)
            else:
                column.append(min(len(compiled.findall(text)), kind) / kind)
        values[name] = np.asarray(column, dtype=np.float32)
    return values


def _check(texts: list[str]) -> None:
    ours = layout_matrix(texts)
    expected = _reference(texts)
    for name, column in expected.items():
        got = ours[:, LAYOUT_FEATURE_NAMES.index(name)]
        wrong = np.flatnonzero(~np.isclose(got, column))
        assert not len(wrong), (name, [(texts[i], column[i], got[i]) for i in wrong[:5]])


def test_signals_match_their_expressions_on_edge_cases() -> None:
    _check(EDGE_CASES)


@pytest.mark.parametrize("batch_size", [1, 7, 4096])
def test_signals_match_their_expressions_on_the_corpus(corpus_frame, batch_size: int) -> None:
    # every fourth line of the corpus (every twentieth one by one): 31k lines of every kind
    texts = corpus_frame["text"].tolist()[::20 if batch_size == 1 else 4]
    ours = np.vstack([layout_matrix(texts[i:i + batch_size])
                      for i in range(0, len(texts), batch_size)])
    expected = _reference(texts)
    for name, column in expected.items():
        got = ours[:, LAYOUT_FEATURE_NAMES.index(name)]
        assert np.array_equal(got, column), name


def test_a_page_without_words_does_not_lend_its_neighbour_a_kicker() -> None:
    values = layout_matrix(["...", "Breaking: markets fall"])
    kicker = LAYOUT_FEATURE_NAMES.index("kicker_colon")
    assert values[:, kicker].tolist() == [0.0, 1.0]


def test_sentence_marks_and_markup_tell_prose_from_pickers_and_leaked_code() -> None:
    texts = [
        "Country Austria Belgium Bulgaria Croatia Cyprus Czechia Denmark Estonia Finland",
        "The council met on Tuesday, and after a long debate it voted. Nobody expected it.",
        '<img height="1" width="1" style="display:none" src="https://px.example.invalid/t">',
        "市议会周二开会，经过长时间辩论后投票。",
    ]
    values = layout_matrix(texts)
    marks = values[:, LAYOUT_FEATURE_NAMES.index("marks_per_word")]
    markup = values[:, LAYOUT_FEATURE_NAMES.index("markup_share")]
    assert marks[0] == 0 and marks[1] == np.float32(3 / 15)
    assert marks[3] > 0.2  # ideographic comma and full stop count
    assert markup[2] > 0.5 and markup[0] == markup[1] == markup[3] == 0


def _counted(text: str) -> tuple[int, ...]:
    """Character counts of one segment, one character at a time (the definitions of
    ``signals.char_counts``)."""
    def upper(c: int) -> bool:
        return (65 <= c <= 90 or (0xC0 <= c <= 0xDE and c != 0xD7) or 0x391 <= c <= 0x3A9
                or 0x410 <= c <= 0x42F)

    def letter(c: int) -> bool:
        return (97 <= (c | 32) <= 122 or (0xC0 <= c < 0x2000 and c not in (0xD7, 0xF7))
                or c >= 0x3040)

    def unspaced(c: int) -> bool:
        return 0x3040 <= c <= 0x30FF or 0x3400 <= c <= 0x9FFF or 0xF900 <= c <= 0xFAFF

    codes = [ord(c) for c in text]
    gap = [c.isspace() and ord(c) < 0x10000 for c in text]
    after_gap = [True, *gap[:-1]]
    return (sum(48 <= c <= 57 for c in codes), sum(map(upper, codes)),
            sum(map(letter, codes)),
            sum(not g and a for g, a in zip(gap, after_gap))
            + sum(map(unspaced, codes)) // CJK_CHARS_PER_WORD,
            sum(upper(c) and a for c, a in zip(codes, after_gap)),
            sum(c in SENTENCE_MARKS for c in text), sum(c in MARKUP_CHARS for c in text))


def test_character_counts_match_a_character_by_character_count(corpus_frame) -> None:
    texts = [*EDGE_CASES, "Ünïcode ΑΒΓ Δ абв ГД 日本語のテキスト。、", "a\u2003B\u00a0c",
             *corpus_frame["text"].tolist()[::25]]
    texts = [t.replace("\n", " ").replace("\r", " ") for t in texts]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass"),
                          dtype=np.uint32)
    counts = char_counts(BatchText(codes, lengths))
    got = np.column_stack(counts).astype(np.int64)
    expected = np.array([_counted(t) for t in texts], dtype=np.int64)
    wrong = np.flatnonzero((got != expected).any(axis=1))
    assert not len(wrong), [(texts[i], got[i], expected[i]) for i in wrong[:3]]
