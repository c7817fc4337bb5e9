"""software_reliability: determinism, skops-vs-ONNX equivalence, latency."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from aiqm.plugins.builtin.software_reliability import software_reliability
from aiqm.testing import run_ait


@pytest.fixture(scope="module")
def cancer(tmp_path_factory) -> dict[str, Any]:
    from skl2onnx import to_onnx

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :10].astype(np.float32)
    X.columns = [f"f{i}" for i in range(10)]
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X.to_numpy(), y)
    d = tmp_path_factory.mktemp("models")
    sio.dump(model, d / "model.skops")
    onx = to_onnx(model, X.to_numpy()[:1], options={"zipmap": False}, target_opset=17)
    (d / "model.onnx").write_bytes(onx.SerializeToString())
    other = make_pipeline(StandardScaler(), LogisticRegression(C=0.001)).fit(X.to_numpy(), y)
    return {"X": X.assign(label=y.to_numpy()), "skops": d / "model.skops",
            "onnx": d / "model.onnx", "sklearn": model, "other": other}


def _run(cancer: dict, model: Any, reference: Any = None, **params: Any):
    models = {"model": model} | ({"reference_model": reference} if reference is not None else {})
    return run_ait(software_reliability, datasets={"dataset": cancer["X"]},
                   targets={"dataset": "label"}, models=models,
                   params={"batch_sizes": [1, 50], "latency_calls": 5, **params})


def test_skops_model_and_its_onnx_export_are_equivalent(cancer) -> None:
    result = _run(cancer, cancer["skops"], cancer["onnx"])
    m = result.measures
    X = cancer["X"].drop(columns="label").to_numpy()
    import onnxruntime as ort

    session = ort.InferenceSession(str(cancer["onnx"]), providers=["CPUExecutionProvider"])
    onnx_proba = session.run(None, {session.get_inputs()[0].name: X})[1]
    expected = np.abs(cancer["sklearn"].predict_proba(X) - onnx_proba)
    assert m["equivalence_max_abs_difference"] == pytest.approx(expected.max(), abs=1e-9)
    assert m["equivalence_mean_abs_difference"] == pytest.approx(expected.mean(), abs=1e-9)
    assert 0 < m["equivalence_max_abs_difference"] < 1e-5  # float32 vs float64
    assert m["equivalence_label_agreement"] == 1.0 and m["equivalent"] is True
    assert m["deterministic"] is True and m["max_repeat_difference"] == 0.0
    assert result.problems == []


def test_different_models_are_not_equivalent(cancer) -> None:
    result = _run(cancer, cancer["sklearn"], cancer["other"])
    X = cancer["X"].drop(columns="label").to_numpy()
    agree = np.mean(cancer["sklearn"].predict(X) == cancer["other"].predict(X))
    assert result.measures["equivalent"] is False
    assert result.measures["equivalence_label_agreement"] == pytest.approx(agree)


def test_a_nondeterministic_model_is_caught(cancer) -> None:
    result = _run(cancer, _Noisy(cancer["sklearn"]))
    m = result.measures
    assert m["deterministic"] is False
    assert m["max_repeat_difference"] > 0
    assert "no `reference_model`" in result.undefined["equivalent"]
    checks = json.loads(Path(result.resource("checks")["file"]).read_text())
    assert [r[0] for r in checks["rows"]][:2] == ["repeat 2", "repeat 3"]


def test_latency_percentiles_and_throughput(cancer) -> None:
    result = _run(cancer, cancer["onnx"], batch_sizes=[1, 10, 2000], latency_calls=8)
    m = result.measures
    assert len(m["latency_p50_ms"]) == 3
    for p50, p95, p99 in zip(m["latency_p50_ms"], m["latency_p95_ms"], m["latency_p99_ms"],
                             strict=True):
        assert 0 < p50 <= p95 <= p99
    table = json.loads(Path(result.resource("latency_table")["file"]).read_text())
    rows = [dict(zip(table["columns"], r, strict=True)) for r in table["rows"]]
    for r, tput in zip(rows, m["throughput_rows_per_s"], strict=True):
        assert tput == pytest.approx(r["batch_size"] / (r["mean_ms"] / 1000))
    assert m["max_throughput_rows_per_s"] == max(m["throughput_rows_per_s"])
    assert rows[2]["batch_size"] == 2000  # bigger than the 569 rows: rows are repeated


class _Noisy(ClassifierMixin, BaseEstimator):
    """A classifier whose probabilities jitter from call to call."""

    def __init__(self, model: Any = None) -> None:
        self.model = model

    @property
    def classes_(self) -> np.ndarray:
        return self.model.classes_

    def predict(self, X: Any) -> np.ndarray:
        return self.model.predict(np.asarray(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        p = self.model.predict_proba(np.asarray(X))
        return np.clip(p + np.random.default_rng().normal(0, 1e-3, p.shape), 0, 1)


