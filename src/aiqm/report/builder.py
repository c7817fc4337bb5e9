"""Build the report document from a run's records, and read and write it as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from aiqm.core.guideline import Guideline
from aiqm.core.manifest import AITManifest
from aiqm.core.results import RunRecord, TDResult
from aiqm.exceptions import InputError
from aiqm.report.model import (
    SCHEMA_VERSION,
    Report,
    ReportCharacteristic,
    ReportComponent,
    ReportCoverage,
    ReportGenerator,
    ReportGuideline,
    ReportInventory,
    ReportRun,
    ReportSummary,
    ReportTest,
)
from aiqm.report.results import report_test, sorted_keys
from aiqm.report.verdict import count_statuses, verdict

__all__ = ["build_report", "load_report", "report_to_json"]

_INVENTORY_FIELDS = ("name", "kind", "path", "format", "digest", "size_bytes")


def _characteristics(
    tests: Sequence[ReportTest], guideline: Guideline | None
) -> list[ReportCharacteristic]:
    """Sections in guideline order; ids the guideline does not know follow in order seen."""
    by_id: dict[str, list[ReportTest]] = {}
    for t in tests:
        by_id.setdefault(t.characteristic, []).append(t)
    known = guideline.characteristic_ids if guideline is not None else ()
    order = [c for c in known if c in by_id] + [c for c in by_id if c not in known]
    out = []
    for cid in order:
        char = guideline.characteristic(cid) if guideline is not None else None
        members = by_id[cid]
        if char is not None:
            names = {"en": char.names.en, **({"ja": char.names.ja} if char.names.ja else {})}
        else:
            names = {}
        out.append(
            ReportCharacteristic(
                id=cid,
                name=char.names.en if char is not None else cid,
                names=names,
                kind=char.kind if char is not None else "unknown",
                tests=[t.name for t in members],
                counts=count_statuses(t.status for t in members),
            )
        )
    return out


def _summary(run: RunRecord, tests: Sequence[ReportTest]) -> ReportSummary:
    counts = count_statuses(t.status for t in tests)
    duration: float | None = None
    if run.finished_at is not None:
        duration = (run.finished_at - run.created_at).total_seconds()
    elif any(t.duration_s is not None for t in tests):
        duration = sum(t.duration_s or 0.0 for t in tests)
    return ReportSummary(
        total=len(tests),
        **counts.model_dump(),
        verdict=verdict(t.status for t in tests),
        duration_s=duration,
    )


def _component(run: RunRecord, component: Mapping[str, Any]) -> ReportComponent:
    guidelines = component.get("guidelines", component.get("guideline", []))
    if isinstance(guidelines, str):
        guidelines = [guidelines]
    return ReportComponent(
        name=str(component.get("name") or run.component),
        task=str(component.get("task") or ""),
        guidelines=[str(g) for g in guidelines],
        levels={str(k): str(v) for k, v in sorted(dict(component.get("levels") or {}).items())},
        description=str(component.get("description") or ""),
    )


def _inventory(entry: Mapping[str, Any], name: str | None = None) -> ReportInventory:
    data = dict(entry)
    details = dict(data.pop("details", None) or {})
    details.update({k: v for k, v in data.items() if k not in _INVENTORY_FIELDS})
    size = data.get("size_bytes")
    return ReportInventory(
        name=str(data.get("name") or name or ""),
        kind=str(data.get("kind") or ""),
        path=str(data.get("path") or ""),
        format=str(data.get("format") or ""),
        digest=data.get("digest"),
        size_bytes=int(size) if size is not None else None,
        details=sorted_keys(details),
    )


def build_report(
    run: RunRecord,
    results: list[TDResult],
    manifests: dict[str, AITManifest],
    guideline: Guideline | None,
    component: dict[str, Any],
    inventories: list[dict[str, Any]],
    environment: dict[str, Any],
    generator_version: str,
    *,
    generated_at: datetime | None = None,
    coverage: Sequence[ReportCoverage] = (),
) -> Report:
    """Assemble the report document of a run (pure: reads no files).

    Parameters
    ----------
    run : RunRecord
        The run.
    results : list of TDResult
        Its test results, in the order the report lists them.
    manifests : dict
        ``"<ait_id>@<version>"`` to manifest. An AIT missing here (not installed)
        is shown by id and version only; measure types are then inferred.
    guideline : Guideline or None
        The guideline that orders and names the characteristics; None lists them
        by raw id in the order seen.
    component : dict
        The component (e.g. ``Component.model_dump()``): ``name``, ``task``,
        ``guideline`` or ``guidelines``, ``levels``, ``description``.
    inventories : list of dict
        One dict per inventory with ``name``, ``kind``, ``path``, ``format``,
        ``digest``, ``size_bytes``; other keys go to ``details``. When empty, the
        run's own ``run.inventories`` (name to dict) are used.
    environment : dict
        Free-form description of the environment; when empty, ``run.environment``.
    generator_version : str
        The aiqm version writing the report.
    generated_at : datetime or None, default=None
        Time stamp of the report; None means now (UTC). Pass one to make the
        document reproducible.
    coverage : sequence of ReportCoverage, default=()
        Guideline coverage, one entry per guideline of the component (see
        :func:`aiqm.report.coverage.report_coverage`).

    Returns
    -------
    Report

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from aiqm.core.results import RunRecord
    >>> run = RunRecord(id="r1", project_dir=".", component="demo",
    ...                 created_at=datetime(2024, 1, 1, tzinfo=UTC))
    >>> r = build_report(run, [], {}, None, {"name": "demo"}, [], {}, "0.1.0")
    >>> r.summary.verdict.value, r.summary.total
    ('NA', 0)
    """
    tests = [
        report_test(res, manifests.get(f"{res.ait_id}@{res.ait_version}"), guideline)
        for res in results
    ]
    if inventories:
        inv = [_inventory(e) for e in inventories]
    else:
        inv = [_inventory(e, name) for name, e in sorted(run.inventories.items())]
    return Report(
        schema_version=SCHEMA_VERSION,
        generator=ReportGenerator(name="aiqm", version=generator_version),
        generated_at=generated_at or datetime.now(UTC),
        run=ReportRun(
            id=run.id,
            status=run.status,
            executor=run.executor,
            created_at=run.created_at,
            finished_at=run.finished_at,
            project_dir=run.project_dir,
        ),
        component=_component(run, component),
        guideline=(
            ReportGuideline(
                ref=guideline.ref,
                title=guideline.meta.title.en,
                edition=guideline.meta.edition,
                titles={k: v for k, v in guideline.meta.title.model_dump().items() if v},
            )
            if guideline is not None
            else None
        ),
        summary=_summary(run, tests),
        characteristics=_characteristics(tests, guideline),
        tests=tests,
        inventories=inv,
        environment=sorted_keys(environment or run.environment),
        coverage=list(coverage),
    )


def report_to_json(report: Report) -> str:
    """Serialise a report as JSON: indent 2, non-ASCII kept as is, keys in schema order.

    Free-form mappings (parameters, levels, details, environment) have their keys
    sorted by :func:`build_report`, so the same inputs give the same text.
    Encode the result as UTF-8 when writing it.
    """
    return report.model_dump_json(indent=2) + "\n"


def load_report(text: str | bytes) -> Report:
    """Read a report document written by :func:`report_to_json`.

    Raises
    ------
    InputError
        When the text is not JSON, or its ``schema_version`` has a major version
        this aiqm cannot read.
    pydantic.ValidationError
        When the document does not match the schema.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"the report is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError("the report must be a JSON object; got " + type(data).__name__)
    version = str(data.get("schema_version", ""))
    if version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise InputError(
            f"report schema_version {version or '(missing)'!r} is not supported; this aiqm "
            f"reads {SCHEMA_VERSION.split('.')[0]}.x; regenerate the report with this version"
        )
    return Report.model_validate(data)
