from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from aiqm.exceptions import DataError, InventoryError, UntrustedModelError
from aiqm.models import SklearnAdapter, load_model


class Doubler(TransformerMixin, BaseEstimator):
    """A custom transformer: skops does not trust it by default."""

    def fit(self, X: object, y: object = None) -> Doubler:
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X) * 2.0


DOUBLER = f"{Doubler.__module__}.{Doubler.__qualname__}"


def _spec(path: Path, **extra: object) -> dict[str, object]:
    return {"kind": "model", "inventory": "clf", "path": str(path), "format": "auto", **extra}


def _split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    return frame.drop(columns="target"), frame["target"]


def test_logistic_regression_round_trip(tmp_path, cancer_frame, make_dataset) -> None:
    X, y = _split(cancer_frame)
    est = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    path = tmp_path / "lr.skops"
    sio.dump(est, path)

    model = load_model(_spec(path))
    ds = make_dataset(cancer_frame, target="target")
    assert isinstance(model, SklearnAdapter)
    assert model.kind == "skops" and model.inventory == "clf"
    assert model.digest.startswith("sha256:")
    assert model.has_proba
    np.testing.assert_array_equal(model.classes_, [0, 1])
    np.testing.assert_array_equal(model.predict(ds), est.predict(X))
    np.testing.assert_allclose(model.predict_proba(ds), est.predict_proba(X), rtol=1e-12)


def test_hist_gradient_boosting_needs_reviewed_types(tmp_path, cancer_frame, make_dataset) -> None:
    X, y = _split(cancer_frame)
    est = make_pipeline(
        StandardScaler(), HistGradientBoostingClassifier(max_iter=20, random_state=0)
    )
    est.fit(X, y)
    path = tmp_path / "hgb.skops"
    sio.dump(est, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted  # skops does not trust the tree predictor by default

    with pytest.raises(UntrustedModelError) as info:
        load_model(_spec(path))
    for name in untrusted:
        assert name in str(info.value)
    assert "trusted_types" in str(info.value)

    model = load_model(_spec(path, trusted_types=untrusted))
    # columns are selected by name, so their order in the dataset does not matter
    shuffled = cancer_frame[list(reversed(cancer_frame.columns))]
    ds = make_dataset(shuffled, target="target")
    np.testing.assert_array_equal(model.predict(ds), est.predict(X))
    np.testing.assert_allclose(model.predict_proba(ds), est.predict_proba(X), rtol=1e-12)


def test_custom_type_is_refused_until_trusted(tmp_path, cancer_frame, make_dataset) -> None:
    X, y = _split(cancer_frame)
    est = make_pipeline(StandardScaler(), Doubler(), LogisticRegression()).fit(X.to_numpy(), y)
    path = tmp_path / "custom.skops"
    sio.dump(est, path)

    with pytest.raises(UntrustedModelError) as info:
        load_model(_spec(path))
    message = str(info.value)
    assert DOUBLER in message
    assert f"trusted_types: [{DOUBLER}]" in message

    with pytest.raises(UntrustedModelError):
        load_model(_spec(path, trusted_types=["some.other.Type"]))

    model = load_model(_spec(path, trusted_types=[DOUBLER]))
    ds = make_dataset(cancer_frame, target="target")
    np.testing.assert_array_equal(model.predict(ds), est.predict(X.to_numpy()))

    # `trusted: true` means the whole file is trusted, as for joblib
    assert load_model(_spec(path, trusted=True)).estimator is not None


def test_missing_training_column(tmp_path, cancer_frame, make_dataset) -> None:
    X, y = _split(cancer_frame)
    est = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    path = tmp_path / "lr.skops"
    sio.dump(est, path)
    ds = make_dataset(cancer_frame.drop(columns=["mean radius", "worst area"]), target="target")
    with pytest.raises(DataError) as info:
        load_model(_spec(path)).predict(ds)
    assert "mean radius, worst area" in str(info.value)
    assert "dataset 'test'" in str(info.value)


def test_feature_count_mismatch_without_names(tmp_path, cancer_frame, make_dataset) -> None:
    X, y = _split(cancer_frame)
    est = make_pipeline(StandardScaler(), LogisticRegression()).fit(X.to_numpy()[:, :5], y)
    path = tmp_path / "lr5.skops"
    sio.dump(est, path)
    model = load_model(_spec(path))
    with pytest.raises(DataError, match="expects 5 features but dataset 'test' has 30"):
        model.predict(make_dataset(cancer_frame, target="target"))
    ds = make_dataset(cancer_frame, target="target", features=list(X.columns[:5]))
    np.testing.assert_array_equal(model.predict(ds), est.predict(X.to_numpy()[:, :5]))


def test_corrupt_skops_file(tmp_path) -> None:
    path = tmp_path / "broken.skops"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InventoryError, match="cannot read skops file") as info:
        load_model(_spec(path))
    assert not isinstance(info.value, UntrustedModelError)


def test_regressor_has_no_proba(tmp_path, cancer_frame, make_dataset) -> None:
    from sklearn.linear_model import Ridge

    X, y = _split(cancer_frame)
    est = Ridge().fit(X, y)
    path = tmp_path / "ridge.skops"
    sio.dump(est, path)
    model = load_model(_spec(path))
    assert not model.has_proba
    assert model.classes_ is None
    ds = make_dataset(cancer_frame, target="target")
    assert model.predict_proba(ds) is None
    np.testing.assert_allclose(model.predict(ds), est.predict(X))
