"""scikit-learn estimator facades over a :class:`~.frames.Predictor`.

scikit-learn tools that take a fitted estimator (``permutation_importance``,
scorers) can then run any model aiqm can call (ONNX, HTTP …). Predictions and
classes are returned in the target's representation, so scorers compare like
with like.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from aiqm.plugins.builtin._model.labels import align_labels, as_labels

if TYPE_CHECKING:
    from aiqm.plugins.builtin._model.frames import Predictor

__all__ = ["PredictorClassifier", "PredictorRegressor", "wrap_predictor"]


class PredictorClassifier(ClassifierMixin, BaseEstimator):
    """A fitted classifier that asks a :class:`Predictor`.

    Parameters
    ----------
    predictor : Predictor, default=None
        The model.
    y_ref : numpy.ndarray, default=None
        Labels in the target's representation; predictions and classes are
        converted to it.
    """

    def __init__(self, predictor: Predictor | None = None, y_ref: np.ndarray | None = None) -> None:
        self.predictor = predictor
        self.y_ref = y_ref

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def fit(self, X: Any, y: Any = None) -> PredictorClassifier:
        """Do nothing: the model is already fitted."""
        return self

    def _align(self, values: Any, what: str) -> np.ndarray:
        return align_labels(as_labels(values, what), self.y_ref, what=what, target="target")  # type: ignore[arg-type]

    @property
    def classes_(self) -> np.ndarray:
        """The model's classes in the target's representation."""
        assert self.predictor is not None
        classes = self.predictor.classes
        if classes is None:
            return np.unique(self.y_ref)  # type: ignore[arg-type]
        return self._align(classes, "the model's classes")

    def predict(self, X: Any) -> np.ndarray:
        """Labels in the target's representation."""
        assert self.predictor is not None
        return self._align(self.predictor.predict(X), "the model's predictions")

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities, columns in :attr:`classes_` order."""
        assert self.predictor is not None
        return self.predictor.predict_proba(X)


class PredictorRegressor(RegressorMixin, BaseEstimator):
    """A fitted regressor that asks a :class:`Predictor`."""

    def __init__(self, predictor: Predictor | None = None) -> None:
        self.predictor = predictor

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def fit(self, X: Any, y: Any = None) -> PredictorRegressor:
        """Do nothing: the model is already fitted."""
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values as floats."""
        assert self.predictor is not None
        return np.asarray(self.predictor.predict(X), dtype=np.float64)


def wrap_predictor(predictor: Predictor, y: np.ndarray, classify: bool) -> BaseEstimator:
    """A scikit-learn estimator facade for ``predictor`` (see the classes above)."""
    if classify:
        return PredictorClassifier(predictor, y)
    return PredictorRegressor(predictor)
