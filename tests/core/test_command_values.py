"""Command-line values: NAME=VALUE pairs, YAML parameter values and criteria."""

from __future__ import annotations

import doctest

import pytest

from aiqm.core import command_values
from aiqm.core.command_values import parse_criterion, parse_pairs, parse_parameters
from aiqm.exceptions import InputError
from aiqm.plugins import sdk
from aiqm.services import ait_readme
from aiqm.testing import generated


@pytest.mark.parametrize("module", [command_values, ait_readme, generated, sdk])
def test_module_doctests(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.failed == 0 and result.attempted > 0


def test_parameters_are_yaml_values() -> None:
    assert parse_parameters(["a=0.5", "b=true", "c=null", "d=[x, 'y z']", "e={k: 1}", "f=",
                             "g=a=b"]) == {"a": 0.5, "b": True, "c": None, "d": ["x", "y z"],
                                           "e": {"k": 1}, "f": "", "g": "a=b"}


@pytest.mark.parametrize(("items", "message"), [
    (["novalue"], "--param takes NAME=VALUE; got 'novalue'"),
    (["=1"], "--param takes NAME=VALUE"),
    (["a=1", "a=2"], "--param names 'a' twice"),
    (["a=[1, 2"], "--param a='[1, 2': the value is not valid YAML"),
])
def test_bad_parameters(items: list[str], message: str) -> None:
    with pytest.raises(InputError, match=message.replace("[", r"\[")):
        parse_parameters(items)


def test_pairs_keep_the_value_text() -> None:
    assert parse_pairs(["images=data/a=b/"], "--input") == {"images": "data/a=b/"}


@pytest.mark.parametrize(("text", "fields"), [
    ("accuracy>=0.9", {"measure": "accuracy", "op": ">=", "value": 0.9}),
    (" recall < 1e-3 ", {"measure": "recall", "op": "<", "value": 0.001}),
    ("n_rows == 4", {"measure": "n_rows", "op": "==", "value": 4}),
    ("passed != false", {"measure": "passed", "op": "!=", "value": False}),
    ("gap between -0.1 and 0.1", {"measure": "gap", "op": "between", "value": (-0.1, 0.1)}),
    ("min(per_class)>0.5", {"measure": "per_class", "op": ">", "aggregate": "min"}),
    ("at_least(3, flags) == true", {"aggregate": "at_least", "k": 3, "value": True}),
    ("any(scores) between 0 and 1", {"aggregate": "any", "op": "between", "value": (0, 1)}),
])
def test_criteria(text: str, fields: dict[str, object]) -> None:
    c = parse_criterion(text).model_dump()
    assert {k: c[k] for k in fields} == fields


@pytest.mark.parametrize(("text", "message"), [
    ("accuracy=>0.9", "cannot read the criterion"),
    ("accuracy >= ", "cannot read the criterion"),
    ("Accuracy>=0.9", "cannot read the criterion"),
    ("accuracy >= high", "'high' is not a finite number or true/false"),
    ("accuracy >= nan", "'nan' is not a finite number"),
    ("gap between 1 and 0", "is greater than high"),
    ("at_least(flags) > 1", "at_least needs a count"),
    ("mean(2, x) > 1", "only at_least takes a count"),
    ("median(x) > 1", "cannot read the criterion"),
])
def test_bad_criteria(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        parse_criterion(text)
