"""`aiqm ait list|show|import|export|env|remove`, and the author's kit (`new|check|run|package`).

The author's commands live in :mod:`aiqm.cli.ait_author`, which loads the engine, the
report layer and the testing kit; like the root command table of :mod:`aiqm.cli.main`,
the group loads that module only when one of them runs or shows its own help, so
``aiqm ait list`` does not pay for it. Their one-line help is kept in
:data:`AUTHOR_COMMANDS` (``tests/cli/test_ait_lazy.py`` checks it is their own).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.main
from rich.markup import escape
from rich.table import Table
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:  # the click that typer uses (vendored as typer._click in typer >= 0.20)
    from typer._click import Command, Context, HelpFormatter

from aiqm.cli._common import console, handle_errors
from aiqm.core.constraints import describe
from aiqm.plugins.manager import load_registry
from aiqm.services import aits as ait_service

__all__ = ["AUTHOR_COMMANDS", "ait_app", "load_author_command"]

#: The author's commands (issue 19), defined in :mod:`aiqm.cli.ait_author`: name → one-line help.
AUTHOR_COMMANDS: dict[str, str] = {
    "new": "Write a new AIT package: code, tests, README and pyproject.toml, ready to install.",
    "check": "Run the conformance suite on an AIT; exit 0 if every check passes, 1 if one fails.",
    "run": "Run one AIT on files without a project; exit 0 if OK, 1 if NG or ERR, 2 on bad input.",
    "package": ("Build the wheel of an AIT package (and its Qunomon package) and say how to "
                "install it."),
}


def load_author_command(name: str) -> Command:
    """Import :mod:`aiqm.cli.ait_author` and build one of its click commands."""
    module = importlib.import_module("aiqm.cli.ait_author")  # lazy: see the module docstring
    holder = typer.Typer()
    module.register(holder)
    return typer.main.get_group(holder).commands[name]


class _AITGroup(TyperGroup):
    """``aiqm ait``: the author's commands load on first use; ``--help`` lists them unloaded."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._listing_only = False

    def list_commands(self, ctx: Context) -> list[str]:
        return [*super().list_commands(ctx), *AUTHOR_COMMANDS]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in AUTHOR_COMMANDS and cmd_name not in self.commands:
            if self._listing_only:
                return TyperCommand(cmd_name, help=AUTHOR_COMMANDS[cmd_name])
            self.commands[cmd_name] = load_author_command(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self._listing_only = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing_only = False


ait_app = typer.Typer(help="Installed AITs and their manifests; write, check, run and package AITs.",
                      no_args_is_help=True, cls=_AITGroup)


@ait_app.command("list")
@handle_errors
def list_cmd(
    plugin: Annotated[list[str] | None, typer.Option("--plugin", "-p", help="Extra plugin module.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List installed AITs."""
    reg = load_registry(plugin or ())
    infos = ait_service.list_aits(reg)
    if as_json:
        print(json.dumps([i.to_json() for i in infos], indent=2, ensure_ascii=False))
        return
    table = Table()
    for col in ("AIT", "version", "origin", "characteristics", "description"):
        table.add_column(col, overflow="fold")
    for i in infos:
        m = i.manifest
        table.add_row(m.id, m.version, escape(i.origin), ", ".join(m.characteristics),
                      escape(m.description.split("\n")[0]))
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
    info = ait_service.describe_ait(load_registry(plugin or ()), ref)
    m = info.manifest
    if as_json:
        data = m.model_dump(mode="json")
        data.update({k: v for k, v in info.to_json().items() if k in ("origin", "qunomon")})
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    console.print(f"[bold]{m.ref}[/]  {escape(m.title)}")
    console.print(escape(m.description))
    console.print(f"characteristics: {', '.join(m.characteristics)}")
    console.print(f"origin: {escape(info.origin)}")
    if info.record is not None:
        _show_imported(info)
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


def _show_imported(info: ait_service.AITInfo) -> None:
    r = info.record
    if r is None:
        return
    console.print(f"Qunomon package: {escape(r.name)} {escape(r.qunomon_version)} "
                  f"({r.digest}), imported from {escape(r.source)}")
    console.print(f"runs in: {r.env}; entry script: {escape(r.entry)}")
    if info.renamed:
        console.print("Qunomon names: " + escape(", ".join(info.renamed)))
    for w in r.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}")


@ait_app.command("import")
@handle_errors
def import_cmd(
    path: Annotated[Path, typer.Argument(help="Qunomon AIT package: zip, its folder, or a "
                                         "'repository' folder.")],
    env: Annotated[str, typer.Option(help="Where it runs: venv (its own virtual environment), "
                                     "current (aiqm's, for AIT development) or docker.")] = "venv",
    build: Annotated[bool, typer.Option(help="Build the environment now (else on first use).")] = True,
    replace: Annotated[bool, typer.Option(help="Replace an imported package with the same "
                                          "id@version and other content.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import a Qunomon AIT package: validate its manifest, store it, build its environment."""

    def progress(line: str) -> None:
        if not as_json:
            console.print(f"  [dim]{escape(line[:200])}[/]")

    out = ait_service.import_package(path, env=env, build=build, replace=replace, progress=progress)
    r, m = out.record, out.imported.manifest
    if as_json:
        print(json.dumps({"ref": m.ref, "origin": r.origin, "name": r.name, "digest": r.digest,
                          "env": r.env, "python": out.env_python, "warnings": r.warnings},
                         indent=2, ensure_ascii=False))
        return
    for w in r.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}")
    console.print(f"imported [bold]{m.ref}[/] (Qunomon {escape(r.name)} {escape(r.qunomon_version)}, "
                  f"{r.digest[:19]}…), characteristic {', '.join(m.characteristics)}")
    console.print(f"use it in aiqm.yaml as  ait: {m.id}@{m.version}")


@ait_app.command("export")
@handle_errors
def export_cmd(
    ref: Annotated[str, typer.Argument(help="AIT id, optionally @version.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Zip file to write.")] = Path("ait.zip"),
    plugin: Annotated[list[str] | None, typer.Option("--plugin", "-p")] = None,
    bundle_aiqm: Annotated[bool, typer.Option(help="Bundle aiqm as a wheel (else require "
                                              "aiqm==<version> from the index).")] = True,
) -> None:
    """Package an aiqm AIT as a Qunomon AIT package (zip for Qunomon's local install)."""
    out = ait_service.export_ait(ref, output, plugins=plugin or (), bundle_aiqm=bundle_aiqm)
    console.print(f"wrote {out}")


@ait_app.command("env")
@handle_errors
def env_cmd(
    ref: Annotated[str, typer.Argument(help="Imported AIT id, optionally @version.")],
    env: Annotated[str, typer.Argument(help="venv, current or docker.")],
) -> None:
    """Choose where an imported AIT runs."""
    r = ait_service.set_import_env(ref, env)
    console.print(f"{r.ref} now runs in: {r.env}")


@ait_app.command("remove")
@handle_errors
def remove_cmd(ref: Annotated[str, typer.Argument(help="Imported AIT id, optionally @version.")]) -> None:
    """Forget an imported AIT (results already stored stay)."""
    r = ait_service.remove_import(ref)
    console.print(f"removed {r.ref}")
