"""The stored result and the report's test stay in step, field by field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import BaseModel

from aiqm.core.manifest import AITManifest
from aiqm.core.results import (
    CriterionOutcome,
    InputRef,
    MeasureValue,
    ResourceRef,
    Status,
    TDResult,
)
from aiqm.report.model import (
    ReportCriterion,
    ReportInput,
    ReportMeasure,
    ReportResource,
    ReportTest,
)
from aiqm.report.results import (
    CRITERION_FIELDS,
    INPUT_FIELDS,
    MEASURE_DERIVED,
    MEASURE_FIELDS,
    RESOURCE_DERIVED,
    RESOURCE_FIELDS,
    TEST_DERIVED,
    TEST_FIELDS,
    report_test,
)

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
DIGEST = "sha256:" + "c" * 64


@pytest.mark.parametrize(
    ("stored", "shown", "fields", "derived"),
    [
        (TDResult, ReportTest, TEST_FIELDS, TEST_DERIVED),
        (InputRef, ReportInput, INPUT_FIELDS, frozenset()),
        (CriterionOutcome, ReportCriterion, CRITERION_FIELDS, frozenset()),
        (ResourceRef, ReportResource, RESOURCE_FIELDS, RESOURCE_DERIVED),
        (MeasureValue, ReportMeasure, MEASURE_FIELDS, MEASURE_DERIVED),
    ],
    ids=["test", "input", "criterion", "resource", "measure"],
)
def test_every_field_has_a_place_on_the_other_side(
    stored: type[BaseModel], shown: type[BaseModel], fields: dict[str, str],
    derived: frozenset[str],
) -> None:
    # a field added to the stored record must be mapped …
    assert set(fields) == set(stored.model_fields), (
        f"{stored.__name__} and the conversion table disagree: add the new field to "
        "aiqm/report/results.py (and to the report model)"
    )
    # … and a field added to the report must come from the record or be declared derived
    assert set(fields.values()) | derived == set(shown.model_fields), (
        f"{shown.__name__} has fields the conversion does not fill: map them in "
        "aiqm/report/results.py"
    )
    assert not set(fields.values()) & derived


def _full_result() -> TDResult:
    """A result with every field set to something other than its default."""
    return TDResult(
        td_name="accuracy on test",
        characteristic="C-1",
        requirements=["C-1-L1-1"],
        ait_id="mm",
        ait_version="1.2.0",
        parameters={"b": 2, "a": {"y": 1, "x": 0}},
        inputs=[InputRef(slot="dataset", inventory="test", kind="dataset", digest=DIGEST)],
        status=Status.NG,
        measures=[MeasureValue(name="accuracy", value=0.5), MeasureValue(
            name="recall", value=None, undefined_reason="no positives")],
        criteria=[CriterionOutcome(measure="accuracy", description="accuracy >= 0.9",
                                   actual=0.5, passed=False, reason="below")],
        resources=[ResourceRef(name="roc", kind="figure", media_type="image/svg+xml",
                               digest=DIGEST, size=10, filename="roc.svg")],
        error="partly failed",
        log=ResourceRef(name="log", kind="log", media_type="text/plain", digest=DIGEST, size=3,
                        filename="log.txt"),
        started_at=T0,
        finished_at=T0 + timedelta(seconds=2),
        duration_s=2.0,
        cache_key="sha256:" + "d" * 64,
        cached_from="20240101-000000-abcdef",
    )


def test_every_value_arrives() -> None:
    res = _full_result()
    defaults = TDResult(td_name="x", characteristic="x", ait_id="x", ait_version="1",
                        status=Status.OK)
    for name in TDResult.model_fields:  # the fixture really sets every field
        assert getattr(res, name) != getattr(defaults, name), name
    manifest = AITManifest(
        id="mm", version="1.2.0", description="Measures.", characteristics=("C-1",),
        measures=({"name": "accuracy", "direction": "higher"},
                  {"name": "recall", "direction": "higher"}),
        resources=({"name": "roc", "kind": "figure", "description": "ROC curve"},),
    )
    test = report_test(res, manifest, None)
    for src, dst in TEST_FIELDS.items():
        value = getattr(test, dst)
        if dst == "ait":
            assert (test.ait.id, test.ait.version) == (res.ait_id, res.ait_version)
        elif dst in ("inputs", "criteria"):
            table = INPUT_FIELDS if dst == "inputs" else CRITERION_FIELDS
            for a, b in zip(getattr(res, src), value, strict=True):
                assert {table[k]: v for k, v in a.model_dump().items()} == b.model_dump(), dst
        elif dst in ("resources", "log"):
            pairs = zip(res.resources, value, strict=True) if dst == "resources" else [
                (res.log, value)]
            for a, b in pairs:
                shown = b.model_dump(exclude=set(RESOURCE_DERIVED))
                assert {RESOURCE_FIELDS[k]: v for k, v in a.model_dump().items()} == shown
        elif dst == "measures":
            for a, b in zip(res.measures, value, strict=True):
                shown = b.model_dump(exclude=set(MEASURE_DERIVED))
                assert {MEASURE_FIELDS[k]: v for k, v in a.model_dump().items()} == shown
        else:
            assert value == getattr(res, src), dst
    # what comes from the manifest
    assert test.measures[0].direction == "higher"
    assert test.resources[0].description == "ROC curve"
    assert list(test.parameters) == ["a", "b"]  # keys sorted for a stable JSON
