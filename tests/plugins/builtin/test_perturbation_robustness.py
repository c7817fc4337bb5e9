"""perturbation_robustness: hand-checked flips, invariances, determinism under a seed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline

from aiqm.data.cache import materialise
from aiqm.data.digest import sha256_path
from aiqm.exceptions import DataError, InvalidParameterError
from aiqm.plugins.builtin._model.perturb import column_kinds, perturb
from aiqm.plugins.builtin.perturbation_robustness import perturbation_robustness
from aiqm.testing import AITRunResult, run_ait


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(5, 2, n),
                      "noise_id": rng.integers(0, 1000, n)})
    y = (X["a"] + 0.3 * (X["b"] - 5) > 0).astype(int).to_numpy()
    return X, y


def _subset(estimator: Any) -> Any:
    """The estimator on columns a and b only (the rows also hold an irrelevant id)."""
    return make_pipeline(ColumnTransformer([("ab", "passthrough", ["a", "b"])]), estimator)


@pytest.fixture(scope="module")
def model(data) -> Any:
    X, y = data
    return _subset(LogisticRegression()).fit(X, y)


def _run(model: Any, X: pd.DataFrame, y: np.ndarray | None, **params: Any) -> AITRunResult:
    frame = X.assign(label=y) if y is not None else X
    return run_ait(perturbation_robustness, datasets={"dataset": frame},
                   targets={"dataset": "label"} if y is not None else {},
                   models={"model": model}, params=params)


def test_flip_rates_match_a_replay_of_the_perturbations(data, model) -> None:
    X, y = data
    params = {"strengths": [0.1, 0.5], "n_repeats": 2, "seed": 4, "max_samples": 0}
    result = _run(model, X, y, **params)
    clean = model.predict(X)
    numeric, categorical = column_kinds(X)
    rng = np.random.default_rng(4)
    spread = {c: float(X[c].std(ddof=0)) for c in numeric}
    flips, drops = [], []
    for s in (0.1, 0.5):
        rates, accs = [], []
        for _ in range(2):
            pred = model.predict(perturb(X, s, rng, numeric=numeric, categorical=categorical,
                                         spread=spread, pools={}))
            rates.append(np.mean(pred != clean))
            accs.append(np.mean(pred == y))
        flips.append(np.mean(rates))
        drops.append(np.mean(clean == y) - np.mean(accs))
    m = result.measures
    assert m["flip_rate"] == pytest.approx(flips)
    assert m["accuracy_drop"] == pytest.approx(drops)
    assert m["max_flip_rate"] == pytest.approx(max(flips))
    assert m["clean_accuracy"] == pytest.approx(np.mean(clean == y))
    assert flips[1] > flips[0] > 0
    assert result.problems == []


def test_same_seed_same_result_other_seed_other_result(data, model) -> None:
    X, y = data
    a = _run(model, X, y, strengths=[0.2], seed=1)
    assert a.measures == _run(model, X, y, strengths=[0.2], seed=1).measures
    assert a.measures["flip_rate"] != _run(model, X, y, strengths=[0.2], seed=2).measures["flip_rate"]


def test_noise_is_scaled_to_each_features_spread(data) -> None:
    X, _ = data
    rng = np.random.default_rng(0)
    spread = {"a": 1.0, "b": 2.0}
    noisy = perturb(X[["a", "b"]], 0.5, rng, numeric=["a", "b"], categorical=[], spread=spread,
                    pools={})
    delta = noisy - X[["a", "b"]]
    assert delta["a"].std() == pytest.approx(0.5, rel=0.15)
    assert delta["b"].std() == pytest.approx(1.0, rel=0.15)


def test_category_swaps_change_the_value_with_the_given_probability() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"c": rng.choice(["x", "y", "z"], 2000)})
    pools = {"c": X["c"].to_numpy(dtype=object)}
    out = perturb(X, 0.3, rng, numeric=[], categorical=["c"], spread={}, pools=pools)
    assert np.mean(out["c"] != X["c"]) == pytest.approx(0.3, abs=0.03)
    assert set(out["c"]) == {"x", "y", "z"}


def test_invariances(data, model) -> None:
    X, y = data
    result = _run(model, X, y, strengths=[0.1], invariances={
        "id does not matter": {"column": "noise_id", "op": "shuffle"},
        "id set to zero": {"column": "noise_id", "op": "set", "value": 0},
        "a doubled": {"column": "a", "op": "multiply", "value": 2.0},
    })
    rates = result.measures["invariance_violation_rate"]  # in name order
    doubled = np.mean(model.predict(X.assign(a=X["a"] * 2)) != model.predict(X))
    assert rates == pytest.approx([doubled, 0.0, 0.0])
    assert result.measures["max_invariance_violation_rate"] == pytest.approx(doubled)
    table = json.loads(Path(result.resource("invariances")["file"]).read_text())
    assert [r[0] for r in table["rows"]] == ["a doubled", "id does not matter", "id set to zero"]


@pytest.mark.parametrize(("spec", "message"), [
    ({"x": {"column": "zzz", "op": "add", "value": 1}}, "column 'zzz' is not a feature"),
    ({"x": {"column": "a", "op": "rotate"}}, "op 'rotate' is not one of"),
    ({"x": {"column": "a", "op": "add", "value": "1"}}, "needs a number `value`"),
    ({"x": "a+1"}, "must be a mapping"),
])
def test_bad_invariances_are_parameter_errors(data, model, spec, message) -> None:
    X, y = data
    with pytest.raises(InvalidParameterError, match=message):
        _run(model, X, y, invariances=spec)


def test_regression_reports_mae_increase_and_no_target_no_drop(data) -> None:
    X, _ = data
    target = 2 * X["a"] - X["b"]
    reg = _subset(LinearRegression()).fit(X, target)
    result = _run(reg, X, target.to_numpy(), strengths=[0.5], tolerance=0.01)
    assert result.measures["mae_increase"][0] > 0
    assert "regressor" in result.undefined["accuracy_drop"]
    unlabeled = _run(reg, X, None, strengths=[0.5])
    assert "no target" in unlabeled.undefined["max_metric_drop"]
    assert unlabeled.measures["flip_rate"][0] > 0.5


def test_a_predictions_column_cannot_be_perturbed(data, tmp_path: Path) -> None:
    X, y = data
    path = tmp_path / "d.parquet"
    X.assign(label=y, p=y).to_parquet(path)
    digest = sha256_path(path)
    arrow = materialise(path, "auto", digest, tmp_path / "c")
    spec = {"kind": "predictions", "inventory": "scores", "dataset_digest": digest,
            "arrow_path": str(arrow), "column": "p"}
    with pytest.raises(DataError, match="predictions column, which only describes its own rows"):
        run_ait(perturbation_robustness, datasets={"dataset": path}, targets={"dataset": "label"},
                inputs={"model": spec}, workdir=tmp_path)
