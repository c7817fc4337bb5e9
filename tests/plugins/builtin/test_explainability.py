"""explainability against scikit-learn's permutation_importance (and SHAP's explainer)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from aiqm.exceptions import DataError
from aiqm.plugins.builtin.explainability import explainability
from aiqm.testing import run_ait


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :8]
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    return model, X, y.to_numpy()


def test_permutation_importance_equals_scikit_learn(cancer) -> None:
    model, X, y = cancer
    result = run_ait(explainability, datasets={"dataset": X.assign(label=y)},
                     targets={"dataset": "label"}, models={"model": model},
                     params={"n_repeats": 4, "max_samples": 0, "seed": 7, "scoring": "roc_auc",
                             "top_k": 3})
    ref = permutation_importance(model, X, y, scoring="roc_auc", n_repeats=4, random_state=7)
    m = result.measures
    assert m["importance_mean"] == pytest.approx(ref.importances_mean.tolist())
    assert m["importance_std"] == pytest.approx(ref.importances_std.tolist())
    top = int(np.argmax(ref.importances_mean))
    assert m["top_feature_index"] == top
    assert m["top_feature_importance"] == pytest.approx(ref.importances_mean[top])
    assert m["n_important_features"] == int(np.sum(
        (ref.importances_mean > 2 * ref.importances_std) & (ref.importances_mean > 0)))
    positive = np.clip(ref.importances_mean, 0, None)
    assert m["top_k_share"] == pytest.approx(np.sort(positive)[::-1][:3].sum() / positive.sum())
    table = json.loads(Path(result.resource("importances")["file"]).read_text())
    assert [r[0] for r in table["rows"]] == list(X.columns)
    assert "Top 3 features" in Path(result.resource("top_features")["file"]).read_text()


def test_regressor_and_sampling_are_reproducible() -> None:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = Ridge().fit(X, y)
    params = {"n_repeats": 2, "max_samples": 200, "seed": 3}
    a = run_ait(explainability, datasets={"dataset": X.assign(t=y.to_numpy())},
                targets={"dataset": "t"}, models={"model": model}, params=params)
    rows = np.sort(np.random.default_rng(3).choice(len(X), 200, replace=False))
    ref = permutation_importance(model, X.iloc[rows], y.iloc[rows], scoring="r2", n_repeats=2,
                                 random_state=3)
    assert a.measures["importance_mean"] == pytest.approx(ref.importances_mean.tolist())
    assert a.measures["baseline_score"] == pytest.approx(model.score(X.iloc[rows], y.iloc[rows]))


def test_shap_ranks_a_linear_models_features_by_weight() -> None:
    pytest.importorskip("shap")
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=["strong", "weak", "none"])
    y = 3 * X["strong"] + 1 * X["weak"] + rng.normal(0, 0.1, 300)
    model = Ridge().fit(X, y)
    result = run_ait(explainability, datasets={"dataset": X.assign(t=y.to_numpy())},
                     targets={"dataset": "t"}, models={"model": model},
                     params={"method": "shap", "seed": 0})
    mean = result.measures["importance_mean"]
    # for a linear model, mean |SHAP| of feature j = |w_j| * mean |x_j - E x_j|
    expected = np.abs(model.coef_) * np.abs(X - X.mean()).mean().to_numpy()
    assert mean == pytest.approx(expected.tolist(), rel=0.25)
    assert mean[0] > mean[1] > mean[2]


def test_shap_refuses_text_features() -> None:
    pytest.importorskip("shap")
    X = pd.DataFrame({"x": np.arange(40.0), "c": ["a", "b"] * 20})
    model = make_pipeline(_Numeric(), Ridge()).fit(X, np.arange(40.0))
    with pytest.raises(DataError, match="use method 'permutation'"):
        run_ait(explainability, datasets={"dataset": X.assign(t=np.arange(40.0))},
                targets={"dataset": "t"}, models={"model": model}, params={"method": "shap"})


class _Numeric:
    """Keep only the numeric column (a pipeline step)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X)[:, :1].astype(float)

    def get_params(self, deep=True):
        return {}
