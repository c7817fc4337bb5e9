from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from aiqm.models import CachedModel, ModelAdapter, load_model, read_cached_classes


class Counting(ModelAdapter):
    """Wrap an adapter and count how often it really predicts."""

    def __init__(self, inner: ModelAdapter) -> None:
        self.inner = inner
        self.inventory, self.digest, self.kind = inner.inventory, inner.digest, inner.kind
        self.calls = 0

    @property
    def classes_(self):
        return self.inner.classes_

    @property
    def has_proba(self) -> bool:
        return self.inner.has_proba

    def predict(self, ds):
        self.calls += 1
        return self.inner.predict(ds)

    def predict_proba(self, ds):
        self.calls += 1
        return self.inner.predict_proba(ds)


@pytest.fixture
def model_file(tmp_path, iris_frame) -> tuple[Path, object]:
    X, y = iris_frame.drop(columns="species"), iris_frame["species"]
    est = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    path = tmp_path / "iris.skops"
    sio.dump(est, path)
    return path, est


def _load(path: Path) -> Counting:
    return Counting(load_model({"kind": "model", "inventory": "iris", "path": str(path)}))


def test_predicts_once_across_instances(tmp_path, model_file, iris_frame, make_dataset) -> None:
    path, est = model_file
    ds = make_dataset(iris_frame, target="species")
    cache_dir = tmp_path / "cache"

    first_inner = _load(path)
    first = CachedModel(first_inner, cache_dir)
    labels = first.predict(ds)
    proba = first.predict_proba(ds)
    assert (first.misses, first.hits) == (1, 1)
    assert first_inner.calls == 2  # predict + predict_proba, once each

    X = iris_frame.drop(columns="species")
    assert labels.tolist() == est.predict(X).tolist()
    np.testing.assert_allclose(proba, est.predict_proba(X), rtol=1e-12)

    hexes = first.digest.removeprefix("sha256:")[:24], ds.digest.removeprefix("sha256:")[:24]
    cached = cache_dir / "predictions" / f"{hexes[0]}-{hexes[1]}.arrow"
    assert first.path_for(ds) == cached
    assert cached.is_file()
    table = ipc.open_file(pa.memory_map(str(cached))).read_all()
    assert table.column_names == ["label", "proba_0", "proba_1", "proba_2"]
    assert read_cached_classes(cached) == ["setosa", "versicolor", "virginica"]
    assert sorted(p.name for p in cached.parent.iterdir()) == [cached.name]  # no temp files

    # a second adapter (as in another worker process) reads the file
    second_inner = _load(path)
    second = CachedModel(second_inner, cache_dir)
    assert second.predict(ds).tolist() == labels.tolist()
    np.testing.assert_array_equal(second.predict_proba(ds), proba)
    assert second_inner.calls == 0
    assert (second.misses, second.hits) == (0, 2)


def test_each_dataset_is_cached_separately(tmp_path, model_file, iris_frame, make_dataset) -> None:
    path, _ = model_file
    a = make_dataset(iris_frame, name="a", target="species")
    b = make_dataset(iris_frame.iloc[::2], name="b", target="species")
    model = CachedModel(_load(path), tmp_path / "cache")
    assert len(model.predict(a)) == 150
    assert len(model.predict(b)) == 75
    assert model.misses == 2
    assert model.path_for(a) != model.path_for(b)


def test_results_are_read_only(tmp_path, model_file, iris_frame, make_dataset) -> None:
    path, _ = model_file
    ds = make_dataset(iris_frame, target="species")
    model = CachedModel(_load(path), tmp_path / "cache")
    with pytest.raises(ValueError, match="read-only"):
        model.predict_proba(ds)[0, 0] = 1.0


def test_corrupt_cache_file_is_rebuilt(tmp_path, model_file, iris_frame, make_dataset) -> None:
    path, est = model_file
    ds = make_dataset(iris_frame, target="species")
    model = CachedModel(_load(path), tmp_path / "cache")
    target = model.path_for(ds)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"half-written garbage")
    assert model.predict(ds).tolist() == est.predict(iris_frame.drop(columns="species")).tolist()
    assert model.misses == 1


def test_model_without_proba(tmp_path, make_dataset) -> None:
    import pandas as pd

    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "pred": [0.5, 1.5, 2.5]})
    ds = make_dataset(frame, features=["x"])
    spec = {
        "kind": "predictions",
        "inventory": "values",
        "dataset_digest": ds.digest,
        "arrow_path": str(ds.arrow_path),
        "column": "pred",
    }
    model = CachedModel(load_model(spec), tmp_path / "cache")
    assert model.kind == "predictions" and not model.has_proba and model.classes_ is None
    np.testing.assert_array_equal(model.predict(ds), [0.5, 1.5, 2.5])
    assert model.predict_proba(ds) is None
    table = ipc.open_file(pa.memory_map(str(model.path_for(ds)))).read_all()
    assert table.column_names == ["label"]
    assert read_cached_classes(model.path_for(ds)) is None
