"""generalisation_stability against scikit-learn's cross_validate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from aiqm.exceptions import DataError
from aiqm.plugins.builtin.generalisation_stability import generalisation_stability
from aiqm.testing import run_ait


@pytest.fixture(scope="module")
def cancer() -> tuple[pd.DataFrame, pd.Series]:
    return load_breast_cancer(return_X_y=True, as_frame=True)


def test_cross_validation_equals_scikit_learn(cancer) -> None:
    X, y = cancer
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1)).fit(X[:400], y[:400])
    result = run_ait(
        generalisation_stability,
        datasets={"train": X[:400].assign(label=y[:400].to_numpy()),
                  "test": X[400:].assign(label=y[400:].to_numpy())},
        targets={"train": "label", "test": "label"}, models={"model": model},
        params={"n_splits": 4, "seed": 3},
    )
    ref = cross_validate(make_pipeline(StandardScaler(), LogisticRegression(C=0.1)),
                         X[:400], y[:400], cv=StratifiedKFold(4, shuffle=True, random_state=3),
                         scoring="accuracy", return_train_score=True)
    m = result.measures
    assert m["cv_scores"] == pytest.approx(ref["test_score"].tolist())
    assert m["cv_score_mean"] == pytest.approx(ref["test_score"].mean())
    assert m["cv_score_std"] == pytest.approx(ref["test_score"].std())
    assert m["cv_score_min"] == pytest.approx(ref["test_score"].min())
    assert m["cv_train_validation_gap"] == pytest.approx(
        ref["train_score"].mean() - ref["test_score"].mean())
    assert m["train_score"] == pytest.approx(model.score(X[:400], y[:400]))
    assert m["test_score"] == pytest.approx(model.score(X[400:], y[400:]))
    assert m["train_test_gap"] == pytest.approx(m["train_score"] - m["test_score"])
    assert m["n_rows_used"] == 400 and result.problems == []


def test_regressor_with_kfold_and_a_row_sample() -> None:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = Ridge().fit(X, y)
    result = run_ait(generalisation_stability, datasets={"train": X.assign(t=y.to_numpy())},
                     targets={"train": "t"}, models={"model": model},
                     params={"n_splits": 3, "max_rows": 300, "seed": 1})
    rows = np.sort(np.random.default_rng(1).choice(len(X), 300, replace=False))
    ref = cross_validate(Ridge(), X.iloc[rows], y.iloc[rows], scoring="r2",
                         cv=KFold(3, shuffle=True, random_state=1))
    assert result.measures["cv_scores"] == pytest.approx(ref["test_score"].tolist())
    assert result.measures["n_rows_used"] == 300
    assert "no `test` dataset" in result.undefined["test_score"]


def test_categorical_text_columns_refit_with_histgradientboosting() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["a", "b", "c"], 300)})
    y = ((frame["x"] > 0) ^ (frame["c"] == "a")).astype(int)
    train = frame.assign(c=frame["c"].astype("category"))
    model = HistGradientBoostingClassifier(max_iter=20, categorical_features="from_dtype",
                                           random_state=0).fit(train, y)
    result = run_ait(generalisation_stability, datasets={"train": frame.assign(y=y)},
                     targets={"train": "y"}, models={"model": model}, params={"n_splits": 3})
    assert result.measures["cv_score_mean"] > 0.9  # the category is used, not dropped


def test_models_that_cannot_be_refitted_are_refused(cancer, tmp_path: Path) -> None:
    from skl2onnx import to_onnx

    X, y = cancer
    X = X.iloc[:, :4].astype(np.float32)
    model = LogisticRegression().fit(X.to_numpy(), y)
    onnx_path = tmp_path / "model.onnx"
    onnx_path.write_bytes(to_onnx(model, X.to_numpy()[:1], options={"zipmap": False})
                          .SerializeToString())
    with pytest.raises(DataError, match=r"an ONNX graph cannot be refitted.*skops"):
        run_ait(generalisation_stability, datasets={"train": X.assign(y=y.to_numpy())},
                targets={"train": "y"}, models={"model": onnx_path})
