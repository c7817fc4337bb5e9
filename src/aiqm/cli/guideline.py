"""`aiqm guideline list|show|validate|schema`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from aiqm.cli._common import EXIT_INPUT, console, err_console, handle_errors
from aiqm.core.guideline import GuidelineError, guideline_json_schema
from aiqm.plugins.manager import load_registry
from aiqm.services.guidelines import (
    coverage_tables,
    guideline_overview,
    is_guideline_path,
    list_guidelines,
    load_guideline_file,
    resolve_guideline,
    update_generated_block,
    validate_guideline_file,
)

if TYPE_CHECKING:
    from aiqm.core.guideline import Guideline

__all__ = ["guideline_app"]

guideline_app = typer.Typer(
    help="Quality guidelines: list, show, validate custom files.", no_args_is_help=True
)

_LANG = typer.Option("--lang", help="Language of names and summaries: en or ja.")


def _lang(value: str) -> str:
    if value not in ("en", "ja"):
        raise typer.BadParameter("use en or ja", param_hint="--lang")
    return value


@guideline_app.command("list")
@handle_errors
def list_cmd(as_json: Annotated[bool, typer.Option("--json")] = False,
             lang: Annotated[str, _LANG] = "en") -> None:
    """List the packaged guidelines."""
    lang = _lang(lang)
    rows = list_guidelines()
    if as_json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table()
    for col in ("guideline", "title", "issued", "mode", "characteristics", "requirements"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["ref"], escape(r["title"].get(lang) or r["title"]["en"]), r["issued"],
                      r["mode"], str(r["external"] + r["internal"]), str(r["requirements"]))
    console.print(table)
    console.print("show one with `aiqm guideline show <guideline>`; a project may also name a "
                  "custom guideline file by path")


def _load(ref: str) -> Guideline:
    if is_guideline_path(ref) or Path(ref).is_file():
        return load_guideline_file(ref)
    return resolve_guideline(ref).guideline


@guideline_app.command("show")
@handle_errors
def show_cmd(
    ref: Annotated[str, typer.Argument(help="Guideline id (newest edition), id@edition, or a file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole guideline as JSON.")] = False,
    lang: Annotated[str, _LANG] = "en",
) -> None:
    """Show a guideline: characteristics, levels, requirements and the level matrix."""
    lang = _lang(lang)
    g = _load(ref)
    if as_json:
        print(json.dumps(guideline_overview(g), indent=2, ensure_ascii=False))
        return
    _print_guideline(g, lang)


def _print_guideline(g: Guideline, lang: str) -> None:
    m = g.meta
    console.print(f"[bold]{escape(m.title.get(lang))}[/]  [dim]{g.ref}[/]")
    console.print(f"issued {m.issued or '?'} · {escape(m.publisher)}")
    console.print(f"source: {escape(m.source)}")
    if m.derived_from:
        console.print(f"derived from: {escape(m.derived_from)}")
    for note in m.notes:
        console.print(f"[dim]note:[/] {escape(note.get(lang))}")
    if g.external:
        t = Table(title="external characteristics", title_justify="left")
        for col in ("id", "name", "levels", "questions"):
            t.add_column(col, overflow="fold")
        for c in g.external:
            levels = ", ".join(lv.label + ("" if lv.in_scope else " (out of scope)") for lv in c.levels)
            t.add_row(c.id, escape(c.names.get(lang)), levels or "—", str(len(c.questions)))
        console.print(t)
    if g.internal:
        t = Table(title="internal characteristics", title_justify="left")
        for col in ("id", "name", "levels", "requirements"):
            t.add_column(col, overflow="fold")
        for ic in g.internal:
            levels = ", ".join(lv.label for lv in ic.levels)
            t.add_row(ic.id, escape(ic.names.get(lang)), levels or "—",
                      str(len(g.requirements_of(ic.id))))
        console.print(t)
    t = Table(title="requirements", title_justify="left")
    for col in ("id", "level", "evidence", "auto", "summary"):
        t.add_column(col, overflow="fold")
    for r in g.requirements:
        char = g.characteristic(r.characteristic)
        lv = char.level(r.level) if char is not None and r.level else None
        t.add_row(r.id, lv.label if lv is not None else "—", r.evidence,
                  "yes" if r.automatable else "", escape(r.summary.get(lang)))
    console.print(t)
    if g.level_matrix:
        t = Table(title="level matrix (external level → required internal level)",
                  title_justify="left")
        t.add_column("external")
        for ic in g.internal:
            t.add_column(ic.id)
        for row in g.level_matrix:
            cells = []
            for ic in g.internal:
                level_id = row.targets.get(ic.id)
                lv = ic.level(level_id) if level_id else None
                cells.append(lv.label if lv is not None else "—")
            t.add_row(row.external, *cells)
        console.print(t)
    if g.crosswalks:
        t = Table(title="crosswalks", title_justify="left")
        for col in ("from", "to", "relation"):
            t.add_column(col, overflow="fold")
        for cw in g.crosswalks:
            t.add_row(cw.source, cw.to.describe(), cw.relation)
        console.print(t)


@guideline_app.command("validate")
@handle_errors
def validate_cmd(
    file: Annotated[Path, typer.Argument(help="The guideline file (YAML or JSON).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Validate a custom guideline file; each problem names its entry path. Exit 2 if invalid."""
    try:
        g, warnings = validate_guideline_file(file)
    except GuidelineError as exc:
        if as_json:
            print(json.dumps({"valid": False, "problems": exc.problems or [str(exc)]},
                             indent=2, ensure_ascii=False))
        else:
            err_console.print(f"[bold red]invalid:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(EXIT_INPUT) from None
    if as_json:
        print(json.dumps({"valid": True, "guideline": g.ref, "warnings": warnings},
                         indent=2, ensure_ascii=False))
        return
    console.print(f"[green]valid:[/] {g.ref} — {len(g.external)} external and {len(g.internal)} "
                  f"internal characteristics, {len(g.requirements)} requirements, "
                  f"{len(g.level_matrix)} matrix rows, {len(g.crosswalks)} crosswalks")
    for w in warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}")


@guideline_app.command("schema")
@handle_errors
def schema_cmd() -> None:
    """Print the JSON Schema of guideline files."""
    print(json.dumps(guideline_json_schema(), indent=2, ensure_ascii=False))


@guideline_app.command("coverage-table")
@handle_errors
def coverage_table_cmd(
    plugin: Annotated[list[str] | None, typer.Option("--plugin", "-p", help="Extra plugin module.")] = None,
    builtin: Annotated[bool, typer.Option("--builtin", help="Built-in AITs only.")] = False,
    update: Annotated[Path | None, typer.Option(
        help="Replace the generated block of this Markdown file instead of printing.")] = None,
) -> None:
    """Print Markdown tables: which installed AIT evidences which requirement."""
    registry = (load_registry(["aiqm.plugins.builtin"], entry_points=False) if builtin
                else load_registry(plugin or ()))
    tables = coverage_tables(registry)
    if update is None:
        print(tables, end="")
        return
    update_generated_block(update, tables)
    console.print(f"updated the coverage tables in {update}")
