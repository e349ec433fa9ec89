"""Shared fixtures: one model cache per test session, the default model, a small corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "data" / "corpus"
SAMPLES = REPO / "data" / "samples"
SEED_PAGE = REPO.parent / "shared" / "seed-page.txt"


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory) -> Path:
    """Build the default model at most once per session; subprocesses inherit the cache."""
    cache = Path(os.environ.get("CLASSIFIER_TEST_CACHE") or tmp_path_factory.mktemp("cache"))
    os.environ["CLASSIFIER_CACHE_DIR"] = str(cache)
    return cache


@pytest.fixture(scope="session")
def default_model(model_cache):
    from classifier import load_model

    return load_model(quiet=True)


@pytest.fixture(scope="session")
def default_model_path(default_model) -> Path:
    from classifier.model.default import default_model_path

    return default_model_path()


@pytest.fixture(scope="session")
def corpus_frame():
    from classifier.io.labelled import read_labelled

    return read_labelled([CORPUS])


@pytest.fixture(scope="session")
def small_frame(corpus_frame):
    """Pages of eight sources: enough for grouped CV, fast to train."""
    sources = sorted(corpus_frame["source"].unique())[::5][:8]
    return corpus_frame[corpus_frame["source"].isin(sources)].reset_index(drop=True)


@pytest.fixture(scope="session")
def small_model_path(small_frame, tmp_path_factory) -> Path:
    from classifier.evaluation.train import train
    from classifier.model.artifact import save_model

    result = train(small_frame, kind="full", cv_folds=0)
    path = tmp_path_factory.mktemp("models") / "small.joblib"
    save_model(result.model, path)
    return path
