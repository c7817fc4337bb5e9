"""``ModelAdapter``: what an AIT sees of a model, whatever its file format."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from aiqm.data.dataset import Dataset

__all__ = ["MODEL_KINDS", "ModelAdapter"]

MODEL_KINDS = ("skops", "onnx", "joblib", "pickle", "predictions", "http")
"""Values of :attr:`ModelAdapter.kind`."""


class ModelAdapter(ABC):
    """A loaded model (or a predictions column) that predicts on datasets.

    Subclasses implement :meth:`predict`, :meth:`predict_proba` and
    :attr:`classes_`; :attr:`has_proba` and :attr:`estimator` have defaults.

    Attributes
    ----------
    inventory : str
        The inventory name, used in messages.
    digest : str
        The ``"sha256:<hex>"`` digest of the model file; it keys caches.
    kind : str
        One of :data:`MODEL_KINDS`.
    """

    inventory: str
    digest: str
    kind: str

    @abstractmethod
    def predict(self, ds: Dataset) -> np.ndarray:
        """Return the predicted label (or value) of each row of ``ds``.

        Parameters
        ----------
        ds : aiqm.data.Dataset
            The dataset; the model sees its features.

        Returns
        -------
        numpy.ndarray of shape (n_rows,)
        """

    @abstractmethod
    def predict_proba(self, ds: Dataset) -> np.ndarray | None:
        """Return class probabilities, columns ordered as :attr:`classes_`.

        Parameters
        ----------
        ds : aiqm.data.Dataset
            The dataset; the model sees its features.

        Returns
        -------
        numpy.ndarray of shape (n_rows, n_classes) or None
            None when the model gives no probabilities.
        """

    def predict_both(self, ds: Dataset) -> tuple[np.ndarray, np.ndarray | None]:
        """Return ``(labels, probabilities)``; adapters may compute both in one pass.

        Parameters
        ----------
        ds : aiqm.data.Dataset
            The dataset; the model sees its features.

        Returns
        -------
        tuple
            What :meth:`predict` and :meth:`predict_proba` return.
        """
        return self.predict(ds), (self.predict_proba(ds) if self.has_proba else None)

    @property
    @abstractmethod
    def classes_(self) -> np.ndarray | None:
        """The class labels, or None (regression, or unknown)."""

    @property
    def has_proba(self) -> bool:
        """Whether :meth:`predict_proba` returns probabilities."""
        return False

    @property
    def estimator(self) -> Any:
        """The underlying scikit-learn compatible object, or None."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(inventory={self.inventory!r}, kind={self.kind!r})"
