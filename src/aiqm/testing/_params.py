"""Parameter checks of the conformance suite: generated bad values, class vs manifest."""

from __future__ import annotations

import math
import re
from typing import Any

from aiqm.core.constraints import Interval, Length, Options, Pattern
from aiqm.core.manifest import AITManifest
from aiqm.core.parameters import parameter_specs
from aiqm.exceptions import ManifestError
from aiqm.plugins.sdk import AIT

__all__ = ["invalid_values", "parameters_class_problems"]

_WRONG_TYPE: dict[str, Any] = {
    "int": "not an int",
    "float": "not a float",
    "bool": "yes",
    "str": 12345,
    "list[int]": "not a list",
    "list[float]": "not a list",
    "list[str]": "not a list",
    "object": ["not", "a", "mapping"],
}


def _below(low: float | None, type_: str) -> float | None:
    """A value of the parameter's item type just under ``low`` (an int for int types)."""
    if low is None:
        return None
    return math.floor(low) - 1 if "int" in type_ else low - 1


def _above(high: float | None, type_: str) -> float | None:
    if high is None:
        return None
    return math.ceil(high) + 1 if "int" in type_ else high + 1


_ITEM: dict[str, Any] = {"int": 0, "float": 0.0, "str": "x"}
_NOT_MATCHING = ("", "-", "0", "not matching ?!", "A")


def _outside_options(c: Options, type_: str) -> Any:
    """A value of the parameter's type that is none of the options (None if none is found)."""
    item = type_.removeprefix("list[").removesuffix("]")
    if item == "str":
        candidate: Any = "__not_an_option__"
    elif item in ("int", "float"):
        numbers = [v for v in c.values if isinstance(v, int | float) and not isinstance(v, bool)]
        candidate = (max(numbers) + 1) if numbers else 0
        candidate = int(candidate) if item == "int" else float(candidate)
    else:
        return None
    return [candidate] if type_.startswith("list[") else candidate


def _not_matching(c: Pattern, type_: str) -> Any:
    for text in _NOT_MATCHING:
        if re.fullmatch(c.regex, text) is None:
            return [text] if type_ == "list[str]" else text
    return None


def _wrong_length(c: Length, type_: str, default: Any) -> list[Any]:
    """A str or list one shorter than ``min`` and one longer than ``max``."""
    if type_ == "str":
        return ([("x" * (c.min - 1))] if c.min else []) + (
            ["x" * (c.max + 1)] if c.max is not None else [])
    if not type_.startswith("list["):
        return []
    items = list(default) if isinstance(default, list) and default else [
        _ITEM[type_.removeprefix("list[").removesuffix("]")]]
    out = []
    if c.min:
        out.append((items * c.min)[: c.min - 1])
    if c.max is not None:
        out.append((items * (c.max + 1))[: c.max + 1])
    return out


def invalid_values(manifest: AITManifest) -> dict[str, list[Any]]:
    """For each parameter, values that must be rejected: a wrong type, and for each
    constraint a value just outside it (an interval's bounds, an option that is not one,
    a string the pattern refuses, one item too few or too many)."""
    out: dict[str, list[Any]] = {}
    for p in manifest.parameters:
        bad = [_WRONG_TYPE[p.type]]
        for c in p.constraints:
            if isinstance(c, Interval):
                for edge in (x for x in (_below(c.low, p.type), _above(c.high, p.type)) if x is not None):
                    # an interval bounds each item of a list
                    bad.append([edge] if p.type.startswith("list[") else edge)
            elif isinstance(c, Options):
                value = _outside_options(c, p.type)
                if value is not None and value not in bad:
                    bad.append(value)
            elif isinstance(c, Pattern) and p.type in ("str", "list[str]"):
                value = _not_matching(c, p.type)
                if value is not None:
                    bad.append(value)
            elif isinstance(c, Length):
                bad += _wrong_length(c, p.type, p.default)
        out[p.name] = bad
    return out


def parameters_class_problems(ait: AIT) -> list[str]:
    """Where an AIT's typed parameters class and its manifest's parameters disagree.

    An AIT made with ``@ait(parameters=SomeParameters)`` gets its manifest's
    parameters from the class, so they agree; one whose manifest and class were
    written separately may not. Each field must be a manifest parameter of the
    same type, default, constraints and help, in the manifest's order.

    Returns
    -------
    list of str
        One line per problem; empty when they agree or the AIT has no class.
    """
    cls = ait.parameters_type
    if cls is None:
        return []
    try:
        derived = parameter_specs(cls)
    except ManifestError as exc:
        return [f"parameters class {cls.__name__} cannot make a manifest: {exc}"]
    declared = {p.name: p for p in ait.manifest.parameters}
    fields = {s.name: s for s in derived}
    problems = [f"manifest parameter {n!r} has no field in {cls.__name__}"
                for n in declared if n not in fields]
    problems += [f"{cls.__name__}.{n} is not a parameter of the manifest"
                 for n in fields if n not in declared]
    for name in (n for n in declared if n in fields):
        mine, theirs = fields[name].model_dump(), declared[name].model_dump()
        differ = [k for k in theirs if mine.get(k) != theirs[k]]
        if differ:
            problems.append(f"{cls.__name__}.{name} differs from the manifest's parameter in "
                            f"{', '.join(differ)}")
    if not problems and [s.name for s in derived] != list(declared):
        problems.append(f"{cls.__name__} lists its parameters in another order than the manifest")
    return problems
