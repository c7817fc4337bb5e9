"""`aiqm levels`: determine target levels and see what they require."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from aiqm.cli._common import console, handle_errors
from aiqm.core.levels import normalise_answer
from aiqm.core.project import PROJECT_FILE, load_project
from aiqm.exceptions import InputError
from aiqm.services.guidelines import resolve_guideline
from aiqm.services.levels import (
    determine_target_levels,
    load_answers,
    parse_answer_flags,
    parse_level_flags,
    write_levels,
)

if TYPE_CHECKING:
    from aiqm.core.guideline import ExternalCharacteristic, Guideline, Question
    from aiqm.services.levels import LevelsResult

__all__ = ["ask", "print_levels", "register"]


def _ask_question(q: Question, lang: str) -> str:
    if q.kind == "bool":
        return "yes" if typer.confirm(q.text.get(lang)) else "no"
    console.print(escape(q.text.get(lang)))
    for i, o in enumerate(q.options, 1):
        console.print(f"  {i}. [bold]{o.id}[/] — {escape(o.text.get(lang))}")
    while True:
        raw = typer.prompt(f"answer (1-{len(q.options)} or id)")
        try:
            return normalise_answer(q, raw)
        except InputError as exc:
            console.print(f"[yellow]{escape(str(exc))}[/]")


def ask(guideline: Guideline, only: list[str] | None = None, lang: str = "en"
        ) -> dict[str, dict[str, str]]:
    """Ask the questions of each external characteristic in the terminal; return the answers."""
    answers: dict[str, dict[str, str]] = {}
    chars: list[ExternalCharacteristic] = [c for c in guideline.external if c.questions]
    if only:
        chars = [c for c in chars if c.id in only]
    for c in chars:
        console.rule(f"[bold]{c.id}[/] {escape(c.names.get(lang))}")
        if c.summary is not None:
            console.print(f"[dim]{escape(c.summary.get(lang))}[/]")
        answers[c.id] = {q.id: _ask_question(q, lang) for q in c.questions}
    return answers


def print_levels(result: LevelsResult, lang: str = "en") -> None:
    """Print the external levels, the required internal levels and the requirement count."""
    g = result.guideline
    t = Table(title=f"target levels ({g.ref})", title_justify="left")
    for col in ("characteristic", "level", "meaning", "how"):
        t.add_column(col, overflow="fold")
    for cid, label in result.levels.items():
        char = g.external_characteristic(cid)
        lv = char.level(label) if char is not None else None
        summary = lv.summary.get(lang) if lv is not None and lv.summary is not None else ""
        d = result.determinations.get(cid)
        how = "set directly"
        if d is not None:
            how = "answers" + ("" if d.verified else " (trigger inferred, not in the source)")
        name = char.names.get(lang) if char is not None else cid
        t.add_row(f"{cid} {escape(name)}", label, escape(summary), how)
    console.print(t)
    t = Table(title="required internal levels (highest wins; cumulative)", title_justify="left")
    for col in ("characteristic", "level", "because of"):
        t.add_column(col, overflow="fold")
    for (cid, _track), req in result.required.items():
        ichar = g.characteristic(cid)
        name = ichar.names.get(lang) if ichar is not None else cid
        t.add_row(f"{cid} {escape(name)}", req.level.label, ", ".join(req.because))
    if result.required:
        console.print(t)
    c = result.counts
    console.print(f"[bold]{c['total']}[/] requirements: {c['measure']} by measures, "
                  f"{c['checklist']} by checklist, {c['document']} by documents")
    for level in result.out_of_scope:
        console.print(f"[yellow]note:[/] {level} is outside the guideline's criteria; the "
                      "requirements shown are a floor only — take expert advice")


def register(app: typer.Typer) -> None:
    @app.command("levels")
    @handle_errors
    def levels_cmd(
        project: Annotated[Path, typer.Option("--project", "-C", help="Project folder.")] = Path("."),
        guideline: Annotated[str | None, typer.Option(
            help="Guideline (default: the project's first, else aist-mlqm@3).")] = None,
        answers: Annotated[Path | None, typer.Option(
            "--answers", "-a", help="Answers file (YAML or JSON).")] = None,
        answer: Annotated[list[str] | None, typer.Option(
            "--answer", help="An answer, CHARACTERISTIC.QUESTION=ANSWER (repeatable).")] = None,
        level: Annotated[list[str] | None, typer.Option(
            "--level", help="Set a level directly, CHARACTERISTIC=LEVEL (repeatable).")] = None,
        only: Annotated[str | None, typer.Option(
            help="Ask only these characteristics, e.g. AISL,AIPL.")] = None,
        current: Annotated[bool, typer.Option(
            "--current", help="Show what the project's current levels require.")] = False,
        write: Annotated[bool, typer.Option(
            "--write", help="Write the levels into the project's aiqm.yaml.")] = False,
        as_json: Annotated[bool, typer.Option("--json")] = False,
        lang: Annotated[str, typer.Option(help="Language of questions and names: en or ja.")] = "en",
    ) -> None:
        """Determine target levels (questions in the terminal, an answers file, or flags).

        Prints the external levels, the required internal levels and how many
        requirements they imply; --write stores them in aiqm.yaml.
        """
        if lang not in ("en", "ja"):
            raise typer.BadParameter("use en or ja", param_hint="--lang")
        g, project_levels = _guideline(project, guideline)
        given: dict[str, dict[str, Any]] = {}
        fixed: dict[str, str] = {}
        if answers is not None:
            given, fixed = load_answers(answers)
        for cid, qs in parse_answer_flags(answer or []).items():
            given.setdefault(cid, {}).update(qs)
        fixed.update(parse_level_flags(level or []))
        if current:
            fixed = {**project_levels, **fixed}
        elif not given and not fixed:
            given = ask(g, [s.strip() for s in only.split(",")] if only else None, lang)
        result = determine_target_levels(g, given, fixed)
        if as_json:
            print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        else:
            print_levels(result, lang)
        if write:
            path = write_levels(project, result.levels)
            if not as_json:
                console.print(f"wrote component.levels to {path}")


def _guideline(project: Path, ref: str | None) -> tuple[Guideline, dict[str, str]]:
    file = project / PROJECT_FILE if project.is_dir() else project
    if file.is_file():
        proj, root = load_project(project)
        refs = list(proj.component.guidelines)
        if ref is None:
            for r in refs:
                g = resolve_guideline(r, root).guideline
                if g.has_levels:
                    return g, dict(proj.component.levels)
            return resolve_guideline(refs[0] if refs else "aist-mlqm@3", root).guideline, {}
        return resolve_guideline(ref, root).guideline, dict(proj.component.levels)
    return resolve_guideline(ref or "aist-mlqm@3").guideline, {}
