"""`aiqm ait new|check|run|package`: the AIT author's kit, and one-off AIT runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from aiqm.cli._common import EXIT_NG, EXIT_OK, STATUS_STYLE, console, handle_errors
from aiqm.core.command_values import parse_criterion, parse_pairs, parse_parameters
from aiqm.plugins.targets import load_target
from aiqm.services.ait_oneoff import OneOffRun, run_one_ait
from aiqm.services.ait_package import package_ait
from aiqm.services.ait_scaffold import KINDS, new_ait_package
from aiqm.testing.suite import CheckOutcome, ConformanceReport, conformance_report, file_inputs

__all__ = ["register"]

_CHECK_STYLE = {"pass": "bold green", "fail": "bold red", "warn": "bold yellow", "skip": "dim"}

InputOpt = Annotated[list[str] | None, typer.Option(
    "--input", "-i", help="SLOT=PATH: a file or folder for an input slot (repeatable).")]
ParamOpt = Annotated[list[str] | None, typer.Option(
    "--param", help="NAME=VALUE, the value read as YAML: 0.2, true, '\\[a, b]' (repeatable).")]
TargetOpt = Annotated[list[str] | None, typer.Option(
    "--target", help="SLOT=COLUMN: the label column of a dataset slot (repeatable).")]
TrustedOpt = Annotated[bool, typer.Option(
    "--trusted", help="Allow joblib/pickle model files (loading them runs their code).")]
PluginOpt = Annotated[list[str] | None, typer.Option("--plugin", "-p", help="Extra plugin module.")]


def new_cmd(
    name: Annotated[str, typer.Argument(help="The AIT id, e.g. label_balance.")],
    kind: Annotated[str, typer.Option(help=f"What it measures: {', '.join(KINDS)}.")] = "data",
    output: Annotated[Path | None, typer.Option("--output", "-o", help=(
        "Package folder to create (default ./aiqm-ait-NAME).")) ] = None,
    license: Annotated[str, typer.Option("--license", help="SPDX licence.")] = "Apache-2.0",
) -> None:
    """Write a new AIT package: code, tests, README and pyproject.toml, ready to install."""
    out = new_ait_package(name, kind=kind, output=output, license=license)
    console.print(f"wrote [bold]{escape(str(out.folder))}[/] (AIT [bold]{out.ait_id}[/], "
                  f"package {out.package}, {kind})")
    for path in out.files:
        console.print(f"  {escape(str(path.relative_to(out.folder)))}")
    console.print("next:")
    console.print(f"  cd {escape(str(out.folder))}")
    console.print(escape('  pip install -e ".[test]" && pytest'))
    console.print(f"  aiqm ait check {out.ait_id}")


def _print_report(report: ConformanceReport, origin: str, verbose: bool) -> None:
    console.print(f"[bold]{escape(report.ait)}[/] ({escape(origin)}) — inputs: {report.inputs}")
    for c in report.checks:
        _print_check(c, verbose)
    counts = {s: sum(c.status == s for c in report.checks) for s in _CHECK_STYLE}
    words = {"pass": "passed", "fail": "failed", "warn": "with warnings", "skip": "skipped"}
    console.print(f"  {len(report.checks)} checks: " + ", ".join(
        f"[{_CHECK_STYLE[s]}]{n} {words[s]}[/]" for s, n in counts.items() if n))


def _print_check(c: CheckOutcome, verbose: bool) -> None:
    console.print(f"  [{_CHECK_STYLE[c.status]}]{c.status.upper():4}[/]  {escape(c.name)}")
    if c.status != "pass" or verbose:
        for line in c.details:
            console.print(f"          {escape(line)}", soft_wrap=True)


def check_cmd(
    target: Annotated[str, typer.Argument(help=(
        "An installed AIT id, module.path:attribute, a .py file, or a package folder."))],
    input_: InputOpt = None,
    param: ParamOpt = None,
    target_col: TargetOpt = None,
    trusted: TrustedOpt = False,
    quick: Annotated[bool, typer.Option(
        "--quick", help="Skip the second run and the empty and single-row inputs.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show details of passed checks.")] = False,
    plugin: PluginOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
) -> None:
    """Run the conformance suite on an AIT; exit 0 if every check passes, 1 if one fails."""
    found = load_target(target, plugins=tuple(plugin or ()))
    params = parse_parameters(param or [])
    reports = []
    for ait in found.aits:
        given = file_inputs(ait.manifest, parse_pairs(input_ or [], "--input"),
                            parse_pairs(target_col or [], "--target"), params, trusted=trusted)
        reports.append((ait, conformance_report(ait, determinism=not quick, edge_cases=not quick,
                                                quiet=True, **given)))
    passed = all(r.passed for _, r in reports)
    if as_json:
        print(json.dumps({"target": target, "passed": passed,
                          "aits": [{**r.to_json(), "origin": a.origin} for a, r in reports]},
                         indent=2, ensure_ascii=False, default=str))
    else:
        for ait, report in reports:
            _print_report(report, ait.origin or found.kind, verbose)
    raise typer.Exit(EXIT_OK if passed else EXIT_NG)


def _value(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return str(v)


def _print_run(out: OneOffRun) -> None:
    r = out.result
    style = STATUS_STYLE[r.status.value]
    console.print(f"[bold]{escape(out.manifest.ref)}[/]  [{style}]{r.status.value}[/]"
                  f"  ({r.duration_s:.2f} s)")
    if r.error:
        console.print(f"  [bold red]error:[/] {escape(r.error)}")
    if r.measures:
        t = Table(title="measures", title_justify="left")
        for col in ("measure", "value"):
            t.add_column(col, overflow="fold")
        for m in r.measures:
            t.add_row(m.name, escape(_value(m.value) if m.value is not None
                                     else f"undefined: {m.undefined_reason}"))
        console.print(t)
    for c in r.criteria:
        mark = "[green]✓[/]" if c.passed else "[red]✗[/]"
        got = f" (got {_value(c.actual)})" if c.actual is not None else ""
        why = f" — {c.reason}" if c.reason and not c.passed else ""
        console.print(f"  {mark} {escape(c.description)}{escape(got)}{escape(why)}")
    if out.folder is not None:
        console.print(f"kept in {escape(str(out.folder))}: " + ", ".join(
            escape(str(p.relative_to(out.folder))) for p in
            [*out.reports.values(), *out.artifacts.values()]))


def run_cmd(
    ait: Annotated[str, typer.Argument(help="The AIT id (optionally @version).")],
    input_: InputOpt = None,
    param: ParamOpt = None,
    criteria: Annotated[list[str] | None, typer.Option(
        "--criteria", "-c", help="e.g. 'accuracy>=0.9' or 'mean(recall) between 0.8 and 1' "
        "(repeatable).")] = None,
    target_col: TargetOpt = None,
    trusted: TrustedOpt = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help=(
        "Keep the project, report.md, report.html and the artifacts in this folder."))] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds the test may take.")] = None,
    memory_limit_mb: Annotated[int | None, typer.Option(help="Resident MB the test may use.")] = None,
    executor: Annotated[str, typer.Option(help="process (isolated) or inline.")] = "process",
    lang: Annotated[str, typer.Option(help="Report language: en or ja.")] = "en",
    plugin: PluginOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run one AIT on files without a project; exit 0 if OK, 1 if NG or ERR, 2 on bad input."""
    if executor not in ("process", "inline"):
        raise typer.BadParameter("use process or inline", param_hint="--executor")
    outcome = run_one_ait(
        ait,
        inputs={k: Path(v) for k, v in parse_pairs(input_ or [], "--input").items()},
        params=parse_parameters(param or []),
        criteria=[parse_criterion(c) for c in criteria or []],
        targets=parse_pairs(target_col or [], "--target"),
        trusted=trusted, out=out, plugins=tuple(plugin or ()), executor=executor,
        timeout=timeout, memory_limit_mb=memory_limit_mb, lang=lang,
    )
    if as_json:
        print(json.dumps(outcome.to_json(), indent=2, ensure_ascii=False, default=str))
    else:
        _print_run(outcome)
    raise typer.Exit(outcome.exit_code)


def package_cmd(
    target: Annotated[str, typer.Argument(help="The AIT package folder (or an AIT installed "
                                          "from one in editable mode).")] = ".",
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the wheel.")] = Path("dist"),
    qunomon: Annotated[bool, typer.Option("--qunomon", help=(
        "Also write a Qunomon AIT package (zip) per AIT, bundling the wheel."))] = False,
    plugin: PluginOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Build the wheel of an AIT package (and its Qunomon package) and say how to install it."""
    out = package_ait(target, output, qunomon=qunomon, plugins=tuple(plugin or ()))
    if as_json:
        print(json.dumps(out.to_json(), indent=2))
        return
    if out.readme_updated:
        console.print("refreshed the manifest section of README.md")
    wheel = _shown(out.wheel)
    console.print(f"built {escape(wheel)} ({', '.join(out.aits)})")
    console.print("a user installs it with:")
    console.print(f"  pip install {escape(wheel)}")
    if out.requires:
        console.print("which also installs: " + escape(", ".join(out.requires)))
    console.print("and finds the AIT with `aiqm ait list`.")
    for z in out.qunomon:
        console.print(f"Qunomon package: {escape(_shown(z))} — install it with Qunomon's AIT "
                      f"local install, or try it with `aiqm ait import {escape(_shown(z))}`")


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def register(app: typer.Typer) -> None:
    """Add the author's commands to the ``aiqm ait`` group."""
    for name, func in (("new", new_cmd), ("check", check_cmd), ("run", run_cmd),
                       ("package", package_cmd)):
        app.command(name)(handle_errors(func))
