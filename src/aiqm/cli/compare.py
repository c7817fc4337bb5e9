"""`aiqm compare`: what changed between two runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from aiqm.cli._common import EXIT_NG, STATUS_STYLE, console, handle_errors
from aiqm.core.results import Status
from aiqm.render.html import fmt_value
from aiqm.render.markdown import render_comparison_markdown
from aiqm.report.compare import Comparison
from aiqm.services.compare import compare_runs

__all__ = ["register"]

_CHANGE_STYLE = {
    "regressed": "bold red",
    "fixed": "bold green",
    "changed": "yellow",
    "new": "cyan",
    "missing": "magenta",
    "unchanged": "dim",
}
_FAIL_ON = ("never", "regression", "change")


def _status(value: Status | None) -> str:
    if value is None:
        return "—"
    return f"[{STATUS_STYLE.get(value.value, '')}]{value.value}[/]"


def _value(value: Any) -> str:
    return "—" if value is None else escape(fmt_value(value))


def _print_table(comparison: Comparison, show_all: bool) -> None:
    c = comparison
    console.print(
        f"compare [bold]{escape(c.before.run_id)}[/] ({c.before.verdict.value}) → "
        f"[bold]{escape(c.after.run_id)}[/] ({c.after.verdict.value}), tolerance {c.tolerance:g}"
    )
    tests = [t for t in c.tests if show_all or t.change != "unchanged"]
    if tests:
        table = Table(title="tests", title_justify="left")
        for col in ("test", "change", "before", "after", "notes"):
            table.add_column(col, overflow="fold")
        for t in tests:
            notes = []
            if t.ait_before and t.ait_after and t.ait_before != t.ait_after:
                notes.append(f"AIT {t.ait_before} → {t.ait_after}")
            if t.parameters_changed:
                notes.append("parameters: " + ", ".join(t.parameters_changed))
            for i in t.inputs_changed:
                notes.append(
                    f"input {i.slot}: {i.inventory_before or '—'} {(i.before or '—')[7:19]} → "
                    f"{i.inventory_after or '—'} {(i.after or '—')[7:19]}"
                )
            style = _CHANGE_STYLE[t.change]
            table.add_row(
                escape(t.name),
                f"[{style}]{t.change}[/]",
                _status(t.status_before),
                _status(t.status_after),
                escape("; ".join(notes)),
            )
        console.print(table)
    moved = [(t, d) for t in c.tests for d in t.measures if show_all or d.change != "unchanged"]
    if moved:
        table = Table(title="measures", title_justify="left")
        for col in ("test", "measure", "before", "after", "delta", "better", "change"):
            table.add_column(col, overflow="fold")
        for t, d in moved:
            style = "bold red" if d.regression else ("green" if d.change == "improved" else "")
            delta = "" if d.delta is None else f"{d.delta:+.6g}"
            table.add_row(
                escape(t.name),
                escape(d.measure),
                _value(d.before),
                _value(d.after),
                delta,
                {"higher": "↑ higher", "lower": "↓ lower"}.get(d.direction, ""),
                f"[{style}]{d.change}{' (regression)' if d.regression else ''}[/]"
                if style
                else d.change,
            )
        console.print(table)
    if c.inventories:
        table = Table(title="inventories", title_justify="left")
        for col in ("inventory", "change", "before", "after"):
            table.add_column(col, overflow="fold")
        for inv in c.inventories:
            table.add_row(escape(inv.name), inv.change, inv.digest_before or "—",
                          inv.digest_after or "—")
        console.print(table)
    counts = ", ".join(f"{n} {k}" for k, n in c.counts().items() if n)
    console.print(counts or "no tests")
    if c.regressions:
        console.print(f"[bold red]{len(c.regressions)} regression(s):[/]")
        for r in c.regressions:
            console.print(f"  - {escape(r)}")
    elif not c.has_changes:
        console.print("no changes")


def register(app: typer.Typer) -> None:
    @app.command("compare")
    @handle_errors
    def compare_cmd(
        run_a: Annotated[str, typer.Argument(help="Baseline: run id, prefix, or a report .json.")],
        run_b: Annotated[
            str, typer.Argument(help="New run: run id, prefix, 'latest', or a report .json.")
        ],
        project: Annotated[Path, typer.Option("--project", "-C", help="Project folder.")] = Path(
            "."
        ),
        tolerance: Annotated[
            float,
            typer.Option(
                help="How far (absolute) a measure may move the wrong way before it is a regression."
            ),
        ] = 0.0,
        fail_on: Annotated[
            str,
            typer.Option(
                "--fail-on",
                help="Exit 1 on: 'regression' (OK→NG/ERR or a measure worse by more than the "
                "tolerance), 'change' (anything differs) or 'never'.",
            ),
        ] = "never",
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the comparison as JSON.")
        ] = False,
        as_md: Annotated[
            bool, typer.Option("--md", help="Print the comparison as Markdown.")
        ] = False,
        show_all: Annotated[
            bool, typer.Option("--all", help="List unchanged tests and measures too.")
        ] = False,
    ) -> None:
        """Compare two runs: status changes, measure deltas, new/missing tests, changed inputs."""
        if fail_on not in _FAIL_ON:
            raise typer.BadParameter(f"use one of {', '.join(_FAIL_ON)}", param_hint="--fail-on")
        if as_json and as_md:
            raise typer.BadParameter("choose one of --json and --md", param_hint="--json")
        comparison = compare_runs(run_a, run_b, project, tolerance=tolerance)
        if as_json:
            data = comparison.model_dump(mode="json")
            data["has_regression"] = comparison.has_regression
            data["has_changes"] = comparison.has_changes
            data["counts"] = comparison.counts()
            print(json.dumps(data, indent=2, ensure_ascii=False))
        elif as_md:
            print(render_comparison_markdown(comparison, changed_only=not show_all), end="")
        else:
            _print_table(comparison, show_all)
        if (fail_on == "regression" and comparison.has_regression) or (
            fail_on == "change" and comparison.has_changes
        ):
            raise typer.Exit(EXIT_NG)
