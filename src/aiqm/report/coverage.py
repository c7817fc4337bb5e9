"""The report's guideline coverage: the coverage computed in core, as report parts.

:func:`aiqm.core.coverage.compute_coverage` decides which required requirements
are passed, failed, missing or pending; this module gathers the checklist rows
the tests reported (:func:`checklist_answers`), resolves crosswalk targets
(:func:`component_coverage`) and turns the result into the report's
:class:`~aiqm.report.model.ReportCoverage` entries (:func:`report_coverage`).
It reads no files: artifacts come through a ``read(digest)`` callable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

from aiqm.core.coverage import (
    CHECKLIST_TABLE,
    ChecklistAnswer,
    CoverageNote,
    GuidelineCoverage,
    compute_coverage,
    resolve_requirement,
)
from aiqm.core.guideline import Guideline, load_guideline
from aiqm.core.manifest import AITManifest
from aiqm.core.results import TDResult
from aiqm.exceptions import InputError
from aiqm.report.model import (
    ReportCharacteristicCoverage,
    ReportCoverage,
    ReportCoverageCounts,
    ReportCoverageEvidence,
    ReportCoverageNote,
    ReportRequirementCoverage,
)

__all__ = [
    "NoteText",
    "checklist_answers",
    "component_coverage",
    "coverage_to_report",
    "note_code",
    "report_coverage",
]

NoteText = Callable[[CoverageNote], str]
"""Gives the English text of a coverage note (see :func:`coverage_to_report`)."""


def note_code(note: CoverageNote) -> str:
    """The note's code, as its text when no message catalogue is at hand."""
    return note.code


def checklist_answers(
    results: Sequence[TDResult], read: Callable[[str], bytes | None]
) -> dict[str, list[ChecklistAnswer]]:
    """The checklist rows each test reported, read from its ``checklist_answers`` table.

    Parameters
    ----------
    results : sequence of TDResult
        The run's results.
    read : callable
        ``read(digest)`` returns an artifact's bytes, or None when it is missing.

    Returns
    -------
    dict
        Test name → its rows (tests without such a table are left out).
    """
    out: dict[str, list[ChecklistAnswer]] = {}
    for r in results:
        for res in r.resources:
            if res.name != CHECKLIST_TABLE or res.kind != "table":
                continue
            data = read(res.digest)
            if data is None:
                continue
            try:
                doc = json.loads(data)
                columns = list(doc["columns"])
                rows = [dict(zip(columns, row, strict=False)) for row in doc["rows"]]
            except (ValueError, KeyError, TypeError):
                continue  # not a checklist table after all
            answers = []
            for row in rows:
                state = str(row.get("state") or "pending")
                answers.append(ChecklistAnswer(
                    requirement=str(row.get("requirement") or ""),
                    answer=str(row.get("answer") or ""),
                    state=state if state in ("passed", "failed") else "pending",  # type: ignore[arg-type]
                    owner=str(row.get("owner") or ""),
                    date=str(row.get("date") or ""),
                    rationale=str(row.get("rationale") or ""),
                    artifacts=tuple(a.strip() for a in str(row.get("artifacts") or "").split(";")
                                    if a.strip()),
                    note=str(row.get("note") or ""),
                ))
            out[r.td_name] = answers
    return out


def component_coverage(
    guidelines: Sequence[Guideline],
    levels: Mapping[str, str],
    results: Sequence[TDResult],
    manifests: Mapping[str, AITManifest] | None = None,
    checklist: Mapping[str, Sequence[ChecklistAnswer]] | None = None,
) -> list[GuidelineCoverage]:
    """Coverage of each of the component's guidelines (crosswalks resolve to these first)."""
    by_ref = {g.ref: g for g in guidelines}
    by_id = {g.meta.id: g for g in guidelines}

    def resolve(ref: str) -> Guideline | None:
        found = by_ref.get(ref) or by_id.get(ref.split("@")[0])
        if found is not None and (found.ref == ref or "@" not in ref):
            return found
        try:
            return load_guideline(ref)
        except InputError:
            return None

    out = [compute_coverage(g, levels, results, manifests, checklist, resolve) for g in guidelines]
    unknown = sorted({
        a.requirement for rows in (checklist or {}).values() for a in rows
        if not resolve_requirement(a.requirement, guidelines)
    })
    if unknown and out:
        first = out[0]
        note = CoverageNote("unknown_checklist_rows", {"ids": ", ".join(unknown)})
        out[0] = GuidelineCoverage(first.guideline, first.levels, first.requirements,
                                   first.characteristics, (*first.notes, note))
    return out


def coverage_to_report(
    cov: GuidelineCoverage, note_text: NoteText = note_code
) -> ReportCoverage:
    """A :class:`GuidelineCoverage` as the report's coverage entry (required requirements only).

    Parameters
    ----------
    cov : GuidelineCoverage
        From :func:`component_coverage`.
    note_text : callable, default=note_code
        The English text of a coverage note (the report stores it beside the
        note's code and parameters); services pass the message catalogue's.
    """
    g = cov.guideline

    def level_label(cid: str, level: str | None) -> str | None:
        char = g.internal_characteristic(cid)
        lv = char.level(level) if char is not None and level is not None else None
        return lv.label if lv is not None else level

    return ReportCoverage(
        guideline=g.ref,
        title=g.meta.title.as_dict(),
        edition=g.meta.edition,
        mode=cov.mode,
        levels={k: str(v) for k, v in sorted(cov.levels.items())},
        counts=ReportCoverageCounts.model_validate(cov.counts),
        characteristics=[
            ReportCharacteristicCoverage(
                id=c.characteristic.id,
                names=c.characteristic.names.as_dict(),
                required_levels=[lv.label for lv in c.required.values()],
                achieved_levels=[lv.label for lv in c.achieved.values() if lv is not None],
                counts=ReportCoverageCounts.model_validate(dict(c.counts)),
                unmapped_tests=list(c.unmapped_tests),
            )
            for c in cov.characteristics
        ],
        requirements=[
            ReportRequirementCoverage(
                id=rc.requirement.id,
                characteristic=rc.requirement.characteristic,
                level=level_label(rc.requirement.characteristic, rc.requirement.level),
                summary=rc.requirement.summary.as_dict(),
                evidence_kind=rc.requirement.evidence,
                automatable=rc.requirement.automatable,
                state=rc.state,
                evidence=[
                    ReportCoverageEvidence(kind=e.kind, state=e.state, source=e.source,
                                           status=e.status, detail=e.detail, tests=list(e.tests))
                    for e in rc.evidence
                ],
            )
            for rc in cov.required
        ],
        notes=[ReportCoverageNote(code=n.code, params=dict(n.params), text=note_text(n))
               for n in cov.notes],
    )


def report_coverage(
    guidelines: Sequence[Guideline],
    levels: Mapping[str, str],
    results: Sequence[TDResult],
    manifests: Mapping[str, AITManifest] | None = None,
    checklist: Mapping[str, Sequence[ChecklistAnswer]] | None = None,
    *,
    note_text: NoteText = note_code,
) -> list[ReportCoverage]:
    """The report's coverage entries, one per guideline of the component.

    Examples
    --------
    >>> from aiqm.core.guideline import load_guideline
    >>> mlqm = load_guideline("aist-mlqm@3")
    >>> [entry] = report_coverage([mlqm], {"AIPL": "1"}, [])
    >>> entry.guideline, entry.counts.passed, entry.counts.missing > 0
    ('aist-mlqm@3', 0, True)
    """
    return [coverage_to_report(c, note_text)
            for c in component_coverage(guidelines, levels, results, manifests, checklist)]
