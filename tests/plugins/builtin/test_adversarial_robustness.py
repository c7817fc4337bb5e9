"""adversarial_robustness (ART HopSkipJump / Boundary) on a tiny linear model.

For a linear model the smallest flipping perturbation is known in closed form,
so the attack's results can be checked: it can never beat the exact minimum,
and it should get close to it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from aiqm.exceptions import InvalidParameterError
from aiqm.plugins.builtin.adversarial_robustness import adversarial_robustness
from aiqm.testing import run_ait

pytest.importorskip("art")


@pytest.fixture(scope="module")
def linear() -> tuple[LogisticRegression, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(0, 1, 300), "b": rng.normal(10, 3, 300),
                      "c": rng.normal(size=300)})
    y = (X["a"] + 0.2 * (X["b"] - 10) + rng.normal(0, 0.3, 300) > 0).astype(int).to_numpy()
    return LogisticRegression().fit(X, y), X, y


def _run(model, X, y, **params):
    return run_ait(adversarial_robustness, datasets={"dataset": X.assign(label=y)},
                   targets={"dataset": "label"}, models={"model": model}, params=params)


PARAMS = {"n_samples": 4, "max_iter": 15, "max_queries": 1500, "seed": 0}


@pytest.fixture(scope="module")
def l2(linear):
    return _run(*linear, epsilon=0.5, **PARAMS)


def _exact_minimum(model, X: pd.DataFrame, rows: list[int], order: float) -> np.ndarray:
    """Smallest perturbation (standardised units) that reaches the decision boundary."""
    std = X.std(ddof=0).to_numpy()
    w = model.coef_[0] * std
    f = model.decision_function(X.iloc[rows])
    dual = {2.0: 2.0, np.inf: 1.0}[order]
    return np.abs(f) / np.linalg.norm(w, ord=dual)


def test_attack_never_beats_the_exact_minimum_and_gets_close(linear, l2) -> None:
    model, X, _ = linear
    table = json.loads(Path(l2.resource("attacked_rows")["file"]).read_text())
    rows = [dict(zip(table["columns"], r, strict=True)) for r in table["rows"]]
    assert l2.problems == [] and len(rows) == 4
    exact = _exact_minimum(model, X, [r["row"] for r in rows], 2.0)
    found = np.array([r["distance"] for r in rows])
    assert all(r["found"] for r in rows)
    assert np.all(found >= exact - 1e-6)
    assert np.all(found <= exact * 1.5 + 0.05)
    success = found <= 0.5
    assert l2.measures["attack_success_rate"] == pytest.approx(success.mean())
    assert l2.measures["robust_accuracy"] == pytest.approx(1 - success.mean())
    assert l2.measures["mean_min_perturbation"] == pytest.approx(found.mean())
    assert l2.measures["n_attacked"] == 4 and l2.measures["query_cap"] == 1500
    assert l2.measures["n_queries"] <= 4 * 1500


def test_same_seed_same_attack(linear, l2) -> None:
    again = _run(*linear, epsilon=0.5, **PARAMS)
    assert again.measures == l2.measures


def test_linf_budget(linear) -> None:
    model, X, y = linear
    result = _run(model, X, y, norm="linf", epsilon=0.3, **PARAMS)
    table = json.loads(Path(result.resource("attacked_rows")["file"]).read_text())
    rows = [dict(zip(table["columns"], r, strict=True)) for r in table["rows"]]
    found = np.array([r["distance"] for r in rows if r["found"]])
    exact = _exact_minimum(model, X, [r["row"] for r in rows if r["found"]], np.inf)
    assert np.all(found >= exact - 1e-6)


def test_query_cap_is_enforced_and_reported(linear) -> None:
    result = _run(*linear, n_samples=3, max_iter=50, max_queries=40, seed=1)
    assert result.measures["n_queries"] <= 3 * 40
    assert result.measures["n_capped"] >= 1
    assert result.measures["query_cap"] == 40


def test_boundary_attack_runs_and_is_l2_only(linear) -> None:
    result = _run(*linear, attack="boundary", n_samples=2, max_iter=20, max_queries=800)
    assert result.measures["n_attacked"] == 2 and result.problems == []
    with pytest.raises(InvalidParameterError, match="must be 'l2' with attack 'boundary'"):
        _run(*linear, attack="boundary", norm="linf")
