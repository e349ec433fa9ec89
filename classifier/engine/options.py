"""How a labelling run is set up: one options object, and the constants behind its defaults.

Stdlib only: the process that reads and writes (with ``--jobs > 1``) imports this and never
the model's libraries.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..batching import PAGES_PER_BATCH
from ..io.formats import InputFormat, OutputFormat

PART_PAGES = 1000
"""Input pages per part file when the output is a directory (``engine.parts``): about a
minute of labelling on 2 cores for real-sized pages, so an interruption loses little, and few
enough files for a feed of millions of pages."""

IN_FLIGHT_PER_WORKER = 3
"""Batches queued per worker: enough to keep every worker busy while the reader and writer
work, few enough that memory stays flat however long the input."""
REMEMBERED_IDS = 100_000
"""Ids remembered for the duplicate-id warning (about 6 MB): a later page repeating one of
them is counted, and memory stays flat however long the feed."""
MAX_REPORTED_ERRORS = 20
"""Unreadable records reported one by one; the rest are counted."""
WORKER_MODEL_VARIABLE = "CLASSIFIER_WORKER_MODEL"
"""Environment variable naming the model that local workers' fork server loads (preload)."""


class Engine(str, Enum):
    """Where batches are labelled: a process pool on this machine, or a Dask cluster."""

    LOCAL = "local"
    DASK = "dask"


@dataclass(frozen=True)
class RunOptions:
    """Everything about a labelling run except what it reads, writes and emits."""

    model: str | None = None
    """Artifact path; None for the built-in default model."""
    jobs: int = 1
    engine: Engine = Engine.LOCAL
    scheduler: str | None = None
    """Dask scheduler address; None starts a local cluster of ``jobs`` workers."""
    input_format: InputFormat = InputFormat.AUTO
    output_format: OutputFormat | None = None
    """None: from the output file's suffix, else JSONL."""
    batch_pages: int = PAGES_PER_BATCH
    force: bool = False
    """Overwrite an existing output file (or an output directory's earlier parts)."""
    quiet: bool = False
    part_pages: int = PART_PAGES
    """Pages per part file when the output is a directory."""
    resume: bool = False
    """Keep the finished parts of an earlier run into the same output directory."""
