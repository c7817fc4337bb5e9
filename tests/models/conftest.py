from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.datasets import load_breast_cancer, load_iris

from aiqm.data import Dataset

MakeDataset = Callable[..., Dataset]


@pytest.fixture(scope="session")
def cancer_frame() -> pd.DataFrame:
    """Breast cancer features (names with spaces) plus a ``target`` column."""
    return load_breast_cancer(as_frame=True).frame


@pytest.fixture(scope="session")
def iris_frame() -> pd.DataFrame:
    """Iris with string labels in ``species``."""
    data = load_iris(as_frame=True)
    frame = data.data.copy()
    frame["species"] = [str(data.target_names[i]) for i in data.target]
    return frame


@pytest.fixture
def make_dataset(tmp_path: Path) -> MakeDataset:
    """Write a frame to Parquet, materialise it and open it as a Dataset."""
    counter = iter(range(1000))

    def make(frame: pd.DataFrame, *, name: str = "test", **kwargs: object) -> Dataset:
        src = tmp_path / f"{name}-{next(counter)}.parquet"
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), src)
        return Dataset.from_file(src, name=name, cache_dir=tmp_path / "cache", **kwargs)  # type: ignore[arg-type]

    return make
