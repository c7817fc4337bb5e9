"""Modules the forkserver imports once, so each worker process starts fast."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy  # noqa: F401
import pyarrow
import pyarrow.ipc  # noqa: F401

import aiqm.engine.worker
import aiqm.plugins.manager  # noqa: F401

try:  # optional, but most AITs use them
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot
    import pandas  # noqa: F401
    import sklearn.metrics  # noqa: F401
except ImportError:  # pragma: no cover
    pass
