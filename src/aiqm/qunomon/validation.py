"""Validating Qunomon's ``ait.manifest.json`` as real files are written, naming each field."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiqm.core.constraints import Interval
from aiqm.qunomon._values import count, map_name, normalise_version, number, parse_typed
from aiqm.qunomon.quality import parse_quality_uri

__all__ = [
    "ANY_FORMATS",
    "INVENTORY_TYPES",
    "MEASURE_TYPES",
    "PARAMETER_TYPES",
    "RESOURCE_TYPES",
    "STRUCTURES",
    "validate",
]

INVENTORY_TYPES = ("dataset", "model", "attribute set")
PARAMETER_TYPES = ("int", "float", "bool", "str")
MEASURE_TYPES = ("int", "float", "bool")
STRUCTURES = ("single", "sequence")
RESOURCE_TYPES = ("text", "picture", "table", "binary")
#: Formats meaning "any file"; ``DIR`` means a folder.
ANY_FORMATS = ("ALL", "*")
_TOP_KNOWN = {
    "name", "description", "source_repository", "version", "quality", "keywords", "references",
    "licenses", "inventories", "parameters", "report", "downloads", "measurement", "authors",
}


@dataclass
class _Checker:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, where: str, msg: str) -> None:
        self.problems.append(f"{where}: {msg}")

    def string(self, obj: dict[str, Any], key: str, where: str, *, required: bool = True,
               nonempty: bool = True) -> str | None:
        if key not in obj or obj[key] is None:
            if required:
                self.add(f"{where}{key}", "field required")
            return None
        v = obj[key]
        if not isinstance(v, str):
            self.add(f"{where}{key}", f"must be a string; got {v!r}")
            return None
        if nonempty and required and not v.strip():
            self.add(f"{where}{key}", "must not be empty")
            return None
        return v

    def items(self, obj: dict[str, Any], key: str, where: str, *, required: bool = True) -> list[Any]:
        if key not in obj or obj[key] is None:
            if required:
                self.add(f"{where}{key}", "field required (an empty list [] if there are none)")
            return []
        v = obj[key]
        if not isinstance(v, list):
            self.add(f"{where}{key}", f"must be a list; got {type(v).__name__}")
            return []
        return v

    def choice(self, obj: dict[str, Any], key: str, where: str, allowed: tuple[str, ...]) -> str | None:
        v = self.string(obj, key, where)
        if v is not None and v not in allowed:
            self.add(f"{where}{key}", f"{v!r} is not allowed; use one of {', '.join(allowed)}")
            return None
        return v

    def number(self, obj: dict[str, Any], key: str, where: str,
               parse: Callable[[Any], Any] = number) -> Any:
        if key not in obj or obj[key] in (None, ""):
            return None
        try:
            return parse(obj[key])
        except ValueError as exc:
            self.add(f"{where}{key}", str(exc))
            return None

    def unique(self, entries: list[tuple[str, str]], what: str) -> None:
        """Names unique, and unique once mapped to aiqm names."""
        seen: dict[str, str] = {}
        for where, original in entries:
            try:
                mapped = map_name(original)
            except ValueError as exc:
                self.add(where, str(exc))
                continue
            if mapped in seen:
                other = seen[mapped]
                why = "repeats" if other == original else f"maps to aiqm name {mapped!r} like"
                self.add(where, f"{what} name {original!r} {why} {other!r}; names must be unique")
            else:
                seen[mapped] = original


def _objects(c: _Checker, items: list[Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for i, item in enumerate(items):
        w = f"{where}[{i}]"
        if not isinstance(item, dict):
            c.add(w, f"must be an object; got {type(item).__name__}")
            continue
        out.append((w + ".", item))
    return out


def _check_inventories(c: _Checker, data: dict[str, Any]) -> None:
    invs = _objects(c, c.items(data, "inventories", ""), "inventories")
    names = []
    for w, inv in invs:
        name = c.string(inv, "name", w)
        if name is not None:
            names.append((f"{w}name", name))
        c.choice(inv, "type", w, INVENTORY_TYPES)
        c.string(inv, "description", w, required=False)
        req = inv.get("requirement")
        if not isinstance(req, dict):
            c.add(f"{w}requirement", "field required: an object with 'format' (a list such as "
                  "[\"csv\"])" if req is None else f"must be an object; got {type(req).__name__}")
            continue
        rw = f"{w}requirement."
        fmts = req.get("format")
        if not isinstance(fmts, list) or not fmts:
            c.add(f"{rw}format", "must be a non-empty list of formats such as [\"csv\"], [\"h5\"], "
                  f"[\"DIR\"] or [\"ALL\"]; got {fmts!r}")
        else:
            for j, f in enumerate(fmts):
                if not isinstance(f, str) or not re.fullmatch(r"\.?[A-Za-z0-9_*][A-Za-z0-9_.+-]*", f):
                    c.add(f"{rw}format[{j}]", f"{f!r} is not a format; write a file extension "
                          "(csv, h5, pth …), DIR or ALL")
            if "DIR" in fmts and len(fmts) > 1:
                c.add(f"{rw}format", "DIR (a folder) cannot be combined with file formats")
        lo = c.number(req, "min", rw, count)
        hi = c.number(req, "max", rw, count)
        if lo is not None and hi is not None and lo > hi:
            c.add(f"{rw}max", f"must not be below min ({lo}); got {hi}")
        if hi == 0:
            c.add(f"{rw}max", "must be at least 1")
        for j, pkg in enumerate(c.items(req, "compatible_packages", rw, required=False)):
            if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
                c.add(f"{rw}compatible_packages[{j}]", "must be an object with a 'name' string")
    c.unique(names, "inventory")


def _check_parameters(c: _Checker, data: dict[str, Any]) -> None:
    params = _objects(c, c.items(data, "parameters", ""), "parameters")
    names = []
    for w, p in params:
        name = c.string(p, "name", w)
        if name is not None:
            names.append((f"{w}name", name))
        t = c.choice(p, "type", w, PARAMETER_TYPES)
        c.string(p, "description", w, required=False)
        if t is None:
            continue
        numeric = t in ("int", "float")
        bound = functools.partial(parse_typed, t) if numeric else number
        lo = c.number(p, "min", w, bound)
        hi = c.number(p, "max", w, bound)
        if not numeric and (lo is not None or hi is not None):
            c.warnings.append(f"{w}min/max: ignored for a {t} parameter")
            lo = hi = None
        if lo is not None and hi is not None and lo > hi:
            c.add(f"{w}max", f"must not be below min ({lo}); got {hi}")
        if "default_val" in p and p["default_val"] is not None:
            dv = p["default_val"]
            if t != "str" and dv == "":
                continue  # no default: the parameter is required
            try:
                d = parse_typed(t, dv)
            except ValueError as exc:
                c.add(f"{w}default_val", str(exc))
                continue
            if numeric and not Interval(low=lo, high=hi).accepts(float(d)):
                c.add(f"{w}default_val", f"{dv!r} is outside [{lo}, {hi}] given by min/max")
    c.unique(names, "parameter")


def _check_report(c: _Checker, data: dict[str, Any]) -> None:
    report = data.get("report")
    if not isinstance(report, dict):
        c.add("report", "field required: an object with 'measures' and 'resources'" if report is None
              else f"must be an object; got {type(report).__name__}")
        return
    outputs = []
    for w, m in _objects(c, c.items(report, "measures", "report."), "report.measures"):
        name = c.string(m, "name", w)
        if name is not None:
            outputs.append((f"{w}name", name))
        c.string(m, "description", w, required=False)
        t = m.get("type")
        if t == "str":
            c.add(f"{w}type", "'str' measures cannot be judged (Qunomon stores measures as "
                  "numbers too); use int, float or bool")
        else:
            c.choice(m, "type", w, MEASURE_TYPES)
        c.choice(m, "structure", w, STRUCTURES)
        lo = c.number(m, "min", w)
        hi = c.number(m, "max", w)
        if lo is not None and hi is not None and lo > hi:
            c.add(f"{w}max", f"must not be below min ({lo}); got {hi}")
    for w, r in _objects(c, c.items(report, "resources", "report."), "report.resources"):
        name = c.string(r, "name", w)
        if name is not None:
            outputs.append((f"{w}name", name))
        c.choice(r, "type", w, RESOURCE_TYPES)
        c.string(r, "description", w, required=False)
    for w, d in _objects(c, c.items(data, "downloads", ""), "downloads"):
        name = c.string(d, "name", w)
        if name is not None:
            outputs.append((f"{w}name", name))
        c.string(d, "description", w, required=False)
    c.unique(outputs, "output")


def validate(data: Any) -> tuple[list[str], list[str]]:
    """Check a parsed ``ait.manifest.json``.

    Returns
    -------
    (problems, warnings) : (list of str, list of str)
        Each problem starts with its field (``parameters[1].default_val: …``); the
        manifest is valid when ``problems`` is empty.
    """
    c = _Checker()
    if not isinstance(data, dict):
        return [f"(top level): must be a JSON object; got {type(data).__name__}"], []
    name = c.string(data, "name", "")
    if name is not None:
        try:
            map_name(name)
        except ValueError as exc:
            c.add("name", str(exc))
        else:
            if len(map_name(name, max_len=64)) < 2:
                c.add("name", f"{name!r} is too short for an AIT id (2 characters at least)")
    c.string(data, "description", "")
    if "version" not in data:
        c.add("version", "field required")
    else:
        try:
            normalise_version(data["version"])
        except ValueError as exc:
            c.add("version", str(exc))
    quality = c.string(data, "quality", "")
    if quality is not None:
        try:
            qd = parse_quality_uri(quality)
        except ValueError as exc:
            c.add("quality", str(exc))
        else:
            if qd.warning:
                c.warnings.append(f"quality: {qd.warning}")
    c.string(data, "source_repository", "", required=False)
    for key in ("keywords", "licenses"):
        for i, v in enumerate(c.items(data, key, "", required=False)):
            if not isinstance(v, str):
                c.add(f"{key}[{i}]", f"must be a string; got {v!r}")
    for w, ref in _objects(c, c.items(data, "references", "", required=False), "references"):
        c.string(ref, "bib_info", w)
        c.string(ref, "url", w, required=False)
    _check_inventories(c, data)
    _check_parameters(c, data)
    _check_report(c, data)
    for key in sorted(set(data) - _TOP_KNOWN):
        c.warnings.append(f"{key}: unknown field, ignored")
    return c.problems, c.warnings


