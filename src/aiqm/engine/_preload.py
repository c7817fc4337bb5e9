"""Modules the forkserver imports once, so each worker process starts fast.

Every worker is forked from a server that has already imported these and drawn
one throw-away figure, so a test pays neither the imports (several seconds for
scikit-learn, skops, pandas and matplotlib together) nor matplotlib's font setup.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy  # noqa: F401
import pyarrow
import pyarrow.ipc  # noqa: F401

import aiqm.engine.worker
import aiqm.plugins.manager  # noqa: F401

#: Imported by the forkserver for their import time only (AITs use them).
_WARM_MODULES = ("pandas", "sklearn.metrics", "skops.io")


def _warm() -> None:
    """Import the heavy libraries AITs use and draw one figure (a missing one is skipped)."""
    import matplotlib  # lazy: optional for the warm-up; the caller suppresses ImportError

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: after the backend is chosen above

    for name in _WARM_MODULES:
        importlib.import_module(name)

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.set_title("warm-up")
    fig.savefig(io.BytesIO(), format="svg")
    plt.close(fig)


# optional extras may be missing; the workers then import on demand
with contextlib.suppress(ImportError):
    _warm()
