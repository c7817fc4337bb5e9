from __future__ import annotations

import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

from aiqm.core.constraints import Interval
from aiqm.core.manifest import AITManifest
from aiqm.plugins.manager import load_registry
from aiqm.plugins.sdk import AIT, Context, Param, Parameters, ait
from aiqm.testing import FakeAIT, check_ait, invalid_values, parameters_class_problems
from aiqm.testing.faults import ALL


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


class _Threshold(Parameters):
    threshold: float = Param(0.5, Interval(low=0, high=1), help="Cut-off.", help_ja="しきい値。")


def _typed_ait(manifest_parameters: list[dict]) -> AIT:
    """An AIT whose manifest was written apart from its parameters class."""
    manifest = AITManifest.from_data({
        "id": "typed", "version": "1.0.0", "description": "d", "characteristics": ["C-1"],
        "parameters": manifest_parameters, "measures": [{"name": "a"}],
    })
    return AIT(manifest, lambda ctx: ctx.measure("a", ctx.params.threshold), _Threshold)


def test_a_typed_ait_conforms_and_gets_its_class():
    @ait(id="typed", version="1.0.0", description="d", characteristics=["C-1"],
         parameters=_Threshold, measures=[{"name": "a"}])
    def typed(ctx: Context[_Threshold]) -> None:
        assert isinstance(ctx.params, _Threshold)
        ctx.measure("a", ctx.params.threshold)

    assert parameters_class_problems(typed) == []
    assert check_ait(typed, params={"threshold": 0.25}).measures["a"] == 0.25


def test_fake_and_fault_aits_declare_typed_parameters():
    for a in ALL:
        if a.manifest.parameters:
            assert a.parameters_type is not None, a.manifest.id
            assert parameters_class_problems(a) == [], a.manifest.id
            assert all(p.description and p.description_ja for p in a.manifest.parameters)


def test_a_parameters_class_that_disagrees_with_its_manifest_is_reported():
    spec = {"name": "threshold", "type": "float", "default": 0.5, "description": "Cut-off.",
            "description_ja": "しきい値。",
            "constraints": [{"kind": "interval", "low": 0, "high": 1}]}
    assert parameters_class_problems(_typed_ait([spec])) == []
    assert parameters_class_problems(_typed_ait([{**spec, "default": 0.7}])) == [
        "_Threshold.threshold differs from the manifest's parameter in default"
    ]
    other = {"name": "k", "type": "int", "default": 1}
    assert parameters_class_problems(_typed_ait([spec, other])) == [
        "manifest parameter 'k' has no field in _Threshold"
    ]
    assert parameters_class_problems(_typed_ait([])) == [
        "_Threshold.threshold is not a parameter of the manifest"
    ]
    with pytest.raises(AssertionError, match="differs from the manifest's parameter in default"):
        check_ait(_typed_ait([{**spec, "default": 0.7}]))


def test_interval_bounds_are_tested_on_each_item_of_a_list():
    @ait(id="listy", version="1.0.0", description="d", characteristics=["C-1"],
         parameters=[{"name": "ks", "type": "list[int]", "default": [1],
                      "constraints": [{"kind": "interval", "low": 1, "high": 6}]}],
         measures=[{"name": "a"}])
    def listy(ctx):
        ctx.measure("a", 0.0)

    assert invalid_values(listy.manifest) == {"ks": ["not a list", [0], [7]]}
    check_ait(listy)


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "season": ["summer", "winter", "summer", "autumn", "winter", "summer"] * 5,
        "size": [1.0, 2.5, 3.0, 4.5, 5.0, 6.5] * 5,
        "label": ["a", "b", "a", "b", "a", "b"] * 5,
    })


@pytest.mark.parametrize("ait_id", [
    "dataset_profile", "combinatorial_coverage", "distribution_uniformity", "data_adequacy",
    "data_drift",
])
def test_builtin_data_aits_conform(registry, ait_id):
    frame = _frame()
    datasets = {"reference": frame, "current": frame} if ait_id == "data_drift" else {"dataset": frame}
    check_ait(registry.get(ait_id), datasets=datasets, targets={"dataset": "label"})


def test_builtin_process_checklist_conforms(registry, tmp_path):
    sheet = tmp_path / "checklist.csv"
    sheet.write_text("requirement,answer,owner,date\nA-1-L1-1,yes,ann,2026-01-05\n", "utf-8")
    result = check_ait(registry.get("process_checklist"), documents={"checklist": tmp_path})
    assert result.measures["yes_count"] == 1
