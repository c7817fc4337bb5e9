"""Opening a project's stores."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aiqm import storage
from aiqm.core.project import PROJECT_FILE
from aiqm.exceptions import InputError
from aiqm.storage.protocol import ArtifactStoreProtocol, RunStore

if TYPE_CHECKING:
    from aiqm.storage.web_store import WebStore

__all__ = [
    "ArtifactStoreProtocol",
    "RunStore",
    "WebStore",
    "open_existing_store",
    "open_store",
    "open_web_store",
]


def open_store(project_dir: str | Path) -> tuple[RunStore, ArtifactStoreProtocol]:
    """Open (creating if needed) the run store and the artifact store of a project folder."""
    return storage.open_project_store(Path(project_dir))


def open_existing_store(directory: str | Path) -> tuple[RunStore, ArtifactStoreProtocol]:
    """Open the run store of an existing project (``.aiqm/aiqm.db``) without creating one.

    Raises
    ------
    InputError
        When the folder has no stored runs.
    """
    d = Path(directory).resolve()
    if d.is_file() and d.name == PROJECT_FILE:
        d = d.parent
    if not (d / ".aiqm" / "aiqm.db").exists():
        raise InputError(
            f"no runs are stored in {d}; run `aiqm run {d}` first (or pass the project folder "
            "with --project)"
        )
    return storage.open_project_store(d)


def open_web_store(database_url: str) -> WebStore:
    """Open (creating and migrating if needed) the web application's store at a database URL.

    Examples
    --------
    >>> store = open_web_store("sqlite://")  # in memory
    >>> store.count_users()
    0
    >>> store.close()
    """
    return storage.WebStore(database_url)
