"""How many pages are labelled together in one vectorised call, for the Python API and the
labelling engine alike."""

from __future__ import annotations

PAGES_PER_BATCH = 64
"""Large enough to amortise the per-call overhead of the feature code and the model; 64 is
as fast as 128, with half the working memory per worker."""
