from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aiqm.data import Dataset, format_columns
from aiqm.exceptions import DataError, InventoryError


def _dataset(tmp_path: Path, table: pa.Table, **kwargs: object) -> Dataset:
    tmp_path.mkdir(parents=True, exist_ok=True)
    src = tmp_path / "src.parquet"
    pq.write_table(table, src)
    return Dataset.from_file(src, name="test", cache_dir=tmp_path / "cache", **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def table() -> pa.Table:
    return pa.table(
        {
            "age": pa.array([31, 45, None, 28], pa.int64()),
            "income": pa.array([1.5, 2.25, 3.0, None]),
            "city": pa.array(["Tokyo", "Osaka", None, "Kyoto"]),
            "flag": pa.array([True, None, False, True]),
            "default": pa.array([1, 0, 1, 0], pa.int8()),
        }
    )


def test_structure(tmp_path: Path, table: pa.Table) -> None:
    ds = _dataset(tmp_path, table, target="default")
    assert ds.num_rows == 4
    assert ds.column_names == ["age", "income", "city", "flag", "default"]
    assert ds.target == "default"
    assert ds.features == ("age", "income", "city", "flag")
    assert ds.table.equals(table)
    assert ds.digest.startswith("sha256:")


def test_declared_features(tmp_path: Path, table: pa.Table) -> None:
    ds = _dataset(tmp_path, table, target="default", features=["income", "age"])
    assert ds.features == ("income", "age")
    assert list(ds.X().columns) == ["income", "age"]


def test_numpy_nulls_become_nan(tmp_path: Path, table: pa.Table) -> None:
    ds = _dataset(tmp_path, table, target="default")
    age = ds.numpy("age")
    assert age.dtype == np.float64
    np.testing.assert_array_equal(age, [31.0, 45.0, np.nan, 28.0])
    np.testing.assert_array_equal(ds.numpy("income"), [1.5, 2.25, 3.0, np.nan])
    np.testing.assert_array_equal(ds.numpy("flag"), [1.0, np.nan, 0.0, 1.0])
    assert ds.numpy("city").tolist() == ["Tokyo", "Osaka", None, "Kyoto"]


def test_numpy_without_nulls_keeps_type(tmp_path: Path, table: pa.Table) -> None:
    ds = _dataset(tmp_path, table, target="default")
    y = ds.y()
    assert y.dtype == np.int8
    assert y.tolist() == [1, 0, 1, 0]


def test_dictionary_column(tmp_path: Path) -> None:
    t = pa.table({"c": pa.array(["a", "b", "a"]).dictionary_encode()})
    ds = _dataset(tmp_path, t)
    assert ds.numpy("c").tolist() == ["a", "b", "a"]


def test_X_and_pandas(tmp_path: Path, table: pa.Table) -> None:
    ds = _dataset(tmp_path, table, target="default")
    X = ds.X()
    assert isinstance(X, pd.DataFrame)
    assert list(X.columns) == ["age", "income", "city", "flag"]
    assert X.shape == (4, 4)
    pd.testing.assert_frame_equal(ds.to_pandas(), table.to_pandas())


def test_unknown_target_lists_columns(tmp_path: Path, table: pa.Table) -> None:
    with pytest.raises(DataError) as info:
        _dataset(tmp_path, table, target="sex")
    message = str(info.value)
    assert "dataset 'test' has no column 'sex'" in message
    assert "age, income, city, flag, default" in message
    assert "set `target`" in message


def test_unknown_feature(tmp_path: Path, table: pa.Table) -> None:
    with pytest.raises(DataError, match=r"'zip'.*set `features`"):
        _dataset(tmp_path, table, features=["age", "zip"])


def test_target_among_features(tmp_path: Path, table: pa.Table) -> None:
    with pytest.raises(DataError, match="remove it from `features`"):
        _dataset(tmp_path, table, target="default", features=["age", "default"])


def test_require_columns(tmp_path: Path, table: pa.Table) -> None:
    ds = _dataset(tmp_path, table)
    ds.require_columns("age", "city")
    with pytest.raises(DataError) as info:
        ds.require_columns("age", "sex", why="set `sensitive` to one of them")
    message = str(info.value)
    assert "no column 'sex' (columns: age, income, city, flag, default)" in message
    assert message.endswith("set `sensitive` to one of them")
    with pytest.raises(DataError, match="no column 'sex'"):
        ds.numpy("sex")


def test_require_target(tmp_path: Path, table: pa.Table) -> None:
    assert _dataset(tmp_path / "a", table, target="default").require_target() == "default"
    ds = _dataset(tmp_path / "b", table)
    with pytest.raises(DataError, match=r"has no target.*set `target`"):
        ds.require_target()
    with pytest.raises(DataError, match="has no target"):
        ds.y()


def test_empty_dataset(tmp_path: Path) -> None:
    src = tmp_path / "empty.csv"
    src.write_text("a,b\n")
    ds = Dataset.from_file(src, name="empty", cache_dir=tmp_path / "cache")
    assert ds.num_rows == 0
    with pytest.raises(DataError, match="dataset 'empty' has 0 rows but at least 1 is needed"):
        ds.require_rows()


def test_require_rows_minimum(tmp_path: Path, table: pa.Table) -> None:
    ds = _dataset(tmp_path, table)
    ds.require_rows(4)
    with pytest.raises(DataError, match="has 4 rows but at least 10 are needed"):
        ds.require_rows(10)


def test_spec_and_pickle_round_trip(tmp_path: Path, table: pa.Table) -> None:
    ds = _dataset(tmp_path, table, target="default", features=["age"])
    _ = ds.table  # map it, then make sure the map is not pickled
    again = Dataset.from_spec(ds.to_spec())
    assert again.to_spec() == ds.to_spec()
    assert again.table.equals(ds.table)
    state = pickle.loads(pickle.dumps(ds))
    assert state.features == ("age",) and state.table.equals(table)


def test_missing_cache_file(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="rebuilds its cache"):
        Dataset("x", tmp_path / "gone.arrow", "sha256:" + "0" * 64)


def test_to_polars_without_polars(tmp_path: Path, table: pa.Table) -> None:
    if importlib.util.find_spec("polars") is not None:
        ds = _dataset(tmp_path, table)
        assert ds.to_polars().shape == (4, 5)
        return
    ds = _dataset(tmp_path, table)
    with pytest.raises(ImportError, match=r"pip install 'aiqm\[polars\]'"):
        ds.to_polars()


def test_format_columns() -> None:
    assert format_columns([]) == "none"
    assert format_columns([f"c{i}" for i in range(30)]).endswith("c19, …")
