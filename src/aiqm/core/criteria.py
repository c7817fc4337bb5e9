"""Judging: criteria against measures, and the TD status that follows (DESIGN §6)."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

from aiqm.core.manifest import AITManifest
from aiqm.core.results import CriterionOutcome, MeasureValue, Status
from aiqm.core.testdesc import Criterion

__all__ = ["check_measures", "evaluate_criterion", "judge"]

_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _test(op: str, actual: Any, value: Any) -> bool:
    if isinstance(actual, float) and math.isnan(actual):
        return False
    if op == "between":
        lo, hi = value
        return bool(lo <= actual <= hi)
    return bool(_OPS[op](actual, value))


def evaluate_criterion(c: Criterion, m: MeasureValue | None) -> CriterionOutcome:
    """Evaluate one criterion against a measure value.

    A missing or undefined measure fails the criterion, with the reason.

    Examples
    --------
    >>> from aiqm.core.testdesc import Criterion
    >>> evaluate_criterion(Criterion(measure="acc", op=">=", value=0.9),
    ...                    MeasureValue(name="acc", value=0.95)).passed
    True
    """
    desc = c.describe()
    if m is None:
        return CriterionOutcome(
            measure=c.measure, description=desc, passed=False,
            reason=f"the AIT did not report measure {c.measure!r}",
        )
    if m.value is None:
        return CriterionOutcome(
            measure=c.measure, description=desc, passed=False,
            reason=f"measure is undefined: {m.undefined_reason or 'no reason given'}",
        )
    v = m.value
    if isinstance(v, list):
        if not v:
            return CriterionOutcome(
                measure=c.measure, description=desc, passed=False, reason="empty sequence",
            )
        agg = c.aggregate or "all"
        if agg in ("mean", "min", "max"):
            nums = [float(x) for x in v]
            red = {"mean": sum(nums) / len(nums), "min": min(nums), "max": max(nums)}[agg]
            return CriterionOutcome(
                measure=c.measure, description=desc, actual=red, passed=_test(c.op, red, c.value)
            )
        flags = [_test(c.op, x, c.value) for x in v]
        n_pass = sum(flags)
        if agg == "all":
            ok = all(flags)
        elif agg == "any":
            ok = any(flags)
        else:  # at_least
            assert c.k is not None
            ok = n_pass >= c.k
        return CriterionOutcome(
            measure=c.measure, description=desc, actual=n_pass, passed=ok,
            reason=f"{n_pass} of {len(v)} elements pass",
        )
    if c.aggregate is not None:
        return CriterionOutcome(
            measure=c.measure, description=desc, actual=v, passed=False,
            reason=f"aggregate {c.aggregate!r} needs a sequence measure; {c.measure!r} is single",
        )
    return CriterionOutcome(measure=c.measure, description=desc, actual=v, passed=_test(c.op, v, c.value))


def check_measures(manifest: AITManifest, measures: Sequence[MeasureValue]) -> list[str]:
    """Return problems with reported measures: undeclared, wrong type/structure, out of range."""
    problems: list[str] = []
    for m in measures:
        spec = manifest.measure(m.name)
        if spec is None:
            problems.append(f"measure {m.name!r} is not declared in the manifest of {manifest.id!r}")
            continue
        if m.value is None:
            continue
        values = m.value if isinstance(m.value, list) else [m.value]
        if (spec.structure == "sequence") != isinstance(m.value, list):
            problems.append(f"measure {m.name!r} must be a {spec.structure} value")
            continue
        for x in values:
            if spec.type == "bool":
                if not isinstance(x, bool):
                    problems.append(f"measure {m.name!r} must be bool, got {x!r}")
                    break
                continue
            if isinstance(x, bool) or not isinstance(x, int | float):
                problems.append(f"measure {m.name!r} must be {spec.type}, got {x!r}")
                break
            if spec.type == "int" and not float(x).is_integer():
                problems.append(f"measure {m.name!r} must be int, got {x!r}")
                break
            if math.isnan(float(x)) or not spec.range.accepts(float(x)):
                problems.append(
                    f"measure {m.name!r} = {x!r} is outside its declared range "
                    f"{spec.range.describe().removeprefix('in the range ')}"
                )
                break
    return problems


def judge(
    criteria: Sequence[Criterion], measures: Sequence[MeasureValue]
) -> tuple[Status, list[CriterionOutcome]]:
    """Judge a TD: OK when every criterion holds, NG otherwise (no criteria = OK)."""
    by_name = {m.name: m for m in measures}
    outcomes = [evaluate_criterion(c, by_name.get(c.measure)) for c in criteria]
    status = Status.OK if all(o.passed for o in outcomes) else Status.NG
    return status, outcomes
