"""AIT ``classification_performance``: how well a classifier predicts a labelled test set.

Every number comes from :mod:`sklearn.metrics`; this module only prepares the
labels (one dtype for target, predictions and the model's classes), picks the
positive class, and turns what scikit-learn cannot define into undefined
measures with a reason.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.core.constraints import Options
from aiqm.exceptions import DataError
from aiqm.plugins.sdk import Context, ait

if TYPE_CHECKING:
    from aiqm.data.dataset import Dataset

__all__ = ["classification_performance"]

_UNIT = {"type": "float", "min": 0.0, "max": 1.0}
#: Above this many classes the confusion matrix is drawn without numbers in the cells.
_MAX_ANNOTATED_CLASSES = 20


@ait(
    id="classification_performance",
    version="1.0.0",
    title="Classification performance",
    description=(
        "Accuracy, balanced accuracy, precision, recall, F1 (overall and per class), ROC AUC "
        "and log loss of a classifier on a labelled dataset, with a confusion matrix."
    ),
    characteristics=["C-1"],
    external_qualities=["AIPL"],
    keywords=["classification", "accuracy", "precision", "recall", "f1", "roc auc"],
    references=[
        {
            "title": "scikit-learn: Classification metrics",
            "url": "https://scikit-learn.org/stable/modules/model_evaluation.html#classification-metrics",
        }
    ],
    inventories=[
        {
            "name": "dataset",
            "kind": "dataset",
            "requires_target": True,
            "description": "Labelled test data; its target column holds the true classes.",
        },
        {
            "name": "model",
            "kind": "model",
            "description": "The classifier under test, or a column of its predictions.",
        },
    ],
    parameters=[
        {
            "name": "positive_label",
            "type": "str",
            "nullable": True,
            "default": None,
            "description": (
                "Binary problems: the class counted as positive, written as text (e.g. '1', "
                "'yes', 'True'). Null takes the greater of the two sorted classes."
            ),
        },
        {
            "name": "average",
            "type": "str",
            "default": "macro",
            "constraints": [Options(values=("macro", "weighted", "micro"))],
            "description": (
                "Multiclass problems: how precision, recall and F1 combine the classes."
            ),
        },
        {
            "name": "zero_division",
            "type": "float",
            "default": 0.0,
            "constraints": [Options(values=(0.0, 1.0))],
            "description": "Value of precision/recall/F1 when its denominator is zero.",
        },
    ],
    measures=[
        {**_UNIT, "name": "accuracy", "direction": "higher",
         "description": "Share of samples whose predicted class is the true class."},
        {**_UNIT, "name": "balanced_accuracy", "direction": "higher",
         "description": "Mean recall over the classes present in the target."},
        {**_UNIT, "name": "precision", "direction": "higher",
         "description": "Precision of the positive class (binary) or averaged per `average`."},
        {**_UNIT, "name": "recall", "direction": "higher",
         "description": "Recall of the positive class (binary) or averaged per `average`."},
        {**_UNIT, "name": "f1", "direction": "higher",
         "description": "F1 of the positive class (binary) or averaged per `average`."},
        {**_UNIT, "name": "precision_per_class", "structure": "sequence", "direction": "higher",
         "description": "Precision of each class, in sorted class order."},
        {**_UNIT, "name": "recall_per_class", "structure": "sequence", "direction": "higher",
         "description": "Recall of each class, in sorted class order."},
        {**_UNIT, "name": "f1_per_class", "structure": "sequence", "direction": "higher",
         "description": "F1 of each class, in sorted class order."},
        {**_UNIT, "name": "roc_auc", "direction": "higher",
         "description": "Area under the ROC curve (binary: positive-class probability; "
                        "multiclass: one-vs-rest, macro average). Needs probabilities."},
        {"name": "log_loss", "type": "float", "min": 0.0, "direction": "lower",
         "description": "Cross-entropy of the predicted probabilities. Needs probabilities."},
        {**_UNIT, "name": "error_rate", "direction": "lower",
         "description": "Share of samples predicted wrongly (1 - accuracy)."},
        {"name": "n_samples", "type": "int", "min": 0, "direction": "none",
         "description": "Number of samples evaluated."},
    ],
    resources=[
        {"name": "confusion_matrix", "kind": "figure",
         "description": "Counts of true class (rows) against predicted class (columns)."},
        {"name": "per_class", "kind": "table",
         "description": "Per class: support, precision, recall and F1."},
    ],
)
def classification_performance(ctx: Context) -> None:
    """Compute classification metrics of ``model`` on ``dataset`` with scikit-learn."""
    from sklearn import metrics
    from sklearn.utils.multiclass import unique_labels

    ds = ctx.dataset("dataset")
    target = ds.require_target()
    ds.require_rows()
    _check_target_complete(ds, target)
    y = _labels(ds.y(), f"target column {target!r}")
    ctx.progress(0, 4)

    model = ctx.model("model")
    what = "the model's predictions"
    pred = _align(_labels(model.predict(ds), what), y, what=what, target=target)
    if len(pred) != len(y):
        raise DataError(
            f"the model returned {len(pred)} predictions for {len(y)} rows of dataset "
            f"{ds.name!r}; a predictions column must have one value per row"
        )
    proba = model.predict_proba(ds) if model.has_proba else None
    ctx.progress(1, 4)

    labels = unique_labels(y, pred)
    zero_division = float(ctx.params["zero_division"])
    binary = len(labels) <= 2
    pos = _positive_label(ctx.params["positive_label"], labels, model, y, target) if binary else None
    if not binary and ctx.params["positive_label"] is not None:
        ctx.log.warning(
            "positive_label is ignored: the problem has %d classes, so precision, recall and "
            "F1 use average=%r", len(labels), ctx.params["average"],
        )
    prf: dict[str, Any] = (
        {"average": "binary", "pos_label": pos}
        if binary
        else {"average": ctx.params["average"]}
    )

    with _logged_warnings(ctx):
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
    ctx.progress(2, 4)

    _probability_measures(ctx, model, y, proba, pos, target)
    ctx.progress(3, 4)

    ctx.resource(
        "per_class",
        [
            {"class": c, "support": int(s), "precision": float(pi), "recall": float(ri),
             "f1": float(fi)}
            for c, s, pi, ri, fi in zip(labels.tolist(), support, p, r, f, strict=True)
        ],
    )
    cm = metrics.confusion_matrix(y, pred, labels=labels)
    ctx.resource("confusion_matrix", _confusion_figure(cm, labels, pos))
    ctx.progress(4, 4)


# -- labels -----------------------------------------------------------------------------------


def _check_target_complete(ds: Dataset, target: str) -> None:
    import pyarrow.compute as pc

    col = ds.column(target)
    n_missing = int(pc.sum(pc.is_null(col, nan_is_null=True)).as_py() or 0)
    if n_missing:
        raise DataError(
            f"target column {target!r} of dataset {ds.name!r} has {n_missing} missing value(s) "
            f"(null or NaN) in {ds.num_rows} rows; drop or label those rows before evaluating"
        )


def _labels(values: Any, what: str) -> np.ndarray:
    """Labels as a 1-D numpy array: bool, int64, float64, or object holding str.

    Raises
    ------
    DataError
        If a label is missing (None or NaN), or the labels mix text and numbers.
    """
    arr = np.asarray(values)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataError(f"{what} must be one label per row; got an array of shape {arr.shape}")
    if arr.dtype.kind in "US":
        return arr.astype(str).astype(object)
    if arr.dtype.kind == "O":
        items = arr.tolist()
        kinds = {_kind(x) for x in items}
        if "f" in kinds or "NoneType" in kinds:
            _check_no_missing(np.array([x is None or x != x for x in items]), what)
        if kinds == {"b"}:
            return arr.astype(bool)
        if kinds == {"i"}:
            return arr.astype(np.int64)
        if kinds <= {"i", "f"}:
            return arr.astype(np.float64)
        if kinds == {"s"}:
            return arr
        names = {"b": "bool", "i": "int", "f": "float", "s": "str"}
        raise DataError(
            f"{what} mix types ({', '.join(sorted(names.get(k, k) for k in kinds))}); "
            "store the target and the predictions with one type (all text or all numbers)"
        )
    if arr.dtype.kind == "f":
        _check_no_missing(np.isnan(arr), what)
    return arr


def _check_no_missing(missing: np.ndarray, what: str) -> None:
    n = int(np.count_nonzero(missing))
    if n:
        raise DataError(
            f"{what} have {n} missing value(s) (null or NaN) in {len(missing)} rows; "
            "every row needs a label"
        )


def _kind(x: Any) -> str:
    if isinstance(x, bool):
        return "b"
    if isinstance(x, int):
        return "i"
    if isinstance(x, float):
        return "f"
    if isinstance(x, str):
        return "s"
    return type(x).__name__


def _family(arr: np.ndarray) -> str:
    return {"b": "bool", "i": "number", "u": "number", "f": "number"}.get(arr.dtype.kind, "str")


def _align(values: np.ndarray, y: np.ndarray, *, what: str, target: str) -> np.ndarray:
    """Return ``values`` in ``y``'s representation, or raise if they cannot be compared.

    Numbers and bools are cast when the cast loses nothing (1.0 → 1, 1 → True);
    text and numbers are matched through their text ('1' ↔ 1) against the target's
    classes.
    """
    fam_v, fam_y = _family(values), _family(y)
    if values.dtype == y.dtype or (fam_v == fam_y and fam_v != "number"):
        return values
    if fam_v != "str" and fam_y != "str":
        with np.errstate(all="ignore"):
            cast = values.astype(y.dtype)
        if np.array_equal(cast.astype(values.dtype), values):
            return cast
    elif fam_y == "str":
        as_text = np.array([str(v) for v in values.tolist()], dtype=object)
        if set(as_text.tolist()) <= set(y.tolist()):
            return as_text
    else:
        by_text = {str(v): v for v in np.unique(y).tolist()}
        if all(str(v) in by_text for v in set(values.tolist())):
            return np.array([by_text[str(v)] for v in values.tolist()], dtype=y.dtype)
    raise DataError(
        f"{what} ({_describe(values)}) cannot be compared with target column {target!r} "
        f"({_describe(y)}); make both hold the same class labels"
    )


def _describe(arr: np.ndarray) -> str:
    sample = ", ".join(repr(v) for v in np.unique(arr).tolist()[:3])
    return f"{_family(arr)} values such as {sample}"


def _positive_label(
    given: str | None, labels: np.ndarray, model: Any, y: np.ndarray, target: str
) -> Any:
    """The positive class of a binary problem, as a value of the labels' type."""
    if given is None:
        return labels[-1]
    candidates = labels.tolist()
    classes = getattr(model, "classes_", None)
    if classes is not None:
        try:
            what = "the model's classes"
            known = _align(_labels(classes, what), y, what=what, target=target)
            candidates += [c for c in known.tolist() if c not in candidates]
        except DataError:
            pass
    for c in candidates:
        if _names(c, given):
            if len(labels) == 2 and c not in labels.tolist():
                break
            return np.asarray([c], dtype=labels.dtype)[0]
    raise DataError(
        f"positive_label {given!r} is not one of the classes in target column {target!r} and "
        f"the predictions ({', '.join(str(c) for c in labels.tolist())}); set it to one of them "
        "or leave it null to use the greater class"
    )


def _names(label: Any, text: str) -> bool:
    """Whether ``text`` (a parameter value) names ``label``: '1' names 1 and 1.0, 'true' True."""
    if str(label) == text:
        return True
    if isinstance(label, bool):
        return text.strip().lower() == str(label).lower()
    if isinstance(label, int | float):
        try:
            return float(text) == label
        except ValueError:
            return False
    return False


# -- probabilities ----------------------------------------------------------------------------


def _probability_measures(
    ctx: Context, model: Any, y: np.ndarray, proba: Any, pos: Any, target: str
) -> None:
    from sklearn import metrics

    if proba is None:
        reason = "the model gives no class probabilities (no predict_proba)"
        ctx.undefined("roc_auc", reason)
        ctx.undefined("log_loss", reason)
        return
    proba = np.asarray(proba, dtype=np.float64)
    what = "the model's classes"
    classes = _align(_labels(model.classes_, what), y, what=what, target=target)
    order = np.argsort(classes, kind="stable")  # scikit-learn expects sorted class columns
    classes = classes[order]
    if proba.ndim != 2 or proba.shape != (len(y), len(classes)):
        reason = (
            f"the probabilities have shape {proba.shape}, but {len(y)} rows × {len(classes)} "
            "classes were expected"
        )
        ctx.undefined("roc_auc", reason)
        ctx.undefined("log_loss", reason)
        return
    proba = proba[:, order]

    present = np.unique(y)
    if len(present) < 2:
        ctx.undefined(
            "roc_auc",
            f"only one class ({present.tolist()[0]!r}) is present in target column {target!r}; "
            "ROC AUC needs samples of at least two classes",
        )
    elif len(classes) == 2:
        if pos is None or pos not in classes.tolist():
            pos = classes[-1]
        column = proba[:, classes.tolist().index(pos)]
        _guarded(ctx, "roc_auc", lambda: metrics.roc_auc_score(y == pos, column))
    else:
        _guarded(
            ctx, "roc_auc",
            lambda: metrics.roc_auc_score(
                y, proba, multi_class="ovr", average="macro", labels=classes
            ),
        )
    _guarded(ctx, "log_loss", lambda: metrics.log_loss(y, proba, labels=classes))


def _guarded(ctx: Context, name: str, compute: Callable[[], float]) -> None:
    """Report ``compute()``, or the measure as undefined with scikit-learn's reason."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = float(compute())
        except ValueError as exc:
            ctx.undefined(name, f"scikit-learn cannot compute it: {exc}")
            return
    messages = [str(w.message) for w in caught]
    if not math.isfinite(value):
        ctx.undefined(name, "; ".join(messages) or f"the value is {value}")
        return
    for m in messages:
        ctx.log.warning("%s: %s", name, m)
    ctx.measure(name, value)


@contextmanager
def _logged_warnings(ctx: Context) -> Iterator[None]:
    """Send warnings raised inside the block to the AIT's log instead of stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        ctx.log.warning("%s", w.message)


# -- figure -----------------------------------------------------------------------------------


def _confusion_figure(cm: np.ndarray, labels: np.ndarray, pos: Any) -> Any:
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay

    n = len(labels)
    side = min(3.5 + 0.35 * n, 10.0)
    fig = Figure(figsize=(side, side * 0.85), layout="constrained")
    ax = fig.add_subplot()
    ConfusionMatrixDisplay(cm, display_labels=[str(c) for c in labels.tolist()]).plot(
        ax=ax,
        cmap="Blues",
        colorbar=n > _MAX_ANNOTATED_CLASSES,
        include_values=n <= _MAX_ANNOTATED_CLASSES,
        xticks_rotation="vertical" if n > 6 else "horizontal",
        values_format="d",
    )
    title = f"Confusion matrix ({int(cm.sum())} samples)"
    if pos is not None:
        title += f"\npositive class: {pos}"
    ax.set_title(title, fontsize="medium")
    return fig
