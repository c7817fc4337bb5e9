"""Parts of a guideline: texts, questions, triggers, levels and tracks.

Split from :mod:`aiqm.core.guideline` (which re-exports every name here) to keep
modules small.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from aiqm.core._base import Definition

__all__ = [
    "LANGUAGE_NAMES",
    "ExternalLevel",
    "InternalLevel",
    "Level",
    "LocalText",
    "Question",
    "QuestionOption",
    "Track",
    "Trigger",
]

LANGUAGE_NAMES = {"en": "English", "ja": "Japanese"}
"""Languages a guideline text can be written in."""

_ID = r"^[A-Za-z][A-Za-z0-9_.()-]*$"


class LocalText(Definition):
    """A text in several languages; English is required, Japanese optional."""

    en: str = Field(min_length=1)
    ja: str = ""

    def get(self, lang: str) -> str:
        """The text in ``lang``, or the English text when there is none.

        Examples
        --------
        >>> LocalText(en="Fairness", ja="公平性").get("ja")
        '公平性'
        >>> LocalText(en="Fairness").get("ja")
        'Fairness'
        """
        return getattr(self, lang, "") or self.en

    def as_dict(self) -> dict[str, str]:
        """The non-empty texts keyed by language code."""
        return {k: v for k, v in (("en", self.en), ("ja", self.ja)) if v}


class QuestionOption(Definition):
    """One allowed answer of a choice question."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: LocalText


class Question(Definition):
    """A question whose answer decides an external level (through triggers).

    ``kind`` is ``choice`` (answer one of ``options``) or ``bool`` (answer
    ``yes`` or ``no``).
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: LocalText
    help: LocalText | None = None
    kind: Literal["choice", "bool"] = "choice"
    options: tuple[QuestionOption, ...] = ()

    def answers(self) -> tuple[str, ...]:
        """The allowed answers (option ids, or ``yes``/``no``)."""
        return ("yes", "no") if self.kind == "bool" else tuple(o.id for o in self.options)


class Trigger(Definition):
    """A condition under which an external level applies.

    ``when`` maps question ids to the answers that satisfy it; the trigger holds
    when every listed question has one of its answers. ``verified`` is false when
    the condition was inferred (e.g. from the pattern of the source's table)
    rather than read in the source.
    """

    when: dict[str, tuple[str, ...]] = Field(min_length=1)
    verified: bool = True
    note: str = ""


class Level(Definition):
    """One level of a characteristic; ``ordinal`` orders levels within a track."""

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)
    ordinal: float
    names: LocalText | None = None
    summary: LocalText | None = None


class ExternalLevel(Level):
    """A level of an external characteristic.

    ``default`` marks the level that applies when no trigger holds;
    ``in_scope`` is false for levels the source names but gives no criteria for.
    """

    triggers: tuple[Trigger, ...] = ()
    default: bool = False
    in_scope: bool = True


class InternalLevel(Level):
    """A level of an internal characteristic, with the ids of its own requirements.

    Levels are cumulative within a track: Lv *n* also demands every requirement
    of the lower levels of the same track. ``implies`` names further levels of
    the same characteristic that this level includes.
    """

    track: str | None = None
    requirements: tuple[str, ...] = ()
    implies: tuple[str, ...] = ()


class Track(Definition):
    """An independent ladder of levels of one characteristic (MLQM B-2: E and S)."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9]*$")
    names: LocalText
