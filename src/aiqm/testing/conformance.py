"""``check_ait``: the conformance suite AIT authors run against their AIT."""

from __future__ import annotations

import math
from typing import Any

from aiqm.core.constraints import Interval, Options
from aiqm.core.manifest import AITManifest
from aiqm.core.parameters import parameter_specs
from aiqm.exceptions import InvalidParameterError, ManifestError
from aiqm.plugins.sdk import AIT
from aiqm.testing.harness import AITRunResult, run_ait

__all__ = ["check_ait", "invalid_values", "parameters_class_problems"]

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


def invalid_values(manifest: AITManifest) -> dict[str, list[Any]]:
    """For each parameter, values that must be rejected (wrong type, outside constraints)."""
    out: dict[str, list[Any]] = {}
    for p in manifest.parameters:
        bad = [_WRONG_TYPE[p.type]]
        for c in p.constraints:
            if isinstance(c, Interval):
                for edge in (x for x in (_below(c.low, p.type), _above(c.high, p.type)) if x is not None):
                    # an interval bounds each item of a list
                    bad.append([edge] if p.type.startswith("list[") else edge)
            elif isinstance(c, Options) and p.type == "str":
                bad.append("__not_an_option__")
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


def check_ait(ait: AIT, **run_kwargs: Any) -> AITRunResult:
    """Check an AIT against the contract every AIT must meet, and return its run result.

    Checks: the manifest validates (it did when ``@ait`` ran); a typed parameters
    class, when the AIT declares one, matches the manifest's parameters (see
    :func:`parameters_class_problems`); every parameter rejects a wrong-typed and
    an out-of-constraint value with the standard message; the AIT runs on ``run_kwargs`` (passed to :func:`run_ait`); every
    reported measure is declared, of its declared type and inside its range;
    every declared measure is either reported or undefined with a reason; every
    resource it attaches is declared.

    Raises
    ------
    AssertionError
        Listing every problem found.
    """
    m = ait.manifest
    problems = parameters_class_problems(ait)
    for name, values in invalid_values(m).items():
        for v in values:
            try:
                m.validate_parameters({name: v})
            except InvalidParameterError as exc:
                if f"The {name!r} parameter of AIT {m.id!r} must be" not in str(exc):
                    problems.append(f"parameter {name!r}: non-standard message {exc}")
            else:
                problems.append(f"parameter {name!r} accepted the invalid value {v!r}")
    result = run_ait(ait, **run_kwargs)
    problems += result.problems
    reported = set(result.measures) | set(result.undefined)
    for spec in m.measures:
        if spec.name not in reported:
            problems.append(f"declared measure {spec.name!r} was neither reported nor undefined")
    for name, reason in result.undefined.items():
        if not reason:
            problems.append(f"measure {name!r} is undefined without a reason")
    declared = {r.name for r in m.resources} | {d.name for d in m.downloads}
    for r in result.resources:
        if r["name"] not in declared:
            problems.append(f"resource {r['name']!r} is not declared")
    if problems:
        raise AssertionError(f"AIT {m.ref} does not conform:\n  " + "\n  ".join(problems))
    return result
