"""A classifier's predictions on a labelled dataset, and the measures built on them.

:func:`score_classifier` reads the target, predicts (through the prediction
cache), aligns labels and probabilities; the other functions report
probability measures, calibration, curves and confidence intervals from the
result. Every metric value comes from scikit-learn, except the bootstrap and
calibration bins (see :mod:`.bootstrap` and :mod:`.calibration`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.exceptions import DataError
from aiqm.plugins.builtin._model.calibration import brier_score, reliability_bins
from aiqm.plugins.builtin._model.labels import (
    align_labels,
    as_labels,
    check_target_complete,
    positive_label,
)
from aiqm.plugins.builtin._model.measuring import guarded
from aiqm.plugins.builtin._model.plots import curves_figure, reliability_figure

if TYPE_CHECKING:
    from aiqm.data.dataset import Dataset
    from aiqm.models.base import ModelAdapter
    from aiqm.plugins.sdk import Context

__all__ = [
    "MAX_CURVE_CLASSES",
    "Scored",
    "calibration_measures",
    "curve_figures",
    "probability_measures",
    "score_classifier",
    "threshold_table",
]

#: Multiclass ROC and precision–recall figures draw at most this many classes.
MAX_CURVE_CLASSES = 10
_THRESHOLDS = np.round(np.arange(0.05, 1.0, 0.05), 2)


@dataclass
class Scored:
    """True and predicted labels of a dataset, with probabilities when usable.

    Attributes
    ----------
    y, pred : numpy.ndarray
        True and predicted labels, in the target's representation.
    labels : numpy.ndarray
        The sorted labels seen in ``y`` and ``pred``.
    pos : object or None
        Binary problems: the positive class; None for multiclass.
    proba : numpy.ndarray or None
        Probabilities, columns in the order of ``classes`` (sorted).
    classes : numpy.ndarray or None
        The model's classes in the target's representation, sorted.
    proba_reason : str
        Why ``proba`` is None.
    """

    ds: Dataset
    target: str
    y: np.ndarray
    pred: np.ndarray
    labels: np.ndarray
    pos: Any
    proba: np.ndarray | None
    classes: np.ndarray | None
    proba_reason: str = ""

    @property
    def binary(self) -> bool:
        """Whether at most two classes occur in target and predictions."""
        return len(self.labels) <= 2

    def codes(self) -> tuple[np.ndarray, np.ndarray]:
        """Target and predictions as indices into :attr:`labels`."""
        return (np.searchsorted(self.labels, self.y).astype(np.int64),
                np.searchsorted(self.labels, self.pred).astype(np.int64))

    def pos_column(self) -> int | None:
        """The column of ``proba`` holding the positive class (binary problems)."""
        if self.proba is None or self.classes is None or len(self.classes) != 2:
            return None
        pos = self.pos if self.pos in self.classes.tolist() else self.classes[-1]
        return int(self.classes.tolist().index(pos))


def score_classifier(
    ctx: Context, dataset: str, model_slot: str, positive: str | None
) -> Scored:
    """Predict ``dataset`` with the model in ``model_slot`` and align everything.

    Raises
    ------
    DataError
        For a missing target, missing labels, incomparable label types, a
        wrong number of predictions or an unknown ``positive`` label.
    """
    # lazy: heavy, and the AIT modules load with every registry
    from sklearn.utils.multiclass import unique_labels

    ds = ctx.dataset(dataset)
    target = ds.require_target()
    ds.require_rows()
    check_target_complete(ds, target)
    y = as_labels(ds.y(), f"target column {target!r}")
    model = ctx.model(model_slot)
    what = "the model's predictions"
    raw = model.predict(ds)
    if len(raw) != len(y):
        raise DataError(
            f"the model returned {len(raw)} predictions for {len(y)} rows of dataset "
            f"{ds.name!r}; a predictions column must have one value per row"
        )
    pred = align_labels(as_labels(raw, what), y, what=what, target=target)
    labels = unique_labels(y, pred)
    binary = len(labels) <= 2
    pos = positive_label(positive, labels, model, y, target) if binary else None
    proba, classes, reason = _probabilities(model, ds, y, target)
    return Scored(ds, target, y, pred, labels, pos, proba, classes, reason)


def _probabilities(
    model: ModelAdapter, ds: Dataset, y: np.ndarray, target: str
) -> tuple[np.ndarray | None, np.ndarray | None, str]:
    if not model.has_proba:
        return None, None, "the model gives no class probabilities (no predict_proba)"
    proba = np.asarray(model.predict_proba(ds), dtype=np.float64)
    what = "the model's classes"
    classes = align_labels(as_labels(model.classes_, what), y, what=what, target=target)
    order = np.argsort(classes, kind="stable")  # scikit-learn expects sorted class columns
    classes = classes[order]
    if proba.ndim != 2 or proba.shape != (len(y), len(classes)):
        return None, None, (
            f"the probabilities have shape {proba.shape}, but {len(y)} rows × {len(classes)} "
            "classes were expected"
        )
    return proba[:, order], classes, ""


def probability_measures(ctx: Context, s: Scored) -> None:
    """Report ``roc_auc``, ``log_loss``, ``average_precision`` and ``brier_score``."""
    # lazy: heavy, and the AIT modules load with every registry
    from sklearn import metrics

    names = ("roc_auc", "log_loss", "average_precision", "brier_score")
    if s.proba is None or s.classes is None:
        for name in names:
            ctx.undefined(name, s.proba_reason)
        return
    proba, classes, y = s.proba, s.classes, s.y
    present = np.unique(y)
    onehot = (y[:, None] == classes[None, :]).astype(np.float64)
    pos_col = s.pos_column()
    if len(present) < 2:
        reason = (
            f"only one class ({present.tolist()[0]!r}) is present in target column "
            f"{s.target!r}; it needs samples of at least two classes"
        )
        ctx.undefined("roc_auc", reason)
        ctx.undefined("average_precision", reason)
    elif pos_col is not None:
        pos = classes[pos_col]
        column = proba[:, pos_col]
        guarded(ctx, "roc_auc", lambda: metrics.roc_auc_score(y == pos, column))
        guarded(ctx, "average_precision",
                lambda: metrics.average_precision_score(y == pos, column))
    else:
        guarded(ctx, "roc_auc", lambda: metrics.roc_auc_score(
            y, proba, multi_class="ovr", average="macro", labels=classes))
        guarded(ctx, "average_precision", lambda: metrics.average_precision_score(
            onehot, proba, average="macro"))
    guarded(ctx, "log_loss", lambda: metrics.log_loss(y, proba, labels=classes))
    if not set(present.tolist()) <= set(classes.tolist()):
        ctx.undefined("brier_score", "the target holds classes the model does not know")
    else:
        ctx.measure("brier_score", brier_score(onehot, proba))


def calibration_measures(ctx: Context, s: Scored, n_bins: int) -> None:
    """Report top-label ECE and MCE and attach the reliability diagram."""
    if s.proba is None or s.classes is None:
        ctx.undefined("expected_calibration_error", s.proba_reason)
        ctx.undefined("max_calibration_error", s.proba_reason)
        return
    top = np.argmax(s.proba, axis=1)
    bins = reliability_bins(s.proba[np.arange(len(top)), top], s.classes[top] == s.y, n_bins)
    ctx.measure("expected_calibration_error", bins.expected_calibration_error)
    ctx.measure("max_calibration_error", bins.max_calibration_error)
    ctx.resource("reliability_diagram", reliability_figure(
        bins, f"Reliability of the top-label probability ({n_bins} bins)"))


def curve_figures(ctx: Context, s: Scored) -> None:
    """Attach ROC and precision–recall curves (positive class, or one per class)."""
    # lazy: heavy, and the AIT modules load with every registry
    from sklearn import metrics

    if s.proba is None or s.classes is None:
        return
    pos_col = s.pos_column()
    if pos_col is not None:
        columns = [pos_col]
    else:
        present = set(np.unique(s.y).tolist())
        columns = [j for j, c in enumerate(s.classes.tolist()) if c in present]
        columns = columns[:MAX_CURVE_CLASSES]
    roc, pr = [], []
    for j in columns:
        c = s.classes[j]
        truth = s.y == c
        if truth.all() or not truth.any():
            continue
        fpr, tpr, _ = metrics.roc_curve(truth, s.proba[:, j])
        precision, recall, _ = metrics.precision_recall_curve(truth, s.proba[:, j])
        name = f"class {c}"
        roc.append((f"{name} (AUC {metrics.auc(fpr, tpr):.3f})", fpr, tpr))
        pr.append((f"{name} (AP {metrics.average_precision_score(truth, s.proba[:, j]):.3f})",
                   recall[::-1], precision[::-1]))
    if not roc:
        return
    scope = "positive class" if pos_col is not None else "one class vs the rest"
    ctx.resource("roc_curve", curves_figure(roc, kind="roc", title=f"ROC curve ({scope})"))
    ctx.resource("precision_recall_curve", curves_figure(
        pr, kind="pr", title=f"Precision–recall curve ({scope})"))


def threshold_table(s: Scored) -> list[dict[str, Any]] | None:
    """Binary problems: precision, recall, F1, FPR and selection rate per threshold."""
    pos_col = s.pos_column()
    if s.proba is None or s.classes is None or pos_col is None:
        return None
    score = s.proba[:, pos_col]
    truth = s.y == s.classes[pos_col]
    n_pos, n_neg = int(truth.sum()), int((~truth).sum())
    rows = []
    for t in _THRESHOLDS:
        chosen = score >= t
        tp = int(np.count_nonzero(chosen & truth))
        fp = int(np.count_nonzero(chosen & ~truth))
        n_chosen = tp + fp
        precision = tp / n_chosen if n_chosen else None
        recall = tp / n_pos if n_pos else None
        f1 = 2 * tp / (n_chosen + n_pos) if (n_chosen + n_pos) else None
        rows.append({
            "threshold": float(t), "precision": precision, "recall": recall, "f1": f1,
            "false_positive_rate": fp / n_neg if n_neg else None,
            "selection_rate": n_chosen / len(score),
        })
    return rows
