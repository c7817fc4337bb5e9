from __future__ import annotations

import pickle
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier

from aiqm.exceptions import InventoryError, UntrustedModelError
from aiqm.models import load_model


@pytest.fixture
def forest(cancer_frame):
    X = cancer_frame.drop(columns="target")
    return RandomForestClassifier(n_estimators=10, random_state=0).fit(X, cancer_frame["target"])


def _spec(path: Path, **extra: object) -> dict[str, object]:
    return {"kind": "model", "inventory": "rf", "path": str(path), **extra}


def test_joblib_untrusted_is_refused(tmp_path, forest) -> None:
    path = tmp_path / "rf.joblib"
    joblib.dump(forest, path)
    with pytest.raises(UntrustedModelError) as info:
        load_model(_spec(path))
    message = str(info.value)
    assert "model 'rf'" in message
    assert "arbitrary code" in message
    assert "skops" in message and "ONNX" in message
    assert "`trusted: true`" in message


def test_joblib_trusted_works(tmp_path, forest, cancer_frame, make_dataset) -> None:
    path = tmp_path / "rf.joblib"
    joblib.dump(forest, path)
    model = load_model(_spec(path, trusted=True))
    assert model.kind == "joblib"
    ds = make_dataset(cancer_frame, target="target")
    X = cancer_frame.drop(columns="target")
    np.testing.assert_array_equal(model.predict(ds), forest.predict(X))
    np.testing.assert_allclose(model.predict_proba(ds), forest.predict_proba(X), rtol=1e-12)


@pytest.mark.parametrize("suffix", [".pkl", ".pickle"])
def test_plain_pickle(tmp_path, forest, suffix) -> None:
    path = tmp_path / f"rf{suffix}"
    path.write_bytes(pickle.dumps(forest))
    with pytest.raises(UntrustedModelError):
        load_model(_spec(path))
    model = load_model(_spec(path, trusted=True))
    assert model.kind == "pickle"
    assert type(model.estimator) is RandomForestClassifier


def test_explicit_format(tmp_path, forest) -> None:
    path = tmp_path / "model.bin"
    joblib.dump(forest, path)
    with pytest.raises(InventoryError, match=r"set `format` to one of: skops, onnx"):
        load_model(_spec(path, trusted=True))
    assert load_model(_spec(path, trusted=True, format="joblib")).kind == "joblib"


def test_object_without_predict(tmp_path) -> None:
    path = tmp_path / "notamodel.joblib"
    joblib.dump({"weights": [1, 2, 3]}, path)
    with pytest.raises(InventoryError, match="has no `predict` method"):
        load_model(_spec(path, trusted=True))


def test_corrupt_joblib(tmp_path) -> None:
    path = tmp_path / "broken.joblib"
    path.write_bytes(b"\x80\x04garbage")
    with pytest.raises(InventoryError, match="cannot load joblib file"):
        load_model(_spec(path, trusted=True))


def test_missing_file_and_bad_spec(tmp_path) -> None:
    with pytest.raises(InventoryError, match="does not exist"):
        load_model(_spec(tmp_path / "gone.joblib", trusted=True))
    with pytest.raises(InventoryError, match="has no `path`"):
        load_model({"kind": "model", "inventory": "rf"})
    with pytest.raises(InventoryError, match="kind 'dataset'"):
        load_model({"kind": "dataset", "path": "x.csv"})


def test_digest_is_computed_or_taken(tmp_path, forest) -> None:
    from aiqm.data import sha256_path

    path = tmp_path / "rf.joblib"
    joblib.dump(forest, path)
    assert load_model(_spec(path, trusted=True)).digest == sha256_path(path)
    given = "sha256:" + "a" * 64
    assert load_model(_spec(path, trusted=True, digest=given)).digest == given
