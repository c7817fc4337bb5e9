"""One model pass for labels and probabilities, verified against ``predict``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.svm import SVC

from aiqm.data import Dataset
from aiqm.data.cache import materialise
from aiqm.data.digest import sha256_path
from aiqm.models.sklearn_adapter import SklearnAdapter


def _dataset(tmp_path, X, y) -> Dataset:
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame["y"] = y
    src = tmp_path / "d.parquet"
    frame.to_parquet(src)
    digest = sha256_path(src)
    return Dataset("d", materialise(src, "parquet", digest, tmp_path / "cache"), digest, target="y")


@pytest.mark.parametrize("n", [500, 5000])
def test_one_pass_equals_predict_and_predict_proba(tmp_path, n):
    X, y = make_classification(n_samples=n, n_features=6, n_classes=3, n_informative=4,
                               random_state=0)
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, y)
    ds = _dataset(tmp_path, X, y)
    adapter = SklearnAdapter(model, inventory="m", digest="sha256:" + "0" * 64, kind="joblib")
    labels, proba = adapter.predict_both(ds)
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X))


def test_falls_back_to_predict_when_argmax_disagrees(tmp_path):
    # SVC's Platt-scaled probabilities may disagree with its decision function
    X, y = make_classification(n_samples=400, n_features=4, flip_y=0.3, random_state=1)
    model = SVC(probability=True, random_state=0).fit(X, y)
    derived = model.classes_[np.argmax(model.predict_proba(X), axis=1)]
    assert not np.array_equal(derived, model.predict(X)), "fixture must disagree somewhere"
    ds = _dataset(tmp_path, X, y)
    adapter = SklearnAdapter(model, inventory="m", digest="sha256:" + "0" * 64, kind="joblib")
    labels, _ = adapter.predict_both(ds)
    np.testing.assert_array_equal(labels, model.predict(X))
