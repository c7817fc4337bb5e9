"""The SQLAlchemy implementation of :class:`~aiqm.storage.protocol.RunStore`.

SQLite (in WAL mode) is the default, one database per project at
``.aiqm/aiqm.db``; PostgreSQL works by URL. The schema is created and upgraded
only by the Alembic migrations shipped in ``aiqm/storage/migrations``, which
run when a store is opened and the database is not at the latest revision.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy import URL, Engine, create_engine, delete, event, func, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from aiqm.core.results import RunRecord, Status, TDResult
from aiqm.exceptions import StoreError
from aiqm.storage._schema import ArtifactRow, InventoryRow, RunRow, TDResultRow, as_utc
from aiqm.storage.artifacts import ArtifactStore, check_digest

__all__ = ["SqlRunStore", "open_project_store"]

MIGRATIONS_DIR: Final = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_S: float = 10  # seconds a connection waits for a lock before failing
MIN_PREFIX: Final = 4
RUN_STATUSES: Final = ("running", "finished", "interrupted")
_UNFINISHED: Final = ("running", "interrupted")
_REUSABLE: Final = (Status.OK.value, Status.NG.value)
_WRITE: Final = "aiqm_write"  # execution option: take the write lock at BEGIN
_PG_MIGRATION_LOCK: Final = 0x61697161  # advisory lock key ("aiqa") serialising migrations
_HINT_RUNS: Final = "list the runs with `aiqm runs`"


# -- engine setup ------------------------------------------------------------


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Configure every new SQLite connection: own transactions, timeouts, WAL, FKs."""
    dbapi_connection.isolation_level = None  # BEGIN is emitted by _sqlite_on_begin
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    """Start SQLite transactions; writers take the lock up front (``BEGIN IMMEDIATE``).

    A deferred transaction that reads and then writes cannot wait for a busy
    lock, so writing transactions ask for it at once and wait up to the busy
    timeout instead of failing.
    """
    write = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _is_sqlite_memory(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or url.query.get("mode") == "memory"


def _describe(url: URL) -> str:
    """Where the store is, for messages (no password)."""
    if url.get_backend_name() == "sqlite":
        return "an in-memory SQLite database" if _is_sqlite_memory(url) else str(url.database)
    return url.render_as_string(hide_password=True)


@functools.cache
def _head_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """Return (head revisions, every known revision) of the packaged migrations."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    known = frozenset(rev.revision for rev in script.walk_revisions())
    return frozenset(script.get_heads()), known


# -- the store ---------------------------------------------------------------


class SqlRunStore:
    """A run store on SQLAlchemy 2 (SQLite by default, PostgreSQL by URL).

    Opening migrates the database to the latest schema if needed. The store is
    safe to use from several threads and processes at once.

    Parameters
    ----------
    url : str or sqlalchemy.URL
        Database URL, e.g. ``sqlite:////abs/path/aiqm.db``, ``sqlite://``
        (in memory, for tests) or ``postgresql+psycopg://user@host/db``.

    Raises
    ------
    StoreError
        If the database cannot be opened or migrated.

    Examples
    --------
    >>> store = SqlRunStore("sqlite://")
    >>> store.list_runs()
    []
    >>> store.close()
    """

    def __init__(self, url: str | URL) -> None:
        try:
            parsed = make_url(url)
        except sa_exc.ArgumentError as exc:
            raise StoreError(f"invalid database URL {url!r}: {exc}") from exc
        self.location = _describe(parsed)
        self._url = parsed
        self._closed = False
        self._engine = self._create_engine(parsed)
        self._write_engine = self._engine.execution_options(**{_WRITE: True})
        try:
            self._migrate()
        except BaseException:
            self._engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"SqlRunStore({self.location!r})"

    def __enter__(self) -> SqlRunStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- opening -------------------------------------------------------------

    def _create_engine(self, url: URL) -> Engine:
        kwargs: dict[str, Any] = {}
        sqlite = url.get_backend_name() == "sqlite"
        if sqlite and _is_sqlite_memory(url):
            # One shared connection, or every checkout would see a new empty database.
            kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        elif not sqlite:
            kwargs = {"pool_pre_ping": True}
        try:
            engine = create_engine(url, **kwargs)
        except (ImportError, sa_exc.ArgumentError) as exc:
            raise StoreError(
                f"cannot open the run store at {self.location}: {exc}; check the URL "
                "and install the database driver it names"
            ) from exc
        if sqlite:
            event.listen(engine, "connect", _sqlite_on_connect)
            event.listen(engine, "begin", _sqlite_on_begin)
        return engine

    def _migrate(self) -> None:
        """Upgrade the schema to the packaged head revision unless it is there already."""
        heads, known = _head_revisions()
        with self._errors("open"):
            with self._engine.connect() as conn, conn.begin():
                current = set(MigrationContext.configure(conn).get_current_heads())
            if current == heads:
                return
            with self._write_engine.connect() as conn, conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                    )
                current = set(MigrationContext.configure(conn).get_current_heads())
                if current - known:
                    raise StoreError(
                        f"the run store at {self.location} has schema revision "
                        f"{', '.join(sorted(current - known))}, made by a newer aiqm; "
                        "upgrade aiqm (pip install -U aiqm) to use it"
                    )
                if current != heads:
                    cfg = Config()
                    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
                    url = self._url.render_as_string(hide_password=False)
                    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")

    # -- transactions and errors ---------------------------------------------

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn database errors into :class:`StoreError` with a readable message."""
        try:
            yield
        except StoreError:
            raise
        except sa_exc.SQLAlchemyError as exc:
            raise StoreError(self._explain(exc, action)) from exc

    def _explain(self, exc: sa_exc.SQLAlchemyError, action: str) -> str:
        orig = getattr(exc, "orig", None) or exc
        detail = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        lowered = detail.lower()
        if "file is not a database" in lowered or "malformed" in lowered:
            return (
                f"cannot open the run store at {self.location}: {detail}. Move it aside "
                "(e.g. rename it to aiqm.db.broken) and re-run; aiqm creates a new, empty store"
            )
        if "database is locked" in lowered or "database table is locked" in lowered:
            return (
                f"cannot {action}: the run store at {self.location} stayed locked by another "
                f"process for {BUSY_TIMEOUT_S} s; wait for the other aiqm command to finish "
                "(or stop it) and retry"
            )
        if "unable to open database file" in lowered or "readonly database" in lowered:
            return (
                f"cannot {action}: the run store at {self.location} cannot be opened for "
                f"writing ({detail}); check that its folder exists and is writable"
            )
        return f"cannot {action} in the run store at {self.location}: {detail}"

    @contextlib.contextmanager
    def _session(self, action: str, *, write: bool = False) -> Iterator[Session]:
        """Yield a session inside one transaction, committed on success."""
        if self._closed:
            raise StoreError(f"cannot {action}: the run store at {self.location} is closed")
        engine = self._write_engine if write else self._engine
        with (
            self._errors(action),
            Session(engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    # -- runs ----------------------------------------------------------------

    def create_run(self, run: RunRecord) -> None:
        data = run.model_dump(mode="json")
        row = RunRow(
            id=run.id,
            project_dir=run.project_dir,
            component=run.component,
            status=run.status,
            executor=run.executor,
            created_at=run.created_at,
            finished_at=run.finished_at,
            config=data["config"],
            environment=data["environment"],
            inventories=data["inventories"],
        )
        with self._session(f"create run {run.id}", write=True) as session:
            if session.get(RunRow, run.id) is not None:
                raise StoreError(f"cannot create run {run.id}: a run with this id already exists")
            session.add(row)

    def set_run_status(
        self,
        run_id: str,
        status: str,
        finished_at: datetime | None = None,
    ) -> None:
        if status not in RUN_STATUSES:
            raise ValueError(
                f"run status must be one of {', '.join(RUN_STATUSES)}. Got {status!r} instead."
            )
        with self._session(f"set the status of run {run_id}", write=True) as session:
            row = session.get(RunRow, run_id)
            if row is None:
                raise StoreError(
                    f"cannot set the status of run {run_id!r}: no such run; {_HINT_RUNS}"
                )
            row.status = status
            if finished_at is not None:
                row.finished_at = finished_at

    def get_run(self, ref: str) -> RunRecord:
        ref = ref.strip() if isinstance(ref, str) else ""
        if not ref:
            raise StoreError(
                f"no run given: pass a run id, a prefix of one or 'latest'; {_HINT_RUNS}"
            )
        with self._session(f"look up run {ref}") as session:
            if ref == "latest":
                row = session.scalars(
                    select(RunRow).order_by(RunRow.created_at.desc(), RunRow.id.desc()).limit(1)
                ).first()
                if row is None:
                    raise StoreError(
                        f"there are no runs in the run store at {self.location} yet; "
                        "start one with `aiqm run`"
                    )
                return _run_record(row)
            row = session.get(RunRow, ref)
            if row is not None:
                return _run_record(row)
            if len(ref) < MIN_PREFIX:
                raise StoreError(
                    f"no run has the id {ref!r}, and a prefix must be at least {MIN_PREFIX} "
                    f"characters long; {_HINT_RUNS}"
                )
            # substr() rather than LIKE: exact, case-sensitive and free of wildcards everywhere.
            matches = session.scalars(
                select(RunRow)
                .where(func.substr(RunRow.id, 1, len(ref)) == ref)
                .order_by(RunRow.created_at.desc())
                .limit(6)
            ).all()
        if not matches:
            raise StoreError(f"no run matches {ref!r}; {_HINT_RUNS}")
        if len(matches) > 1:
            shown = ", ".join(m.id for m in matches[:5]) + (", …" if len(matches) > 5 else "")
            raise StoreError(
                f"run prefix {ref!r} is ambiguous: it matches {shown}; give more characters "
                f"of the id ({_HINT_RUNS})"
            )
        return _run_record(matches[0])

    def list_runs(self, limit: int = 50) -> list[tuple[RunRecord, dict[str, int]]]:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a positive integer. Got {limit!r} instead.")
        with self._session("list runs") as session:
            rows = session.scalars(
                select(RunRow).order_by(RunRow.created_at.desc(), RunRow.id.desc()).limit(limit)
            ).all()
            counts: dict[str, dict[str, int]] = {
                row.id: {s.value: 0 for s in Status} for row in rows
            }
            if rows:
                grouped = session.execute(
                    select(TDResultRow.run_id, TDResultRow.status, func.count())
                    .where(TDResultRow.run_id.in_(list(counts)))
                    .group_by(TDResultRow.run_id, TDResultRow.status)
                )
                for run_id, status, n in grouped:
                    counts[run_id][status] = n
        return [(_run_record(row), counts[row.id]) for row in rows]

    def latest_unfinished_run(self, project_dir: str) -> RunRecord | None:
        with self._session("look for an unfinished run") as session:
            row = session.scalars(
                select(RunRow)
                .where(RunRow.project_dir == project_dir, RunRow.status.in_(_UNFINISHED))
                .order_by(RunRow.created_at.desc(), RunRow.id.desc())
                .limit(1)
            ).first()
        return None if row is None else _run_record(row)

    # -- results -------------------------------------------------------------

    def save_result(self, run_id: str, result: TDResult, td_index: int) -> None:
        payload = _result_payload(result)
        action = f"save the result of {result.td_name!r} in run {run_id}"
        with self._session(action, write=True) as session:
            if session.scalar(select(RunRow.id).where(RunRow.id == run_id)) is None:
                raise StoreError(f"cannot {action}: no such run; create it first")
            session.execute(
                delete(TDResultRow).where(
                    TDResultRow.run_id == run_id, TDResultRow.td_name == result.td_name
                )
            )
            session.add(
                TDResultRow(
                    run_id=run_id,
                    td_name=result.td_name,
                    td_index=td_index,
                    characteristic=result.characteristic,
                    ait_id=result.ait_id,
                    ait_version=result.ait_version,
                    status=result.status.value,
                    cache_key=result.cache_key,
                    cached_from=result.cached_from,
                    payload=payload,
                    started_at=result.started_at,
                    finished_at=result.finished_at,
                    duration_s=result.duration_s,
                )
            )

    def results(self, run_id: str) -> list[TDResult]:
        with self._session(f"read the results of run {run_id}") as session:
            if session.scalar(select(RunRow.id).where(RunRow.id == run_id)) is None:
                raise StoreError(f"no run has the id {run_id!r}; {_HINT_RUNS}")
            payloads = session.scalars(
                select(TDResultRow.payload)
                .where(TDResultRow.run_id == run_id)
                .order_by(TDResultRow.td_index, TDResultRow.id)
            ).all()
        return [_td_result(p, run_id) for p in payloads]

    def find_cached(self, cache_key: str) -> TDResult | None:
        if not cache_key:
            return None
        with self._session("look up a cached result") as session:
            found = session.execute(
                select(TDResultRow.payload, TDResultRow.run_id, TDResultRow.cached_from)
                .where(TDResultRow.cache_key == cache_key, TDResultRow.status.in_(_REUSABLE))
                .order_by(TDResultRow.id.desc())
                .limit(1)
            ).first()
        if found is None:
            return None
        payload, run_id, cached_from = found
        result = _td_result(payload, run_id)
        result.cached_from = cached_from or run_id
        return result

    # -- inventories and artifacts -------------------------------------------

    def registered_inventories(self) -> dict[str, dict[str, Any]]:
        with self._session("read the registered inventories") as session:
            rows = session.scalars(select(InventoryRow).order_by(InventoryRow.name)).all()
        return {
            row.name: {
                "kind": row.kind,
                "path": row.path,
                "digest": row.digest,
                "registered_at": row.registered_at,
                "updated_at": row.updated_at,
            }
            for row in rows
        }

    def register_inventory(self, name: str, kind: str, path: str, digest: str) -> None:
        now = datetime.now(UTC)
        with self._session(f"register inventory {name!r}", write=True) as session:
            row = session.get(InventoryRow, name)
            if row is None:
                session.add(
                    InventoryRow(
                        name=name,
                        kind=kind,
                        path=path,
                        digest=digest,
                        registered_at=now,
                        updated_at=now,
                    )
                )
            elif (row.kind, row.path, row.digest) != (kind, path, digest):
                row.kind, row.path, row.digest, row.updated_at = kind, path, digest, now

    def record_artifact(self, digest: str, size: int, media_type: str) -> None:
        check_digest(digest)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValueError(f"artifact size must be a non-negative integer. Got {size!r} instead.")
        with self._session(f"record artifact {digest}", write=True) as session:
            if session.get(ArtifactRow, digest) is None:
                session.add(
                    ArtifactRow(
                        digest=digest,
                        size=size,
                        media_type=media_type,
                        created_at=datetime.now(UTC),
                    )
                )

    def close(self) -> None:
        self._closed = True
        self._engine.dispose()


# -- conversions ---------------------------------------------------------------


def _run_record(row: RunRow) -> RunRecord:
    return RunRecord.model_validate(
        {
            "id": row.id,
            "project_dir": row.project_dir,
            "component": row.component,
            "status": row.status,
            "executor": row.executor,
            "created_at": row.created_at,
            "finished_at": row.finished_at,
            "config": row.config,
            "environment": row.environment,
            "inventories": row.inventories,
        }
    )


def _result_payload(result: TDResult) -> dict[str, Any]:
    """The result as a JSON document, its timestamps in UTC."""
    times = {
        key: as_utc(value)
        for key in ("started_at", "finished_at")
        if (value := getattr(result, key)) is not None
    }
    try:
        return result.model_copy(update=times).model_dump(mode="json")
    except ValueError as exc:  # pydantic's serialisation errors are ValueErrors
        raise StoreError(
            f"cannot store the result of {result.td_name!r}: it does not serialise to JSON "
            f"({exc}); parameters and measures must be JSON values"
        ) from exc


def _td_result(payload: dict[str, Any], run_id: str) -> TDResult:
    try:
        return TDResult.model_validate(payload)
    except ValidationError as exc:
        raise StoreError(
            f"a stored result of run {run_id} no longer validates ({exc.error_count()} "
            "errors); it was written by an incompatible aiqm version"
        ) from exc


def open_project_store(project_dir: Path) -> tuple[SqlRunStore, ArtifactStore]:
    """Open (creating if needed) the run store and artifact store of a project.

    Creates ``<project>/.aiqm/`` with ``store/`` and ``cache/``; the database is
    ``.aiqm/aiqm.db`` (SQLite, WAL mode).

    Parameters
    ----------
    project_dir : Path
        The project folder (the one holding ``aiqm.yaml``).

    Returns
    -------
    tuple of (SqlRunStore, ArtifactStore)
        The run store and the artifact store at ``.aiqm/store``.

    Raises
    ------
    StoreError
        If the folders cannot be created or the database cannot be opened.
    """
    base = Path(project_dir) / ".aiqm"
    try:
        for folder in (base, base / "store", base / "cache"):
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the project state folder {base}: {exc.strerror or exc}; "
            "check that the project folder is writable"
        ) from exc
    url = URL.create("sqlite", database=str((base / "aiqm.db").absolute()))
    return SqlRunStore(url), ArtifactStore(base / "store")
