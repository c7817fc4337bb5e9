"""The web application's store: users, API tokens, components and web runs.

It lives in the same database as the run store (one schema, migrated by the
same Alembic chain): SQLite in WAL mode by default, PostgreSQL by URL. Every
method runs in its own transaction and returns detached records
(:mod:`aiqm.storage.web_records`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from aiqm.exceptions import InputError, StoreError
from aiqm.storage._base_store import MigratedStore
from aiqm.storage._web_schema import (
    ApiTokenRow,
    ComponentRow,
    InventoryEntryRow,
    TestEntryRow,
    UserRow,
    WebRunRow,
    WebSettingRow,
)
from aiqm.storage.web_records import (
    ROLES,
    RUN_ACTIVE,
    RUN_STATUSES,
    ComponentRecord,
    InventoryEntry,
    TestEntry,
    TokenRecord,
    UserRecord,
    WebRunRecord,
)

__all__ = ["WebStore"]

R = TypeVar("R")


def _record(cls: type[R], row: Any) -> R:
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})  # type: ignore[arg-type]


def _now() -> datetime:
    return datetime.now(UTC)


class WebStore(MigratedStore):
    """Users, tokens, components (with inventories and tests) and web runs.

    Parameters
    ----------
    url : str or sqlalchemy.URL
        Database URL, e.g. ``sqlite:////srv/aiqm/aiqm.db`` or
        ``postgresql+psycopg://aiqm@db/aiqm``. The schema is migrated on open.

    Raises
    ------
    StoreError
        If the database cannot be opened or migrated.

    Examples
    --------
    >>> with WebStore("sqlite://") as store:
    ...     store.count_users()
    0
    """

    # -- users -----------------------------------------------------------------

    def count_users(self, role: str | None = None, *, active_only: bool = False) -> int:
        """Number of users (with ``role``, and active, when given)."""
        q = select(func.count()).select_from(UserRow)
        if role is not None:
            q = q.where(UserRow.role == role)
        if active_only:
            q = q.where(UserRow.active.is_(True))
        with self._session("count users") as s:
            return int(s.scalar(q) or 0)

    def create_user(self, username: str, password_hash: str, role: str) -> UserRecord:
        """Add a user; raises :class:`InputError` if the name is taken."""
        if role not in ROLES:
            raise InputError(f"role must be one of {', '.join(ROLES)}. Got {role!r} instead.")
        with self._session(f"create user {username!r}", write=True) as s:
            if s.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
                raise InputError(f"a user named {username!r} exists already; choose another name")
            row = UserRow(
                username=username, password_hash=password_hash, role=role, active=True,
                session_epoch=0, created_at=_now(), last_login_at=None,
            )
            s.add(row)
            s.flush()
            return _record(UserRecord, row)

    def get_user(self, user_id: int) -> UserRecord | None:
        """The user with this id, or None."""
        with self._session("read a user") as s:
            row = s.get(UserRow, user_id)
            return None if row is None else _record(UserRecord, row)

    def get_user_by_name(self, username: str) -> UserRecord | None:
        """The user with this name, or None."""
        with self._session("read a user") as s:
            row = s.scalars(select(UserRow).where(UserRow.username == username)).first()
            return None if row is None else _record(UserRecord, row)

    def list_users(self) -> list[UserRecord]:
        """Every user, by name."""
        with self._session("list users") as s:
            return [_record(UserRecord, r) for r in s.scalars(select(UserRow).order_by(UserRow.username))]

    def update_user(self, user_id: int, **changes: Any) -> UserRecord:
        """Change a user's ``role``, ``active``, ``password_hash``, ``last_login_at``;
        ``bump_epoch=True`` signs the user out of every session."""
        allowed = {"role", "active", "password_hash", "last_login_at"}
        bump = bool(changes.pop("bump_epoch", False))
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))} of a user")
        if "role" in changes and changes["role"] not in ROLES:
            raise InputError(f"role must be one of {', '.join(ROLES)}. Got {changes['role']!r} instead.")
        with self._session("update a user", write=True) as s:
            row = s.get(UserRow, user_id)
            if row is None:
                raise InputError(f"no user has the id {user_id}")
            for k, v in changes.items():
                setattr(row, k, v)
            if bump:
                row.session_epoch += 1
            s.flush()
            return _record(UserRecord, row)

    # -- API tokens --------------------------------------------------------------

    def add_token(self, user_id: int, name: str, token_hash: str, prefix: str) -> TokenRecord:
        """Store a token's hash for a user."""
        with self._session("create an API token", write=True) as s:
            row = ApiTokenRow(user_id=user_id, name=name, token_hash=token_hash, prefix=prefix,
                              created_at=_now(), last_used_at=None)
            s.add(row)
            s.flush()
            return _record(TokenRecord, row)

    def list_tokens(self, user_id: int) -> list[TokenRecord]:
        """A user's tokens, newest first."""
        with self._session("list API tokens") as s:
            rows = s.scalars(select(ApiTokenRow).where(ApiTokenRow.user_id == user_id)
                             .order_by(ApiTokenRow.id.desc()))
            return [_record(TokenRecord, r) for r in rows]

    def delete_token(self, user_id: int, token_id: int) -> bool:
        """Revoke a user's token; False when the user has no such token."""
        with self._session("revoke an API token", write=True) as s:
            res = s.execute(delete(ApiTokenRow).where(ApiTokenRow.id == token_id,
                                                      ApiTokenRow.user_id == user_id))
            return bool(getattr(res, "rowcount", 0))

    def user_for_token(self, token_hash: str) -> UserRecord | None:
        """The active user owning the token with this hash (and note its use), or None."""
        with self._session("check an API token", write=True) as s:
            tok = s.scalars(select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash)).first()
            if tok is None:
                return None
            user = s.get(UserRow, tok.user_id)
            if user is None or not user.active:
                return None
            now = _now()
            last = tok.last_used_at
            if last is None or (now - last).total_seconds() > 60:
                tok.last_used_at = now  # coarse, so polling clients do not write on every call
            return _record(UserRecord, user)

    # -- settings ----------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        """Settings changed by an admin (key → value)."""
        with self._session("read the settings") as s:
            return {r.key: r.value.get("value") for r in s.scalars(select(WebSettingRow))}

    def set_setting(self, key: str, value: Any) -> None:
        """Store one setting."""
        with self._session(f"change the setting {key!r}", write=True) as s:
            row = s.get(WebSettingRow, key)
            if row is None:
                s.add(WebSettingRow(key=key, value={"value": value}, updated_at=_now()))
            else:
                row.value, row.updated_at = {"value": value}, _now()

    # -- components ------------------------------------------------------------------

    def create_component(self, name: str, spec: dict[str, Any], settings: dict[str, Any]) -> ComponentRecord:
        """Add a component; raises :class:`InputError` if the name is taken."""
        with self._session(f"create component {name!r}", write=True) as s:
            self._check_component_name(s, name, None)
            now = _now()
            row = ComponentRow(name=name, spec=spec, settings=settings, created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            return _record(ComponentRecord, row)

    @staticmethod
    def _check_component_name(s: Session, name: str, own_id: int | None) -> None:
        other = s.scalar(select(ComponentRow.id).where(ComponentRow.name == name))
        if other is not None and other != own_id:
            raise InputError(f"a component named {name!r} exists already; choose another name")

    def update_component(
        self, component_id: int, *, spec: dict[str, Any] | None = None,
        settings: dict[str, Any] | None = None,
    ) -> ComponentRecord:
        """Replace a component's spec and/or settings."""
        with self._session("update a component", write=True) as s:
            row = self._component_row(s, component_id)
            if spec is not None:
                self._check_component_name(s, spec["name"], component_id)
                row.spec, row.name = spec, spec["name"]
            if settings is not None:
                row.settings = settings
            row.updated_at = _now()
            s.flush()
            return _record(ComponentRecord, row)

    @staticmethod
    def _component_row(s: Session, component_id: int) -> ComponentRow:
        row = s.get(ComponentRow, component_id)
        if row is None:
            raise InputError(f"no component has the id {component_id}")
        return row

    def get_component(self, component_id: int) -> ComponentRecord | None:
        """The component with this id, or None."""
        with self._session("read a component") as s:
            row = s.get(ComponentRow, component_id)
            return None if row is None else _record(ComponentRecord, row)

    def get_component_by_name(self, name: str) -> ComponentRecord | None:
        """The component with this name, or None."""
        with self._session("read a component") as s:
            row = s.scalars(select(ComponentRow).where(ComponentRow.name == name)).first()
            return None if row is None else _record(ComponentRecord, row)

    def list_components(self) -> list[ComponentRecord]:
        """Every component, by name."""
        with self._session("list components") as s:
            return [_record(ComponentRecord, r)
                    for r in s.scalars(select(ComponentRow).order_by(ComponentRow.name))]

    def delete_component(self, component_id: int) -> None:
        """Delete a component with its inventories, tests and web runs."""
        with self._session("delete a component", write=True) as s:
            s.delete(self._component_row(s, component_id))

    # -- inventories -------------------------------------------------------------------

    def save_inventory(self, component_id: int, name: str, **values: Any) -> InventoryEntry:
        """Add the inventory ``name`` of a component, or replace its fields.

        ``values`` are ``kind``, ``spec``, ``file``, ``digest``, ``size``, ``source``, ``label``.
        """
        with self._session(f"save inventory {name!r}", write=True) as s:
            self._component_row(s, component_id)
            row = s.scalars(select(InventoryEntryRow).where(
                InventoryEntryRow.component_id == component_id, InventoryEntryRow.name == name)).first()
            now = _now()
            if row is None:
                row = InventoryEntryRow(component_id=component_id, name=name, created_at=now,
                                        file=None, digest=None, size=None, source="none", label="")
                s.add(row)
            for k, v in values.items():
                setattr(row, k, v)
            row.updated_at = now
            s.flush()
            return _record(InventoryEntry, row)

    def list_inventories(self, component_id: int) -> list[InventoryEntry]:
        """A component's inventories, by name."""
        with self._session("list inventories") as s:
            rows = s.scalars(select(InventoryEntryRow).where(InventoryEntryRow.component_id == component_id)
                             .order_by(InventoryEntryRow.name))
            return [_record(InventoryEntry, r) for r in rows]

    def get_inventory(self, component_id: int, inventory_id: int) -> InventoryEntry | None:
        """An inventory of a component by id, or None."""
        with self._session("read an inventory") as s:
            row = s.get(InventoryEntryRow, inventory_id)
            if row is None or row.component_id != component_id:
                return None
            return _record(InventoryEntry, row)

    def delete_inventory(self, component_id: int, inventory_id: int) -> None:
        """Delete an inventory of a component."""
        with self._session("delete an inventory", write=True) as s:
            s.execute(delete(InventoryEntryRow).where(InventoryEntryRow.id == inventory_id,
                                                      InventoryEntryRow.component_id == component_id))

    # -- tests ---------------------------------------------------------------------------

    def save_test(self, component_id: int, spec: dict[str, Any], test_id: int | None = None) -> TestEntry:
        """Add a test (``test_id`` None, appended last) or replace one; names are unique."""
        name = spec["name"]
        with self._session(f"save test {name!r}", write=True) as s:
            self._component_row(s, component_id)
            other = s.scalar(select(TestEntryRow.id).where(
                TestEntryRow.component_id == component_id, TestEntryRow.name == name))
            if other is not None and other != test_id:
                raise InputError(f"the component has a test named {name!r} already; choose another name")
            now = _now()
            if test_id is None:
                last = s.scalar(select(func.max(TestEntryRow.position))
                                .where(TestEntryRow.component_id == component_id))
                row = TestEntryRow(component_id=component_id, position=(last or 0) + 1, created_at=now)
                s.add(row)
            else:
                found = s.get(TestEntryRow, test_id)
                if found is None or found.component_id != component_id:
                    raise InputError(f"the component has no test with the id {test_id}")
                row = found
            row.name, row.spec, row.updated_at = name, spec, now
            s.flush()
            return _record(TestEntry, row)

    def list_tests(self, component_id: int) -> list[TestEntry]:
        """A component's tests in order."""
        with self._session("list tests") as s:
            rows = s.scalars(select(TestEntryRow).where(TestEntryRow.component_id == component_id)
                             .order_by(TestEntryRow.position, TestEntryRow.id))
            return [_record(TestEntry, r) for r in rows]

    def get_test(self, component_id: int, test_id: int) -> TestEntry | None:
        """A test of a component by id, or None."""
        with self._session("read a test") as s:
            row = s.get(TestEntryRow, test_id)
            if row is None or row.component_id != component_id:
                return None
            return _record(TestEntry, row)

    def delete_test(self, component_id: int, test_id: int) -> None:
        """Delete a test of a component."""
        with self._session("delete a test", write=True) as s:
            s.execute(delete(TestEntryRow).where(TestEntryRow.id == test_id,
                                                 TestEntryRow.component_id == component_id))

    # -- web runs ----------------------------------------------------------------------

    def create_web_run(self, run_id: str, component_id: int, created_by: str,
                       resume_of: str | None = None) -> WebRunRecord:
        """Record a web run in state ``starting``."""
        with self._session("create a web run", write=True) as s:
            self._component_row(s, component_id)
            row = WebRunRow(id=run_id, component_id=component_id, run_id=None, resume_of=resume_of,
                            status="starting", pid=None, created_by=created_by, created_at=_now(),
                            started_at=None, finished_at=None, exit_code=None, error=None, counts=None)
            s.add(row)
            s.flush()
            return _record(WebRunRecord, row)

    def update_web_run(self, web_run_id: str, *, only_if_active: bool = False, **changes: Any) -> WebRunRecord | None:
        """Change fields of a web run; with ``only_if_active`` nothing changes once it ended.

        Returns the record, or None when ``only_if_active`` held it back.
        """
        if "status" in changes and changes["status"] not in RUN_STATUSES:
            raise ValueError(f"web run status must be one of {', '.join(RUN_STATUSES)}")
        with self._session("update a web run", write=True) as s:
            row = s.get(WebRunRow, web_run_id)
            if row is None:
                raise StoreError(f"no web run has the id {web_run_id!r}")
            if only_if_active and row.status not in RUN_ACTIVE:
                return None
            for k, v in changes.items():
                setattr(row, k, v)
            s.flush()
            return _record(WebRunRecord, row)

    def get_web_run(self, web_run_id: str) -> WebRunRecord | None:
        """The web run with this id, or None."""
        with self._session("read a web run") as s:
            row = s.get(WebRunRow, web_run_id)
            return None if row is None else _record(WebRunRecord, row)

    def list_web_runs(
        self, component_id: int | None = None, statuses: Sequence[str] = (), limit: int = 50,
    ) -> list[WebRunRecord]:
        """Web runs, newest first, of one component and/or in some states."""
        q = select(WebRunRow)
        if component_id is not None:
            q = q.where(WebRunRow.component_id == component_id)
        if statuses:
            q = q.where(WebRunRow.status.in_(list(statuses)))
        q = q.order_by(WebRunRow.created_at.desc(), WebRunRow.id.desc()).limit(limit)
        with self._session("list web runs") as s:
            return [_record(WebRunRecord, r) for r in s.scalars(q)]
