"""`aiqm report --format pdf|junit|md --lang` and `aiqm compare` on stored runs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from tests._require import require
from typer.testing import CliRunner

from aiqm.cli.main import app

from .stored import StoredProject, make_stored_project

runner = CliRunner()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> StoredProject:
    return make_stored_project(tmp_path_factory.mktemp("project"))


def _report(project: StoredProject, *args: str) -> object:
    return runner.invoke(app, ["report", "run-b", "-C", str(project.root), *args])


def test_junit_and_markdown_to_stdout(project: StoredProject) -> None:
    junit = _report(project, "--format", "junit")
    assert junit.exit_code == 0, junit.output
    root = ET.fromstring(junit.output)
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["test accuracy"].find("failure") is not None
    assert cases["robustness"].find("error") is not None
    md = _report(project, "--format", "md", "--lang", "ja")
    assert md.exit_code == 0 and md.output.startswith("### ⚠️ AI品質レポート: credit-scoring")


def test_pdf_needs_an_output_file(project: StoredProject, tmp_path: Path) -> None:
    result = _report(project, "--format", "pdf")
    assert result.exit_code == 2 and "-o report.pdf" in result.output
    from aiqm.render.pdf import pdf_available

    require(pdf_available()[0], "the pdf extra is not installed: pip install 'aiqm[pdf]'")
    out = tmp_path / "r.pdf"
    result = _report(project, "--format", "pdf", "--lang", "ja", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")


def test_unknown_format_or_language_exits_2(project: StoredProject) -> None:
    bad_format = _report(project, "--format", "docx")
    assert bad_format.exit_code == 2 and "json, html, pdf, junit, md" in bad_format.output
    bad_lang = _report(project, "--lang", "de")
    assert bad_lang.exit_code == 2 and "en, ja" in bad_lang.output


def test_compare_table_json_markdown_and_exit_codes(project: StoredProject, tmp_path: Path) -> None:
    base = ["compare", "run-a", "run-b", "-C", str(project.root)]
    table = runner.invoke(app, base)
    assert table.exit_code == 0, table.output
    assert "regressed" in table.output and "status OK → NG" in table.output
    assert "accuracy moved the wrong way by 0.2" in table.output
    assert runner.invoke(app, [*base, "--fail-on", "regression"]).exit_code == 1
    assert runner.invoke(app, [*base, "--fail-on", "change"]).exit_code == 1
    same = ["compare", "run-a", "run-a", "-C", str(project.root)]
    assert runner.invoke(app, [*same, "--fail-on", "regression"]).exit_code == 0
    assert runner.invoke(app, [*same, "--fail-on", "change"]).exit_code == 0

    data = json.loads(runner.invoke(app, [*base, "--json"]).output)
    assert data["has_regression"] is True
    assert data["counts"] == {
        "regressed": 1,
        "fixed": 0,
        "changed": 1,
        "new": 1,
        "missing": 0,
        "unchanged": 0,
    }
    assert [i["name"] for i in data["inventories"]] == ["test"]
    assert data["before"]["run_id"] == "run-a" and data["after"]["run_id"] == "run-b"
    md = runner.invoke(app, [*base, "--md"])
    assert md.output.startswith("### ❌ aiqm compare: `run-a` → `run-b`")

    # a tolerance larger than the drop leaves only the status regression
    tolerant = json.loads(runner.invoke(app, [*base, "--json", "--tolerance", "0.5"]).output)
    assert tolerant["regressions"] == ["test accuracy: status OK → NG"]
    assert runner.invoke(app, [*base, "--fail-on", "sometimes"]).exit_code == 2
    assert runner.invoke(app, [*base, "--tolerance", "-1"]).exit_code == 2


def test_compare_report_files(project: StoredProject, tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for ref, out in (("run-a", a), ("run-b", b)):
        assert (
            runner.invoke(
                app, ["report", ref, "-C", str(project.root), "--format", "json", "-o", str(out)]
            ).exit_code
            == 0
        )
    # report files compare without a project store
    result = runner.invoke(app, ["compare", str(a), str(b), "-C", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["has_regression"] is True
    missing = runner.invoke(
        app, ["compare", str(tmp_path / "nope.json"), str(b), "-C", str(tmp_path)]
    )
    assert missing.exit_code == 2 and "does not exist" in missing.output
