from __future__ import annotations

import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

from aiqm.plugins.manager import load_registry
from aiqm.plugins.sdk import ait
from aiqm.testing import FakeAIT, check_ait


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def test_fake_ait_conforms():
    result = check_ait(FakeAIT, params={"value": 0.5, "values": [1.0]})
    assert result.measures["value"] == 0.5


def test_builtin_classification_performance_conforms(registry):
    frame = load_breast_cancer(as_frame=True).frame
    model = LogisticRegression(max_iter=5000).fit(frame.drop(columns="target"), frame["target"])
    result = check_ait(
        registry.get("classification_performance@1"),
        datasets={"dataset": frame}, targets={"dataset": "target"}, models={"model": model},
    )
    assert 0.9 < result.measures["accuracy"] <= 1


def test_builtin_data_completeness_conforms(registry):
    frame = load_breast_cancer(as_frame=True).frame
    check_ait(registry.get("data_completeness@1"), datasets={"dataset": frame})


def test_non_conforming_ait_is_reported():
    @ait(id="sloppy", version="1.0.0", description="d", characteristics=["C-1"],
         parameters=[{"name": "k", "type": "int", "default": 1,
                      "constraints": [{"kind": "interval", "low": 0, "high": 10}]}],
         measures=[{"name": "a", "min": 0, "max": 1}, {"name": "b"}])
    def sloppy(ctx):
        ctx.measure("a", 2.0)  # out of range; 'b' never reported

    with pytest.raises(AssertionError) as info:
        check_ait(sloppy)
    text = str(info.value)
    assert "outside its declared range" in text
    assert "'b' was neither reported nor undefined" in text
