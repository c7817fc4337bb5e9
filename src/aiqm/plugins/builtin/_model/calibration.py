"""Calibration of class probabilities: reliability bins, ECE, MCE and the Brier score."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ReliabilityBins", "brier_score", "reliability_bins"]


@dataclass
class ReliabilityBins:
    """Equal-width confidence bins over ``[0, 1]``.

    Attributes
    ----------
    edges : numpy.ndarray of shape (n_bins + 1,)
        Bin edges.
    count : numpy.ndarray of int
        Rows per bin.
    confidence : numpy.ndarray of float
        Mean confidence per bin (NaN for an empty bin).
    accuracy : numpy.ndarray of float
        Share of correct rows per bin (NaN for an empty bin).
    """

    edges: np.ndarray
    count: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray

    @property
    def gaps(self) -> np.ndarray:
        """``|accuracy - confidence|`` per bin (NaN for an empty bin)."""
        return np.abs(self.accuracy - self.confidence)

    @property
    def expected_calibration_error(self) -> float:
        """ECE: the gaps weighted by the share of rows in each bin."""
        filled = self.count > 0
        return float((self.count[filled] * self.gaps[filled]).sum() / self.count.sum())

    @property
    def max_calibration_error(self) -> float:
        """MCE: the largest gap over the non-empty bins."""
        filled = self.count > 0
        return float(self.gaps[filled].max())


def reliability_bins(confidence: np.ndarray, correct: np.ndarray, n_bins: int) -> ReliabilityBins:
    """Bin rows by confidence and compare mean confidence with accuracy per bin.

    Bins are ``[0, 1/b], (1/b, 2/b], …`` — the convention of scikit-learn's
    ``calibration_curve(strategy="uniform")``, whose non-empty bins this matches
    when ``confidence`` is the positive-class probability and ``correct`` the
    positive indicator.

    Parameters
    ----------
    confidence : numpy.ndarray of float in [0, 1]
        For top-label calibration: the highest class probability of each row.
    correct : numpy.ndarray of bool
        Whether the event happened (top label is the true class).
    n_bins : int
        Number of bins.

    Examples
    --------
    >>> b = reliability_bins(np.array([0.9, 0.9, 0.6, 0.6]), np.array([1, 1, 1, 0]), 4)
    >>> round(b.expected_calibration_error, 3)
    0.1
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(edges[1:-1], confidence)
    count = np.bincount(ids, minlength=n_bins)
    with np.errstate(divide="ignore", invalid="ignore"):
        conf = np.bincount(ids, weights=confidence, minlength=n_bins) / count
        acc = np.bincount(ids, weights=correct, minlength=n_bins) / count
    return ReliabilityBins(edges, count, conf, acc)


def brier_score(onehot: np.ndarray, proba: np.ndarray) -> float:
    """Mean squared distance between probabilities and outcomes.

    Binary problems (two columns): the classic score on the positive class,
    in ``[0, 1]``. More classes: the sum over classes, in ``[0, 2]`` —
    scikit-learn's ``brier_score_loss`` with ``scale_by_half="auto"``.
    """
    onehot = np.asarray(onehot, dtype=np.float64)
    proba = np.asarray(proba, dtype=np.float64)
    if proba.shape[1] == 2:
        return float(np.mean((proba[:, 1] - onehot[:, 1]) ** 2))
    return float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))
