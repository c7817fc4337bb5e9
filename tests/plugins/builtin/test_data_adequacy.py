"""data_adequacy against pandas, SciPy, scikit-learn and hand-computed cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy import stats
from sklearn.ensemble import IsolationForest

from aiqm.exceptions import DataError
from aiqm.plugins.builtin._adequacy_labels import confident_learning
from aiqm.plugins.builtin._adequacy_outliers import isolation_forest_ratio
from aiqm.plugins.builtin._tabular import profile_cache
from aiqm.plugins.builtin._tabular.hashing import mantissa_bits, row_hashes
from aiqm.plugins.builtin.data_adequacy import data_adequacy
from aiqm.plugins.builtin.dataset_profile import dataset_profile
from aiqm.testing import AITRunResult, run_ait


def _rows(result: AITRunResult, name: str) -> list[dict[str, Any]]:
    doc = json.loads(Path(result.resource(name)["file"]).read_text("utf-8"))
    return [dict(zip(doc["columns"], row, strict=True)) for row in doc["rows"]]


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 600
    pool = pd.DataFrame({
        "x": rng.normal(size=200).round(2),
        "k": rng.integers(0, 4, 200),
        "s": rng.choice(["a", "b", "c"], 200),
    })
    df = pool.sample(n, replace=True, random_state=1).reset_index(drop=True)  # many repeats
    df.loc[rng.random(n) < 0.02, "x"] = np.nan
    df["y"] = (df["x"].fillna(0) + df["k"] * 0.1 > 0).astype(int)
    return df


# -- rows ---------------------------------------------------------------------------------------


def test_duplicates_and_conflicts_agree_with_pandas(frame: pd.DataFrame) -> None:
    flipped = frame.copy()
    flipped.loc[::7, "y"] = 1 - flipped.loc[::7, "y"]
    result = run_ait(data_adequacy, datasets={"dataset": flipped}, targets={"dataset": "y"},
                     params={"isolation_forest": False})
    assert result.problems == []
    m = result.measures
    assert m["duplicate_rows"] == int(flipped.duplicated().sum())
    assert m["duplicate_row_ratio"] == pytest.approx(flipped.duplicated().mean())
    features = ["x", "k", "s"]
    nunique = flipped.groupby(features, dropna=False)["y"].transform("nunique")
    assert m["conflicting_label_rows"] == int((nunique > 1).sum())
    examples = _rows(result, "duplicates")
    exact = [e for e in examples if e["kind"] == "exact"]
    for e in exact:
        assert flipped.iloc[e["row"]].equals(flipped.iloc[e["repeats_row"]])
        assert e["repeats_row"] < e["row"]


def test_near_duplicates_round_numbers_and_normalise_text() -> None:
    df = pd.DataFrame({"x": [1.0001, 1.0002, 2.0, 2.5], "t": ["Ab  c", " ab c", "x", "x"]})
    result = run_ait(data_adequacy, datasets={"dataset": df}, params={"isolation_forest": False})
    m = result.measures
    assert m["duplicate_rows"] == 0
    assert m["near_duplicate_rows"] == 1  # row 1 ~ row 0: 1.0001 ≈ 1.0002 to 3 digits, text equal
    assert mantissa_bits(3) == 10
    strict = run_ait(data_adequacy, datasets={"dataset": df},
                     params={"isolation_forest": False, "near_duplicate_digits": 6})
    assert strict.measures["near_duplicate_rows"] == 0


def test_row_hashes_treat_equal_values_alike() -> None:
    t = pa.table({"a": pa.array([1, 1, None, None], pa.int64()),
                  "b": pa.array([0.0, -0.0, float("nan"), None]),
                  "c": ["x", "x", None, None]})
    h = row_hashes(t, ["a", "b", "c"])
    assert h.h1[0] == h.h1[1] and h.h2[0] == h.h2[1]  # 0.0 == -0.0
    assert h.h1[2] == h.h1[3]  # NaN and null are both missing
    other = row_hashes(pa.table({"a": [1.0], "b": [0.0], "c": ["x"]}), ["a", "b", "c"])
    assert other.h1[0] == h.h1[0]  # int 1 and float 1.0 hash alike across tables


def test_leakage_matches_a_pandas_merge(frame: pd.DataFrame) -> None:
    train = frame.iloc[:400]
    test = frame.iloc[350:].assign(y=0)  # labels differ: features decide leakage
    result = run_ait(data_adequacy, datasets={"dataset": test, "reference": train},
                     targets={"dataset": "y"}, params={"isolation_forest": False, "infer_schema": False})
    features = ["x", "k", "s"]
    keys = train[features].drop_duplicates()
    leaked = test.reset_index(drop=True).merge(keys, on=features, how="left", indicator=True)
    assert result.measures["leaked_rows"] == int((leaked["_merge"] == "both").sum())
    assert result.measures["leaked_row_ratio"] == pytest.approx((leaked["_merge"] == "both").mean())
    for e in _rows(result, "leakage"):
        assert test[features].iloc[e["row"]].equals(train[features].iloc[e["reference_row"]])


# -- schema -------------------------------------------------------------------------------------------


def test_declared_rules_count_violations_by_hand() -> None:
    df = pd.DataFrame({
        "age": [10.0, 25.5, -1.0, 130.0, None],
        "code": ["A1", "B2", "bad", "C3", "A1"],
        "colour": ["red", "blue", "green", "red", None],
        "id": [1, 2, 2, 3, 3],
        "n": ["1", "2", "x", "4", "5"],
    })
    schema = {
        "age": {"type": "integer", "min": 0, "max": 120, "nullable": False},
        "code": {"regex": r"^[A-Z]\d$"},
        "colour": {"allowed": ["red", "blue"]},
        "id": {"unique": True},
        "n": {"type": "numeric"},
    }
    result = run_ait(data_adequacy, datasets={"dataset": df},
                     params={"schema": schema, "isolation_forest": False})
    checks = {(r["column"], r["check"]): r for r in _rows(result, "schema_checks")}
    assert checks[("age", "type")]["violations"] == 1  # 25.5
    assert checks[("age", "range")]["violations"] == 2  # -1, 130
    assert checks[("age", "not null")]["violations"] == 1
    assert checks[("code", "regex")]["violations"] == 1 and checks[("code", "regex")]["examples"] == "bad"
    assert checks[("colour", "allowed")]["violations"] == 1  # green (missing is not a value)
    assert checks[("id", "unique")]["violations"] == 2  # the second 2 and the second 3
    assert checks[("n", "type")]["violations"] == 1 and checks[("n", "type")]["examples"] == "x"
    m = result.measures
    assert m["schema_violations"] == 9
    assert m["columns_with_violations"] == 5
    # rows breaking something: 1 (25.5), 2 (-1, bad, green, id 2, x), 3 (130), 4 (None, id 3)
    assert m["schema_violation_ratio"] == pytest.approx(4 / 5)


def test_rules_inferred_from_the_reference_profile() -> None:
    train = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "c": ["a", "b", "a", "b"], "id": [1, 2, 3, 4]})
    test = pd.DataFrame({"x": [1.5, 9.0, None, 2.0], "c": ["a", "z", "b", "a"], "id": [5, 5, 6, 7]})
    result = run_ait(data_adequacy, datasets={"dataset": test, "reference": train},
                     params={"isolation_forest": False})
    checks = {(r["column"], r["check"]): r for r in _rows(result, "schema_checks")}
    assert checks[("x", "range")]["expected"] == "[0, 3]" and checks[("x", "range")]["violations"] == 1
    assert checks[("x", "not null")]["violations"] == 1
    assert checks[("c", "allowed")]["violations"] == 1 and checks[("c", "allowed")]["examples"] == "z"
    assert checks[("id", "unique")]["violations"] == 1
    assert ("id", "range") not in checks  # an identifier has no range rule
    assert all(r["source"] == "inferred" for r in checks.values())
    assert result.measures["schema_violation_ratio"] == pytest.approx(2 / 4)  # rows 1 and 2


def test_bad_schema_is_a_clear_input_error() -> None:
    df = pd.DataFrame({"a": [1, 2]})
    for schema, message in (
        ({"b": {"type": "integer"}}, "'schema' has a rule for 'b'"),
        ({"a": {"type": "int"}}, "must be one of numeric, integer"),
        ({"a": {"minimum": 0}}, "unknown field"),
        ({"a": {"regex": "("}}, "not a valid regular expression"),
    ):
        with pytest.raises(DataError, match=message):
            run_ait(data_adequacy, datasets={"dataset": df}, params={"schema": schema})


# -- outliers -----------------------------------------------------------------------------------------


def test_robust_z_and_iqr_outliers_equal_direct_computation() -> None:
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(size=500), [8.0, -9.0, 12.0]])
    df = pd.DataFrame({"x": x, "flat": np.r_[np.ones(502), 50.0]})
    result = run_ait(data_adequacy, datasets={"dataset": df}, params={"isolation_forest": False})
    z = 0.6745 * (x - np.median(x)) / stats.median_abs_deviation(x)
    q1, q3 = np.percentile(x, [25, 75])
    iqr = (x < q1 - 1.5 * (q3 - q1)) | (x > q3 + 1.5 * (q3 - q1))
    table = {r["column"]: r for r in _rows(result, "outliers")}
    assert table["x"]["z_outliers"] == int((np.abs(z) > 3.5).sum())
    assert table["x"]["iqr_outliers"] == int(iqr.sum())
    # "flat": MAD is 0, so the mean absolute deviation takes its place; 50 is the outlier
    assert table["flat"]["scale"] == "MeanAD" and table["flat"]["z_outliers"] == 1
    assert result.measures["outlier_ratio_per_column"] == pytest.approx(
        [(np.abs(z) > 3.5).mean(), 1 / 503])
    iqr_result = run_ait(data_adequacy, datasets={"dataset": df},
                         params={"isolation_forest": False, "outlier_method": "iqr"})
    assert iqr_result.measures["outlier_ratio_per_column"][0] == pytest.approx(iqr.mean())


def test_isolation_forest_equals_scikit_learn_on_the_same_sample() -> None:
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"a": rng.normal(size=3000), "b": rng.normal(size=3000)})
    ratio, size = isolation_forest_ratio(pa.Table.from_pandas(df), ["a", "b"], {}, max_rows=1000,
                                         random_state=4)
    rows = np.sort(np.random.default_rng(4).choice(3000, size=1000, replace=False))
    X = df.to_numpy(dtype=np.float32)[rows]
    ref = IsolationForest(random_state=4, contamination="auto").fit(X).predict(X)
    assert (ratio, size) == (pytest.approx(np.mean(ref == -1)), 1000)
    result = run_ait(data_adequacy, datasets={"dataset": df},
                     params={"isolation_forest_max_rows": 1000, "random_state": 4})
    assert result.measures["isolation_forest_outlier_ratio"] == pytest.approx(ratio)


# -- labels -----------------------------------------------------------------------------------------


def test_confident_learning_by_hand() -> None:
    labels = np.array([0, 0, 0, 1, 1, 2, 2])
    proba = np.array([[0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1], [0.2, 0.7, 0.1],
                      [0.3, 0.5, 0.2], [0.1, 0.1, 0.8], [0.7, 0.1, 0.2]])
    cl = confident_learning(labels, proba)
    # thresholds: class 0 mean(0.8, 0.6, 0.1) = 0.5, class 1 mean(0.7, 0.5) = 0.6,
    # class 2 mean(0.8, 0.2) = 0.5
    assert cl.thresholds.tolist() == pytest.approx([0.5, 0.6, 0.5])
    # row 2 (label 0) is confidently 1, row 6 (label 2) confidently 0; row 4 passes no threshold
    assert cl.suggested.tolist() == [0, 0, 1, 1, -1, 2, 0]
    assert np.flatnonzero(cl.issues).tolist() == [2, 6]
    assert cl.confident_joint.tolist() == [[2, 1, 0], [0, 1, 0], [1, 0, 1]]


def test_label_issues_find_flipped_labels() -> None:
    rng = np.random.default_rng(0)
    n = 400
    y = rng.integers(0, 2, n)
    df = pd.DataFrame({"a": rng.normal(y * 3.0, 1.0), "b": rng.normal(-y * 3.0, 1.0),
                       "g": np.where(rng.random(n) < 0.5, "u", "v"), "y": y})
    flipped = rng.choice(n, size=20, replace=False)
    df.loc[flipped, "y"] = 1 - df.loc[flipped, "y"]
    result = run_ait(data_adequacy, datasets={"dataset": df}, targets={"dataset": "y"},
                     params={"label_issues": True, "isolation_forest": False, "label_issues_folds": 3})
    found = {r["row"] for r in _rows(result, "label_issues")}
    assert len(found & set(flipped.tolist())) >= 15  # most of the 20 flips are found
    assert result.measures["label_issues"] >= 15
    assert result.measures["label_issue_ratio"] == pytest.approx(result.measures["label_issues"] / len(df))


def test_label_issues_need_two_classes_with_two_rows() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 0, 1]})
    result = run_ait(data_adequacy, datasets={"dataset": df}, targets={"dataset": "y"},
                     params={"label_issues": True})
    assert "at least 2 classes with at least 2 rows" in result.undefined["label_issues"]


# -- reuse and bad inputs ---------------------------------------------------------------------------


def test_the_cached_profile_is_reused(frame: pd.DataFrame, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    run_ait(dataset_profile, datasets={"dataset": frame}, workdir=tmp_path)

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("profiled again")

    monkeypatch.setattr(profile_cache, "profile_table", forbidden)
    result = run_ait(data_adequacy, datasets={"dataset": frame}, workdir=tmp_path,
                     params={"isolation_forest": False})
    assert result.measures["n_rows"] == len(frame)


def test_undefined_measures_say_why(frame: pd.DataFrame) -> None:
    result = run_ait(data_adequacy, datasets={"dataset": frame[["s"]]})
    assert "no reference dataset" in result.undefined["leaked_rows"]
    assert "no target" in result.undefined["conflicting_label_rows"]
    assert "no numeric column" in result.undefined["outlier_ratio"]
    assert "declare 'schema'" in result.undefined["schema_violation_ratio"]
    assert "label_issues is false" in result.undefined["label_issue_ratio"]


def test_odd_columns_and_single_row_do_not_crash() -> None:
    df = pd.DataFrame({"empty": [np.nan] * 4, "const": [2.0] * 4, "mixed": ["1", "x", "2", "3"]})
    result = run_ait(data_adequacy, datasets={"dataset": df},
                     params={"schema": {"mixed": {"type": "integer"}}})
    assert result.problems == []
    assert result.measures["schema_violations"] == 1
    assert result.measures["outlier_ratio"] == 0.0
    one = run_ait(data_adequacy, datasets={"dataset": pd.DataFrame({"x": [1.0]})})
    assert one.problems == [] and "at least 2 rows" in one.undefined["isolation_forest_outlier_ratio"]


def test_missing_column_and_reference_without_the_features(frame: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"no column 'z' \(columns: x, k, s, y\)"):
        run_ait(data_adequacy, datasets={"dataset": frame}, params={"columns": ["z"]})
    with pytest.raises(DataError, match="has no column 's'"):
        run_ait(data_adequacy, datasets={"dataset": frame, "reference": frame[["x", "k"]]},
                targets={"dataset": "y"})
