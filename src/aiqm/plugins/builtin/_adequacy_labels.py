"""Label issues for ``data_adequacy`` by confident learning (Northcutt, Jiang & Chuang, 2021).

Our own implementation (no cleanlab): out-of-fold predicted probabilities from
scikit-learn's ``cross_val_predict`` with a histogram gradient-boosting model,
per-class confidence thresholds, the confident joint, and its off-diagonal
entries as the label issues.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from aiqm.plugins.builtin._tabular import columns as colmod

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ConfidentLearning", "confident_learning", "label_issue_features", "out_of_fold_proba"]

#: HistGradientBoosting's native categorical support takes at most this many categories.
_MAX_CATEGORIES = 254
#: Below this many rows the label model runs on one thread.
_THREADED_ROWS = 50_000


@dataclass
class ConfidentLearning:
    """The result of confident learning on ``n`` examples with ``K`` classes.

    Attributes
    ----------
    thresholds : numpy.ndarray
        ``t_j``: the mean predicted probability of class j over the examples labelled j.
    confident_joint : numpy.ndarray
        ``(K, K)`` counts: given label (rows) by confidently predicted class (columns).
    issues : numpy.ndarray
        Boolean per example: counted off the diagonal of the confident joint.
    suggested : numpy.ndarray
        The confidently predicted class (-1 where no class passes its threshold).
    self_confidence : numpy.ndarray
        The predicted probability of the given label.
    """

    thresholds: np.ndarray
    confident_joint: np.ndarray
    issues: np.ndarray
    suggested: np.ndarray
    self_confidence: np.ndarray


def confident_learning(labels: np.ndarray, proba: np.ndarray) -> ConfidentLearning:
    """Find label issues from out-of-fold probabilities.

    Parameters
    ----------
    labels : numpy.ndarray
        Given labels as class indices ``0 … K-1``.
    proba : numpy.ndarray
        ``(n, K)`` out-of-fold predicted probabilities.

    Returns
    -------
    ConfidentLearning

    Notes
    -----
    Each class j gets the threshold ``t_j = mean(proba[labels == j, j])``
    (undefined for a class without examples: no example passes it). Example i
    counts as confidently belonging to the class with the highest probability
    among those whose probability reaches their threshold; the confident joint
    ``C[given, confident]`` counts these, and the examples off its diagonal
    are the label issues (the paper's ``C_{ỹ, y*}`` method).

    Examples
    --------
    >>> p = np.array([[0.75, 0.25], [0.5, 0.5], [0.25, 0.75], [0.75, 0.25], [0.5, 0.25]])
    >>> cl = confident_learning(np.array([0, 0, 1, 1, 0]), p)
    >>> cl.thresholds.tolist(), cl.suggested.tolist(), cl.issues.tolist()
    ([0.5833333333333334, 0.5], [0, 1, 1, 0, -1], [False, True, False, True, False])
    """
    labels = np.asarray(labels, dtype=np.int64)
    proba = np.asarray(proba, dtype=np.float64)
    n, k = proba.shape
    thresholds = np.full(k, np.inf)
    for j in range(k):
        own = labels == j
        if own.any():
            thresholds[j] = proba[own, j].mean()
    passing = proba >= thresholds[None, :]
    masked = np.where(passing, proba, -np.inf)
    best = np.argmax(masked, axis=1)
    has = passing.any(axis=1)
    suggested = np.where(has, best, -1)
    joint = np.zeros((k, k), dtype=np.int64)
    np.add.at(joint, (labels[has], best[has]), 1)
    issues = has & (best != labels)
    return ConfidentLearning(thresholds, joint, issues, suggested, proba[np.arange(n), labels])


def label_issue_features(table: pa.Table, columns: list[str]) -> tuple[np.ndarray, list[bool], list[str]]:
    """Features for the label model: numbers as float, text and booleans as category codes.

    Text columns with more than 254 distinct values are left out.

    Returns
    -------
    (numpy.ndarray, list of bool, list of str)
        The matrix (NaN for missing), which columns are categorical, and notes.
    """
    parts, categorical, notes = [], [], []
    for c in columns:
        col = table.column(c)
        kind = colmod.column_kind(col.type)
        if kind in (colmod.NUMERIC, colmod.DATETIME):
            parts.append(colmod.float_values(col))
            categorical.append(False)
        elif kind in (colmod.CATEGORICAL, colmod.BOOLEAN):
            counts = colmod.category_counts(col)
            if len(counts.values) > _MAX_CATEGORIES:
                notes.append(f"{c!r} left out of the label model ({len(counts.values)} categories)")
                continue
            codes = colmod.category_codes(col, counts.values).astype(np.float64)
            codes[codes < 0] = np.nan
            parts.append(codes)
            categorical.append(True)
        else:
            notes.append(f"{c!r} left out of the label model (type {col.type})")
    X = np.column_stack(parts) if parts else np.zeros((table.num_rows, 0))
    return X, categorical, notes


def out_of_fold_proba(
    X: np.ndarray, y: np.ndarray, categorical: list[bool], *, folds: int, random_state: int
) -> np.ndarray:
    """Out-of-fold class probabilities from ``cross_val_predict`` (stratified folds).

    The model is ``HistGradientBoostingClassifier(max_iter=50)`` with native
    categorical features; ``y`` holds class indices ``0 … K-1``.
    """
    # lazy: heavy, and the AIT modules load with every registry
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    model = HistGradientBoostingClassifier(
        max_iter=50, categorical_features=np.asarray(categorical, dtype=bool) if any(categorical)
        else None, random_state=random_state,
    )
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    # OpenMP threads cost more than they give on small samples (and stall on busy machines)
    with threadpool_limits(limits=1 if X.shape[0] < _THREADED_ROWS else None):
        return cross_val_predict(model, X, y, cv=cv, method="predict_proba")
