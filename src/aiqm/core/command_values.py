"""Values typed on a command line: ``NAME=VALUE`` pairs, parameter values and criteria.

Used by ``aiqm ait run`` and ``aiqm ait check``:

>>> parse_pairs(["dataset=data/test.csv"], "--input")
{'dataset': 'data/test.csv'}
>>> parse_parameters(["columns=[a, b]", "threshold=0.2", "name=yes please"])
{'columns': ['a', 'b'], 'threshold': 0.2, 'name': 'yes please'}
>>> parse_criterion("accuracy>=0.9").describe()
'accuracy >= 0.9'
>>> parse_criterion("mean(scores) between 0.2 and 0.8").describe()
'mean of scores between 0.2 and 0.8'
>>> parse_criterion("at_least(2, passed) == true").describe()
'at least 2 of passed == True'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import yaml
from pydantic import ValidationError

from aiqm.core.testdesc import AGGREGATES, Criterion
from aiqm.exceptions import InputError

__all__ = ["CRITERION_SYNTAX", "parse_criterion", "parse_pairs", "parse_parameters"]

CRITERION_SYNTAX = (
    "MEASURE OP VALUE with OP one of == != < <= > >= (e.g. 'accuracy>=0.9'), "
    "'MEASURE between LOW and HIGH', and for a sequence measure an aggregate first: "
    "mean(M), min(M), max(M), all(M), any(M) or at_least(K, M), e.g. 'min(recall) >= 0.8'"
)
_NAME = r"[a-z][a-z0-9_]*"
_CRITERION = re.compile(
    rf"^\s*(?:(?P<agg>{'|'.join(AGGREGATES)})\(\s*(?:(?P<k>\d+)\s*,\s*)?(?P<m1>{_NAME})\s*\)"
    rf"|(?P<m2>{_NAME}))\s*"
    r"(?:(?P<op>==|!=|<=|>=|<|>)\s*(?P<value>[^\s<>=!].*?)"
    r"|between\s+(?P<low>\S+)\s+and\s+(?P<high>\S+))\s*$"
)


def parse_pairs(items: Iterable[str], option: str) -> dict[str, str]:
    """``["a=1", "b=x"]`` → ``{"a": "1", "b": "x"}``; each name at most once.

    Raises
    ------
    InputError
        For an item without ``=``, an empty name, or a name given twice.
    """
    out: dict[str, str] = {}
    for item in items:
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or not name:
            raise InputError(f"{option} takes NAME=VALUE; got {item!r}")
        if name in out:
            raise InputError(f"{option} names {name!r} twice; give each once")
        out[name] = value
    return out


def parse_parameters(items: Iterable[str]) -> dict[str, Any]:
    """``--param name=value`` items, each value read as YAML (``0.2``, ``true``, ``[a, b]``).

    Raises
    ------
    InputError
        For a malformed item or a value that is not valid YAML.
    """
    out: dict[str, Any] = {}
    for name, text in parse_pairs(items, "--param").items():
        try:
            out[name] = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise InputError(
                f"--param {name}={text!r}: the value is not valid YAML ({problem}); quote "
                "strings with special characters and write lists as [a, b]"
            ) from None
    return out


def _number(text: str, criterion: str) -> Any:
    """An int, a finite float (``0.9``, ``1e-3``) or a bool (``true``/``false``)."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    for kind in (int, float):
        try:
            value = kind(low)
        except ValueError:
            continue
        if math.isfinite(value):
            return value
    raise InputError(f"criterion {criterion!r}: {text!r} is not a finite number or true/false")


def parse_criterion(text: str) -> Criterion:
    """Parse a criterion typed on the command line (see :data:`CRITERION_SYNTAX`).

    Raises
    ------
    InputError
        When the text does not follow the syntax, naming what is allowed.
    """
    match = _CRITERION.match(text)
    if match is None:
        raise InputError(f"cannot read the criterion {text!r}; write {CRITERION_SYNTAX}")
    measure = match["m1"] or match["m2"]
    data: dict[str, Any] = {"measure": measure}
    if match["agg"]:
        data["aggregate"] = match["agg"]
        if match["agg"] == "at_least":
            if match["k"] is None:
                raise InputError(f"criterion {text!r}: at_least needs a count, e.g. "
                                 f"'at_least(3, {measure}) >= 0.5'")
            data["k"] = int(match["k"])
        elif match["k"] is not None:
            raise InputError(f"criterion {text!r}: only at_least takes a count")
    if match["op"]:
        data["op"] = match["op"]
        data["value"] = _number(match["value"], text)
    else:
        data["op"] = "between"
        data["value"] = (_number(match["low"], text), _number(match["high"], text))
    try:
        return Criterion.model_validate(data)
    except ValidationError as exc:
        why = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        raise InputError(f"criterion {text!r}: {why}") from None
