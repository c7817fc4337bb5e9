"""`aiqm checklist template`: the process checklist a component's levels require."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from aiqm.cli._common import console, handle_errors
from aiqm.services.coverage import write_checklist_template

__all__ = ["checklist_app"]

checklist_app = typer.Typer(help="Process checklists (evidence for process requirements).",
                            no_args_is_help=True)


@checklist_app.command("template")
@handle_errors
def template_cmd(
    project: Annotated[Path, typer.Option("--project", "-C", help="Project folder.")] = Path("."),
    output: Annotated[Path | None, typer.Option(
        "--output", "-o",
        help="File to write, relative to the project (.csv, .yaml); default evidence/checklist.csv.",
    )] = None,
    include_all: Annotated[bool, typer.Option(
        "--all", help="Also list requirements evidenced by measures.")] = False,
    lang: Annotated[str, typer.Option(help="Language of the question column: en or ja.")] = "en",
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a checklist with one row per required process requirement of the component."""
    if lang not in ("en", "ja"):
        raise typer.BadParameter("use en or ja", param_hint="--lang")
    result = write_checklist_template(project, output, lang=lang, include_all=include_all,
                                      force=force)
    console.print(f"wrote {result.path} with {len(result.rows)} rows; answer each row (yes, no "
                  "or not-applicable, with owner and date), then add to aiqm.yaml:")
    console.print(escape(result.snippet), highlight=False)
