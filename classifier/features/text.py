"""A batch of segments as NumPy arrays: the text engine behind layout signals and n-grams.

Labelling spends its time on text, so a batch of segments is read into arrays once and every
feature is computed from them with vectorised operations instead of per-segment Python:
``BatchText`` holds the batch's code points, their character classes (one table lookup per
code point), and its word tokens (runs of ``\\w``) with a hash of their lower-cased text, so
keyword sets become hash look-ups (``signals``); ``encode_batch`` gives the normalised code
points that the hashed n-grams are built from (``ngrams``).

Case-insensitive signals compare lower-cased text, lower-cased one code point at a time
(as ``re.IGNORECASE`` does), so positions in the lowered text are positions in the original.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import NamedTuple

import numpy as np

NEWLINE = 10
SPACE = 32
_M = np.uint64(0x100000001B3)  # odd: invertible modulo 2**64
HASH_MULTIPLIER = np.uint32(0x01000193)
"""Multiplier of the 32-bit hashes of n-grams and word runs (odd: invertible mod 2**32)."""
_HASH_INVERSE = np.uint32(pow(int(HASH_MULTIPLIER), -1, 2**32))


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
    "-•*–—▪►✓·", "./-", ".,;!?\u3002\uff0c\u3001\uff01\uff1f\uff1b", "<>={}",
)
"""Every character set a signal tests for; ``BatchText.is_char`` looks them up in one table."""


_SPACE_BIT, _DECIMAL_BIT, _WORD_BIT = 1 << 29, 1 << 30, 1 << 31


@lru_cache(maxsize=1)
def _char_flags() -> np.ndarray:
    """Character classes of each BMP code point as bits, so one lookup gives them all:
    bit ``i`` for ``CHAR_SETS[i]``, then white space, decimal digit and ``\\w``."""
    tables = code_tables()
    flags = np.zeros(0x10000, dtype=np.uint32)
    for bit, chars in enumerate(CHAR_SETS):
        for char in chars:
            flags[ord(char)] |= np.uint32(1 << bit)
    flags[tables.space] |= np.uint32(_SPACE_BIT)
    flags[tables.decimal] |= np.uint32(_DECIMAL_BIT)
    flags[tables.word] |= np.uint32(_WORD_BIT)
    flags[NEWLINE] &= np.uint32(~_SPACE_BIT & 0xFFFFFFFF)
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


def keyword_ids(hashes: np.ndarray) -> np.ndarray:
    """Index of each hash in the vocabulary, or -1."""
    vocabulary = _vocabulary().hashes
    at = np.minimum(np.searchsorted(vocabulary, hashes), len(vocabulary) - 1)
    return np.where(vocabulary[at] == hashes, at, -1)


def span_hashes(lower: np.ndarray, begin: np.ndarray, end: np.ndarray) -> np.ndarray:
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
        self.codes = np.concatenate([codes, [NEWLINE, NEWLINE]]).astype(np.uint32)
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
        self.tok_keyword = keyword_ids(span_hashes(self.lower, self.tok_start,
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

    @property
    def flags(self) -> np.ndarray:
        """Each character's class bits (``CHAR_SETS``; zero beyond the BMP)."""
        return self._flags

    @staticmethod
    def char_bit(chars: str) -> int:
        """The bit of ``flags`` for ``chars``, one of ``CHAR_SETS``."""
        return 1 << CHAR_SETS.index(chars)

    def is_char(self, chars: str, positions: np.ndarray | None = None) -> np.ndarray:
        """Mask: the character (at each of ``positions``, default all) is one of ``chars``,
        which must be one of ``CHAR_SETS``."""
        bit = np.uint32(1 << CHAR_SETS.index(chars))
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


def run_hashes(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """32-bit hash of every run ``codes[start:end]``: the sum of ``c[j] * M**(j - start)``,
    from one prefix sum of ``c[j] * M**j`` over the batch rescaled by ``M**-start``."""
    powers = np.empty(len(codes), dtype=np.uint32)
    inverse = np.empty(len(codes), dtype=np.uint32)
    if len(codes):
        powers[0] = inverse[0] = 1
        powers[1:] = HASH_MULTIPLIER
        inverse[1:] = _HASH_INVERSE
        np.cumprod(powers, out=powers)
        np.cumprod(inverse, out=inverse)
    prefix = np.r_[np.uint32(0), np.cumsum(codes * powers, dtype=np.uint32)]
    return ((prefix[ends] - prefix[starts]) * inverse[starts]).astype(np.uint32)


def runs_of(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) of every run of True in ``mask``."""
    before = np.r_[False, mask[:-1]]
    after = np.r_[mask[1:], False]
    return np.flatnonzero(mask & ~before), np.flatnonzero(mask & ~after) + 1


def run_maxima(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The largest code point of every run ``codes[start:end]`` (runs apart, in order): tells
    ASCII-only runs (< 128) and, in ``encode_batch`` codes, runs of digits (all "0")."""
    if len(starts) == 0:
        return np.zeros(0, dtype=codes.dtype)
    return np.maximum.reduceat(codes, np.column_stack([starts, ends]).ravel())[::2]


@lru_cache(maxsize=1)
def _normal_tables() -> tuple[np.ndarray, np.ndarray]:
    """(normalised code, is-word-character) for every code point of the BMP: lower case,
    every white space a space, every decimal digit ``0`` ("12 hours ago" and "3 hours ago"
    look alike to the n-grams)."""
    tables = code_tables()
    normal = tables.lower.copy()
    normal[tables.space] = SPACE
    normal[tables.decimal] = 48
    normal[NEWLINE] = NEWLINE
    return normal, tables.word


_last_encoded: list[tuple[tuple[str, ...], tuple[np.ndarray, np.ndarray, np.ndarray]]] = []


def encode_batch(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised code points of a batch, each segment padded by one space on both sides and
    segments joined by newlines.

    Returns (codes, owner row of each code point, is-word-character mask), read-only. Code
    points beyond the BMP (mostly emoji) are kept as they are and are not word characters.
    The feature blocks of one batch (char and word n-grams, neighbour words, page structure)
    all start from this: the last batch's result is kept and handed out again.
    """
    key = tuple(texts)
    remembered = _last_encoded[:1]
    if remembered and remembered[0][0] == key:
        return remembered[0][1]
    encoded = _encode(texts)
    for array in encoded:
        array.flags.writeable = False
    _last_encoded[:] = [(key, encoded)]
    return encoded


def _encode(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    normal, word = _normal_tables()
    cleaned = [" " + t.replace("\n", " ").replace("\r", " ") + " " for t in texts]
    joined = "\n".join(cleaned)
    raw = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    in_bmp = raw < 0x10000
    clipped = np.where(in_bmp, raw, 0)
    codes = np.where(in_bmp, normal[clipped], raw)
    is_word = word[clipped] & in_bmp
    lengths = np.fromiter(map(len, cleaned), dtype=np.int64, count=len(cleaned))
    owner = np.repeat(np.arange(len(cleaned), dtype=np.int32), lengths + 1)[: len(raw)]
    return codes, owner, is_word
