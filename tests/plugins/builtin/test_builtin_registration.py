"""The built-in plugin: registration, manifests, and parameter messages (meta-test)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from aiqm.core.constraints import Interval, Length, Options
from aiqm.core.manifest import ParameterSpec
from aiqm.exceptions import InvalidParameterError
from aiqm.plugins.builtin import aiqm_register_aits
from aiqm.plugins.manager import load_registry
from aiqm.plugins.sdk import AIT

BUILTIN = aiqm_register_aits()
PARAMETERS = [(a, p) for a in BUILTIN for p in a.manifest.parameters]

_VALID_ELEMENT = {"int": 1, "float": 1.0, "str": "x", "bool": True}
_WRONG_TYPE = {"int": "x", "float": "x", "bool": "yes", "str": 12345, "object": [1]}


def _invalid_values(p: ParameterSpec) -> list[Any]:
    """Values that break the parameter's type, or each of its constraints."""
    if p.type.startswith("list["):
        element = p.type[5:-1]
        values: list[Any] = ["not-a-list", [_WRONG_TYPE[element]]]
    else:
        element = p.type
        values = [_WRONG_TYPE[p.type]]
    for c in p.constraints:
        if isinstance(c, Options):
            bad = {"str": "__not_an_option__", "float": 0.123456, "int": -123456}[element]
            assert bad not in c.values
            values.append([bad] if p.type.startswith("list[") else bad)
        elif isinstance(c, Interval):
            bad = c.low - 1 if c.low is not None else c.high + 1  # type: ignore[operator]
            values.append([bad] if p.type.startswith("list[") else bad)
        elif isinstance(c, Length):
            size = c.min - 1 if c.min is not None else c.max + 1  # type: ignore[operator]
            values.append([_VALID_ELEMENT[element]] * size)
    return values


def test_the_hook_returns_both_builtin_aits() -> None:
    assert all(isinstance(a, AIT) for a in BUILTIN)
    refs = {a.manifest.ref for a in BUILTIN}
    assert {
        "aiqm.ait:classification_performance@1.1.0",
        "aiqm.ait:data_completeness@1.0.0",
    } <= refs
    assert {  # the model-quality suite
        f"aiqm.ait:{name}@1.0.0" for name in (
            "regression_performance", "group_fairness", "generalisation_stability",
            "perturbation_robustness", "adversarial_robustness", "explainability",
            "software_reliability")
    } <= refs


def test_the_entry_point_registers_the_builtin_plugin() -> None:
    refs = {a.manifest.ref for a in load_registry()}  # the `aiqm.ait` entry-point group
    assert {a.manifest.ref for a in BUILTIN} <= refs


def test_the_registry_resolves_builtin_aits_by_major_version() -> None:
    registry = load_registry(["aiqm.plugins.builtin"], entry_points=False)
    assert registry.get("classification_performance@1").manifest.version == "1.1.0"
    assert registry.get("data_completeness").manifest.characteristics == ("B-3",)


@pytest.mark.parametrize("ait", BUILTIN, ids=lambda a: a.manifest.id)
def test_manifests_document_every_field(ait: AIT) -> None:
    m = ait.manifest
    for item in (*m.inventories, *m.parameters, *m.measures, *m.resources):
        assert item.description, f"{m.id}: {item.name} has no description"
    for measure in m.measures:
        parity = ("demographic_parity_ratio", "equalized_odds_ratio", "equal_opportunity_ratio")
        if (measure.name.endswith(("_rate", "_loss", "_ratio"))
                and measure.name not in ("complete_row_ratio", *parity)):
            assert measure.direction == "lower", measure.name


@pytest.mark.parametrize("ait", BUILTIN, ids=lambda a: a.manifest.id)
def test_defaults_validate(ait: AIT) -> None:
    required = {p.name: [_VALID_ELEMENT[p.type[5:-1]]] if p.type.startswith("list[")
                else _VALID_ELEMENT[p.type] for p in ait.manifest.parameters if p.required}
    defaults = ait.manifest.validate_parameters(required)
    assert defaults == {p.name: required.get(p.name, p.default) for p in ait.manifest.parameters}


@pytest.mark.parametrize(
    ("ait", "param"), PARAMETERS, ids=[f"{a.manifest.id}.{p.name}" for a, p in PARAMETERS]
)
def test_invalid_parameter_values_get_the_standard_message(ait: AIT, param: ParameterSpec) -> None:
    prefix = f"The '{param.name}' parameter of AIT '{ait.manifest.id}' must be"
    values = _invalid_values(param)
    assert len(values) >= 1 + len(param.constraints)
    for value in values:
        with pytest.raises(InvalidParameterError, match="^" + re.escape(prefix)):
            ait.manifest.validate_parameters({param.name: value})
