"""What a run writes for each page, and the job a worker runs on a batch.

``LabelJob`` labels a batch with the model's one prediction path
(``SegmentModel.label_batch``) and turns it into output with an emitter: one record per
segment (``PredictionRecords``) or the page's kept text (``CleanText``). Jobs run where the
labels are computed (in the workers when ``--jobs > 1``), and a batch's JSONL lines are
encoded there too, so the process that reads and writes does little more than move bytes.
This module imports no NumPy: that process never needs the model's libraries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..io.writers import encode_jsonl
from ..labels import DEFAULT_KEEP

if TYPE_CHECKING:
    from ..model.predictor import LabelledBatch, Prediction, SegmentModel

Page = tuple[str, str]
"""(id, text) of a page, as it travels to a worker."""
EXPLANATION_DECIMALS = 4


class Emitter(Protocol):
    def __call__(self, page_id: str, text: str, batch: LabelledBatch, first: int,
                 count: int) -> list[dict[str, Any]]: ...


def prediction_record(page_id: str, prediction: Prediction) -> dict[str, Any]:
    """The output record of one labelled segment (DESIGN.md, 'Predictions out')."""
    record: dict[str, Any] = {
        "id": page_id, "segment": prediction.segment, "start": prediction.start,
        "end": prediction.end, "label": prediction.label, "score": prediction.score,
        "text": prediction.text,
    }
    if prediction.probabilities is not None:
        record["probabilities"] = prediction.probabilities
    if prediction.explanation is not None:
        record["explanation"] = [{"feature": name, "weight": round(weight, EXPLANATION_DECIMALS)}
                                 for name, weight in prediction.explanation]
    return record


@dataclass(frozen=True)
class PredictionRecords:
    """One record per segment."""

    def __call__(self, page_id: str, text: str, batch: LabelledBatch, first: int,
                 count: int) -> list[dict[str, Any]]:
        return [prediction_record(page_id, p) for p in batch.predictions(text, first, count)]


@dataclass(frozen=True)
class CleanText:
    """One {"id", "text"} record per page: the text of the segments with a kept label."""

    keep: tuple[str, ...] = tuple(DEFAULT_KEEP)

    def __call__(self, page_id: str, text: str, batch: LabelledBatch, first: int,
                 count: int) -> list[dict[str, Any]]:
        kept = set(self.keep)
        labels = batch.labels
        parts = [text[int(batch.starts[r]):int(batch.ends[r])]
                 for r in range(first, first + count)
                 if labels[batch.label_index[r]] in kept]
        return [{"id": page_id, "text": "\n".join(parts)}]


@dataclass
class EmittedBatch:
    """A batch's output: JSONL bytes ready to write, or records for CSV/Parquet."""

    segments: int
    n_records: int
    encoded: bytes | None = None
    records: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class LabelJob:
    """Label a batch of pages and build (for JSONL, also encode) its output. Picklable: it is
    sent to the workers."""

    emitter: Emitter
    probabilities: bool = False
    explain: bool = False
    encode: bool = True

    def __call__(self, model: SegmentModel, pages: Sequence[Page]) -> EmittedBatch:
        batch = model.label_batch([text for _, text in pages], self.probabilities,
                                  self.explain)
        records: list[dict[str, Any]] = []
        for (page_id, text), (first, count) in zip(pages, batch.page_rows()):
            records.extend(self.emitter(page_id, text, batch, first, count))
        segments = int(batch.counts.sum())
        if self.encode:
            return EmittedBatch(segments, len(records), encoded=encode_jsonl(records))
        return EmittedBatch(segments, len(records), records=records)
