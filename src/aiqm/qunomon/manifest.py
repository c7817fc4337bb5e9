"""Qunomon's ``ait.manifest.json``: validation as real files are written, and conversion.

Real manifests write numbers as strings (``"min": "0"``, ``"default_val": "0.1"``),
list formats per inventory (``["csv"]``, ``["h5"]``, ``["DIR"]``, ``["ALL"]`` or ``["*"]``),
count files with ``min``/``max``, give measures a ``structure`` of ``single`` or
``sequence`` and name one quality dimension by a Japanese URI. :func:`validate`
checks all of that and names the field of every problem
(``report.measures[2].structure: …``); :func:`convert` turns a valid manifest into
aiqm's :class:`~aiqm.core.manifest.AITManifest` plus the name map the runtime needs
to talk to the package in Qunomon's own names.

Names. aiqm ids and names are ``snake_case`` (``^[a-z][a-z0-9_]*$``). A Qunomon name
is mapped by lower-casing it and turning every run of other characters into ``_``
(``BLEU_Score`` → ``bleu_score``, ``Log`` → ``log``); a name that then starts with a
digit gets a ``q_`` prefix, and an AIT id longer than 64 characters is cut to 55 plus
``_`` and 8 hex digits of its SHA-256. Two names that map to the same aiqm name are
an error on the second one.

Versions. ``0.4`` → ``0.4.0``, ``1`` → ``1.0.0``, ``v1.2.3`` → ``1.2.3``; pre-release
or build suffixes are refused.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiqm.core.constraints import Interval
from aiqm.core.manifest import AITManifest
from aiqm.exceptions import ManifestError
from aiqm.qunomon.quality import parse_quality_uri

__all__ = [
    "ImportedManifest",
    "QunomonManifestError",
    "QunomonName",
    "QunomonSlot",
    "convert",
    "has_japanese",
    "map_name",
    "normalise_version",
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
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


class QunomonManifestError(ManifestError):
    """A Qunomon manifest does not validate.

    Parameters
    ----------
    message : str
        What was read.
    problems : list of str
        One line per problem, each starting with the field (``inventories[0].requirement.format``).
    """

    def __init__(self, message: str, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(message + "\n" + "\n".join(f"  - {p}" for p in self.problems))


@dataclass(frozen=True)
class QunomonName:
    """An output or parameter: aiqm name, Qunomon name and Qunomon type."""

    name: str
    original: str
    type: str = ""


@dataclass(frozen=True)
class QunomonSlot:
    """An inventory slot with what the contract needs about its files."""

    name: str
    original: str
    type: str
    formats: tuple[str, ...]
    directory: bool
    any_format: bool
    min_files: int
    max_files: int


@dataclass(frozen=True)
class ImportedManifest:
    """A converted manifest and the map back to the package's own names."""

    manifest: AITManifest
    name: str
    version: str
    slots: tuple[QunomonSlot, ...]
    parameters: tuple[QunomonName, ...]
    measures: tuple[QunomonName, ...]
    resources: tuple[QunomonName, ...]
    downloads: tuple[QunomonName, ...]
    quality: str
    warnings: tuple[str, ...] = ()

    def slot(self, name: str) -> QunomonSlot:
        return next(s for s in self.slots if s.name == name)


# --- small parsers -------------------------------------------------------------------------


def has_japanese(text: str) -> bool:
    """Whether ``text`` contains kana or kanji."""
    return bool(_JAPANESE.search(text or ""))


def map_name(original: str, *, max_len: int | None = None) -> str:
    """The aiqm name of a Qunomon name (see the module docstring).

    Examples
    --------
    >>> map_name("BLEU_Score"), map_name("Log"), map_name("3way coverage")
    ('bleu_score', 'log', 'q_3way_coverage')
    """
    s = re.sub(r"[^a-z0-9_]+", "_", original.strip().lower())
    s = re.sub(r"_+", "_", s).strip("_")
    if not s:
        raise ValueError(f"{original!r} has no letters or digits to make an aiqm name from")
    if not s[0].isalpha():
        s = "q_" + s
    if max_len is not None and len(s) > max_len:
        s = s[: max_len - 9] + "_" + hashlib.sha256(original.encode()).hexdigest()[:8]
    return s


def normalise_version(text: Any) -> str:
    """SemVer ``MAJOR.MINOR.PATCH`` from a Qunomon version string.

    Examples
    --------
    >>> normalise_version("0.4"), normalise_version("1"), normalise_version("v1.2.3")
    ('0.4.0', '1.0.0', '1.2.3')
    """
    if not isinstance(text, str):
        raise ValueError(
            f"must be a string such as \"0.10\"; got {text!r} (a JSON number loses trailing zeros)"
        )
    m = re.fullmatch(r"[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?", text.strip())
    if not m:
        raise ValueError(
            f"{text!r} is not a version aiqm can use; write MAJOR[.MINOR[.PATCH]] digits only "
            "(e.g. \"0.4\" or \"1.2.3\"), without pre-release or build suffixes"
        )
    return ".".join(str(int(g or 0)) for g in m.groups())


def _number(v: Any) -> float:
    """A number written as a string (or as a JSON number)."""
    if isinstance(v, bool):
        raise ValueError(f"must be a number written as a string, e.g. \"0\"; got {v!r}")
    if isinstance(v, int | float):
        x = float(v)
    elif isinstance(v, str):
        try:
            x = float(v.strip())
        except ValueError:
            raise ValueError(f"must be a number written as a string, e.g. \"0\"; got {v!r}") from None
    else:
        raise ValueError(f"must be a number written as a string, e.g. \"0\"; got {v!r}")
    if not math.isfinite(x):
        raise ValueError(f"must be a finite number; got {v!r}")
    return x


def _count(v: Any) -> int:
    x = _number(v)
    if not x.is_integer() or x < 0:
        raise ValueError(f"must be a whole number of files (0 or more); got {v!r}")
    return int(x)


def parse_bool(v: Any) -> bool:
    """``True``/``False`` as Qunomon writes them (also ``true``, ``1``, ``0`` …)."""
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in _TRUE | _FALSE:
        return v.strip().lower() in _TRUE
    raise ValueError(f"must be True or False; got {v!r}")


def parse_typed(type_: str, v: Any) -> Any:
    """A parameter value of Qunomon type ``type_`` from its string form."""
    if type_ == "bool":
        return parse_bool(v)
    if type_ == "str":
        if not isinstance(v, str):
            raise ValueError(f"must be a string; got {v!r}")
        return v
    x = _number(v)
    if type_ == "int":
        if not x.is_integer():
            raise ValueError(f"must be an int; got {v!r}")
        return int(x)
    return x


# --- validation ----------------------------------------------------------------------------


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
               parse: Callable[[Any], Any] = _number) -> Any:
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
        lo = c.number(req, "min", rw, _count)
        hi = c.number(req, "max", rw, _count)
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
        lo = c.number(p, "min", w, lambda v: parse_typed(t, v) if numeric else _number(v))
        hi = c.number(p, "max", w, lambda v: parse_typed(t, v) if numeric else _number(v))
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


# --- conversion ----------------------------------------------------------------------------


def _texts(text: str | None) -> dict[str, str]:
    """English and Japanese text: Japanese text is kept as the ``ja`` text (and, there being
    no English, also shown as the English one)."""
    t = (text or "").strip()
    return {"description": t, "description_ja": t if has_japanese(t) else ""}


def _format(f: str) -> str:
    return f.strip().lstrip(".").lower()


def convert(data: Any, source: str = "ait.manifest.json") -> ImportedManifest:
    """Validate a Qunomon manifest and convert it to an aiqm manifest.

    Raises
    ------
    QunomonManifestError
        Listing every problem, each with its field.

    Examples
    --------
    >>> m = convert({"name": "eval_demo_acc", "description": "精度を測る", "version": "0.4",
    ...   "quality": "https://h/ait-hub/api/0.0.1/qualityDimensions/"
    ...              "機械学習品質マネジメントガイドライン第三版/C-1機械学習モデルの正確性",
    ...   "inventories": [{"name": "Data", "type": "dataset", "description": "d",
    ...                    "requirement": {"format": ["csv"]}}],
    ...   "parameters": [{"name": "n", "type": "int", "default_val": "3", "min": "1"}],
    ...   "report": {"measures": [{"name": "Acc", "type": "float", "structure": "single",
    ...                            "min": "0", "max": "1"}], "resources": []},
    ...   "downloads": [{"name": "Log", "description": "log"}]})
    >>> m.manifest.ref, m.manifest.characteristics, m.manifest.measures[0].name
    ('aiqm.ait:eval_demo_acc@0.4.0', ('C-1',), 'acc')
    """
    problems, warnings = validate(data)
    if problems:
        raise QunomonManifestError(f"invalid Qunomon AIT manifest {source}:", problems)
    qd = parse_quality_uri(data["quality"])
    slots: list[QunomonSlot] = []
    inventories = []
    for inv in data["inventories"]:
        req = inv["requirement"]
        fmts = tuple(req["format"])
        directory = fmts == ("DIR",)
        any_format = any(f in ANY_FORMATS for f in fmts)
        lo = _count(req["min"]) if req.get("min") not in (None, "") else 1
        hi = _count(req["max"]) if req.get("max") not in (None, "") else max(1, lo)
        slot = QunomonSlot(
            name=map_name(inv["name"]), original=inv["name"], type=inv["type"], formats=fmts,
            directory=directory, any_format=any_format, min_files=lo, max_files=hi,
        )
        slots.append(slot)
        formats: tuple[str, ...] = ()
        if directory:
            formats = ("dir",)
        elif not any_format and not (hi > 1):
            # "tar.gz" also matches what a file's last suffix says ("gz")
            formats = tuple(dict.fromkeys(
                x for f in fmts for x in (_format(f), _format(f).rsplit(".", 1)[-1])
            ))
        inventories.append({
            "name": slot.name, "kind": "document", "required": lo > 0, "formats": formats,
            **_texts(inv.get("description")),
        })
    params, qparams = [], []
    for p in data["parameters"]:
        t = p["type"]
        name = map_name(p["name"])
        qparams.append(QunomonName(name, p["name"], t))
        spec: dict[str, Any] = {"name": name, "type": t, **_texts(p.get("description"))}
        dv = p.get("default_val")
        if dv is None or (dv == "" and t != "str"):
            spec["required"] = True
        else:
            spec["default"] = parse_typed(t, dv)
        if t in ("int", "float"):
            lo, hi = (parse_typed(t, p[k]) if p.get(k) not in (None, "") else None for k in ("min", "max"))
            if lo is not None or hi is not None:
                spec["constraints"] = [Interval(low=lo, high=hi)]
        params.append(spec)
    report = data["report"]
    measures, qmeasures = [], []
    for m in report["measures"]:
        name = map_name(m["name"])
        qmeasures.append(QunomonName(name, m["name"], m["type"]))
        measures.append({
            "name": name, "type": m["type"], "structure": m["structure"],
            "min": _number(m["min"]) if m.get("min") not in (None, "") else None,
            "max": _number(m["max"]) if m.get("max") not in (None, "") else None,
            **_texts(m.get("description")),
        })
    kinds = {"picture": "figure", "table": "table", "text": "text"}
    resources, qresources, downloads, qdownloads = [], [], [], []
    for r in report["resources"]:
        name = map_name(r["name"])
        if r["type"] == "binary":  # aiqm keeps binary files as downloads
            qdownloads.append(QunomonName(name, r["name"], "binary"))
            downloads.append({"name": name, **_texts(r.get("description"))})
            continue
        qresources.append(QunomonName(name, r["name"], r["type"]))
        resources.append({"name": name, "kind": kinds[r["type"]], **_texts(r.get("description"))})
    for d in data["downloads"]:
        name = map_name(d["name"])
        qdownloads.append(QunomonName(name, d["name"], "download"))
        downloads.append({"name": name, **_texts(d.get("description"))})
    converted = {
        "id": map_name(data["name"], max_len=64),
        "version": normalise_version(data["version"]),
        "title": data["name"],
        **_texts(data["description"]),
        "characteristics": [qd.characteristic],
        "inventories": inventories,
        "parameters": params,
        "measures": measures,
        "resources": resources,
        "downloads": downloads,
        "references": [{"title": r["bib_info"], "url": r.get("url") or ""}
                       for r in data.get("references") or []],
        "licenses": list(data.get("licenses") or []),
        "keywords": list(data.get("keywords") or []),
    }
    try:
        manifest = AITManifest.from_data(converted, source=source)
    except ManifestError as exc:
        raise QunomonManifestError(
            f"the Qunomon manifest {source} validates but cannot be expressed in aiqm:",
            [str(exc)],
        ) from None
    return ImportedManifest(
        manifest=manifest, name=data["name"], version=data["version"], slots=tuple(slots),
        parameters=tuple(qparams), measures=tuple(qmeasures), resources=tuple(qresources),
        downloads=tuple(qdownloads), quality=data["quality"], warnings=tuple(warnings),
    )
