"""`aiqm report`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from aiqm.cli._common import console, handle_errors
from aiqm.render.i18n import LANGUAGES
from aiqm.services.reports import FORMATS, build_run_report, render_report, write_report
from aiqm.services.store import open_existing_store

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("report")
    @handle_errors
    def report_cmd(
        run: Annotated[str, typer.Argument(help="Run id, id prefix, or 'latest'.")] = "latest",
        fmt: Annotated[
            str, typer.Option("--format", "-f", help="json, html, pdf, junit or md.")
        ] = "html",
        output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
        project: Annotated[Path, typer.Option("--project", "-C", help="Project folder.")] = Path("."),
        lang: Annotated[str, typer.Option(help="Report language: en or ja.")] = "en",
    ) -> None:
        """Render the report of a stored run."""
        if fmt not in FORMATS:
            raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
        if lang not in LANGUAGES:
            raise typer.BadParameter(f"use one of {', '.join(LANGUAGES)}", param_hint="--lang")
        if fmt == "pdf" and output is None:
            raise typer.BadParameter("a PDF needs a file: add -o report.pdf", param_hint="--output")
        store, artifacts = open_existing_store(project)
        try:
            report = build_run_report(store, run)
        finally:
            store.close()
        if output is None:
            text = render_report(report, fmt, artifacts, lang)
            if isinstance(text, bytes):  # only the PDF (refused above without --output)
                sys.stdout.buffer.write(text)
                return
            print(text, end="" if text.endswith("\n") else "\n")
            return
        path = write_report(report, fmt, output, artifacts, lang)
        console.print(f"wrote {path}")
