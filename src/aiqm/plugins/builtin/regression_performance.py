"""AIT ``regression_performance``: how close a regressor's predictions are to the truth.

Point metrics come from :mod:`sklearn.metrics`; the bootstrap intervals from
:mod:`aiqm.plugins.builtin._model.bootstrap`; per-slice errors from
:mod:`aiqm.plugins.builtin._model.slices`.
"""

from __future__ import annotations

import numpy as np

from aiqm.exceptions import DataError
from aiqm.plugins.builtin._model.bootstrap import regression_intervals, regression_metrics
from aiqm.plugins.builtin._model.labels import check_target_complete
from aiqm.plugins.builtin._model.measuring import logged_warnings, report_interval
from aiqm.plugins.builtin._model.params import (
    BootstrapParameters,
    SeedParameters,
    SliceParameters,
    ci_measures,
)
from aiqm.plugins.builtin._model.plots import residual_figure
from aiqm.plugins.builtin._model.slices import regression_slices
from aiqm.plugins.sdk import Context, ait

__all__ = ["RegressionParameters", "regression_performance"]

_ERROR = {"type": "float", "min": 0.0, "direction": "lower"}


# bases in reverse manifest order: pydantic puts the last base's fields first
class RegressionParameters(SliceParameters, SeedParameters, BootstrapParameters):
    """The parameters of the ``regression_performance`` AIT."""


@ait(
    id="regression_performance",
    version="1.0.0",
    title="Regression performance",
    description=(
        "MAE, RMSE, MSE, R², MAPE (where no true value is zero), median and maximum error and "
        "bias of a regressor on a labelled dataset, with bootstrap confidence intervals, "
        "residual plots and per-slice errors with the worst slice."
    ),
    characteristics=["C-1"],
    external_qualities=["AIPL"],
    keywords=["regression", "mae", "rmse", "r2", "mape", "residuals", "bootstrap", "slices"],
    references=[
        {"title": "scikit-learn: Regression metrics",
         "url": "https://scikit-learn.org/stable/modules/model_evaluation.html#regression-metrics"},
    ],
    inventories=[
        {"name": "dataset", "kind": "dataset", "requires_target": True,
         "description": "Labelled test data; its target column holds the true values."},
        {"name": "model", "kind": "model",
         "description": "The regressor under test (any model kind), or a column of its "
                        "predictions."},
    ],
    parameters=RegressionParameters,
    measures=[
        {**_ERROR, "name": "mae", "description": "Mean absolute error."},
        {**_ERROR, "name": "rmse", "description": "Root mean squared error."},
        {**_ERROR, "name": "mse", "description": "Mean squared error."},
        {"name": "r2", "type": "float", "max": 1.0, "direction": "higher",
         "description": "Coefficient of determination (1 is perfect; 0 is predicting the mean)."},
        {**_ERROR, "name": "mape",
         "description": "Mean absolute percentage error, as a fraction (0.1 = 10 %); "
                        "undefined when a true value is 0."},
        {**_ERROR, "name": "median_absolute_error", "description": "Median absolute error."},
        {**_ERROR, "name": "max_error", "description": "Largest absolute error."},
        {"name": "mean_error", "type": "float", "direction": "none",
         "description": "Mean of prediction − truth (bias; positive means over-prediction)."},
        {"name": "explained_variance", "type": "float", "max": 1.0, "direction": "higher",
         "description": "Explained variance score."},
        {"name": "n_samples", "type": "int", "min": 0, "direction": "none",
         "description": "Number of samples evaluated."},
        *ci_measures(["mae", "rmse", "mape"], direction="none", low=0.0),
        *ci_measures(["r2"], direction="none", high=1.0),
        {**_ERROR, "name": "worst_slice_mae",
         "description": "Highest MAE over the slices with at least min_slice_size rows."},
        {"name": "worst_slice_size", "type": "int", "min": 0, "direction": "none",
         "description": "Rows in the worst slice."},
        {"name": "slice_mae_gap", "type": "float", "direction": "lower",
         "description": "Worst slice's MAE minus the overall MAE."},
        {"name": "smallest_slice_size", "type": "int", "min": 0, "direction": "none",
         "description": "Rows in the smallest non-empty slice."},
        {"name": "n_slices", "type": "int", "min": 0, "direction": "none",
         "description": "Slices with at least min_slice_size rows (worst-slice candidates)."},
        {"name": "n_small_slices", "type": "int", "min": 0, "direction": "lower",
         "description": "Slices with fewer than min_slice_size rows (empty ones included)."},
    ],
    resources=[
        {"name": "residuals", "kind": "figure",
         "description": "Residuals against predictions, predictions against truth, and the "
                        "residual histogram."},
        {"name": "confidence_intervals", "kind": "table",
         "description": "Each headline metric with its bootstrap interval."},
        {"name": "slices", "kind": "table",
         "description": "Per slice: rows, MAE, RMSE, mean error, whether it was evaluated and "
                        "whether it is the worst."},
    ],
)
def regression_performance(ctx: Context[RegressionParameters]) -> None:
    """Compute regression metrics of ``model`` on ``dataset`` with scikit-learn."""
    # lazy: heavy, and the AIT modules load with every registry
    from sklearn import metrics

    params = ctx.params
    ds = ctx.dataset("dataset")
    target = ds.require_target()
    ds.require_rows()
    check_target_complete(ds, target)
    y = _numbers(ds.y(), f"target column {target!r} of dataset {ds.name!r}")
    ctx.progress(0, 4)
    model = ctx.model("model")
    raw = model.predict(ds)
    if len(raw) != len(y):
        raise DataError(
            f"the model returned {len(raw)} predictions for {len(y)} rows of dataset "
            f"{ds.name!r}; a predictions column must have one value per row"
        )
    pred = _numbers(raw, "the model's predictions")
    ctx.progress(1, 4)

    with logged_warnings(ctx):
        ctx.measure("mae", metrics.mean_absolute_error(y, pred))
        mse = metrics.mean_squared_error(y, pred)
        ctx.measure("mse", mse)
        ctx.measure("rmse", float(np.sqrt(mse)))
        ctx.measure("median_absolute_error", metrics.median_absolute_error(y, pred))
        ctx.measure("max_error", metrics.max_error(y, pred))
        ctx.measure("mean_error", float(np.mean(pred - y)))
        if len(y) < 2 or np.all(y == y[0]):
            reason = "the target is constant (or has one row), so its variance is 0"
            ctx.undefined("r2", reason)
            ctx.undefined("explained_variance", reason)
        else:
            ctx.measure("r2", metrics.r2_score(y, pred))
            ctx.measure("explained_variance", metrics.explained_variance_score(y, pred))
        zeros = int(np.count_nonzero(y == 0))
        if zeros:
            ctx.undefined("mape", f"{zeros} true value(s) are 0, where a percentage error "
                                  "is not defined")
        else:
            ctx.measure("mape", metrics.mean_absolute_percentage_error(y, pred))
    ctx.measure("n_samples", len(y))
    ctx.progress(2, 4)

    n_boot = params.n_bootstrap
    names = ["mae", "rmse", "r2", "mape"]
    if n_boot == 0:
        for name in names:
            report_interval(ctx, name, None, "n_bootstrap is 0: no intervals were asked for")
    else:
        level = params.confidence_level
        found = regression_intervals(y, pred, n_boot, level, params.seed)
        point = regression_metrics(y, pred)
        rows = []
        for name in names:
            report_interval(ctx, name, found[name],
                            f"{name} is undefined on the data or on most resamples")
            rows.append({"measure": name, "value": point[name], "ci_low": found[name][0],
                         "ci_high": found[name][1], "level": level, "resamples": n_boot})
        ctx.resource("confidence_intervals", rows)
    ctx.progress(3, 4)

    regression_slices(ctx, params, ds, y, pred)
    ctx.resource("residuals", residual_figure(y, pred, seed=params.seed))
    ctx.progress(4, 4)


def _numbers(values: object, what: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataError(f"{what} must be one value per row; got an array of shape {arr.shape}")
    try:
        out = arr.astype(np.float64)
    except (TypeError, ValueError):
        sample = ", ".join(repr(v) for v in arr[:3].tolist())
        raise DataError(
            f"{what} must be numbers for a regression (got values such as {sample}); use "
            "classification_performance for class labels"
        ) from None
    missing = int(np.count_nonzero(~np.isfinite(out)))
    if missing:
        raise DataError(f"{what} have {missing} missing or infinite value(s) in {len(out)} "
                        "rows; every row needs a finite number")
    return out
