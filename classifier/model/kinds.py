"""The names of the model kinds (stdlib only, so the CLI can list them without loading
scikit-learn); ``zoo`` builds them."""

from __future__ import annotations

from enum import Enum


class ModelKind(str, Enum):
    BOW = "bow"
    FULL = "full"
    STACKED = "stacked"


MODEL_KINDS = tuple(kind.value for kind in ModelKind)
DEFAULT_KIND = ModelKind.STACKED.value
