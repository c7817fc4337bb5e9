"""group_fairness against a hand-computed table and against fairlearn itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import fairlearn.metrics as fm
import numpy as np
import pandas as pd
import pytest

from aiqm.data.cache import materialise
from aiqm.data.digest import sha256_path
from aiqm.exceptions import DataError
from aiqm.plugins.builtin.group_fairness import group_fairness
from aiqm.testing import AITRunResult, run_ait

# Hand-computed table (labels y, predictions p; groups by `sex` and `age`):
#   F: y=1 1 1 0 0 ; p=1 1 0 1 0  -> sel 3/5, TPR 2/3, FPR 1/2, FNR 1/3, precision 2/3
#   M: y=1 0 0 0   ; p=1 1 0 0    -> sel 2/4, TPR 1/1, FPR 1/3, FNR 0,   precision 1/2
#   X: y=0 0 0     ; p=1 0 0      -> sel 1/3, TPR undefined (no positive), FPR 1/3, precision 0
HAND = pd.DataFrame({
    "sex": ["F"] * 5 + ["M"] * 4 + ["X"] * 3,
    "age": ["young", "old", "young", "old", "young", "young", "young", "old", "old",
            "young", "young", "young"],
    "y": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0],
    "p": [1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0],
})


def _predictions_input(frame: pd.DataFrame, tmp_path: Path, column: str = "p") -> tuple[Path, dict]:
    path = tmp_path / "scored.parquet"
    frame.to_parquet(path)
    digest = sha256_path(path)
    arrow = materialise(path, "auto", digest, tmp_path / "cache")
    spec = {"kind": "predictions", "inventory": "scores", "dataset_digest": digest,
            "arrow_path": str(arrow), "column": column, "proba_columns": [], "classes": []}
    return path, spec


def _run(frame: pd.DataFrame, tmp_path: Path, **params: Any) -> AITRunResult:
    path, spec = _predictions_input(frame, tmp_path)
    return run_ait(group_fairness, datasets={"dataset": path}, targets={"dataset": "y"},
                   inputs={"model": spec}, params=params, workdir=tmp_path)


def _table(result: AITRunResult, name: str = "groups") -> list[dict]:
    t = json.loads(Path(result.resource(name)["file"]).read_text())
    return [dict(zip(t["columns"], r, strict=True)) for r in t["rows"]]


def test_hand_computed_rates_and_disparities(tmp_path: Path) -> None:
    r = _run(HAND, tmp_path, sensitive=["sex"], min_group_size=1)
    m = r.measures
    assert m["selection_rate_per_group"] == pytest.approx([3 / 5, 2 / 4, 1 / 3])
    assert m["false_positive_rate_per_group"] == pytest.approx([1 / 2, 1 / 3, 1 / 3])
    assert m["precision_per_group"] == pytest.approx([2 / 3, 1 / 2, 0.0])
    assert m["group_size_per_group"] == [5, 4, 3]
    assert m["demographic_parity_difference"] == pytest.approx(3 / 5 - 1 / 3)
    assert m["demographic_parity_ratio"] == pytest.approx((1 / 3) / (3 / 5))
    # TPR is undefined for X (no positive row): left out of the TPR disparity
    assert "undefined in group(s) X" in r.undefined["true_positive_rate_per_group"]
    assert m["equal_opportunity_difference"] == pytest.approx(1 - 2 / 3)
    assert m["equal_opportunity_ratio"] == pytest.approx(2 / 3)
    assert m["equalized_odds_difference"] == pytest.approx(max(1 - 2 / 3, 1 / 2 - 1 / 3))
    assert m["equalized_odds_ratio"] == pytest.approx(min(2 / 3, (1 / 3) / (1 / 2)))
    assert m["n_single_class_groups"] == 1
    rows = _table(r)
    x = next(row for row in rows if row["group"] == "X")
    assert x["true_positive_rate"] is None and x["note"] == "single class"


def test_zero_mode_equals_fairlearn_on_the_hand_table(tmp_path: Path) -> None:
    r = _run(HAND, tmp_path, sensitive=["sex"], min_group_size=1, undefined_rates="zero")
    y, p, s = HAND["y"], HAND["p"], HAND["sex"]
    m = r.measures
    assert m["equal_opportunity_difference"] == pytest.approx(
        fm.equal_opportunity_difference(y, p, sensitive_features=s))  # X counts as TPR 0
    assert m["equalized_odds_difference"] == pytest.approx(
        fm.equalized_odds_difference(y, p, sensitive_features=s))
    assert m["true_positive_rate_per_group"] == pytest.approx([2 / 3, 1.0, 0.0])


def test_empty_intersections_and_small_groups_are_reported(tmp_path: Path) -> None:
    # sex × age: X has no 'old' row -> an empty group; every other cell is 1-3 rows
    r = _run(HAND, tmp_path, sensitive=["sex", "age"], min_group_size=3)
    m = r.measures
    assert m["n_groups"] == 6 and m["n_empty_groups"] == 1
    rows = _table(r)
    cross = [row for row in rows if row["groups"] == "sex × age"]
    assert len(cross) == 6
    empty = next(row for row in cross if row["size"] == 0)
    assert (empty["sex"], empty["age"], empty["note"]) == ("X", "old", "empty")
    sizes = {(row["sex"], row["age"]): row["size"] for row in cross}
    assert sizes == {("F", "old"): 2, ("F", "young"): 3, ("M", "old"): 2, ("M", "young"): 2,
                     ("X", "old"): 0, ("X", "young"): 3}
    assert m["n_evaluated_groups"] == 2 and m["n_small_groups"] == 3
    assert m["smallest_group_size"] == 2
    assert [row["groups"] for row in _table(r, "disparities")] == ["sex", "age", "sex × age"]


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 3000
    frame = pd.DataFrame({
        "race": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]),
        "sex": rng.choice(["F", "M"], n),
        "age": rng.integers(18, 80, n),
    })
    base = 0.3 + 0.2 * (frame["race"] == "a") + 0.1 * (frame["sex"] == "M")
    frame["y"] = (rng.random(n) < base).astype(int)
    frame["p"] = np.where(rng.random(n) < 0.75, frame["y"], 1 - frame["y"])
    frame.loc[(frame["race"] == "c") & (rng.random(n) < 0.3), "p"] = 1
    return frame


@pytest.mark.parametrize("sensitive", [["race"], ["race", "sex"]])
def test_disparities_equal_fairlearn(synthetic: pd.DataFrame, tmp_path: Path, sensitive) -> None:
    r = _run(synthetic, tmp_path, sensitive=sensitive, min_group_size=1, undefined_rates="zero")
    y, p, s = synthetic["y"], synthetic["p"], synthetic[sensitive]
    m = r.measures
    assert m["demographic_parity_difference"] == pytest.approx(
        fm.demographic_parity_difference(y, p, sensitive_features=s))
    assert m["demographic_parity_ratio"] == pytest.approx(
        fm.demographic_parity_ratio(y, p, sensitive_features=s))
    assert m["equalized_odds_difference"] == pytest.approx(
        fm.equalized_odds_difference(y, p, sensitive_features=s))
    assert m["equalized_odds_ratio"] == pytest.approx(
        fm.equalized_odds_ratio(y, p, sensitive_features=s))
    assert m["equal_opportunity_difference"] == pytest.approx(
        fm.equal_opportunity_difference(y, p, sensitive_features=s))
    assert m["equal_opportunity_ratio"] == pytest.approx(
        fm.equal_opportunity_ratio(y, p, sensitive_features=s))
    frame = fm.MetricFrame(
        metrics={"selection_rate": fm.selection_rate, "true_positive_rate": fm.true_positive_rate,
                 "false_positive_rate": fm.false_positive_rate,
                 "false_negative_rate": fm.false_negative_rate, "count": fm.count},
        y_true=y, y_pred=p, sensitive_features=s)
    by_group = frame.by_group  # sorted by the sensitive values, like aiqm's groups
    for name in ("selection_rate", "true_positive_rate", "false_positive_rate",
                 "false_negative_rate"):
        assert m[f"{name}_per_group"] == pytest.approx(by_group[name].tolist()), name
    assert m["group_size_per_group"] == by_group["count"].astype(int).tolist()


def test_min_group_size_leaves_small_groups_out(synthetic: pd.DataFrame, tmp_path: Path) -> None:
    frame = synthetic.copy()
    frame.loc[frame.index[:7], "race"] = "d"  # a tiny group with extreme rates
    frame.loc[frame.index[:7], "p"] = 1
    r = _run(frame, tmp_path, sensitive=["race"], min_group_size=30)
    big = frame[frame["race"] != "d"]
    assert r.measures["demographic_parity_difference"] == pytest.approx(
        fm.demographic_parity_difference(big["y"], big["p"], sensitive_features=big["race"]))
    assert r.measures["n_small_groups"] == 1
    d = next(row for row in _table(r) if row["group"] == "d")
    assert d["size"] == 7 and not d["evaluated"] and d["note"] == "below min_group_size"


def test_numeric_attribute_is_binned(synthetic: pd.DataFrame, tmp_path: Path) -> None:
    r = _run(synthetic, tmp_path, sensitive=["age"], n_bins=4, min_group_size=1)
    assert r.measures["n_groups"] == 4
    assert sum(r.measures["group_size_per_group"]) == len(synthetic)


def test_works_from_a_model(synthetic: pd.DataFrame) -> None:
    from sklearn.linear_model import LogisticRegression

    X = pd.get_dummies(synthetic[["race", "sex"]]).astype(float)
    model = LogisticRegression().fit(X, synthetic["y"])
    frame = X.assign(y=synthetic["y"].to_numpy(), race=synthetic["race"].to_numpy())
    r = run_ait(group_fairness, datasets={"dataset": frame}, targets={"dataset": "y"},
                models={"model": _Ignoring(model)}, params={"sensitive": ["race"]})
    pred = model.predict(X)
    assert r.measures["demographic_parity_difference"] == pytest.approx(
        fm.demographic_parity_difference(synthetic["y"], pred, sensitive_features=synthetic["race"]))


def test_multiclass_needs_a_positive_label(tmp_path: Path) -> None:
    frame = HAND.assign(y=[0, 1, 2] * 4, p=[0, 1, 2] * 4)
    with pytest.raises(DataError, match="set `positive_label`"):
        _run(frame, tmp_path, sensitive=["sex"])
    r = _run(frame, tmp_path, sensitive=["sex"], positive_label="2", min_group_size=1)
    assert r.measures["true_positive_rate_per_group"] == pytest.approx([1.0, 1.0, 1.0])


def test_unknown_sensitive_column(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"no column 'gender'.*set `sensitive`"):
        _run(HAND, tmp_path, sensitive=["gender"])


class _Ignoring:
    """Predict from the dummy columns only (the dataset also holds `race`)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.classes_ = model.classes_

    def _x(self, X: Any) -> Any:
        cols = list(self.model.feature_names_in_)
        return pd.DataFrame(np.asarray(X)[:, : len(cols)].astype(float), columns=cols)

    def predict(self, X: Any) -> np.ndarray:
        return self.model.predict(self._x(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.model.predict_proba(self._x(X))
