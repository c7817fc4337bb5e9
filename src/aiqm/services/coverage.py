"""Use cases: guideline coverage of a run, as report parts, and checklist templates.

The computation lives in :mod:`aiqm.core.coverage`; this module gathers its
inputs (the component's guidelines, the checklist rows stored as artifacts),
turns the result into the report's :class:`~aiqm.render.report_model.ReportCoverage`
entries, and writes the checklist template for a component's levels.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiqm.core.coverage import (
    CHECKLIST_TABLE,
    ChecklistAnswer,
    CoverageNote,
    GuidelineCoverage,
    compute_coverage,
    resolve_requirement,
)
from aiqm.core.guideline import Guideline, load_guideline
from aiqm.core.levels import required_requirements
from aiqm.core.manifest import AITManifest
from aiqm.core.results import TDResult
from aiqm.exceptions import InputError

if TYPE_CHECKING:
    from aiqm.render.report_model import ReportCoverage

__all__ = [
    "CHECKLIST_COLUMNS",
    "ChecklistTemplate",
    "checklist_answers",
    "checklist_rows",
    "component_coverage",
    "coverage_to_report",
    "report_coverage",
    "run_guidelines",
    "write_checklist_template",
]

CHECKLIST_COLUMNS = ("requirement", "characteristic", "level", "evidence", "question", "answer",
                     "owner", "date", "rationale", "artifacts")
"""Columns of a checklist template (the AIT reads requirement … artifacts, ignores the rest)."""


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


def coverage_to_report(cov: GuidelineCoverage) -> ReportCoverage:
    """A :class:`GuidelineCoverage` as the report's coverage entry (required requirements only)."""
    from aiqm.render.i18n import t
    from aiqm.render.report_model import (
        ReportCharacteristicCoverage,
        ReportCoverage,
        ReportCoverageCounts,
        ReportCoverageEvidence,
        ReportCoverageNote,
        ReportRequirementCoverage,
    )

    g = cov.guideline

    def level_label(cid: str, level: str | None) -> str | None:
        char = g.internal_characteristic(cid)
        lv = char.level(level) if char is not None and level is not None else None
        return lv.label if lv is not None else level

    def note_text(note: CoverageNote) -> str:
        try:
            return t(f"coverage_note_{note.code}", "en", **note.params)
        except KeyError:
            return note.code

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
) -> list[ReportCoverage]:
    """The report's coverage entries, one per guideline of the component."""
    return [coverage_to_report(c)
            for c in component_coverage(guidelines, levels, results, manifests, checklist)]


# --------------------------------------------------------------------------- checklist template


@dataclass(frozen=True)
class ChecklistTemplate:
    """A written checklist template: where, its rows, and the project-file lines that use it."""

    path: Path
    rows: list[dict[str, str]]
    snippet: str


def checklist_rows(
    guidelines: Sequence[Guideline], levels: Mapping[str, str], *, lang: str = "en",
    include_all: bool = False,
) -> list[dict[str, str]]:
    """The rows of a checklist template: the required requirements of the component.

    By default only requirements whose evidence is a checklist or a document;
    ``include_all`` adds the measurable ones too. An id that several of the
    guidelines define is written qualified (``guideline-id:requirement-id``).
    """
    rows = []
    for g in guidelines:
        own = {k: v for k, v in levels.items() if g.external_characteristic(k) is not None}
        for r in required_requirements(g, own):
            if not include_all and r.evidence == "measure":
                continue
            rid = r.id if len(resolve_requirement(r.id, guidelines)) == 1 else f"{g.meta.id}:{r.id}"
            char = g.characteristic(r.characteristic)
            level = char.level(r.level) if char is not None and r.level else None
            rows.append({
                "requirement": rid, "characteristic": r.characteristic,
                "level": level.label if level is not None else "", "evidence": r.evidence,
                "question": r.summary.get(lang), "answer": "", "owner": "", "date": "",
                "rationale": "", "artifacts": "",
            })
    return rows


def _render(rows: list[dict[str, str]], fmt: str) -> str:
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(CHECKLIST_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue()
    import yaml

    head = ("# Checklist written by `aiqm checklist template`. Answer each row: yes, no or\n"
            "# not-applicable (with a rationale); give owner and date (YYYY-MM-DD).\n")
    return head + yaml.safe_dump({"rows": rows}, sort_keys=False, allow_unicode=True, width=100)


def write_checklist_template(
    project_dir: str | Path,
    output: str | Path | None = None,
    *,
    lang: str = "en",
    include_all: bool = False,
    force: bool = False,
) -> ChecklistTemplate:
    """Write the checklist template for a project's component and target levels.

    Parameters
    ----------
    project_dir : path
        The project folder (with ``aiqm.yaml``).
    output : path, default=None
        Where to write, relative to the project folder: ``.csv``, ``.yaml`` or
        ``.yml`` (default ``evidence/checklist.csv``). It must stay in the project.
    lang : str, default="en"
        Language of the ``question`` column.
    include_all : bool, default=False
        Also list the requirements evidenced by measures.
    force : bool, default=False
        Overwrite an existing file.

    Raises
    ------
    InputError
        When nothing is required (no target levels set), the file exists, or
        the path is not allowed.
    """
    from aiqm.core.project import load_project
    from aiqm.data.paths import resolve_inside
    from aiqm.services.guidelines import resolve_guidelines

    project, root = load_project(project_dir)
    guidelines = [s.guideline for s in resolve_guidelines(project.component.guidelines, root)]
    rows = checklist_rows(guidelines, project.component.levels, lang=lang, include_all=include_all)
    if not rows:
        raise InputError(
            "no requirement needs a checklist row: the component sets no target levels (or "
            "they require only measures); run `aiqm levels -C <project> --write` first, or pass "
            "--all"
        )
    rel = Path(output) if output is not None else Path("evidence") / "checklist.csv"
    fmt = {".csv": "csv", ".yaml": "yaml", ".yml": "yaml"}.get(rel.suffix.lower())
    if fmt is None:
        raise InputError(f"the checklist must be a .csv, .yaml or .yml file; got {str(rel)!r}")
    path = resolve_inside(root, rel, what="the checklist template", must_exist=False)
    if path.exists() and not force:
        raise InputError(f"{path} exists; pass --force to overwrite it (answers in it are lost)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_render(rows, fmt), encoding="utf-8")
    inv = path.relative_to(root).as_posix()
    snippet = (
        "inventories:\n"
        f"  checklist: {{kind: document, path: {inv}}}\n"
        "tests:\n"
        "  - name: process checklist\n"
        f"    characteristic: {rows[0]['characteristic']}\n"
        "    ait: process_checklist@1\n"
        "    inventories: {checklist: checklist}\n"
        "    criteria: [{measure: unanswered_count, op: \"==\", value: 0}]\n"
    )
    return ChecklistTemplate(path, rows, snippet)


def run_guidelines(run: Any, artifacts: Any) -> list[Guideline]:
    """The guidelines a stored run used.

    Packaged references are loaded as such; a custom file is read from the copy
    stored with the run (``environment.guideline_files``), else from the project
    folder. A guideline that cannot be loaded is left out.
    """
    from aiqm.services.guidelines import parse_guideline_text, resolve_guideline

    component = (run.config or {}).get("component", {})
    refs = component.get("guideline", "aist-mlqm@3")
    refs = [refs] if isinstance(refs, str) else list(refs)
    files = (run.environment or {}).get("guideline_files", {})
    out = []
    for ref in refs:
        stored = files.get(ref)
        try:
            if stored and artifacts is not None and artifacts.exists(stored["digest"]):
                text = artifacts.get_bytes(stored["digest"]).decode("utf-8")
                out.append(parse_guideline_text(text, ref))
            else:
                out.append(resolve_guideline(ref, run.project_dir or None).guideline)
        except InputError:
            continue  # e.g. a custom file that is gone: the report lists it without coverage
    return out
