import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from classifier.evaluation.train import train
from classifier.features.layout import PageLayoutFeatures
from classifier.features.pagetable import shift_within_pages
from classifier.labels import LABELS
from classifier.model.artifact import load_model_file, save_model
from classifier.model.stacking import StackedSegmentClassifier
from classifier.model.zoo import build_base_pipeline


def test_shift_within_pages_never_crosses_pages():
    values = np.arange(5, dtype=float)[:, None]
    codes = np.array([0, 0, 0, 1, 1])
    prev, valid = shift_within_pages(values, codes, -1)
    assert prev[:, 0].tolist() == [0, 0, 1, 0, 3]
    assert valid.tolist() == [False, True, True, False, True]
    nxt, valid = shift_within_pages(values, codes, 2)
    assert nxt[:, 0].tolist() == [2, 0, 0, 0, 0]
    assert valid.tolist() == [True, False, False, False, False]


def test_layout_features_have_names_and_read_neighbours():
    table = pd.DataFrame({"page": [0, 0, 1], "text": ["Headline", "12 hours ago", "Solo"]})
    features = PageLayoutFeatures(window=1).fit(table)
    matrix = features.transform(table)
    names = list(features.get_feature_names_out())
    assert matrix.shape == (3, len(names))
    rel = names.index("next1:has_relative_time")
    assert matrix[:, rel].tolist() == [1.0, 0.0, 0.0]
    assert matrix[2, names.index("next1:exists")] == 0.0


def test_estimators_are_cloneable_with_params():
    stacked = StackedSegmentClassifier(window=2, cv=3)
    copy = clone(stacked)
    assert copy.get_params()["window"] == 2 and copy.get_params()["cv"] == 3
    assert clone(build_base_pipeline("full")).get_params()["classify__C"] == 4.0
    with pytest.raises(Exception, match="not fitted"):
        stacked.predict_proba(pd.DataFrame({"page": [0], "text": ["x"]}))


def test_train_save_load_predict_round_trip(small_frame, tmp_path):
    result = train(small_frame, kind="stacked", cv_folds=3)
    assert set(result.cv_metrics["per_label"]) == set(LABELS)
    assert 0.0 <= result.cv_metrics["macro_f1"] <= 1.0
    path = save_model(result.model, tmp_path / "m.joblib")
    loaded = load_model_file(path)
    page = "\n".join(small_frame[small_frame["page"] == small_frame["page"].iloc[0]]["text"])
    before = result.model.predict_page(page)
    after = loaded.predict_page(page)
    assert [p.label for p in before] == [p.label for p in after]
    assert np.allclose([p.score for p in before], [p.score for p in after])
    meta = loaded.metadata
    assert meta["labels"] == sorted(LABELS)
    assert meta["training_data"]["segments"] == len(small_frame)
    assert meta["cv_scores"]["grouped_by"] == "source"
    assert meta["sklearn_version"] and meta["package_version"]


def test_predict_page_offsets_and_scores(default_model):
    page = "Title line\r\n\r\n  Body paragraph with words.  \nShare on X"
    predictions = default_model.predict_page(page, probabilities=True)
    assert [p.text for p in predictions] == ["Title line", "Body paragraph with words.",
                                             "Share on X"]
    for p in predictions:
        assert page[p.start:p.end] == p.text
        assert p.label in LABELS and 0.0 <= p.score <= 1.0
        assert abs(sum(p.probabilities.values()) - 1.0) < 1e-4
        assert p.score == max(p.probabilities.values())
    assert default_model.predict_page("") == []


def test_predict_pages_streams_in_order(default_model):
    pages = ["First page\nShare", "", "Second page body text here."]
    results = list(default_model.predict_pages(iter(pages), batch_size=2))
    assert [len(r) for r in results] == [2, 0, 1]
    assert results[2][0].text == "Second page body text here."
