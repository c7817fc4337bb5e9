"""`aiqm run` and `aiqm runs`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from aiqm.cli._common import STATUS_STYLE, console, handle_errors
from aiqm.services.runs import (
    AITPreparing,
    RunEvent,
    RunOptions,
    RunPlanned,
    RunSummary,
    list_runs,
    run_project,
)

__all__ = ["print_results", "register"]


def print_results(summary: RunSummary) -> None:
    """Print the results table of a run."""
    table = Table(title=f"run {summary.run.id}", title_justify="left")
    for col in ("test", "characteristic", "AIT", "status", "details"):
        table.add_column(col, overflow="fold")
    for r in summary.results:
        if r.error:
            detail = r.error
        else:
            parts = [
                f"{'✓' if c.passed else '✗'} {c.description}"
                + (f" (got {c.actual:.4g})" if isinstance(c.actual, float) else
                   f" (got {c.actual})" if c.actual is not None else "")
                + (f" — {c.reason}" if c.reason and not c.passed else "")
                for c in r.criteria
            ]
            detail = "\n".join(parts) or "no criteria"
        if r.cached_from:
            detail += f"\n(cached from run {r.cached_from})"
        table.add_row(
            escape(r.td_name), r.characteristic, f"{r.ait_id}@{r.ait_version}",
            f"[{STATUS_STYLE[r.status.value]}]{r.status.value}[/]", escape(detail),
        )
    console.print(table)
    c = summary.counts
    console.print(
        "  ".join(f"[{STATUS_STYLE[k]}]{k}[/] {v}" for k, v in c.items() if v or k in ("OK", "NG"))
    )


class _ProgressView:
    def __init__(self, progress: Progress) -> None:
        self.p = progress
        self.total_id: TaskID | None = None
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, e: RunEvent) -> None:
        if isinstance(e, RunPlanned):
            self.total_id = self.p.add_task("[bold]tests", total=max(e.to_run, 1))
            return
        if isinstance(e, AITPreparing):  # an imported AIT builds its environment
            self.p.console.print(f"  [dim]{escape(e.ait)}: {escape(e.line[:160])}[/]")
            return
        if e.kind == "started":
            self.tasks[e.td_name] = self.p.add_task(f"  {escape(e.td_name)}", total=None)
        elif e.kind == "progress" and e.td_name in self.tasks:
            self.p.update(self.tasks[e.td_name], completed=e.done, total=e.total or None)
        elif e.kind == "finished":
            tid = self.tasks.pop(e.td_name, None)
            if tid is not None:
                self.p.remove_task(tid)
            style = STATUS_STYLE.get("OK" if e.status in ("completed", "cached") else "ERR")
            label = {"completed": "done", "failed": "failed", "cached": "cached"}.get(e.status, e.status)
            self.p.console.print(f"  [{style}]{label}[/] {escape(e.td_name)}")
            if self.total_id is not None:
                self.p.advance(self.total_id)


class _LineView:
    """Plain progress lines for logs (no live display)."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0

    def __call__(self, e: RunEvent) -> None:
        if isinstance(e, RunPlanned):
            self.total = e.to_run
            console.print(f"run {e.run_id}: {self.total} test(s) to run")
            return
        if isinstance(e, AITPreparing):
            console.print(f"  {escape(e.ait)}: {escape(e.line[:160])}")
            return
        if e.kind == "finished":
            self.done += 1
            console.print(f"[{self.done}/{self.total}] {e.status:9s} {escape(e.td_name)}")


def register(app: typer.Typer) -> None:
    @app.command("run")
    @handle_errors
    def run_cmd(
        directory: Annotated[Path, typer.Argument(help="Project folder (holds aiqm.yaml).")] = Path("."),
        executor: Annotated[str | None, typer.Option(help="process (isolated) or inline.")] = None,
        workers: Annotated[int | None, typer.Option(help="Tests at once (0 = CPUs).")] = None,
        timeout: Annotated[float | None, typer.Option(help="Seconds per test.")] = None,
        memory_limit_mb: Annotated[int | None, typer.Option(help="Resident MB per test.")] = None,
        no_cache: Annotated[bool, typer.Option("--no-cache", help="Re-run tests with cached results.")] = False,
        resume: Annotated[bool, typer.Option("--resume", help="Finish the last interrupted run.")] = False,
        accept_changes: Annotated[bool, typer.Option("--accept-changes", help="Register changed inputs.")] = False,
        test: Annotated[list[str] | None, typer.Option("--test", "-t", help="Run only this test (repeatable).")] = None,
        plugin: Annotated[list[str] | None, typer.Option("--plugin", "-p", help="Extra plugin module.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable summary.")] = False,
    ) -> None:
        """Run the project's tests; exit 0 if all are OK, 1 if any is NG or ERR, 2 on bad input."""
        opts = RunOptions(
            executor=executor, workers=workers, timeout=timeout, memory_limit_mb=memory_limit_mb,
            use_cache=False if no_cache else None, resume=resume, accept_changes=accept_changes,
            select=test or (), plugins=plugin or (),
        )
        if as_json:
            summary = run_project(directory, opts)
        elif not console.is_terminal:  # CI logs: one line per finished test
            summary = run_project(directory, opts, on_event=_LineView())
        else:
            with Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                TextColumn("{task.completed:.0f}/{task.total:.0f}"), TimeElapsedColumn(),
                console=console, transient=True,
            ) as progress:
                summary = run_project(directory, opts, on_event=_ProgressView(progress))
        if as_json:
            print(json.dumps(summary.to_json(), indent=2, default=str))
        else:
            print_results(summary)
        raise typer.Exit(summary.exit_code)

    @app.command("runs")
    @handle_errors
    def runs_cmd(
        directory: Annotated[Path, typer.Argument(help="Project folder.")] = Path("."),
        limit: Annotated[int, typer.Option(help="How many runs to list.")] = 20,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """List the stored runs of a project, newest first."""
        rows = list_runs(directory, limit=limit)
        if as_json:
            print(json.dumps([
                {"id": r.id, "status": r.status, "component": r.component,
                 "created_at": r.created_at.isoformat(), "counts": counts}
                for r, counts in rows
            ], indent=2))
            return
        table = Table()
        for col in ("run", "created (UTC)", "status", "OK", "NG", "ERR", "NA"):
            table.add_column(col)
        for r, counts in rows:
            table.add_row(
                r.id, r.created_at.strftime("%Y-%m-%d %H:%M:%S"), r.status,
                *(str(counts.get(k, 0)) for k in ("OK", "NG", "ERR", "NA")),
            )
        console.print(table if rows else "no runs yet; `aiqm run` makes one")
