"""Opening a project's store for reading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiqm.core.project import PROJECT_FILE
from aiqm.exceptions import InputError

__all__ = ["open_existing_store"]


def open_existing_store(directory: str | Path) -> tuple[Any, Any]:
    """Open the run store of an existing project (``.aiqm/aiqm.db``) without creating one."""
    from aiqm.storage import open_project_store

    d = Path(directory).resolve()
    if d.is_file() and d.name == PROJECT_FILE:
        d = d.parent
    if not (d / ".aiqm" / "aiqm.db").exists():
        raise InputError(
            f"no runs are stored in {d}; run `aiqm run {d}` first (or pass the project folder "
            "with --project)"
        )
    return open_project_store(d)
