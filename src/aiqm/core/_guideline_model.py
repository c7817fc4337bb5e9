"""The guideline model: characteristics, levels, requirements, level matrix, crosswalks.

The pydantic models of a guideline file; :mod:`aiqm.core.guideline` is the
public front (parsing, loading, reference checks) and re-exports them.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from aiqm.core._base import Definition
from aiqm.core._guideline_parts import (
    _ID,
    ExternalLevel,
    InternalLevel,
    Level,
    LocalText,
    Question,
    Track,
)

__all__ = [
    "Characteristic",
    "Crosswalk",
    "CrosswalkTarget",
    "EvidenceKind",
    "ExternalCharacteristic",
    "Guideline",
    "GuidelineMeta",
    "InternalCharacteristic",
    "MatrixRow",
    "Requirement",
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

    # (The docstring is the published schema's description. "Built" means by
    # aiqm.core.guideline.parse_guideline or load_guideline, which check the
    # references; validating the model alone checks its shape only.)

    meta: GuidelineMeta
    external: tuple[ExternalCharacteristic, ...] = ()
    internal: tuple[InternalCharacteristic, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    level_matrix: tuple[MatrixRow, ...] = ()
    crosswalks: tuple[Crosswalk, ...] = ()

    _req_index: dict[str, Requirement] | None = PrivateAttr(default=None)

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
