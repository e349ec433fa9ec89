"""The fixed source-disjoint train/test split of a labelled corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..errors import DataError


def load_test_sources(path: str | Path) -> list[str]:
    try:
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
        sources = spec["test_sources"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{path}: not a split file with a 'test_sources' list ({exc})") from exc
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise DataError(f"{path}: 'test_sources' must be a list of source names")
    return sources


def split_by_source(frame: pd.DataFrame, test_sources: list[str]) -> tuple[pd.DataFrame,
                                                                             pd.DataFrame]:
    """(train, test): no source is in both."""
    unknown = set(test_sources) - set(frame["source"])
    if unknown:
        raise DataError(f"split names sources that are not in the data: {sorted(unknown)}")
    in_test = frame["source"].isin(test_sources)
    return frame[~in_test].reset_index(drop=True), frame[in_test].reset_index(drop=True)
