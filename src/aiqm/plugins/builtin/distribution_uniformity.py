"""AIT ``distribution_uniformity``: class and attribute balance, fit to an expected
distribution, and per-case counts against planned volumes.

Counts per value come from the dataset profile (cached by digest), so a column
already profiled is not read again; numeric columns cut into given bins, and
cases defined by several columns, are counted in one pass.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.core.constraints import Length
from aiqm.exceptions import DataError
from aiqm.plugins.builtin._tabular import columns as colmod
from aiqm.plugins.builtin._tabular import figures
from aiqm.plugins.builtin._tabular.binning import (
    Attribute,
    attribute_codes,
    build_attribute,
    categorical_attribute,
    parse_combination,
)
from aiqm.plugins.builtin._tabular.coverage import ComboCounter
from aiqm.plugins.builtin._tabular.profile_cache import get_profiles
from aiqm.plugins.sdk import Context, Param, Parameters, ait

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from aiqm.data.dataset import Dataset
    from aiqm.plugins.builtin._tabular.profile import ColumnProfile

__all__ = ["UniformityParameters", "balance_stats", "distribution_uniformity", "goodness_of_fit"]

_RATIO = {"type": "float", "min": 0.0, "max": 1.0}


class UniformityParameters(Parameters):
    """The parameters of the ``distribution_uniformity`` AIT."""

    columns: list[str] | None = Param(
        None, Length(min=1),
        help="Columns whose balance is measured; null takes the target, or else every text and "
             "boolean column.",
        help_ja="バランスを測る列。null のときは目的変数を、目的変数がなければすべてのテキスト列と"
                "真偽値列を使う。",
    )
    bins: dict[str, Any] = Param(
        {},
        help="{column: [edges]}: bins of numeric columns with more than 10 distinct values.",
        help_ja="{列: [境界値]}: 異なる値が 10 個を超える数値列のビン。",
    )
    expected: dict[str, Any] = Param(
        {},
        help="{column: {value: share or count}}: the distribution each column should follow; its "
             "values define the column's categories.",
        help_ja="{列: {値: 割合または件数}}: 各列が従うべき分布。ここに挙げた値がその列のカテゴリ"
                "になる。",
    )
    case_columns: list[str] | None = Param(
        None, Length(min=1),
        help="Columns whose value combinations are the cases of 'planned_counts'.",
        help_ja="値の組合せを 'planned_counts' のケースとする列。",
    )
    planned_counts: dict[str, Any] = Param(
        {},
        help="{case: rows}: planned volume per case, a case written 'column=value & "
             "column=value' (or just the value with one case column).",
        help_ja="{ケース: 行数}: ケースごとに計画したデータ量。ケースは 'column=value & "
                "column=value' の形で書く（ケース列が 1 つなら値だけでよい）。",
    )


@ait(
    id="distribution_uniformity",
    version="1.0.0",
    title="Distribution uniformity",
    description=(
        "Class and attribute balance (imbalance ratio, normalised entropy, minority share), "
        "goodness of fit to an expected distribution (chi-square test, KL divergence, "
        "Jensen–Shannon distance) and per-case counts against planned volumes."
    ),
    characteristics=["B-2"],
    external_qualities=["AISL", "AIFL", "AIPL"],
    keywords=["data quality", "balance", "class imbalance", "uniformity", "goodness of fit"],
    references=[
        {"title": "scipy.stats.chisquare, scipy.stats.entropy, "
                  "scipy.spatial.distance.jensenshannon",
         "url": "https://docs.scipy.org/doc/scipy/reference/stats.html"},
        {"title": "AIST Machine Learning Quality Management Guideline, 3rd ed., B-2"},
    ],
    inventories=[
        {"name": "dataset", "kind": "dataset", "description": "The data whose balance is measured."},
    ],
    parameters=UniformityParameters,
    measures=[
        {"name": "imbalance_ratio", "type": "float", "min": 1.0, "direction": "lower",
         "description": "Largest over the columns of (largest category count / smallest)."},
        {"name": "imbalance_ratio_per_column", "type": "float", "structure": "sequence",
         "min": 1.0, "direction": "lower", "description": "Per column, in column order."},
        {**_RATIO, "name": "normalized_entropy", "direction": "higher",
         "description": "Smallest over the columns of (Shannon entropy / ln(categories))."},
        {**_RATIO, "name": "normalized_entropy_per_column", "structure": "sequence",
         "direction": "higher", "description": "Per column, in column order."},
        {**_RATIO, "name": "minority_share", "direction": "higher",
         "description": "Smallest category share over the columns."},
        {**_RATIO, "name": "expected_chi2_p_value", "direction": "higher",
         "description": "Smallest chi-square goodness-of-fit p-value over the 'expected' columns."},
        {"name": "expected_kl_divergence", "type": "float", "min": 0.0, "direction": "lower",
         "description": "Largest KL divergence (observed || expected, natural log)."},
        {"name": "expected_js_distance", "type": "float", "min": 0.0, "max": 0.8326,
         "direction": "lower",
         "description": "Largest Jensen–Shannon distance (natural log) to the expected shares."},
        {"name": "min_plan_fulfilment", "type": "float", "min": 0.0, "direction": "higher",
         "description": "Smallest (rows / planned rows) over the planned cases."},
        {"name": "cases_below_plan", "type": "int", "min": 0, "direction": "lower",
         "description": "Planned cases with fewer rows than planned."},
        {"name": "plan_fulfilment_per_case", "type": "float", "structure": "sequence", "min": 0.0,
         "direction": "higher", "description": "Rows / planned rows, per case in the order given."},
    ],
    resources=[
        {"name": "balance", "kind": "table",
         "description": "Per column: categories, rows, imbalance ratio, normalised entropy, "
                        "minority category and share."},
        {"name": "categories", "kind": "table",
         "description": "Per column and category: rows, share, expected share."},
        {"name": "goodness_of_fit", "kind": "table",
         "description": "Per 'expected' column: chi-square statistic, p-value, degrees of "
                        "freedom, KL divergence, Jensen–Shannon distance."},
        {"name": "plan", "kind": "table",
         "description": "Per planned case: planned rows, rows, ratio."},
        {"name": "shares", "kind": "figure",
         "description": "Category shares per column (with the expected shares)."},
    ],
)
def distribution_uniformity(ctx: Context[UniformityParameters]) -> None:
    """Measure the balance of ``dataset``'s columns and compare with expectations and plans."""
    ds = ctx.dataset("dataset")
    ds.require_rows()
    names = _columns(ds, ctx.params.columns)
    bins = _mapping(ctx.params.bins, "bins", names)
    expected = _mapping(ctx.params.expected, "expected", names)
    profiles = get_profiles(ds, names, ctx.cache_dir, log=ctx.log).profiles

    rows: list[dict[str, Any]] = []
    cat_rows: list[dict[str, Any]] = []
    fit_rows: list[dict[str, Any]] = []
    panels: list[tuple[str, list[str], np.ndarray, np.ndarray | None]] = []
    ratios: list[float | None] = []
    entropies: list[float | None] = []
    for i, name in enumerate(names):
        attr, counts = _column_counts(ds, name, profiles[name], bins.get(name), expected.get(name))
        stats = balance_stats(counts)
        ratios.append(stats["imbalance_ratio"])
        entropies.append(stats["normalized_entropy"])
        minority = int(np.argmin(counts)) if counts.size else None
        rows.append({
            "column": name, "encoding": attr.kind, "categories": attr.size,
            "rows": int(counts.sum()), **stats,
            "minority": attr.labels[minority] if minority is not None else None,
        })
        shares_exp = None
        if name in expected:
            shares_exp = _expected_shares(attr, expected[name])
            fit = goodness_of_fit(counts, shares_exp)
            fit_rows.append({"column": name, **fit})
        total = counts.sum()
        for j, lab in enumerate(attr.labels):
            cat_rows.append({"column": name, "category": lab, "rows": int(counts[j]),
                             "share": counts[j] / total if total else None,
                             "expected_share": None if shares_exp is None else shares_exp[j]})
        panels.append((name, attr.labels, counts, shares_exp))
        ctx.progress(i + 1, len(names) + 1)

    _balance_measures(ctx, names, ratios, entropies, rows)
    _fit_measures(ctx, fit_rows)
    plan = _plan(ctx, ds, names, bins)
    ctx.resource("balance", rows)
    ctx.resource("categories", cat_rows)
    ctx.resource("goodness_of_fit", fit_rows)
    ctx.resource("plan", plan)
    ctx.resource("shares", figures.to_svg(_figure(panels)))
    ctx.progress(len(names) + 1, len(names) + 1)


def _columns(ds: Dataset, asked: list[str] | None) -> list[str]:
    if asked is not None:
        return colmod.select_columns(ds, asked)
    if ds.target is not None:
        return [ds.target]
    picked = [c for c in ds.column_names
              if colmod.column_kind(ds.schema.field(c).type) in (colmod.CATEGORICAL, colmod.BOOLEAN)]
    if not picked:
        raise DataError(f"dataset '{ds.name}' has no target and no text or boolean column; set "
                        "'columns' to the columns whose balance should be measured")
    return picked


def _mapping(value: dict[str, Any], name: str, columns: list[str]) -> dict[str, Any]:
    unknown = [k for k in value if k not in columns]
    if unknown:
        raise DataError(f"the '{name}' parameter names {', '.join(repr(k) for k in unknown)}, not "
                        f"among the measured columns ({', '.join(columns)}); add it to 'columns'")
    return dict(value)


def _column_counts(ds: Dataset, name: str, prof: ColumnProfile, bins: Any,
                   expected: Any) -> tuple[Attribute, np.ndarray]:
    """The column's categories and the rows of each (missing rows left out)."""
    declared = None
    if expected is not None:
        if not isinstance(expected, dict) or not expected:
            raise DataError(f"'expected' of column {name!r} must map each value to its share; "
                            f"got {expected!r}")
        declared = [_typed(k, prof) for k in expected]
    attr = build_attribute(name, [prof], ds.column(name), bins=bins, declared=declared,
                           n_bins=None, max_values=1000, dataset=ds.name)
    complete = prof.category_counts()
    if attr.kind == "categorical" and complete is not None:
        by_value = complete.as_dict()
        listed = set(attr.values)
        extra = [v for v in by_value if v not in listed]
        if extra:
            raise DataError(
                f"column {name!r} has values not listed in 'expected': "
                f"{', '.join(repr(colmod.label(v)) for v in extra[:10])}; give their expected "
                "shares too (0 if they should not occur)")
        return attr, np.array([by_value.get(v, 0) for v in attr.values], dtype=np.int64)
    codes, _, outside = attribute_codes(attr, ds.column(name), where=f"dataset '{ds.name}'")
    if outside:
        raise DataError(f"{outside} value(s) of column {name!r} fall outside its bins "
                        f"{attr.values[0]} … {attr.values[-1]}; widen the bin edges")
    return attr, np.bincount(codes[codes >= 0], minlength=attr.size).astype(np.int64)


def _typed(key: str, prof: ColumnProfile) -> Any:
    """A value from a YAML mapping key, in the column's type (keys are text)."""
    for v, _ in prof.categories:
        if colmod.label(v) == str(key) or str(v) == str(key):
            return v
    if prof.kind == colmod.NUMERIC:
        try:
            f = float(key)
            return int(f) if f.is_integer() and "int" in prof.type else f
        except ValueError:
            pass
    if prof.kind == colmod.BOOLEAN and str(key).lower() in ("true", "false"):
        return str(key).lower() == "true"
    return key


def balance_stats(counts: np.ndarray) -> dict[str, float | None]:
    """Imbalance ratio, normalised entropy and minority share of category counts.

    Undefined values are None: the imbalance ratio when a category has no row,
    the normalised entropy with fewer than two categories.

    Examples
    --------
    >>> s = balance_stats(np.array([30, 10]))
    >>> s["imbalance_ratio"], round(s["normalized_entropy"], 4), s["minority_share"]
    (3.0, 0.8113, 0.25)
    """
    # lazy: heavy, and the AIT modules load with every registry
    from scipy.stats import entropy

    total = int(counts.sum())
    if total == 0:
        return {"imbalance_ratio": None, "normalized_entropy": None, "minority_share": None}
    k = counts.size
    smallest = int(counts.min())
    return {
        "imbalance_ratio": float(counts.max() / smallest) if smallest > 0 else None,
        "normalized_entropy": float(entropy(counts) / math.log(k)) if k > 1 else None,
        "minority_share": smallest / total,
    }


def _expected_shares(attr: Attribute, given: dict[str, Any]) -> np.ndarray:
    raw = list(given.values())
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in raw):
        raise DataError(f"'expected' shares of column {attr.name!r} must be numbers >= 0; got {raw!r}")
    total = float(sum(raw))
    if total <= 0:
        raise DataError(f"'expected' shares of column {attr.name!r} add up to 0; give positive shares")
    return np.asarray(raw, dtype=np.float64) / total  # in the order of attr.values (= given keys)


def goodness_of_fit(counts: np.ndarray, expected_shares: np.ndarray) -> dict[str, Any]:
    """Chi-square test, KL divergence and Jensen–Shannon distance of counts to expected shares.

    ``scipy.stats.chisquare(counts, expected_shares * n)``,
    ``scipy.stats.entropy(observed shares, expected_shares)`` and
    ``scipy.spatial.distance.jensenshannon`` (natural log). Categories with an
    expected share of 0 and no row are left out; a row in a category expected
    never to occur makes the chi-square test and KL divergence undefined (None).
    """
    # lazy: heavy, and the AIT modules load with every registry
    from scipy import stats
    from scipy.spatial.distance import jensenshannon

    n = int(counts.sum())
    out: dict[str, Any] = {"rows": n, "chi2_statistic": None, "chi2_p_value": None, "dof": None,
                           "kl_divergence": None, "js_distance": None, "note": ""}
    if n == 0:
        out["note"] = "no rows"
        return out
    keep = (expected_shares > 0) | (counts > 0)
    obs, exp = counts[keep].astype(np.float64), expected_shares[keep]
    out["js_distance"] = float(jensenshannon(obs / n, exp))
    if np.any((exp == 0) & (obs > 0)):
        out["note"] = "rows in a category whose expected share is 0"
        return out
    res = stats.chisquare(obs, f_exp=exp * n)
    out.update(chi2_statistic=float(res.statistic), chi2_p_value=float(res.pvalue),
               dof=int(obs.size - 1), kl_divergence=float(stats.entropy(obs / n, exp)))
    return out


def _balance_measures(ctx: Context, names: list[str], ratios: list[float | None],
                      entropies: list[float | None], rows: list[dict[str, Any]]) -> None:
    for measure, values, why in (
        ("imbalance_ratio", ratios, "a category of column {c!r} has no row (ratio infinite)"),
        ("normalized_entropy", entropies, "column {c!r} has fewer than two categories "
                                          "(entropy is normalised by ln(categories) = 0)"),
    ):
        bad = [c for c, v in zip(names, values, strict=True) if v is None]
        if bad:
            ctx.undefined(measure, why.format(c=bad[0]))
            ctx.undefined(f"{measure}_per_column", why.format(c=bad[0]))
        else:
            clean = [float(v) for v in values if v is not None]
            ctx.measure(measure, max(clean) if measure == "imbalance_ratio" else min(clean))
            ctx.measure(f"{measure}_per_column", clean)
    shares = [r["minority_share"] for r in rows if r["minority_share"] is not None]
    if shares:
        ctx.measure("minority_share", min(shares))
    else:
        ctx.undefined("minority_share", "no column has a non-missing value")


def _fit_measures(ctx: Context, fit_rows: list[dict[str, Any]]) -> None:
    if not fit_rows:
        for m in ("expected_chi2_p_value", "expected_kl_divergence", "expected_js_distance"):
            ctx.undefined(m, "no expected distribution was given ('expected' parameter)")
        return
    for measure, key, pick in (("expected_chi2_p_value", "chi2_p_value", min),
                               ("expected_kl_divergence", "kl_divergence", max),
                               ("expected_js_distance", "js_distance", max)):
        bad = [r for r in fit_rows if r[key] is None]
        if bad:
            ctx.undefined(measure, f"column {bad[0]['column']!r}: {bad[0]['note']}")
        else:
            ctx.measure(measure, pick(r[key] for r in fit_rows))


def _plan(ctx: Context[UniformityParameters], ds: Dataset, names: list[str],
          bins: dict[str, Any]) -> list[dict[str, Any]]:
    planned = ctx.params.planned_counts
    if not planned:
        for m in ("min_plan_fulfilment", "cases_below_plan", "plan_fulfilment_per_case"):
            ctx.undefined(m, "no planned volumes were given ('planned_counts' parameter)")
        return []
    case_cols = ctx.params.case_columns or names
    case_cols = colmod.select_columns(ds, case_cols, parameter="case_columns")
    profiles = get_profiles(ds, case_cols, ctx.cache_dir, log=ctx.log).profiles
    attrs = [build_attribute(c, [profiles[c]], ds.column(c), bins=bins.get(c), n_bins=None,
                             max_values=1000, dataset=ds.name) for c in case_cols]
    # values named in the plan but never seen still need a code
    for case in planned:
        for part in str(case).split("&"):
            col, sep, value = part.partition("=")
            col = col.strip() if sep else case_cols[0]
            value = value.strip() if sep else str(case).strip()
            for k, a in enumerate(attrs):
                if a.name == col and a.kind == "categorical" and a.label_index(value) is None:
                    attrs[k] = categorical_attribute(a.name, [*a.values, _typed(value, profiles[col])])
    counter = ComboCounter([attribute_codes(a, ds.column(a.name), where=f"dataset '{ds.name}'")[0]
                            for a in attrs], [a.size for a in attrs])
    rows: list[dict[str, Any]] = []
    ratios: list[float] = []
    for case, want in planned.items():
        if isinstance(want, bool) or not isinstance(want, int | float) or want <= 0:
            raise DataError(f"planned rows of case {case!r} must be a positive number; got {want!r}")
        combo = parse_combination(str(case), attrs, what="planned case")
        have = counter.matching_rows(combo)
        rows.append({"case": str(case), "planned": want, "rows": have, "ratio": have / want})
        ratios.append(have / want)
    ctx.measure("min_plan_fulfilment", min(ratios))
    ctx.measure("cases_below_plan", sum(r < 1 for r in ratios))
    ctx.measure("plan_fulfilment_per_case", ratios)
    return rows


def _figure(panels: list[tuple[str, list[str], np.ndarray, np.ndarray | None]]) -> Figure:
    shown = panels[:16]
    fig, axes = figures.grid(len(shown), ncols=min(3, len(shown)), panel=(3.6, 2.6))
    for ax, (name, labels, counts, exp) in zip(axes, shown, strict=True):
        total = counts.sum() or 1
        order = np.argsort(-counts, kind="stable")[:12]
        labs = [labels[i] for i in order]
        if exp is not None:
            figures.paired_bars(ax, labs, (counts[order] / total).tolist(), exp[order].tolist(),
                                figures.shorten(name, 30), names=("observed", "expected"))
        else:
            figures.bars(ax, labs, (counts[order] / total).tolist(), figures.shorten(name, 30))
    fig.suptitle("Category shares" + (" (observed vs expected)" if any(p[3] is not None for p in shown) else ""),
                 fontsize="medium")
    return fig
