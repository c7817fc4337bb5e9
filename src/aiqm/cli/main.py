"""The `aiqm` command line.

Each command lives in its own module, which imports the services it calls at
module level. This module loads a command's module only when that command runs
or shows its own help, so ``aiqm --help`` (and a typo) imports typer and this
table, not the engine, the stores and the report layer. The one-line help of
each command is therefore written here as well; ``tests/cli`` checks that it is
the first line of the command's own help, and that ``aiqm --help`` prints the
same as when every command is loaded.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:  # the click that typer uses (vendored as typer._click in typer >= 0.20)
    from typer._click import Command, Context, HelpFormatter

from aiqm._version import __version__

__all__ = ["COMMANDS", "LazyCommand", "app", "load_command", "main"]


@dataclass(frozen=True)
class LazyCommand:
    """Where a command is defined, and its one-line help for ``aiqm --help``.

    ``attr`` names the module's ``typer.Typer`` for a command group (``aiqm ait
    …``); None means the module has a ``register(app)`` that adds the command.
    """

    module: str
    help: str
    attr: str | None = None


COMMANDS: dict[str, LazyCommand] = {
    # commands, in the order `aiqm --help` lists them
    "init": LazyCommand("aiqm.cli.project", "Write a commented aiqm.yaml skeleton."),
    "demo": LazyCommand(
        "aiqm.cli.project",
        "Build the breast-cancer demo project, run it, and write report.json and report.html.",
    ),
    "schema": LazyCommand(
        "aiqm.cli.project",
        "Print the JSON Schema of the project file, the AIT manifest or the report.",
    ),
    "run": LazyCommand(
        "aiqm.cli.run",
        "Run the project's tests; exit 0 if all are OK, 1 if any is NG or ERR, 2 on bad input.",
    ),
    "runs": LazyCommand("aiqm.cli.run", "List the stored runs of a project, newest first."),
    "report": LazyCommand("aiqm.cli.report", "Render the report of a stored run."),
    "compare": LazyCommand(
        "aiqm.cli.compare",
        "Compare two runs: status changes, measure deltas, new/missing tests, changed inputs.",
    ),
    "bundle": LazyCommand(
        "aiqm.cli.evidence",
        "Write a signed evidence bundle: report JSON/HTML/PDF, artifacts, config, digests.",
    ),
    "verify": LazyCommand(
        "aiqm.cli.evidence",
        "Check a bundle's signature and every file's digest; exit 0 only if all match.",
    ),
    "serve": LazyCommand(
        "aiqm.cli.serve",
        r"Start the web application (needs pip install 'aiqm\[web]'); stop it with Ctrl-C.",
    ),
    "levels": LazyCommand(
        "aiqm.cli.levels",
        "Determine target levels (questions in the terminal, an answers file, or flags).",
    ),
    # command groups
    "ait": LazyCommand("aiqm.cli.ait", "Installed AITs and their manifests; write, check, run "
                       "and package AITs.", "ait_app"),
    "keys": LazyCommand(
        "aiqm.cli.evidence", "Ed25519 key pairs that sign evidence bundles.", "keys_app"
    ),
    "users": LazyCommand(
        "aiqm.cli.users", "Users of the web application (aiqm serve).", "users_app"
    ),
    "guideline": LazyCommand(
        "aiqm.cli.guideline", "Quality guidelines: list, show, validate custom files.",
        "guideline_app",
    ),
    "checklist": LazyCommand(
        "aiqm.cli.checklist", "Process checklists (evidence for process requirements).",
        "checklist_app",
    ),
}
"""Every top-level command: name → where it is defined and its one-line help."""


def load_command(name: str) -> Command:
    """Import a command's module and build its click command, as ``aiqm`` runs it.

    Examples
    --------
    >>> load_command("runs").name
    'runs'
    """
    spec = COMMANDS[name]
    module = importlib.import_module(spec.module)  # lazy: see the module docstring
    holder = typer.Typer()
    if spec.attr is None:
        module.register(holder)
    else:
        holder.add_typer(getattr(module, spec.attr), name=name)
    return typer.main.get_group(holder).commands[name]


class _LazyGroup(TyperGroup):
    """The root group: a command's module loads on first use; ``--help`` lists :data:`COMMANDS`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # stand-ins until loaded: their names feed "Did you mean …?" and the listing
        self.commands = {name: _listing(name, spec) for name, spec in COMMANDS.items()}
        self._loaded: set[str] = set()
        self._listing_only = False

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in self._loaded and not self._listing_only:
            self.commands[cmd_name] = load_command(cmd_name)
            self._loaded.add(cmd_name)
        return self.commands[cmd_name]

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        """``aiqm --help``: list the commands without loading them."""
        self._listing_only = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing_only = False


def _listing(name: str, spec: LazyCommand) -> Command:
    """A stand-in that only carries the name and help shown in the command list."""
    if spec.attr is None:
        return TyperCommand(name, help=spec.help)
    return TyperGroup(name=name, help=spec.help)


app = typer.Typer(
    name="aiqm",
    help="AI quality evaluation testbed: run quality tests (AITs) against a guideline and report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_LazyGroup,
)


def _version(value: bool) -> None:
    if value:
        print(f"aiqm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version.")] = False,
) -> None:
    """aiqm: exit codes 0 all tests OK, 1 some test NG or ERR, 2 usage or input error."""


def main() -> None:
    """Console-script entry point."""
    app()
