"""combinatorial_coverage on hand-enumerated examples, and its bad inputs."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from aiqm.exceptions import DataError
from aiqm.plugins.builtin._tabular.binning import (
    bin_labels,
    categorical_attribute,
    parse_combination,
)
from aiqm.plugins.builtin._tabular.coverage import ComboCounter, exclusion_mask
from aiqm.plugins.builtin.combinatorial_coverage import combinatorial_coverage
from aiqm.testing import AITRunResult, run_ait


def _rows(result: AITRunResult, name: str) -> list[list[Any]]:
    return json.loads(Path(result.resource(name)["file"]).read_text("utf-8"))["rows"]


@pytest.fixture
def small() -> pd.DataFrame:
    """weather ∈ {sun, rain, snow} × time ∈ {day, night} × road ∈ {dry, wet}: 12 triples.

    Rows (with counts): (sun, day, dry) ×3, (sun, night, dry), (rain, day, wet) ×2,
    (rain, night, wet), (snow, night, wet). Snow is never seen by day.
    """
    rows = ([("sun", "day", "dry")] * 3 + [("sun", "night", "dry")] + [("rain", "day", "wet")] * 2
            + [("rain", "night", "wet")] + [("snow", "night", "wet")])
    return pd.DataFrame(rows, columns=["weather", "time", "road"])


def test_hand_enumerated_coverage(small: pd.DataFrame) -> None:
    result = run_ait(combinatorial_coverage, datasets={"dataset": small},
                     params={"columns": ["weather", "time", "road"], "min_count": 2})
    assert result.problems == []
    m = result.measures
    # 1-way: 7 values, all present
    assert m["coverage_1way"] == 1.0
    # 2-way: weather×time 6 pairs, 5 present (snow/day missing); weather×road 6, 3 present
    # (sun/dry, rain/wet, snow/wet); time×road 4, 4 present: 12 of 16
    assert m["coverage_2way"] == pytest.approx(12 / 16)
    # 3-way: 12 triples, 5 present
    assert m["coverage_3way"] == pytest.approx(5 / 12)
    assert (m["coverage"], m["n_combinations"], m["uncovered_combinations"]) == (pytest.approx(5 / 12), 12, 7)
    # triples with 1 row: (sun, night, dry), (rain, night, wet), (snow, night, wet)
    assert m["rare_combinations"] == 3
    assert m["min_count_coverage"] == pytest.approx(2 / 12)
    by_strength = {r[0]: r for r in _rows(result, "coverage_by_strength")}
    assert [by_strength[t][1:4] for t in (1, 2, 3)] == [[7, 0, 7], [16, 0, 12], [12, 0, 5]]
    uncovered = [r[1] for r in _rows(result, "uncovered") if r[0] == 2]
    assert sorted(uncovered) == sorted([
        "weather=snow & time=day", "weather=sun & road=wet", "weather=rain & road=dry",
        "weather=snow & road=dry"])


def test_counts_agree_with_brute_force() -> None:
    rng = np.random.default_rng(0)
    sizes = [3, 4, 2, 5]
    codes = [rng.integers(-1, s, 400) for s in sizes]  # -1: missing
    counter = ComboCounter(codes, sizes)
    for subset in itertools.combinations(range(4), 2):
        expected = np.zeros([sizes[i] for i in subset], dtype=np.int64)
        for row in range(400):
            vals = tuple(codes[i][row] for i in subset)
            if min(vals) >= 0:
                expected[vals] += 1
        assert np.array_equal(counter.counts(subset), expected)


def test_exclusions_remove_impossible_combinations_and_flag_rows(small: pd.DataFrame) -> None:
    result = run_ait(combinatorial_coverage, datasets={"dataset": small},
                     params={"columns": ["weather", "time"], "strengths": [2],
                             "exclude": ["weather=snow & time=day", "weather=sun & time=night"]})
    m = result.measures
    # 6 pairs − 2 excluded = 4 possible, all present except none: sun/day, rain/day, rain/night, snow/night
    assert (m["n_combinations"], m["coverage"], m["uncovered_combinations"]) == (4, 1.0, 0)
    assert m["impossible_rows"] == 1  # the (sun, night) row
    assert "coverage_1way" in result.undefined and "coverage_3way" in result.undefined


def test_exclusion_mask_of_a_partial_constraint() -> None:
    mask = exclusion_mask((0, 1), [3, 2], [{0: 2}])
    assert mask.tolist() == [[False, False], [False, False], [True, True]]
    assert not exclusion_mask((1,), [3, 2], [{0: 2}]).any()  # names an attribute outside the subset


def test_train_test_set_difference(small: pd.DataFrame) -> None:
    test = pd.DataFrame([("snow", "day", "wet"), ("sun", "day", "dry")], columns=["weather", "time", "road"])
    result = run_ait(combinatorial_coverage, datasets={"dataset": small, "test": test},
                     params={"columns": ["weather", "time"], "strengths": [1, 2]})
    m = result.measures
    # pairs: dataset has 5 of 6; test has (snow, day) and (sun, day)
    assert m["test_coverage"] == pytest.approx(2 / 6)
    assert m["test_only_combinations"] == 1  # (snow, day)
    assert m["dataset_only_combinations"] == 4  # (sun, night), (rain, day), (rain, night), (snow, night)
    diff = {(r[0], r[1]): r[2:] for r in _rows(result, "set_difference")}
    assert diff[(2, "weather=snow & time=day")] == ["test", 0, 1]
    assert diff[(1, "time=night")] == ["dataset", 3, 0]


def test_numeric_columns_are_binned_by_edges_or_quantiles() -> None:
    frame = pd.DataFrame({"age": [5, 15, 25, 35, 45, 95, np.nan, 200], "g": list("abababab")})
    result = run_ait(combinatorial_coverage, datasets={"dataset": frame},
                     params={"columns": ["age", "g"], "bins": {"age": [0, 10, 20, 100]}, "strengths": [1, 2]})
    attrs = {r[0]: r for r in _rows(result, "attributes")}
    assert attrs["age"][3] == "[0, 10), [10, 20), [20, 100]"
    assert "1 dataset row(s) outside the bins" in attrs["age"][4]
    assert "1 dataset row(s) missing" in attrs["age"][4]
    # age bins: [0,10) a; [10,20) b; [20,100] a, b, a, b  → all 6 pairs but ([0,10), b) and ([10,20), a)
    assert result.measures["coverage_2way"] == pytest.approx(4 / 6)

    quantiles = run_ait(combinatorial_coverage, datasets={"dataset": pd.DataFrame({
        "x": np.arange(100.0), "g": ["a"] * 100})}, params={"columns": ["x"], "n_bins": 4, "strengths": [1]})
    labels = _rows(quantiles, "attributes")[0][3]
    assert labels == ", ".join(bin_labels([-np.inf, *np.quantile(np.arange(100.0), [0.25, 0.5, 0.75]), np.inf],
                                          closed_last=False))
    assert quantiles.measures["coverage_1way"] == 1.0


def test_declared_values_count_unseen_ones_as_uncovered(small: pd.DataFrame) -> None:
    result = run_ait(combinatorial_coverage, datasets={"dataset": small},
                     params={"columns": ["weather"], "values": {"weather": ["sun", "rain", "snow", "fog"]},
                             "strengths": [1]})
    assert result.measures["coverage_1way"] == 0.75
    assert _rows(result, "uncovered") == [[1, "weather=fog"]]


def test_parse_combination_messages() -> None:
    attrs = [categorical_attribute("w", ["sun"]), categorical_attribute("t", ["day"])]
    assert parse_combination("w = sun & t=day", attrs) == {0: 0, 1: 0}
    with pytest.raises(DataError, match=r"names 'x', which is not one of the columns \(w, t\)"):
        parse_combination("x=1", attrs)
    with pytest.raises(DataError, match=r"'rain' is not a value of 'w' \(values: sun\)"):
        parse_combination("w=rain", attrs)
    with pytest.raises(DataError, match="write 'column=value"):
        parse_combination("sun", attrs)


# -- bad inputs -------------------------------------------------------------------------------------


def test_undeclared_values_are_an_input_error(small: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"values that are not listed: 'snow' \(1 rows\)"):
        run_ait(combinatorial_coverage, datasets={"dataset": small},
                params={"columns": ["weather"], "values": {"weather": ["sun", "rain"]}})


def test_missing_column_and_unknown_parameter_keys(small: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"no column 'speed' \(columns: weather, time, road\)"):
        run_ait(combinatorial_coverage, datasets={"dataset": small}, params={"columns": ["speed"]})
    with pytest.raises(DataError, match="the 'bins' parameter names 'road'"):
        run_ait(combinatorial_coverage, datasets={"dataset": small},
                params={"columns": ["weather"], "bins": {"road": [0, 1]}})


def test_identifier_and_all_missing_columns_are_refused() -> None:
    ids = pd.DataFrame({"id": [f"u{i}" for i in range(300)], "empty": [None] * 300})
    with pytest.raises(DataError, match="300 distinct values"):
        run_ait(combinatorial_coverage, datasets={"dataset": ids}, params={"columns": ["id"]})
    with pytest.raises(DataError, match="has no value"):
        run_ait(combinatorial_coverage, datasets={"dataset": ids}, params={"columns": ["empty"]})


def test_constant_and_single_row_data_are_defined() -> None:
    one = pd.DataFrame({"a": ["x"], "b": [1.0]})
    result = run_ait(combinatorial_coverage, datasets={"dataset": one}, params={"columns": ["a", "b"]})
    assert result.problems == []
    assert result.measures["coverage_2way"] == 1.0  # one value each, one pair, present
    assert "3 attributes" in result.undefined["coverage_3way"]
