"""Engines for the run store: SQLite settings, migrations on open, readable errors."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import StaticPool

from aiqm.exceptions import StoreError

__all__ = [
    "BUSY_TIMEOUT_S",
    "MIGRATIONS_DIR",
    "WRITE_OPTION",
    "create_store_engine",
    "database_errors",
    "describe",
    "migrate",
]

#: The Alembic script directory shipped in the package.
MIGRATIONS_DIR: Final = Path(__file__).with_name("migrations")
#: Seconds an SQLite connection waits for another one's lock before failing.
BUSY_TIMEOUT_S: float = 10
#: Execution option marking a connection whose transactions write (SQLite: ``BEGIN IMMEDIATE``).
WRITE_OPTION: Final = "aiqm_write"
_PG_MIGRATION_LOCK: Final = 0x61697161  # advisory lock key serialising concurrent migrations


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Configure every new SQLite connection: own transactions, timeout, foreign keys, WAL."""
    dbapi_connection.isolation_level = None  # BEGIN is emitted by _sqlite_on_begin
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # safe in WAL mode (no corruption); only the last commits may be lost on power failure
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    """Start SQLite transactions; writers take the lock up front (``BEGIN IMMEDIATE``).

    A deferred transaction that reads and then writes cannot wait for a lock
    another connection holds (SQLite fails it at once), so writing transactions
    ask for the lock when they begin and wait up to the busy timeout instead.
    """
    write = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _is_sqlite_memory(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or url.query.get("mode") == "memory"


def describe(url: URL) -> str:
    """Say where a store is, for messages (a file path, or the URL without its password).

    Parameters
    ----------
    url : sqlalchemy.URL
        The database URL.

    Returns
    -------
    str
        A short description.
    """
    if url.get_backend_name() == "sqlite":
        return "an in-memory SQLite database" if _is_sqlite_memory(url) else str(url.database)
    return url.render_as_string(hide_password=True)


def create_store_engine(url: URL) -> Engine:
    """Create the engine for a store; SQLite connections get WAL, FKs and a busy timeout.

    Parameters
    ----------
    url : sqlalchemy.URL
        The database URL.

    Returns
    -------
    Engine
        The engine; derive writers with ``engine.execution_options(aiqm_write=True)``.

    Raises
    ------
    StoreError
        If the URL names an unknown dialect or a driver that is not installed.
    """
    kwargs: dict[str, Any] = {}
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite and _is_sqlite_memory(url):
        # One shared connection, or every checkout would see a new, empty database.
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    elif not sqlite:
        kwargs = {"pool_pre_ping": True}
    try:
        engine = create_engine(url, **kwargs)
    except (ImportError, sa_exc.ArgumentError) as exc:
        raise StoreError(
            f"cannot open the run store at {describe(url)}: {exc}; check the URL "
            "and install the database driver it names"
        ) from exc
    if sqlite:
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


@functools.cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """Return (head revisions, every known revision) of the packaged migrations."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    known = frozenset(rev.revision for rev in script.walk_revisions())
    return frozenset(script.get_heads()), known


def migrate(engine: Engine) -> None:
    """Upgrade the database to the packaged head revision, unless it is there already.

    The check is one read; only a database behind the head takes the write lock
    (and, on PostgreSQL, an advisory lock) and runs ``alembic upgrade head`` on
    that same connection, so concurrent openers migrate once.

    Parameters
    ----------
    engine : Engine
        An engine from :func:`create_store_engine`.

    Raises
    ------
    StoreError
        If the database cannot be read or migrated, or was made by a newer aiqm.
    """
    heads, known = _revisions()
    location = describe(engine.url)
    with database_errors("open the store", location):
        with engine.connect() as conn, conn.begin():
            current = set(MigrationContext.configure(conn).get_current_heads())
        if current == heads:
            return
        with engine.execution_options(**{WRITE_OPTION: True}).connect() as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            current = set(MigrationContext.configure(conn).get_current_heads())
            if current - known:
                raise StoreError(
                    f"the run store at {location} has schema revision "
                    f"{', '.join(sorted(current - known))}, made by a newer aiqm; "
                    "upgrade aiqm (pip install -U aiqm) to use it"
                )
            if current != heads:
                cfg = Config()
                cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
                url = engine.url.render_as_string(hide_password=False)
                cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")


@contextlib.contextmanager
def database_errors(action: str, location: str) -> Iterator[None]:
    """Turn SQLAlchemy errors raised inside the block into a readable :class:`StoreError`.

    Parameters
    ----------
    action : str
        What was being done, completing "cannot …".
    location : str
        Where the store is (see :func:`describe`).
    """
    try:
        yield
    except sa_exc.SQLAlchemyError as exc:
        raise StoreError(_explain(exc, action, location)) from exc


def _explain(exc: sa_exc.SQLAlchemyError, action: str, location: str) -> str:
    orig = getattr(exc, "orig", None) or exc
    text_ = str(orig).strip()
    detail = text_.splitlines()[0] if text_ else type(orig).__name__
    lowered = detail.lower()
    if "file is not a database" in lowered or "malformed" in lowered:
        return (
            f"cannot open the run store at {location}: {detail}. Move it aside "
            "(e.g. rename it to aiqm.db.broken) and re-run; aiqm creates a new, empty store"
        )
    if "database is locked" in lowered or "database table is locked" in lowered:
        return (
            f"cannot {action}: the run store at {location} stayed locked by another "
            f"process for {BUSY_TIMEOUT_S:g} s; wait for the other aiqm command to finish "
            "(or stop it) and retry"
        )
    if "unable to open database file" in lowered or "readonly database" in lowered:
        return (
            f"cannot {action}: the run store at {location} cannot be opened for "
            f"writing ({detail}); check that its folder exists and is writable"
        )
    return f"cannot {action} in the run store at {location}: {detail}"
