"""`aiqm report`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aiqm.cli._common import console, handle_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("report")
    @handle_errors
    def report_cmd(
        run: Annotated[str, typer.Argument(help="Run id, id prefix, or 'latest'.")] = "latest",
        fmt: Annotated[str, typer.Option("--format", "-f", help="json or html.")] = "html",
        output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
        project: Annotated[Path, typer.Option("--project", "-C", help="Project folder.")] = Path("."),
        lang: Annotated[str, typer.Option(help="Report language.")] = "en",
    ) -> None:
        """Render the report of a stored run."""
        from aiqm.services.reports import FORMATS, build_run_report, render_report, write_report
        from aiqm.services.store import open_existing_store

        if fmt not in FORMATS:
            raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
        store, artifacts = open_existing_store(project)
        try:
            report = build_run_report(store, run)
        finally:
            store.close()
        if output is None:
            print(render_report(report, fmt, artifacts, lang))
            return
        path = write_report(report, fmt, output, artifacts, lang)
        console.print(f"wrote {path}")
