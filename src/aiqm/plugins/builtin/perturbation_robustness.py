"""AIT ``perturbation_robustness``: do small input changes change the model's answer?

On a sample of rows the model predicts clean rows, then rows with Gaussian noise
on numeric features (standard deviation = strength × the feature's standard
deviation) and random category swaps (probability = strength), over a sweep of
strengths. It reports how often the prediction flips and how much the metric
drops at each strength. User-declared transformations that must not change the
prediction (metamorphic relations, e.g. "multiplying `id` by 2") are checked
on the same rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.core.constraints import Interval, Length, Options
from aiqm.core.parameters import Param, Parameters
from aiqm.exceptions import DataError
from aiqm.plugins.builtin._model.frames import Predictor, loadable_adapter, sample_rows
from aiqm.plugins.builtin._model.labels import align_labels, as_labels
from aiqm.plugins.builtin._model.params import UNIT, SeedParameters
from aiqm.plugins.builtin._model.perturb import (
    apply_transform,
    column_kinds,
    perturb,
    validate_transforms,
)
from aiqm.plugins.builtin._model.plots import sweep_figure
from aiqm.plugins.sdk import Context, ait

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PerturbationParameters", "perturbation_robustness"]


class _PerturbationOwnParameters(Parameters):
    """The parameters only ``perturbation_robustness`` has (first in its manifest)."""

    strengths: list[float] = Param(
        [0.01, 0.05, 0.1, 0.2, 0.5],
        Interval(low=0.0, high=1.0, closed="right"), Length(min=1, max=20),
        help="Noise standard deviation as a fraction of each numeric feature's standard "
             "deviation, and probability of a category swap.",
        help_ja="ノイズの標準偏差（各数値特徴量の標準偏差に対する割合）と、カテゴリを入れ替える"
                "確率。",
    )
    perturb: str = Param(
        "both", Options(values=("both", "numeric", "categorical")),
        help="Which features to perturb.",
        help_ja="摂動を加える特徴量の種類。",
    )
    n_repeats: int = Param(
        3, Interval(low=1, high=100),
        help="Perturbed copies per strength; rates are averaged.",
        help_ja="強度ごとに作る摂動コピーの数。率はそれらの平均をとる。",
    )
    max_samples: int = Param(
        5000, Interval(low=0, high=None),
        help="Rows sampled from the dataset (0: every row).",
        help_ja="データセットから抽出する行数（0: すべての行）。",
    )
    tolerance: float = Param(
        0.0, Interval(low=0.0, high=None),
        help="Regression: a prediction counts as changed when it moves by more.",
        help_ja="回帰: 予測値がこれより大きく動いたとき、予測が変わったとみなす。",
    )
    invariances: dict[str, Any] = Param(
        {},
        help="Named transformations that must not change the prediction: "
             "{name: {column, op: add|multiply|set|map|shuffle, value | mapping}}.",
        help_ja="予測を変えてはならない、名前付きの変換: "
                "{name: {column, op: add|multiply|set|map|shuffle, value | mapping}}。",
    )


# bases in reverse manifest order: pydantic puts the last base's fields first
class PerturbationParameters(SeedParameters, _PerturbationOwnParameters):
    """The parameters of the ``perturbation_robustness`` AIT."""


@ait(
    id="perturbation_robustness",
    version="1.0.0",
    title="Perturbation robustness",
    description=(
        "Prediction flip rate and metric drop under Gaussian noise on numeric features "
        "(scaled to each feature's spread) and category swaps, over a sweep of strengths; "
        "plus invariance checks for declared transformations that must not change the "
        "prediction (metamorphic relations)."
    ),
    characteristics=["C-2"],
    external_qualities=["AISL", "AIPL"],
    keywords=["robustness", "noise", "perturbation", "metamorphic testing", "invariance"],
    references=[
        {"title": "Segura et al. (2016), A Survey on Metamorphic Testing, IEEE TSE"},
    ],
    inventories=[
        {"name": "dataset", "kind": "dataset",
         "description": "Rows to perturb; with a target, the metric drop is reported too."},
        {"name": "model", "kind": "model",
         "description": "A model aiqm can run (skops, ONNX, joblib or http); not a "
                        "predictions column."},
    ],
    parameters=PerturbationParameters,
    measures=[
        {**UNIT, "name": "flip_rate", "structure": "sequence", "direction": "lower",
         "description": "Per strength: share of rows whose prediction changed."},
        {**UNIT, "name": "max_flip_rate", "direction": "lower",
         "description": "Largest flip rate over the strengths."},
        {"name": "accuracy_drop", "type": "float", "structure": "sequence", "min": -1.0,
         "max": 1.0, "direction": "lower",
         "description": "Classification with a target: clean accuracy minus perturbed accuracy, "
                        "per strength."},
        {"name": "mae_increase", "type": "float", "structure": "sequence", "direction": "lower",
         "description": "Regression with a target: perturbed MAE minus clean MAE, per strength."},
        {"name": "max_metric_drop", "type": "float", "direction": "lower",
         "description": "Largest accuracy drop (or MAE increase) over the strengths."},
        {**UNIT, "name": "clean_accuracy", "direction": "higher",
         "description": "Accuracy on the unperturbed sample (classification with a target)."},
        {"name": "clean_mae", "type": "float", "min": 0.0, "direction": "lower",
         "description": "MAE on the unperturbed sample (regression with a target)."},
        {**UNIT, "name": "invariance_violation_rate", "structure": "sequence",
         "direction": "lower",
         "description": "Per declared invariance (in name order): share of rows whose "
                        "prediction changed."},
        {**UNIT, "name": "max_invariance_violation_rate", "direction": "lower",
         "description": "Largest violation rate over the declared invariances."},
        {"name": "n_samples", "type": "int", "min": 0, "direction": "none",
         "description": "Rows perturbed."},
    ],
    resources=[
        {"name": "sweep", "kind": "figure",
         "description": "Flip rate and metric drop against strength."},
        {"name": "strengths", "kind": "table",
         "description": "Per strength: flip rate, its spread over repeats, metric and drop."},
        {"name": "invariances", "kind": "table",
         "description": "Per declared invariance: column, operation, violations and rate."},
    ],
)
def perturbation_robustness(ctx: Context[PerturbationParameters]) -> None:
    """Sweep perturbation strengths and check declared invariances."""
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa

    params = ctx.params
    ds = ctx.dataset("dataset")
    ds.require_rows()
    adapter = loadable_adapter(ctx.model("model"), "perturbation_robustness",
                               "it predicts on perturbed rows")
    features = list(ds.features)
    transforms = validate_transforms(params.invariances, features)
    rows = sample_rows(ds, params.max_samples, params.seed)
    X = ds.table.take(pa.array(rows)).select(features).to_pandas()
    predictor = Predictor(adapter, features)
    clean = predictor.predict(X)
    classify = adapter.classes_ is not None or clean.dtype.kind not in "fc"
    truth = _truth(ds, rows, classify)
    numeric, categorical = column_kinds(X)
    if params.perturb == "numeric":
        categorical = []
    elif params.perturb == "categorical":
        numeric = []
    if not numeric and not categorical:
        raise DataError(f"dataset {ds.name!r} has no {params.perturb} feature to perturb; "
                        "choose another `perturb` setting")
    spread = {c: float(np.nan_to_num(np.nanstd(X[c].to_numpy(dtype=np.float64,
                                                              na_value=np.nan))))
              for c in numeric}
    pools = {c: X[c].dropna().astype(object).to_numpy() for c in categorical}
    ctx.measure("n_samples", len(X))
    ctx.progress(1, 3)

    table = _sweep(ctx, X, predictor, clean, truth, classify, numeric, categorical, spread, pools)
    ctx.resource("strengths", table)
    ctx.progress(2, 3)
    _invariances(ctx, X, predictor, clean, classify, transforms)
    ctx.progress(3, 3)


def _truth(ds: Any, rows: np.ndarray, classify: bool) -> np.ndarray | None:
    """The sample's target: labels (classification) or floats (regression), or None."""
    if ds.target is None:
        return None
    y = np.asarray(ds.y())[rows]
    if not classify:
        return y.astype(np.float64)
    return as_labels(y, f"target column {ds.target!r}")


def _changed(a: np.ndarray, b: np.ndarray, classify: bool, tol: float) -> np.ndarray:
    if classify:
        return np.asarray(a != b)
    return np.abs(a.astype(np.float64) - b.astype(np.float64)) > tol


def _score(pred: np.ndarray, truth: np.ndarray | None, classify: bool) -> float | None:
    if truth is None:
        return None
    if classify:
        p = align_labels(as_labels(pred, "the model's predictions"), truth,
                         what="the model's predictions", target="target")
        return float(np.mean(p == truth))
    return float(np.mean(np.abs(pred.astype(np.float64) - truth)))


def _sweep(
    ctx: Context[PerturbationParameters], X: pd.DataFrame, predictor: Predictor,
    clean: np.ndarray, truth: np.ndarray | None, classify: bool, numeric: list[str],
    categorical: list[str], spread: dict[str, float], pools: dict[str, np.ndarray],
) -> list[dict[str, Any]]:
    strengths = sorted(ctx.params.strengths)
    n_repeats = ctx.params.n_repeats
    tol = ctx.params.tolerance
    rng = np.random.default_rng(ctx.params.seed)
    base = _score(clean, truth, classify)
    table, flips, drops = [], [], []
    for i, s in enumerate(strengths):
        rates, scores = [], []
        for _ in range(n_repeats):
            Xp = perturb(X, s, rng, numeric=numeric, categorical=categorical, spread=spread,
                         pools=pools)
            pred = predictor.predict(Xp)
            rates.append(float(np.mean(_changed(pred, clean, classify, tol))))
            score = _score(pred, truth, classify)
            if score is not None:
                scores.append(score)
        flip = float(np.mean(rates))
        flips.append(flip)
        row: dict[str, Any] = {"strength": s, "flip_rate": flip,
                               "flip_rate_std": float(np.std(rates))}
        if base is not None:
            mean_score = float(np.mean(scores))
            drop = (base - mean_score) if classify else (mean_score - base)
            drops.append(drop)
            row.update({"metric": "accuracy" if classify else "mae", "clean": base,
                        "perturbed": mean_score, "drop": drop})
        table.append(row)
        ctx.progress(1 + (i + 1) / len(strengths) / 2, 3)
    ctx.measure("flip_rate", flips)
    ctx.measure("max_flip_rate", max(flips))
    drop_name, other = ("accuracy_drop", "mae_increase") if classify else \
        ("mae_increase", "accuracy_drop")
    ctx.undefined(other, "the model is a " + ("classifier" if classify else "regressor"))
    clean_name, other_clean = ("clean_accuracy", "clean_mae") if classify else \
        ("clean_mae", "clean_accuracy")
    ctx.undefined(other_clean, "the model is a " + ("classifier" if classify else "regressor"))
    if base is None:
        reason = "the dataset has no target; set `target` on the inventory to measure the drop"
        for name in (drop_name, "max_metric_drop", clean_name):
            ctx.undefined(name, reason)
        series = {"flip rate": flips}
    else:
        ctx.measure(drop_name, drops)
        ctx.measure("max_metric_drop", max(drops))
        ctx.measure(clean_name, base)
        series = {"flip rate": flips, drop_name.replace("_", " "): drops}
    ctx.resource("sweep", sweep_figure(
        strengths, series, f"Perturbation sweep ({len(X)} rows, {n_repeats} repeats)",
        "strength (noise σ / feature σ; swap probability)"))
    return table


def _invariances(
    ctx: Context[PerturbationParameters], X: pd.DataFrame, predictor: Predictor,
    clean: np.ndarray, classify: bool, transforms: dict[str, dict[str, Any]],
) -> None:
    if not transforms:
        reason = "no `invariances` were declared"
        ctx.undefined("invariance_violation_rate", reason)
        ctx.undefined("max_invariance_violation_rate", reason)
        return
    rng = np.random.default_rng(ctx.params.seed + 1)
    tol = ctx.params.tolerance
    rows, rates = [], []
    for name in sorted(transforms):
        t = transforms[name]
        pred = predictor.predict(apply_transform(X, t, rng))
        changed = _changed(pred, clean, classify, tol)
        rate = float(np.mean(changed))
        rates.append(rate)
        rows.append({"invariance": name, "column": t["column"], "op": t["op"],
                     "value": t.get("value", t.get("mapping")),
                     "violations": int(changed.sum()), "rows": len(X), "rate": rate})
    ctx.measure("invariance_violation_rate", rates)
    ctx.measure("max_invariance_violation_rate", max(rates))
    ctx.resource("invariances", rows)
