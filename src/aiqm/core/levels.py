"""Levels: from answers to external levels, and from external levels to required requirements.

Two steps, both pure:

1. **Determination.** Each external characteristic asks questions; each of its
   levels has triggers over the answers. The determined level is the highest
   level with a trigger that holds, else the characteristic's ``default`` level
   (:func:`determine_level`).
2. **Derivation.** The target external levels select rows of the guideline's
   level matrix. External levels are cumulative (a target also takes the rows
   of the lower levels of the same characteristic), the highest internal level
   per characteristic and track wins, and internal levels are cumulative within
   a track: Lv *n* demands every requirement of the levels ≤ *n*
   (:func:`required_levels`, :func:`required_requirements`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiqm.core.guideline import (
    ExternalCharacteristic,
    ExternalLevel,
    Guideline,
    InternalCharacteristic,
    InternalLevel,
    Question,
    Requirement,
    Trigger,
)
from aiqm.exceptions import InputError

__all__ = [
    "Determination",
    "RequiredLevel",
    "check_levels",
    "cumulative_levels",
    "determine_level",
    "determine_levels",
    "normalise_answer",
    "required_levels",
    "required_requirements",
    "resolve_targets",
]

_YES = {"yes", "y", "true", "1", "はい", "○", "〇"}
_NO = {"no", "n", "false", "0", "いいえ", "×"}


@dataclass(frozen=True)
class Determination:
    """The level determined for one external characteristic and why.

    Attributes
    ----------
    characteristic : str
        The external characteristic id (``AISL``).
    level : ExternalLevel
        The determined level.
    fired : tuple of Trigger
        The level's triggers that hold (empty when the default level applied).
    answers : dict
        The normalised answers, question id → answer.
    """

    characteristic: str
    level: ExternalLevel
    fired: tuple[Trigger, ...] = ()
    answers: dict[str, str] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        """False when the level comes only from triggers the source does not state."""
        return not self.fired or any(t.verified for t in self.fired)


@dataclass(frozen=True)
class RequiredLevel:
    """The internal level a characteristic (and track) must reach, and which targets ask it."""

    characteristic: str
    track: str | None
    level: InternalLevel
    because: tuple[str, ...]


def normalise_answer(question: Question, value: Any, where: str = "") -> str:
    """An answer as the question's canonical answer id.

    Bool questions take ``yes``/``no`` (also true/false, y/n, はい/いいえ); choice
    questions take an option id (any case) or its 1-based number.

    Raises
    ------
    InputError
        Naming the question and its allowed answers.

    Examples
    --------
    >>> q = Question(id="q", text={"en": "?"}, kind="bool")
    >>> normalise_answer(q, True), normalise_answer(q, "No")
    ('yes', 'no')
    """
    allowed = question.answers()
    if question.kind == "bool":
        text = str(value).strip().lower() if not isinstance(value, bool) else str(value).lower()
        if text in _YES:
            return "yes"
        if text in _NO:
            return "no"
    else:
        text = str(value).strip().lower()
        for option in allowed:
            if text == option.lower():
                return option
        if text.isdigit() and 1 <= int(text) <= len(allowed):
            return allowed[int(text) - 1]
    raise InputError(
        f"{where or question.id}: {value!r} is not an answer of question {question.id!r} "
        f"({question.text.en}); answer one of: {', '.join(allowed)}"
    )


def _holds(trigger: Trigger, answers: Mapping[str, str]) -> bool:
    return all(answers.get(qid) in accepted for qid, accepted in trigger.when.items())


def determine_level(char: ExternalCharacteristic, answers: Mapping[str, Any]) -> Determination:
    """Determine the level of one external characteristic from answers to its questions.

    Parameters
    ----------
    char : ExternalCharacteristic
        The characteristic, with questions and triggers.
    answers : mapping
        Question id → answer (every question must be answered).

    Returns
    -------
    Determination

    Raises
    ------
    InputError
        For an unknown question, a missing answer or an answer that is not allowed.

    Examples
    --------
    >>> from aiqm.core.guideline import load_guideline
    >>> aifl = load_guideline("aist-mlqm@3").external_characteristic("AIFL")
    >>> determine_level(aifl, {"fair_treatment_required": "no", "personal_data_rights": "no",
    ...                        "no_bias_requirement": "yes", "acceptance_risk": "no"}).level.label
    '1'
    """
    if not char.questions:
        raise InputError(f"{char.id} has no questions, so its level cannot be determined; "
                         "set it directly")
    known = {q.id: q for q in char.questions}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise InputError(f"{char.id} has no question {unknown[0]!r}; its questions are: "
                         f"{', '.join(known)}")
    missing = [q for q in char.questions if q.id not in answers]
    if missing:
        raise InputError(
            f"{char.id}: no answer to " + "; ".join(
                f"{q.id!r} ({q.text.en} answers: {', '.join(q.answers())})" for q in missing
            )
        )
    norm = {qid: normalise_answer(known[qid], v, f"{char.id}.{qid}") for qid, v in answers.items()}
    best: tuple[ExternalLevel, tuple[Trigger, ...]] | None = None
    for lv in char.levels:
        fired = tuple(t for t in lv.triggers if _holds(t, norm))
        if fired and (best is None or lv.ordinal > best[0].ordinal):
            best = (lv, fired)
    if best is None:
        default = next((lv for lv in char.levels if lv.default), None)
        if default is None:
            raise InputError(f"no level of {char.id} matches the answers and the guideline "
                             "names no default level; check the guideline's triggers")
        return Determination(char.id, default, (), norm)
    return Determination(char.id, best[0], best[1], norm)


def determine_levels(
    guideline: Guideline, answers: Mapping[str, Mapping[str, Any]]
) -> dict[str, Determination]:
    """Determine several external levels: ``answers`` maps a characteristic id to its answers.

    Raises
    ------
    InputError
        For an unknown characteristic or any problem :func:`determine_level` reports.
    """
    out: dict[str, Determination] = {}
    for cid, given in answers.items():
        char = guideline.external_characteristic(cid)
        if char is None:
            raise InputError(
                f"{guideline.ref} has no external characteristic {cid!r}; answer for one of: "
                f"{', '.join(c.id for c in guideline.external if c.questions)}"
            )
        if not isinstance(given, Mapping):
            raise InputError(f"answers for {cid} must be a mapping of question id to answer")
        out[cid] = determine_level(char, given)
    return out


def resolve_targets(
    guideline: Guideline, levels: Mapping[str, str], *, strict: bool = True
) -> dict[str, ExternalLevel]:
    """The target external levels named by ``levels`` (characteristic id → level label).

    Parameters
    ----------
    guideline : Guideline
        The guideline.
    levels : mapping
        E.g. ``{"AISL": "0.2", "AIPL": "1"}``; labels, level ids or numbers.
    strict : bool, default=True
        Whether a characteristic the guideline does not define is an error (False
        skips it: it may belong to another of the component's guidelines).

    Raises
    ------
    InputError
        For an unknown characteristic (when strict) or level.
    """
    out: dict[str, ExternalLevel] = {}
    for cid, ref in levels.items():
        char = guideline.external_characteristic(cid)
        if char is None:
            if strict:
                raise InputError(
                    f"component.levels: {cid!r} is not an external characteristic of "
                    f"{guideline.ref}; use one of: "
                    f"{', '.join(c.id for c in guideline.external if c.levels)}"
                )
            continue
        lv = char.level(str(ref))
        if lv is None or not isinstance(lv, ExternalLevel):
            raise InputError(
                f"component.levels.{cid}: {ref!r} is not a level of {cid} in {guideline.ref}; "
                f"use one of: {', '.join(x.label for x in char.levels) or '(none defined)'}"
            )
        out[cid] = lv
    return out


def cumulative_levels(char: InternalCharacteristic, level: InternalLevel) -> list[InternalLevel]:
    """``level`` and every level it includes: lower levels of its track, and ``implies``.

    Examples
    --------
    >>> from aiqm.core.guideline import load_guideline
    >>> b2 = load_guideline("aist-mlqm@3").internal_characteristic("B-2")
    >>> [lv.id for lv in cumulative_levels(b2, b2.levels[1])]
    ['LE1', 'LE2']
    """
    by_id = {lv.id: lv for lv in char.levels}
    seen: dict[str, InternalLevel] = {}
    todo = [level]
    while todo:
        lv = todo.pop()
        if lv.id in seen:
            continue
        seen[lv.id] = lv
        todo += [x for x in char.levels if x.track == lv.track and x.ordinal < lv.ordinal]
        todo += [by_id[i] for i in lv.implies if i in by_id]
    return sorted(seen.values(), key=lambda x: (x.track or "", x.ordinal))


def required_levels(
    guideline: Guideline, levels: Mapping[str, str], *, strict: bool = False
) -> dict[tuple[str, str | None], RequiredLevel]:
    """The internal level each characteristic (and track) must reach for the target levels.

    Returns
    -------
    dict
        ``(characteristic id, track or None)`` → :class:`RequiredLevel`, in the
        guideline's order of characteristics and tracks.

    Examples
    --------
    >>> from aiqm.core.guideline import load_guideline
    >>> g = load_guideline("aist-mlqm@3")
    >>> req = required_levels(g, {"AISL": "0.1", "AIFL": "2"})
    >>> req[("B-1", None)].level.label, req[("B-2", "E")].level.label, req[("B-2", "S")].level.label
    ('Lv3', 'E2', 'S1')
    """
    targets = resolve_targets(guideline, levels, strict=strict)
    best: dict[tuple[str, str | None], tuple[InternalLevel, list[str]]] = {}
    for row in guideline.level_matrix:
        found = guideline.external_level(row.external)
        if found is None:
            continue
        char, ext_level = found
        target = targets.get(char.id)
        if target is None or ext_level.ordinal > target.ordinal:
            continue
        for cid, level_id in row.targets.items():
            internal = guideline.internal_characteristic(cid)
            if internal is None:
                continue
            lv = next(x for x in internal.levels if x.id == level_id)
            key = (cid, lv.track)
            current = best.get(key)
            if current is None or lv.ordinal > current[0].ordinal:
                best[key] = (lv, [target.id])
            elif lv.ordinal == current[0].ordinal and target.id not in current[1]:
                current[1].append(target.id)
    out: dict[tuple[str, str | None], RequiredLevel] = {}
    for internal in guideline.internal:
        tracks: Iterable[str | None] = [t.id for t in internal.tracks] or [None]
        for track in tracks:
            if (internal.id, track) in best:
                lv, because = best[(internal.id, track)]
                out[(internal.id, track)] = RequiredLevel(internal.id, track, lv, tuple(because))
    return out


def required_requirements(
    guideline: Guideline, levels: Mapping[str, str], *, strict: bool = False
) -> list[Requirement]:
    """Every requirement the target levels imply, in the guideline's order.

    Without a level matrix (a crosswalked framework) every requirement is
    required; with one, requirements without a level are always required and the
    others follow :func:`required_levels` cumulatively.

    Examples
    --------
    >>> from aiqm.core.guideline import load_guideline
    >>> g = load_guideline("aist-mlqm@3")
    >>> len(required_requirements(g, {"AIPL": "1"}))
    8
    """
    if not guideline.has_levels:
        return list(guideline.requirements)
    wanted: set[tuple[str, str]] = set()
    for (cid, _track), req in required_levels(guideline, levels, strict=strict).items():
        internal = guideline.internal_characteristic(cid)
        if internal is None:  # pragma: no cover - required_levels yields internal ones only
            continue
        wanted.update((cid, lv.id) for lv in cumulative_levels(internal, req.level))
    return [
        r for r in guideline.requirements
        if r.level is None or (r.characteristic, r.level) in wanted
    ]


def check_levels(levels: Mapping[str, str], guidelines: Iterable[Guideline]) -> None:
    """Check a component's target levels against its guidelines.

    Every key must be an external characteristic of one of the guidelines and
    every value one of its levels.

    Raises
    ------
    InputError
        Naming the key or value and what is allowed.

    Examples
    --------
    >>> from aiqm.core.guideline import load_guideline
    >>> check_levels({"AISL": "0.2"}, [load_guideline("aist-mlqm@3")])
    >>> check_levels({"AISX": "1"}, [load_guideline("aist-mlqm@3")])
    Traceback (most recent call last):
    ...
    aiqm.exceptions.InputError: component.levels: 'AISX' is not an external characteristic of aist-mlqm@3; use one of: AISL, AIFL, AIPL, AIPrL
    """
    gl = list(guidelines)
    for cid in levels:
        if not any(g.external_characteristic(cid) for g in gl):
            usable = [c.id for g in gl for c in g.external if c.levels]
            raise InputError(
                f"component.levels: {cid!r} is not an external characteristic of "
                f"{', '.join(g.ref for g in gl)}; use one of: {', '.join(usable) or '(none)'}"
            )
    for g in gl:
        resolve_targets(g, levels, strict=False)
