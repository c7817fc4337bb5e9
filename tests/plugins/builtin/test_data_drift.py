"""data_drift: every statistic against SciPy, method choice, profile reuse, bad inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from aiqm.exceptions import DataError
from aiqm.plugins.builtin._tabular import drift as drift_mod
from aiqm.plugins.builtin._tabular import drift_stats as ds
from aiqm.plugins.builtin.data_drift import data_drift
from aiqm.plugins.builtin.dataset_profile import dataset_profile
from aiqm.testing import AITRunResult, run_ait


def _table(result: AITRunResult, name: str) -> list[dict[str, Any]]:
    doc = json.loads(Path(result.resource(name)["file"]).read_text("utf-8"))
    return [dict(zip(doc["columns"], row, strict=True)) for row in doc["rows"]]


def _by_column(result: AITRunResult) -> dict[str, dict[str, Any]]:
    return {r["column"]: r for r in _table(result, "column_drift")}


def _samples(kind: str, rng: np.random.Generator, n1: int, n2: int) -> tuple[np.ndarray, np.ndarray]:
    if kind == "continuous":
        return rng.normal(size=n1), rng.normal(0.2, 1.3, size=n2)
    if kind == "ties":  # heavy ties within and across the samples
        return rng.integers(0, 8, n1).astype(float), rng.integers(2, 9, n2).astype(float)
    if kind == "rounded":
        return np.round(rng.normal(size=n1), 1), np.round(rng.normal(0.1, size=n2), 1)
    # one sample partly copied into the other
    a = rng.normal(size=n1)
    return a, np.concatenate([a[: n2 // 2], rng.normal(size=n2 - n2 // 2)])


# -- statistics against SciPy -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["continuous", "ties", "rounded", "shared"])
@pytest.mark.parametrize("seed", range(8))
def test_ks_and_wasserstein_equal_scipy(kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n1, n2 = (int(x) for x in rng.integers(1, 400, 2))
    a, b = _samples(kind, rng, n1, n2)
    ks, w = ds.ks_wasserstein_sorted(np.sort(a), np.sort(b))
    assert ks == pytest.approx(stats.ks_2samp(a, b, method="asymp").statistic, abs=1e-12)
    assert w == pytest.approx(stats.wasserstein_distance(a, b), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("kind", ["continuous", "ties"])
def test_ks_and_wasserstein_equal_scipy_on_large_samples(kind: str) -> None:
    """Large enough for the block-wise search of the merge (more than 65 536 values)."""
    rng = np.random.default_rng(5)
    a, b = _samples(kind, rng, 90_000, 120_000)
    if kind == "ties":
        a, b = a * 1000 + rng.integers(0, 50, a.size), b * 1000 + rng.integers(0, 50, b.size)
    ks, w = ds.ks_wasserstein_sorted(np.sort(a), np.sort(b))
    assert ks == pytest.approx(stats.ks_2samp(a, b, method="asymp").statistic, abs=1e-12)
    assert w == pytest.approx(stats.wasserstein_distance(a, b), rel=1e-12)


def test_ks_and_wasserstein_of_single_values_and_identical_samples() -> None:
    one, other = np.array([1.0]), np.array([3.0])
    assert ds.ks_wasserstein_sorted(one, other) == (1.0, 2.0)
    same = np.sort(np.random.default_rng(1).integers(0, 4, 50).astype(float))
    assert ds.ks_wasserstein_sorted(same, same) == (0.0, 0.0)


@pytest.mark.parametrize(("n1", "n2"), [(300, 500), (10_000, 10_000), (12_000, 15_000)])
def test_ks_pvalue_equals_scipy_exact_and_asymptotic(n1: int, n2: int) -> None:
    rng = np.random.default_rng(n1)
    a, b = np.sort(rng.normal(size=n1)), np.sort(rng.normal(0.03, size=n2))
    d, _ = ds.ks_wasserstein_sorted(a, b)
    statistic, p = ds.ks_pvalue(d, a, b)
    ref = stats.ks_2samp(a, b)
    assert statistic == pytest.approx(ref.statistic, abs=1e-12)
    assert p == pytest.approx(ref.pvalue, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("seed", range(5))
def test_chi2_homogeneity_equals_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    r, c = rng.integers(0, 50, 6), rng.integers(0, 50, 6)
    r[0], c[0] = 0, 0  # an empty category is left out
    statistic, p, dof = ds.chi2_homogeneity(r, c)
    keep = (r + c) > 0
    ref = stats.chi2_contingency(np.array([r[keep], c[keep]]), correction=False)
    assert (statistic, p, dof) == (pytest.approx(ref.statistic, rel=1e-12),
                                   pytest.approx(ref.pvalue, rel=1e-12), ref.dof)


def test_chi2_of_a_single_category_is_no_evidence_of_drift() -> None:
    assert ds.chi2_homogeneity(np.array([5]), np.array([9])) == (0.0, 1.0, 0)


def test_jensenshannon_equals_scipy_distance() -> None:
    p, q = np.array([10, 0, 5, 3]), np.array([2, 7, 5, 0])
    assert ds.jensenshannon_distance(p, q) == pytest.approx(jensenshannon(p, q), rel=1e-12)
    assert ds.jensenshannon_distance(p, p) == 0.0


def test_psi_hand_computed_with_epsilon_for_empty_bins() -> None:
    # shares r = (0.5, 0.5, 0), c = (0.25, 0.5, 0.25); the empty reference bin becomes 1e-4
    value = ds.psi(np.array([2, 2, 0]), np.array([1, 2, 1]))
    expected = (0.25 - 0.5) * np.log(0.25 / 0.5) + 0 + (0.25 - 1e-4) * np.log(0.25 / 1e-4)
    assert value == pytest.approx(expected, rel=1e-12)
    assert ds.psi(np.array([3, 1]), np.array([3, 1])) == 0.0


def test_quantile_bins_and_counts_by_hand() -> None:
    ref = np.arange(1.0, 11.0)  # deciles of 1..10 at 1.9, 2.8, … (linear interpolation)
    edges = ds.quantile_edges(ref, 5)
    assert edges.tolist() == pytest.approx(np.quantile(ref, [0.2, 0.4, 0.6, 0.8]).tolist())
    assert ds.binned_counts_sorted(ref, edges).tolist() == [2, 2, 2, 2, 2]
    assert ds.binned_counts_sorted(np.array([0.0, 100.0]), edges).tolist() == [1, 0, 0, 0, 1]


# -- the AIT --------------------------------------------------------------------------------------


@pytest.fixture
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(7)
    n = 800

    def make(shift: float, p: list[float]) -> pd.DataFrame:
        x = rng.normal(shift, 1, n)
        x[rng.random(n) < 0.05] = np.nan
        return pd.DataFrame({
            "x": x,
            "steady": rng.uniform(0, 1, n),
            "k": rng.integers(0, 3, n),  # 3 distinct numbers: compared as categories
            "colour": rng.choice(["red", "green", "blue"], n, p=p),
        })

    return make(0.0, [0.5, 0.3, 0.2]), make(0.6, [0.2, 0.3, 0.5])


def test_small_data_uses_tests_and_statistics_equal_scipy(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    ref, cur = frames
    result = run_ait(data_drift, datasets={"reference": ref, "current": cur})
    assert result.problems == []
    rows = _by_column(result)
    assert [rows[c]["method"] for c in ("x", "steady", "k", "colour")] == ["ks", "ks", "chi2", "chi2"]

    a, b = ref["x"].dropna().to_numpy(), cur["x"].dropna().to_numpy()  # NaN left out
    ks = stats.ks_2samp(a, b)
    assert rows["x"]["ks_statistic"] == pytest.approx(ks.statistic, abs=1e-12)
    assert rows["x"]["ks_p_value"] == pytest.approx(ks.pvalue, rel=1e-12)
    assert rows["x"]["score"] == rows["x"]["ks_p_value"]
    assert rows["x"]["wasserstein"] == pytest.approx(stats.wasserstein_distance(a, b), rel=1e-12)
    assert rows["x"]["wasserstein_normed"] == pytest.approx(
        stats.wasserstein_distance(a, b) / np.std(a), rel=1e-12)
    assert rows["x"]["reference_missing_ratio"] == pytest.approx(ref["x"].isna().mean())
    assert (rows["x"]["reference_values"], rows["x"]["current_values"]) == (a.size, b.size)

    counts = pd.crosstab(pd.concat([ref["colour"], cur["colour"]]),
                         np.repeat([0, 1], [len(ref), len(cur)])).to_numpy().T
    chi2 = stats.chi2_contingency(counts, correction=False)
    assert rows["colour"]["chi2_statistic"] == pytest.approx(chi2.statistic, rel=1e-12)
    assert rows["colour"]["chi2_p_value"] == pytest.approx(chi2.pvalue, rel=1e-12)
    assert rows["colour"]["jensenshannon"] == pytest.approx(jensenshannon(counts[0], counts[1]), rel=1e-12)

    assert rows["x"]["drifted"] and rows["colour"]["drifted"]
    assert not rows["steady"]["drifted"] and not rows["k"]["drifted"]
    assert result.measures["drifted_columns"] == 2
    assert result.measures["drifted_column_ratio"] == 0.5
    assert result.measures["dataset_drift"] is True  # 0.5 >= drift_share 0.5
    assert result.measures["column_drift_detected"] == [True, False, False, True]
    assert result.measures["drift_score_per_column"] == pytest.approx(
        [rows[c]["score"] for c in ("x", "steady", "k", "colour")])


def test_large_data_uses_distances(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    ref, cur = frames
    result = run_ait(data_drift, datasets={"reference": ref, "current": cur},
                     params={"size_threshold": 100})
    rows = _by_column(result)
    assert [rows[c]["method"] for c in ("x", "steady", "k", "colour")] == [
        "wasserstein", "wasserstein", "jensenshannon", "jensenshannon"]
    assert rows["x"]["ks_p_value"] is None  # computed only when KS judges the column
    assert rows["x"]["ks_statistic"] is not None
    assert rows["x"]["drifted"] and rows["colour"]["drifted"] and not rows["steady"]["drifted"]


@pytest.mark.parametrize(("method", "key"), [("psi", "psi"), ("jensenshannon", "jensenshannon")])
def test_forced_methods_judge_by_their_statistic(frames: tuple[pd.DataFrame, pd.DataFrame],
                                                 method: str, key: str) -> None:
    ref, cur = frames
    result = run_ait(data_drift, datasets={"reference": ref, "current": cur},
                     params={"numeric_method": method, "categorical_method": method,
                             "columns": ["x", "colour"]})
    rows = _by_column(result)
    for c in ("x", "colour"):
        assert rows[c]["method"] == method
        assert rows[c]["score"] == rows[c][key]
        assert rows[c]["threshold"] == 0.1


def test_numeric_psi_uses_reference_deciles(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    ref, cur = frames
    result = run_ait(data_drift, datasets={"reference": ref, "current": cur}, params={"columns": ["x"]})
    a, b = np.sort(ref["x"].dropna().to_numpy()), np.sort(cur["x"].dropna().to_numpy())
    edges = np.unique(np.quantile(a, np.linspace(0, 1, 11)[1:-1]))
    # the bins are closed on the right: count values <= each edge
    rc = np.diff(np.r_[0, np.searchsorted(a, edges, "right"), a.size])
    cc = np.diff(np.r_[0, np.searchsorted(b, edges, "right"), b.size])
    r, c = rc / rc.sum(), cc / cc.sum()
    assert _by_column(result)["x"]["psi"] == pytest.approx(float(np.sum((c - r) * np.log(c / r))), rel=1e-12)


def test_column_drift_figures_and_table_cover_every_column(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    ref, cur = frames
    result = run_ait(data_drift, datasets={"reference": ref, "current": cur}, params={"max_plots": 2})
    assert len(_table(result, "column_drift")) == 4
    scores = Path(result.resource("drift_scores")["file"]).read_text("utf-8")
    assert "Drift by column: 2 of 4 drifted" in scores
    dist = Path(result.resource("column_distributions")["file"]).read_text("utf-8")
    assert "the 2 most drifted column(s)" in dist


# -- profile reuse ----------------------------------------------------------------------------------


def test_drift_reuses_cached_profiles_and_stores_its_own(
    frames: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref, cur = frames
    run_ait(dataset_profile, datasets={"dataset": ref}, workdir=tmp_path)
    run_ait(dataset_profile, datasets={"dataset": cur}, workdir=tmp_path)

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the profile was recomputed instead of read from the cache")

    with monkeypatch.context() as m:
        m.setattr(drift_mod, "numeric_profile", forbidden)
        m.setattr(drift_mod, "categorical_profile", forbidden)
        hit = run_ait(data_drift, datasets={"reference": ref, "current": cur}, workdir=tmp_path)
    assert hit.measures["n_columns_tested"] == 4

    # the other way round: drift profiles the data on the way, the profile AIT reads it
    other = tmp_path / "other"
    run_ait(data_drift, datasets={"reference": ref, "current": cur}, workdir=other)
    from aiqm.plugins.builtin._tabular import profile_cache

    monkeypatch.setattr(profile_cache, "profile_table", forbidden)
    profiled = run_ait(dataset_profile, datasets={"dataset": ref}, workdir=other)
    assert profiled.measures["n_columns"] == 4
    assert profiled.measures["distinct_count_per_column"][2] == 3


# -- bad inputs ---------------------------------------------------------------------------------


def test_a_missing_column_lists_the_available_ones(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    ref, cur = frames
    with pytest.raises(DataError, match=r"no column 'age' \(columns: x, steady, k, colour\)"):
        run_ait(data_drift, datasets={"reference": ref, "current": cur}, params={"columns": ["age"]})
    with pytest.raises(DataError, match="current dataset 'current' has no column 'colour'"):
        run_ait(data_drift, datasets={"reference": ref, "current": cur.drop(columns="colour")})


def test_type_mismatch_between_datasets_is_an_input_error(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    ref, cur = frames
    cur = cur.assign(x=cur["x"].astype(str))
    with pytest.raises(DataError, match=r"'x' is numeric \(double\) in 'reference' but text"):
        run_ait(data_drift, datasets={"reference": ref, "current": cur})


def test_all_nan_constant_and_mixed_columns_do_not_crash() -> None:
    n = 50
    ref = pd.DataFrame({"empty": [np.nan] * n, "const": [1.5] * n,
                        "mixed": ["1", "2", "x", "3", "4"] * 10, "ok": np.arange(n, dtype=float)})
    cur = ref.assign(const=[1.5] * 40 + [2.5] * 10)
    result = run_ait(data_drift, datasets={"reference": ref, "current": cur})
    assert result.problems == []
    rows = _by_column(result)
    assert "skipped: every value is missing in the reference" in rows["empty"]["note"]
    assert rows["const"]["compared_as"] == "categorical"  # 1 distinct value in the reference
    assert rows["const"]["drifted"] is True
    assert "mixes numbers and text" in rows["mixed"]["note"]
    assert result.measures["n_columns_tested"] == 3


def test_single_row_datasets_give_defined_results() -> None:
    ref = pd.DataFrame({"x": [1.0], "c": ["a"]})
    cur = pd.DataFrame({"x": [2.0], "c": ["b"]})
    result = run_ait(data_drift, datasets={"reference": ref, "current": cur})
    assert result.problems == []
    assert result.measures["n_columns_tested"] == 2


def test_no_comparable_column_makes_the_ratio_undefined() -> None:
    ref = pd.DataFrame({"empty": [np.nan, np.nan]})
    result = run_ait(data_drift, datasets={"reference": ref, "current": ref})
    assert "no column could be compared" in result.undefined["drifted_column_ratio"]
    assert result.measures["n_columns_tested"] == 0


def test_non_utf8_csv_is_a_clear_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("name,x\ncaf\xe9,1\n".encode("latin-1"))
    with pytest.raises(DataError, match="is not UTF-8 text"):
        run_ait(data_drift, datasets={"reference": bad, "current": bad}, workdir=tmp_path / "w")


def test_empty_dataset_is_an_input_error() -> None:
    empty = pd.DataFrame({"x": pd.Series([], dtype=float)})
    with pytest.raises(DataError, match="has 0 rows"):
        run_ait(data_drift, datasets={"reference": empty, "current": empty})
