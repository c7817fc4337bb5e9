from __future__ import annotations

import pytest
from pydantic import ValidationError

from aiqm.core.criteria import check_measures, evaluate_criterion, judge
from aiqm.core.manifest import AITManifest
from aiqm.core.results import MeasureValue, Status
from aiqm.core.testdesc import Criterion


def M(v, name="m"):
    return MeasureValue(name=name, value=v)


@pytest.mark.parametrize(
    ("op", "value", "actual", "passed"),
    [
        ("==", 1, 1, True), ("==", 1, 2, False), ("!=", 1, 2, True), ("<", 1, 0.5, True),
        ("<", 1, 1, False), ("<=", 1, 1, True), (">", 0.5, 0.5, False), (">=", 0.5, 0.5, True),
        ("between", (0.1, 0.2), 0.15, True), ("between", (0.1, 0.2), 0.2, True),
        ("between", (0.1, 0.2), 0.25, False), ("==", True, True, True), ("==", True, False, False),
    ],
)
def test_single_ops(op, value, actual, passed):
    c = Criterion(measure="m", op=op, value=value)
    assert evaluate_criterion(c, M(actual)).passed is passed


@pytest.mark.parametrize(
    ("aggregate", "k", "op", "value", "seq", "passed", "actual"),
    [
        ("all", None, ">=", 0.5, [0.6, 0.7], True, 2),
        ("all", None, ">=", 0.5, [0.6, 0.4], False, 1),
        ("any", None, ">=", 0.5, [0.1, 0.6], True, 1),
        ("any", None, ">=", 0.5, [0.1, 0.2], False, 0),
        ("at_least", 2, ">", 0, [1, 0, 2], True, 2),
        ("at_least", 3, ">", 0, [1, 0, 2], False, 2),
        ("mean", None, ">=", 0.5, [0.2, 0.9], True, 0.55),
        ("min", None, ">=", 0.5, [0.2, 0.9], False, 0.2),
        ("max", None, "<=", 0.5, [0.2, 0.4], True, 0.4),
    ],
)
def test_sequence_aggregates(aggregate, k, op, value, seq, passed, actual):
    c = Criterion(measure="m", op=op, value=value, aggregate=aggregate, k=k)
    out = evaluate_criterion(c, M(seq))
    assert out.passed is passed
    assert out.actual == pytest.approx(actual)


def test_sequence_without_aggregate_means_all():
    c = Criterion(measure="m", op=">", value=0)
    assert evaluate_criterion(c, M([1, 2])).passed
    assert not evaluate_criterion(c, M([1, 0])).passed


def test_undefined_missing_and_nan_fail():
    c = Criterion(measure="m", op=">=", value=0)
    out = evaluate_criterion(c, MeasureValue(name="m", undefined_reason="only one class"))
    assert not out.passed and "only one class" in out.reason
    out = evaluate_criterion(c, None)
    assert not out.passed and "did not report" in out.reason
    assert not evaluate_criterion(c, M(float("nan"))).passed


def test_aggregate_on_single_fails_with_reason():
    out = evaluate_criterion(Criterion(measure="m", op=">", value=0, aggregate="all"), M(1))
    assert not out.passed and "sequence" in out.reason


def test_judge_ok_ng_and_no_criteria():
    ok = [Criterion(measure="a", op=">", value=0)]
    assert judge(ok, [M(1, "a")])[0] == Status.OK
    assert judge(ok, [M(0, "a")])[0] == Status.NG
    assert judge([], [])[0] == Status.OK


@pytest.mark.parametrize(
    "kwargs",
    [
        {"op": "between", "value": 1},
        {"op": "between", "value": (2, 1)},
        {"op": ">", "value": (1, 2)},
        {"op": ">", "value": 1, "aggregate": "at_least"},
        {"op": ">", "value": 1, "k": 2},
    ],
)
def test_bad_criteria_rejected(kwargs):
    with pytest.raises(ValidationError):
        Criterion(measure="m", **kwargs)


def test_check_measures_type_structure_range():
    m = AITManifest(
        id="x_ait", version="1.0.0", description="d", characteristics=["C-1"],
        measures=[
            {"name": "acc", "min": 0, "max": 1},
            {"name": "n", "type": "int", "min": 0},
            {"name": "seq", "structure": "sequence"},
            {"name": "flag", "type": "bool"},
        ],
    )
    assert check_measures(m, [M(0.5, "acc"), M(3, "n"), M([1.0], "seq"), M(True, "flag")]) == []
    problems = check_measures(
        m, [M(1.5, "acc"), M(2.5, "n"), M(1.0, "seq"), M(1, "flag"), M(1, "other")]
    )
    assert len(problems) == 5
    assert any("outside its declared range [0, 1]" in p for p in problems)
    assert any("not declared" in p for p in problems)
