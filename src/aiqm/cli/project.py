"""`aiqm init`, `aiqm demo` and `aiqm schema`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from aiqm.cli._common import console, handle_errors
from aiqm.cli.run import print_results
from aiqm.services.demo import create_demo_project
from aiqm.services.projects import init_project
from aiqm.services.reports import build_run_report, write_report
from aiqm.services.runs import RunOptions, run_project
from aiqm.services.schemas import json_schema
from aiqm.services.store import open_store

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("init")
    @handle_errors
    def init_cmd(
        directory: Annotated[Path, typer.Argument(help="Project folder to create.")] = Path("."),
        force: Annotated[bool, typer.Option("--force", help="Overwrite an existing aiqm.yaml.")] = False,
    ) -> None:
        """Write a commented aiqm.yaml skeleton."""
        path = init_project(directory, force=force)
        console.print(f"wrote {path}; edit it, then `aiqm run {directory}`")

    @app.command("demo")
    @handle_errors
    def demo_cmd(
        directory: Annotated[Path, typer.Argument(help="Where to build the demo project.")] = Path("aiqm-demo"),
        executor: Annotated[str | None, typer.Option(help="process or inline.")] = None,
    ) -> None:
        """Build the breast-cancer demo project, run it, and write report.json and report.html."""
        console.print(f"building the demo project in {directory} …")
        d = create_demo_project(directory)
        summary = run_project(d, RunOptions(executor=executor, accept_changes=True))
        print_results(summary)
        store, artifacts = open_store(d)
        try:
            report = build_run_report(store, summary.run.id)
        finally:
            store.close()
        j = write_report(report, "json", d / "report.json", artifacts)
        h = write_report(report, "html", d / "report.html", artifacts)
        console.print(f"report: {j.resolve()}")
        console.print(f"report: {h.resolve()}")
        raise typer.Exit(summary.exit_code)

    @app.command("schema")
    @handle_errors
    def schema_cmd(
        what: Annotated[str, typer.Argument(help="project, manifest or report.")],
    ) -> None:
        """Print the JSON Schema of the project file, the AIT manifest or the report."""
        print(json.dumps(json_schema(what), indent=2, ensure_ascii=False))
