"""The plugin that registers imported Qunomon AITs, listed under the ``aiqm.ait`` entry points.

It reads the AIT store (:func:`aiqm.qunomon.store.default_store_root`) each time a
registry is built, so an AIT imported a moment ago is found by the next command,
the next web request that rebuilds the registry, and every worker process.
"""

from __future__ import annotations

import warnings

from aiqm.exceptions import InputError
from aiqm.plugins.hookspecs import hookimpl
from aiqm.plugins.sdk import AIT
from aiqm.qunomon.runtime import ImportedAIT
from aiqm.qunomon.store import AITStore

__all__ = ["aiqm_register_aits", "imported_aits"]


def imported_aits(store: AITStore | None = None) -> list[ImportedAIT]:
    """Every AIT of the store, as AITs; a package that no longer converts is skipped with a
    warning naming it (its record stays, so ``aiqm ait remove`` can drop it)."""
    store = store or AITStore()
    out: list[ImportedAIT] = []
    for rec in store.records():
        try:
            out.append(ImportedAIT(store, rec, store.load(rec)))
        except InputError as exc:
            warnings.warn(f"imported AIT {rec.ref} cannot be loaded: {exc}", stacklevel=2)
    return out


@hookimpl
def aiqm_register_aits() -> list[AIT]:
    """Return the imported AITs of the current AIT store."""
    return list(imported_aits())
