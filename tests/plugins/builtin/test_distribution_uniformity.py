"""distribution_uniformity against hand counts and SciPy (entropy, chisquare, jensenshannon)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from aiqm.exceptions import DataError
from aiqm.plugins.builtin._tabular import profile_cache
from aiqm.plugins.builtin.dataset_profile import dataset_profile
from aiqm.plugins.builtin.distribution_uniformity import (
    balance_stats,
    distribution_uniformity,
    goodness_of_fit,
)
from aiqm.testing import AITRunResult, run_ait


def _rows(result: AITRunResult, name: str) -> list[dict[str, Any]]:
    doc = json.loads(Path(result.resource(name)["file"]).read_text("utf-8"))
    return [dict(zip(doc["columns"], row, strict=True)) for row in doc["rows"]]


@pytest.fixture
def frame() -> pd.DataFrame:
    """label 30 × 0 and 10 × 1; weather 20 sun, 15 rain, 5 snow; time alternating day/night."""
    return pd.DataFrame({"label": [0] * 30 + [1] * 10,
                         "weather": ["sun"] * 20 + ["rain"] * 15 + ["snow"] * 5,
                         "time": ["day", "night"] * 20,
                         "speed": np.linspace(0, 99, 40)})


def test_balance_of_the_target_by_default(frame: pd.DataFrame) -> None:
    result = run_ait(distribution_uniformity, datasets={"dataset": frame}, targets={"dataset": "label"})
    m = result.measures
    assert m["imbalance_ratio"] == 3.0 and m["imbalance_ratio_per_column"] == [3.0]
    h = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert m["normalized_entropy"] == pytest.approx(h / math.log(2), rel=1e-12)
    assert m["minority_share"] == 0.25
    assert "no expected distribution" in result.undefined["expected_chi2_p_value"]
    assert "no planned volumes" in result.undefined["min_plan_fulfilment"]


def test_several_columns_and_numeric_bins(frame: pd.DataFrame) -> None:
    result = run_ait(distribution_uniformity, datasets={"dataset": frame},
                     params={"columns": ["weather", "speed"], "bins": {"speed": [0, 50, 100]}})
    m = result.measures
    assert m["imbalance_ratio_per_column"] == [4.0, pytest.approx(20 / 20)]
    assert m["imbalance_ratio"] == 4.0
    counts = np.array([20, 15, 5])
    assert m["normalized_entropy_per_column"][0] == pytest.approx(stats.entropy(counts) / math.log(3), rel=1e-12)
    assert m["minority_share"] == 5 / 40
    balance = {r["column"]: r for r in _rows(result, "balance")}
    assert balance["weather"]["minority"] == "snow"
    assert balance["speed"]["encoding"] == "binned"


def test_goodness_of_fit_equals_scipy(frame: pd.DataFrame) -> None:
    expected = {"sun": 0.5, "rain": 0.3, "snow": 0.2}
    result = run_ait(distribution_uniformity, datasets={"dataset": frame},
                     params={"columns": ["weather"], "expected": {"weather": expected}})
    obs = np.array([20, 15, 5])
    exp = np.array([0.5, 0.3, 0.2])
    chi = stats.chisquare(obs, exp * 40)
    m = result.measures
    assert m["expected_chi2_p_value"] == pytest.approx(chi.pvalue, rel=1e-12)
    assert m["expected_kl_divergence"] == pytest.approx(stats.entropy(obs / 40, exp), rel=1e-12)
    assert m["expected_js_distance"] == pytest.approx(jensenshannon(obs / 40, exp), rel=1e-12)
    fit = _rows(result, "goodness_of_fit")[0]
    assert fit["chi2_statistic"] == pytest.approx(1.875) and fit["dof"] == 2
    shares = {r["category"]: r["expected_share"] for r in _rows(result, "categories")}
    assert shares == {"sun": 0.5, "rain": 0.3, "snow": 0.2}


def test_expected_counts_are_normalised_and_unseen_categories_count(frame: pd.DataFrame) -> None:
    result = run_ait(distribution_uniformity, datasets={"dataset": frame},
                     params={"columns": ["weather"],
                             "expected": {"weather": {"sun": 50, "rain": 30, "snow": 15, "fog": 5}}})
    obs = np.array([20, 15, 5, 0])
    exp = np.array([0.5, 0.3, 0.15, 0.05])
    assert result.measures["expected_chi2_p_value"] == pytest.approx(
        stats.chisquare(obs, exp * 40).pvalue, rel=1e-12)
    # fog has no row: the imbalance ratio is infinite, so undefined
    assert "has no row" in result.undefined["imbalance_ratio"]


def test_a_category_expected_never_makes_chi2_and_kl_undefined() -> None:
    fit = goodness_of_fit(np.array([5, 1]), np.array([1.0, 0.0]))
    assert fit["chi2_p_value"] is None and fit["kl_divergence"] is None
    assert fit["js_distance"] == pytest.approx(jensenshannon([5 / 6, 1 / 6], [1.0, 0.0]))


def test_balance_stats_hand_cases() -> None:
    assert balance_stats(np.array([10, 10, 10])) == {
        "imbalance_ratio": 1.0, "normalized_entropy": pytest.approx(1.0), "minority_share": pytest.approx(1 / 3)}
    single = balance_stats(np.array([7]))
    assert single["imbalance_ratio"] == 1.0 and single["normalized_entropy"] is None


def test_planned_volumes_per_case(frame: pd.DataFrame) -> None:
    result = run_ait(distribution_uniformity, datasets={"dataset": frame},
                     params={"columns": ["weather"], "case_columns": ["weather", "time"],
                             "planned_counts": {"weather=snow & time=night": 5, "weather=sun & time=day": 8,
                                                "weather=fog & time=day": 2}})
    m = result.measures
    # snow rows 35..39: nights at 35, 37, 39 → 3; sun rows 0..19: days at even rows → 10; fog → 0
    assert m["plan_fulfilment_per_case"] == [0.6, 1.25, 0.0]
    assert (m["min_plan_fulfilment"], m["cases_below_plan"]) == (0.0, 2)
    assert [r["rows"] for r in _rows(result, "plan")] == [3, 10, 0]


def test_single_case_column_accepts_bare_values(frame: pd.DataFrame) -> None:
    result = run_ait(distribution_uniformity, datasets={"dataset": frame},
                     params={"columns": ["weather"], "planned_counts": {"rain": 10}})
    assert result.measures["plan_fulfilment_per_case"] == [1.5]


def test_counts_come_from_the_cached_profile(frame: pd.DataFrame, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    run_ait(dataset_profile, datasets={"dataset": frame}, workdir=tmp_path)

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("profiled again")

    monkeypatch.setattr(profile_cache, "profile_table", forbidden)
    result = run_ait(distribution_uniformity, datasets={"dataset": frame}, workdir=tmp_path,
                     params={"columns": ["weather", "time"]})
    assert result.measures["imbalance_ratio_per_column"] == [4.0, 1.0]


# -- bad inputs -------------------------------------------------------------------------------------


def test_constant_column_has_undefined_entropy() -> None:
    result = run_ait(distribution_uniformity, datasets={"dataset": pd.DataFrame({"c": ["a"] * 5})})
    assert "fewer than two categories" in result.undefined["normalized_entropy"]
    assert result.measures["imbalance_ratio"] == 1.0


def test_numeric_column_needs_bins(frame: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"give its bin edges under 'bins'"):
        run_ait(distribution_uniformity, datasets={"dataset": frame}, params={"columns": ["speed"]})


def test_values_missing_from_expected_are_named(frame: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"values not listed in 'expected': 'snow'"):
        run_ait(distribution_uniformity, datasets={"dataset": frame},
                params={"columns": ["weather"], "expected": {"weather": {"sun": 1, "rain": 1}}})


def test_missing_column_and_all_missing_column(frame: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"no column 'colour' \(columns: label, weather, time, speed\)"):
        run_ait(distribution_uniformity, datasets={"dataset": frame}, params={"columns": ["colour"]})
    empty = pd.DataFrame({"e": pd.Series([None, None], dtype="string")})
    with pytest.raises(DataError, match="every cell is missing"):
        run_ait(distribution_uniformity, datasets={"dataset": empty}, params={"columns": ["e"]})


def test_single_row_dataset(frame: pd.DataFrame) -> None:
    result = run_ait(distribution_uniformity, datasets={"dataset": frame.iloc[:1]},
                     targets={"dataset": "label"})
    assert result.measures["imbalance_ratio"] == 1.0
    assert "normalized_entropy" in result.undefined
