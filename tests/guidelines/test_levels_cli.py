"""`aiqm levels`: interactive (stdin), answers file, flags, --write into aiqm.yaml, Python API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from aiqm.cli.main import app
from aiqm.core.guideline import load_guideline
from aiqm.core.project import load_project
from aiqm.services.levels import determine_target_levels, set_levels_text

runner = CliRunner()

PROJECT = """\
# a project with comments that --write must keep
component:
  name: demo   # the name
  task: binary_classification
  guideline: aist-mlqm@3
inventories: {}
tests: []
"""

# AISL: minor injury avoidable by supervision, no economic loss (0.2); AIFL: clear no-bias
# requirement only (1); AIPL: target metric only (1); AIPrL: nothing (0).
STDIN = "\n".join([
    "minor", "supervision", "1", "3",   # human: minor/supervision; economic: none/victim
    "n", "n", "y", "n",                  # AIFL
    "n", "y",                            # AIPL
    "n", "n",                            # AIPrL
]) + "\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "aiqm.yaml").write_text(PROJECT, "utf-8")
    return tmp_path


def test_interactive_questions_through_stdin(project: Path) -> None:
    r = runner.invoke(app, ["levels", "-C", str(project), "--json"], input=STDIN)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout[r.stdout.index("{\n"):])
    assert doc["levels"] == {"AISL": "0.2", "AIFL": "1", "AIPL": "1", "AIPrL": "0"}
    assert doc["determined"]["AISL"]["answers"] == {
        "human_severity": "minor", "human_avoidability": "supervision",
        "economic_severity": "none", "economic_avoidability": "victim"}
    # AISL 0.2 ∪ AIFL 1 ∪ AIPL 1: Lv2 everywhere (B-1 Lv2 from both), B-2 E1 + S2
    assert doc["counts"]["total"] == 2 + 2 + 2 + (1 + 2) + 10 + 2 + 2 + 2 + 2
    assert "What is the worst harm to people" in r.stdout


def test_interactive_in_japanese_writes_levels_and_keeps_comments(project: Path) -> None:
    r = runner.invoke(app, ["levels", "-C", str(project), "--only", "AISL", "--lang", "ja",
                            "--write"], input="2\n2\nnone\n1\n")
    assert r.exit_code == 0, r.output
    assert "誤った出力が人に与えうる最悪の危害" in r.output
    assert "required internal levels" in r.output and "28 requirements" not in r.output
    text = (project / "aiqm.yaml").read_text("utf-8")
    assert '  levels: {AISL: "0.2"}\n' in text
    assert "# a project with comments" in text and "name: demo   # the name" in text
    proj, _ = load_project(project)
    assert proj.component.levels == {"AISL": "0.2"}


def test_a_wrong_answer_is_asked_again(project: Path) -> None:
    r = runner.invoke(app, ["levels", "-C", str(project), "--only", "AISL"],
                      input="deadly\n9\nminor\nsupervision\nnone\nsupervision\n")
    assert r.exit_code == 0, r.output
    assert "'deadly' is not an answer" in r.output
    # AISL 0.2: Lv2 of seven characteristics (14), B-3 Lv2 (10), B-2 S1 and S2 (2)
    assert "26 requirements" in r.output


def test_answers_file_yaml_and_json(project: Path) -> None:
    answers = {
        "answers": {
            "AISL": {"human_severity": "none", "human_avoidability": "always_checked",
                     "economic_severity": "minor", "economic_avoidability": "always_checked"},
            "AIFL": {"fair_treatment_required": True, "personal_data_rights": False,
                     "no_bias_requirement": False, "acceptance_risk": False},
        },
        "levels": {"AIPL": 2},
    }
    for name, text in (("a.yaml", yaml.safe_dump(answers)), ("a.json", json.dumps(answers))):
        f = project / name
        f.write_text(text, "utf-8")
        r = runner.invoke(app, ["levels", "-C", str(project), "--answers", str(f), "--json"])
        assert r.exit_code == 0, r.output
        doc = json.loads(r.stdout)
        assert doc["levels"] == {"AISL": "0.1", "AIFL": "2", "AIPL": "2"}
        assert doc["counts"]["total"] == len(
            determine_target_levels(load_guideline("aist-mlqm@3"), levels=doc["levels"]).requirements
        )


def test_flags_and_write(project: Path) -> None:
    r = runner.invoke(app, [
        "levels", "-C", str(project), "--level", "AIPL=2", "--level", "AIFL=0",
        "--answer", "AISL.human_severity=grave", "--answer", "AISL.human_avoidability=supervision",
        "--answer", "AISL.economic_severity=none", "--answer", "AISL.economic_avoidability=victim",
        "--write",
    ])
    assert r.exit_code == 0, r.output
    assert load_project(project)[0].component.levels == {"AISL": "2", "AIFL": "0", "AIPL": "2"}
    # --current shows what the written levels require, without questions
    r = runner.invoke(app, ["levels", "-C", str(project), "--current", "--json"])
    doc = json.loads(r.stdout)
    assert doc["levels"] == {"AISL": "2", "AIFL": "0", "AIPL": "2"} and doc["counts"]["total"] == 38


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--answer", "AISL.human_severity"], "write CHARACTERISTIC.QUESTION=ANSWER"),
        (["--level", "AISL"], "write CHARACTERISTIC=LEVEL"),
        (["--level", "AISL=0.3"], "'0.3' is not a level of AISL"),
        (["--level", "NOPE=1"], "'NOPE' is not an external characteristic"),
        (["--answer", "AISL.human_severity=minor"], "no answer to 'human_avoidability'"),
        (["--answer", "AIFL.acceptance_risk=perhaps", "--answer", "AIFL.fair_treatment_required=no",
          "--answer", "AIFL.personal_data_rights=no", "--answer", "AIFL.no_bias_requirement=no"],
         "'perhaps' is not an answer"),
        (["--answers", "missing.yaml"], "no answers file"),
    ],
)
def test_bad_input_exits_2(project: Path, args: list[str], message: str) -> None:
    r = runner.invoke(app, ["levels", "-C", str(project), *args])
    assert r.exit_code == 2, r.output
    assert message in " ".join(r.output.split())


def test_levels_in_a_project_are_checked_at_run_time(project: Path) -> None:
    (project / "c.csv").write_text("requirement,answer\nA-1-L1-1,\n", "utf-8")
    text = PROJECT.replace("  guideline: aist-mlqm@3\n", "  guideline: aist-mlqm@3\n  levels: {AISL: '7'}\n")
    text = text.replace("inventories: {}\ntests: []\n", (
        "inventories: {c: {kind: document, path: c.csv}}\n"
        "tests: [{name: c, characteristic: A-1, ait: process_checklist@1, inventories: {checklist: c}}]\n"
    ))
    (project / "aiqm.yaml").write_text(text, "utf-8")
    r = runner.invoke(app, ["run", str(project), "--executor", "inline"])
    assert r.exit_code == 2
    assert "component.levels.AISL: '7' is not a level of AISL" in " ".join(r.output.split())


def test_python_api() -> None:
    g = load_guideline("aist-mlqm@3")
    result = determine_target_levels(
        g,
        answers={"AISL": {"human_severity": "fatal", "human_avoidability": "unavoidable",
                          "economic_severity": "none", "economic_avoidability": "supervision"}},
    )
    assert result.levels == {"AISL": "4"}
    assert result.out_of_scope == ["AISL 4"]
    assert not result.determinations["AISL"].verified
    assert result.counts == {"total": 36, "measure": 16, "checklist": 11, "document": 9}


def test_set_levels_text_replaces_block_and_flow_styles() -> None:
    block = "component:\n  name: x\n  task: other\n  levels:\n    AISL: '0.1'\n    AIPL: 1\ntests: []\n"
    assert set_levels_text(block, {"AISL": "1"}) == (
        'component:\n  name: x\n  task: other\n  levels: {AISL: "1"}\ntests: []\n')
    flow = "component: {name: x, task: other}\n"
    assert yaml.safe_load(set_levels_text(flow, {"AIFL": "2"}))["component"]["levels"] == {"AIFL": "2"}
