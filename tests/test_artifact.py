import joblib
import pytest

from classifier.artifact import load_model_file
from classifier.errors import ArtifactError


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
