"""The protocols this package implements, re-exported from :mod:`aiqm.core.stores`.

:class:`RunStore` (implemented by :class:`aiqm.storage.sql.SqlRunStore`) and
:class:`ArtifactStoreProtocol` (implemented by :class:`aiqm.storage.artifacts.ArtifactStore`)
are declared in ``core`` so that the engine can name them without importing storage.
"""

from __future__ import annotations

from aiqm.core.stores import ArtifactReader, ArtifactStoreProtocol, RunStore

__all__ = ["ArtifactReader", "ArtifactStoreProtocol", "RunStore"]
