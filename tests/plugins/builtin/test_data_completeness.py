"""data_completeness against hand counts and pandas (``isna``, ``duplicated``)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from aiqm.exceptions import DataError
from aiqm.plugins.builtin.data_completeness import completeness_stats, data_completeness
from aiqm.testing import run_ait

NAN = float("nan")
RATIOS = ("missing_ratio", "missing_ratio_per_column", "max_column_missing_ratio",
          "complete_row_ratio", "duplicate_row_ratio")


@pytest.fixture
def small() -> pa.Table:
    """Six rows; r3 and r4 repeat r0, r5 repeats r1 with null where r1 has NaN."""
    return pa.table({
        "a": pa.array([1, None, 3, 1, 1, None], pa.int64()),
        "b": pa.array([0.5, NAN, None, 0.5, 0.5, None], pa.float64()),
        "c": pa.array(["x", "y", None, "x", "x", "y"], pa.string()),
    })


def test_small_table_matches_hand_counts(small: pa.Table) -> None:
    result = run_ait(data_completeness, datasets={"dataset": small})

    assert result.undefined == {}
    assert result.problems == []
    per_column = result.measures.pop("missing_ratio_per_column")
    assert per_column == pytest.approx([2 / 6, 3 / 6, 1 / 6])
    assert result.measures == pytest.approx({
        "n_rows": 6,
        "n_columns": 3,
        "missing_ratio": 6 / 18,  # a: 2, b: 3 (NaN and null), c: 1
        "max_column_missing_ratio": 3 / 6,
        "rows_with_missing": 3,  # r1, r2, r5
        "complete_row_ratio": 3 / 6,
        "duplicate_rows": 3,  # r3, r4 (of r0) and r5 (of r1: NaN and null both missing)
        "duplicate_row_ratio": 3 / 6,
    })


def test_small_table_agrees_with_pandas(small: pa.Table) -> None:
    df = small.to_pandas()
    stats = completeness_stats(small)
    assert stats.missing_per_column == df.isna().sum().tolist()
    assert stats.rows_with_missing == int(df.isna().any(axis=1).sum())
    assert stats.duplicate_rows == int(df.duplicated().sum())


def test_resources_are_a_bar_chart_and_a_summary_table(small: pa.Table) -> None:
    result = run_ait(data_completeness, datasets={"dataset": small})

    figure = result.resource("missing_by_column")
    assert figure["media_type"] == "image/svg+xml"
    assert "Missing values by column (3 of 3 columns)" in Path(figure["file"]).read_text("utf-8")
    table = json.loads(Path(result.resource("column_summary")["file"]).read_text("utf-8"))
    assert table["columns"] == ["column", "type", "missing_count", "missing_ratio"]
    assert table["rows"] == [
        ["a", "int64", 2, pytest.approx(2 / 6)],
        ["b", "double", 3, pytest.approx(3 / 6)],
        ["c", "string", 1, pytest.approx(1 / 6)],
    ]


def test_random_frame_agrees_with_pandas() -> None:
    rng = np.random.default_rng(42)
    n = 10_000
    pool = 3_000  # rows drawn from a pool, so that many rows repeat exactly
    base = pd.DataFrame({
        "f": rng.normal(size=pool).round(1),
        "i": rng.integers(-5, 5, pool),
        "big": rng.integers(-(2**62), 2**62, pool),
        "s": rng.choice(["a", "b", "c", "d"], pool),
        "flag": rng.random(pool) < 0.5,
        "t": pd.to_datetime(rng.integers(0, 5, pool), unit="D"),
    })
    df = base.iloc[rng.integers(0, pool, n)].reset_index(drop=True)
    df = df.astype({"i": "Int64", "big": "Int64", "flag": "boolean"})
    for col in df.columns:
        df.loc[rng.random(n) < 0.03, col] = None

    result = run_ait(data_completeness, datasets={"dataset": df})

    assert result.problems == []
    assert result.measures["missing_ratio_per_column"] == pytest.approx(df.isna().mean().tolist())
    assert result.measures["missing_ratio"] == pytest.approx(df.isna().to_numpy().mean())
    assert result.measures["rows_with_missing"] == int(df.isna().any(axis=1).sum())
    assert result.measures["duplicate_rows"] == int(df.duplicated().sum())
    assert 1_000 < result.measures["duplicate_rows"] < n  # the check is not vacuous


@pytest.mark.parametrize(
    "column",
    [
        pa.array([-128, 127, 0, -128, None, 127], pa.int8()),  # offsets overflow int8
        pa.array([2**64 - 1, 0, 2**64 - 1, 5, None, 0], pa.uint64()),  # wide range
        pa.array([0.0, -0.0, NAN, None, 1.5, 0.0]),  # 0.0 == -0.0; NaN == null
        pa.array([True, None, False, True, None, True]),
        pa.array(["p", "q", "p", None, "q", None]).dictionary_encode(),
        pa.array([b"x", b"", None, b"x", b"", b"y"], pa.binary()),
        pa.array([Decimal("1.10"), None, Decimal("1.10"), Decimal("2"), None, Decimal("2")]),
        pa.array([0, 0, None, 86_400, None, 1], pa.timestamp("s", tz="Europe/Paris")),
        pa.array([1.5, -0.0, None, 0.0, 1.5, None], pa.float32()),
        pa.nulls(6),
    ],
    ids=["int8", "uint64", "float", "bool", "dictionary", "binary", "decimal", "timestamp",
         "float32", "null"],
)
def test_column_types_agree_with_pandas(column: pa.Array) -> None:
    other = pa.array([1, 1, 1, 1, 1, 1])
    table = pa.table({"x": column, "other": other})
    df = table.to_pandas()
    stats = completeness_stats(table)
    assert stats.missing_per_column == df.isna().sum().tolist()
    assert stats.duplicate_rows == int(df.duplicated().sum())


def test_nested_columns_are_compared_by_value() -> None:
    table = pa.table({"l": pa.array([[1, 2], [1, 2], None, [2, 1], None])})
    stats = completeness_stats(table)
    assert stats.missing_per_column == [2]
    assert stats.duplicate_rows == 2  # the second [1, 2] and the second null


def test_columns_parameter_restricts_and_orders(small: pa.Table) -> None:
    result = run_ait(data_completeness, datasets={"dataset": small}, params={"columns": ["c", "a"]})

    assert result.measures["n_columns"] == 2
    assert result.measures["missing_ratio_per_column"] == pytest.approx([1 / 6, 2 / 6])
    assert result.measures["duplicate_rows"] == 3  # on (c, a): r3, r4 and r5
    assert result.measures["missing_ratio"] == pytest.approx(3 / 12)


def test_unknown_column_lists_the_available_ones(small: pa.Table) -> None:
    with pytest.raises(DataError, match=r"no column 'zz' \(available columns: a, b, c\)"):
        run_ait(data_completeness, datasets={"dataset": small}, params={"columns": ["a", "zz"]})


def test_empty_dataset_gives_undefined_ratios_and_zero_counts(small: pa.Table) -> None:
    result = run_ait(data_completeness, datasets={"dataset": small.slice(0, 0)})

    assert set(result.undefined) == set(RATIOS)
    assert all("has no rows" in reason for reason in result.undefined.values())
    assert result.measures == {
        "n_rows": 0, "n_columns": 3, "rows_with_missing": 0, "duplicate_rows": 0,
    }
    assert result.problems == []


def test_complete_data_reports_zero_and_an_explanatory_figure() -> None:
    table = pa.table({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    result = run_ait(data_completeness, datasets={"dataset": table})

    assert result.measures["missing_ratio"] == 0.0
    assert result.measures["complete_row_ratio"] == 1.0
    assert result.measures["duplicate_rows"] == 0
    svg = Path(result.resource("missing_by_column")["file"]).read_text("utf-8")
    assert "No missing values" in svg


def _wide_table(n_distinct: int = 20_000, n_rows: int = 30_000) -> pa.Table:
    """Five high-cardinality columns (row keys must be renumbered), with repeated rows."""
    rng = np.random.default_rng(7)
    pool = pa.table({f"x{j}": rng.normal(size=n_distinct) for j in range(5)})
    table = pool.take(pa.array(rng.integers(0, n_distinct, n_rows)))
    return table


@pytest.mark.parametrize("colliding", [False, True], ids=["hashed", "every-hash-collides"])
def test_duplicates_are_exact_whatever_the_row_hash(
    colliding: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiqm.plugins.builtin import data_completeness as module

    if colliding:  # the exact comparison alone must get the count right
        real = module._hashed

        def constant(column: pa.ChunkedArray) -> tuple[np.ndarray | None, np.ndarray]:
            absent, words = real(column)
            return absent, np.zeros_like(words)

        monkeypatch.setattr(module, "_hashed", constant)
    table = _wide_table()
    expected = int(table.to_pandas().duplicated().sum())
    assert 5_000 < expected < 30_000
    assert completeness_stats(table).duplicate_rows == expected
    assert completeness_stats(table.slice(0, 1_000)).duplicate_rows == int(
        table.slice(0, 1_000).to_pandas().duplicated().sum()
    )
