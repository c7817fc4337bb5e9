from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aiqm.exceptions import DataError
from aiqm.models import PredictionsAdapter, load_model


@pytest.fixture
def scored() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    p1 = rng.random(200)
    return pd.DataFrame(
        {
            "x": rng.normal(size=200),
            "label": (rng.random(200) < 0.4).astype(np.int64),
            "pred": (p1 >= 0.5).astype(np.int64),
            "p0": 1 - p1,
            "p1": p1,
        }
    )


def _spec(ds, **extra: object) -> dict[str, object]:
    return {
        "kind": "predictions",
        "inventory": "vendor",
        "dataset_digest": ds.digest,
        "arrow_path": str(ds.arrow_path),
        "column": "pred",
        **extra,
    }


def test_labels_and_probabilities(scored, make_dataset) -> None:
    ds = make_dataset(scored, target="label", features=["x"])
    model = load_model(_spec(ds, proba_columns=["p0", "p1"], classes=[0, 1]))
    assert isinstance(model, PredictionsAdapter)
    assert model.kind == "predictions" and model.has_proba and model.estimator is None
    assert model.digest.startswith("sha256:")
    np.testing.assert_array_equal(model.predict(ds), scored["pred"].to_numpy())
    np.testing.assert_array_equal(model.predict_proba(ds), scored[["p0", "p1"]].to_numpy())
    np.testing.assert_array_equal(model.classes_, [0, 1])


def test_classes_default_to_sorted_labels(scored, make_dataset) -> None:
    frame = scored.assign(pred=np.where(scored["pred"] == 1, "yes", "no"))
    ds = make_dataset(frame, target="label", features=["x"])
    model = load_model(_spec(ds, proba_columns=["p0", "p1"]))
    assert list(model.classes_) == ["no", "yes"]
    assert set(model.predict(ds)) == {"no", "yes"}


def test_without_probabilities(scored, make_dataset) -> None:
    ds = make_dataset(scored, target="label", features=["x"])
    model = load_model(_spec(ds))
    assert not model.has_proba
    assert model.predict_proba(ds) is None
    np.testing.assert_array_equal(model.classes_, [0, 1])


def test_other_dataset_is_refused(scored, make_dataset) -> None:
    ds = make_dataset(scored, target="label", features=["x"])
    other = make_dataset(scored.iloc[:100], name="other", target="label", features=["x"])
    model = load_model(_spec(ds, proba_columns=["p0", "p1"]))
    with pytest.raises(DataError) as info:
        model.predict(other)
    message = str(info.value)
    assert "predictions 'vendor'" in message and "'other'" in message
    assert "only its own dataset" in message
    with pytest.raises(DataError, match="only its own dataset"):
        model.predict_proba(other)


def test_missing_columns(scored, make_dataset) -> None:
    ds = make_dataset(scored, target="label")
    with pytest.raises(DataError, match=r"no column 'p2'.*columns: x, label, pred, p0, p1"):
        load_model(_spec(ds, proba_columns=["p0", "p2"]))
    with pytest.raises(DataError, match="one class per probability column"):
        load_model(_spec(ds, proba_columns=["p0", "p1"], classes=[0, 1, 2]))


def test_digest_depends_on_columns(scored, make_dataset) -> None:
    ds = make_dataset(scored, target="label")
    a = load_model(_spec(ds, digest=None))
    b = load_model(_spec(ds, digest=None, proba_columns=["p0", "p1"]))
    assert a.digest != b.digest
    assert a.digest == load_model(_spec(ds, digest=None)).digest
