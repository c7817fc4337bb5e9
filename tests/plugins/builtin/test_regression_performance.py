"""regression_performance against scikit-learn's regression metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge

from aiqm.exceptions import DataError
from aiqm.plugins.builtin._model.bootstrap import regression_metrics, resample_counts
from aiqm.plugins.builtin.regression_performance import regression_performance
from aiqm.testing import AITRunResult, run_ait


@pytest.fixture(scope="module")
def diabetes() -> tuple[Any, pd.DataFrame, np.ndarray]:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = Ridge(alpha=0.5).fit(X.iloc[:300], y.iloc[:300])
    return model, X.iloc[300:], y.iloc[300:].to_numpy()


def _run(model: Any, X: pd.DataFrame, y: np.ndarray, **params: Any) -> AITRunResult:
    return run_ait(regression_performance, datasets={"dataset": X.assign(target=y)},
                   targets={"dataset": "target"}, models={"model": model}, params=params)


@pytest.fixture(scope="module")
def result(diabetes) -> AITRunResult:
    return _run(*diabetes, slice_by=["sex", "age"], min_slice_size=20)


def test_metrics_equal_scikit_learn(diabetes, result) -> None:
    model, X, y = diabetes
    pred = model.predict(X)
    expected = {
        "mae": metrics.mean_absolute_error(y, pred),
        "mse": metrics.mean_squared_error(y, pred),
        "rmse": metrics.root_mean_squared_error(y, pred),
        "r2": metrics.r2_score(y, pred),
        "mape": metrics.mean_absolute_percentage_error(y, pred),
        "median_absolute_error": metrics.median_absolute_error(y, pred),
        "max_error": metrics.max_error(y, pred),
        "explained_variance": metrics.explained_variance_score(y, pred),
        "mean_error": float(np.mean(pred - y)),
        "n_samples": len(y),
    }
    assert result.problems == []
    for name, value in expected.items():
        assert result.measures[name] == pytest.approx(value, rel=1e-12), name


def test_weighted_metrics_of_a_resample_equal_scikit_learn(diabetes) -> None:
    model, X, y = diabetes
    pred = model.predict(X)
    counts = next(resample_counts(len(y), 1, seed=5))
    idx = np.repeat(np.arange(len(y)), counts)
    got = regression_metrics(y, pred, counts.astype(float))
    assert got["mae"] == pytest.approx(metrics.mean_absolute_error(y[idx], pred[idx]))
    assert got["rmse"] == pytest.approx(metrics.root_mean_squared_error(y[idx], pred[idx]))
    assert got["r2"] == pytest.approx(metrics.r2_score(y[idx], pred[idx]))
    assert got["mape"] == pytest.approx(
        metrics.mean_absolute_percentage_error(y[idx], pred[idx]))


def test_intervals_bracket_the_estimates_and_repeat_under_the_seed(diabetes, result) -> None:
    for name in ("mae", "rmse", "r2", "mape"):
        assert result.measures[f"{name}_ci_low"] <= result.measures[name] \
            <= result.measures[f"{name}_ci_high"]
    again = _run(*diabetes, slice_by=["sex", "age"], min_slice_size=20)
    assert again.measures["mae_ci_low"] == result.measures["mae_ci_low"]
    other = _run(*diabetes, seed=1, n_bootstrap=50)
    assert other.measures["mae_ci_low"] != result.measures["mae_ci_low"]


def test_slices_equal_pandas_groupby(diabetes, result) -> None:
    model, X, y = diabetes
    err = model.predict(X) - y
    table = json.loads(Path(result.resource("slices")["file"]).read_text())
    rows = [dict(zip(table["columns"], r, strict=True)) for r in table["rows"]]
    sex = [r for r in rows if r["column"] == "sex"]
    by_sex = pd.Series(np.abs(err)).groupby(X["sex"].to_numpy()).agg(["mean", "size"])
    assert [r["n"] for r in sex] == by_sex["size"].tolist()
    assert [r["mae"] for r in sex] == pytest.approx(by_sex["mean"].tolist())
    ages = [r for r in rows if r["column"] == "age"]
    assert len(ages) == 5 and sum(r["n"] for r in ages) == len(y)
    worst = max((r for r in rows if r["n"] >= 20), key=lambda r: r["mae"])
    assert result.measures["worst_slice_mae"] == pytest.approx(worst["mae"])
    assert result.measures["slice_mae_gap"] == pytest.approx(worst["mae"] - np.mean(np.abs(err)))
    svg = Path(result.resource("residuals")["file"]).read_text("utf-8")
    assert "residual" in svg


def test_mape_is_undefined_with_a_zero_target() -> None:
    X = pd.DataFrame({"x": np.arange(10.0)})
    y = np.arange(10.0)  # y[0] == 0
    model = Ridge().fit(X, y + 1)
    result = _run(model, X, y, n_bootstrap=0)
    assert "1 true value(s) are 0" in result.undefined["mape"]
    assert result.measures["mae"] == pytest.approx(
        metrics.mean_absolute_error(y, model.predict(X)))


def test_text_predictions_are_a_data_error() -> None:
    from sklearn.dummy import DummyClassifier

    X = pd.DataFrame({"x": np.arange(6.0)})
    model = DummyClassifier().fit(X, ["a", "b"] * 3)
    with pytest.raises(DataError, match="must be numbers for a regression"):
        _run(model, X, np.arange(6.0))
