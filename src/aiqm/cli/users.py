"""`aiqm users`: create and manage the web application's users from the command line."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from aiqm.cli._common import console, handle_errors
from aiqm.cli._web_options import DbOption, HomeOption, open_web_store
from aiqm.exceptions import InputError
from aiqm.services.users import (
    UserRecord,
    change_password,
    create_token,
    create_user,
    set_active,
    set_role,
)

if TYPE_CHECKING:
    from aiqm.services.store import WebStore

__all__ = ["users_app"]

users_app = typer.Typer(help="Users of the web application (aiqm serve).", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = typer.prompt("password", hide_input=True)
    again = typer.prompt("password again", hide_input=True)
    if first != again:
        raise InputError("the two passwords differ; run the command again")
    return str(first)


def _find(store: WebStore, username: str) -> UserRecord:
    user = store.get_user_by_name(username)
    if user is None:
        raise InputError(f"no user named {username!r}; `aiqm users list` shows them")
    return user


@users_app.command("create")
@handle_errors
def create_cmd(
    username: Annotated[str, typer.Argument(help="User name.")] = "admin",
    admin: Annotated[bool, typer.Option("--admin", help="Give the admin role (users, settings).")] = False,
    role: Annotated[str, typer.Option(help="viewer, evaluator or admin.")] = "viewer",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
    home: HomeOption = None,
    db: DbOption = None,
) -> None:
    """Create a user; the first admin is made with `aiqm users create --admin`."""
    password = _read_password(password_stdin)
    with open_web_store(home, db) as store:
        user = create_user(store, username, password, "admin" if admin else role)
    console.print(f"created user {user.username!r} with the {user.role} role")


@users_app.command("list")
@handle_errors
def list_cmd(
    home: HomeOption = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List the users."""
    with open_web_store(home, db) as store:
        users = store.list_users()
    if as_json:
        print(json.dumps([{"username": u.username, "role": u.role, "active": u.active} for u in users],
                         indent=2))
        return
    table = Table()
    for col in ("user", "role", "active", "last sign-in (UTC)"):
        table.add_column(col)
    for u in users:
        table.add_row(u.username, u.role, "yes" if u.active else "no",
                      u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "")
    console.print(table if users else "no users yet; `aiqm users create --admin` makes the first admin")


@users_app.command("set-role")
@handle_errors
def set_role_cmd(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help="viewer, evaluator or admin.")],
    home: HomeOption = None,
    db: DbOption = None,
) -> None:
    """Change a user's role (signs them out)."""
    with open_web_store(home, db) as store:
        set_role(store, _find(store, username).id, role)
    console.print(f"{username} is now {role}")


@users_app.command("set-password")
@handle_errors
def set_password_cmd(
    username: Annotated[str, typer.Argument()],
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    home: HomeOption = None,
    db: DbOption = None,
) -> None:
    """Set a user's password (signs them out everywhere)."""
    password = _read_password(password_stdin)
    with open_web_store(home, db) as store:
        change_password(store, _find(store, username).id, password)
    console.print(f"password of {username} changed")


@users_app.command("deactivate")
@handle_errors
def deactivate_cmd(
    username: Annotated[str, typer.Argument()],
    home: HomeOption = None,
    db: DbOption = None,
) -> None:
    """Deactivate a user (signs them out and blocks their API tokens)."""
    with open_web_store(home, db) as store:
        set_active(store, _find(store, username).id, False)
    console.print(f"{username} is deactivated")


@users_app.command("token")
@handle_errors
def token_cmd(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="A label for the token.")] = "cli",
    home: HomeOption = None,
    db: DbOption = None,
) -> None:
    """Create an API token for a user and print it (shown once; only its hash is kept)."""
    with open_web_store(home, db) as store:
        token, _ = create_token(store, _find(store, username).id, name)
    print(token)
