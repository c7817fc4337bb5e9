"""Guidelines as data: characteristics and their levels.

This module holds the model and the loader for packaged guideline files
(``aiqm/guidelines/*.yaml``). A guideline is referred to as ``<id>@<edition>``,
e.g. ``aist-mlqm@3``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from aiqm.core._base import Definition
from aiqm.exceptions import InputError

__all__ = [
    "Characteristic",
    "Guideline",
    "GuidelineMeta",
    "Level",
    "available_guidelines",
    "load_guideline",
]


class LocalText(Definition):
    """A text in several languages; English is required."""

    en: str
    ja: str = ""

    def get(self, lang: str) -> str:
        return getattr(self, lang, "") or self.en


class Level(Definition):
    """One level of a characteristic; ``ordinal`` orders levels within a track."""

    id: str
    label: str
    ordinal: float
    track: str | None = None
    names: LocalText | None = None


class Characteristic(Definition):
    """A quality characteristic (external or internal)."""

    id: str
    names: LocalText
    kind: Literal["external", "internal"]
    levels: tuple[Level, ...] = ()
    summary: LocalText | None = None


class GuidelineMeta(Definition):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    edition: str
    title: LocalText
    issued: str = ""
    languages: tuple[str, ...] = ("en",)
    source: str = ""
    note: str = ""


class Guideline(Definition):
    """A quality guideline: metadata and characteristics."""

    meta: GuidelineMeta
    characteristics: tuple[Characteristic, ...]

    @model_validator(mode="after")
    def _unique(self) -> Guideline:
        ids = [c.id for c in self.characteristics]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate characteristic id(s): {', '.join(dupes)}")
        return self

    @property
    def ref(self) -> str:
        return f"{self.meta.id}@{self.meta.edition}"

    def characteristic(self, cid: str) -> Characteristic | None:
        return next((c for c in self.characteristics if c.id == cid), None)

    @property
    def characteristic_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.characteristics)


def _packaged() -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in resources.files("aiqm.guidelines").iterdir():
        if entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text(encoding="utf-8"))
            meta = data.get("meta", {})
            out[f"{meta.get('id')}@{meta.get('edition')}"] = entry.name
    return out


def available_guidelines() -> list[str]:
    """References (``id@edition``) of the packaged guidelines."""
    return sorted(_packaged())


@cache
def load_guideline(ref: str) -> Guideline:
    """Load a packaged guideline by ``id@edition`` (or ``id`` for the newest edition).

    Raises
    ------
    InputError
        When no such guideline is packaged, naming the ones that are.
    """
    table = _packaged()
    key = ref
    if "@" not in ref:
        matches = sorted(k for k in table if k.split("@")[0] == ref)
        if matches:
            key = matches[-1]
    if key not in table:
        raise InputError(
            f"unknown guideline {ref!r}; packaged guidelines: {', '.join(sorted(table))}"
        )
    text = resources.files("aiqm.guidelines").joinpath(table[key]).read_text(encoding="utf-8")
    try:
        return Guideline.model_validate(yaml.safe_load(text))
    except ValidationError as exc:  # a packaged file is wrong: a bug, but say where
        raise InputError(f"packaged guideline {table[key]} does not validate: {exc}") from None
