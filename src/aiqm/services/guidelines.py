"""Use cases around guidelines: list, show, validate, and resolve a component's guidelines.

Resolving what a component names (packaged ``id@edition`` or a file in the
project) is the engine's (:mod:`aiqm.engine.guidelines`); it is re-exported here
for the CLI and the web application.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiqm.core.guideline import Guideline, available_guidelines, load_guideline
from aiqm.engine.guidelines import (
    GuidelineSource,
    is_guideline_path,
    load_guideline_file,
    parse_guideline_text,
    resolve_guideline,
    resolve_guidelines,
)
from aiqm.exceptions import InputError
from aiqm.plugins.manager import AITRegistry, load_registry

__all__ = [
    "BEGIN_TABLES",
    "END_TABLES",
    "GuidelineSource",
    "check_crosswalk_targets",
    "coverage_tables",
    "guideline_overview",
    "is_guideline_path",
    "list_guidelines",
    "load_guideline_file",
    "parse_guideline_text",
    "resolve_guideline",
    "resolve_guidelines",
    "update_generated_block",
    "validate_guideline_file",
]

def check_crosswalk_targets(g: Guideline, registry: AITRegistry | None = None) -> list[str]:
    """Problems with crosswalks to AIT measures: AIT not installed, or no such measure."""
    if registry is None:
        registry = load_registry()
    by_id = {m.id: m for m in registry.manifests}
    out = []
    for i, cw in enumerate(g.crosswalks):
        if cw.to.ait is None:
            continue
        m = by_id.get(cw.to.ait)
        if m is None:
            out.append(f"crosswalks[{i}].to.ait: AIT {cw.to.ait!r} is not installed (installed: "
                       f"{', '.join(sorted(by_id)) or 'none'})")
        elif m.measure(str(cw.to.measure)) is None:
            out.append(f"crosswalks[{i}].to.measure: AIT {cw.to.ait!r} has no measure "
                       f"{cw.to.measure!r} (measures: {', '.join(x.name for x in m.measures)})")
    return out


def validate_guideline_file(path: str | Path, *, check_aits: bool = True
                            ) -> tuple[Guideline, list[str]]:
    """Validate a custom guideline file.

    Returns
    -------
    (Guideline, list of str)
        The guideline and warnings (crosswalks to AITs that are not installed).

    Raises
    ------
    GuidelineError
        Listing every problem with its entry path.
    """
    g = load_guideline_file(path)
    return g, (check_crosswalk_targets(g) if check_aits else [])


def _counts(g: Guideline) -> dict[str, int]:
    return {
        "external": len(g.external),
        "internal": len(g.internal),
        "requirements": len(g.requirements),
        "matrix_rows": len(g.level_matrix),
        "crosswalks": len(g.crosswalks),
    }


def list_guidelines() -> list[dict[str, Any]]:
    """The packaged guidelines: ref, title (en, ja), edition, issued date, mode and counts."""
    out = []
    for ref in available_guidelines():
        g = load_guideline(ref)
        out.append({
            "ref": ref, "id": g.meta.id, "edition": g.meta.edition, "issued": g.meta.issued,
            "title": g.meta.title.as_dict(), "mode": "levels" if g.has_levels else "crosswalk",
            **_counts(g),
        })
    return out


def guideline_overview(g: Guideline) -> dict[str, Any]:
    """The whole guideline as plain JSON data (field names as in the file), plus counts."""
    data: dict[str, Any] = g.model_dump(mode="json", by_alias=True, exclude_defaults=False)
    data["ref"] = g.ref
    data["counts"] = _counts(g)
    return data


def coverage_tables(registry: AITRegistry | None = None, mlqm: str = "aist-mlqm@3") -> str:
    """Markdown tables: which installed AIT evidences which requirement.

    The first table lists each AIT with its characteristics, the MLQM requirement
    ids its manifest declares, its ISO/IEC 5259-2 measure ids and the items of
    the packaged frameworks that crosswalk to its measures. The second lists each
    MLQM requirement with the AITs that evidence it.

    Parameters
    ----------
    registry : AITRegistry, default=None
        The AITs (None: the built-in ones only).
    mlqm : str, default="aist-mlqm@3"
        The guideline of the second table.
    """
    if registry is None:
        registry = load_registry(["aiqm.plugins.builtin"], entry_points=False)
    manifests = sorted(registry.manifests, key=lambda m: m.id)
    frameworks = [load_guideline(r) for r in available_guidelines()]
    lines = [
        "| AIT | characteristics | MLQM requirements | ISO/IEC 5259-2 measures | crosswalked items |",
        "|---|---|---|---|---|",
    ]
    for m in manifests:
        items = sorted({
            f"{g.meta.id}: {cw.source} ({cw.to.measure}, {cw.relation})"
            for g in frameworks for cw in g.crosswalks if cw.to.ait == m.id
        })
        lines.append(
            f"| `{m.id}@{m.major}` | {', '.join(m.characteristics)} | "
            f"{', '.join(m.requirements) or '—'} | {', '.join(m.iso_5259_measures) or '—'} | "
            f"{'<br>'.join(items) or '—'} |"
        )
    g = load_guideline(mlqm)
    lines += ["", f"| {g.meta.id} requirement | evidence | built-in AITs |", "|---|---|---|"]
    for r in g.requirements:
        aits = [f"`{m.id}`" for m in manifests if r.id in m.requirements]
        lines.append(f"| `{r.id}` | {r.evidence} | {', '.join(aits) or '—'} |")
    return "\n".join(lines) + "\n"


BEGIN_TABLES = "<!-- BEGIN generated coverage tables -->\n"
END_TABLES = "<!-- END generated coverage tables -->"


def update_generated_block(path: str | Path, tables: str) -> Path:
    """Replace the text between the coverage-table markers of a Markdown file.

    Raises
    ------
    InputError
        When the file lacks the markers.
    """
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if BEGIN_TABLES not in text or END_TABLES not in text:
        raise InputError(f"{p} has no '{BEGIN_TABLES.strip()}' … '{END_TABLES}' block to replace")
    head, rest = text.split(BEGIN_TABLES, 1)
    _, tail = rest.split(END_TABLES, 1)
    p.write_text(head + BEGIN_TABLES + tables + END_TABLES + tail, encoding="utf-8")
    return p
