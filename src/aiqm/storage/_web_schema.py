"""SQLAlchemy tables of the web application: users, API tokens, components and web runs.

The tables are declared on the run store's metadata (:class:`aiqm.storage._schema.Base`),
so one database holds both and Alembic compares them together. They are created
only by the migration ``0002_web``; a test checks that the two agree.

A *component* is the database form of a project file: its inventories and test
descriptions are rows here, and :mod:`aiqm.services.components` writes them out
as ``aiqm.yaml`` (to export, or to run them through the same engine path as the CLI).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from aiqm.storage._schema import Base

__all__ = [
    "ApiTokenRow",
    "ComponentRow",
    "InventoryEntryRow",
    "TestEntryRow",
    "UserRow",
    "WebRunRow",
    "WebSettingRow",
]


class UserRow(Base):
    """A person who signs in to the web application."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean)
    #: Raised to sign the user out everywhere (password change, deactivation).
    session_epoch: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class ApiTokenRow(Base):
    """A per-user token for ``/api/``; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]


class ComponentRow(Base):
    """An ML component: the ``component`` and ``settings`` sections of a project file."""

    __tablename__ = "components"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    #: The ``component`` section (name, task, guideline, levels, description …).
    spec: Mapped[dict[str, Any]]
    #: The ``settings`` section.
    settings: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class InventoryEntryRow(Base):
    """An inventory of a component; an uploaded or linked file is stored by digest."""

    __tablename__ = "component_inventories"
    __table_args__ = (UniqueConstraint("component_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    component_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("components.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    #: The inventory's fields as in ``aiqm.yaml``, without ``path`` and ``digest``.
    spec: Mapped[dict[str, Any]]
    #: Path of the stored file relative to the component folder (None: no file yet).
    file: Mapped[str | None] = mapped_column(String(255))
    digest: Mapped[str | None] = mapped_column(String(80))
    size: Mapped[int | None] = mapped_column(BigInteger)
    #: ``upload``, ``path``, ``import`` or ``none``.
    source: Mapped[str] = mapped_column(String(16))
    #: For display only: the uploaded file's name or the data-root path it came from.
    label: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TestEntryRow(Base):
    """A test description of a component, stored as its ``aiqm.yaml`` mapping."""

    __tablename__ = "component_tests"
    __table_args__ = (UniqueConstraint("component_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    component_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("components.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebRunRow(Base):
    """A run started from the web application and the worker process executing it."""

    __tablename__ = "web_runs"
    __table_args__ = (Index(None, "component_id", "created_at"), Index(None, "status"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    component_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("components.id", ondelete="CASCADE")
    )
    #: The engine's run id, known once the run is planned.
    run_id: Mapped[str | None] = mapped_column(String(255))
    #: The engine run this one resumes, if any.
    resume_of: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    pid: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    exit_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[dict[str, Any] | None]


class WebSettingRow(Base):
    """An application setting changed by an admin (upload limit, concurrent runs …)."""

    __tablename__ = "web_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
