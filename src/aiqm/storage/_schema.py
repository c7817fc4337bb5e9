"""SQLAlchemy declarative tables of the run store.

This module describes the schema for queries and for Alembic's autogenerate;
the database itself is created and changed only by the migrations in
``aiqm/storage/migrations/versions``. A test checks that the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = [
    "ArtifactRow",
    "Base",
    "InventoryRow",
    "JSONType",
    "RunRow",
    "TDResultRow",
    "UTCDateTime",
    "as_utc",
]

#: Constraint names are derived from these patterns, so migrations name them identically.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON documents; JSONB on PostgreSQL.
JSONType: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")


def as_utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime; a naive value is taken to be UTC.

    Parameters
    ----------
    value : datetime
        Aware or naive datetime.

    Returns
    -------
    datetime
        The same instant with ``tzinfo=UTC``.

    Examples
    --------
    >>> as_utc(datetime(2024, 1, 1, 12)).isoformat()
    '2024-01-01T12:00:00+00:00'
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    PostgreSQL keeps the zone (``timestamptz``); SQLite stores naive UTC text,
    which is read back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    """Declarative base holding the run store's metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType}


class RunRow(Base):
    """One run (mirrors :class:`aiqm.core.results.RunRecord`)."""

    __tablename__ = "runs"
    __table_args__ = (Index(None, "created_at"), Index(None, "project_dir", "status"))

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    project_dir: Mapped[str] = mapped_column(Text)
    component: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))
    executor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    config: Mapped[dict[str, Any]]
    environment: Mapped[dict[str, Any]]
    inventories: Mapped[dict[str, Any]]


class TDResultRow(Base):
    """One test description's result in one run; ``payload`` is the full TDResult."""

    __tablename__ = "td_results"
    __table_args__ = (UniqueConstraint("run_id", "td_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(255), ForeignKey("runs.id", ondelete="CASCADE"))
    td_name: Mapped[str] = mapped_column(String(255))
    td_index: Mapped[int] = mapped_column(Integer)
    characteristic: Mapped[str] = mapped_column(String(255))
    ait_id: Mapped[str] = mapped_column(String(255))
    ait_version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8))
    cache_key: Mapped[str] = mapped_column(String(255), index=True)
    cached_from: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    duration_s: Mapped[float | None] = mapped_column(Float)


class InventoryRow(Base):
    """A registered inventory (dataset, model, attribute set, document)."""

    __tablename__ = "inventories"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(255))
    registered_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ArtifactRow(Base):
    """An artifact known to the database; its content is in the artifact store."""

    __tablename__ = "artifacts"

    digest: Mapped[str] = mapped_column(String(255), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
