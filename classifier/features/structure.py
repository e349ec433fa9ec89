"""Page structure at real scale: where a segment sits relative to the page's main text.

On a 300-line scrape a line's role depends on more than its neighbours: whether it lies
before, inside or after the run of long prose lines that is usually the article, how long the
run of short lines around it is (a menu of 60 items, a rail of 30 headlines), how far into
the page it is by characters as well as by lines, whether the same line appears elsewhere on
the page (menus rendered twice, a headline repeating the title line), and how much it shares
with the page's title line. All computed over a batch of pages with NumPy; no state.
"""

from __future__ import annotations

import re

import numpy as np

from .coherence import COHERENCE_FEATURE_NAMES, coherence_matrix
from .pagetable import cumulative_within_pages, page_starts, positions_in_pages, window_means
from .signals import CJK_CHARS_PER_WORD
from .text import encode_batch, run_hashes, run_maxima, runs_of

PROSE_WORDS = 15
"""A line of at least this many words is prose: article paragraphs (and comments)."""
SHORT_WORDS = 4
"""A line of at most this many words is short: menu items, buttons, kickers."""
MAIN_BLOCK_WINDOW = 6
"""The main text block is centred where prose characters are densest over 2*6+1 lines."""
MAIN_BLOCK_GAP = 8
"""Lines without prose that the main block may span before it ends."""
DENSITY_WINDOWS = (5, 20)
HEADLINE_OVERLAP = 0.6
"""A line (below the title line, of at most ``HEADLINE_WORDS`` words) sharing this much of its
words with the title line repeats the headline: the article usually starts right under it."""
HEADLINE_WORDS = 30
"""Half-widths of the windows over which the share of prose lines is measured."""

STRUCTURE_FEATURE_NAMES: tuple[str, ...] = (
    "log_page_lines",
    "log_page_chars",
    "char_position",
    "log_chars_before",
    "log_chars_after",
    "prose",
    "prose_share_before",
    "log_lines_to_prose_before",
    "log_lines_to_prose_after",
    *(f"prose_density_{w}" for w in DENSITY_WINDOWS),
    "in_main_block",
    "log_lines_before_main_block",
    "log_lines_after_main_block",
    "main_block_position",
    "log_short_run",
    "short_run_position",
    "log_repeats_on_page",
    "title_overlap",
    "is_title_line",
    "log_lines_since_headline",
    *COHERENCE_FEATURE_NAMES,
)


_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def _words(texts: list[str]) -> np.ndarray:
    """Words of each line: space-separated tokens, plus one per two characters of scripts
    written without spaces (see ``signals.CJK_CHARS_PER_WORD``)."""
    return np.fromiter((t.count(" ") + 1 + (len(_UNSPACED.findall(t)) // CJK_CHARS_PER_WORD
                                            if not t.isascii() else 0) for t in texts),
                       dtype=np.float64, count=len(texts))


def _lines_to_nearest(mask: np.ndarray, codes: np.ndarray, index: np.ndarray,
                      size: np.ndarray, before: bool) -> np.ndarray:
    """Lines from each row to the nearest ``mask`` row before it (or after it) on its page;
    the page's length when there is none."""
    n = len(mask)
    positions = np.arange(n)
    if before:
        last = np.where(mask, positions, -1)
        seen = np.maximum.accumulate(last)
        first_row = positions - index
        distance = np.where(seen >= first_row, positions - seen, size)
    else:
        nxt = np.where(mask, positions, n)
        seen = np.minimum.accumulate(nxt[::-1])[::-1]
        last_row = positions - index + size - 1
        distance = np.where(seen <= last_row, seen - positions, size)
    return distance.astype(np.float64)


def _main_blocks(prose_chars: np.ndarray, starts: np.ndarray, sizes: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(first row, last row) of each page's main text block: the cluster of prose lines
    (gaps of at most MAIN_BLOCK_GAP lines) around the densest window of prose characters."""
    first = np.zeros(len(starts), dtype=np.int64)
    last = np.zeros(len(starts), dtype=np.int64)
    kernel = np.ones(2 * MAIN_BLOCK_WINDOW + 1)
    for page, (start, size) in enumerate(zip(starts.tolist(), sizes.tolist())):
        chars = prose_chars[start:start + size]
        rows = np.flatnonzero(chars > 0)
        if len(rows) == 0:
            first[page], last[page] = start + size, start - 1  # no block: nothing inside
            continue
        centre = int(np.argmax(np.convolve(chars, kernel, mode="same")))
        nearest = rows[np.argmin(np.abs(rows - centre))]
        gaps = np.diff(rows) > MAIN_BLOCK_GAP
        cluster = np.cumsum(np.r_[0, gaps])
        members = rows[cluster == cluster[rows == nearest][0]]
        first[page], last[page] = start + members[0], start + members[-1]
    return first, last


def _runs(mask: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row: the length of the run of equal ``mask`` values on its page that holds
    it, and its position in that run (0 first, 1 last)."""
    n = len(mask)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    change = np.r_[True, (mask[1:] != mask[:-1]) | (codes[1:] != codes[:-1])]
    run_id = np.cumsum(change) - 1
    run_start = np.flatnonzero(change)
    lengths = np.diff(np.r_[run_start, n])
    length = lengths[run_id].astype(np.float64)
    offset = np.arange(n) - run_start[run_id]
    return length, offset / np.maximum(length - 1, 1)


def _repeats_and_title(texts: list[str], encoded: tuple[np.ndarray, np.ndarray, np.ndarray],
                       page_of_row: np.ndarray, starts: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """How often each line's text (lower case) appears elsewhere on its page, and the share
    of its words found in the page's first (title) line (numbers never count as found)."""
    codes, owner, is_word = encoded
    n = len(page_of_row)
    line_hash = np.fromiter((hash(text.strip().lower()) for text in texts), dtype=np.int64,
                            count=n)
    order = np.lexsort((line_hash, page_of_row))
    ordered_page, ordered_hash = page_of_row[order], line_hash[order]
    group = np.cumsum(np.r_[False, (ordered_page[1:] != ordered_page[:-1])
                            | (ordered_hash[1:] != ordered_hash[:-1])])
    repeats = np.empty(n)
    repeats[order] = np.bincount(group)[group] - 1
    page = page_of_row.astype(np.uint64) << np.uint64(32)
    word_start, word_end = runs_of(is_word)
    word_line = owner[word_start]
    keys = page[word_line] | run_hashes(codes, word_start, word_end)
    number = run_maxima(codes, word_start, word_end) == ord("0")  # digits are "0" here
    in_title = np.isin(keys, keys[np.isin(word_line, starts)]) & ~number
    words = np.bincount(word_line, minlength=n)
    overlap = np.bincount(word_line, weights=in_title, minlength=n) / np.maximum(words, 1)
    return repeats, overlap


def structure_matrix(texts: list[str], codes: np.ndarray) -> np.ndarray:
    """The features named in ``STRUCTURE_FEATURE_NAMES`` for a batch of pages (rows of a page
    contiguous and in order, ``codes`` from ``pagetable.page_codes``)."""
    n = len(texts)
    if n == 0:
        return np.zeros((0, len(STRUCTURE_FEATURE_NAMES)), dtype=np.float32)
    chars = np.fromiter(map(len, texts), dtype=np.float64, count=n)
    words = _words(texts)
    index, size = positions_in_pages(codes)
    starts = page_starts(codes)
    sizes = np.diff(np.r_[starts, n])
    chars_before, page_chars = cumulative_within_pages(chars, codes)
    prose = words >= PROSE_WORDS
    prose_chars = np.where(prose, chars, 0.0)
    prose_before, prose_total = cumulative_within_pages(prose_chars, codes)
    page_first, page_last = _main_blocks(prose_chars, starts, sizes)
    row = np.arange(n)
    block_first, block_last = np.repeat(page_first, sizes), np.repeat(page_last, sizes)
    has_block = block_last >= block_first
    inside = has_block & (row >= block_first) & (row <= block_last)
    before_block = np.where(has_block & (row < block_first), block_first - row, 0)
    after_block = np.where(has_block & (row > block_last), row - block_last, 0)
    block_position = np.where(inside, (row - block_first) / np.maximum(
        block_last - block_first, 1), np.where(row < block_first, 0.0, 1.0))
    short_run, short_position = _runs(words <= SHORT_WORDS, codes)
    encoded = encode_batch(texts)
    page_of_row = np.repeat(np.arange(len(starts)), sizes)
    repeats, title_overlap = _repeats_and_title(texts, encoded, page_of_row, starts)
    headline = (title_overlap >= HEADLINE_OVERLAP) & (words <= HEADLINE_WORDS) & (index > 0)
    columns = [
        np.log1p(size),
        np.log1p(page_chars),
        chars_before / np.maximum(page_chars, 1),
        np.log1p(chars_before),
        np.log1p(page_chars - chars_before - chars),
        prose,
        prose_before / np.maximum(prose_total, 1),
        np.log1p(_lines_to_nearest(prose, codes, index, size, before=True)),
        np.log1p(_lines_to_nearest(prose, codes, index, size, before=False)),
        *(window_means(prose.astype(np.float64), codes, w) for w in DENSITY_WINDOWS),
        inside,
        np.log1p(before_block),
        np.log1p(after_block),
        block_position,
        np.log1p(np.where(words <= SHORT_WORDS, short_run, 0)),
        np.where(words <= SHORT_WORDS, short_position, 0),
        np.log1p(repeats),
        title_overlap,
        index == 0,
        np.log1p(_lines_to_nearest(headline, codes, index, size, before=True)),
    ]
    return np.column_stack([np.column_stack(columns).astype(np.float32),
                            coherence_matrix(encoded, starts, page_first, page_last, codes)])
