"""Parameter types and constraints as data, and the one function that checks them.

Every message a user sees about a bad parameter comes from :func:`check_value`,
so messages have one shape everywhere (CLI, Python API, web forms)::

    The 'threshold' parameter of AIT 'data_drift' must be a float in the range [0, 1]. Got 1.5 instead.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import Field

from aiqm.core._base import Definition
from aiqm.exceptions import InvalidParameterError

__all__ = [
    "PARAMETER_TYPES",
    "Constraint",
    "Interval",
    "Length",
    "Options",
    "Pattern",
    "check_value",
    "describe",
]

#: Parameter types an AIT may declare.
PARAMETER_TYPES = ("int", "float", "bool", "str", "list[int]", "list[float]", "list[str]", "object")

_TYPE_WORDS = {
    "int": "an int",
    "float": "a float",
    "bool": "a bool (true or false)",
    "str": "a str",
    "list[int]": "a list of ints",
    "list[float]": "a list of floats",
    "list[str]": "a list of strs",
    "object": "a mapping (JSON object)",
}


class Interval(Definition):
    """A numeric range; for list types it applies to every element.

    Parameters
    ----------
    low, high : float or None, default=None
        Bounds; ``None`` means unbounded on that side.
    closed : {"both", "left", "right", "neither"}, default="both"
        Which bounds belong to the range.
    """

    kind: Literal["interval"] = "interval"
    low: float | None = None
    high: float | None = None
    closed: Literal["both", "left", "right", "neither"] = "both"

    def accepts(self, v: float) -> bool:
        if isinstance(v, float) and math.isnan(v):
            return False
        lo_ok = self.low is None or (v >= self.low if self.closed in ("both", "left") else v > self.low)
        hi_ok = self.high is None or (
            v <= self.high if self.closed in ("both", "right") else v < self.high
        )
        return lo_ok and hi_ok

    def describe(self) -> str:
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        lo = "-inf" if self.low is None else _num(self.low)
        hi = "inf" if self.high is None else _num(self.high)
        return f"in the range {left}{lo}, {hi}{right}"


class Options(Definition):
    """A closed set of allowed values; for list types it applies to every element."""

    kind: Literal["options"] = "options"
    values: tuple[str | int | float | bool, ...]

    def accepts(self, v: Any) -> bool:
        return v in self.values

    def describe(self) -> str:
        return "one of {" + ", ".join(repr(v) for v in self.values) + "}"


class Pattern(Definition):
    """A regular expression a string (or every string of a list) must match fully."""

    kind: Literal["pattern"] = "pattern"
    regex: str

    def accepts(self, v: Any) -> bool:
        return isinstance(v, str) and re.fullmatch(self.regex, v) is not None

    def describe(self) -> str:
        return f"matching the pattern /{self.regex}/"


class Length(Definition):
    """Bounds on the number of items of a list (or characters of a str)."""

    kind: Literal["length"] = "length"
    min: int | None = None
    max: int | None = None

    def accepts(self, v: Any) -> bool:
        n = len(v)
        return (self.min is None or n >= self.min) and (self.max is None or n <= self.max)

    def describe(self) -> str:
        if self.min is not None and self.max is not None:
            return f"with between {self.min} and {self.max} items"
        if self.min is not None:
            return f"with at least {self.min} item{'s' if self.min != 1 else ''}"
        return f"with at most {self.max} items"


Constraint = Annotated[Interval | Options | Pattern | Length, Field(discriminator="kind")]


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(x)


def describe(type_: str, constraints: tuple[Any, ...] | list[Any]) -> str:
    """Describe a type and its constraints in words, e.g. ``a float in the range [0, 1]``."""
    words = _TYPE_WORDS[type_]
    element = [c for c in constraints if not isinstance(c, Length)]
    length = [c for c in constraints if isinstance(c, Length)]
    parts = [words]
    if element:
        prefix = " whose items are each " if type_.startswith("list[") else " "
        parts.append(prefix + " and ".join(c.describe() for c in element))
    if length:
        parts.append(" " + " and ".join(c.describe() for c in length))
    return "".join(parts)


def _coerce_scalar(t: str, v: Any) -> tuple[bool, Any]:
    """Return (ok, coerced value) for a scalar type; ints are accepted where floats are."""
    if t == "bool":
        return isinstance(v, bool), v
    if t == "int":
        if isinstance(v, bool):
            return False, v
        if isinstance(v, int):
            return True, v
        if isinstance(v, float) and v.is_integer():
            return True, int(v)
        return False, v
    if t == "float":
        if isinstance(v, bool) or not isinstance(v, int | float):
            return False, v
        f = float(v)
        return (not math.isnan(f)), f
    if t == "str":
        return isinstance(v, str), v
    raise ValueError(f"unknown scalar type {t!r}")


def check_value(
    value: Any,
    *,
    type_: str,
    constraints: tuple[Any, ...] | list[Any] = (),
    name: str,
    owner: str,
    nullable: bool = False,
) -> Any:
    """Check one parameter value against its type and constraints and return it coerced.

    Parameters
    ----------
    value : object
        The value from the test description.
    type_ : str
        One of :data:`PARAMETER_TYPES`.
    constraints : sequence of Interval, Options, Pattern or Length, default=()
        Constraints that must all hold.
    name : str
        Parameter name, used in the message.
    owner : str
        The AIT id, used in the message.
    nullable : bool, default=False
        Whether ``None`` is allowed.

    Returns
    -------
    object
        The value, with ints widened to floats where a float is declared.

    Raises
    ------
    InvalidParameterError
        With the message ``The 'x' parameter of AIT 'y' must be … Got … instead.``

    Examples
    --------
    >>> check_value(0.5, type_="float", constraints=[Interval(low=0, high=1)], name="t", owner="a")
    0.5
    """
    if value is None and nullable:
        return None

    def fail() -> InvalidParameterError:
        allowed = describe(type_, constraints)
        if nullable:
            allowed += " or null"
        return InvalidParameterError(
            f"The {name!r} parameter of AIT {owner!r} must be {allowed}. Got {value!r} instead."
        )

    if type_ == "object":
        if not isinstance(value, dict):
            raise fail()
        return value
    if type_.startswith("list["):
        elem_t = type_[5:-1]
        if not isinstance(value, list | tuple):
            raise fail()
        out = []
        for item in value:
            ok, coerced = _coerce_scalar(elem_t, item)
            if not ok:
                raise fail()
            out.append(coerced)
        for c in constraints:
            if isinstance(c, Length):
                if not c.accepts(out):
                    raise fail()
            elif not all(c.accepts(x) for x in out):
                raise fail()
        return out
    ok, coerced = _coerce_scalar(type_, value)
    if not ok:
        raise fail()
    for c in constraints:
        if not c.accepts(coerced):
            raise fail()
    return coerced
