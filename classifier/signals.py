"""Layout signals of a whole batch of one-line segments, computed with NumPy.

Each signal is defined by a regular expression (the docstrings give it; the tests hold the
same expressions and check that both agree on the whole corpus), but Python's ``re`` tries
alternations like ``\\b(?:jan|feb|...)`` at every character of the batch, which made these
signals a third of the labelling time. Here the batch is read once into arrays: its code
points, their character classes, and its word tokens (runs of ``\\w``) with a hash of their
lower-cased text. Keyword alternatives become hash look-ups over tokens, and the patterns
around them become comparisons of neighbouring tokens and characters.

Case-insensitive signals compare lower-cased text, lower-cased one code point at a time
(as ``re.IGNORECASE`` does), so positions in the lowered text are positions in the original.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import NamedTuple

import numpy as np

_NL = 10
_SPACE = 32
_M = np.uint64(0x100000001B3)  # odd: invertible modulo 2**64
_M_INVERSE = np.uint64(pow(0x100000001B3, -1, 2**64))


class CodeTables(NamedTuple):
    """Character classes of every code point of the BMP, for NumPy lookups by code point."""

    space: np.ndarray
    lower: np.ndarray
    decimal: np.ndarray
    word: np.ndarray


@lru_cache(maxsize=1)
def code_tables() -> CodeTables:
    """White space, single-code-point lower case, decimal digit and ``\\w`` for the BMP."""
    size = 0x10000
    space = np.zeros(size, dtype=bool)
    lower = np.arange(size, dtype=np.uint32)
    decimal = np.zeros(size, dtype=bool)
    word = np.zeros(size, dtype=bool)
    for code in range(size):
        char = chr(code)
        space[code] = char.isspace()
        decimal[code] = char.isdecimal()
        word[code] = char.isalnum() or char == "_"
        folded = char.lower()
        if len(folded) == 1:
            lower[code] = ord(folded)
    return CodeTables(space, lower, decimal, word)


_MAX_KEYWORD = 12
"""Tokens longer than this are never keywords: their hash is not computed."""
_NO_HASH = np.uint64(2**64 - 1)


def text_hash(text: str) -> int:
    """The hash ``BatchText`` gives a token with this (lower-case) text."""
    value, power = 0, 1
    for char in text:
        value = (value + ord(char) * power) % 2**64
        power = (power * int(_M)) % 2**64
    return value if len(text) <= _MAX_KEYWORD else int(_NO_HASH)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split("|"))


WORD_SETS: dict[str, frozenset[str]] = {
    "month": _words(
        "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|"
        "june|july|august|september|october|november|december|"
        "ene|abr|ago|dic|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|"
        "octubre|noviembre|diciembre|januar|februar|märz|mai|juni|juli|oktober|dezember|"
        "janv|févr|mars|avr|juil|août|déc|janvier|février|avril|juin|juillet|septembre|"
        "octobre|novembre|décembre|fev|out|set|dez|janeiro|fevereiro|março|maio|junho|julho|"
        "setembro|outubro|novembro|dezembro"),
    "weekday": _words(
        "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|"
        "thurs|fri|sat|sun|lun|mar|mié|jue|vie|sáb|dom|mo|di|mi|do|fr|sa|so|mer|jeu|ven|sam|"
        "seg|ter|qua|qui|sex"),
    "time_unit": _words("s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|"
                        "hours|d|day|days|w|week|weeks|mo|month|months"),
    "mhd": _words("m|h|d"),
    "ago": _words("ago"),
    "one": _words("a|an|one"),
    "unit_word": _words("hour|minute|day|week"),
    "relative": _words("yesterday|today|hace|vor|há|gestern|hier|ayer|ontem|heute"),
    "currency": _words("usd|eur|btc|eth|gbp|jpy|usdt"),
    "copyright": _words("copyright"),
    "cta": _words(
        "subscribe|join|register|download|enroll|enrol|claim|book|apply|try|free|"
        # the same calls in the corpus's other languages: imperatives and "free" words that
        # news prose rarely uses (not "jetzt", "prueba" or "daftar", which it does)
        "abonnez|inscrivez|téléchargez|rejoignez|réservez|essayez|gratuit|gratuite|"
        "suscríbete|suscribete|regístrate|registrate|descarga|descárgala|únete|inscríbete|"
        "gratis|abonnieren|anmelden|registrieren|kostenlos|iscriviti|abbonati|"
        "scarica|registrati|gratuito|gratuita|prenota|assine|inscreva|baixe|cadastre|grátis|"
        "garanta|abonneer|zapisz|pobierz|subskrybuj|zarejestruj|bezpłatny|bezpłatnie|"
        "prenumerera|registrera|abone|indir|kaydol|ücretsiz|unduh|langganan|подпишитесь|"
        "скачайте|подписаться|бесплатно"),
    "byline": _words("by|author|von|por|par|de"),
    "just": _words("just"), "now": _words("now"), "il": _words("il"), "y": _words("y"),
    "a": _words("a"), "a_an": _words("a|an"), "open": _words("open"), "account": _words("account"),
    "sign": _words("sign"), "up": _words("up"), "save": _words("save"), "your": _words("your"),
    "get": _words("get"), "started": _words("started"), "trade": _words("trade"),
    "learn": _words("learn"), "more": _words("more"),
}
"""Keyword sets, matched against whole tokens (lower case)."""


CHAR_SETS: tuple[str, ...] = (
    "$€£¥₿", "+-−–", ".!?", "|·•»›>/", "©", "@", "%", "\"“”«»„", ".!?\"”’)", ":",
    "-•*–—▪►✓·", "./-",
)
"""Every character set a signal tests for; ``BatchText.is_char`` looks them up in one table."""


_SPACE_BIT, _DECIMAL_BIT, _WORD_BIT = 1 << 13, 1 << 14, 1 << 15


@lru_cache(maxsize=1)
def _char_flags() -> np.ndarray:
    """Character classes of each BMP code point as bits, so one lookup gives them all:
    bit ``i`` for ``CHAR_SETS[i]``, then white space, decimal digit and ``\\w``."""
    tables = code_tables()
    flags = np.zeros(0x10000, dtype=np.uint16)
    for bit, chars in enumerate(CHAR_SETS):
        for char in chars:
            flags[ord(char)] |= np.uint16(1 << bit)
    flags[tables.space] |= np.uint16(_SPACE_BIT)
    flags[tables.decimal] |= np.uint16(_DECIMAL_BIT)
    flags[tables.word] |= np.uint16(_WORD_BIT)
    flags[_NL] &= np.uint16(~_SPACE_BIT & 0xFFFF)
    return flags


class _Vocabulary(NamedTuple):
    hashes: np.ndarray
    members: dict[str, np.ndarray]
    """Set name -> membership of each vocabulary entry, plus False for "not a keyword"."""


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    words = sorted(set().union(*WORD_SETS.values()))
    too_long = [w for w in words if len(w) > _MAX_KEYWORD]
    if too_long:  # their hash would be the no-keyword marker every long token carries
        raise ValueError(f"keywords longer than {_MAX_KEYWORD} characters: {too_long}")
    hashes = np.asarray([text_hash(w) for w in words], dtype=np.uint64)
    order = np.argsort(hashes)
    hashes, words = hashes[order], [words[i] for i in order]
    members = {}
    for name, chosen in WORD_SETS.items():
        members[name] = np.r_[np.asarray([w in chosen for w in words], dtype=bool), False]
    return _Vocabulary(hashes, members)


def _keyword_ids(hashes: np.ndarray) -> np.ndarray:
    """Index of each hash in the vocabulary, or -1."""
    vocabulary = _vocabulary().hashes
    at = np.minimum(np.searchsorted(vocabulary, hashes), len(vocabulary) - 1)
    return np.where(vocabulary[at] == hashes, at, -1)


def _span_hashes(lower: np.ndarray, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
    """``text_hash`` of ``lower[begin:end]`` for every span."""
    length = end - begin
    hashes = np.zeros(len(begin), dtype=np.uint64)
    power = np.uint64(1)
    last = len(lower) - 1
    with np.errstate(over="ignore"):
        for k in range(_MAX_KEYWORD):
            inside = k < length
            if not inside.any():
                break
            hashes += np.where(inside, lower[np.minimum(begin + k, last)], 0).astype(
                np.uint64) * power
            power = power * _M
    hashes[length > _MAX_KEYWORD] = _NO_HASH
    return hashes


class BatchText:
    """A batch of segments joined by newlines, as arrays.

    ``codes``: code points, with two trailing newlines as sentinels so that ``i + 2`` is a
    valid index for any character; ``lower``: their lower case; ``starts``/``ends``: each
    segment's span; tokens: runs of word characters (``tok_start``, ``tok_end``,
    ``tok_owner`` segment) and ``tok_keyword``, the token's entry in the keyword vocabulary.
    """

    def __init__(self, codes: np.ndarray, lengths: np.ndarray):
        n = len(lengths)
        self.n_segments = n
        self.starts = np.concatenate([[0], np.cumsum(lengths[:-1] + 1)]).astype(np.int64)
        self.ends = self.starts + lengths
        self.codes = np.concatenate([codes, [_NL, _NL]]).astype(np.uint32)
        size = len(self.codes)
        tables = code_tables()
        in_bmp = self.codes < 0x10000
        clipped = np.where(in_bmp, self.codes, 0)
        self.lower = np.where(in_bmp, tables.lower[clipped], self.codes)
        self._flags = _char_flags()[clipped]
        self._flags[~in_bmp] = 0
        self.decimal = (self._flags & _DECIMAL_BIT) != 0
        self.word = (self._flags & _WORD_BIT) != 0
        self.space = (self._flags & _SPACE_BIT) != 0
        outside = np.flatnonzero(~in_bmp)
        if len(outside):  # emoji and the like; a few are letters or digits
            self.word[outside] = [chr(c).isalnum() for c in self.codes[outside].tolist()]
            self.decimal[outside] = [chr(c).isdecimal() for c in self.codes[outside].tolist()]
        self._digit_count = np.r_[0, np.cumsum(self.decimal, dtype=np.int64)]
        owner = np.repeat(np.arange(n, dtype=np.int64), lengths + 1)
        self.owner = np.r_[owner, np.full(size - len(owner), max(n - 1, 0))]
        # the first non-space position at or after each position
        last_gap = np.where(self.space, size - 1, np.arange(size))
        self._next_solid = np.minimum.accumulate(last_gap[::-1])[::-1]
        before = np.r_[False, self.word[:-1]]
        after = np.r_[self.word[1:], False]
        self.tok_start = np.flatnonzero(self.word & ~before)
        self.tok_end = np.flatnonzero(self.word & ~after) + 1
        self.tok_owner = self.owner[self.tok_start]
        self._token_starting = np.full(size, -1, dtype=np.int64)
        self._token_starting[self.tok_start] = np.arange(len(self.tok_start))
        self.tok_keyword = _keyword_ids(_span_hashes(self.lower, self.tok_start,
                                                     self.tok_end))

    @cached_property
    def lowered(self) -> str:
        """The batch's lower-cased text (one code point for one)."""
        return self.lower[:-2].astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")

    def find(self, literal: str) -> np.ndarray:
        """Start positions of every occurrence of ``literal`` in the lower-cased text (C-speed
        ``str.find``: literals are rare, so the loop is short)."""
        found, at = [], self.lowered.find(literal)
        while at >= 0:
            found.append(at)
            at = self.lowered.find(literal, at + 1)
        return np.asarray(found, dtype=np.int64)

    def per_segment(self, positions: np.ndarray) -> np.ndarray:
        """1.0 for segments that own any of ``positions``."""
        hit = np.zeros(self.n_segments, dtype=np.float32)
        hit[self.owner[positions]] = 1.0
        return hit

    def count_per_segment(self, positions: np.ndarray) -> np.ndarray:
        return np.bincount(self.owner[positions], minlength=self.n_segments).astype(np.float32)

    def is_char(self, chars: str, positions: np.ndarray | None = None) -> np.ndarray:
        """Mask: the character (at each of ``positions``, default all) is one of ``chars``,
        which must be one of ``CHAR_SETS``."""
        bit = np.uint16(1 << CHAR_SETS.index(chars))
        flags = self._flags if positions is None else self._flags[positions]
        return (flags & bit) != 0

    def tokens_in(self, name: str) -> np.ndarray:
        """Mask over tokens: the token's lower-case text is in ``WORD_SETS[name]``."""
        return _vocabulary().members[name][self.tok_keyword]

    def keyword_in(self, keyword_ids: np.ndarray, name: str) -> np.ndarray:
        return _vocabulary().members[name][keyword_ids]

    def token_starting_at(self, positions: np.ndarray) -> np.ndarray:
        """Index of the token that starts exactly at each position, else -1."""
        return self._token_starting[np.minimum(positions, len(self.codes) - 1)]

    def skip_spaces(self, positions: np.ndarray) -> np.ndarray:
        """First position at or after each one that is not a (non-newline) space."""
        return self._next_solid[np.minimum(positions, len(self.codes) - 1)]

    def digit_tokens(self, low: int, high: int) -> np.ndarray:
        """Mask over tokens made of ``low`` to ``high`` decimal digits and nothing else."""
        length = self.tok_end - self.tok_start
        all_digits = self._digit_count[self.tok_end] - self._digit_count[self.tok_start] == length
        return all_digits & (length >= low) & (length <= high)

    def followed_by_token(self, tokens: np.ndarray, mask: np.ndarray, joiner: str = " "
                          ) -> np.ndarray:
        """For each token index in ``tokens``: the next token follows after exactly one
        ``joiner`` character (lower case) and is in ``mask``; returns the next token's index
        where so, else -1."""
        if len(tokens) == 0:
            return np.zeros(0, dtype=np.int64)
        gap = self.tok_end[tokens]
        ok = (self.codes[gap] == ord(joiner)) if len(joiner) == 1 else self.is_char(joiner, gap)
        following = self.token_starting_at(gap + 1)
        ok &= following >= 0
        ok[ok] &= mask[following[ok]]
        return np.where(ok, following, -1)


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
    suffix = _keyword_ids(_span_hashes(batch.lower, digits_end[numeric], ends[numeric]))
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
    sign = sign[(sign == 0) | (before == _NL) | space[np.maximum(sign - 1, 0)]]
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
        joined = (codes[end] == _SPACE) | (codes[end] == ord("-"))
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


def char_counts(batch: BatchText) -> CharCounts:
    """ASCII digits, upper-case and letters (Latin, Greek, Cyrillic ranges), words (runs of
    non-space characters) and title-case words (starting upper-case) of each segment."""
    codes = batch.codes
    digits = (codes >= 48) & (codes <= 57)
    upper = (((codes >= 65) & (codes <= 90)) | ((codes >= 0xC0) & (codes <= 0xDE)
             & (codes != 0xD7)) | ((codes >= 0x391) & (codes <= 0x3A9))
             | ((codes >= 0x410) & (codes <= 0x42F)))
    folded = codes | 32
    letters = ((folded >= 97) & (folded <= 122)) | (
        (codes >= 0xC0) & (codes < 0x2000) & (codes != 0xD7) & (codes != 0xF7)) | (
        codes >= 0x3040)
    gap = batch.space | (codes == _NL)
    after_gap = np.r_[True, gap[:-1]]
    word_start = ~gap & after_gap
    titled = upper & after_gap

    def per_segment(mask: np.ndarray) -> np.ndarray:
        total = np.r_[0, np.cumsum(mask, dtype=np.int64)]
        return (total[batch.ends] - total[batch.starts]).astype(np.float32)

    return CharCounts(*(per_segment(m) for m in (digits, upper, letters, word_start, titled)))
