"""Options shared by `aiqm serve` and `aiqm users`: where the web application keeps its data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from aiqm.services import store as services_store
from aiqm.web.config import WebConfig, default_home

if TYPE_CHECKING:
    from aiqm.services.store import WebStore

__all__ = ["DbOption", "HomeOption", "open_web_store"]

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", envvar="AIQM_WEB_HOME", show_default="~/.local/share/aiqm/web",
                 help="Folder of the web application's database, session key and component folders."),
]
DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="AIQM_WEB_DB_URL",
                 help="Database URL (default: SQLite in the home folder), e.g. postgresql+psycopg://u@h/db."),
]


def open_web_store(home: Path | None, db: str | None) -> WebStore:
    """Open the web store of a home folder (created if needed)."""
    config = WebConfig(home=home or default_home(), db_url=db)
    config.prepare()
    return services_store.open_web_store(config.database_url)
