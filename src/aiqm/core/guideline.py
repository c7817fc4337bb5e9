"""Guidelines as data: characteristics, levels, requirements, level matrix and crosswalks.

A guideline file (YAML or JSON, validated by ``aiqm/guidelines/guideline.schema.json``
and by :class:`Guideline`) has these parts:

``meta``
    id, edition, issued date, languages, source and provenance.
``external``
    External characteristics (e.g. MLQM's AISL) with their levels; each level has
    structured ``triggers`` over the characteristic's ``questions``, so that the
    target level can be determined from answers (:mod:`aiqm.core.levels`).
``internal``
    Internal characteristics (e.g. MLQM's C-1) with their levels, optionally in
    ``tracks`` (MLQM's B-2 has E and S); each level lists its requirement ids.
``requirements``
    One entry per requirement: id, characteristic, level, a summary per
    language, the kind of evidence (``measure``, ``checklist``, ``document``),
    whether it can be automated and suggested techniques.
``level_matrix``
    External level → required internal level per characteristic.
``crosswalks``
    Links from this guideline's characteristics or requirements to another
    guideline's items (``guideline`` + ``id``), to an item of this guideline
    (``id``), or to an AIT measure (``ait`` + ``measure``).

A packaged guideline is referred to as ``<id>@<edition>``, e.g. ``aist-mlqm@3``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from aiqm.core._base import Definition
from aiqm.core._guideline_parts import (
    _ID,
    LANGUAGE_NAMES,
    ExternalLevel,
    InternalLevel,
    Level,
    LocalText,
    Question,
    QuestionOption,
    Track,
    Trigger,
)
from aiqm.exceptions import GuidelineError, InputError

__all__ = [
    "LANGUAGE_NAMES",
    "Characteristic",
    "Crosswalk",
    "CrosswalkTarget",
    "ExternalCharacteristic",
    "ExternalLevel",
    "Guideline",
    "GuidelineError",
    "GuidelineMeta",
    "InternalCharacteristic",
    "InternalLevel",
    "Level",
    "LocalText",
    "MatrixRow",
    "Question",
    "QuestionOption",
    "Requirement",
    "Track",
    "Trigger",
    "available_guidelines",
    "format_path",
    "guideline_json_schema",
    "load_guideline",
    "parse_guideline",
]

EvidenceKind = Literal["measure", "checklist", "document"]


class Characteristic(Definition):
    """A quality characteristic; see :class:`ExternalCharacteristic` and
    :class:`InternalCharacteristic`."""

    id: str = Field(pattern=_ID)
    names: LocalText
    summary: LocalText | None = None
    group: LocalText | None = None
    aliases: dict[str, str] = Field(default_factory=dict)
    verified: bool = True
    levels: tuple[Level, ...] = ()

    @property
    def kind(self) -> Literal["external", "internal"]:
        raise NotImplementedError  # pragma: no cover

    def level(self, ref: str) -> Level | None:
        """The level with this id or label (``"0.2"`` also matches ``0.20``)."""
        for lv in self.levels:
            if ref in (lv.id, lv.label):
                return lv
        try:
            value = float(ref)
        except ValueError:
            return None
        return next(
            (lv for lv in self.levels if _as_float(lv.label) == value), None
        )


def _as_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class ExternalCharacteristic(Characteristic):
    """An external quality whose level is set for the component (MLQM: AISL, AIFL …)."""

    levels: tuple[ExternalLevel, ...] = ()
    questions: tuple[Question, ...] = ()

    @property
    def kind(self) -> Literal["external"]:
        return "external"

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)


class InternalCharacteristic(Characteristic):
    """An internal characteristic evidenced by tests and checklists (MLQM: A-1 … E-1)."""

    levels: tuple[InternalLevel, ...] = ()
    tracks: tuple[Track, ...] = ()

    @property
    def kind(self) -> Literal["internal"]:
        return "internal"

    def track_levels(self, track: str | None) -> list[InternalLevel]:
        """Levels of one track (None: the characteristic has no tracks), by ordinal."""
        return sorted((lv for lv in self.levels if lv.track == track), key=lambda lv: lv.ordinal)


class Requirement(Definition):
    """One thing a level (or, without ``level``, the guideline itself) demands."""

    id: str = Field(pattern=_ID)
    characteristic: str
    level: str | None = None
    summary: LocalText
    evidence: EvidenceKind
    automatable: bool = False
    techniques: tuple[str, ...] = ()
    based_on: tuple[str, ...] = ()
    verified: bool = True
    note: str = ""


class MatrixRow(Definition):
    """The internal levels one external level requires (characteristic id → level id)."""

    external: str
    targets: dict[str, str] = Field(default_factory=dict)
    note: str = ""


class CrosswalkTarget(Definition):
    """Where a crosswalk points: ``guideline`` + ``id``, ``id`` alone (this
    guideline), or ``ait`` + ``measure``."""

    guideline: str | None = None
    id: str | None = None
    ait: str | None = None
    measure: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> CrosswalkTarget:
        item = self.id is not None
        measure = self.ait is not None or self.measure is not None
        if item == measure:
            raise ValueError("give either 'id' (with an optional 'guideline') or 'ait' and 'measure'")
        if measure and (self.ait is None or self.measure is None or self.guideline is not None):
            raise ValueError("an AIT target needs both 'ait' and 'measure' and no 'guideline'")
        return self

    def describe(self) -> str:
        if self.ait is not None:
            return f"{self.ait}.{self.measure}"
        return f"{self.guideline}:{self.id}" if self.guideline else str(self.id)


class Crosswalk(Definition):
    """A link from an item of this guideline to another item or an AIT measure.

    ``relation``: ``equivalent`` and ``partial`` links carry evidence into
    coverage; ``related`` links are shown for orientation only.
    """

    source: str = Field(alias="from")
    to: CrosswalkTarget
    relation: Literal["equivalent", "partial", "related"] = "partial"
    note: str = ""


class GuidelineMeta(Definition):
    """Identity and provenance of a guideline file.

    ``manifest_key`` names an AIT manifest field whose ids are requirement ids of
    this guideline (``iso_5259_measures`` for ISO/IEC 5259-2).
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    edition: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    title: LocalText
    issued: str = Field(default="", pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?)?$")
    languages: tuple[Literal["en", "ja"], ...] = ("en",)
    publisher: str = ""
    source: str = ""
    source_url: str = ""
    derived_from: str = ""
    scope: LocalText | None = None
    notes: tuple[LocalText, ...] = ()
    manifest_key: str | None = None

    @field_validator("issued", mode="before")
    @classmethod
    def _date_text(cls, v: Any) -> Any:
        return v.isoformat() if isinstance(v, _dt.date) else v

    @field_validator("edition", mode="before")
    @classmethod
    def _edition_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v


class Guideline(Definition):
    """A quality guideline as data; references are checked when it is built."""

    meta: GuidelineMeta
    external: tuple[ExternalCharacteristic, ...] = ()
    internal: tuple[InternalCharacteristic, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    level_matrix: tuple[MatrixRow, ...] = ()
    crosswalks: tuple[Crosswalk, ...] = ()

    _req_index: dict[str, Requirement] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _references(self) -> Guideline:
        from aiqm.core._guideline_checks import check_guideline

        problems = check_guideline(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def ref(self) -> str:
        """``<id>@<edition>``."""
        return f"{self.meta.id}@{self.meta.edition}"

    @property
    def characteristics(self) -> tuple[Characteristic, ...]:
        """External characteristics first, then internal ones, in file order."""
        return (*self.external, *self.internal)

    @property
    def characteristic_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.characteristics)

    @property
    def has_levels(self) -> bool:
        """Whether target levels drive what is required (a level matrix exists)."""
        return bool(self.level_matrix)

    def characteristic(self, cid: str) -> Characteristic | None:
        return next((c for c in self.characteristics if c.id == cid), None)

    def external_characteristic(self, cid: str) -> ExternalCharacteristic | None:
        return next((c for c in self.external if c.id == cid), None)

    def internal_characteristic(self, cid: str) -> InternalCharacteristic | None:
        return next((c for c in self.internal if c.id == cid), None)

    def requirement(self, rid: str) -> Requirement | None:
        return self._requirement_index().get(rid)

    def requirements_of(self, cid: str) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.characteristic == cid)

    def external_level(self, level_id: str) -> tuple[ExternalCharacteristic, ExternalLevel] | None:
        """The external characteristic and level with this level id (``AISL-0.2``)."""
        for c in self.external:
            for lv in c.levels:
                if lv.id == level_id:
                    return c, lv
        return None

    def _requirement_index(self) -> dict[str, Requirement]:
        if self._req_index is None:
            self._req_index = {r.id: r for r in self.requirements}
        return self._req_index

    def iter_texts(self) -> Iterator[tuple[str, LocalText]]:
        """Every :class:`LocalText` of the guideline with its entry path."""
        yield from _walk_texts(self, "")


def _walk_texts(obj: Any, path: str) -> Iterator[tuple[str, LocalText]]:
    if isinstance(obj, LocalText):
        yield path, obj
    elif isinstance(obj, Definition):
        for name in type(obj).model_fields:
            yield from _walk_texts(getattr(obj, name), f"{path}.{name}" if path else name)
    elif isinstance(obj, tuple):
        for i, item in enumerate(obj):
            yield from _walk_texts(item, f"{path}[{i}]")


def format_path(loc: tuple[Any, ...]) -> str:
    """An entry path such as ``internal[3].levels[1].requirements[0]``.

    Examples
    --------
    >>> format_path(("internal", 3, "levels", 1, "requirements", 0))
    'internal[3].levels[1].requirements[0]'
    >>> format_path(())
    '(top level)'
    """
    out = ""
    for p in loc:
        out += f"[{p}]" if isinstance(p, int) else (("." if out else "") + str(p))
    return out or "(top level)"


def parse_guideline(data: Any, source: str = "<guideline>") -> Guideline:
    """Validate guideline data (a parsed YAML/JSON document).

    Parameters
    ----------
    data : Any
        The parsed document.
    source : str, default="<guideline>"
        The file name, for messages.

    Returns
    -------
    Guideline

    Raises
    ------
    GuidelineError
        Listing every problem with its entry path, e.g.
        ``internal[3].levels[1].requirements[0]: unknown requirement id 'B-2-L9-1'``.
    """
    if not isinstance(data, dict):
        raise GuidelineError(
            f"{source}: a guideline file is a mapping with 'meta', 'external', 'internal', "
            f"'requirements', 'level_matrix' and 'crosswalks'; got {type(data).__name__}"
        )
    try:
        return Guideline.model_validate(data)
    except ValidationError as exc:
        problems: list[str] = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if not err["loc"] and err["type"] == "value_error":
                problems.extend(msg.splitlines())  # reference problems carry their own paths
                continue
            if err["type"] == "extra_forbidden":
                msg = "unknown field; remove it or check its spelling"
            elif err["type"] == "missing":
                msg = "field required"
            problems.append(f"{format_path(tuple(err['loc']))}: {msg}")
        raise GuidelineError(f"{source} is not a valid guideline:", problems) from None


def guideline_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of guideline files, generated from :class:`Guideline`."""
    schema = Guideline.model_json_schema(by_alias=True)
    head = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:aiqm:schema:guideline:1",
        "title": "aiqm guideline file",
    }
    return {**head, **{k: v for k, v in schema.items() if k not in head}}


@cache
def _packaged() -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in resources.files("aiqm.guidelines").iterdir():
        if entry.name.endswith(".yaml"):
            data = _load_yaml(entry.read_text(encoding="utf-8"))
            meta = data.get("meta", {})
            out[f"{meta.get('id')}@{meta.get('edition')}"] = entry.name
    return out


def available_guidelines() -> list[str]:
    """References (``id@edition``) of the packaged guidelines.

    Examples
    --------
    >>> "aist-mlqm@3" in available_guidelines()
    True
    """
    return sorted(_packaged())


def packaged_file(ref: str) -> str:
    """The file name of a packaged guideline (``id@edition`` or ``id``)."""
    table = _packaged()
    key = ref
    if "@" not in ref:
        matches = sorted(k for k in table if k.split("@")[0] == ref)
        if matches:
            key = matches[-1]
    if key not in table:
        raise InputError(
            f"unknown guideline {ref!r}; packaged guidelines: {', '.join(sorted(table))} "
            "(or give the path of a guideline file)"
        )
    return table[key]


#: Packaged guidelines being parsed right now (a crosswalk check must not load them again).
LOADING: set[str] = set()


@cache
def load_guideline(ref: str) -> Guideline:
    """Load a packaged guideline by ``id@edition`` (or ``id`` for the newest edition).

    Raises
    ------
    InputError
        When no such guideline is packaged, naming the ones that are.

    Examples
    --------
    >>> load_guideline("aist-mlqm@3").characteristic("C-1").names.en
    'Correctness of the trained model'
    """
    name = packaged_file(ref)
    text = resources.files("aiqm.guidelines").joinpath(name).read_text(encoding="utf-8")
    LOADING.add(name)
    try:
        return parse_guideline(_load_yaml(text), source=f"packaged guideline {name}")
    finally:
        LOADING.discard(name)


def _load_yaml(text: str) -> Any:
    """Parse YAML with libyaml's C loader when available (several times faster)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # a safe loader: plain data only
