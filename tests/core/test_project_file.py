from __future__ import annotations

import pytest

from aiqm.core.project import parse_project
from aiqm.exceptions import ProjectFileError
from aiqm.services.projects import SKELETON

GOOD = """\
component:
  name: c
  task: binary_classification
inventories:
  test: {kind: dataset, path: test.csv, target: y}
tests:
  - name: t
    characteristic: C-1
    ait: classification_performance@1
    inventories: {dataset: test}
"""


def test_skeleton_is_valid():
    p = parse_project(SKELETON)
    assert p.component.guidelines == ("aist-mlqm@3",)
    assert len(p.tests) == 2


def test_good_minimal():
    p = parse_project(GOOD)
    assert p.settings.executor == "process"
    assert p.inventories["test"].target == "y"


def test_malformed_yaml_names_line():
    with pytest.raises(ProjectFileError) as info:
        parse_project("component:\n  name: [unclosed\n", source="aiqm.yaml")
    assert "aiqm.yaml:" in str(info.value) and "not valid YAML" in str(info.value)


def test_bad_enum_names_file_line_field_value_and_allowed():
    text = GOOD.replace("task: binary_classification", "task: clasification")
    with pytest.raises(ProjectFileError) as info:
        parse_project(text, source="aiqm.yaml")
    msg = str(info.value)
    assert "aiqm.yaml:3: component.task" in msg
    assert "'clasification'" in msg
    assert "binary_classification" in msg


def test_unknown_field_and_line():
    text = GOOD.replace("    characteristic: C-1\n", "    characteristic: C-1\n    critera: []\n")
    with pytest.raises(ProjectFileError) as info:
        parse_project(text, source="f.yaml")
    assert "f.yaml:9: tests[0].critera: unknown field" in str(info.value)


def test_unknown_inventory_reference():
    text = GOOD.replace("{dataset: test}", "{dataset: tset}")
    with pytest.raises(ProjectFileError, match="'tset', which is not declared"):
        parse_project(text)


def test_bad_criterion_op():
    text = GOOD + "    criteria: [{measure: accuracy, op: '=>', value: 1}]\n"
    with pytest.raises(ProjectFileError) as info:
        parse_project(text, source="f.yaml")
    assert "tests[0].criteria[0].op" in str(info.value)
    assert "'=>'" in str(info.value)


def test_empty_and_non_mapping():
    with pytest.raises(ProjectFileError, match="empty"):
        parse_project("")
    with pytest.raises(ProjectFileError, match="top level must be a mapping"):
        parse_project("- a\n- b\n")


def test_duplicate_test_names():
    text = GOOD + GOOD.split("tests:\n")[1]
    with pytest.raises(ProjectFileError, match="unique"):
        parse_project(text)


def test_levels_numbers_become_strings():
    text = GOOD.replace("  task: binary_classification\n",
                        "  task: binary_classification\n  levels: {AISL: 0.2, AIPL: 1}\n")
    assert parse_project(text).component.levels == {"AISL": "0.2", "AIPL": "1"}
