"""Storage: the run store (SQLAlchemy + Alembic) and the content-addressed artifact store.

The web layer and services import storage, never the reverse.
"""

from __future__ import annotations

from aiqm.storage import _web_schema  # noqa: F401  (registers the web tables on the metadata)
from aiqm.storage.artifacts import ArtifactStore, check_digest
from aiqm.storage.protocol import RunStore
from aiqm.storage.sql import SqlRunStore, open_project_store

__all__ = [
    "ArtifactStore",
    "RunStore",
    "SqlRunStore",
    "check_digest",
    "open_project_store",
]
