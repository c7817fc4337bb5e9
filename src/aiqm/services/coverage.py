"""Use cases: guideline coverage of a stored run, and checklist templates.

The coverage is computed in :mod:`aiqm.core.coverage` and turned into report
parts in :mod:`aiqm.report.coverage`; this module supplies what those need
from outside (the guidelines a stored run used, the English text of coverage
notes from the message catalogue) and writes the checklist template for a
component's levels.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from aiqm.core.coverage import CoverageNote, resolve_requirement
from aiqm.core.guideline import Guideline
from aiqm.core.levels import required_requirements
from aiqm.core.project import load_project
from aiqm.core.results import RunRecord
from aiqm.data.paths import resolve_inside
from aiqm.engine.guidelines import parse_guideline_text, resolve_guideline, resolve_guidelines
from aiqm.exceptions import InputError
from aiqm.render.i18n import t
from aiqm.storage.protocol import ArtifactStoreProtocol

__all__ = [
    "CHECKLIST_COLUMNS",
    "ChecklistTemplate",
    "checklist_rows",
    "coverage_note_text",
    "run_guidelines",
    "write_checklist_template",
]

CHECKLIST_COLUMNS = ("requirement", "characteristic", "level", "evidence", "question", "answer",
                     "owner", "date", "rationale", "artifacts")
"""Columns of a checklist template (the AIT reads requirement … artifacts, ignores the rest)."""


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


def run_guidelines(run: RunRecord, artifacts: ArtifactStoreProtocol | None) -> list[Guideline]:
    """The guidelines a stored run used.

    Packaged references are loaded as such; a custom file is read from the copy
    stored with the run (``environment.guideline_files``), else from the project
    folder. A guideline that cannot be loaded is left out.
    """
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


def coverage_note_text(note: CoverageNote) -> str:
    """The English text of a coverage note, from the message catalogue (its code if none)."""
    try:
        return t(f"coverage_note_{note.code}", "en", **note.params)
    except KeyError:
        return note.code
