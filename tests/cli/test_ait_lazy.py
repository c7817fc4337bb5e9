"""`aiqm ait` loads the author's commands (new, check, run, package) only when they are used."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.core import TyperGroup
from typer.testing import CliRunner

from aiqm.cli import ait as ait_cli
from aiqm.cli.ait import AUTHOR_COMMANDS, load_author_command
from aiqm.cli.main import app


@pytest.mark.parametrize("name", list(AUTHOR_COMMANDS))
def test_the_table_help_is_the_commands_own(name: str) -> None:
    command = load_author_command(name)
    assert command.name == name
    own = " ".join((command.help or "").split("\n\n")[0].split())
    assert AUTHOR_COMMANDS[name] == own


def test_the_listing_is_the_same_with_the_commands_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    lazy = runner.invoke(app, ["ait", "--help"], terminal_width=100)
    # without the listing-only stand-ins, the listing loads and shows the real commands
    monkeypatch.setattr(ait_cli._AITGroup, "format_help", TyperGroup.format_help)
    loaded = runner.invoke(app, ["ait", "--help"], terminal_width=100)
    assert lazy.exit_code == loaded.exit_code == 0
    assert lazy.output == loaded.output
    for name in ("list", "show", "import", *AUTHOR_COMMANDS):
        assert f" {name} " in lazy.output


def test_listing_and_list_do_not_load_the_authors_module() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from aiqm.cli.main import app\n"
        "r = CliRunner().invoke(app, ['ait', '--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "r = CliRunner().invoke(app, ['ait', 'list', '--json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "assert 'aiqm.cli.ait_author' not in sys.modules\n"
        "assert 'aiqm.engine.runner' not in sys.modules\n"
        "r = CliRunner().invoke(app, ['ait', 'new', '--help'])\n"
        "assert r.exit_code == 0 and 'aiqm.cli.ait_author' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
