"""The SQLAlchemy implementation of :class:`~aiqm.storage.protocol.RunStore`.

SQLite (in WAL mode) is the default, one database per project at
``.aiqm/aiqm.db``; PostgreSQL works by URL. The schema is created and upgraded
only by the Alembic migrations shipped in ``aiqm/storage/migrations``, which
run when a store is opened and the database is not at the latest revision.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError
from sqlalchemy import URL, delete, func, select

from aiqm.core.results import RunRecord, Status, TDResult
from aiqm.exceptions import InvalidValueError, StoreError
from aiqm.storage._base_store import MigratedStore
from aiqm.storage._schema import ArtifactRow, InventoryRow, RunRow, TDResultRow, as_utc
from aiqm.storage.artifacts import ArtifactStore, check_digest

__all__ = ["SqlRunStore", "open_project_store"]

MIN_PREFIX: Final = 4
RUN_STATUSES: Final = ("running", "finished", "interrupted")
_UNFINISHED: Final = ("running", "interrupted")
_REUSABLE: Final = (Status.OK.value, Status.NG.value)
_HINT_RUNS: Final = "list the runs with `aiqm runs`"


# -- the store ---------------------------------------------------------------


class SqlRunStore(MigratedStore):
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

    kind = "run store"

    # -- runs ----------------------------------------------------------------

    def create_run(self, run: RunRecord) -> None:
        """Record a new run; see :meth:`RunStore.create_run`."""
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
        """Change a run's status; see :meth:`RunStore.set_run_status`."""
        if status not in RUN_STATUSES:
            raise InvalidValueError(
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
        """Return the run named by an id, a unique prefix or ``latest``; see :class:`RunStore`."""
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
        """Return recent runs with status counts; see :meth:`RunStore.list_runs`."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidValueError(f"limit must be a positive integer. Got {limit!r} instead.")
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
        """Return the run to resume, if any; see :meth:`RunStore.latest_unfinished_run`."""
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
        """Store (or replace) one TD result, committed at once; see :class:`RunStore`."""
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
        """Return a run's results in TD order; see :meth:`RunStore.results`."""
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
        """Return the latest OK/NG result with this cache key; see :class:`RunStore`."""
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
        """Return the inventory registry; see :meth:`RunStore.registered_inventories`."""
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
        """Register or update an inventory; see :meth:`RunStore.register_inventory`."""
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
        """Record an artifact unless known; see :meth:`RunStore.record_artifact`."""
        check_digest(digest)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise InvalidValueError(
                f"artifact size must be a non-negative integer. Got {size!r} instead."
            )
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
