from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from tests._require import require_module

from aiqm.exceptions import DataError, InventoryError
from aiqm.models import OnnxAdapter, load_model
from aiqm.models.onnx_adapter import onnx_input_name

skl2onnx = require_module("skl2onnx", "pip install 'aiqm[dev]'")
require_module("onnxruntime", "pip install 'aiqm[onnx]'")


def _save(onx, path: Path) -> Path:
    path.write_bytes(onx.SerializeToString())
    return path


def _spec(path: Path) -> dict[str, object]:
    return {"kind": "model", "inventory": "onnx", "path": str(path)}


@pytest.fixture(scope="module")
def cancer32(cancer_frame):
    X = cancer_frame.drop(columns="target").astype(np.float32)
    return X, cancer_frame["target"].to_numpy()


@pytest.mark.parametrize("zipmap", [True, False])
def test_single_tensor_input(tmp_path, cancer32, cancer_frame, make_dataset, zipmap) -> None:
    X, y = cancer32
    est = make_pipeline(StandardScaler(), LogisticRegression()).fit(X.to_numpy(), y)
    options = None if zipmap else {id(est): {"zipmap": False}}
    path = _save(skl2onnx.to_onnx(est, X.to_numpy()[:1], options=options), tmp_path / "lr.onnx")

    model = load_model(_spec(path))
    assert isinstance(model, OnnxAdapter)
    assert model.kind == "onnx" and model.has_proba and model.estimator is None
    ds = make_dataset(cancer_frame, target="target")
    np.testing.assert_array_equal(model.predict(ds), est.predict(X.to_numpy()))
    proba = model.predict_proba(ds)
    assert proba is not None and proba.shape == (len(y), 2)
    np.testing.assert_allclose(proba, est.predict_proba(X.to_numpy()), atol=1e-5, rtol=0)
    np.testing.assert_array_equal(model.classes_, [0, 1])


def test_per_column_inputs_with_string_labels(tmp_path, iris_frame, make_dataset) -> None:
    X = iris_frame.drop(columns="species").astype(np.float32)
    y = iris_frame["species"]
    per_column = ColumnTransformer([(c, StandardScaler(), [c]) for c in X.columns])
    est = make_pipeline(per_column, LogisticRegression()).fit(X, y)
    onx = skl2onnx.to_onnx(est, X[:1])
    path = _save(onx, tmp_path / "iris.onnx")

    model = load_model(_spec(path))
    # skl2onnx names one input per column, with its characters sanitised
    assert [i.name for i in model._inputs] == [onnx_input_name(c) for c in X.columns]
    # columns are matched by name: their order in the dataset does not matter
    shuffled = iris_frame[["species", *reversed(list(X.columns))]]
    ds = make_dataset(shuffled, target="species")
    assert model.predict(ds).tolist() == est.predict(X).tolist()
    np.testing.assert_allclose(model.predict_proba(ds), est.predict_proba(X), atol=1e-5, rtol=0)
    assert list(model.classes_) == ["setosa", "versicolor", "virginica"]


def test_regressor(tmp_path, cancer32, cancer_frame, make_dataset) -> None:
    from sklearn.linear_model import Ridge

    X, y = cancer32
    est = make_pipeline(StandardScaler(), Ridge()).fit(X.to_numpy(), y.astype(np.float32))
    path = _save(skl2onnx.to_onnx(est, X.to_numpy()[:1]), tmp_path / "ridge.onnx")
    model = load_model(_spec(path))
    ds = make_dataset(cancer_frame, target="target")
    assert not model.has_proba and model.predict_proba(ds) is None
    pred = model.predict(ds)
    assert pred.shape == (len(y),)
    np.testing.assert_allclose(pred, est.predict(X.to_numpy()), atol=1e-4)


def test_feature_count_mismatch(tmp_path, cancer32, cancer_frame, make_dataset) -> None:
    X, y = cancer32
    est = LogisticRegression().fit(X.to_numpy()[:, :3], y)
    path = _save(skl2onnx.to_onnx(est, X.to_numpy()[:1, :3]), tmp_path / "lr3.onnx")
    model = load_model(_spec(path))
    with pytest.raises(DataError, match="expects 3 features but dataset 'test' has 30"):
        model.predict(make_dataset(cancer_frame, target="target"))
    ds = make_dataset(cancer_frame, target="target", features=list(X.columns[:3]))
    np.testing.assert_array_equal(model.predict(ds), est.predict(X.to_numpy()[:, :3]))


def test_missing_input_column(tmp_path, iris_frame, make_dataset) -> None:
    X = iris_frame.drop(columns="species").astype(np.float32)
    est = make_pipeline(
        ColumnTransformer([(c, StandardScaler(), [c]) for c in X.columns]), LogisticRegression()
    ).fit(X, iris_frame["species"])
    path = _save(skl2onnx.to_onnx(est, X[:1]), tmp_path / "iris.onnx")
    ds = make_dataset(iris_frame.drop(columns=["petal width (cm)"]), target="species")
    with pytest.raises(DataError, match="petal_width__cm_"):
        load_model(_spec(path)).predict(ds)


def test_corrupt_onnx(tmp_path) -> None:
    path = tmp_path / "broken.onnx"
    path.write_bytes(b"not a protobuf")
    with pytest.raises(InventoryError, match="cannot load ONNX file"):
        load_model(_spec(path))


def test_missing_onnxruntime(tmp_path, monkeypatch) -> None:
    path = tmp_path / "any.onnx"
    path.write_bytes(b"")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r"pip install 'aiqm\[onnx\]'"):
        load_model(_spec(path))
