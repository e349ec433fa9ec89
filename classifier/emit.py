"""What a run writes for each page: prediction records, or the page's kept text.

Emitters run where the labels are computed (in the worker processes when ``--jobs > 1``),
and a batch's JSONL lines are encoded there too, so the process that reads and writes does
little more than move bytes. This module imports no NumPy: the reading/writing process
never needs the model's libraries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .labels import DEFAULT_KEEP
from .writers import encode_jsonl

if TYPE_CHECKING:
    from .labelling import BatchResult

Page = tuple[str, str]
"""(id, text) of a page, as it travels to a worker."""


class Emitter(Protocol):
    def __call__(self, page_id: str, text: str, result: BatchResult, first: int,
                 count: int) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class PredictionRecords:
    """One record per segment (DESIGN.md, 'Predictions out')."""

    def __call__(self, page_id: str, text: str, result: BatchResult, first: int,
                 count: int) -> list[dict[str, Any]]:
        records = []
        labels = result.labels
        for k in range(count):
            row = first + k
            start, end = int(result.starts[row]), int(result.ends[row])
            record: dict[str, Any] = {
                "id": page_id, "segment": k, "start": start, "end": end,
                "label": labels[result.label_index[row]],
                "score": round(float(result.scores[row]), 6), "text": text[start:end],
            }
            if result.proba is not None:
                record["probabilities"] = {lab: round(float(p), 6)
                                           for lab, p in zip(labels, result.proba[row])}
            if result.explanations is not None:
                record["explanation"] = [{"feature": name, "weight": round(weight, 4)}
                                         for name, weight in result.explanations[row]]
            records.append(record)
        return records


@dataclass(frozen=True)
class CleanText:
    """One {"id", "text"} record per page: the text of the segments with a kept label."""

    keep: tuple[str, ...] = tuple(DEFAULT_KEEP)

    def __call__(self, page_id: str, text: str, result: BatchResult, first: int,
                 count: int) -> list[dict[str, Any]]:
        kept = set(self.keep)
        labels = result.labels
        parts = [text[int(result.starts[r]):int(result.ends[r])]
                 for r in range(first, first + count)
                 if labels[result.label_index[r]] in kept]
        return [{"id": page_id, "text": "\n".join(parts)}]


def clean_text(keep: Sequence[str] = DEFAULT_KEEP) -> CleanText:
    return CleanText(tuple(keep))


@dataclass
class EmittedBatch:
    """A batch's output: JSONL bytes ready to write, or records for CSV/Parquet."""

    segments: int
    n_records: int
    encoded: bytes | None = None
    records: list[dict[str, Any]] | None = None


def emit_batch(pages: list[Page], result: BatchResult, emitter: Emitter,
               encode: bool) -> EmittedBatch:
    records: list[dict[str, Any]] = []
    first = 0
    for (page_id, text), count in zip(pages, result.counts.tolist()):
        records.extend(emitter(page_id, text, result, first, count))
        first += count
    if encode:
        return EmittedBatch(first, len(records), encoded=encode_jsonl(records))
    return EmittedBatch(first, len(records), records=records)
