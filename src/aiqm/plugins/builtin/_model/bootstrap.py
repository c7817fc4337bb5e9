"""Bootstrap confidence intervals for classification and regression metrics.

A bootstrap resample draws ``n`` rows with replacement from the ``n`` rows;
here it is represented by how often each row was drawn (a count vector), so
that every metric of a resample is a weighted sum over the original rows:
confusion matrices are weighted ``bincount`` calls, ROC AUC a weighted rank
statistic, regression errors dot products. No resampled copy of the data is
made, which keeps the cost at a few passes over the rows per resample. The
interval is the percentile interval of the resampled metric values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ClassificationBootstrap",
    "RankAUC",
    "confusion_metrics",
    "percentile_interval",
    "regression_intervals",
    "regression_metrics",
    "resample_counts",
]


def resample_counts(n: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Yield, per resample, how many times each of the ``n`` rows was drawn.

    Parameters
    ----------
    n : int
        Number of rows.
    n_resamples : int
        Number of resamples.
    seed : int
        Seed of the random generator; the same seed gives the same resamples.

    Yields
    ------
    numpy.ndarray of shape (n,)
        Non-negative integer counts summing to ``n``.
    """
    rng = np.random.default_rng(seed)
    for _ in range(n_resamples):
        yield np.bincount(rng.integers(0, n, size=n), minlength=n)


def percentile_interval(samples: np.ndarray, level: float) -> tuple[float, float]:
    """Return the percentile interval of the finite values in ``samples``.

    Returns ``(nan, nan)`` when fewer than half of the values are finite (the
    metric is undefined on too many resamples to say anything).

    Examples
    --------
    >>> percentile_interval(np.arange(101.0), 0.9)
    (5.0, 95.0)
    """
    values = np.asarray(samples, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if len(finite) == 0 or len(finite) < len(values) / 2:
        return (float("nan"), float("nan"))
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(finite, [alpha, 1.0 - alpha])
    return float(low), float(high)


def _ratio(num: np.ndarray, den: np.ndarray, zero_division: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return np.where(den > 0, out, zero_division)


def confusion_metrics(
    cm: np.ndarray, *, pos: int | None, average: str, zero_division: float
) -> dict[str, float]:
    """Accuracy, balanced accuracy, precision, recall and F1 from a confusion matrix.

    The definitions are scikit-learn's with a fixed label set (the matrix's
    rows and columns): ``precision_score(..., labels=all, average=...)`` etc.

    Parameters
    ----------
    cm : numpy.ndarray of shape (k, k)
        Counts (or weights) of true class (rows) by predicted class (columns).
    pos : int or None
        Binary problems: the index of the positive class; precision, recall
        and F1 are then those of that class. None averages over the classes.
    average : {"macro", "weighted", "micro"}
        How classes are combined when ``pos`` is None.
    zero_division : float
        Value of a ratio whose denominator is zero.

    Returns
    -------
    dict
        ``accuracy``, ``balanced_accuracy``, ``precision``, ``recall``, ``f1``.
    """
    cm = np.asarray(cm, dtype=np.float64)
    total = cm.sum()
    tp = np.diag(cm)
    true = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    recall = _ratio(tp, true, zero_division)
    precision = _ratio(tp, predicted, zero_division)
    f1 = _ratio(2 * tp, true + predicted, zero_division)
    present = true > 0
    out = {
        "accuracy": float(tp.sum() / total) if total > 0 else float("nan"),
        "balanced_accuracy": float(recall[present].mean()) if present.any() else float("nan"),
    }
    if pos is not None:
        out.update(precision=float(precision[pos]), recall=float(recall[pos]), f1=float(f1[pos]))
    elif average == "micro":
        micro = out["accuracy"]
        out.update(precision=micro, recall=micro, f1=micro)
    elif average == "weighted":
        w = true / true.sum() if true.sum() > 0 else np.zeros_like(true)
        out.update(precision=float(precision @ w), recall=float(recall @ w), f1=float(f1 @ w))
    else:
        out.update(precision=float(precision.mean()), recall=float(recall.mean()),
                   f1=float(f1.mean()))
    return out


class RankAUC:
    """ROC AUC of weighted rows: the Mann–Whitney statistic with ties counted half.

    Sorting happens once, in the constructor; each call costs a few passes
    over the rows, so an AUC per bootstrap resample is cheap.

    Parameters
    ----------
    positive : numpy.ndarray of bool
        Whether each row is of the positive class.
    scores : numpy.ndarray of float
        The score of each row (higher means more positive).
    """

    def __init__(self, positive: np.ndarray, scores: np.ndarray) -> None:
        scores = np.asarray(scores, dtype=np.float64)
        order = np.argsort(scores, kind="mergesort")
        ranked = scores[order]
        starts = np.r_[True, ranked[1:] != ranked[:-1]]
        group = np.empty(len(scores), dtype=np.int64)
        group[order] = np.cumsum(starts) - 1
        self._n_groups = int(group.max()) + 1 if len(group) else 0
        self.n_groups = self._n_groups
        pos = np.asarray(positive, dtype=bool)
        self.group = group
        self.positive = pos
        self._pos_rows = np.flatnonzero(pos)
        self._neg_rows = np.flatnonzero(~pos)
        self._pos_group = group[self._pos_rows]
        self._neg_group = group[self._neg_rows]

    def __call__(self, weights: np.ndarray | None = None) -> float:
        """Return the AUC with each row counted ``weights[i]`` times (default once)."""
        wp: np.ndarray
        wn: np.ndarray
        if weights is None:
            wp = np.bincount(self._pos_group, minlength=self._n_groups).astype(np.float64)
            wn = np.bincount(self._neg_group, minlength=self._n_groups).astype(np.float64)
        else:
            wp = np.bincount(self._pos_group, weights=weights[self._pos_rows],
                             minlength=self._n_groups)
            wn = np.bincount(self._neg_group, weights=weights[self._neg_rows],
                             minlength=self._n_groups)
        n_pos, n_neg = wp.sum(), wn.sum()
        if n_pos == 0 or n_neg == 0:
            return float("nan")
        below = np.cumsum(wn) - wn
        return float(wp @ (below + 0.5 * wn) / (n_pos * n_neg))


@dataclass
class ClassificationBootstrap:
    """Resample the rows of a classification result and collect metric intervals.

    Parameters
    ----------
    y : numpy.ndarray of int
        True classes as indices ``0..k-1``.
    pred : numpy.ndarray of int
        Predicted classes as indices ``0..k-1``.
    k : int
        Number of classes.
    pos : int or None
        Index of the positive class (binary), or None (averaged).
    average : str
        See :func:`confusion_metrics`.
    zero_division : float
        See :func:`confusion_metrics`.
    aucs : list of RankAUC
        One per class whose one-vs-rest AUC enters ``roc_auc`` (one for a
        binary problem); empty when there are no probabilities.
    """

    y: np.ndarray
    pred: np.ndarray
    k: int
    pos: int | None
    average: str
    zero_division: float
    aucs: list[RankAUC]

    def metrics(self, weights: np.ndarray | None = None) -> dict[str, float]:
        """The metrics with each row counted ``weights[i]`` times (default once)."""
        code = self.y * self.k + self.pred
        cm = np.bincount(code, weights=weights, minlength=self.k * self.k).reshape(self.k, self.k)
        out = confusion_metrics(cm, pos=self.pos, average=self.average,
                                zero_division=self.zero_division)
        if self.aucs:
            out["roc_auc"] = float(np.mean([auc(weights) for auc in self.aucs]))
        return out

    def intervals(
        self, n_resamples: int, level: float, seed: int,
        progress: Callable[[int], None] | None = None,
    ) -> dict[str, tuple[float, float]]:
        """Percentile intervals of every metric over ``n_resamples`` resamples.

        With at most one AUC (binary problems, or no probabilities) the rows are
        first collapsed into cells (see :class:`_Cells`), so a resample costs
        time in the number of cells, not of rows; with several one-vs-rest AUCs
        (multiclass) every resample weights the rows.
        """
        samples: dict[str, list[float]] = {}
        if len(self.aucs) <= 1:
            cells = _Cells(self)
            draws = cells.resamples(n_resamples, seed)
        else:
            draws = (c.astype(np.float64) for c in resample_counts(len(self.y), n_resamples, seed))
            cells = None
        for i, weights in enumerate(draws):
            values = cells.metrics(weights) if cells is not None else self.metrics(weights)
            for name, value in values.items():
                samples.setdefault(name, []).append(value)
            if progress is not None:
                progress(i + 1)
        return {name: percentile_interval(np.array(v), level) for name, v in samples.items()}


#: Above this many distinct scores, the AUC of a resample is computed on quantile bins.
MAX_SCORE_BINS = 4096


class _Cells:
    """Rows collapsed into cells of equal (score group, positive, true class, predicted class).

    Rows in one cell are interchangeable for every metric here, so drawing ``n``
    rows with replacement is drawing a multinomial over the cells with the
    cells' shares as probabilities — exactly the row bootstrap, at the cost of
    the number of cells. Scores with more than :data:`MAX_SCORE_BINS` distinct
    values are grouped into that many quantile bins first; the AUC of a
    resample is then that of the binned scores (ties within a bin count half),
    shifted by the difference between the exact and the binned AUC of the whole
    data, which is below ``1 / MAX_SCORE_BINS``.
    """

    def __init__(self, boot: ClassificationBootstrap) -> None:
        k = boot.k
        self.boot = boot
        self.n = len(boot.y)
        auc = boot.aucs[0] if boot.aucs else None
        if auc is not None:
            group = auc.group
            if auc.n_groups > MAX_SCORE_BINS:
                edges = np.unique(np.quantile(group, np.linspace(0, 1, MAX_SCORE_BINS + 1)))
                group = np.searchsorted(edges[1:-1], group, side="right")
            pos = auc.positive.astype(np.int64)
        else:
            group = np.zeros(self.n, dtype=np.int64)
            pos = np.zeros(self.n, dtype=np.int64)
        code = ((group * 2 + pos) * k + boot.y) * k + boot.pred
        cells, counts = np.unique(code, return_counts=True)
        self.counts = counts
        self.cm_index = cells % (k * k)
        rest = cells // (k * k)
        self.positive = (rest % 2).astype(bool)
        self.bin = rest // 2
        self.n_bins = int(self.bin.max()) + 1 if len(self.bin) else 0
        self.shift = 0.0
        if auc is not None:
            binned = self._auc(self.counts.astype(np.float64))
            self.shift = auc() - binned

    def resamples(self, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
        """Cell counts of each resample (multinomial draws of ``n`` rows)."""
        rng = np.random.default_rng(seed)
        p = self.counts / self.counts.sum()
        for _ in range(n_resamples):
            yield rng.multinomial(self.n, p).astype(np.float64)

    def _auc(self, w: np.ndarray) -> float:
        wp = np.bincount(self.bin[self.positive], weights=w[self.positive],
                         minlength=self.n_bins)
        wn = np.bincount(self.bin[~self.positive], weights=w[~self.positive],
                         minlength=self.n_bins)
        n_pos, n_neg = wp.sum(), wn.sum()
        if n_pos == 0 or n_neg == 0:
            return float("nan")
        below = np.cumsum(wn) - wn
        return float(wp @ (below + 0.5 * wn) / (n_pos * n_neg))

    def metrics(self, weights: np.ndarray) -> dict[str, float]:
        """The metrics of a resample given as cell counts."""
        b = self.boot
        cm = np.bincount(self.cm_index, weights=weights, minlength=b.k * b.k).reshape(b.k, b.k)
        out = confusion_metrics(cm, pos=b.pos, average=b.average, zero_division=b.zero_division)
        if b.aucs:
            out["roc_auc"] = self._auc(weights) + self.shift
        return out


def regression_metrics(
    y: np.ndarray, pred: np.ndarray, weights: np.ndarray | None = None
) -> dict[str, float]:
    """MAE, RMSE, R² and (when no true value is 0) MAPE of weighted rows.

    With ``weights`` None these equal scikit-learn's ``mean_absolute_error``,
    ``root_mean_squared_error``, ``r2_score`` and
    ``mean_absolute_percentage_error``.
    """
    y = np.asarray(y, dtype=np.float64)
    err = np.asarray(pred, dtype=np.float64) - y
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=np.float64)
    n = w.sum()
    abs_err = np.abs(err)
    out = {"mae": float(w @ abs_err / n), "rmse": float(np.sqrt(w @ (err * err) / n))}
    mean_y = w @ y / n
    sst = w @ ((y - mean_y) ** 2)
    out["r2"] = float(1.0 - (w @ (err * err)) / sst) if sst > 0 else float("nan")
    nonzero = y != 0
    out["mape"] = float(w @ (abs_err / np.where(nonzero, np.abs(y), 1.0)) / n) if nonzero.all() \
        else float("nan")
    return out


def regression_intervals(
    y: np.ndarray, pred: np.ndarray, n_resamples: int, level: float, seed: int
) -> dict[str, tuple[float, float]]:
    """Percentile intervals of :func:`regression_metrics` over resamples."""
    samples: dict[str, list[float]] = {}
    for counts in resample_counts(len(y), n_resamples, seed):
        for name, value in regression_metrics(y, pred, counts.astype(np.float64)).items():
            samples.setdefault(name, []).append(value)
    return {name: percentile_interval(np.array(v), level) for name, v in samples.items()}
