"""Layout signals of a whole batch of one-line segments, computed with NumPy over a
``BatchText``.

Each signal is defined by a regular expression (the docstrings give it; the tests hold the
same expressions and check that both agree on the whole corpus), but Python's ``re`` tries
alternations like ``\\b(?:jan|feb|...)`` at every character of the batch, which made these
signals a third of the labelling time. Keyword alternatives become hash look-ups over the
batch's tokens, and the patterns around them become comparisons of neighbouring tokens and
characters.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from .text import NEWLINE, SPACE, BatchText, keyword_ids, span_hashes


def _chain(batch: BatchText, first: np.ndarray, *masks: np.ndarray,
           joiner: str = " ") -> np.ndarray:
    """Token indices (from ``first``) starting a run of tokens where each next token
    follows after one ``joiner`` and is in the next mask; -1 kept out."""
    current = first
    for mask in masks:
        following = batch.followed_by_token(current, mask, joiner)
        keep = following >= 0
        first, current = first[keep], following[keep]
    return first


def has_date(batch: BatchText) -> np.ndarray:
    r"""``\b(?:MONTHS)\.?\s+\d{1,2}\b | \b\d{1,2}\.?\s+(?:MONTHS)\b |
    \b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b | \b(?:WEEKDAYS)\b\.?,`` (case-insensitive; ``\s``
    without newlines)."""
    codes, lower = batch.codes, batch.lower
    month = batch.tokens_in("month")
    short_number = batch.digit_tokens(1, 2)
    hits = []

    def after_dot_and_spaces(token_ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position after an optional '.' and at least one space, whether there was one)."""
        dot = codes[token_ends] == ord(".")
        at = token_ends + dot
        spaced = batch.space[at]
        return batch.skip_spaces(at), spaced

    for first_mask, second_mask in ((month, short_number), (short_number, month)):
        first = np.flatnonzero(first_mask)
        at, spaced = after_dot_and_spaces(batch.tok_end[first])
        second = batch.token_starting_at(at)
        ok = spaced & (second >= 0)
        ok[ok] &= second_mask[second[ok]]
        hits.append(batch.tok_start[first[ok]])
    separators = "./-"
    numbers = np.flatnonzero(batch.digit_tokens(1, 4))
    runs = _chain(batch, numbers, batch.digit_tokens(1, 2), batch.digit_tokens(1, 4),
                  joiner=separators)
    # the two separators may differ ("12/05-2024" matches the expression too)
    hits.append(batch.tok_start[runs])
    weekday = np.flatnonzero(batch.tokens_in("weekday"))
    end = batch.tok_end[weekday]
    end = end + (codes[end] == ord("."))
    hits.append(batch.tok_start[weekday[lower[end] == ord(",")]])
    return batch.per_segment(np.concatenate(hits))


def has_relative_time(batch: BatchText) -> np.ndarray:
    r"""``\b\d+\s*(?:UNITS)\s+ago\b | \b(?:an?|one)\s+(?:hour|minute|day|week)\s+ago\b |
    \b\d+\s*[mhd]\b | \b(?:yesterday|today|just now|hace|vor|il y a|há|gestern|hier|ayer|
    ontem|heute)\b`` (case-insensitive)."""
    starts, ends, words = batch.tok_start, batch.tok_end, batch.tokens_in
    # tokens that start with a digit, split into their digits and the rest ("3h" -> "h")
    not_decimal = np.flatnonzero(~batch.decimal)
    digits_end = np.minimum(not_decimal[np.searchsorted(not_decimal, starts)], ends)
    numeric = np.flatnonzero(digits_end > starts)
    bare = digits_end[numeric] == ends[numeric]
    suffix = keyword_ids(span_hashes(batch.lower, digits_end[numeric], ends[numeric]))
    glued = numeric[~bare]
    glued_suffix = suffix[~bare]
    # a bare number followed by spaces and a token ("3 h", "5 minutes")
    numbers = numeric[bare]
    after = batch.token_starting_at(batch.skip_spaces(ends[numbers]))
    numbers, after = numbers[after >= 0], after[after >= 0]
    ago = words("ago")

    def then_ago(tokens: np.ndarray) -> np.ndarray:
        """Mask: spaces, then the token "ago" follow each token."""
        following = batch.token_starting_at(batch.skip_spaces(ends[tokens]))
        ok = batch.space[ends[tokens]] & (following >= 0)
        ok[ok] &= ago[following[ok]]
        return ok

    hits = [starts[glued[batch.keyword_in(glued_suffix, "mhd")]],
            starts[numbers[words("mhd")[after]]],
            starts[words("relative")]]
    with_unit = batch.keyword_in(glued_suffix, "time_unit")
    hits.append(starts[glued[with_unit][then_ago(glued[with_unit])]])
    spaced_unit = words("time_unit")[after]
    hits.append(starts[numbers[spaced_unit][then_ago(after[spaced_unit])]])
    article = np.flatnonzero(words("one"))
    unit = batch.token_starting_at(batch.skip_spaces(ends[article]))
    ok = batch.space[ends[article]] & (unit >= 0)
    ok[ok] &= words("unit_word")[unit[ok]]
    hits.append(starts[article[ok][then_ago(unit[ok])]])
    hits.append(starts[_chain(batch, np.flatnonzero(words("just")), words("now"))])
    hits.append(starts[_chain(batch, np.flatnonzero(words("il")), words("y"), words("a"))])
    return batch.per_segment(np.concatenate(hits))


def has_clock(batch: BatchText) -> np.ndarray:
    r"""``\b\d{1,2}:\d{2}\b``."""
    hours = np.flatnonzero(batch.digit_tokens(1, 2))
    return batch.per_segment(batch.tok_start[_chain(batch, hours, batch.digit_tokens(2, 2),
                                                    joiner=":")])


def has_currency(batch: BatchText) -> np.ndarray:
    r"""``[$€£¥₿] | \b(?:usd|eur|btc|eth|gbp|jpy|usdt)\b`` (case-insensitive)."""
    symbols = np.flatnonzero(batch.is_char("$€£¥₿"))
    return batch.per_segment(np.r_[symbols, batch.tok_start[batch.tokens_in("currency")]])


def has_signed_number(batch: BatchText) -> np.ndarray:
    r"""``(?:^|\s)[+\-−–]\s?\d+`` (the optional rest of the expression cannot fail)."""
    codes, space, decimal = batch.codes, batch.space, batch.decimal
    sign = np.flatnonzero(batch.is_char("+-−–"))
    before = codes[np.maximum(sign - 1, 0)]
    sign = sign[(sign == 0) | (before == NEWLINE) | space[np.maximum(sign - 1, 0)]]
    digit_next = decimal[sign + 1] | (space[sign + 1] & decimal[np.minimum(
        sign + 2, len(codes) - 1)])
    return batch.per_segment(sign[digit_next])


def glued_titles(batch: BatchText) -> np.ndarray:
    r"""Non-overlapping matches of ``[a-z\d][.!?]?[A-Z][a-z]`` per segment."""
    codes = batch.codes
    small = (codes >= 97) & (codes <= 122)
    capital = (codes >= 65) & (codes <= 90)
    lead = small | batch.decimal
    punct = batch.is_char(".!?")
    shifted = np.r_[capital[1:], False], np.r_[small[1:], False]
    three = lead & shifted[0] & np.r_[shifted[1][1:], False]
    four = lead & np.r_[punct[1:], False] & np.r_[capital[2:], False, False] & np.r_[
        small[3:], False, False, False]
    candidates = np.flatnonzero(three | four)
    widths = np.where(four[candidates], 4, 3)
    return batch.count_per_segment(_non_overlapping(candidates, widths))


def separators(batch: BatchText) -> np.ndarray:
    r"""Non-overlapping matches of ``\s[|·•»›>/]\s | \s{2,}`` per segment (no newlines)."""
    space = batch.space
    mark = batch.is_char("|·•»›>/")
    n = len(space)
    spaced_mark = space & np.r_[mark[1:], False] & np.r_[space[2:], False, False]
    double = space & np.r_[space[1:], False]
    candidates = np.flatnonzero(spaced_mark | double)
    if len(candidates) == 0:
        return np.zeros(batch.n_segments, dtype=np.float32)
    not_space = np.flatnonzero(~space)
    run_end = not_space[np.searchsorted(not_space, np.minimum(candidates, n - 1))]
    widths = np.where(spaced_mark[candidates], 3, run_end - candidates)
    return batch.count_per_segment(_non_overlapping(candidates, widths))


def _non_overlapping(candidates: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """The candidates a left-to-right scan keeps: each match resumes after the last one."""
    if len(candidates) < 2 or np.all(np.diff(candidates) >= widths[:-1]):
        return candidates
    kept, resume = [], -1
    for at, width in zip(candidates.tolist(), widths.tolist()):
        if at >= resume:
            kept.append(at)
            resume = at + width
    return np.asarray(kept, dtype=np.int64)


def has_copyright(batch: BatchText) -> np.ndarray:
    r"""``© | \(c\) | \bcopyright\b | all rights reserved`` (case-insensitive)."""
    return batch.per_segment(np.concatenate([
        np.flatnonzero(batch.is_char("©")), batch.tok_start[batch.tokens_in("copyright")],
        batch.find("(c)"), batch.find("all rights reserved")]))


def call_to_action(batch: BatchText) -> np.ndarray:
    r"""``\b(?:sign up|subscribe|join|register|download|enroll|enrol|save your|claim|
    get started|trade now|open an? account|learn more|book|apply|try|free)\b``
    (case-insensitive)."""
    words = batch.tokens_in
    found = [batch.tok_start[words("cta")]]
    for first, second in (("sign", "up"), ("save", "your"), ("get", "started"),
                          ("trade", "now"), ("learn", "more")):
        found.append(batch.tok_start[_chain(batch, np.flatnonzero(words(first)),
                                            words(second))])
    found.append(batch.tok_start[_chain(batch, np.flatnonzero(words("open")), words("a_an"),
                                        words("account"))])
    return batch.per_segment(np.concatenate(found))


def starts_with(batch: BatchText, chars: str) -> np.ndarray:
    """The segment's first character is one of ``chars``."""
    return (batch.is_char(chars, batch.starts) & (batch.ends > batch.starts)).astype(
        np.float32)


def ends_with(batch: BatchText, chars: str) -> np.ndarray:
    """The segment's last character is one of ``chars``."""
    last = np.maximum(batch.ends - 1, 0)
    return (batch.is_char(chars, last) & (batch.ends > batch.starts)).astype(np.float32)


def starts_by(batch: BatchText) -> np.ndarray:
    r"""``^(?:by|author|von|por|par|de)\b(?:\s|:)`` (case-insensitive)."""
    first = batch.token_starting_at(batch.starts)
    ok = first >= 0
    ok[ok] &= batch.tokens_in("byline")[first[ok]]
    after = batch.tok_end[first[ok]]
    ok[ok] &= batch.space[after] | (batch.codes[after] == ord(":"))
    return ok.astype(np.float32)


def kicker_colon(batch: BatchText) -> np.ndarray:
    r"""``^\W*\w+(?:[ -]\w+){0,2}\s?:\s``: the segment opens with one to three words and a
    colon ("Breaking news: ...")."""
    codes, space = batch.codes, batch.space
    n_tokens = len(batch.tok_start)
    # the first token of each segment, if any
    first = np.searchsorted(batch.tok_start, batch.starts)
    has_token = first < n_tokens
    has_token[has_token] &= batch.tok_owner[first[has_token]] == np.arange(
        batch.n_segments)[has_token]
    rows = np.flatnonzero(has_token)
    current = first[rows]
    result = np.zeros(batch.n_segments, dtype=bool)
    linked = np.ones(len(rows), dtype=bool)
    for _ in range(3):
        end = batch.tok_end[np.minimum(current, n_tokens - 1)]
        colon = ((codes[end] == ord(":")) & space[end + 1]) | (
            space[end] & (codes[end + 1] == ord(":")) & space[np.minimum(
                end + 2, len(codes) - 1)])
        result[rows[linked & colon]] = True
        following = batch.token_starting_at(end + 1)
        joined = (codes[end] == SPACE) | (codes[end] == ord("-"))
        linked &= joined & (following >= 0)
        current = np.where(linked, following, current)
    return result.astype(np.float32)


def has_url(batch: BatchText) -> np.ndarray:
    r"""``https?://|www\.|\.com\b|\.io\b|@\w`` (case-insensitive)."""
    found = [np.flatnonzero(batch.is_char("@") & np.r_[batch.word[1:], False])]
    found += [batch.find(literal) for literal in ("http://", "https://", "www.")]
    for literal in (".com", ".io"):
        at = batch.find(literal)
        found.append(at[~batch.word[at + len(literal)]])
    return batch.per_segment(np.concatenate(found))


def has_any(batch: BatchText, chars: str) -> np.ndarray:
    """The segment holds one of ``chars``."""
    return batch.per_segment(np.flatnonzero(batch.is_char(chars)))


class CharCounts(NamedTuple):
    digits: np.ndarray
    upper: np.ndarray
    letters: np.ndarray
    words: np.ndarray
    titled: np.ndarray
    marks: np.ndarray
    markup: np.ndarray


CJK_CHARS_PER_WORD = 2
"""Chinese and Japanese write without spaces: this many of their characters count as a word,
so a paragraph of them is long prose, not one long "word" (about two characters a word)."""


def is_unspaced_script(codes: np.ndarray) -> np.ndarray:
    """Kana and CJK ideographs: the scripts written without spaces between words."""
    return ((codes >= 0x3040) & (codes <= 0x30FF)) | ((codes >= 0x3400) & (codes <= 0x9FFF)) | (
        (codes >= 0xF900) & (codes <= 0xFAFF))


SENTENCE_MARKS = ".,;!?\u3002\uff0c\u3001\uff01\uff1f\uff1b"
"""Punctuation inside and between sentences (with the ideographic forms): prose has about one
every 5-12 words; a drop-down's options or a menu glued on one line have none."""
MARKUP_CHARS = "<>={}"
"""Characters of markup and code: a tracking pixel or a line of script leaked into the text."""


@numba.njit(cache=True, nogil=True)
def _count_chars(codes, space, flags, marks_bit, markup_bit, starts,
                 ends):  # pragma: no cover - compiled
    """Per segment: digits, upper, letters, word starts, title-case word starts, unspaced
    script characters, sentence marks and markup characters, in one pass."""
    out = np.zeros((starts.shape[0], 8), dtype=np.int64)
    for s in range(starts.shape[0]):
        for i in range(starts[s], ends[s]):
            c = codes[i]
            gap = space[i] or c == 10
            after_gap = i == 0 or space[i - 1] or codes[i - 1] == 10
            digit = 48 <= c <= 57
            upper = (65 <= c <= 90) or (0xC0 <= c <= 0xDE and c != 0xD7) or (
                0x391 <= c <= 0x3A9) or (0x410 <= c <= 0x42F)
            folded = c | 32
            letter = (97 <= folded <= 122) or (0xC0 <= c < 0x2000 and c != 0xD7
                                                and c != 0xF7) or c >= 0x3040
            unspaced = (0x3040 <= c <= 0x30FF) or (0x3400 <= c <= 0x9FFF) or (
                0xF900 <= c <= 0xFAFF)
            out[s, 0] += digit
            out[s, 1] += upper
            out[s, 2] += letter
            out[s, 3] += (not gap) and after_gap
            out[s, 4] += upper and after_gap
            out[s, 5] += unspaced
            out[s, 6] += (flags[i] & marks_bit) != 0
            out[s, 7] += (flags[i] & markup_bit) != 0
    return out


def char_counts(batch: BatchText) -> CharCounts:
    """ASCII digits, upper-case and letters (Latin, Greek, Cyrillic ranges), words (runs of
    non-space characters, plus one per CJK_CHARS_PER_WORD characters of unspaced scripts),
    title-case words (starting upper-case), sentence marks and markup characters of each
    segment."""
    counts = _count_chars(batch.codes, batch.space, batch.flags,
                          np.uint32(batch.char_bit(SENTENCE_MARKS)),
                          np.uint32(batch.char_bit(MARKUP_CHARS)), batch.starts, batch.ends)
    column = counts.astype(np.float32).T
    words = column[3] + np.floor(column[5] / CJK_CHARS_PER_WORD)
    return CharCounts(column[0], column[1], column[2], words, column[4], column[6], column[7])


def warm_up() -> None:
    """Load the compiled counting now (from numba's cache), in a process about to fork."""
    char_counts(BatchText(np.array([65], dtype=np.uint32), np.array([1])))
