"""The `aiqm` command line."""

from __future__ import annotations

from typing import Annotated

import typer

from aiqm.cli import ait as ait_cmds
from aiqm.cli import compare, evidence, project, report, run, serve
from aiqm.cli import levels as levels_cmds
from aiqm.cli import users as users_cmds
from aiqm.cli.checklist import checklist_app
from aiqm.cli.guideline import guideline_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="aiqm",
    help="AI quality evaluation testbed: run quality tests (AITs) against a guideline and report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from aiqm import __version__

        print(f"aiqm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version.")] = False,
) -> None:
    """aiqm: exit codes 0 all tests OK, 1 some test NG or ERR, 2 usage or input error."""


project.register(app)
run.register(app)
report.register(app)
compare.register(app)
evidence.register(app)
app.add_typer(ait_cmds.ait_app, name="ait")
app.add_typer(evidence.keys_app, name="keys")
serve.register(app)
app.add_typer(users_cmds.users_app, name="users")
app.add_typer(guideline_app, name="guideline")
levels_cmds.register(app)
app.add_typer(checklist_app, name="checklist")


def main() -> None:
    """Console-script entry point."""
    app()
