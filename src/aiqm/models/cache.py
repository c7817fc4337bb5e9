"""``CachedModel``: predictions computed once per (model, dataset) and kept on disk."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiqm.data.cache import atomic_path
from aiqm.data.digest import digest_hex
from aiqm.exceptions import InventoryError
from aiqm.models.base import ModelAdapter

if TYPE_CHECKING:
    import numpy as np

    from aiqm.data.dataset import Dataset

__all__ = ["CachedModel", "prediction_cache_path", "read_cached_classes"]

_KEY_HEX = 24
_META_CLASSES = b"aiqm.classes"
_META_MODEL = b"aiqm.model_digest"
_META_DATASET = b"aiqm.dataset_digest"


def prediction_cache_path(
    model_digest: str, dataset_digest: str, cache_dir: Path, features: Sequence[str] | None = None
) -> Path:
    """Return the cache file of a model's predictions on a dataset.

    ``features`` (the columns the model sees, when declared) is part of the key:
    the same file with other declared features is another input.

    Returns
    -------
    pathlib.Path
        ``cache_dir / "predictions" / "<model hex[:24]>-<dataset hex[:24]>[-<features hash>].arrow"``.
    """
    name = f"{digest_hex(model_digest)[:_KEY_HEX]}-{digest_hex(dataset_digest)[:_KEY_HEX]}"
    if features is not None:
        name += "-" + hashlib.sha256("\x1f".join(features).encode()).hexdigest()[:12]
    return Path(cache_dir) / "predictions" / f"{name}.arrow"


class CachedModel(ModelAdapter):
    """Wrap an adapter so that each dataset is predicted once, across processes.

    The first :meth:`predict` or :meth:`predict_proba` on a dataset computes
    both and stores them as an Arrow IPC file with a ``label`` column and
    ``proba_0`` … ``proba_{k-1}`` columns (the class labels are kept, as JSON,
    in the schema metadata). Later calls, in this or any other process sharing
    ``cache_dir``, read that file. The arrays returned are read-only, because
    every AIT of a run shares them; copy one before changing it.

    Parameters
    ----------
    adapter : ModelAdapter
        The model to wrap.
    cache_dir : pathlib.Path
        The project's cache folder.

    Attributes
    ----------
    hits : int
        Calls answered from the cache (memory or file).
    misses : int
        Calls that ran the wrapped model.
    """

    def __init__(self, adapter: ModelAdapter, cache_dir: Path) -> None:
        self.adapter = adapter
        self.cache_dir = Path(cache_dir)
        self.inventory = adapter.inventory
        self.digest = adapter.digest
        self.kind = adapter.kind
        self.hits = 0
        self.misses = 0
        self._memo: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}

    @property
    def classes_(self) -> np.ndarray | None:
        """The wrapped adapter's classes."""
        return self.adapter.classes_

    @property
    def has_proba(self) -> bool:
        """Whether the wrapped adapter gives probabilities."""
        return self.adapter.has_proba

    @property
    def estimator(self) -> Any:
        """The wrapped adapter's estimator."""
        return self.adapter.estimator

    def path_for(self, ds: Dataset) -> Path:
        """Return the cache file for ``ds``."""
        declared = ds.features if getattr(ds, "_features", None) is not None else None
        return prediction_cache_path(self.digest, ds.digest, self.cache_dir, declared)

    def predict(self, ds: Dataset) -> np.ndarray:
        """Return the wrapped model's labels, from the cache when present."""
        return self._get(ds)[0]

    def predict_proba(self, ds: Dataset) -> np.ndarray | None:
        """Return the wrapped model's probabilities, from the cache when present."""
        return self._get(ds)[1]

    def _get(self, ds: Dataset) -> tuple[np.ndarray, np.ndarray | None]:
        if ds.digest in self._memo:
            self.hits += 1
            return self._memo[ds.digest]
        path = self.path_for(ds)
        result = _read(path) if path.is_file() else None
        if result is not None:
            self.hits += 1
        else:
            self.misses += 1
            labels, proba = self.adapter.predict_both(ds)
            self._write(path, ds, labels, proba)
            result = _read(path)
            if result is None:  # pragma: no cover - we just wrote it
                raise InventoryError(f"cannot read back cached predictions {path}")
        self._memo[ds.digest] = result
        return result

    def _write(self, path: Path, ds: Dataset, labels: np.ndarray, proba: np.ndarray | None) -> None:
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module
        import pyarrow as pa  # lazy: pyarrow is heavy; the CLI loads this module
        import pyarrow.ipc as ipc  # lazy: pyarrow is heavy; the CLI loads this module

        labels = np.asarray(labels)
        if labels.ndim != 1:
            labels = labels.reshape(len(labels), -1)
            if labels.shape[1] != 1:
                raise InventoryError(
                    f"model '{self.inventory}' returned {labels.shape[1]} outputs per row; "
                    "aiqm caches one label or value per row"
                )
            labels = labels.ravel()
        columns: dict[str, Any] = {"label": pa.array(labels)}
        if proba is not None:
            matrix = np.asarray(proba)
            for i in range(matrix.shape[1]):
                columns[f"proba_{i}"] = pa.array(np.ascontiguousarray(matrix[:, i]))
        classes = self.adapter.classes_
        metadata = {
            _META_MODEL: self.digest.encode(),
            _META_DATASET: ds.digest.encode(),
            _META_CLASSES: json.dumps(
                None if classes is None else np.asarray(classes).tolist()
            ).encode(),
        }
        table = pa.table(columns).replace_schema_metadata(metadata)
        with (
            atomic_path(path) as tmp,
            pa.OSFile(str(tmp), "wb") as sink,
            ipc.new_file(sink, table.schema) as writer,
        ):
            writer.write_table(table)


def _read(path: Path) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Read a prediction cache file; None if it is unreadable (it is then rebuilt)."""
    import numpy as np  # lazy: NumPy is heavy; the CLI loads this module
    import pyarrow as pa  # lazy: pyarrow is heavy; the CLI loads this module
    import pyarrow.ipc as ipc  # lazy: pyarrow is heavy; the CLI loads this module

    try:
        with pa.OSFile(str(path), "rb") as source:
            table = ipc.open_file(source).read_all()
    except (OSError, pa.ArrowException):
        return None
    labels = np.array(table.column("label").to_numpy())
    labels.flags.writeable = False
    names = [f"proba_{i}" for i in range(table.num_columns - 1)]
    if not names:
        return labels, None
    proba = np.column_stack([table.column(n).to_numpy() for n in names])
    proba.flags.writeable = False
    return labels, proba


def read_cached_classes(path: Path) -> list[Any] | None:
    """Return the class labels stored in a prediction cache file's metadata."""
    import pyarrow as pa  # lazy: pyarrow is heavy; the CLI loads this module
    import pyarrow.ipc as ipc  # lazy: pyarrow is heavy; the CLI loads this module

    with pa.OSFile(str(path), "rb") as source:
        meta = ipc.open_file(source).schema.metadata or {}
    raw = meta.get(_META_CLASSES)
    return None if raw is None else json.loads(raw)
