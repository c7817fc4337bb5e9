"""Opening a project's stores."""

from __future__ import annotations

from pathlib import Path

from aiqm import storage
from aiqm.core.project import PROJECT_FILE
from aiqm.exceptions import InputError
from aiqm.storage.protocol import ArtifactStoreProtocol, RunStore

__all__ = ["open_existing_store", "open_store"]


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
