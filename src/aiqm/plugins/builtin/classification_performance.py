"""AIT ``classification_performance``: how well a classifier predicts a labelled test set.

Every metric comes from :mod:`sklearn.metrics`; this module prepares the labels
(one dtype for target, predictions and the model's classes), picks the positive
class, and turns what scikit-learn cannot define into undefined measures with a
reason. Version 1.1 adds per-slice performance, bootstrap confidence intervals,
calibration (ECE, reliability diagram) and ROC / precision–recall curves; the
1.0 measures are unchanged, so ``classification_performance@1`` keeps working.
"""

from __future__ import annotations

from typing import Any

from aiqm.core.constraints import Interval, Options
from aiqm.core.parameters import Param, Parameters
from aiqm.plugins.builtin._model.bootstrap import ClassificationBootstrap, RankAUC
from aiqm.plugins.builtin._model.classification import (
    Scored,
    calibration_measures,
    curve_figures,
    probability_measures,
    score_classifier,
    threshold_table,
)
from aiqm.plugins.builtin._model.labels import align_labels as _align
from aiqm.plugins.builtin._model.labels import as_labels as _labels
from aiqm.plugins.builtin._model.labels import names_label as _names
from aiqm.plugins.builtin._model.measuring import logged_warnings, report_interval
from aiqm.plugins.builtin._model.params import (
    UNIT,
    BootstrapParameters,
    SeedParameters,
    SliceParameters,
    ci_measures,
)
from aiqm.plugins.builtin._model.plots import confusion_figure
from aiqm.plugins.builtin._model.slices import classification_slices
from aiqm.plugins.sdk import Context, ait

__all__ = ["ClassificationParameters", "classification_performance"]

# re-exported for the label tests; the implementations live in _model.labels
_LABEL_HELPERS = (_align, _labels, _names)

_HEADLINE = ["accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc"]


class _ClassificationOwnParameters(Parameters):
    """The parameters only ``classification_performance`` has (first in its manifest)."""

    positive_label: str | None = Param(
        None,
        help="Binary problems: the class counted as positive, written as text (e.g. '1', "
             "'yes', 'True'). Null takes the greater of the two sorted classes.",
        help_ja="二値分類: 陽性とみなすクラスを文字列で書く（例: '1'、'yes'、'True'）。"
                "null のときは、並べ替えた 2 つのクラスのうち大きい方を使う。",
    )
    average: str = Param(
        "macro", Options(values=("macro", "weighted", "micro")),
        help="Multiclass problems: how precision, recall and F1 combine the classes.",
        help_ja="多クラス分類: precision、recall、F1 でクラスごとの値をどう集約するか。",
    )
    zero_division: float = Param(
        0.0, Options(values=(0.0, 1.0)),
        help="Value of precision/recall/F1 when its denominator is zero.",
        help_ja="分母が 0 のときに precision/recall/F1 がとる値。",
    )
    n_calibration_bins: int = Param(
        10, Interval(low=2, high=100),
        help="Equal-width confidence bins of the calibration error and diagram.",
        help_ja="キャリブレーション誤差と信頼性ダイアグラムで、確信度を区切る等幅ビンの数。",
    )


# bases in reverse manifest order: pydantic puts the last base's fields first
class ClassificationParameters(
    SliceParameters, SeedParameters, BootstrapParameters, _ClassificationOwnParameters
):
    """The parameters of the ``classification_performance`` AIT."""


@ait(
    id="classification_performance",
    version="1.1.0",
    title="Classification performance",
    description=(
        "Accuracy, balanced accuracy, precision, recall, F1 (overall and per class), ROC AUC, "
        "average precision, log loss and Brier score of a classifier on a labelled dataset, "
        "with bootstrap confidence intervals, calibration (expected calibration error, "
        "reliability diagram), ROC and precision–recall curves, a confusion matrix and "
        "per-slice performance with the worst slice."
    ),
    characteristics=["C-1"],
    requirements=["C-1-L1-1"],
    external_qualities=["AIPL"],
    keywords=["classification", "accuracy", "precision", "recall", "f1", "roc auc",
              "calibration", "bootstrap", "slices"],
    references=[
        {"title": "scikit-learn: Classification metrics",
         "url": "https://scikit-learn.org/stable/modules/model_evaluation.html#classification-metrics"},
        {"title": "Guo et al. (2017), On Calibration of Modern Neural Networks, ICML",
         "url": "https://proceedings.mlr.press/v70/guo17a.html"},
        {"title": "Efron & Tibshirani (1993), An Introduction to the Bootstrap, ch. 13"},
    ],
    inventories=[
        {"name": "dataset", "kind": "dataset", "requires_target": True,
         "description": "Labelled test data; its target column holds the true classes."},
        {"name": "model", "kind": "model",
         "description": "The classifier under test (any model kind), or a column of its "
                        "predictions."},
    ],
    parameters=ClassificationParameters,
    measures=[
        {**UNIT, "name": "accuracy", "direction": "higher",
         "description": "Share of samples whose predicted class is the true class."},
        {**UNIT, "name": "balanced_accuracy", "direction": "higher",
         "description": "Mean recall over the classes present in the target."},
        {**UNIT, "name": "precision", "direction": "higher",
         "description": "Precision of the positive class (binary) or averaged per `average`."},
        {**UNIT, "name": "recall", "direction": "higher",
         "description": "Recall of the positive class (binary) or averaged per `average`."},
        {**UNIT, "name": "f1", "direction": "higher",
         "description": "F1 of the positive class (binary) or averaged per `average`."},
        {**UNIT, "name": "precision_per_class", "structure": "sequence", "direction": "higher",
         "description": "Precision of each class, in sorted class order."},
        {**UNIT, "name": "recall_per_class", "structure": "sequence", "direction": "higher",
         "description": "Recall of each class, in sorted class order."},
        {**UNIT, "name": "f1_per_class", "structure": "sequence", "direction": "higher",
         "description": "F1 of each class, in sorted class order."},
        {**UNIT, "name": "roc_auc", "direction": "higher",
         "description": "Area under the ROC curve (binary: positive-class probability; "
                        "multiclass: one-vs-rest, macro average). Needs probabilities."},
        {"name": "log_loss", "type": "float", "min": 0.0, "direction": "lower",
         "description": "Cross-entropy of the predicted probabilities. Needs probabilities."},
        {**UNIT, "name": "error_rate", "direction": "lower",
         "description": "Share of samples predicted wrongly (1 - accuracy)."},
        {"name": "n_samples", "type": "int", "min": 0, "direction": "none",
         "description": "Number of samples evaluated."},
        {**UNIT, "name": "average_precision", "direction": "higher",
         "description": "Area under the precision–recall curve (binary: positive class; "
                        "multiclass: one-vs-rest, macro average). Needs probabilities."},
        {"name": "brier_score", "type": "float", "min": 0.0, "max": 2.0, "direction": "lower",
         "description": "Mean squared error of the probabilities (binary: positive class, "
                        "[0, 1]; multiclass: summed over classes, [0, 2])."},
        {**UNIT, "name": "expected_calibration_error", "direction": "lower",
         "description": "Top-label ECE: |accuracy − mean confidence| per confidence bin, "
                        "weighted by the bin's share of rows."},
        {**UNIT, "name": "max_calibration_error", "direction": "lower",
         "description": "Largest |accuracy − mean confidence| over the non-empty bins."},
        *ci_measures(_HEADLINE, direction="none", low=0.0, high=1.0),
        {**UNIT, "name": "worst_slice_accuracy", "direction": "higher",
         "description": "Lowest accuracy over the slices with at least min_slice_size rows."},
        {"name": "worst_slice_size", "type": "int", "min": 0, "direction": "none",
         "description": "Rows in the worst slice."},
        {"name": "slice_accuracy_gap", "type": "float", "min": -1.0, "max": 1.0,
         "direction": "lower",
         "description": "Overall accuracy minus the worst slice's accuracy."},
        {"name": "smallest_slice_size", "type": "int", "min": 0, "direction": "none",
         "description": "Rows in the smallest non-empty slice."},
        {"name": "n_slices", "type": "int", "min": 0, "direction": "none",
         "description": "Slices with at least min_slice_size rows (worst-slice candidates)."},
        {"name": "n_small_slices", "type": "int", "min": 0, "direction": "lower",
         "description": "Slices with fewer than min_slice_size rows (empty ones included)."},
    ],
    resources=[
        {"name": "confusion_matrix", "kind": "figure",
         "description": "Counts of true class (rows) against predicted class (columns)."},
        {"name": "per_class", "kind": "table",
         "description": "Per class: support, precision, recall and F1."},
        {"name": "reliability_diagram", "kind": "figure",
         "description": "Accuracy against mean confidence per bin, with rows per bin."},
        {"name": "roc_curve", "kind": "figure",
         "description": "ROC curve of the positive class (or of each class against the rest)."},
        {"name": "precision_recall_curve", "kind": "figure",
         "description": "Precision–recall curve of the positive class (or of each class)."},
        {"name": "thresholds", "kind": "table",
         "description": "Binary problems: precision, recall, F1, false positive rate and "
                        "selection rate at thresholds 0.05 … 0.95 of the positive probability."},
        {"name": "confidence_intervals", "kind": "table",
         "description": "Each headline metric with its bootstrap interval."},
        {"name": "slices", "kind": "table",
         "description": "Per slice: rows, accuracy, precision, recall, F1, whether it was "
                        "evaluated (big enough) and whether it is the worst."},
    ],
)
def classification_performance(ctx: Context[ClassificationParameters]) -> None:
    """Compute classification metrics of ``model`` on ``dataset`` with scikit-learn."""
    # lazy: heavy, and the AIT modules load with every registry
    from sklearn import metrics

    params = ctx.params
    ctx.progress(0, 6)
    s = score_classifier(ctx, "dataset", "model", params.positive_label)
    y, pred, labels = s.y, s.pred, s.labels
    if not s.binary and params.positive_label is not None:
        ctx.log.warning(
            "positive_label is ignored: the problem has %d classes, so precision, recall and "
            "F1 use average=%r", len(labels), params.average,
        )
    zero_division = params.zero_division
    prf: dict[str, Any] = (
        {"average": "binary", "pos_label": s.pos} if s.binary
        else {"average": params.average}
    )
    ctx.progress(1, 6)

    with logged_warnings(ctx):
        accuracy = metrics.accuracy_score(y, pred)
        ctx.measure("accuracy", accuracy)
        ctx.measure("error_rate", 1.0 - accuracy)
        ctx.measure("balanced_accuracy", metrics.balanced_accuracy_score(y, pred))
        ctx.measure("precision", metrics.precision_score(y, pred, zero_division=zero_division, **prf))
        ctx.measure("recall", metrics.recall_score(y, pred, zero_division=zero_division, **prf))
        ctx.measure("f1", metrics.f1_score(y, pred, zero_division=zero_division, **prf))
        p, r, f, support = metrics.precision_recall_fscore_support(
            y, pred, labels=labels, average=None, zero_division=zero_division
        )
    ctx.measure("precision_per_class", p)
    ctx.measure("recall_per_class", r)
    ctx.measure("f1_per_class", f)
    ctx.measure("n_samples", len(y))
    ctx.progress(2, 6)

    probability_measures(ctx, s)
    calibration_measures(ctx, s, params.n_calibration_bins)
    curve_figures(ctx, s)
    table = threshold_table(s)
    if table is not None:
        ctx.resource("thresholds", table)
    ctx.progress(3, 6)

    _intervals(ctx, s, zero_division)
    ctx.progress(4, 6)
    classification_slices(ctx, params, s, zero_division, params.average)
    ctx.progress(5, 6)

    ctx.resource("per_class", [
        {"class": c, "support": int(n), "precision": float(pi), "recall": float(ri),
         "f1": float(fi)}
        for c, n, pi, ri, fi in zip(labels.tolist(), support, p, r, f, strict=True)
    ])
    cm = metrics.confusion_matrix(y, pred, labels=labels)
    ctx.resource("confusion_matrix", confusion_figure(cm, labels, s.pos))
    ctx.progress(6, 6)


def _intervals(ctx: Context[ClassificationParameters], s: Scored, zero_division: float) -> None:
    """Bootstrap intervals of the headline metrics, reported and tabulated."""
    n_boot = ctx.params.n_bootstrap
    level = ctx.params.confidence_level
    if n_boot == 0:
        for name in _HEADLINE:
            report_interval(ctx, name, None, "n_bootstrap is 0: no intervals were asked for")
        return
    y_idx, p_idx = s.codes()
    labels = s.labels.tolist()
    pos = labels.index(s.pos) if s.binary and s.pos in labels else None
    aucs: list[RankAUC] = []
    auc_reason = s.proba_reason or "roc_auc is undefined on the whole dataset"
    if s.proba is not None and s.classes is not None and "roc_auc" in _defined(ctx):
        pos_col = s.pos_column()
        if pos_col is not None:
            aucs = [RankAUC(s.y == s.classes[pos_col], s.proba[:, pos_col])]
        else:
            aucs = [RankAUC(s.y == c, s.proba[:, j]) for j, c in enumerate(s.classes.tolist())]
    boot = ClassificationBootstrap(
        y_idx, p_idx, len(labels), pos, ctx.params.average, zero_division, aucs
    )
    found = boot.intervals(n_boot, level, ctx.params.seed)
    point = boot.metrics()
    rows = []
    for name in _HEADLINE:
        interval = found.get(name)
        reason = auc_reason if name == "roc_auc" and not aucs else (
            f"{name} is undefined on more than half of the {n_boot} resamples")
        report_interval(ctx, name, interval, reason)
        if interval is not None:
            rows.append({"measure": name, "value": point.get(name), "ci_low": interval[0],
                         "ci_high": interval[1], "level": level, "resamples": n_boot})
    ctx.resource("confidence_intervals", rows)


def _defined(ctx: Context[Any]) -> set[str]:
    return {m.name for m in ctx.measures if m.value is not None}
