"""`aiqm ait list|show`."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from aiqm.cli._common import console, handle_errors
from aiqm.core.constraints import describe
from aiqm.plugins.manager import load_registry

__all__ = ["ait_app"]

ait_app = typer.Typer(help="Installed AITs and their manifests.", no_args_is_help=True)


@ait_app.command("list")
@handle_errors
def list_cmd(
    plugin: Annotated[list[str] | None, typer.Option("--plugin", "-p", help="Extra plugin module.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List installed AITs."""
    reg = load_registry(plugin or ())
    if as_json:
        print(json.dumps([
            {"id": m.id, "version": m.version, "ref": m.ref, "characteristics": list(m.characteristics),
             "description": m.description}
            for m in reg.manifests
        ], indent=2, ensure_ascii=False))
        return
    table = Table()
    for col in ("AIT", "version", "characteristics", "description"):
        table.add_column(col, overflow="fold")
    for m in reg.manifests:
        table.add_row(m.id, m.version, ", ".join(m.characteristics), escape(m.description.split("\n")[0]))
    console.print(table)
    for name, error in reg.errors:
        console.print(f"[yellow]warning:[/] plugin {name!r} failed to load: {escape(error)}")


@ait_app.command("show")
@handle_errors
def show_cmd(
    ref: Annotated[str, typer.Argument(help="AIT id, optionally @version.")],
    plugin: Annotated[list[str] | None, typer.Option("--plugin", "-p")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Show an AIT's manifest."""
    m = load_registry(plugin or ()).get(ref).manifest
    if as_json:
        print(json.dumps(m.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    console.print(f"[bold]{m.ref}[/]  {escape(m.title)}")
    console.print(escape(m.description))
    console.print(f"characteristics: {', '.join(m.characteristics)}")
    t = Table(title="inventories", title_justify="left")
    for col in ("slot", "kind", "required", "description"):
        t.add_column(col, overflow="fold")
    for i in m.inventories:
        t.add_row(i.name, i.kind, "yes" if i.required else "no", escape(i.description))
    console.print(t)
    t = Table(title="parameters", title_justify="left")
    for col in ("name", "allowed", "default", "description"):
        t.add_column(col, overflow="fold")
    for p in m.parameters:
        t.add_row(p.name, describe(p.type, p.constraints), "(required)" if p.required else repr(p.default),
                  escape(p.description))
    console.print(t)
    t = Table(title="measures", title_justify="left")
    for col in ("name", "type", "range", "direction", "description"):
        t.add_column(col, overflow="fold")
    for ms in m.measures:
        rng = ms.range.describe().removeprefix("in the range ")
        t.add_row(ms.name, f"{ms.type} {ms.structure}", rng, ms.direction, escape(ms.description))
    console.print(t)
    if m.resources:
        console.print("resources: " + ", ".join(f"{r.name} ({r.kind})" for r in m.resources))
