"""Modules the forkserver imports once, so each worker process starts fast."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy  # noqa: E402, F401
import pyarrow  # noqa: E402, F401
import pyarrow.ipc  # noqa: E402, F401

import aiqm.engine.worker  # noqa: E402, F401
import aiqm.plugins.manager  # noqa: E402, F401

try:  # optional, but most AITs use them
    import matplotlib  # noqa: F401

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import pandas  # noqa: F401
    import sklearn.metrics  # noqa: F401
except ImportError:  # pragma: no cover
    pass
