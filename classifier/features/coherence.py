"""Lexical coherence: whether a line talks about what the rest of its page talks about.

An article's paragraphs share names and topic words with each other; the one-sentence
summaries of a rail of other stories, a live ticker's posts or reader comments each speak of
something else, and read like prose all the same. So for every line: the share of its content
words that appear on the page's main text block, and the share found on some line at least
``NEAR`` lines away (a teaser's summary repeats only its own headline, next to it).

Content words: runs of word characters of 4+ characters (3+ outside ASCII), not all digits;
in scripts written without spaces, every pair of adjacent ideographs or katakana (hiragana,
mostly grammar, separates). Computed for a whole batch with NumPy: tokens are hashed from the
batch's code points (``text.encode_batch``), then grouped by page and hash.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .pagetable import window_means
from .text import run_hashes, run_maxima, runs_of

NEAR = 2
"""Lines within this distance do not count as elsewhere on the page (a card's own headline)."""
RUN_WINDOW = 4
"""Half-width of the window over which the far share of neighbouring lines is averaged."""

COHERENCE_FEATURE_NAMES: tuple[str, ...] = (
    "log_content_words",
    "shared_with_main_block",
    "shared_far_on_page",
    "shared_far_nearby_mean",
)

_PAIR = np.uint32(0x9E3779B1)


@lru_cache(maxsize=1)
def _script_classes() -> np.ndarray:
    """For every BMP code point: 1 for ideographs (CJK unified and compatibility) and
    katakana, 2 for hiragana, 0 otherwise."""
    classes = np.zeros(0x10000, dtype=np.uint8)
    classes[0x3400:0xA000] = classes[0xF900:0xFB00] = classes[0x30A0:0x3100] = 1
    classes[0x3040:0x30A0] = 2
    return classes


def content_word_hashes(encoded: tuple[np.ndarray, np.ndarray, np.ndarray]
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(line, 32-bit hash) of every distinct content word of every line, sorted by line
    then hash; ``encoded`` is ``text.encode_batch`` of the lines."""
    codes, owner, is_word = encoded
    script = _script_classes()[np.where(codes < 0x10000, codes, 0)]
    plain = is_word & (script == 0)
    unspaced = script == 1
    start, end = runs_of(plain)
    largest = run_maxima(codes, start, end)
    length = end - start
    keep = np.where(largest < 128, length >= 4, length >= 3) & (largest != 48)
    start, end = start[keep], end[keep]
    pair = np.flatnonzero(unspaced[:-1] & unspaced[1:])
    keys = np.sort(np.r_[owner[start], owner[pair]].astype(np.uint64) << np.uint64(32)
                   | np.r_[run_hashes(codes, start, end),
                           (codes[pair] * _PAIR + codes[pair + 1]).astype(np.uint32)])
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    return (keys >> np.uint64(32)).astype(np.int64), (keys & np.uint64(0xFFFFFFFF)).astype(
        np.uint32)


def coherence_matrix(encoded: tuple[np.ndarray, np.ndarray, np.ndarray], starts: np.ndarray,
                     block_first: np.ndarray, block_last: np.ndarray, codes: np.ndarray
                     ) -> np.ndarray:
    """The features named in ``COHERENCE_FEATURE_NAMES`` (float32, one row per line).

    ``starts`` are the pages' first rows and ``block_first``/``block_last`` the rows of each
    page's main text block (``block_last < block_first`` when a page has none)."""
    n = len(codes)
    if n == 0:
        return np.zeros((0, len(COHERENCE_FEATURE_NAMES)), dtype=np.float32)
    sizes = np.diff(np.r_[starts, n])
    page_of_row = np.repeat(np.arange(len(starts)), sizes)
    lines, hashes = content_word_hashes(encoded)
    if len(lines) == 0:
        return np.zeros((n, len(COHERENCE_FEATURE_NAMES)), dtype=np.float32)
    pages = page_of_row[lines]
    in_block = (lines >= block_first[pages]) & (lines <= block_last[pages])
    # by page and word; lines stay in order within a word (stable sort of sorted lines)
    order = np.argsort(pages.astype(np.uint64) << np.uint64(32) | hashes, kind="stable")
    lines, hashes, pages, in_block = lines[order], hashes[order], pages[order], in_block[order]
    boundary = np.r_[True, (pages[1:] != pages[:-1]) | (hashes[1:] != hashes[:-1])]
    group = np.cumsum(boundary) - 1
    group_start = np.flatnonzero(boundary)
    group_end = np.r_[group_start[1:], len(lines)] - 1
    first_row, last_row = lines[group_start][group], lines[group_end][group]
    block_count = np.add.reduceat(in_block.astype(np.int64), group_start)[group]
    far = (first_row < lines - NEAR) | (last_row > lines + NEAR)
    shared = block_count - in_block > 0
    count = np.bincount(lines, minlength=n).astype(np.float64)
    safe = np.maximum(count, 1)
    far_share = np.bincount(lines, weights=far, minlength=n) / safe
    return np.column_stack([
        np.log1p(count),
        np.bincount(lines, weights=shared, minlength=n) / safe,
        far_share,
        window_means(far_share, codes, RUN_WINDOW),
    ]).astype(np.float32)
