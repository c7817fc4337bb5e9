"""dataset_profile against numpy, pandas and SciPy; the profile cache; bad inputs;
and one end-to-end `aiqm run` of a project using all five data-quality AITs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy import stats

from aiqm.exceptions import DataError
from aiqm.plugins.builtin._tabular import numeric, profile_cache
from aiqm.plugins.builtin._tabular.parallel import thread_map
from aiqm.plugins.builtin._tabular.profile import QUANTILES, ColumnProfile, profile_column
from aiqm.plugins.builtin.dataset_profile import dataset_profile
from aiqm.testing import AITRunResult, run_ait


def _rows(result: AITRunResult, name: str) -> list[dict[str, Any]]:
    doc = json.loads(Path(result.resource(name)["file"]).read_text("utf-8"))
    return [dict(zip(doc["columns"], row, strict=True)) for row in doc["rows"]]


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 1000
    x = rng.lognormal(0, 0.7, n)
    x[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({
        "x": x,
        "i": rng.integers(-5, 6, n),
        "t": rng.choice(["a", "b", "c", None], n, p=[0.5, 0.3, 0.15, 0.05]),
        "flag": rng.random(n) < 0.3,
    })


# -- statistics -----------------------------------------------------------------------------------


def test_numeric_profile_equals_numpy_pandas_and_scipy(frame: pd.DataFrame) -> None:
    p = profile_column("x", pa.chunked_array([frame["x"].to_numpy()]), n_bins=15)
    x = frame["x"].dropna().to_numpy()
    assert (p.kind, p.n_rows, p.n_missing, p.n_distinct) == ("numeric", 1000, frame["x"].isna().sum(),
                                                             np.unique(x).size)
    assert (p.min, p.max) == (x.min(), x.max())
    assert p.mean == pytest.approx(np.mean(x), rel=1e-12)
    assert p.std == pytest.approx(np.std(x, ddof=1), rel=1e-12)
    assert p.median == np.median(x)
    assert p.mad == pytest.approx(stats.median_abs_deviation(x), rel=1e-12)
    assert p.quantile_values == pytest.approx(np.quantile(x, QUANTILES).tolist(), rel=1e-12)
    counts, edges = np.histogram(x, bins=15)
    assert p.histogram_counts == counts.tolist()
    assert p.histogram_edges == pytest.approx(edges.tolist(), rel=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_sorted_statistics_equal_numpy_on_ties_and_small_samples(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    s = np.sort(rng.integers(0, 6, n).astype(float) if seed % 2 else rng.normal(size=n))
    qs = rng.random(7)
    assert numeric.quantiles_sorted(s, qs) == pytest.approx(np.quantile(s, qs), rel=1e-12, abs=1e-15)
    med = float(np.median(s))
    assert numeric.median_abs_deviation_sorted(s, med) == np.median(np.abs(s - med))
    other = float(rng.normal())
    assert numeric.median_abs_deviation_sorted(s, other) == np.median(np.abs(s - other))
    c, e = numeric.histogram_sorted(s, 7)
    ref_c, ref_e = np.histogram(s, 7)
    assert c.tolist() == ref_c.tolist() and e == pytest.approx(ref_e)
    assert numeric.distinct_count(s) == np.unique(s).size


def test_categorical_profile_equals_pandas_value_counts(frame: pd.DataFrame) -> None:
    p = profile_column("t", pa.chunked_array([pa.array(frame["t"], from_pandas=True)]))
    vc = frame["t"].value_counts()
    assert p.kind == "categorical" and p.categories_complete
    assert dict(p.categories) == vc.to_dict()
    assert [c for _, c in p.categories] == sorted(vc.tolist(), reverse=True)
    assert p.n_missing == frame["t"].isna().sum()
    assert p.n_numeric_like == 0 and not p.mixed_types


def test_the_ait_reports_measures_and_tables(frame: pd.DataFrame) -> None:
    result = run_ait(dataset_profile, datasets={"dataset": frame}, params={"top_k": 2})
    assert result.problems == [] and result.undefined == {}
    m = result.measures
    assert (m["n_rows"], m["n_columns"], m["n_numeric_columns"], m["n_categorical_columns"]) == (1000, 4, 2, 2)
    missing = frame.isna().mean().tolist()
    assert m["missing_ratio_per_column"] == pytest.approx(missing)
    assert m["missing_ratio"] == pytest.approx(frame.isna().to_numpy().mean())
    assert m["max_column_missing_ratio"] == pytest.approx(max(missing))
    assert m["distinct_count_per_column"] == frame.nunique().tolist()
    assert (m["empty_columns"], m["constant_columns"], m["mixed_type_columns"]) == (0, 0, 0)

    columns = {r["column"]: r for r in _rows(result, "columns")}
    assert columns["i"]["q0.5"] == np.median(frame["i"])
    assert columns["flag"]["kind"] == "boolean"
    top = [r for r in _rows(result, "top_categories") if r["column"] == "t"]
    vc = frame["t"].value_counts()
    assert [(r["value"], r["count"]) for r in top] == list(zip(vc.index[:2], vc.iloc[:2], strict=True))
    assert top[0]["share"] == pytest.approx(vc.iloc[0] / 1000)
    assert "Distributions" in Path(result.resource("distributions")["file"]).read_text("utf-8")
    download = json.loads(Path(result.resource("profile")["file"]).read_text("utf-8"))
    assert set(download["columns"]) == {"x", "i", "t", "flag"}


def test_profiles_are_cached_by_digest_and_reused(frame: pd.DataFrame, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first = run_ait(dataset_profile, datasets={"dataset": frame}, workdir=tmp_path)
    files = list((tmp_path / "cache" / "profiles").glob("*.json"))
    assert len(files) == 1 and files[0].name.endswith(".h20.v1.json")
    doc = json.loads(files[0].read_text("utf-8"))
    assert set(doc["columns"]) == {"x", "i", "t", "flag"}

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("profiled again")

    monkeypatch.setattr(profile_cache, "profile_table", forbidden)
    second = run_ait(dataset_profile, datasets={"dataset": frame}, workdir=tmp_path)
    assert second.measures == first.measures
    # a different number of bins is a different histogram: profiled again
    with pytest.raises(AssertionError, match="profiled again"):
        run_ait(dataset_profile, datasets={"dataset": frame}, workdir=tmp_path, params={"n_bins": 7})


def test_a_damaged_cache_file_is_ignored_and_rewritten(frame: pd.DataFrame, tmp_path: Path) -> None:
    run_ait(dataset_profile, datasets={"dataset": frame}, workdir=tmp_path)
    path = next((tmp_path / "cache" / "profiles").glob("*.json"))
    path.write_text("{not json", "utf-8")
    again = run_ait(dataset_profile, datasets={"dataset": frame}, workdir=tmp_path)
    assert again.measures["n_columns"] == 4
    assert json.loads(path.read_text("utf-8"))["format"] == profile_cache.FORMAT


def test_profile_json_round_trip() -> None:
    p = profile_column("x", pa.chunked_array([[1.0, 2.0, 2.0, None]]))
    assert ColumnProfile.from_json(json.loads(json.dumps(p.to_json()))) == p


def test_thread_map_keeps_order_and_propagates_errors() -> None:
    assert list(thread_map(lambda x: x * 2, range(50), workers=2)) == [2 * x for x in range(50)]

    def boom(x: int) -> int:
        if x == 3:
            raise ValueError("three")
        return x

    with pytest.raises(ValueError, match="three"):
        list(thread_map(boom, range(10), workers=2))


# -- bad and odd inputs -----------------------------------------------------------------------------


def test_empty_constant_mixed_and_infinite_columns_are_reported(tmp_path: Path) -> None:
    csv = tmp_path / "odd.csv"
    csv.write_text("empty,const,mixed,inf\n,7,1,1.5\n,7,2,inf\n,7,x,-inf\n,7,3,2.0\n", "utf-8")
    result = run_ait(dataset_profile, datasets={"dataset": csv}, workdir=tmp_path / "w")
    assert result.problems == []
    m = result.measures
    assert (m["empty_columns"], m["constant_columns"], m["mixed_type_columns"], m["infinite_values"]) == (1, 1, 1, 2)
    rows = {r["column"]: r for r in _rows(result, "columns")}
    assert rows["empty"]["kind"] == "null" and rows["empty"]["missing_ratio"] == 1.0
    assert rows["mixed"]["flags"] == "mixed types"
    assert rows["inf"]["min"] == 1.5 and rows["inf"]["max"] == 2.0  # infinities left out
    assert "infinite values" in rows["inf"]["flags"]


def test_single_row_dataset_has_undefined_spread_only() -> None:
    result = run_ait(dataset_profile, datasets={"dataset": pd.DataFrame({"x": [3.0], "s": ["a"]})})
    assert result.problems == []
    rows = {r["column"]: r for r in _rows(result, "columns")}
    assert rows["x"]["std"] is None and rows["x"]["q0.5"] == 3.0
    assert result.measures["constant_columns"] == 2


def test_empty_dataset_makes_ratios_undefined() -> None:
    result = run_ait(dataset_profile, datasets={"dataset": pd.DataFrame({"x": pd.Series([], dtype=float)})})
    assert "no rows" in result.undefined["missing_ratio"]
    assert result.measures["n_rows"] == 0


def test_unknown_column_lists_the_available_ones(frame: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"no column 'nope' \(columns: x, i, t, flag\)"):
        run_ait(dataset_profile, datasets={"dataset": frame}, params={"columns": ["nope"]})


def test_non_utf8_csv_is_a_clear_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "sjis.csv"
    bad.write_bytes("名前,x\n太郎,1\n".encode("shift_jis"))
    with pytest.raises(DataError, match="is not UTF-8 text"):
        run_ait(dataset_profile, datasets={"dataset": bad}, workdir=tmp_path / "w")


# -- end to end ------------------------------------------------------------------------------------


def test_aiqm_run_of_a_data_quality_project(tmp_path: Path) -> None:
    """All five AITs through the CLI and the process executor, sharing one profile cache."""
    from typer.testing import CliRunner

    from aiqm.cli.main import app

    rng = np.random.default_rng(0)
    n = 3000
    frame = pd.DataFrame({"age": rng.integers(18, 80, n), "income": rng.lognormal(3, 0.5, n),
                          "region": rng.choice(["n", "s", "e", "w"], n),
                          "label": rng.integers(0, 2, n)})
    frame.iloc[:2000].to_parquet(tmp_path / "train.parquet")
    frame.iloc[2000:].assign(income=lambda d: d["income"] * 1.5).to_parquet(tmp_path / "test.parquet")
    (tmp_path / "aiqm.yaml").write_text(textwrap.dedent("""\
        component: {name: data-quality, task: binary_classification}
        inventories:
          train: {kind: dataset, path: train.parquet, target: label}
          test: {kind: dataset, path: test.parquet, target: label}
        tests:
          - name: profile
            characteristic: B-3
            ait: dataset_profile@1
            inventories: {dataset: train}
          - name: drift
            characteristic: E-1
            ait: data_drift@1
            inventories: {reference: train, current: test}
            criteria: [{measure: drifted_column_ratio, op: "<=", value: 0.1}]
          - name: adequacy
            characteristic: B-3
            ait: data_adequacy@1
            inventories: {dataset: test, reference: train}
            criteria: [{measure: duplicate_row_ratio, op: "==", value: 0}]
          - name: coverage
            characteristic: A-2
            ait: combinatorial_coverage@1
            inventories: {dataset: train, test: test}
            parameters: {columns: [region, age], bins: {age: [18, 40, 60, 80]}, strengths: [1, 2]}
            criteria: [{measure: coverage_2way, op: ">=", value: 1}]
          - name: balance
            characteristic: B-2
            ait: distribution_uniformity@1
            inventories: {dataset: train}
            criteria: [{measure: imbalance_ratio, op: "<=", value: 1.5}]
        """), "utf-8")
    out = CliRunner().invoke(app, ["run", str(tmp_path), "--json"])
    summary = json.loads(out.stdout)
    status = {t["name"]: t["status"] for t in summary["tests"]}
    assert status == {"profile": "OK", "drift": "NG", "adequacy": "OK", "coverage": "OK",
                      "balance": "OK"}, summary
    assert out.exit_code == 1  # the drift test is NG: income was scaled by 1.5
    drift = next(t for t in summary["tests"] if t["name"] == "drift")
    assert drift["measures"]["drifted_columns"] == 1
    assert len(list((tmp_path / ".aiqm" / "cache" / "profiles").glob("*.json"))) == 2


def test_the_five_data_quality_aits_pass_the_conformance_suite() -> None:
    from aiqm.plugins.builtin.combinatorial_coverage import combinatorial_coverage
    from aiqm.plugins.builtin.data_adequacy import data_adequacy
    from aiqm.plugins.builtin.data_drift import data_drift
    from aiqm.plugins.builtin.distribution_uniformity import distribution_uniformity
    from aiqm.testing.conformance import check_ait

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["a", "b"], 200),
                          "y": rng.integers(0, 2, 200)})
    other = frame.assign(x=frame["x"] + 1)
    check_ait(dataset_profile, datasets={"dataset": frame})
    check_ait(data_drift, datasets={"reference": frame, "current": other})
    check_ait(data_adequacy, datasets={"dataset": other, "reference": frame}, targets={"dataset": "y"},
              params={"label_issues": True})
    check_ait(combinatorial_coverage, datasets={"dataset": frame, "test": other},
              params={"columns": ["c", "x"]})
    check_ait(distribution_uniformity, datasets={"dataset": frame}, targets={"dataset": "y"},
              params={"expected": {"y": {"0": 0.5, "1": 0.5}}, "planned_counts": {"1": 100}})
