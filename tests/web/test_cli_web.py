"""`aiqm users …` and `aiqm serve` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aiqm.cli.main import app
from aiqm.services.users import authenticate, user_for_token
from aiqm.storage.web_store import WebStore
from aiqm.web.config import WebConfig


def _store(home: Path) -> WebStore:
    return WebStore(WebConfig(home=home).database_url)


def test_the_first_admin_is_created_with_users_create_admin(tmp_path: Path) -> None:
    home = tmp_path / "home"
    runner = CliRunner()
    r = runner.invoke(app, ["users", "create", "root", "--admin", "--password-stdin", "--home", str(home)],
                      input="a-long-password\n")
    assert r.exit_code == 0, r.output
    assert "created user 'root' with the admin role" in r.output
    with _store(home) as store:
        assert authenticate(store, "root", "a-long-password").role == "admin"
    r = runner.invoke(app, ["users", "create", "root", "--password-stdin", "--home", str(home)],
                      input="another-password\n")
    assert r.exit_code == 2 and "exists already" in r.output
    r = runner.invoke(app, ["users", "create", "eve", "--role", "evaluator", "--password-stdin",
                            "--home", str(home)], input="short\n")
    assert r.exit_code == 2 and "at least 10 characters" in r.output
    r = runner.invoke(app, ["users", "create", "eve", "--role", "evaluator", "--password-stdin",
                            "--home", str(home)], input="eves-password\n")
    assert r.exit_code == 0
    listed = json.loads(runner.invoke(app, ["users", "list", "--json", "--home", str(home)]).output)
    assert listed == [{"username": "eve", "role": "evaluator", "active": True},
                      {"username": "root", "role": "admin", "active": True}]
    assert runner.invoke(app, ["users", "set-role", "eve", "viewer", "--home", str(home)]).exit_code == 0
    r = runner.invoke(app, ["users", "set-role", "root", "viewer", "--home", str(home)])
    assert r.exit_code == 2 and "last active admin" in r.output
    token = runner.invoke(app, ["users", "token", "eve", "--home", str(home)]).output.strip()
    with _store(home) as store:
        assert user_for_token(store, token).username == "eve"
    assert runner.invoke(app, ["users", "deactivate", "eve", "--home", str(home)]).exit_code == 0
    with _store(home) as store:
        assert user_for_token(store, token) is None
    r = runner.invoke(app, ["users", "set-role", "nobody", "admin", "--home", str(home)])
    assert r.exit_code == 2 and "no user named 'nobody'" in r.output


def test_serve_listens_on_loopback_by_default() -> None:
    r = CliRunner().invoke(app, ["serve", "--help"])
    assert r.exit_code == 0
    text = " ".join(r.output.split())
    assert "127.0.0.1" in text and "--port" in text and "--data-root" in text
