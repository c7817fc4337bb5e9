"""How a stored result becomes a test of the report: one explicit conversion.

The run store keeps :class:`~aiqm.core.results.TDResult` records; the report
shows each as a :class:`~aiqm.report.model.ReportTest`, which carries the same
facts plus what the guideline and the AIT manifest say about them (names,
descriptions, measure directions). The report's parts are separate models
because their JSON Schema is published and versioned on its own
(:data:`~aiqm.report.model.SCHEMA_VERSION`).

The ``*_FIELDS`` tables below say where every field of a stored record goes,
and the ``*_DERIVED`` sets name the report fields that come from elsewhere;
``tests/report/test_result_conversion.py`` fails when a field is added to one
side and not the other, and checks that every value arrives.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from aiqm.core.guideline import Guideline
from aiqm.core.manifest import AITManifest
from aiqm.core.results import CriterionOutcome, InputRef, MeasureValue, ResourceRef, TDResult
from aiqm.report.model import (
    ReportAIT,
    ReportCriterion,
    ReportInput,
    ReportMeasure,
    ReportResource,
    ReportTest,
)

__all__ = [
    "CRITERION_FIELDS",
    "INPUT_FIELDS",
    "MEASURE_DERIVED",
    "MEASURE_FIELDS",
    "RESOURCE_DERIVED",
    "RESOURCE_FIELDS",
    "TEST_DERIVED",
    "TEST_FIELDS",
    "report_criterion",
    "report_input",
    "report_measure",
    "report_resource",
    "report_test",
    "sorted_keys",
]

TEST_FIELDS: dict[str, str] = {
    "td_name": "name",
    "characteristic": "characteristic",
    "requirements": "requirements",
    "ait_id": "ait",  # ait.id
    "ait_version": "ait",  # ait.version
    "parameters": "parameters",
    "inputs": "inputs",
    "status": "status",
    "measures": "measures",
    "criteria": "criteria",
    "resources": "resources",
    "error": "error",
    "log": "log",
    "started_at": "started_at",
    "finished_at": "finished_at",
    "duration_s": "duration_s",
    "cache_key": "cache_key",
    "cached_from": "cached_from",
}
""":class:`TDResult` field → the :class:`ReportTest` field that carries it."""

TEST_DERIVED = frozenset({"characteristic_name"})
""":class:`ReportTest` fields taken from the guideline, not from the stored result."""

INPUT_FIELDS = {name: name for name in ("slot", "inventory", "kind", "digest")}
""":class:`InputRef` field → :class:`ReportInput` field."""

CRITERION_FIELDS = {
    name: name for name in ("measure", "description", "actual", "passed", "reason")
}
""":class:`CriterionOutcome` field → :class:`ReportCriterion` field."""

RESOURCE_FIELDS = {
    name: name for name in ("name", "kind", "media_type", "digest", "size", "filename")
}
""":class:`ResourceRef` field → :class:`ReportResource` field."""

RESOURCE_DERIVED = frozenset({"description"})
""":class:`ReportResource` fields taken from the AIT manifest."""

MEASURE_FIELDS = {name: name for name in ("name", "value", "undefined_reason")}
""":class:`MeasureValue` field → :class:`ReportMeasure` field."""

MEASURE_DERIVED = frozenset({"description", "direction", "unit", "type", "structure"})
""":class:`ReportMeasure` fields taken from the AIT manifest (or inferred from the value)."""


def sorted_keys(value: Any) -> Any:
    """Free-form data with dict keys sorted (recursively), so the JSON is stable.

    Examples
    --------
    >>> sorted_keys({"b": 1, "a": {"d": 2, "c": 3}})
    {'a': {'c': 3, 'd': 2}, 'b': 1}
    """
    if isinstance(value, Mapping):
        return {str(k): sorted_keys(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [sorted_keys(v) for v in value]
    return value


def _infer_type(value: Any) -> Literal["float", "int", "bool"] | None:
    first = value[0] if isinstance(value, list) and value else value
    if isinstance(first, bool):
        return "bool"
    if isinstance(first, int):
        return "int"
    if isinstance(first, float):
        return "float"
    return None


def report_measure(m: MeasureValue, manifest: AITManifest | None) -> ReportMeasure:
    """A measure with its manifest metadata; a non-finite value becomes undefined (JSON has none)."""
    spec = manifest.measure(m.name) if manifest is not None else None
    value, reason = m.value, m.undefined_reason
    if isinstance(value, float) and not math.isfinite(value):
        # JSON has no NaN/inf: record it as undefined rather than emit invalid JSON.
        value, reason = None, reason or f"the AIT reported {value!r}"
    if spec is not None:
        return ReportMeasure(
            name=m.name,
            value=value,
            undefined_reason=reason,
            description=spec.description,
            direction=spec.direction,
            unit=spec.unit,
            type=spec.type,
            structure=spec.structure,
        )
    structure: Literal["single", "sequence"] | None = None
    if value is not None:
        structure = "sequence" if isinstance(value, list) else "single"
    return ReportMeasure(
        name=m.name,
        value=value,
        undefined_reason=reason,
        type=_infer_type(value),
        structure=structure,
    )


def report_resource(r: ResourceRef, manifest: AITManifest | None) -> ReportResource:
    """A stored artifact with the description its AIT manifest gives it."""
    description = ""
    if manifest is not None:
        described = {d.name: d.description for d in manifest.downloads}
        described.update({s.name: s.description for s in manifest.resources})
        description = described.get(r.name, "")
    return ReportResource(
        name=r.name,
        kind=r.kind,
        media_type=r.media_type,
        digest=r.digest,
        size=r.size,
        filename=r.filename,
        description=description,
    )


def report_input(i: InputRef) -> ReportInput:
    """An input slot with the inventory and digest it had."""
    return ReportInput(slot=i.slot, inventory=i.inventory, kind=i.kind, digest=i.digest)


def report_criterion(c: CriterionOutcome) -> ReportCriterion:
    """How a criterion fared."""
    return ReportCriterion(
        measure=c.measure, description=c.description, actual=c.actual, passed=c.passed,
        reason=c.reason,
    )


def report_test(
    res: TDResult, manifest: AITManifest | None, guideline: Guideline | None
) -> ReportTest:
    """The report's view of a stored result.

    Parameters
    ----------
    res : TDResult
        The stored result.
    manifest : AITManifest or None
        The manifest of the AIT that produced it; None when it is not installed
        (titles and descriptions are then empty, measure types inferred).
    guideline : Guideline or None
        Names the characteristic; None keeps its id.

    Examples
    --------
    >>> from aiqm.core.results import Status
    >>> res = TDResult(td_name="acc", characteristic="C-1", ait_id="m", ait_version="1.0.0",
    ...                status=Status.OK, measures=[MeasureValue(name="accuracy", value=0.93)])
    >>> test = report_test(res, None, None)
    >>> test.name, test.ait.ref, test.measures[0].type
    ('acc', 'aiqm.ait:m@1.0.0', 'float')
    """
    char = guideline.characteristic(res.characteristic) if guideline is not None else None
    return ReportTest(
        name=res.td_name,
        characteristic=res.characteristic,
        characteristic_name=char.names.en if char is not None else res.characteristic,
        requirements=list(res.requirements),
        ait=ReportAIT(
            id=res.ait_id,
            version=res.ait_version,
            ref=f"aiqm.ait:{res.ait_id}@{res.ait_version}",
            title=manifest.title if manifest is not None else "",
            description=manifest.description if manifest is not None else "",
        ),
        parameters=sorted_keys(res.parameters),
        inputs=[report_input(i) for i in res.inputs],
        status=res.status,
        criteria=[report_criterion(c) for c in res.criteria],
        measures=[report_measure(m, manifest) for m in res.measures],
        resources=[report_resource(r, manifest) for r in res.resources],
        error=res.error,
        log=report_resource(res.log, None) if res.log is not None else None,
        started_at=res.started_at,
        finished_at=res.finished_at,
        duration_s=res.duration_s,
        cache_key=res.cache_key,
        cached_from=res.cached_from,
    )
