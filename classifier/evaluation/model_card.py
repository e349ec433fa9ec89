"""What an artifact is: its metadata and saved cross-validated scores, for ``classifier info``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .metrics import render_metrics


@dataclass
class ModelCard:
    metadata: dict[str, Any]

    def render(self) -> str:
        lines = []
        for key, value in self.metadata.items():
            if key == "cv_scores" and isinstance(value, dict):
                lines.append(f"cv_scores: {value['folds']} folds grouped by "
                             f"{value['grouped_by']}")
                lines.append(render_metrics(value, confusion=False))
            else:
                lines.append(f"{key}: {json.dumps(value, default=str)}")
        return "\n".join(lines)

    def as_json(self) -> str:
        return json.dumps(self.metadata, indent=2, default=str)


def describe_model(path: str | None = None, quiet: bool = False) -> ModelCard:
    """The card of an artifact file, or of the default model when ``path`` is None."""
    from .. import load_model

    return ModelCard(load_model(path, quiet=quiet).metadata)
