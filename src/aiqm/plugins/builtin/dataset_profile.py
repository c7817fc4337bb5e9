"""AIT ``dataset_profile``: per-column type, missing ratio, distinct count, quantiles,
histogram and top categories of a dataset.

The profile is computed column by column on several threads (a numeric column
is sorted once; a text column counted once) and cached by dataset digest in
``<cache>/profiles``; ``data_drift``, ``data_adequacy``, ``distribution_uniformity``
and ``combinatorial_coverage`` read the cached profile instead of recomputing it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aiqm.core.constraints import Interval, Length
from aiqm.plugins.builtin._tabular import columns as colmod
from aiqm.plugins.builtin._tabular import figures
from aiqm.plugins.builtin._tabular.profile import QUANTILES, ColumnProfile
from aiqm.plugins.builtin._tabular.profile_cache import get_profiles
from aiqm.plugins.sdk import Context, Param, Parameters, ait

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ProfileParameters", "dataset_profile"]

_RATIO = {"type": "float", "min": 0.0, "max": 1.0}
_COUNT = {"type": "int", "min": 0}
_SUMMARY_QUANTILES = (0.25, 0.5, 0.75)


class ProfileParameters(Parameters):
    """The parameters of the ``dataset_profile`` AIT."""

    columns: list[str] | None = Param(
        None, Length(min=1),
        help="Columns to profile, in this order; null profiles every column.",
        help_ja="プロファイルを作る列（この順に並べる）。null のときはすべての列を対象とする。",
    )
    n_bins: int = Param(
        20, Interval(low=2, high=200),
        help="Equal-width histogram bins of numeric columns.",
        help_ja="数値列のヒストグラムの等幅ビンの数。",
    )
    top_k: int = Param(
        10, Interval(low=1, high=100),
        help="Most frequent values listed per column in top_categories.",
        help_ja="top_categories に列ごとに載せる、出現頻度の高い値の数。",
    )
    max_plots: int = Param(
        16, Interval(low=0, high=60),
        help="Columns drawn in the distributions figure (in column order).",
        help_ja="distributions 図に描く列の数（列の順に選ぶ）。",
    )


@ait(
    id="dataset_profile",
    version="1.0.0",
    title="Dataset profile",
    description=(
        "Per-column type, missing ratio, distinct count, range, mean, standard deviation, "
        "quantiles, histogram and most frequent values of a dataset; cached for the other "
        "data-quality AITs."
    ),
    characteristics=["B-1", "B-2", "B-3"],
    external_qualities=["AISL", "AIFL", "AIPL"],
    iso_5259_measures=["Com-ML-1", "Com-ML-3"],
    keywords=["data quality", "profiling", "summary statistics"],
    inventories=[
        {"name": "dataset", "kind": "dataset", "description": "The data to profile."},
    ],
    parameters=ProfileParameters,
    measures=[
        {**_COUNT, "name": "n_rows", "direction": "none", "description": "Rows."},
        {**_COUNT, "name": "n_columns", "direction": "none", "description": "Columns profiled."},
        {**_COUNT, "name": "n_numeric_columns", "direction": "none",
         "description": "Numeric (integer, float, decimal) columns."},
        {**_COUNT, "name": "n_categorical_columns", "direction": "none",
         "description": "Text and boolean columns."},
        {**_RATIO, "name": "missing_ratio", "direction": "lower",
         "description": "Missing cells (null, NaN) / all cells of the profiled columns."},
        {**_RATIO, "name": "max_column_missing_ratio", "direction": "lower",
         "description": "The largest per-column missing ratio."},
        {**_RATIO, "name": "missing_ratio_per_column", "structure": "sequence", "direction": "lower",
         "description": "Missing cells / rows, per profiled column."},
        {**_COUNT, "name": "distinct_count_per_column", "structure": "sequence", "direction": "none",
         "description": "Distinct non-missing values per profiled column."},
        {**_COUNT, "name": "empty_columns", "direction": "lower",
         "description": "Columns without a single value (all missing)."},
        {**_COUNT, "name": "constant_columns", "direction": "lower",
         "description": "Columns with exactly one distinct value."},
        {**_COUNT, "name": "mixed_type_columns", "direction": "lower",
         "description": "Text columns in which some values read as numbers and others do not."},
        {**_COUNT, "name": "infinite_values", "direction": "lower",
         "description": "+inf and -inf cells of float columns."},
    ],
    resources=[
        {"name": "columns", "kind": "table",
         "description": "One row per column: type, kind, missing, distinct, min, quartiles, max, "
                        "mean, std, flags."},
        {"name": "quantiles", "kind": "table",
         "description": "Numeric columns: the value at each stored quantile level."},
        {"name": "top_categories", "kind": "table",
         "description": "The top_k most frequent values of each column, with count and share."},
        {"name": "distributions", "kind": "figure",
         "description": "Histograms of numeric columns and top values of the others."},
    ],
    downloads=[
        {"name": "profile", "description": "The whole profile as JSON (the cached form)."},
    ],
)
def dataset_profile(ctx: Context[ProfileParameters]) -> None:
    """Profile ``dataset`` (from the cache when the same data was profiled before)."""
    params = ctx.params
    ds = ctx.dataset("dataset")
    names = colmod.select_columns(ds, params.columns, default=ds.column_names)
    lookup = get_profiles(
        ds, names, ctx.cache_dir, n_bins=params.n_bins, exact_bins=True,
        progress=ctx.progress, log=ctx.log,
    )
    profiles = list(lookup.profiles.values())
    n = ds.num_rows

    ctx.measure("n_rows", n)
    ctx.measure("n_columns", len(profiles))
    ctx.measure("n_numeric_columns", sum(p.kind == colmod.NUMERIC for p in profiles))
    ctx.measure("n_categorical_columns",
                sum(p.kind in (colmod.CATEGORICAL, colmod.BOOLEAN) for p in profiles))
    ctx.measure("distinct_count_per_column", [p.n_distinct for p in profiles])
    ctx.measure("empty_columns", sum(p.is_empty for p in profiles))
    ctx.measure("constant_columns", sum(p.is_constant for p in profiles))
    ctx.measure("mixed_type_columns", sum(p.mixed_types for p in profiles))
    ctx.measure("infinite_values", sum(p.n_infinite for p in profiles))
    if n == 0:
        for m in ("missing_ratio", "max_column_missing_ratio", "missing_ratio_per_column"):
            ctx.undefined(m, f"dataset {ds.name!r} has no rows, so there is no cell to count")
    else:
        per_column = [p.n_missing / n for p in profiles]
        ctx.measure("missing_ratio", sum(p.n_missing for p in profiles) / (n * len(profiles)))
        ctx.measure("max_column_missing_ratio", max(per_column))
        ctx.measure("missing_ratio_per_column", per_column)
    for p in profiles:
        if p.is_empty:
            ctx.log.warning("column %r has no value (all %d cells missing)", p.name, p.n_rows)
        if p.mixed_types:
            ctx.log.warning("column %r mixes numbers (%d distinct values) and text (%d)",
                            p.name, p.n_numeric_like, p.n_distinct - (p.n_numeric_like or 0))

    ctx.resource("columns", [_summary_row(p) for p in profiles])
    ctx.resource("quantiles", {
        "columns": ["column", *[f"q{q:g}" for q in QUANTILES]],
        "rows": [[p.name, *p.quantile_values] for p in profiles if p.quantile_values],
    })
    ctx.resource("top_categories", [
        {"column": p.name, "rank": i + 1, "value": colmod.label(v), "count": c,
         "share": c / n if n else None}
        for p in profiles for i, (v, c) in enumerate(p.categories[: params.top_k])
    ])
    if params.max_plots > 0:
        ctx.resource("distributions", figures.to_svg(
            _figure(profiles[: params.max_plots], len(profiles))))
    path = ctx.workdir / "profile.json"
    path.write_text(json.dumps({
        "dataset": ds.name, "digest": ds.digest, "n_rows": n,
        "columns": {p.name: p.to_json() for p in profiles},
    }, allow_nan=False), "utf-8")
    ctx.download("profile", path)


def _summary_row(p: ColumnProfile) -> dict[str, object]:
    flags = [f for f, on in (("empty", p.is_empty), ("constant", p.is_constant),
                             ("mixed types", p.mixed_types),
                             ("infinite values", p.n_infinite > 0)) if on]
    q = {f"q{v:g}": p.quantile(v) for v in _SUMMARY_QUANTILES}
    return {
        "column": p.name, "type": p.type, "kind": p.kind, "missing": p.n_missing,
        "missing_ratio": p.missing_ratio, "distinct": p.n_distinct, "min": p.min, **q,
        "max": p.max, "mean": p.mean, "std": p.std,
        "top_value": colmod.label(p.categories[0][0]) if p.categories else None,
        "flags": ", ".join(flags),
    }


def _figure(shown: list[ColumnProfile], total: int) -> Figure:
    plottable = [p for p in shown if p.histogram_counts or p.categories]
    if not plottable:
        return figures.message_figure("No column has values to plot.")
    fig, axes = figures.grid(len(plottable))
    for ax, p in zip(axes, plottable, strict=True):
        title = figures.shorten(f"{p.name} ({p.kind})", 36)
        if p.histogram_counts:
            ax.stairs(p.histogram_counts, p.histogram_edges, fill=True,
                      color=figures.REFERENCE_COLOUR, alpha=0.6)
            ax.set_title(title, fontsize="small")
            ax.tick_params(labelsize="x-small")
            ax.locator_params(nbins=4)
        else:
            top = p.categories[:8]
            figures.bars(ax, [colmod.label(v) for v, _ in top], [c for _, c in top], title)
    more = f" (first {len(shown)} of {total} columns)" if total > len(shown) else ""
    fig.suptitle(f"Distributions{more}", fontsize="medium")
    return fig
