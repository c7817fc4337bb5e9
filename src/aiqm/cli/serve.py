"""`aiqm serve`: run the web application."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from aiqm.cli._common import console, err_console, handle_errors
from aiqm.cli._web_options import DbOption, HomeOption
from aiqm.exceptions import InputError
from aiqm.web import WebConfig, create_app
from aiqm.web.config import default_home

__all__ = ["is_loopback", "register"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer) -> None:
    @app.command("serve")
    @handle_errors
    def serve_cmd(
        host: Annotated[str, typer.Option(help="Address to listen on; 127.0.0.1 accepts only local connections.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
        home: HomeOption = None,
        db: DbOption = None,
        data_root: Annotated[list[Path] | None, typer.Option("--data-root", help="Folder inventories may be registered from by path (repeatable).")] = None,
        max_upload_mb: Annotated[int, typer.Option(help="Largest upload accepted (MB).")] = 200,
        max_runs: Annotated[int, typer.Option(help="Runs in flight at once.")] = 2,
        secure_cookies: Annotated[bool, typer.Option("--secure-cookies", help="Always mark cookies Secure (behind an HTTPS proxy that does not forward the scheme).")] = False,
    ) -> None:
        r"""Start the web application (needs pip install 'aiqm\[web]'); stop it with Ctrl-C."""
        try:
            import uvicorn  # lazy: the optional 'web' extra; only `aiqm serve` needs it
        except ImportError:
            raise InputError("the web application needs its extra: pip install 'aiqm[web]'") from None
        config = WebConfig(home=home or default_home(), db_url=db, data_roots=tuple(data_root or ()),
                           max_upload_mb=max_upload_mb, max_active_runs=max_runs,
                           secure_cookies=True if secure_cookies else None)
        app = create_app(config)
        if not is_loopback(host):
            err_console.print(
                f"[yellow]warning:[/] listening on {host}: other machines can reach this server. "
                "Serve it behind HTTPS (a reverse proxy) so passwords and cookies are encrypted.")
        if app.state.store.count_users(role="admin", active_only=True) == 0:
            err_console.print(
                f"no admin yet: create one with `aiqm users create --admin --home {config.home}`")
        console.print(f"aiqm web application on http://{host}:{port}/ (home {config.home})")
        uvicorn.run(app, host=host, port=port, proxy_headers=True, forwarded_allow_ips="127.0.0.1",
                    log_level="info", server_header=False)
