"""The report document: build_report, JSON round trip and the published schema."""

from __future__ import annotations

import json
from types import ModuleType

import jsonschema
import pytest

import aiqm.render
import aiqm.report
from aiqm.core.results import MeasureValue, Status, TDResult
from aiqm.exceptions import InputError
from aiqm.report import (
    SCHEMA_VERSION,
    Report,
    count_statuses,
    load_report,
    report_json_schema,
    report_to_json,
    verdict,
)

from .scenario import DATA_DIGEST, ERROR_TEXT, XSS_NAME, Scenario


def _validator() -> jsonschema.Draft202012Validator:
    schema = report_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("package", [aiqm.report, aiqm.render])
def test_all_is_sorted_and_complete(package: ModuleType) -> None:
    names = package.__all__
    # isort style, as ruff RUF022 sorts it: CONSTANTS, then Classes, then functions
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(package, name), name


def test_schema_has_id_title_and_version() -> None:
    schema = report_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(SCHEMA_VERSION)
    assert schema["title"] == "aiqm report"
    assert set(schema["required"]) >= {"generator", "run", "component", "summary", "generated_at"}


def test_report_json_validates_against_schema(report: Report) -> None:
    doc = json.loads(report_to_json(report))
    _validator().validate(doc)
    assert doc["schema_version"] == SCHEMA_VERSION
    assert list(doc)[:3] == ["schema_version", "generator", "generated_at"]


def test_schema_rejects_a_bad_document(report: Report) -> None:
    doc = json.loads(report_to_json(report))
    doc["summary"]["verdict"] = "MAYBE"
    doc["tests"][0]["surprise"] = 1
    errors = list(_validator().iter_errors(doc))
    messages = " ".join(e.message for e in errors)
    assert "MAYBE" in messages
    assert "surprise" in messages


def test_round_trip(report: Report) -> None:
    text = report_to_json(report)
    again = load_report(text)
    assert again == report
    assert report_to_json(again) == text
    assert load_report(text.encode("utf-8")) == report


def test_json_keeps_non_ascii_and_is_stable(scenario: Scenario) -> None:
    a = scenario.build(
        component={"name": "与信モデル", "levels": {"AISL": "1", "AIFL": "2"}},
        environment={"b": 1, "a": {"y": 2, "x": 1}},
    )
    b = scenario.build(
        component={"name": "与信モデル", "levels": {"AIFL": "2", "AISL": "1"}},
        environment={"a": {"x": 1, "y": 2}, "b": 1},
    )
    assert report_to_json(a) == report_to_json(b)
    assert "与信モデル" in report_to_json(a)


def test_load_report_rejects_other_major_version(report: Report) -> None:
    doc = json.loads(report_to_json(report))
    doc["schema_version"] = "2.0"
    with pytest.raises(InputError, match=r"schema_version '2\.0'"):
        load_report(json.dumps(doc))
    with pytest.raises(InputError, match="not valid JSON"):
        load_report("{nope")


def test_summary_counts_and_verdict(report: Report) -> None:
    s = report.summary
    assert (s.total, s.OK, s.NG, s.ERR, s.NA) == (5, 2, 1, 1, 1)
    assert s.verdict == Status.ERR
    assert s.duration_s == 42.0  # wall clock of the finished run


def test_summary_duration_sums_tests_when_run_unfinished(scenario: Scenario) -> None:
    scenario.run.finished_at = None
    assert scenario.build().summary.duration_s == pytest.approx(2.0 + 1.5 + 0.2)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["OK", "NG", "ERR", "NA"], "ERR"),
        (["OK", "NG", "NA"], "NG"),
        (["OK", "NA"], "OK"),
        (["OK"], "OK"),
        (["NA", "NA"], "NA"),
        ([], "NA"),
    ],
)
def test_verdict_rules(scenario: Scenario, statuses: list[str], expected: str) -> None:
    assert verdict(statuses) == Status(expected)
    results = [
        TDResult(
            td_name=f"t{i}",
            characteristic="C-1",
            ait_id="data_drift",
            ait_version="1.2.0",
            status=Status(s),
        )
        for i, s in enumerate(statuses)
    ]
    summary = scenario.build(results=results).summary
    assert summary.verdict == Status(expected)
    assert summary.total == len(statuses)
    assert statuses.count("NA") == summary.NA


def test_count_statuses() -> None:
    c = count_statuses(["OK", Status.OK, "NA"])
    assert (c.OK, c.NG, c.ERR, c.NA) == (2, 0, 0, 1)


def test_characteristics_follow_guideline_order(report: Report) -> None:
    # results came as C-2, AIPL, A-2, X-9, B-3; the guideline orders AIPL < A-2 < B-3 < C-2
    assert [c.id for c in report.characteristics] == ["AIPL", "A-2", "B-3", "C-2", "X-9"]
    by_id = {c.id: c for c in report.characteristics}
    assert by_id["AIPL"].name == "AI performance"
    assert by_id["AIPL"].kind == "external"
    assert by_id["AIPL"].names["ja"] == "AIパフォーマンス"
    assert by_id["C-2"].kind == "internal"
    assert by_id["C-2"].tests == ["stability under noise"]
    assert by_id["B-3"].tests == [XSS_NAME]
    assert by_id["A-2"].counts.ERR == 1
    # unknown characteristic: kept under its raw id
    assert (by_id["X-9"].name, by_id["X-9"].kind, by_id["X-9"].tests) == (
        "X-9",
        "unknown",
        ["custom check"],
    )
    assert report.test("custom check").characteristic_name == "X-9"  # type: ignore[union-attr]
    assert report.test("accuracy on holdout").characteristic_name == "AI performance"  # type: ignore[union-attr]


def test_without_guideline_sections_keep_order_seen(scenario: Scenario) -> None:
    r = scenario.build(guideline=None)
    assert [c.id for c in r.characteristics] == ["C-2", "AIPL", "A-2", "X-9", "B-3"]
    assert {c.kind for c in r.characteristics} == {"unknown"}
    assert r.guideline is None


def test_measure_metadata_comes_from_manifest(report: Report) -> None:
    ok = report.test("stability under noise")
    assert ok is not None
    acc = next(m for m in ok.measures if m.name == "accuracy")
    assert (acc.description, acc.direction, acc.type, acc.structure) == (
        "Fraction of correct predictions",
        "higher",
        "float",
        "single",
    )
    seq = next(m for m in ok.measures if m.name == "per_class_recall")
    assert seq.structure == "sequence" and seq.value == [0.9, 0.92, 0.88]
    latency = next(m for m in ok.measures if m.name == "latency")
    assert (latency.unit, latency.direction, latency.value) == ("ms", "lower", 12)
    assert ok.ait.title == "Classification performance"
    assert ok.ait.ref == "aiqm.ait:classification_performance@1.0.0"
    resources = {r.name: r for r in ok.resources}
    assert resources["confusion_matrix"].description == "Confusion matrix"
    assert resources["predictions"].description == "Raw predictions as CSV"
    assert ok.inputs[0].digest == DATA_DIGEST
    assert ok.parameters == {"average": "macro", "noise": 0.1}


def test_undefined_measure_is_kept_with_reason(report: Report) -> None:
    ng = report.test("accuracy on holdout")
    assert ng is not None
    f1 = next(m for m in ng.measures if m.name == "f1_score")
    assert f1.value is None
    assert f1.undefined_reason == "no positive samples in the dataset"
    assert [c.passed for c in ng.criteria] == [False, False]


def test_missing_manifest_falls_back_to_names(report: Report) -> None:
    err = report.test("coverage of cases")
    assert err is not None
    assert err.ait.ref == "aiqm.ait:ghost_ait@0.3.1"
    assert (err.ait.title, err.ait.description) == ("", "")
    assert err.error == ERROR_TEXT
    cov = err.measures[0]
    assert (cov.type, cov.structure, cov.direction, cov.description) == (
        "int",
        "sequence",
        "none",
        "",
    )


def test_non_finite_measure_becomes_undefined(scenario: Scenario) -> None:
    res = TDResult(
        td_name="nan",
        characteristic="C-1",
        ait_id="data_drift",
        ait_version="1.2.0",
        status=Status.OK,
        measures=[MeasureValue(name="drift_share", value=float("nan"))],
    )
    r = scenario.build(results=[res])
    m = r.tests[0].measures[0]
    assert m.value is None and "nan" in (m.undefined_reason or "")
    _validator().validate(json.loads(report_to_json(r)))


def test_component_inventories_environment(report: Report, scenario: Scenario) -> None:
    assert report.component.guidelines == ["aist-mlqm@3"]
    assert report.component.levels == {"AIFL": "1", "AISL": "1"}
    assert report.guideline is not None and report.guideline.ref == "aist-mlqm@3"
    inv = {i.name: i for i in report.inventories}
    assert inv["test_data"].details == {"target": "approved"}
    assert inv["test_data"].size_bytes == 2048
    assert report.environment["packages"] == {"aiqm": "0.1.0", "numpy": "1.26.4"}
    # with no inventory list and no environment, the run's own records are used
    scenario.run.inventories = {
        "ref": {"kind": "dataset", "path": "ref.csv", "digest": DATA_DIGEST}
    }
    scenario.run.environment = {"python": "3.12"}
    r = scenario.build(inventories=[], environment={})
    assert [(i.name, i.path) for i in r.inventories] == [("ref", "ref.csv")]
    assert r.environment == {"python": "3.12"}
