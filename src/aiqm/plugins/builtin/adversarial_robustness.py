"""AIT ``adversarial_robustness``: how small a change of the inputs flips the model?

MLQM C-2 level 2 asks for stability in the neighbourhood of the data points
(adversarial examples). This AIT runs a black-box, decision-based evasion
attack from the Adversarial Robustness Toolbox (HopSkipJump, or the Boundary
attack) on a sample of correctly classified rows, moving their numeric features
in units of each feature's standard deviation. An attack succeeds when it
flips the prediction within the L2 or L∞ budget ``epsilon``. The number of
rows and the queries per row are capped, and the caps are reported with the
result. Needs ``pip install 'aiqm[robustness]'``.
"""

from __future__ import annotations

import numpy as np

from aiqm.core.constraints import Interval, Options
from aiqm.core.parameters import Param, Parameters
from aiqm.exceptions import DataError, InvalidParameterError
from aiqm.plugins.builtin._model.attack import AttackResult, RowAttack, import_art
from aiqm.plugins.builtin._model.frames import Predictor, loadable_adapter
from aiqm.plugins.builtin._model.labels import align_labels, as_labels
from aiqm.plugins.builtin._model.params import UNIT, SeedParameters
from aiqm.plugins.builtin._model.plots import sweep_figure
from aiqm.plugins.sdk import Context, ait

__all__ = ["AttackParameters", "adversarial_robustness"]


class _AttackOwnParameters(Parameters):
    """The parameters only ``adversarial_robustness`` has (first in its manifest)."""

    attack: str = Param(
        "hop_skip_jump", Options(values=("hop_skip_jump", "boundary")),
        help="The attack: hop_skip_jump (L2 or L∞) or boundary (L2 only).",
        help_ja="攻撃手法: hop_skip_jump（L2 または L∞）か boundary（L2 のみ）。",
    )
    norm: str = Param(
        "l2", Options(values=("l2", "linf")),
        help="The norm of the perturbation budget.",
        help_ja="摂動の予算を測るノルム。",
    )
    epsilon: float = Param(
        0.5, Interval(low=0.0, high=None, closed="neither"),
        help="Budget: largest perturbation norm, in standard deviations of the features, that "
             "counts as a successful attack.",
        help_ja="予算: 攻撃成功とみなす摂動のノルムの上限（特徴量の標準偏差を単位とする）。",
    )
    n_samples: int = Param(
        20, Interval(low=1, high=10_000),
        help="Correctly classified rows attacked (a random sample).",
        help_ja="攻撃する、正しく分類された行の数（無作為に抽出する）。",
    )
    max_queries: int = Param(
        2000, Interval(low=10, high=1_000_000),
        help="Model queries (rows predicted) allowed per attacked row.",
        help_ja="攻撃する 1 行あたりに許す、モデルへの問い合わせ数（予測する行数）。",
    )
    max_iter: int = Param(
        20, Interval(low=1, high=1000),
        help="Attack iterations per row.",
        help_ja="1 行あたりの攻撃の反復回数。",
    )


# bases in reverse manifest order: pydantic puts the last base's fields first
class AttackParameters(SeedParameters, _AttackOwnParameters):
    """The parameters of the ``adversarial_robustness`` AIT."""


@ait(
    id="adversarial_robustness",
    version="1.0.0",
    title="Adversarial robustness (black-box evasion)",
    description=(
        "Black-box evasion attack (HopSkipJump or Boundary attack, Adversarial Robustness "
        "Toolbox) on correctly classified rows of a tabular classifier, within an L2 or L∞ "
        "budget in standard-deviation units: success rate, minimal perturbation found, per-class "
        "breakdown, with the caps on rows and queries reported."
    ),
    characteristics=["C-2"],
    external_qualities=["AISL"],
    keywords=["adversarial", "evasion", "hopskipjump", "boundary attack", "robustness", "art"],
    references=[
        {"title": "Chen, Jordan & Wainwright (2020), HopSkipJumpAttack: A Query-Efficient "
                  "Decision-Based Attack, IEEE S&P"},
        {"title": "Brendel, Rauber & Bethge (2018), Decision-Based Adversarial Attacks, ICLR"},
        {"title": "Adversarial Robustness Toolbox (MIT licence)",
         "url": "https://adversarial-robustness-toolbox.readthedocs.io/"},
    ],
    licenses=["Apache-2.0", "MIT"],
    inventories=[
        {"name": "dataset", "kind": "dataset", "requires_target": True,
         "description": "Labelled rows; correctly classified ones are attacked."},
        {"name": "model", "kind": "model",
         "description": "A classifier aiqm can run (skops, ONNX, joblib or http)."},
    ],
    parameters=AttackParameters,
    measures=[
        {**UNIT, "name": "attack_success_rate", "direction": "lower",
         "description": "Share of attacked rows flipped within the budget epsilon."},
        {**UNIT, "name": "robust_accuracy", "direction": "higher",
         "description": "Share of attacked rows not flipped within epsilon "
                        "(1 − attack_success_rate)."},
        {**UNIT, "name": "adversarial_found_rate", "direction": "lower",
         "description": "Share of attacked rows for which the attack found any flip."},
        {"name": "mean_min_perturbation", "type": "float", "min": 0.0, "direction": "higher",
         "description": "Mean norm of the smallest flip found (over rows with one), in "
                        "standard deviations."},
        {"name": "median_min_perturbation", "type": "float", "min": 0.0, "direction": "higher",
         "description": "Median of the same."},
        {**UNIT, "name": "success_rate_per_class", "structure": "sequence", "direction": "lower",
         "description": "attack_success_rate per true class of the attacked rows, in class "
                        "order (classes without attacked rows left out)."},
        {"name": "n_attacked", "type": "int", "min": 0, "direction": "none",
         "description": "Rows attacked (≤ n_samples)."},
        {"name": "query_cap", "type": "int", "min": 0, "direction": "none",
         "description": "Queries allowed per row (max_queries)."},
        {"name": "n_queries", "type": "int", "min": 0, "direction": "none",
         "description": "Model queries spent in total (rows predicted by the attack)."},
        {"name": "n_capped", "type": "int", "min": 0, "direction": "none",
         "description": "Rows whose attack used up its query cap."},
    ],
    resources=[
        {"name": "attacked_rows", "kind": "table",
         "description": "Per attacked row: its index, class, whether a flip was found, the "
                        "perturbation norm, success within epsilon, queries spent."},
        {"name": "per_class", "kind": "table",
         "description": "Per class: rows attacked, successes, success rate."},
        {"name": "success_curve", "kind": "figure",
         "description": "Share of attacked rows flipped against the budget, with epsilon marked."},
    ],
)
def adversarial_robustness(ctx: Context[AttackParameters]) -> None:
    """Attack correctly classified rows of ``dataset`` and report the success rate."""
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa

    params = ctx.params
    import_art()  # fail early, with the install command, when ART is missing
    method, norm_name = params.attack, params.norm
    if method == "boundary" and norm_name != "l2":
        raise InvalidParameterError(
            "The 'norm' parameter of AIT 'adversarial_robustness' must be 'l2' with "
            "attack 'boundary' (the Boundary attack minimises the L2 norm). Got 'linf' instead.")
    norm = 2.0 if norm_name == "l2" else float("inf")
    ds = ctx.dataset("dataset")
    target = ds.require_target()
    ds.require_rows()
    adapter = loadable_adapter(ctx.model("model"), "adversarial_robustness",
                               "the attack queries it on new rows")
    if adapter.classes_ is None:
        raise DataError(f"model {adapter.inventory!r} has no classes; adversarial_robustness "
                        "attacks classifiers")
    features = list(ds.features)
    table = ds.table.select(features)
    numeric = [f.name for f in table.schema
               if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)]
    if not numeric:
        raise DataError(f"dataset {ds.name!r} has no numeric feature to perturb; the attack "
                        "moves numeric features only")
    finite = np.ones(table.num_rows, dtype=bool)
    stats = []
    for c in numeric:
        col = table.column(c).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        finite &= np.isfinite(col)
        stats.append((np.nanmean(col), np.nanstd(col), np.nanmin(col), np.nanmax(col)))
    mean, std, lo, hi = (np.array(v) for v in zip(*stats, strict=True))
    std = np.where(std > 0, std, 1.0)
    low, high = (lo - mean) / std, (hi - mean) / std

    predictor = Predictor(adapter, features)
    seed = params.seed
    rng = np.random.default_rng(seed)
    n_samples = params.n_samples
    # predict a random pool of complete rows (not the whole dataset) and keep the correct ones
    complete = np.flatnonzero(finite)
    if len(complete) == 0:
        raise DataError(f"every row of dataset {ds.name!r} has a missing or infinite numeric "
                        "feature; there is nothing to attack")
    pool = np.sort(rng.choice(complete, size=min(len(complete), max(1000, 50 * n_samples)),
                              replace=False))
    y_all = as_labels(ds.y(), f"target column {target!r}")
    y_pool = y_all[pool]
    pred = align_labels(as_labels(predictor.predict(table.take(pa.array(pool))),
                                  "the model's predictions"), y_pool,
                        what="the model's predictions", target=target)
    candidates = pool[pred == y_pool]
    if len(candidates) == 0:
        raise DataError(f"no sampled row of dataset {ds.name!r} is both correctly classified "
                        "and free of missing numeric values; there is nothing to attack")
    n = min(n_samples, len(candidates))
    chosen = np.sort(rng.choice(candidates, size=n, replace=False))
    attacker = RowAttack(predictor, table, numeric, mean, std, low, high)
    results: list[AttackResult] = []
    for j, i in enumerate(chosen):
        results.append(attacker.attack(int(i), method=method, norm=norm,
                                       max_iter=params.max_iter,
                                       max_queries=params.max_queries,
                                       seed=seed + j))
        ctx.progress(j + 1, n)
    _report(ctx, results, y_all[chosen], params.epsilon)


def _report(
    ctx: Context[AttackParameters], results: list[AttackResult], truth: np.ndarray, eps: float
) -> None:
    found = np.array([r.found for r in results])
    dist = np.array([r.distance for r in results])
    success = found & (np.nan_to_num(dist, nan=np.inf) <= eps)
    rate = float(success.mean())
    ctx.measure("attack_success_rate", rate)
    ctx.measure("robust_accuracy", 1.0 - rate)
    ctx.measure("adversarial_found_rate", float(found.mean()))
    if found.any():
        ctx.measure("mean_min_perturbation", float(np.mean(dist[found])))
        ctx.measure("median_min_perturbation", float(np.median(dist[found])))
    else:
        reason = "the attack found no flip for any attacked row within its query cap"
        ctx.undefined("mean_min_perturbation", reason)
        ctx.undefined("median_min_perturbation", reason)
    classes = sorted(set(truth.tolist()), key=str)
    per_class = []
    for c in classes:
        mask = truth == c
        per_class.append({"class": c, "attacked": int(mask.sum()),
                          "successes": int(success[mask].sum()),
                          "success_rate": float(success[mask].mean())})
    ctx.measure("success_rate_per_class", [r["success_rate"] for r in per_class])
    ctx.measure("n_attacked", len(results))
    ctx.measure("query_cap", ctx.params.max_queries)
    ctx.measure("n_queries", sum(r.queries for r in results))
    ctx.measure("n_capped", sum(r.capped for r in results))
    ctx.resource("attacked_rows", [
        {"row": r.row, "class": t, "found": r.found,
         "distance": None if not r.found else r.distance, "success": bool(s),
         "queries": r.queries, "capped": r.capped}
        for r, t, s in zip(results, truth.tolist(), success, strict=True)
    ])
    ctx.resource("per_class", per_class)
    finite = dist[found]
    top = float(max(eps * 2, finite.max() if len(finite) else eps * 2))
    grid = np.linspace(0, top, 50)
    curve = [float(np.mean(found & (np.nan_to_num(dist, nan=np.inf) <= g))) for g in grid]
    fig = sweep_figure(grid.tolist(), {"share of rows flipped": curve},
                       f"Attack success against budget ({len(results)} rows, "
                       f"{ctx.params.norm}, ≤ {ctx.params.max_queries} queries/row)",
                       "perturbation budget (standard deviations)")
    fig.axes[0].axvline(eps, color="red", ls="--", lw=1)
    ctx.resource("success_curve", fig)


