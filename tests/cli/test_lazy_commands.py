"""`aiqm` loads a command's module only when it is used; the listing stays the same."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from aiqm.cli import main as cli_main
from aiqm.cli.main import COMMANDS, app, load_command


def _first_paragraph(text: str) -> str:
    return " ".join(text.split("\n\n")[0].split())


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_table_help_is_the_commands_own(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert COMMANDS[name].help == _first_paragraph(command.short_help or command.help or "")


def test_help_lists_the_same_as_with_every_command_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    lazy = runner.invoke(app, ["--help"], terminal_width=100)
    monkeypatch.setattr(cli_main, "_listing", lambda name, spec: load_command(name))
    loaded = runner.invoke(app, ["--help"], terminal_width=100)
    assert lazy.exit_code == loaded.exit_code == 0
    assert lazy.output == loaded.output
    for name in COMMANDS:
        assert f" {name} " in lazy.output


def test_help_and_typos_load_no_command_module() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from aiqm.cli.main import app\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "t = CliRunner().invoke(app, ['rnu'])\n"
        "print(r.exit_code, t.exit_code, 'Did you mean' in t.output)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('aiqm.cli.', 'aiqm.services', "
        "'aiqm.engine', 'aiqm.storage', 'aiqm.report', 'sqlalchemy'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    status, modules = out.stdout.strip().splitlines()
    assert status == "0 2 True"
    assert modules == "['aiqm.cli.main']"
