"""Predict on in-memory rows: perturbed copies, samples and batches of a dataset.

The prediction cache (``ctx.model(slot)``) serves predictions on whole dataset
inventories. AITs that perturb rows, time calls or query a model many times use
:func:`loadable_adapter` to get the model's own adapter, and feed it
:class:`FrameDataset` objects built from pandas frames, so every kind of model
(skops, ONNX, joblib, HTTP) is fed exactly as it is for a dataset inventory.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.data.dataset import Dataset
from aiqm.exceptions import DataError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from aiqm.models.base import ModelAdapter

__all__ = ["FrameDataset", "Predictor", "loadable_adapter", "sample_rows"]


class FrameDataset(Dataset):
    """A :class:`~aiqm.data.dataset.Dataset` over an in-memory table.

    Its digest is unique per object (``memory:<uuid>``): it never matches a
    cached prediction file, so it must not be given to a ``CachedModel``.

    Parameters
    ----------
    frame : pandas.DataFrame or pyarrow.Table
        The rows.
    name : str, default="frame"
        Used in messages.
    target : str, default=None
        The label column, if the frame has one.
    features : sequence of str, default=None
        The columns a model sees; default every column but the target.
    """

    def __init__(
        self,
        frame: pd.DataFrame | pa.Table,
        *,
        name: str = "frame",
        target: str | None = None,
        features: list[str] | tuple[str, ...] | None = None,
    ) -> None:
        # lazy: heavy, and the AIT modules load with every registry
        import pyarrow as pa

        table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(
            frame, preserve_index=False
        )
        self.name = name
        self.arrow_path = Path(f"<memory:{name}>")
        self.digest = f"memory:{uuid.uuid4().hex}"
        self._table = table
        self._schema = table.schema
        self._target = target
        self._features = tuple(features) if features is not None else None


def loadable_adapter(model: ModelAdapter, ait_id: str, why: str) -> ModelAdapter:
    """Return the adapter that runs the model itself (not its prediction cache).

    Parameters
    ----------
    model : ModelAdapter
        What ``ctx.model(slot)`` returned.
    ait_id : str
        The AIT, for the message.
    why : str
        Why the AIT must run the model, for the message (e.g. "it predicts on
        perturbed rows").

    Raises
    ------
    DataError
        If the model is a predictions column, which cannot predict new rows.
    """
    adapter = getattr(model, "adapter", model)
    if adapter.kind == "predictions":
        raise DataError(
            f"AIT {ait_id!r} needs a model it can run, because {why}; inventory "
            f"{adapter.inventory!r} is a predictions column, which only describes its own "
            "rows. Bind a model inventory (skops, ONNX, joblib or http) to the `model` slot"
        )
    return adapter


def sample_rows(ds: Dataset, max_rows: int, seed: int) -> np.ndarray:
    """Return sorted row indices of a uniform sample of at most ``max_rows`` rows.

    ``max_rows`` of 0 means every row.
    """
    n = ds.num_rows
    if max_rows <= 0 or n <= max_rows:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=max_rows, replace=False))


class Predictor:
    """Call a model adapter on pandas frames of feature rows and count the calls.

    Calls run with native thread pools (OpenMP, BLAS) limited to one thread.

    Parameters
    ----------
    adapter : ModelAdapter
        A runnable adapter (see :func:`loadable_adapter`).
    features : sequence of str
        The feature columns, in the dataset's order.

    Attributes
    ----------
    calls : int
        Number of calls made to the model.
    rows : int
        Number of rows predicted.
    seconds : float
        Time spent inside the model calls.
    """

    def __init__(self, adapter: ModelAdapter, features: list[str] | tuple[str, ...]) -> None:
        self.adapter = adapter
        self.features = list(features)
        self.calls = 0
        self.rows = 0
        self.seconds = 0.0

    @property
    def has_proba(self) -> bool:
        """Whether the model gives class probabilities."""
        return self.adapter.has_proba

    @property
    def classes(self) -> np.ndarray | None:
        """The model's classes, or None."""
        return self.adapter.classes_

    def dataset(self, X: pd.DataFrame | pa.Table) -> FrameDataset:
        """Wrap feature rows as a dataset the adapter understands."""
        return FrameDataset(X, name="rows", features=self.features)

    def predict(self, X: pd.DataFrame | pa.Table | FrameDataset) -> np.ndarray:
        """Return the model's labels (or values) for the rows."""
        return self._call(X, proba=False)

    def predict_proba(self, X: pd.DataFrame | pa.Table | FrameDataset) -> np.ndarray:
        """Return the model's class probabilities for the rows.

        Raises
        ------
        DataError
            If the model gives no probabilities.
        """
        if not self.has_proba:
            raise DataError(
                f"model {self.adapter.inventory!r} gives no class probabilities"
            )
        return self._call(X, proba=True)

    def _call(self, X: Any, *, proba: bool) -> np.ndarray:
        # lazy: heavy, and the AIT modules load with every registry
        from threadpoolctl import threadpool_limits

        ds = X if isinstance(X, FrameDataset) else self.dataset(X)
        start = time.perf_counter()
        # one thread: on small, repeated batches, starting and synchronising OpenMP/BLAS
        # threads costs more than it saves, and the engine runs AITs side by side anyway
        with threadpool_limits(limits=1):
            out = self.adapter.predict_proba(ds) if proba else self.adapter.predict(ds)
        self.seconds += time.perf_counter() - start
        self.calls += 1
        self.rows += ds.num_rows
        result = np.asarray(out)
        if result.ndim == 2 and result.shape[1] == 1 and not proba:
            result = result.ravel()
        if len(result) != ds.num_rows:
            raise DataError(
                f"model {self.adapter.inventory!r} returned {len(result)} outputs for "
                f"{ds.num_rows} rows"
            )
        return result
