"""Per-slice performance: metrics on the groups of each ``slice_by`` column.

Slices smaller than ``min_slice_size`` are listed with their numbers but are
not candidates for the worst slice, because a metric on a handful of rows says
little; empty slices (categories no row has) are listed too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.plugins.builtin._model.bootstrap import confusion_metrics
from aiqm.plugins.builtin._model.params import SliceParameters
from aiqm.plugins.builtin._model.slicing import Grouping, groupings

if TYPE_CHECKING:
    from aiqm.data.dataset import Dataset
    from aiqm.plugins.builtin._model.classification import Scored
    from aiqm.plugins.sdk import Context

__all__ = ["classification_slices", "regression_slices"]

_NO_SLICES = "no `slice_by` columns were given; list the columns to slice the rows by"


def _groupings(slicing: SliceParameters, ds: Dataset) -> list[Grouping]:
    columns = slicing.slice_by
    ds.require_columns(*columns, why="set `slice_by` to columns of the dataset")
    return groupings(ds, columns, n_bins=slicing.n_slice_bins)


def _report(
    ctx: Context, rows: list[dict[str, Any]], key: str, worst_is_max: bool, overall: float,
    names: dict[str, str], min_size: int,
) -> None:
    candidates = [r for r in rows if r["n"] >= min_size and r[key] is not None]
    for r in rows:
        r["evaluated"] = r["n"] >= min_size
        r["worst"] = False
    non_empty = [r["n"] for r in rows if r["n"] > 0]
    ctx.measure("n_slices", len(candidates))
    ctx.measure("n_small_slices", sum(1 for r in rows if r["n"] < min_size))
    ctx.measure("smallest_slice_size", min(non_empty) if non_empty else 0)
    if not candidates:
        reason = f"no slice has at least min_slice_size={min_size} rows"
        for name in names.values():
            ctx.undefined(name, reason)
    else:
        pick = max if worst_is_max else min
        worst = pick(candidates, key=lambda r: r[key])
        worst["worst"] = True
        ctx.measure(names["worst"], worst[key])
        ctx.measure(names["size"], worst["n"])
        gap = worst[key] - overall if worst_is_max else overall - worst[key]
        ctx.measure(names["gap"], gap)
        ctx.log.info("worst slice: %s = %s (%d rows)", worst["column"], worst["slice"], worst["n"])
    ctx.resource("slices", rows)


def _undefined(ctx: Context, names: Sequence[str]) -> None:
    for name in names:
        ctx.undefined(name, _NO_SLICES)


def classification_slices(
    ctx: Context, slicing: SliceParameters, s: Scored, zero_division: float, average: str
) -> None:
    """Accuracy, precision, recall and F1 per slice; the worst slice by accuracy."""
    names = {"worst": "worst_slice_accuracy", "size": "worst_slice_size",
             "gap": "slice_accuracy_gap"}
    if not slicing.slice_by:
        _undefined(ctx, [*names.values(), "n_slices", "n_small_slices", "smallest_slice_size"])
        return
    y_idx, p_idx = s.codes()
    k = len(s.labels)
    pos = int(s.labels.tolist().index(s.pos)) if s.binary and s.pos in s.labels.tolist() else None
    rows: list[dict[str, Any]] = []
    for g in _groupings(slicing, s.ds):
        n_groups = len(g.values)
        cms = np.bincount(g.codes * k * k + y_idx * k + p_idx,
                          minlength=n_groups * k * k).reshape(n_groups, k, k)
        for label, cm in zip(g.labels, cms, strict=True):
            n = int(cm.sum())
            m = confusion_metrics(cm, pos=pos, average=average, zero_division=zero_division) \
                if n else {}
            rows.append({"column": g.name, "slice": label, "n": n,
                         **{key: m.get(key) for key in
                            ("accuracy", "precision", "recall", "f1")}})
    overall = float(np.mean(s.y == s.pred))
    _report(ctx, rows, "accuracy", False, overall, names, slicing.min_slice_size)


def regression_slices(
    ctx: Context, slicing: SliceParameters, ds: Dataset, y: np.ndarray, pred: np.ndarray
) -> None:
    """MAE, RMSE and mean error per slice; the worst slice by MAE."""
    names = {"worst": "worst_slice_mae", "size": "worst_slice_size", "gap": "slice_mae_gap"}
    if not slicing.slice_by:
        _undefined(ctx, [*names.values(), "n_slices", "n_small_slices", "smallest_slice_size"])
        return
    err = pred - y
    rows: list[dict[str, Any]] = []
    for g in _groupings(slicing, ds):
        n_groups = len(g.values)
        n = np.bincount(g.codes, minlength=n_groups)
        with np.errstate(divide="ignore", invalid="ignore"):
            mae = np.bincount(g.codes, weights=np.abs(err), minlength=n_groups) / n
            rmse = np.sqrt(np.bincount(g.codes, weights=err * err, minlength=n_groups) / n)
            bias = np.bincount(g.codes, weights=err, minlength=n_groups) / n
        for i, label in enumerate(g.labels):
            filled = n[i] > 0
            rows.append({"column": g.name, "slice": label, "n": int(n[i]),
                         "mae": float(mae[i]) if filled else None,
                         "rmse": float(rmse[i]) if filled else None,
                         "mean_error": float(bias[i]) if filled else None})
    _report(ctx, rows, "mae", True, float(np.mean(np.abs(err))), names, slicing.min_slice_size)
