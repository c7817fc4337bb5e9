"""Adapter for a predictions column: a model's output stored in its dataset."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiqm.data.cache import open_mmap
from aiqm.data.dataset import format_columns
from aiqm.exceptions import DataError
from aiqm.models.base import ModelAdapter

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from aiqm.data.dataset import Dataset

__all__ = ["PredictionsAdapter"]


class PredictionsAdapter(ModelAdapter):
    """Serve predictions stored as columns of a dataset, for models you cannot load.

    The columns describe only the rows of their own dataset, so :meth:`predict`
    refuses any other dataset (compared by digest).

    Parameters
    ----------
    arrow_path : pathlib.Path
        The Arrow cache file of the dataset holding the columns.
    column : str
        The column of predicted labels (or values).
    inventory : str
        The inventory name.
    digest : str
        The inventory's digest (keys the prediction cache).
    dataset_digest : str
        The digest of the dataset the columns belong to.
    proba_columns : sequence of str, default=()
        One column per class with its predicted probability, in class order.
    classes : sequence, default=()
        The class labels, in the order of ``proba_columns``. Default: the
        sorted distinct labels of ``column`` when they match
        ``proba_columns`` in number, else ``0..k-1``.

    Raises
    ------
    DataError
        If a column is missing, or ``classes`` and ``proba_columns`` differ in
        length.
    """

    kind = "predictions"

    def __init__(
        self,
        arrow_path: Path,
        column: str,
        *,
        inventory: str,
        digest: str,
        dataset_digest: str,
        proba_columns: Sequence[str] = (),
        classes: Sequence[Any] = (),
    ) -> None:
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module

        self.inventory = inventory
        self.digest = digest
        self.dataset_digest = dataset_digest
        self.column = column
        self.proba_columns = tuple(proba_columns)
        self.arrow_path = Path(arrow_path)
        table = open_mmap(self.arrow_path)
        missing = [c for c in (column, *self.proba_columns) if c not in table.column_names]
        if missing:
            raise DataError(
                f"predictions '{inventory}': the dataset has no column "
                f"{', '.join(repr(m) for m in missing)} (columns: "
                f"{format_columns(table.column_names)}); set `column` and `proba_columns` "
                "to columns of the dataset"
            )
        if classes and self.proba_columns and len(classes) != len(self.proba_columns):
            raise DataError(
                f"predictions '{inventory}' has {len(classes)} `classes` but "
                f"{len(self.proba_columns)} `proba_columns`; list one class per "
                "probability column, in the same order"
            )
        self._table: pa.Table = table
        self._classes: np.ndarray | None = np.asarray(list(classes)) if classes else None
        if self._classes is None:
            self._classes = self._default_classes()

    def _default_classes(self) -> np.ndarray | None:
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module
        import pyarrow as pa  # lazy: pyarrow is heavy; the CLI loads this module
        import pyarrow.compute as pc  # lazy: pyarrow is heavy; the CLI loads this module

        labels = pc.unique(self._table.column(self.column).drop_null())
        k = len(self.proba_columns)
        if k and len(labels) != k:
            return np.arange(k)
        if pa.types.is_floating(labels.type) and not k:
            return None  # regression values, not classes
        try:
            return np.sort(labels.to_numpy(zero_copy_only=False))
        except TypeError:
            return labels.to_numpy(zero_copy_only=False)

    @property
    def has_proba(self) -> bool:
        """Whether probability columns were given."""
        return bool(self.proba_columns)

    @property
    def classes_(self) -> np.ndarray | None:
        """The class labels (see the ``classes`` parameter), or None for values."""
        return self._classes

    def _check(self, ds: Dataset) -> None:
        if ds.digest != self.dataset_digest:
            raise DataError(
                f"predictions '{self.inventory}' were made on another dataset than "
                f"'{ds.name}' (digest {ds.digest[:19]}… is not {self.dataset_digest[:19]}…); "
                "a predictions column describes only its own dataset, so bind the test "
                "to that dataset, or use a loadable model"
            )

    def predict(self, ds: Dataset) -> np.ndarray:
        """Return the labels column for its own dataset.

        Raises
        ------
        DataError
            If ``ds`` is not the dataset the predictions belong to.
        """
        self._check(ds)
        return self._table.column(self.column).to_numpy()

    def predict_proba(self, ds: Dataset) -> np.ndarray | None:
        """Return the probability columns stacked as ``(n_rows, n_classes)``, or None."""
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module
        import pyarrow as pa  # lazy: pyarrow is heavy; the CLI loads this module

        self._check(ds)
        if not self.proba_columns:
            return None
        cols = [self._table.column(c).cast(pa.float64()).to_numpy() for c in self.proba_columns]
        return np.column_stack(cols)
