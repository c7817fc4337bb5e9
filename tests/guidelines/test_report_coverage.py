"""A whole project with passed, failed, missing and pending requirements: the coverage in the
report JSON and HTML (English and Japanese), several guidelines, a custom guideline file, and the
input errors the mapping of tests to requirements raises."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from aiqm.cli.main import app
from aiqm.services.reports import build_run_report, render_report
from aiqm.services.runs import RunOptions, run_project
from aiqm.storage import open_project_store

from ._factory import tiny_guideline

runner = CliRunner()

PROJECT = """\
component:
  name: toy-classifier
  task: binary_classification
  guideline: [aist-mlqm@3, eu-ai-act-art15@2024, iso-iec-5259-2@2024, nist-ai-rmf-measure@1.0]
  levels: {AISL: "0.2"}
inventories:
  scored: {kind: dataset, path: scored.csv, target: y}
  preds: {kind: predictions, dataset: scored, column: predicted}
  checklist: {kind: document, path: evidence/checklist.csv}
tests:
  - name: accuracy
    characteristic: C-1
    ait: classification_performance@1
    inventories: {dataset: scored, model: preds}
    criteria: [{measure: accuracy, op: ">=", value: 0.8}]
  - name: completeness
    characteristic: B-3
    ait: data_completeness@1
    inventories: {dataset: scored}
    criteria: [{measure: missing_ratio, op: "==", value: 0}]
  - name: process checklist
    characteristic: A-1
    ait: process_checklist@1
    inventories: {checklist: checklist}
"""

CHECKLIST = """\
requirement,answer,owner,date,rationale,artifacts
A-1-L1-1,yes,qa-lead,2024-05-01,risk list in the design review,
A-2-L1-1,no,qa-lead,2024-05-01,cases not designed yet,
D-1-L1-1,,,,,
"""


def _write_project(d: Path, text: str = PROJECT) -> Path:
    rng = np.random.default_rng(0)
    n = 200
    y = rng.integers(0, 2, n)
    predicted = np.where(rng.random(n) < 0.9, y, 1 - y)  # about 90 % accurate
    x = rng.normal(size=n)
    x[:5] = np.nan  # some missing values: the completeness test is NG
    pd.DataFrame({"x": x, "y": y, "predicted": predicted}).to_csv(d / "scored.csv", index=False)
    (d / "evidence").mkdir(exist_ok=True)
    (d / "evidence" / "checklist.csv").write_text(CHECKLIST, "utf-8")
    (d / "aiqm.yaml").write_text(text, "utf-8")
    return d


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Path]:
    d = _write_project(tmp_path_factory.mktemp("coverage-project"))
    summary = run_project(d, RunOptions(executor="inline"))
    assert {r.td_name: r.status.value for r in summary.results} == {
        "accuracy": "OK", "completeness": "NG", "process checklist": "OK"}
    store, artifacts = open_project_store(d)
    try:
        return build_run_report(store, summary.run.id, artifacts=artifacts), artifacts, d
    finally:
        store.close()


def _coverage(report: Any, ref: str) -> Any:
    return next(c for c in report.coverage if c.guideline == ref)


def test_one_coverage_entry_per_guideline(report: tuple[Any, Any, Path]) -> None:
    doc = json.loads(render_report(report[0], "json", report[1]))
    assert [c["guideline"] for c in doc["coverage"]] == [
        "aist-mlqm@3", "eu-ai-act-art15@2024", "iso-iec-5259-2@2024", "nist-ai-rmf-measure@1.0"]
    assert [c["mode"] for c in doc["coverage"]] == ["levels"] + ["crosswalk"] * 3


def test_mlqm_states_passed_failed_missing_pending(report: tuple[Any, Any, Path]) -> None:
    cov = _coverage(report[0], "aist-mlqm@3")
    states = {r.id: r.state for r in cov.requirements}
    assert len(states) == 26  # AISL 0.2
    assert states["C-1-L1-1"] == "passed"     # accuracy test OK (classification_performance)
    assert states["A-1-L1-1"] == "passed"     # checklist: yes
    assert states["B-3-L2-4"] == "failed"     # completeness test NG (data_completeness)
    assert states["A-2-L1-1"] == "failed"     # checklist: no
    assert states["D-1-L1-1"] == "pending"    # checklist row left blank
    assert cov.counts.model_dump() == {"passed": 2, "failed": 2, "missing": 21, "pending": 1}
    chars = {c.id: c for c in cov.characteristics}
    assert (chars["C-1"].required_levels, chars["C-1"].achieved_levels) == (["Lv2"], ["Lv1"])
    assert (chars["B-2"].required_levels, chars["B-2"].achieved_levels) == (["S2"], [])
    a1 = next(r for r in cov.requirements if r.id == "A-1-L1-1")
    assert a1.evidence[0].kind == "checklist" and a1.evidence[0].tests == ["process checklist"]
    assert a1.summary["ja"].startswith("品質低下リスク")


def test_crosswalked_frameworks_in_the_same_run(report: tuple[Any, Any, Path]) -> None:
    eu = {r.id: r.state for r in _coverage(report[0], "eu-ai-act-art15@2024").requirements}
    assert eu["ART15-1-ACC"] == "passed" and eu["ART15-5-2"] == "missing"
    iso = {r.id: r.state for r in _coverage(report[0], "iso-iec-5259-2@2024").requirements}
    assert iso["Com-ML-1"] == "failed" and iso["Acc-ML-1"] == "missing"
    nist = {r.id: r.state for r in _coverage(report[0], "nist-ai-rmf-measure@1.0").requirements}
    assert nist["MEASURE-2.3"] == "passed" and nist["MEASURE-2.12"] == "missing"


def _section(page: str) -> str:
    start = page.index('<section class="coverage" id="coverage">')
    return page[start:page.index("</section>", start)]


def test_html_lists_missing_requirements_first(report: tuple[Any, Any, Path]) -> None:
    page = render_report(report[0], "html", report[1])
    section = _section(page)
    assert page.index('id="coverage"') < page.index('<section class="characteristic"')
    first = section.index('class="cov-missing-box"')
    assert first < section.index("<table")  # the missing list comes before the tables
    assert "Missing evidence: 21 required requirements" in section
    assert re.search(r'<span class="badge cov-missing">missing 21</span>', section)
    assert re.search(r'<span class="badge cov-pending">pending 1</span>', section)
    # evidence links to the tests behind it
    assert re.search(r'<a href="#test-\d+">process checklist</a>: yes', section)
    assert 'href="#cov-1-B-1-L1-1"' in section  # the missing list links to its table row


def test_japanese_rendering_has_the_japanese_names(report: tuple[Any, Any, Path]) -> None:
    section = _section(render_report(report[0], "html", report[1], lang="ja"))
    assert "機械学習品質マネジメントガイドライン" in section
    assert "問題領域分析の十分性" in section and "データセットの均一性" in section
    assert "品質低下リスクの主要因を記録し" in section
    assert "証拠のない必要な要求：21 件" in section
    assert "正確性" in section  # ISO/IEC 5259-2 characteristic in Japanese


def test_custom_guideline_file_by_path(tmp_path: Path) -> None:
    text = PROJECT.replace(
        "  guideline: [aist-mlqm@3, eu-ai-act-art15@2024, iso-iec-5259-2@2024, nist-ai-rmf-measure@1.0]\n"
        '  levels: {AISL: "0.2"}\n',
        "  guideline: [guidelines/tiny.yaml, aist-mlqm@3]\n"
        '  levels: {RISK: "1", AIPL: "1"}\n',
    ).replace("characteristic: C-1\n", "characteristic: MODEL\n    requirements: [MODEL-LE1-1]\n", 1)
    d = _write_project(tmp_path, text)
    (d / "guidelines").mkdir()
    (d / "guidelines" / "tiny.yaml").write_text(yaml.safe_dump(tiny_guideline(), allow_unicode=True))
    r = runner.invoke(app, ["run", str(d), "--executor", "inline", "--json"])
    assert r.exit_code == 1, r.output  # the completeness test is NG
    (d / "guidelines" / "tiny.yaml").unlink()  # the report reads the copy stored with the run
    r = runner.invoke(app, ["report", "latest", "-C", str(d), "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    tiny = doc["coverage"][0]
    assert tiny["guideline"] == "tiny@1" and tiny["levels"] == {"RISK": "1"}
    assert {x["id"]: x["state"] for x in tiny["requirements"]} == {
        "DATA-L1-1": "missing", "DATA-L2-1": "missing", "MODEL-LS1-1": "missing"}
    assert doc["coverage"][1]["levels"] == {"AIPL": "1"}
    assert "guidelines/tiny.yaml" in doc["environment"]["guideline_files"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("characteristic: C-1\n", "characteristic: C-1\n    requirements: [C-1-L9-1]\n",
         "test 'accuracy': unknown requirement id 'C-1-L9-1' in 'requirements'"),
        ("characteristic: C-1\n", "characteristic: Q-9\n",
         "test 'accuracy': characteristic 'Q-9' is not in the component's guideline(s)"),
        ("  levels: {AISL: \"0.2\"}\n", "  levels: {AISL: \"0.2\", AIXL: \"1\"}\n",
         "component.levels: 'AIXL' is not an external characteristic"),
        ("  guideline: [aist-mlqm@3,", "  guideline: [../outside.yaml, aist-mlqm@3,",
         "component.guideline"),
        ("  guideline: [aist-mlqm@3,", "  guideline: [missing.yaml, aist-mlqm@3,",
         "component.guideline"),
        ("  guideline: [aist-mlqm@3,", "  guideline: [aist mlqm,",
         "'aist mlqm' is neither a guideline reference like 'aist-mlqm@3'"),
    ],
)
def test_mapping_errors_are_input_errors(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in PROJECT
    d = _write_project(tmp_path, PROJECT.replace(old, new, 1))
    r = runner.invoke(app, ["run", str(d), "--executor", "inline"])
    assert r.exit_code == 2, r.output
    assert message in " ".join(r.output.split())


def test_checklist_template_for_the_component(tmp_path: Path) -> None:
    d = _write_project(tmp_path)
    r = runner.invoke(app, ["checklist", "template", "-C", str(d), "-o", "evidence/todo.yaml",
                            "--lang", "ja"])
    assert r.exit_code == 0, r.output
    rows = yaml.safe_load((d / "evidence" / "todo.yaml").read_text("utf-8"))["rows"]
    ids = [row["requirement"] for row in rows]
    # process requirements of MLQM at AISL 0.2, then the process items of the other frameworks
    assert ids[:3] == ["A-1-L1-1", "A-1-L2-1", "A-2-L1-1"]
    assert "C-1-L1-1" not in ids and "ART15-4-2" in ids and "MEASURE-2.1" in ids
    assert rows[0]["question"].startswith("品質低下リスク") and rows[0]["answer"] == ""
    assert "ait: process_checklist@1" in r.output
    r = runner.invoke(app, ["checklist", "template", "-C", str(d), "-o", "evidence/todo.yaml"])
    assert r.exit_code == 2 and "pass --force" in " ".join(r.output.split())
    r = runner.invoke(app, ["checklist", "template", "-C", str(d), "--all", "--force"])
    assert r.exit_code == 0
    text = (d / "evidence" / "checklist.csv").read_text("utf-8")
    assert text.startswith("requirement,characteristic,level,evidence,question,answer,owner,")
    assert "\nC-1-L1-1,C-1,Lv1,measure," in text
    # a template answered as is runs through the AIT: every row pending
    r = runner.invoke(app, ["run", str(d), "--executor", "inline", "--test", "process checklist",
                            "--json"])
    measures = json.loads(r.stdout)["tests"][0]["measures"]
    assert measures["unanswered_count"] == measures["n_rows"] > 30


def test_no_levels_no_rows(tmp_path: Path) -> None:
    text = PROJECT.replace("  guideline: [aist-mlqm@3, eu-ai-act-art15@2024, iso-iec-5259-2@2024, "
                           "nist-ai-rmf-measure@1.0]\n  levels: {AISL: \"0.2\"}\n", "")
    d = _write_project(tmp_path, text)
    r = runner.invoke(app, ["checklist", "template", "-C", str(d)])
    assert r.exit_code == 2
    assert "run `aiqm levels -C <project> --write` first" in " ".join(r.output.split())
