"""Qunomon interoperability: import Qunomon AIT packages and run them; export aiqm AITs.

- :mod:`~aiqm.qunomon.manifest` validates ``ait.manifest.json`` and converts it;
- :mod:`~aiqm.qunomon.store` keeps imported packages by digest (one store per user);
- :mod:`~aiqm.qunomon.environment` builds each package's virtual environment;
- :mod:`~aiqm.qunomon.runtime` runs a package under Qunomon's file contract
  (:mod:`~aiqm.qunomon.contract`), :mod:`~aiqm.qunomon.docker` in its own image;
- :mod:`~aiqm.qunomon.export` packages an aiqm AIT for Qunomon, whose entry script
  runs :mod:`~aiqm.qunomon.guest`.

This package sits at the level of :mod:`aiqm.plugins`: it never imports the engine,
storage, services, rendering, the CLI or the web app.
"""

from __future__ import annotations

from aiqm.qunomon.manifest import ImportedManifest, QunomonManifestError, convert, validate
from aiqm.qunomon.runtime import ImportedAIT
from aiqm.qunomon.store import STORE_ENV, AITStore, ImportRecord, default_store_root

__all__ = [
    "STORE_ENV",
    "AITStore",
    "ImportRecord",
    "ImportedAIT",
    "ImportedManifest",
    "QunomonManifestError",
    "convert",
    "default_store_root",
    "validate",
]
