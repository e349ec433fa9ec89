import joblib
import pytest

from classifier.errors import ArtifactError
from classifier.model.artifact import load_model_file

from ..conftest import SAMPLES


def test_foreign_file_is_refused(tmp_path):
    path = tmp_path / "notes.joblib"
    path.write_text("just some text")
    with pytest.raises(ArtifactError, match="not a readable model artifact"):
        load_model_file(path)


def test_foreign_pickle_is_refused(tmp_path):
    path = tmp_path / "other.joblib"
    joblib.dump({"weights": [1, 2, 3]}, path)
    with pytest.raises(ArtifactError, match="not a feed-content-classifier model artifact"):
        load_model_file(path)


def test_truncated_artifact_is_refused(small_model_path, tmp_path):
    data = small_model_path.read_bytes()
    path = tmp_path / "cut.joblib"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ArtifactError, match="not a readable model artifact"):
        load_model_file(path)


@pytest.mark.parametrize("field,value,message", [
    ("sklearn_version", "0.24.2", "made with scikit-learn 0.24.2"),
    ("format_version", 99, "artifact format 99 is not supported"),
])
def test_incompatible_artifact_is_refused(small_model_path, tmp_path, field, value, message):
    payload = joblib.load(small_model_path)
    payload["metadata"][field] = value
    path = tmp_path / "old.joblib"
    joblib.dump(payload, path)
    with pytest.raises(ArtifactError, match=message):
        load_model_file(path)


def test_missing_artifact(tmp_path):
    with pytest.raises(ArtifactError, match="no such model file"):
        load_model_file(tmp_path / "absent.joblib")


def _old_layout_class(monkeypatch):
    """A class named as the estimators were before the package was split into subpackages."""
    import sys
    import types

    module = types.ModuleType("classifier.pipeline")

    class StackedSegmentClassifier:
        pass

    StackedSegmentClassifier.__module__ = module.__name__
    StackedSegmentClassifier.__qualname__ = "StackedSegmentClassifier"
    module.StackedSegmentClassifier = StackedSegmentClassifier
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return StackedSegmentClassifier


@pytest.mark.parametrize("suffix", [".joblib", ".skops"])
def test_artifact_of_an_earlier_version_says_to_retrain(tmp_path, monkeypatch, suffix):
    import sys

    estimator = _old_layout_class(monkeypatch)()
    payload = {"metadata": {"kind": "feed-content-classifier/model", "format_version": 2},
               "estimator": estimator}
    path = tmp_path / f"old{suffix}"
    if suffix == ".skops":
        import skops.io as sio

        sio.dump(payload, path)
    else:
        joblib.dump(payload, path)
    monkeypatch.delitem(sys.modules, "classifier.pipeline")
    with pytest.raises(ArtifactError, match=r"earlier version of feed-content-classifier.*retrain"):
        load_model_file(path)


def test_trusted_types_are_the_classes_a_model_holds(small_model_path, tmp_path):
    """The .skops allow-list names this package's estimator classes by their module paths;
    it must follow them when they move."""
    from classifier.model.safe_format import OWN_TRUSTED_TYPES
    from classifier.model.stacking import StackedSegmentClassifier

    payload = joblib.load(small_model_path)
    payload["estimator"] = StackedSegmentClassifier(base=payload["estimator"])
    import skops.io as sio

    path = tmp_path / "m.skops"
    sio.dump(payload, path)
    ours = {t for t in sio.get_untrusted_types(file=path) if t.startswith("classifier.")}
    assert ours == set(OWN_TRUSTED_TYPES)


def test_the_default_model_exported_to_skops_loads_and_labels_the_same(default_model_path,
                                                                       tmp_path):
    """The stacked model holds scikit-learn's tree tables and our flat trees: the .skops
    allow-list must let them through, and the loaded model must say the same."""
    from classifier.model.artifact import save_model

    original = load_model_file(default_model_path)
    path = tmp_path / "default.skops"
    save_model(original, path)
    shared = load_model_file(path)
    page = (SAMPLES / "city-council-page.txt").read_text()
    assert shared.predict_page(page, probabilities=True) == original.predict_page(
        page, probabilities=True)
