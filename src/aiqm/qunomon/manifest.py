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

from dataclasses import dataclass
from typing import Any

from aiqm.core.constraints import Interval
from aiqm.core.manifest import AITManifest
from aiqm.exceptions import ManifestError
from aiqm.qunomon._values import (
    count,
    has_japanese,
    map_name,
    normalise_version,
    number,
    parse_bool,
    parse_typed,
)
from aiqm.qunomon.quality import parse_quality_uri
from aiqm.qunomon.validation import ANY_FORMATS, validate

__all__ = [
    "ImportedManifest",
    "QunomonManifestError",
    "QunomonName",
    "QunomonSlot",
    "convert",
    "has_japanese",
    "map_name",
    "normalise_version",
    "parse_bool",
    "parse_typed",
    "validate",
]



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
        lo = count(req["min"]) if req.get("min") not in (None, "") else 1
        hi = count(req["max"]) if req.get("max") not in (None, "") else max(1, lo)
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
            low, high = (parse_typed(t, p[k]) if p.get(k) not in (None, "") else None
                         for k in ("min", "max"))
            if low is not None or high is not None:
                spec["constraints"] = [Interval(low=low, high=high)]
        params.append(spec)
    report = data["report"]
    measures, qmeasures = [], []
    for m in report["measures"]:
        name = map_name(m["name"])
        qmeasures.append(QunomonName(name, m["name"], m["type"]))
        measures.append({
            "name": name, "type": m["type"], "structure": m["structure"],
            "min": number(m["min"]) if m.get("min") not in (None, "") else None,
            "max": number(m["max"]) if m.get("max") not in (None, "") else None,
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
