"""Use cases around guidelines: list, show, validate, and resolve a component's guidelines.

A component names its guidelines by reference (``aist-mlqm@3``, a packaged
file) or by the path of a custom guideline file relative to the project
(``guidelines/our-guideline.yaml``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from aiqm.core.guideline import (
    Guideline,
    GuidelineError,
    available_guidelines,
    load_guideline,
    parse_guideline,
)
from aiqm.exceptions import InputError

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

_SUFFIXES = (".yaml", ".yml", ".json")


def is_guideline_path(ref: str) -> bool:
    """Whether a guideline reference is a file path rather than ``id@edition``.

    Examples
    --------
    >>> is_guideline_path("aist-mlqm@3"), is_guideline_path("guidelines/ours.yaml")
    (False, True)
    """
    return ref.lower().endswith(_SUFFIXES) or "/" in ref or "\\" in ref


def parse_guideline_text(text: str, source: str = "<guideline>") -> Guideline:
    """Parse and validate the text of a guideline file (YAML or JSON).

    Raises
    ------
    GuidelineError
        For text that is not YAML, or a guideline that does not validate.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise GuidelineError(f"{where}: not valid YAML/JSON ({getattr(exc, 'problem', exc)}); "
                             "check indentation and quoting near that line") from None
    return parse_guideline(data, source=source)


def load_guideline_file(path: str | Path) -> Guideline:
    """Read and validate a guideline file (YAML or JSON).

    Raises
    ------
    GuidelineError
        When the file does not validate; each problem names its entry path.
    InputError
        When the file cannot be read.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no guideline file at {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read guideline file {p}: {exc}") from None
    return parse_guideline_text(text, str(p))


@dataclass(frozen=True)
class GuidelineSource:
    """A resolved guideline with where it came from (path and digest for custom files)."""

    ref: str
    guideline: Guideline
    path: Path | None = None
    digest: str | None = None
    text: str | None = None


def resolve_guideline(ref: str, root: str | Path | None = None) -> GuidelineSource:
    """Resolve ``id@edition`` (packaged) or a path (relative to the project folder ``root``).

    A path must stay inside the project folder.

    Raises
    ------
    InputError
        For an unknown packaged guideline, a path outside the project, or a file
        that does not validate.
    """
    if not is_guideline_path(ref):
        return GuidelineSource(ref, load_guideline(ref))
    if root is None:
        path = Path(ref)
    else:
        from aiqm.data.paths import resolve_inside

        path = resolve_inside(Path(root), ref, what="component.guideline")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"component.guideline: no guideline file at {ref!r} (looked in {path}); "
                         "check the path, relative to the project folder") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read guideline file {path}: {exc}") from None
    digest = "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    return GuidelineSource(ref, parse_guideline_text(text, ref), path, digest, text)


def resolve_guidelines(refs: tuple[str, ...] | list[str], root: str | Path | None = None
                       ) -> list[GuidelineSource]:
    """Resolve every guideline a component names; ids must be distinct.

    Raises
    ------
    InputError
        As :func:`resolve_guideline`, or when two references are the same guideline.
    """
    out = [resolve_guideline(r, root) for r in refs]
    seen: dict[str, str] = {}
    for s in out:
        if s.guideline.meta.id in seen:
            raise InputError(
                f"component.guideline lists guideline {s.guideline.meta.id!r} twice "
                f"({seen[s.guideline.meta.id]} and {s.ref}); keep one edition"
            )
        seen[s.guideline.meta.id] = s.ref
    return out


def check_crosswalk_targets(g: Guideline, registry: Any = None) -> list[str]:
    """Problems with crosswalks to AIT measures: AIT not installed, or no such measure."""
    if registry is None:
        from aiqm.plugins.manager import load_registry

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


def coverage_tables(registry: Any = None, mlqm: str = "aist-mlqm@3") -> str:
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
        from aiqm.plugins.manager import load_registry

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
