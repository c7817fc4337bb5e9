"""The test-description form, generated from an AIT manifest, and its parsing.

Each parameter becomes a field whose widget follows its declared type and
constraints (a select for an ``Options`` constraint, yes/no for a bool, JSON
for an object). Values are converted as far as they can be and the rest is
left for :meth:`AITManifest.validate_parameters`, so a bad value gets exactly
the message the CLI prints for the same value in ``aiqm.yaml``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiqm.core.constraints import Options, describe
from aiqm.core.manifest import AITManifest
from aiqm.core.testdesc import AGGREGATES, OPERATORS

__all__ = [
    "AGGREGATES",
    "OPERATORS",
    "ParamField",
    "criteria_rows",
    "parameter_fields",
    "parse_criteria",
    "parse_parameters",
    "parse_value",
]

_OMIT = object()
#: Empty criterion rows offered below the filled ones.
EXTRA_CRITERIA = 2


@dataclass
class ParamField:
    """One parameter input of the form."""

    name: str
    type: str
    description: str
    required: bool
    allowed: str
    default: str
    widget: str  # text | select | bool | json
    options: list[str] = field(default_factory=list)
    value: str = ""


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def parameter_fields(manifest: AITManifest, given: dict[str, Any] | None = None,
                     raw: dict[str, str] | None = None) -> list[ParamField]:
    """Form fields for the manifest's parameters, filled from a TD's values or a submitted form."""
    out = []
    for p in manifest.parameters:
        options = next((c for c in p.constraints if isinstance(c, Options)), None)
        widget = "text"
        if p.type == "bool":
            widget = "bool"
        elif options is not None and not p.type.startswith("list["):
            widget = "select"
        elif p.type == "object":
            widget = "json"
        if raw is not None:
            value = raw.get(f"param_{p.name}", "")
        else:
            value = _show(given[p.name]) if given and p.name in given else ""
        out.append(ParamField(
            name=p.name, type=p.type, description=p.description, required=p.required,
            allowed=describe(p.type, p.constraints) + (" or null" if p.nullable else ""),
            default="" if p.required else _show(p.default), widget=widget,
            options=[_show(v) for v in options.values] if options else [], value=value,
        ))
    return out


def _scalar(elem: str, text: str) -> Any:
    t = text.strip()
    try:
        if elem == "int":
            return int(t)
        if elem == "float":
            return float(t)
    except ValueError:
        return t
    if elem == "bool":
        return {"true": True, "false": False}.get(t.lower(), t)
    return t


def parse_value(type_: str, text: str, *, nullable: bool = False) -> Any:
    """Convert one submitted field to the parameter's type where possible.

    Returns the text itself when it does not convert, for the manifest check to
    reject with its message.

    Examples
    --------
    >>> parse_value("float", "0.5")
    0.5
    >>> parse_value("list[int]", "1, 2")
    [1, 2]
    >>> parse_value("int", "abc")
    'abc'
    """
    t = text.strip()
    if nullable and t == "null":
        return None
    if type_ == "object":
        try:
            return json.loads(t)
        except ValueError:
            return t
    if type_.startswith("list["):
        if t.startswith("["):
            try:
                return json.loads(t)
            except ValueError:
                return t
        return [_scalar(type_[5:-1], x) for x in t.split(",") if x.strip()]
    return _scalar(type_, t)


def parse_parameters(manifest: AITManifest, form: dict[str, Any]) -> dict[str, Any]:
    """The parameters given in a submitted form (empty fields use the default)."""
    out: dict[str, Any] = {}
    for p in manifest.parameters:
        text = str(form.get(f"param_{p.name}", "") or "")
        if not text.strip():
            continue
        out[p.name] = parse_value(p.type, text, nullable=p.nullable)
    return out


def _number(text: str) -> Any:
    t = text.strip()
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    try:
        return int(t)
    except ValueError:
        pass
    try:
        return float(t)
    except ValueError:
        return t


def parse_criteria(form: dict[str, Any]) -> list[dict[str, Any]]:
    """Criteria from the rows ``crit_measure_<i>``, ``crit_op_<i>``, ``crit_value_<i>`` …"""
    rows = sorted({int(k.rsplit("_", 1)[1]) for k in form if k.startswith("crit_measure_")
                   and k.rsplit("_", 1)[1].isdigit()})
    out = []
    for i in rows:
        measure = str(form.get(f"crit_measure_{i}", "")).strip()
        if not measure:
            continue
        op = str(form.get(f"crit_op_{i}", ">="))
        text = str(form.get(f"crit_value_{i}", ""))
        value: Any = ([_number(x) for x in text.split(",")] if op == "between" else _number(text))
        c: dict[str, Any] = {"measure": measure, "op": op, "value": value}
        aggregate = str(form.get(f"crit_aggregate_{i}", "")).strip()
        if aggregate:
            c["aggregate"] = aggregate
        k = str(form.get(f"crit_k_{i}", "")).strip()
        if k:
            c["k"] = _number(k)
        out.append(c)
    return out


def criteria_rows(criteria: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Rows for the form: the given criteria, then empty ones."""
    rows = []
    for c in criteria:
        value = c.get("value")
        rows.append({"measure": str(c.get("measure", "")), "op": str(c.get("op", ">=")),
                     "value": _show(value) if value is not None else "",
                     "aggregate": str(c.get("aggregate") or ""), "k": _show(c["k"]) if c.get("k") else ""})
    rows += [{"measure": "", "op": ">=", "value": "", "aggregate": "", "k": ""}] * EXTRA_CRITERIA
    return rows


def raw_criteria(form: dict[str, Any]) -> list[dict[str, str]]:
    """The criterion rows as submitted (to show a form again after an error)."""
    rows = sorted({int(k.rsplit("_", 1)[1]) for k in form if k.startswith("crit_measure_")
                   and k.rsplit("_", 1)[1].isdigit()})
    return [{"measure": str(form.get(f"crit_measure_{i}", "")), "op": str(form.get(f"crit_op_{i}", ">=")),
             "value": str(form.get(f"crit_value_{i}", "")),
             "aggregate": str(form.get(f"crit_aggregate_{i}", "")), "k": str(form.get(f"crit_k_{i}", ""))}
            for i in rows]
