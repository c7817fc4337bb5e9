"""Comparing two runs, on hand-built pairs of reports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aiqm.core.manifest import AITManifest
from aiqm.core.results import InputRef, MeasureValue, RunRecord, Status, TDResult
from aiqm.exceptions import InputError
from aiqm.render.markdown import render_comparison_markdown
from aiqm.report import Report, build_report
from aiqm.report.compare import compare_reports

D1, D2 = "sha256:" + "1" * 64, "sha256:" + "2" * 64

MANIFEST = AITManifest(
    id="mm",
    version="1.0.0",
    description="Measures for comparison tests.",
    characteristics=("C-1",),
    measures=(
        {"name": "acc", "direction": "higher"},
        {"name": "err", "direction": "lower"},
        {"name": "count", "type": "int"},  # no direction
        {"name": "recall", "structure": "sequence", "direction": "higher"},
        {"name": "ok_flag", "type": "bool", "direction": "higher"},
    ),
)


def result(
    name: str,
    status: Status = Status.OK,
    digest: str = D1,
    params: dict[str, object] | None = None,
    **measures: object,
) -> TDResult:
    return TDResult(
        td_name=name,
        characteristic="C-1",
        ait_id="mm",
        ait_version="1.0.0",
        parameters=params or {},
        inputs=[InputRef(slot="dataset", inventory="data", kind="dataset", digest=digest)],
        status=status,
        measures=[
            MeasureValue(name=k, value=v)  # type: ignore[arg-type]
            if v is not None
            else MeasureValue(name=k, undefined_reason="no data")
            for k, v in measures.items()
        ],
    )


def report(run_id: str, results: list[TDResult], data_digest: str = D1) -> Report:
    run = RunRecord(
        id=run_id, project_dir=".", component="c", created_at=datetime(2024, 1, 1, tzinfo=UTC)
    )
    inventories = [{"name": "data", "kind": "dataset", "path": "d.csv", "digest": data_digest}]
    return build_report(
        run,
        results,
        {"mm@1.0.0": MANIFEST},
        None,
        {"name": "c"},
        inventories,
        {},
        "0.1",
        generated_at=datetime(2024, 1, 1, tzinfo=UTC),
    )


def test_identical_runs_have_no_changes() -> None:
    a = report("a", [result("t1", acc=0.9, err=0.1), result("t2", Status.NG, acc=0.5)])
    c = compare_reports(a, a)
    assert not c.has_changes and not c.has_regression and c.regressions == []
    assert c.counts()["unchanged"] == 2
    assert all(d.change == "unchanged" and d.delta == 0 for t in c.tests for d in t.measures)
    assert c.before.report_digest == c.after.report_digest


def test_status_ok_to_ng_or_err_is_a_regression_and_the_reverse_a_fix() -> None:
    a = report("a", [result("t1"), result("t2"), result("t3", Status.NG), result("t4")])
    b = report(
        "b",
        [result("t1", Status.NG), result("t2", Status.ERR), result("t3"), result("t4", Status.NA)],
    )
    c = compare_reports(a, b)
    changes = {t.name: t.change for t in c.tests}
    assert changes == {"t1": "regressed", "t2": "regressed", "t3": "fixed", "t4": "changed"}
    assert c.regressions == ["t1: status OK → NG", "t2: status OK → ERR"]


def test_measures_moving_the_wrong_way_by_more_than_the_tolerance() -> None:
    a = report("a", [result("t", acc=0.90, err=0.10, count=10)])
    b = report("b", [result("t", acc=0.87, err=0.12, count=3)])
    by_name = {d.measure: d for d in compare_reports(a, b).tests[0].measures}
    assert by_name["acc"].delta == pytest.approx(-0.03)
    assert by_name["acc"].change == "worsened" and by_name["acc"].regression
    assert by_name["err"].delta == pytest.approx(0.02) and by_name["err"].regression
    assert by_name["count"].change == "changed" and not by_name["count"].regression  # no direction
    # tolerance 0.025: acc (0.03 worse) still regresses, err (0.02 worse) does not
    c = compare_reports(a, b, tolerance=0.025)
    flags = {d.measure: d.regression for d in c.tests[0].measures}
    assert flags == {"acc": True, "err": False, "count": False}
    assert len(c.regressions) == 1 and c.regressions[0].startswith(
        "t: acc moved the wrong way by 0.03"
    )
    assert not compare_reports(a, b, tolerance=0.05).has_regression


def test_improvements_are_not_regressions() -> None:
    a = report("a", [result("t", acc=0.8, err=0.2)])
    b = report("b", [result("t", acc=0.85, err=0.1)])
    c = compare_reports(a, b)
    assert not c.has_regression
    assert {d.measure: d.change for d in c.tests[0].measures} == {
        "acc": "improved",
        "err": "improved",
    }
    assert c.tests[0].change == "changed"


def test_sequences_booleans_and_undefined_measures() -> None:
    a = report("a", [result("t", recall=[0.9, 0.8, 0.7], ok_flag=True, acc=0.9, err=None)])
    b = report("b", [result("t", recall=[0.95, 0.6, 0.7], ok_flag=False, acc=None, err=0.1)])
    d = {m.measure: m for m in compare_reports(a, b).tests[0].measures}
    assert d["recall"].deltas == pytest.approx([0.05, -0.2, 0.0])
    assert d["recall"].delta == pytest.approx(-0.2) and d["recall"].regression  # worst element
    assert d["ok_flag"].delta == -1 and d["ok_flag"].regression  # true is better, became false
    assert d["acc"].change == "became_undefined" and not d["acc"].regression
    assert d["err"].change == "became_defined"
    shape = report("c", [result("t", recall=[0.9, 0.8])])
    d2 = {m.measure: m for m in compare_reports(a, shape).tests[0].measures}
    assert d2["recall"].change == "changed" and d2["recall"].delta is None
    assert d2["ok_flag"].change == "missing"


def test_new_and_missing_tests() -> None:
    a = report("a", [result("kept"), result("dropped")])
    b = report("b", [result("kept"), result("added", Status.NG)])
    c = compare_reports(a, b)
    assert [(t.name, t.change) for t in c.tests] == [
        ("kept", "unchanged"),
        ("added", "new"),
        ("dropped", "missing"),
    ]
    assert c.tests[1].status_after == Status.NG and c.tests[2].status_before == Status.OK
    assert not c.has_regression  # a new NG test is not a regression of a former OK


def test_changed_inputs_parameters_and_inventories() -> None:
    a = report("a", [result("t", params={"k": 1, "gone": 2}, acc=0.9)])
    b = report("b", [result("t", digest=D2, params={"k": 3, "new": 4}, acc=0.9)], data_digest=D2)
    c = compare_reports(a, b)
    t = c.tests[0]
    assert t.change == "changed" and not t.regression
    assert t.parameters_changed == ["gone", "k", "new"]  # report keys are sorted
    assert [(i.slot, i.before, i.after) for i in t.inputs_changed] == [("dataset", D1, D2)]
    assert [(i.name, i.change, i.digest_before, i.digest_after) for i in c.inventories] == [
        ("data", "changed", D1, D2)
    ]


def test_tolerance_must_be_a_finite_non_negative_number() -> None:
    a = report("a", [])
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(InputError, match="tolerance must be a finite number >= 0"):
            compare_reports(a, a, tolerance=bad)


def test_markdown_rendering() -> None:
    a = report("a", [result("t", acc=0.9), result("same", acc=0.5)])
    b = report("b", [result("t", Status.NG, acc=0.7), result("same", acc=0.5)])
    md = render_comparison_markdown(compare_reports(a, b))
    assert md.startswith("### ❌ aiqm compare: `a` → `b`")
    assert "- t: status OK → NG" in md
    assert "| t | regressed | OK → NG | acc 0.9 → 0.7 (-0.2) |" in md
    assert "| same |" not in md  # unchanged rows left out
    assert "| same |" in render_comparison_markdown(compare_reports(a, b), changed_only=False)
