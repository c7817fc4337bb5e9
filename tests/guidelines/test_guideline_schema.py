"""Guideline files: the JSON Schema, every packaged file, and malformed files rejected by entry path."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from aiqm.cli.main import app
from aiqm.core.guideline import (
    GuidelineError,
    available_guidelines,
    guideline_json_schema,
    load_guideline,
    parse_guideline,
)
from aiqm.services.guidelines import check_crosswalk_targets, validate_guideline_file

from ._factory import tiny_guideline

PACKAGED = sorted(
    e.name for e in resources.files("aiqm.guidelines").iterdir() if e.name.endswith(".yaml")
)


def _packaged_schema() -> dict[str, Any]:
    text = resources.files("aiqm.guidelines").joinpath("guideline.schema.json").read_text("utf-8")
    return json.loads(text)


def test_the_packaged_schema_is_the_one_the_model_generates() -> None:
    # regenerate with: aiqm guideline schema > src/aiqm/guidelines/guideline.schema.json
    assert _packaged_schema() == guideline_json_schema()
    jsonschema.Draft202012Validator.check_schema(_packaged_schema())


def test_the_five_frameworks_are_packaged() -> None:
    assert available_guidelines() == [
        "aist-mlqm@3", "eu-ai-act-art15@2024", "iso-iec-25059@2023", "iso-iec-5259-2@2024",
        "nist-ai-rmf-measure@1.0",
    ]


@pytest.mark.parametrize("name", PACKAGED)
def test_every_packaged_file_validates_against_schema_and_model(name: str) -> None:
    data = yaml.safe_load(resources.files("aiqm.guidelines").joinpath(name).read_text("utf-8"))
    jsonschema.Draft202012Validator(_packaged_schema()).validate(data)
    g = parse_guideline(data, name)
    assert g.meta.languages == ("en", "ja")
    assert g.meta.issued and g.meta.source and g.meta.derived_from  # edition and provenance
    assert all(text.en and text.ja for _, text in g.iter_texts())


@pytest.mark.parametrize("ref", available_guidelines())
def test_packaged_crosswalks_point_at_installed_ait_measures(ref: str) -> None:
    assert check_crosswalk_targets(load_guideline(ref)) == []


@pytest.mark.parametrize("ref", [r for r in available_guidelines() if not r.startswith("aist")])
def test_every_framework_crosswalks_to_mlqm_and_to_an_ait_measure(ref: str) -> None:
    g = load_guideline(ref)
    assert any(cw.to.guideline == "aist-mlqm@3" for cw in g.crosswalks)
    assert any(cw.to.ait is not None for cw in g.crosswalks) or g.meta.manifest_key


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(GuidelineError) as info:
        parse_guideline(data, "custom.yaml")
    assert str(info.value).startswith("custom.yaml is not a valid guideline:")
    return info.value.problems


def test_the_tiny_guideline_is_valid() -> None:
    assert parse_guideline(tiny_guideline()).ref == "tiny@1"


Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def apply(d: dict[str, Any]) -> None:
        *head, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        cur: Any = d
        for p in head:
            cur = cur[p]
        cur[last] = value
    return apply


def _append(path: str, value: Any) -> Mutation:
    def apply(d: dict[str, Any]) -> None:
        cur: Any = d
        for p in [int(p) if p.isdigit() else p for p in path.split(".")]:
            cur = cur[p]
        cur.append(value)
    return apply


def _drop(path: str) -> Mutation:
    def apply(d: dict[str, Any]) -> None:
        *head, last = path.split(".")
        cur: Any = d
        for p in head:
            cur = cur[int(p) if p.isdigit() else p]
        del cur[int(last) if last.isdigit() else last]
    return apply


MALFORMED: dict[str, tuple[list[Mutation], str]] = {
    "unknown requirement id": (
        [_set("internal.1.levels.0.requirements", ["MODEL-L9-1"])],
        "internal[1].levels[0].requirements[0]: unknown requirement id 'MODEL-L9-1'",
    ),
    "duplicate requirement id": (
        [_append("requirements", tiny_guideline()["requirements"][0])],
        "requirements[4].id: duplicate requirement id 'DATA-L1-1' (first at requirements[0].id)",
    ),
    "duplicate characteristic id": (
        [_set("internal.1.id", "DATA")],
        "internal[1].id: duplicate characteristic id 'DATA' (first at internal[0].id)",
    ),
    "duplicate level id": (
        [_set("internal.0.levels.1.id", "L1")],
        "internal[0].levels[1].id: duplicate level id of DATA 'L1' (first at internal[0].levels[0].id)",
    ),
    "missing Japanese": (
        [_drop("internal.0.names.ja")],
        "internal[0].names: missing Japanese ('ja') text; the guideline declares languages en, ja",
    ),
    "missing English": (
        [_drop("requirements.1.summary.en")],
        "requirements[1].summary.en: field required",
    ),
    "unknown matrix level": (
        [_set("level_matrix.0.targets.DATA", "L9")],
        "level_matrix[0].targets.DATA: unknown level 'L9' of DATA (levels: L1, L2)",
    ),
    "unknown matrix characteristic": (
        [_set("level_matrix.0.targets", {"NOPE": "L1"})],
        "level_matrix[0].targets.NOPE: unknown internal characteristic 'NOPE' (internal: DATA, MODEL)",
    ),
    "unknown external level": (
        [_set("level_matrix.0.external", "RISK-7")],
        "level_matrix[0].external: unknown external level 'RISK-7' (external levels: RISK-0, RISK-1)",
    ),
    "cycle of level implications": (
        [_set("internal.0.levels.0.implies", ["L2"]), _set("internal.0.levels.1.implies", ["L1"])],
        "internal[0].levels[0].implies: cycle of level implications L1 → L2 → L1",
    ),
    "cycle of requirement references": (
        [_set("requirements.0.based_on", ["DATA-L2-1"]), _set("requirements.1.based_on", ["DATA-L1-1"])],
        "requirements[0].based_on: cycle of requirement references DATA-L1-1 → DATA-L2-1 → DATA-L1-1",
    ),
    "cycle of crosswalks": (
        [_append("crosswalks", {"from": "DATA", "to": {"id": "MODEL"}, "relation": "partial"}),
         _append("crosswalks", {"from": "MODEL", "to": {"id": "DATA-L1-1"}, "relation": "partial"}),
         _append("crosswalks", {"from": "DATA-L1-1", "to": {"id": "DATA"}, "relation": "related"})],
        "crosswalks[1]: cycle of crosswalk references DATA → MODEL → DATA-L1-1 → DATA",
    ),
    "crosswalk to an unknown id of a packaged guideline": (
        [_set("crosswalks.0.to.id", "C-9")],
        "crosswalks[0].to.id: aist-mlqm@3 has no characteristic or requirement 'C-9'",
    ),
    "crosswalk to an unknown guideline": (
        [_set("crosswalks.0.to.guideline", "nope@1")],
        "crosswalks[0].to.guideline: unknown guideline 'nope@1'",
    ),
    "crosswalk with both an id and an AIT": (
        [_set("crosswalks.0.to", {"id": "C-1", "ait": "x", "measure": "y"})],
        "crosswalks[0].to: give either 'id' (with an optional 'guideline') or 'ait' and 'measure'",
    ),
    "trigger on an unknown question": (
        [_set("external.0.levels.1.triggers.0.when", {"hurm": ["yes"]})],
        "external[0].levels[1].triggers[0].when.hurm: unknown question 'hurm' of RISK (questions: harm)",
    ),
    "trigger with an answer the question does not allow": (
        [_set("external.0.levels.1.triggers.0.when", {"harm": ["maybe"]})],
        "external[0].levels[1].triggers[0].when.harm: answer 'maybe' is not an answer of question "
        "'harm' (answers: yes, no)",
    ),
    "requirement at an unknown level": (
        [_set("requirements.0.level", "L7")],
        "requirements[0].level: unknown level 'L7' of DATA (levels: L1, L2)",
    ),
    "requirement listed under another level": (
        [_set("internal.0.levels.1.requirements", ["DATA-L2-1", "DATA-L1-1"])],
        "internal[0].levels[1].requirements[1]: requirement 'DATA-L1-1' is declared for DATA level L1, "
        "not DATA level L2",
    ),
    "level track not declared": (
        [_set("internal.0.levels.0.track", "E")],
        "internal[0].levels[0].track: DATA declares no 'tracks'",
    ),
    "unknown field": (
        [_set("requirements.0.evidnce", "measure")],
        "requirements[0].evidnce: unknown field; remove it or check its spelling",
    ),
    "unknown evidence kind": (
        [_set("requirements.0.evidence", "hunch")],
        "requirements[0].evidence: Input should be 'measure', 'checklist' or 'document'",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_guidelines_are_rejected_with_entry_paths(case: str) -> None:
    mutations, expected = MALFORMED[case]
    data = tiny_guideline()
    for m in mutations:
        m(data)
    problems = _problems(data)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    data = tiny_guideline()
    _set("internal.1.levels.0.requirements", ["MODEL-L9-1"])(data)
    _drop("internal.0.names.ja")(data)
    _set("level_matrix.0.targets.DATA", "L9")(data)
    assert len(_problems(data)) >= 3


def test_the_issue_example_path(tmp_path: Path) -> None:
    """MLQM with a B-2 level naming an unknown requirement: the path of the issue text."""
    data = yaml.safe_load(
        resources.files("aiqm.guidelines").joinpath("aist-mlqm-3.yaml").read_text("utf-8")
    )
    data["meta"]["id"] = "our-mlqm"
    data["internal"][3]["levels"][1]["requirements"] = ["B-2-L9-1"]
    problems = _problems(data)
    assert "internal[3].levels[1].requirements[0]: unknown requirement id 'B-2-L9-1'" in problems


runner = CliRunner()


def test_cli_validate_accepts_a_valid_file(tmp_path: Path) -> None:
    f = tmp_path / "tiny.yaml"
    f.write_text(yaml.safe_dump(tiny_guideline(), allow_unicode=True), "utf-8")
    r = runner.invoke(app, ["guideline", "validate", str(f)])
    assert r.exit_code == 0, r.output
    assert "valid: tiny@1" in r.output
    r = runner.invoke(app, ["guideline", "validate", str(f), "--json"])
    assert json.loads(r.stdout) == {"valid": True, "guideline": "tiny@1", "warnings": []}


def test_cli_validate_rejects_with_paths_and_exit_2(tmp_path: Path) -> None:
    data = tiny_guideline()
    _set("internal.1.levels.0.requirements", ["MODEL-L9-1"])(data)
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(data), "utf-8")
    r = runner.invoke(app, ["guideline", "validate", str(f), "--json"])
    assert r.exit_code == 2
    assert "internal[1].levels[0].requirements[0]: unknown requirement id 'MODEL-L9-1'" in (
        json.loads(r.stdout)["problems"]
    )


def test_cli_validate_reports_yaml_syntax_errors_with_the_line(tmp_path: Path) -> None:
    f = tmp_path / "broken.yaml"
    f.write_text("meta:\n  id: [unclosed\n", "utf-8")
    r = runner.invoke(app, ["guideline", "validate", str(f)])
    assert r.exit_code == 2
    assert "broken.yaml:3" in r.output.replace("\n", "") or "broken.yaml:2" in r.output


def test_validate_warns_about_crosswalks_to_unknown_aits(tmp_path: Path) -> None:
    data = tiny_guideline()
    data["crosswalks"].append(
        {"from": "DATA-L2-1", "to": {"ait": "data_completeness", "measure": "nope"}}
    )
    data["crosswalks"].append({"from": "DATA-L2-1", "to": {"ait": "not_installed", "measure": "x"}})
    f = tmp_path / "tiny.yaml"
    f.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    _, warnings = validate_guideline_file(f)
    assert warnings[0].startswith("crosswalks[1].to.measure: AIT 'data_completeness' has no measure")
    assert warnings[1].startswith("crosswalks[2].to.ait: AIT 'not_installed' is not installed")


def test_cli_list_and_show(tmp_path: Path) -> None:
    r = runner.invoke(app, ["guideline", "list", "--json"])
    assert r.exit_code == 0
    rows = {row["ref"]: row for row in json.loads(r.stdout)}
    assert rows["aist-mlqm@3"]["requirements"] == 38
    assert rows["eu-ai-act-art15@2024"]["mode"] == "crosswalk"
    r = runner.invoke(app, ["guideline", "show", "aist-mlqm", "--json"])
    doc = json.loads(r.stdout)
    assert doc["ref"] == "aist-mlqm@3" and doc["counts"]["internal"] == 9
    assert doc["crosswalks"] == [] and "from" in json.dumps(
        json.loads(runner.invoke(app, ["guideline", "show", "eu-ai-act-art15", "--json"]).stdout)
    )
    r = runner.invoke(app, ["guideline", "show", "aist-mlqm@3", "--lang", "ja"],
                      env={"COLUMNS": "200"})
    assert r.exit_code == 0
    assert "問題領域分析の十分性" in r.output and "level matrix" in r.output
    r = runner.invoke(app, ["guideline", "show", "nope@1"])
    assert r.exit_code == 2 and "packaged guidelines: aist-mlqm@3" in r.output
