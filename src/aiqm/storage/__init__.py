"""Storage: the run store (SQLAlchemy + Alembic) and the content-addressed artifact store.

The web layer and services import storage, never the reverse.

Importing this package is cheap: the SQL backends (:class:`SqlRunStore`,
:func:`open_project_store`, :class:`WebStore`), which need SQLAlchemy and
Alembic, load on first use of those names, so ``aiqm --help`` and the commands
that never open a database do not pay for them. Code that only needs the
protocols, the records or the artifact store imports nothing heavy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiqm.storage.artifacts import ArtifactStore, check_digest
from aiqm.storage.protocol import ArtifactReader, ArtifactStoreProtocol, RunStore

if TYPE_CHECKING:
    from aiqm.storage.sql import SqlRunStore, open_project_store
    from aiqm.storage.web_store import WebStore

__all__ = [
    "ArtifactReader",
    "ArtifactStore",
    "ArtifactStoreProtocol",
    "RunStore",
    "SqlRunStore",
    "WebStore",
    "check_digest",
    "open_project_store",
]


def __getattr__(name: str) -> Any:
    """Load the SQL backends on first use (PEP 562)."""
    if name in ("SqlRunStore", "open_project_store"):
        from aiqm.storage import sql  # lazy: SQLAlchemy and Alembic take ~0.3 s to import

        return getattr(sql, name)
    if name == "WebStore":
        from aiqm.storage import web_store  # lazy: SQLAlchemy and Alembic take ~0.3 s to import

        return web_store.WebStore
    raise AttributeError(f"module 'aiqm.storage' has no attribute {name!r}")
