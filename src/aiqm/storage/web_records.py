"""Plain records returned by :class:`aiqm.storage.web_store.WebStore`.

They are detached from the database session: reading one never touches the
database again, and changing one changes nothing stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "ROLES",
    "RUN_ACTIVE",
    "RUN_STATUSES",
    "ComponentRecord",
    "InventoryEntry",
    "TestEntry",
    "TokenRecord",
    "UserRecord",
    "WebRunRecord",
]

#: Roles, from least to most allowed; each role can do what the ones before it can.
ROLES = ("viewer", "evaluator", "admin")

#: States of a web run. ``starting`` and ``running`` are in flight.
RUN_STATUSES = ("starting", "running", "finished", "failed", "cancelled", "interrupted")
RUN_ACTIVE = ("starting", "running")


@dataclass(frozen=True)
class UserRecord:
    """A user; ``password_hash`` is an argon2 hash, never the password."""

    id: int
    username: str
    role: str
    active: bool
    session_epoch: int
    created_at: datetime
    last_login_at: datetime | None
    password_hash: str = field(repr=False, default="")

    def can(self, role: str) -> bool:
        """Whether this user has ``role`` or a role above it.

        Examples
        --------
        >>> from datetime import datetime
        >>> UserRecord(1, "ann", "evaluator", True, 0, datetime.now(), None).can("viewer")
        True
        """
        return self.active and ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True)
class TokenRecord:
    """An API token's public part (the token itself is shown once, then only its hash kept)."""

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class ComponentRecord:
    """A component: ``spec`` is the ``component`` section, ``settings`` the ``settings`` one."""

    id: int
    name: str
    spec: dict[str, Any]
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class InventoryEntry:
    """An inventory of a component and the stored file behind it."""

    id: int
    component_id: int
    name: str
    kind: str
    spec: dict[str, Any]
    file: str | None
    digest: str | None
    size: int | None
    source: str
    label: str
    created_at: datetime
    updated_at: datetime

    @property
    def format(self) -> str:
        """The declared format (``auto`` when the suffix decides)."""
        return str(self.spec.get("format", "auto"))


@dataclass(frozen=True)
class TestEntry:
    """A test description of a component (``spec`` is its ``aiqm.yaml`` mapping)."""

    __test__ = False  # not a pytest class

    id: int
    component_id: int
    position: int
    name: str
    spec: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class WebRunRecord:
    """A run started from the web application."""

    id: str
    component_id: int
    run_id: str | None
    resume_of: str | None
    status: str
    pid: int | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    exit_code: int | None
    error: str | None
    counts: dict[str, Any] | None

    @property
    def active(self) -> bool:
        """Whether the run is still in flight."""
        return self.status in RUN_ACTIVE
