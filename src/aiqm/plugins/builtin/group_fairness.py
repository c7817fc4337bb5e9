"""AIT ``group_fairness``: do a classifier's decisions and errors differ between groups?

Groups come from one or several sensitive attributes and their intersections;
rates and disparities follow ``fairlearn.metrics`` (see
:mod:`aiqm.plugins.builtin._model.fairness`). Groups smaller than
``min_group_size`` and empty intersections are listed in the table and counted,
never silently dropped, but do not enter the disparities.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aiqm.core.constraints import Interval, Length, Options
from aiqm.core.parameters import REQUIRED, Param, Parameters
from aiqm.exceptions import DataError
from aiqm.plugins.builtin._model.classification import score_classifier
from aiqm.plugins.builtin._model.fairness import RATES, GroupRates, disparities, group_rates
from aiqm.plugins.builtin._model.labels import positive_label
from aiqm.plugins.builtin._model.params import UNIT
from aiqm.plugins.builtin._model.slicing import Grouping, cross_groupings, groupings
from aiqm.plugins.sdk import Context, ait

__all__ = ["FairnessParameters", "group_fairness"]

_DISPARITIES = [
    ("demographic_parity_difference", "lower",
     "Largest minus smallest selection rate over the evaluated groups."),
    ("demographic_parity_ratio", "higher",
     "Smallest divided by largest selection rate (1 is parity; 0.8 is the four-fifths rule)."),
    ("equalized_odds_difference", "lower",
     "The larger of the true positive rate and false positive rate differences."),
    ("equalized_odds_ratio", "higher",
     "The smaller of the true positive rate and false positive rate ratios."),
    ("equal_opportunity_difference", "lower",
     "Largest minus smallest true positive rate over the evaluated groups."),
    ("equal_opportunity_ratio", "higher",
     "Smallest divided by largest true positive rate."),
]
_PER_GROUP = [
    ("selection_rate", "Share of the group's rows predicted positive."),
    ("true_positive_rate", "Share of the group's positive rows predicted positive."),
    ("false_positive_rate", "Share of the group's negative rows predicted positive."),
    ("false_negative_rate", "Share of the group's positive rows predicted negative."),
    ("precision", "Share of the group's positive predictions that are positive."),
]


class FairnessParameters(Parameters):
    """The parameters of the ``group_fairness`` AIT."""

    positive_label: str | None = Param(
        None,
        help="The favourable class, as text; null takes the greater of two classes "
             "(required with more than two classes: that class against the rest).",
        help_ja="望ましい結果を表すクラスを文字列で書く。null のときは 2 つのクラスのうち大きい方を"
                "使う（クラスが 3 つ以上なら必須で、そのクラスを残りのクラスと比べる）。",
    )
    min_group_size: int = Param(
        30, Interval(low=1, high=None),
        help="Groups with fewer rows are reported but left out of the disparities.",
        help_ja="行数がこれより少ないグループは報告はされるが、格差の計算からは除かれる。",
    )
    n_bins: int = Param(
        4, Interval(low=2, high=20),
        help="Quantile bins for a numeric sensitive attribute with more distinct values.",
        help_ja="異なる値の数がこれより多い数値のセンシティブ属性を、分位点で区切るビンの数。",
    )
    undefined_rates: str = Param(
        "exclude", Options(values=("exclude", "zero")),
        help="A rate with a zero denominator in a group (e.g. TPR without positive rows): "
             "'exclude' leaves the group out of that disparity; 'zero' counts it as 0, as "
             "fairlearn does.",
        help_ja="グループ内で分母が 0 になる率（例: 陽性の行がないグループの TPR）の扱い。"
                "'exclude' はそのグループをその格差の計算から除き、'zero' は fairlearn と同じく"
                " 0 として数える。",
    )
    # required, and last so that other parameters' messages come first
    sensitive: list[str] = Param(
        REQUIRED, Length(min=1, max=5),
        help="Sensitive attribute columns; with several, groups are their intersections.",
        help_ja="センシティブ属性の列。複数のときは、それらの値の組み合わせ（交差）をグループとする。",
    )


@ait(
    id="group_fairness",
    version="1.0.0",
    title="Group fairness",
    description=(
        "Per-group size, selection rate, TPR, FPR, FNR and precision over one or several "
        "sensitive attributes and their intersections, with demographic parity, equalized "
        "odds and equal opportunity differences and ratios (fairlearn's definitions). Small "
        "and empty groups are reported, not dropped."
    ),
    characteristics=["AIFL"],
    external_qualities=["AIFL"],
    keywords=["fairness", "demographic parity", "equalized odds", "equal opportunity",
              "fairlearn", "intersectional"],
    references=[
        {"title": "fairlearn: Common fairness metrics",
         "url": "https://fairlearn.org/main/user_guide/assessment/common_fairness_metrics.html"},
        {"title": "Hardt, Price & Srebro (2016), Equality of Opportunity in Supervised Learning"},
    ],
    inventories=[
        {"name": "dataset", "kind": "dataset", "requires_target": True,
         "description": "Labelled data holding the sensitive attribute columns."},
        {"name": "model", "kind": "model",
         "description": "The classifier (any model kind), or a column of its predictions."},
    ],
    parameters=FairnessParameters,
    measures=[
        *[{"name": n, "type": "float", "min": 0.0, "max": 1.0, "direction": d,
           "description": desc} for n, d, desc in _DISPARITIES],
        *[{**UNIT, "name": f"{n}_per_group", "structure": "sequence", "direction": "none",
           "description": f"{desc} One value per evaluated group, in table order."}
          for n, desc in _PER_GROUP],
        {"name": "group_size_per_group", "type": "int", "structure": "sequence", "min": 0,
         "direction": "none", "description": "Rows of each evaluated group, in table order."},
        {"name": "n_groups", "type": "int", "min": 0, "direction": "none",
         "description": "Groups listed (every intersection, empty ones included)."},
        {"name": "n_evaluated_groups", "type": "int", "min": 0, "direction": "none",
         "description": "Groups with at least min_group_size rows."},
        {"name": "n_small_groups", "type": "int", "min": 0, "direction": "lower",
         "description": "Non-empty groups with fewer than min_group_size rows."},
        {"name": "n_empty_groups", "type": "int", "min": 0, "direction": "none",
         "description": "Intersections (or categories) without any row."},
        {"name": "n_single_class_groups", "type": "int", "min": 0, "direction": "none",
         "description": "Evaluated groups whose rows all have the same true class."},
        {"name": "smallest_group_size", "type": "int", "min": 0, "direction": "none",
         "description": "Rows in the smallest non-empty group."},
    ],
    resources=[
        {"name": "groups", "kind": "table",
         "description": "Every group of every attribute and of the intersection: rows, "
                        "positives, negatives, the five rates, and whether it was evaluated."},
        {"name": "disparities", "kind": "table",
         "description": "The disparities of each attribute on its own and of the intersection."},
        {"name": "group_rates", "kind": "figure",
         "description": "Selection rate, TPR and FPR of each evaluated group."},
    ],
)
def group_fairness(ctx: Context[FairnessParameters]) -> None:
    """Compute group rates and disparities of ``model`` on ``dataset``."""
    params = ctx.params
    ds = ctx.dataset("dataset")
    sensitive = list(params.sensitive)
    ds.require_columns(*sensitive, why="set `sensitive` to columns of the dataset")
    s = score_classifier(ctx, "dataset", "model", params.positive_label)
    if s.binary:
        pos = s.pos
    elif params.positive_label is None:
        raise DataError(
            f"the target and predictions hold {len(s.labels)} classes "
            f"({', '.join(str(c) for c in s.labels.tolist()[:10])}); group fairness compares "
            "one favourable class against the rest, so set `positive_label` to it"
        )
    else:
        pos = positive_label(params.positive_label, s.labels, ctx.model("model"), s.y,
                             s.target)
    y, pred = s.y == pos, s.pred == pos
    ctx.progress(1, 4)

    parts = groupings(ds, sensitive, n_bins=params.n_bins)
    all_groups = [*parts, cross_groupings(parts)] if len(parts) > 1 else parts
    min_size = params.min_group_size
    mode = params.undefined_rates
    table: list[dict[str, Any]] = []
    summary: list[dict[str, Any]] = []
    for grouping in all_groups:
        rates, dis, evaluated = _assess(grouping, y, pred, min_size, mode)
        table += _rows(grouping, rates, evaluated)
        summary.append({"groups": grouping.name, "n_evaluated": int(evaluated.sum()),
                        **{k: (v if np.isfinite(v) else None) for k, v in dis.values.items()}})
    ctx.progress(2, 4)

    headline = all_groups[-1]
    rates, dis, evaluated = _assess(headline, y, pred, min_size, mode)
    _report(ctx, headline, rates, dis, evaluated, mode)
    ctx.resource("groups", table)
    ctx.resource("disparities", summary)
    ctx.progress(3, 4)
    if evaluated.any():
        ctx.resource("group_rates", _figure(headline, rates, evaluated))
    ctx.progress(4, 4)


def _assess(
    g: Grouping, y: np.ndarray, pred: np.ndarray, min_size: int, mode: str
) -> tuple[GroupRates, Any, np.ndarray]:
    rates = group_rates(g.codes, len(g.values), y, pred)
    evaluated = rates.size >= min_size
    return rates, disparities(rates, evaluated, mode), evaluated


def _rows(g: Grouping, rates: GroupRates, evaluated: np.ndarray) -> list[dict[str, Any]]:
    rows = []
    for i, values in enumerate(g.values):
        row: dict[str, Any] = {"groups": g.name, "group": g.labels[i]}
        row.update(dict(zip(g.columns, values, strict=True)))
        row.update(size=int(rates.size[i]), positives=int(rates.positives[i]),
                   negatives=int(rates.negatives[i]))
        for name in RATES:
            v = rates.rates[name][i]
            row[name] = float(v) if np.isfinite(v) else None
        row["evaluated"] = bool(evaluated[i])
        row["note"] = ("empty" if rates.size[i] == 0 else
                       "below min_group_size" if not evaluated[i] else
                       "single class" if min(rates.positives[i], rates.negatives[i]) == 0 else "")
        rows.append(row)
    return rows


def _report(
    ctx: Context[FairnessParameters], g: Grouping, rates: GroupRates, dis: Any,
    evaluated: np.ndarray, mode: str,
) -> None:
    for name, value in dis.values.items():
        if np.isfinite(value):
            ctx.measure(name, value)
        else:
            ctx.undefined(name, dis.reasons.get(name, "undefined"))
    labels = [g.labels[i] for i in np.flatnonzero(evaluated)]
    for name in RATES:
        values = rates.rates[name][evaluated]
        if mode == "zero":
            values = np.nan_to_num(values, nan=0.0)
        bad = [lab for lab, v in zip(labels, values, strict=True) if not np.isfinite(v)]
        if not labels:
            ctx.undefined(f"{name}_per_group", "no group has at least min_group_size rows")
        elif bad:
            ctx.undefined(f"{name}_per_group",
                          f"undefined in group(s) {', '.join(bad[:5])} (zero denominator); "
                          "see the groups table")
        else:
            ctx.measure(f"{name}_per_group", values)
    size = rates.size
    non_empty = size > 0
    ctx.measure("group_size_per_group", size[evaluated].astype(np.int64))
    ctx.measure("n_groups", len(g.values))
    ctx.measure("n_evaluated_groups", int(evaluated.sum()))
    ctx.measure("n_small_groups", int((non_empty & ~evaluated).sum()))
    ctx.measure("n_empty_groups", int((~non_empty).sum()))
    single = evaluated & ((rates.positives == 0) | (rates.negatives == 0))
    ctx.measure("n_single_class_groups", int(single.sum()))
    ctx.measure("smallest_group_size", int(size[non_empty].min()) if non_empty.any() else 0)
    small = [g.labels[i] for i in np.flatnonzero(non_empty & ~evaluated)]
    if small:
        ctx.log.warning("groups below min_group_size (reported, not in the disparities): %s",
                        ", ".join(small[:20]))


def _figure(g: Grouping, rates: GroupRates, evaluated: np.ndarray) -> Any:
    # lazy: heavy, and the AIT modules load with every registry
    from matplotlib.figure import Figure

    idx = np.flatnonzero(evaluated)
    labels = [g.labels[i] for i in idx]
    fig = Figure(figsize=(max(5.0, 0.6 * len(idx) + 2), 4.0), layout="constrained")
    ax = fig.add_subplot()
    width = 0.27
    x = np.arange(len(idx))
    for j, (name, short) in enumerate((("selection_rate", "selection rate"),
                                       ("true_positive_rate", "TPR"),
                                       ("false_positive_rate", "FPR"))):
        ax.bar(x + (j - 1) * width, np.nan_to_num(rates.rates[name][idx]), width, label=short)
    ax.set_xticks(x, labels, rotation=30 if len(idx) > 4 else 0, ha="right" if len(idx) > 4
                  else "center", fontsize="small")
    ax.set(ylim=(0, 1), ylabel="rate")
    ax.set_title(f"Rates by group ({g.name})", fontsize="medium")
    ax.legend(fontsize="small")
    return fig


# issue 19: example inputs for the conformance suite (`aiqm ait check group_fairness`)
@group_fairness.example
def _example(workdir: Any, rows: int | None) -> dict[str, Any]:
    """A labelled table with a two-group ``group`` column and a classifier fitted on it."""
    # lazy: heavy, and only the conformance suite builds the example
    import pandas as pd
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame({"x": rng.normal(size=n), "group": rng.choice(["a", "b"], n)})
    noise = rng.normal(0, 0.5, n)
    frame["label"] = (frame["x"] + 0.5 * (frame["group"] == "a") + noise > 0).astype("int64")
    encode = make_column_transformer((OneHotEncoder(), ["group"]), remainder="passthrough")
    model = make_pipeline(encode, LogisticRegression()).fit(frame[["x", "group"]], frame["label"])
    return {"datasets": {"dataset": frame.iloc[: n if rows is None else rows]},
            "targets": {"dataset": "label"}, "models": {"model": model},
            "params": {"sensitive": ["group"]}}
