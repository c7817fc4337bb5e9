"""Labels of classifiers: one representation for target, predictions and classes.

Shared by the classification AITs: turn any label array into bool, int64, float64
or object-of-str; compare predictions with the target in the target's
representation; pick the positive class of a binary problem from a parameter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.exceptions import DataError

if TYPE_CHECKING:
    from aiqm.data.dataset import Dataset

__all__ = [
    "align_labels",
    "as_labels",
    "check_target_complete",
    "names_label",
    "positive_label",
]


def check_target_complete(ds: Dataset, target: str) -> None:
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow.compute as pc

    col = ds.column(target)
    n_missing = int(pc.sum(pc.is_null(col, nan_is_null=True)).as_py() or 0)
    if n_missing:
        raise DataError(
            f"target column {target!r} of dataset {ds.name!r} has {n_missing} missing value(s) "
            f"(null or NaN) in {ds.num_rows} rows; drop or label those rows before evaluating"
        )


def as_labels(values: Any, what: str) -> np.ndarray:
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
        kinds = {label_kind(x) for x in items}
        if "f" in kinds or "NoneType" in kinds:
            check_no_missing(np.array([x is None or x != x for x in items]), what)
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
        check_no_missing(np.isnan(arr), what)
    return arr


def check_no_missing(missing: np.ndarray, what: str) -> None:
    n = int(np.count_nonzero(missing))
    if n:
        raise DataError(
            f"{what} have {n} missing value(s) (null or NaN) in {len(missing)} rows; "
            "every row needs a label"
        )


def label_kind(x: Any) -> str:
    if isinstance(x, bool):
        return "b"
    if isinstance(x, int):
        return "i"
    if isinstance(x, float):
        return "f"
    if isinstance(x, str):
        return "s"
    return type(x).__name__


def label_family(arr: np.ndarray) -> str:
    return {"b": "bool", "i": "number", "u": "number", "f": "number"}.get(arr.dtype.kind, "str")


def align_labels(values: np.ndarray, y: np.ndarray, *, what: str, target: str) -> np.ndarray:
    """Return ``values`` in ``y``'s representation, or raise if they cannot be compared.

    Numbers and bools are cast when the cast loses nothing (1.0 → 1, 1 → True);
    text and numbers are matched through their text ('1' ↔ 1) against the target's
    classes.
    """
    fam_v, fam_y = label_family(values), label_family(y)
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
        f"{what} ({describe_labels(values)}) cannot be compared with target column {target!r} "
        f"({describe_labels(y)}); make both hold the same class labels"
    )


def describe_labels(arr: np.ndarray) -> str:
    sample = ", ".join(repr(v) for v in np.unique(arr).tolist()[:3])
    return f"{label_family(arr)} values such as {sample}"


def positive_label(
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
            known = align_labels(as_labels(classes, what), y, what=what, target=target)
            candidates += [c for c in known.tolist() if c not in candidates]
        except DataError:
            pass
    for c in candidates:
        if names_label(c, given):
            if len(labels) == 2 and c not in labels.tolist():
                break
            return np.asarray([c], dtype=labels.dtype)[0]
    raise DataError(
        f"positive_label {given!r} is not one of the classes in target column {target!r} and "
        f"the predictions ({', '.join(str(c) for c in labels.tolist())}); set it to one of them "
        "or leave it null to use the greater class"
    )


def names_label(label: Any, text: str) -> bool:
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
