"""Compare two report documents: what changed between two runs.

:func:`compare_reports` lines up the tests of two reports by name and reports
status changes, measure deltas, new and missing tests, changed parameters, and
changed inputs (inventory digests). A *regression* is

- a test that was ``OK`` and is now ``NG`` or ``ERR``, or
- a measure with a direction (``higher`` or ``lower`` is better, from the AIT
  manifest as recorded in the report) that moved the wrong way by more than
  the tolerance (absolute); for a sequence measure of unchanged length, any
  element that did. Truth values count as 0 and 1.

A measure that became undefined, changed length, or has no preferred direction
is reported as changed but is not a regression by itself (a criterion on it
changes the test's status, which is).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aiqm.core.results import Status
from aiqm.exceptions import InputError
from aiqm.report.canonical import report_digest
from aiqm.report.model import Report, ReportMeasure, ReportTest

__all__ = [
    "Comparison",
    "InputChange",
    "InventoryChange",
    "MeasureDelta",
    "RunSide",
    "TestChange",
    "compare_reports",
]

Value = float | int | bool | list[float | int | bool] | None
Direction = Literal["higher", "lower", "none"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunSide(_Part):
    """One of the two compared runs."""

    run_id: str
    created_at: str
    verdict: Status
    report_digest: str


class MeasureDelta(_Part):
    """How one measure of one test moved.

    ``delta`` is ``after - before`` for a single value; for a sequence of
    unchanged length it is the element delta that moved most the wrong way
    (or most in absolute value when there is no direction), and ``deltas`` has
    every element's.
    """

    measure: str
    before: Value = None
    after: Value = None
    delta: float | None = None
    deltas: list[float] = Field(default_factory=list)
    direction: Direction = "none"
    change: Literal[
        "unchanged",
        "improved",
        "worsened",
        "changed",
        "new",
        "missing",
        "became_undefined",
        "became_defined",
    ]
    regression: bool = False


class InputChange(_Part):
    """An AIT input slot whose inventory or digest differs."""

    slot: str
    before: str | None = None
    after: str | None = None
    inventory_before: str | None = None
    inventory_after: str | None = None


class TestChange(_Part):
    """One test in either run, and what changed about it."""

    __test__ = False  # not a pytest test class

    name: str
    characteristic: str
    change: Literal["new", "missing", "regressed", "fixed", "changed", "unchanged"]
    status_before: Status | None = None
    status_after: Status | None = None
    ait_before: str | None = None
    ait_after: str | None = None
    parameters_changed: list[str] = Field(default_factory=list)
    inputs_changed: list[InputChange] = Field(default_factory=list)
    measures: list[MeasureDelta] = Field(default_factory=list)
    regression: bool = False
    reasons: list[str] = Field(default_factory=list)


class InventoryChange(_Part):
    """A registered input whose digest changed, or that only one run has."""

    name: str
    change: Literal["changed", "added", "removed"]
    digest_before: str | None = None
    digest_after: str | None = None


class Comparison(_Part):
    """What changed from run ``before`` to run ``after``."""

    before: RunSide
    after: RunSide
    tolerance: float
    tests: list[TestChange] = Field(default_factory=list)
    inventories: list[InventoryChange] = Field(default_factory=list)
    regressions: list[str] = Field(default_factory=list)

    @property
    def has_regression(self) -> bool:
        """Whether any test regressed (status or measure)."""
        return bool(self.regressions)

    @property
    def has_changes(self) -> bool:
        """Whether anything differs between the two runs."""
        return bool(self.inventories) or any(t.change != "unchanged" for t in self.tests)

    def counts(self) -> dict[str, int]:
        """Number of tests per kind of change."""
        out = dict.fromkeys(("regressed", "fixed", "changed", "new", "missing", "unchanged"), 0)
        for t in self.tests:
            out[t.change] += 1
        return out


# ---------------------------------------------------------------- measures


def _numbers(value: Value) -> list[float] | None:
    """The value as floats (bools as 0/1), or None when undefined."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return [float(v) for v in items]


def _worse(delta: float, direction: Direction) -> float:
    """How far ``delta`` goes the wrong way (negative: the right way, 0: no direction)."""
    if direction == "higher":
        return -delta
    if direction == "lower":
        return delta
    return 0.0


def _measure_delta(
    name: str, before: ReportMeasure | None, after: ReportMeasure | None, tolerance: float
) -> MeasureDelta:
    direction: Direction = "none"
    for m in (after, before):
        if m is not None and m.direction != "none":
            direction = m.direction
            break
    if before is None or after is None:
        return MeasureDelta(
            measure=name,
            before=before.value if before else None,
            after=after.value if after else None,
            direction=direction,
            change="new" if before is None else "missing",
        )
    a, b = _numbers(before.value), _numbers(after.value)
    base = {"measure": name, "before": before.value, "after": after.value, "direction": direction}
    if a is None and b is None:
        return MeasureDelta(**base, change="unchanged")
    if a is None:
        return MeasureDelta(**base, change="became_defined")
    if b is None:
        return MeasureDelta(**base, change="became_undefined")
    if len(a) != len(b):
        return MeasureDelta(**base, change="changed")
    deltas = [y - x for x, y in zip(a, b, strict=True)]
    if direction == "none":
        delta = max(deltas, key=abs) if deltas else 0.0
    else:
        delta = max(deltas, key=lambda d: _worse(d, direction)) if deltas else 0.0
    worst = _worse(delta, direction)
    if all(d == 0 for d in deltas):
        change = "unchanged"
    elif direction == "none":
        change = "changed"
    elif worst > 0:
        change = "worsened"  # for a sequence: at least one element moved the wrong way
    else:
        change = "improved"
    return MeasureDelta(
        **base,
        delta=delta,
        deltas=deltas if isinstance(after.value, list) else [],
        change=change,  # type: ignore[arg-type]
        regression=direction != "none" and worst > tolerance,
    )


# ---------------------------------------------------------------- tests


def _inputs_changed(before: ReportTest, after: ReportTest) -> list[InputChange]:
    a = {i.slot: i for i in before.inputs}
    b = {i.slot: i for i in after.inputs}
    out = []
    for slot in [*a, *(s for s in b if s not in a)]:
        x, y = a.get(slot), b.get(slot)
        if x is not None and y is not None and (x.digest, x.inventory) == (y.digest, y.inventory):
            continue
        out.append(
            InputChange(
                slot=slot,
                before=x.digest if x else None,
                after=y.digest if y else None,
                inventory_before=x.inventory if x else None,
                inventory_after=y.inventory if y else None,
            )
        )
    return out


def _parameters_changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    keys = [*before, *(k for k in after if k not in before)]
    return [k for k in keys if before.get(k, _MISSING) != after.get(k, _MISSING)]


_MISSING = object()


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _test_change(before: ReportTest, after: ReportTest, tolerance: float) -> TestChange:
    a_measures = {m.name: m for m in before.measures}
    b_measures = {m.name: m for m in after.measures}
    names = [*a_measures, *(n for n in b_measures if n not in a_measures)]
    deltas = [_measure_delta(n, a_measures.get(n), b_measures.get(n), tolerance) for n in names]
    reasons = []
    status_regressed = before.status == Status.OK and after.status in (Status.NG, Status.ERR)
    if status_regressed:
        reasons.append(f"status {before.status.value} → {after.status.value}")
    for d in deltas:
        if d.regression:
            better = "higher" if d.direction == "higher" else "lower"
            reasons.append(
                f"{d.measure} moved the wrong way by {_fmt(abs(d.delta or 0.0))} "
                f"({_fmt(d.before)} → {_fmt(d.after)}; {better} is better; tolerance {_fmt(tolerance)})"
            )
    inputs = _inputs_changed(before, after)
    params = _parameters_changed(before.parameters, after.parameters)
    if status_regressed or reasons:
        change = "regressed"
    elif before.status != Status.OK and after.status == Status.OK:
        change = "fixed"
    elif (
        before.status != after.status
        or inputs
        or params
        or before.ait.ref != after.ait.ref
        or any(d.change != "unchanged" for d in deltas)
    ):
        change = "changed"
    else:
        change = "unchanged"
    return TestChange(
        name=after.name,
        characteristic=after.characteristic,
        change=change,  # type: ignore[arg-type]
        status_before=before.status,
        status_after=after.status,
        ait_before=before.ait.ref,
        ait_after=after.ait.ref,
        parameters_changed=params,
        inputs_changed=inputs,
        measures=deltas,
        regression=bool(reasons),
        reasons=reasons,
    )


def _side(report: Report) -> RunSide:
    return RunSide(
        run_id=report.run.id,
        created_at=report.run.created_at.isoformat(),
        verdict=report.summary.verdict,
        report_digest=report_digest(report),
    )


def compare_reports(before: Report, after: Report, *, tolerance: float = 0.0) -> Comparison:
    """Compare two reports of the same project (``before`` is the baseline).

    Parameters
    ----------
    before : Report
        The baseline run's report.
    after : Report
        The new run's report.
    tolerance : float, default=0.0
        How far (absolute) a measure may move the wrong way before it counts as
        a regression; 0 means any move the wrong way does.

    Returns
    -------
    Comparison
        Every test of either run (``after``'s order, then the missing ones),
        inventory changes and the list of regressions.

    Raises
    ------
    InputError
        When ``tolerance`` is negative or not a finite number.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from aiqm.core.results import RunRecord
    >>> from aiqm.report.builder import build_report
    >>> run = RunRecord(id="r1", project_dir=".", component="demo",
    ...                 created_at=datetime(2024, 1, 1, tzinfo=UTC))
    >>> r = build_report(run, [], {}, None, {"name": "demo"}, [], {}, "0.1")
    >>> compare_reports(r, r).has_regression
    False
    """
    if not isinstance(tolerance, int | float) or not math.isfinite(tolerance) or tolerance < 0:
        raise InputError(
            f"the tolerance must be a finite number >= 0 (an absolute change of a measure); "
            f"got {tolerance!r}"
        )
    a_tests = {x.name: x for x in before.tests}
    b_tests = {x.name: x for x in after.tests}
    tests: list[TestChange] = []
    for name, test in b_tests.items():
        old = a_tests.get(name)
        if old is None:
            tests.append(
                TestChange(
                    name=name,
                    characteristic=test.characteristic,
                    change="new",
                    status_after=test.status,
                    ait_after=test.ait.ref,
                )
            )
        else:
            tests.append(_test_change(old, test, tolerance))
    for name, test in a_tests.items():
        if name not in b_tests:
            tests.append(
                TestChange(
                    name=name,
                    characteristic=test.characteristic,
                    change="missing",
                    status_before=test.status,
                    ait_before=test.ait.ref,
                )
            )
    a_inv = {i.name: i.digest for i in before.inventories}
    b_inv = {i.name: i.digest for i in after.inventories}
    inventories = []
    for name in [*a_inv, *(n for n in b_inv if n not in a_inv)]:
        if name not in b_inv:
            inventories.append(
                InventoryChange(name=name, change="removed", digest_before=a_inv[name])
            )
        elif name not in a_inv:
            inventories.append(InventoryChange(name=name, change="added", digest_after=b_inv[name]))
        elif a_inv[name] != b_inv[name]:
            inventories.append(
                InventoryChange(
                    name=name, change="changed", digest_before=a_inv[name], digest_after=b_inv[name]
                )
            )
    regressions = [f"{t.name}: {reason}" for t in tests for reason in t.reasons]
    return Comparison(
        before=_side(before),
        after=_side(after),
        tolerance=float(tolerance),
        tests=tests,
        inventories=inventories,
        regressions=regressions,
    )
