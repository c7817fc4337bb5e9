"""``check_ait``: the conformance suite AIT authors run against their AIT."""

from __future__ import annotations

from typing import Any

from aiqm.core.constraints import Interval, Options
from aiqm.core.manifest import AITManifest
from aiqm.exceptions import InvalidParameterError
from aiqm.plugins.sdk import AIT
from aiqm.testing.harness import AITRunResult, run_ait

__all__ = ["check_ait", "invalid_values"]

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


def invalid_values(manifest: AITManifest) -> dict[str, list[Any]]:
    """For each parameter, values that must be rejected (wrong type, outside constraints)."""
    out: dict[str, list[Any]] = {}
    for p in manifest.parameters:
        bad = [_WRONG_TYPE[p.type]]
        for c in p.constraints:
            if isinstance(c, Interval):
                if c.low is not None:
                    bad.append(c.low - 1 if p.type != "list[float]" else [c.low - 1])
                if c.high is not None:
                    bad.append(c.high + 1 if p.type != "list[float]" else [c.high + 1])
            elif isinstance(c, Options) and p.type == "str":
                bad.append("__not_an_option__")
        out[p.name] = bad
    return out


def check_ait(ait: AIT, **run_kwargs: Any) -> AITRunResult:
    """Check an AIT against the contract every AIT must meet, and return its run result.

    Checks: the manifest validates (it did when ``@ait`` ran); every parameter
    rejects a wrong-typed and an out-of-constraint value with the standard
    message; the AIT runs on ``run_kwargs`` (passed to :func:`run_ait`); every
    reported measure is declared, of its declared type and inside its range;
    every declared measure is either reported or undefined with a reason; every
    resource it attaches is declared.

    Raises
    ------
    AssertionError
        Listing every problem found.
    """
    problems: list[str] = []
    m = ait.manifest
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
