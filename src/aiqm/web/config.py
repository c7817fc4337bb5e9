"""Configuration of the web application and its home folder.

The home folder holds the database (``aiqm.db``, unless a URL is given), the
session key (``secret.key``, generated on first start, mode 0600), the
components' project folders and the web runs' event logs::

    <home>/aiqm.db
    <home>/secret.key
    <home>/components/<id>/aiqm.yaml, inputs/<digest>.<suffix>, .aiqm/
    <home>/web-runs/<id>/events.jsonl, worker.log
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from aiqm.exceptions import InputError

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "WebConfig", "default_home", "load_secret_key"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
_SECRET_FILE = "secret.key"


def default_home() -> Path:
    """``$XDG_DATA_HOME/aiqm/web`` (``~/.local/share/aiqm/web``): outside any project or repository."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aiqm" / "web"


@dataclass
class WebConfig:
    """Settings of one web application instance.

    Parameters
    ----------
    home : Path
        Folder for the database, session key, component folders and run logs.
    db_url : str, default=None
        Database URL; None means SQLite at ``<home>/aiqm.db``. PostgreSQL:
        ``postgresql+psycopg://user@host/db``.
    data_roots : tuple of Path, default=()
        Folders from which inventories may be registered (and projects imported) by path.
    max_upload_mb : int, default=200
        Largest upload accepted; an admin can change it in the settings page.
    max_active_runs : int, default=2
        Runs in flight at once; an admin can change it in the settings page.
    session_hours : float, default=12
        How long a sign-in lasts.
    secure_cookies : bool or None, default=None
        Mark cookies ``Secure``; None decides per request (``Secure`` under HTTPS).
    """

    home: Path
    db_url: str | None = None
    data_roots: tuple[Path, ...] = field(default_factory=tuple)
    max_upload_mb: int = 200
    max_active_runs: int = 2
    session_hours: float = 12.0
    secure_cookies: bool | None = None

    def __post_init__(self) -> None:
        self.home = Path(self.home).expanduser().absolute()
        self.data_roots = tuple(Path(r).expanduser().resolve() for r in self.data_roots)
        for root in self.data_roots:
            if not root.is_dir():
                raise InputError(f"data root {root} is not a folder; create it or fix --data-root")
        if self.max_upload_mb < 1:
            raise InputError(f"the upload limit must be at least 1 MB. Got {self.max_upload_mb} instead.")

    @property
    def database_url(self) -> str:
        """The database URL (SQLite in the home folder unless ``db_url`` is set)."""
        from sqlalchemy import URL  # lazy: SQLAlchemy is heavy; `aiqm users` loads this first

        if self.db_url:
            return self.db_url
        return URL.create("sqlite", database=str(self.home / "aiqm.db")).render_as_string()

    def prepare(self) -> None:
        """Create the home folder (private to this user)."""
        self.home.mkdir(parents=True, exist_ok=True)
        for sub in ("components", "web-runs"):
            (self.home / sub).mkdir(exist_ok=True)


def load_secret_key(home: Path) -> bytes:
    """Return the session key in ``<home>/secret.key``, creating it (mode 0600) on first use.

    Raises
    ------
    InputError
        When the key file can be read by other users, or is too short.
    """
    path = Path(home) / _SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fd = -1
    if fd >= 0:
        key = secrets.token_bytes(32)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise InputError(f"{path} can be read by other users (mode {mode:o}); run `chmod 600 {path}`")
    key = path.read_bytes()
    if len(key) < 32:
        raise InputError(f"{path} is shorter than 32 bytes; delete it and restart to make a new one")
    return key
