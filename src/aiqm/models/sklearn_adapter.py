"""Adapter for scikit-learn compatible estimators (loaded from skops, joblib or pickle)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiqm.data.dataset import format_columns
from aiqm.exceptions import DataError
from aiqm.models.base import ModelAdapter

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from aiqm.data.dataset import Dataset

__all__ = ["SklearnAdapter"]


class SklearnAdapter(ModelAdapter):
    """Wrap an object with ``predict`` (and optionally ``predict_proba``).

    If the estimator was fitted on a DataFrame (it has ``feature_names_in_``),
    the dataset's columns are selected and ordered by those names; otherwise it
    gets the dataset's features, in declared order, as a NumPy array.

    Parameters
    ----------
    estimator : object
        A fitted scikit-learn compatible estimator.
    inventory : str
        The inventory name.
    digest : str
        The model file's digest.
    kind : {"skops", "joblib", "pickle"}
        How it was loaded.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> est = DummyClassifier().fit([[0], [1]], [0, 1])
    >>> SklearnAdapter(est, inventory="m", digest="sha256:" + "0" * 64, kind="joblib").has_proba
    True
    """

    def __init__(self, estimator: Any, *, inventory: str, digest: str, kind: str) -> None:
        self._estimator = estimator
        self.inventory = inventory
        self.digest = digest
        self.kind = kind

    @property
    def estimator(self) -> Any:
        """The wrapped estimator."""
        return self._estimator

    @property
    def has_proba(self) -> bool:
        """Whether the estimator has ``predict_proba``."""
        return hasattr(self._estimator, "predict_proba")

    @property
    def classes_(self) -> np.ndarray | None:
        """The estimator's ``classes_``, or None for a regressor."""
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module

        classes = getattr(self._estimator, "classes_", None)
        return None if classes is None else np.asarray(classes)

    def features_for(self, ds: Dataset) -> pd.DataFrame | np.ndarray:
        """Return what the estimator is given for ``ds``.

        Raises
        ------
        DataError
            If columns the model was trained on are missing, or the number of
            features differs from what the model expects.
        """
        names = getattr(self._estimator, "feature_names_in_", None)
        if names is not None:
            names = [str(n) for n in names]
            missing = [n for n in names if n not in ds.column_names]
            if missing:
                raise DataError(
                    f"model '{self.inventory}' was trained on columns that dataset "
                    f"'{ds.name}' lacks: {format_columns(missing)} (columns: "
                    f"{format_columns(ds.column_names)}); use a dataset with these columns"
                )
            if ds.target is not None and ds.target in names:
                raise DataError(
                    f"model '{self.inventory}' takes column {ds.target!r} as input, but it "
                    f"is the target of dataset '{ds.name}'; check `target` on the inventory"
                )
            return ds.X(names)
        frame = ds.X()
        expected = getattr(self._estimator, "n_features_in_", None)
        if expected is not None and expected != frame.shape[1]:
            raise DataError(
                f"model '{self.inventory}' expects {expected} features but dataset "
                f"'{ds.name}' has {frame.shape[1]} ({format_columns(list(frame.columns))}); "
                "set `features` on the dataset inventory to the model's input columns, "
                "in training order"
            )
        return frame.to_numpy()

    def predict(self, ds: Dataset) -> np.ndarray:
        """Return ``estimator.predict`` on the dataset's features."""
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module

        return np.asarray(self._estimator.predict(self.features_for(ds)))

    def predict_both(self, ds: Dataset) -> tuple[np.ndarray, np.ndarray | None]:
        """Labels and probabilities from one model pass where that is exact.

        The features are built once and ``predict_proba`` runs once; the labels
        are the arg-max classes. That equals ``predict`` for the usual scikit-learn
        classifiers, but not for every model (e.g. SVC with Platt scaling), so it is
        verified on the 1,000 rows with the smallest margin between the two most
        probable classes plus 1,000 random rows; on any disagreement the labels come
        from ``predict`` on all rows.
        """
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module

        X = self.features_for(ds)
        if not self.has_proba:
            return np.asarray(self._estimator.predict(X)), None
        proba = np.asarray(self._estimator.predict_proba(X), dtype=float)
        classes = self.classes_
        if classes is None or proba.ndim != 2 or proba.shape[1] != len(classes) or len(proba) == 0:
            return np.asarray(self._estimator.predict(X)), proba
        derived = np.asarray(classes)[np.argmax(proba, axis=1)]
        n = len(proba)
        if n <= 2000:
            check = np.arange(n)
        else:
            top2 = np.partition(proba, -2, axis=1)[:, -2:] if proba.shape[1] > 1 else proba
            margin = np.abs(top2[:, -1] - top2[:, 0])
            ambiguous = np.argpartition(margin, 1000)[:1000]
            rand = np.random.default_rng(0).choice(n, 1000, replace=False)
            check = np.unique(np.concatenate([ambiguous, rand]))
        sample = X.iloc[check] if hasattr(X, "iloc") else X[check]
        if np.array_equal(np.asarray(self._estimator.predict(sample)), derived[check]):
            return derived, proba
        return np.asarray(self._estimator.predict(X)), proba

    def predict_proba(self, ds: Dataset) -> np.ndarray | None:
        """Return ``estimator.predict_proba``, or None if it has none."""
        import numpy as np  # lazy: NumPy is heavy; the CLI loads this module

        if not self.has_proba:
            return None
        return np.asarray(self._estimator.predict_proba(self.features_for(ds)), dtype=float)
