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

This module is the public front: the models live in ``_guideline_model``, the
reference checks in ``_guideline_checks`` and the packaged-file catalogue in
``_guideline_files``; :func:`parse_guideline` validates the shape, then the
references, and reports every problem at once.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import ValidationError

from aiqm.core._guideline_checks import check_guideline
from aiqm.core._guideline_files import (
    LOADING,
    available_guidelines,
    load_yaml,
    packaged_file,
    packaged_text,
)
from aiqm.core._guideline_model import (
    Characteristic,
    Crosswalk,
    CrosswalkTarget,
    EvidenceKind,
    ExternalCharacteristic,
    Guideline,
    GuidelineMeta,
    InternalCharacteristic,
    MatrixRow,
    Requirement,
)
from aiqm.core._guideline_parts import (
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
from aiqm.exceptions import GuidelineError

__all__ = [
    "LANGUAGE_NAMES",
    "Characteristic",
    "Crosswalk",
    "CrosswalkTarget",
    "EvidenceKind",
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
        guideline = Guideline.model_validate(data)
    except ValidationError as exc:
        problems: list[str] = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown field; remove it or check its spelling"
            elif err["type"] == "missing":
                msg = "field required"
            problems.append(f"{format_path(tuple(err['loc']))}: {msg}")
        raise GuidelineError(f"{source} is not a valid guideline:", problems) from None
    problems = check_guideline(guideline, load_guideline)
    if problems:
        raise GuidelineError(f"{source} is not a valid guideline:", problems)
    return guideline


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
    text = packaged_text(name)
    LOADING.add(name)
    try:
        return parse_guideline(load_yaml(text), source=f"packaged guideline {name}")
    finally:
        LOADING.discard(name)


