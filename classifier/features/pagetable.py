"""The segment table's page structure: which rows share a page, where each row sits in it,
and its neighbours' values.

The model reads a batch of pages as one table of segments in page order (columns ``page``
and ``text``; the rows of a page are contiguous). Features that look at neighbours or at the
whole page are computed from integer page codes with NumPy, never crossing a page boundary.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def page_codes(pages: pd.Series | np.ndarray) -> np.ndarray:
    """Integer page codes that change exactly where the page changes between rows."""
    values = np.asarray(pages)
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    changed = np.ones(len(values), dtype=bool)
    changed[1:] = values[1:] != values[:-1]
    return np.cumsum(changed) - 1


def positions_in_pages(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's index within its page and its page's number of segments."""
    n = len(codes)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    sizes = np.diff(np.r_[starts, n])
    first_row = np.repeat(starts, sizes)
    return np.arange(n) - first_row, np.repeat(sizes, sizes)


def shift_within_pages(values: np.ndarray, codes: np.ndarray, offset: int) -> tuple[
    np.ndarray, np.ndarray
]:
    """Row i gets the values of row i+offset when that row is on the same page, else 0."""
    n = len(codes)
    out = np.zeros_like(values)
    valid = np.zeros(n, dtype=bool)
    if offset == 0 or abs(offset) >= n:
        if offset == 0:
            return values.copy(), np.ones(n, dtype=bool)
        return out, valid
    if offset > 0:
        src, dst = slice(offset, n), slice(0, n - offset)
    else:
        src, dst = slice(0, n + offset), slice(-offset, n)
    same = codes[src] == codes[dst]
    dst_idx = np.arange(n)[dst][same]
    src_idx = np.arange(n)[src][same]
    out[dst_idx] = values[src_idx]
    valid[dst_idx] = True
    return out, valid


def page_means(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each row gets the mean of ``values`` over its page."""
    if len(codes) == 0:
        return np.zeros_like(values)
    n_pages = int(codes[-1]) + 1
    sums = np.zeros((n_pages, values.shape[1]), dtype=np.float64)
    np.add.at(sums, codes, values)
    counts = np.bincount(codes, minlength=n_pages).astype(np.float64)
    return (sums / counts[:, None])[codes].astype(values.dtype)


def neighbour_offsets(window: int) -> list[int]:
    """Offsets of the ``window`` rows before and after a row, nearest first on each side:
    -window..-1, then 1..window."""
    return [*range(-window, 0), *range(1, window + 1)]


def neighbour_tag(offset: int) -> str:
    """``prev2`` for the row two before, ``next1`` for the next row."""
    return f"prev{-offset}" if offset < 0 else f"next{offset}"


def neighbour_blocks(values: np.ndarray, codes: np.ndarray, window: int) -> list[np.ndarray]:
    """For each neighbour offset, its values and a column saying the neighbour exists."""
    blocks = []
    for offset in neighbour_offsets(window):
        shifted, valid = shift_within_pages(values, codes, offset)
        blocks.extend([shifted, valid[:, None].astype(values.dtype)])
    return blocks


def neighbour_names(names: list[str] | tuple[str, ...], window: int) -> list[str]:
    """Names of ``neighbour_blocks``' columns, e.g. ``prev1:has_date`` and ``prev1:exists``."""
    result = []
    for offset in neighbour_offsets(window):
        tag = neighbour_tag(offset)
        result += [f"{tag}:{name}" for name in names] + [f"{tag}:exists"]
    return result


def page_starts(codes: np.ndarray) -> np.ndarray:
    """Row index where each page starts."""
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])


def cumulative_within_pages(values: np.ndarray, codes: np.ndarray) -> tuple[
    np.ndarray, np.ndarray
]:
    """(sum of ``values`` over the rows before each row on its page, the page's total)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return values.copy(), values.copy()
    starts = page_starts(codes)
    sizes = np.diff(np.r_[starts, len(values)])
    running = np.cumsum(values, axis=0)
    offset = np.concatenate([np.zeros((1, *values.shape[1:])), running[starts[1:] - 1]])
    page_total = np.add.reduceat(values, starts, axis=0)
    before = running - values - np.repeat(offset, sizes, axis=0)
    return before, np.repeat(page_total, sizes, axis=0)


def window_means(values: np.ndarray, codes: np.ndarray, half: int) -> np.ndarray:
    """Mean of ``values`` over the rows within ``half`` rows of each row, on its page."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if n == 0:
        return values.astype(np.float32)
    index, size = positions_in_pages(codes)
    first_row = np.arange(n) - index
    prefix = np.concatenate([np.zeros((1, *values.shape[1:])), np.cumsum(values, axis=0)])
    low = np.maximum(index - half, 0) + first_row
    high = np.minimum(index + half, size - 1) + first_row + 1
    count = (high - low).astype(np.float64)
    sums = prefix[high] - prefix[low]
    if values.ndim > 1:
        count = count[:, None]
    return (sums / count).astype(np.float32)
