"""AIT ``data_drift``: per-column drift between a reference and a current dataset.

Each column is compared with several statistics at once — Kolmogorov–Smirnov,
1-Wasserstein (normed by the reference's standard deviation), PSI and
Jensen–Shannon for numbers; chi-square, PSI and Jensen–Shannon for
categories — and judged by one of them, chosen by type and size (see
``docs/aits/data_drift.md``). Numeric columns are sorted once per dataset
and everything is computed from the sorted arrays; categorical columns are
counted once (or their counts come from a cached profile). Columns are
processed on several threads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiqm.data.dataset import format_columns
from aiqm.exceptions import DataError
from aiqm.plugins.builtin._tabular import columns as colmod
from aiqm.plugins.builtin._tabular import figures
from aiqm.plugins.builtin._tabular.drift import (
    ColumnDrift,
    DriftParameters,
    compare_column,
    relative_intensity,
)
from aiqm.plugins.builtin._tabular.parallel import thread_map
from aiqm.plugins.builtin._tabular.profile_cache import load_cached, store
from aiqm.plugins.sdk import Context, ait

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from aiqm.data.dataset import Dataset

__all__ = ["data_drift"]

_TABLE_COLUMNS = (
    "column", "compared_as", "method", "score", "threshold", "drifted", "ks_statistic",
    "ks_p_value", "wasserstein", "wasserstein_normed", "psi", "jensenshannon",
    "chi2_statistic", "chi2_p_value", "reference_values", "current_values",
    "reference_missing_ratio", "current_missing_ratio", "note",
)


@ait(
    id="data_drift",
    version="1.0.0",
    title="Data drift",
    description=(
        "Per-column drift between a reference and a current dataset (KS, chi-square, PSI, "
        "Wasserstein, Jensen–Shannon; method chosen by type and size), and the share of "
        "drifted columns."
    ),
    characteristics=["E-1"],
    external_qualities=["AISL", "AIFL", "AIPL"],
    iso_5259_measures=["Con-ML-2"],
    keywords=["data quality", "drift", "distribution shift", "monitoring"],
    references=[
        {"title": "scipy.stats.ks_2samp, wasserstein_distance, chi2_contingency; "
                  "scipy.spatial.distance.jensenshannon",
         "url": "https://docs.scipy.org/doc/scipy/reference/stats.html"},
        {"title": "Yurdakul, B. (2018). Statistical properties of population stability index. "
                  "Western Michigan University."},
    ],
    inventories=[
        {"name": "reference", "kind": "dataset",
         "description": "The baseline data (e.g. the training data)."},
        {"name": "current", "kind": "dataset",
         "description": "The data to compare with it (e.g. recent production inputs)."},
    ],
    parameters=DriftParameters,
    measures=[
        {"name": "drifted_column_ratio", "type": "float", "min": 0.0, "max": 1.0,
         "direction": "lower", "description": "Drifted columns / compared columns."},
        {"name": "drifted_columns", "type": "int", "min": 0, "direction": "lower",
         "description": "Columns whose drift score passes its threshold."},
        {"name": "dataset_drift", "type": "bool", "direction": "lower",
         "description": "Whether drifted_column_ratio >= drift_share."},
        {"name": "n_columns_tested", "type": "int", "min": 0, "direction": "none",
         "description": "Columns compared (skipped columns are listed in the table)."},
        {"name": "column_drift_detected", "type": "bool", "structure": "sequence",
         "direction": "lower", "description": "Per compared column, in column order: drifted?"},
        {"name": "drift_score_per_column", "type": "float", "structure": "sequence", "min": 0.0,
         "direction": "none",
         "description": "Per compared column: the judging method's score (a p-value for ks "
                        "and chi2, a distance otherwise; see the table for the method)."},
    ],
    resources=[
        {"name": "column_drift", "kind": "table",
         "description": "Per column: method, score, threshold, verdict, every statistic "
                        "computed, missing ratios and notes (skipped columns with the reason)."},
        {"name": "drift_scores", "kind": "figure",
         "description": "Each compared column's score relative to its threshold (>= 1 drifts)."},
        {"name": "column_distributions", "kind": "figure",
         "description": "Reference and current distributions of the most drifted columns."},
    ],
)
def data_drift(ctx: Context[DriftParameters]) -> None:
    """Compare each column of ``current`` with ``reference``."""
    ref, cur = ctx.dataset("reference"), ctx.dataset("current")
    ref.require_rows()
    cur.require_rows()
    settings = ctx.params
    names = colmod.select_columns(ref, settings.columns)
    _check_current(cur, names, explicit=settings.columns is not None)
    _check_kinds(ref, cur, names)

    ref_cached = load_cached(ctx.cache_dir, ref.digest, names)
    cur_cached = load_cached(ctx.cache_dir, cur.digest, names)
    ctx.log.info(
        "profiles from the cache: %d of %d columns of %r, %d of %r",
        len(ref_cached), len(names), ref.name, len(cur_cached), cur.name,
    )
    total = len(names)
    ctx.progress(0, total)
    results: list[ColumnDrift] = []
    work = thread_map(
        lambda c: compare_column(
            c, ref.table.column(c), cur.table.column(c), settings,
            ref_profile=ref_cached.get(c), cur_profile=cur_cached.get(c),
        ),
        names,
    )
    for i, d in enumerate(work):
        results.append(d)
        ctx.progress(i + 1, total)
    _store_new_profiles(ctx, ref, cur, results)

    tested = [d for d in results if d.tested]
    for d in results:
        if d.skipped:
            ctx.log.warning("column %r not compared: %s", d.column, d.skipped)
    n_drifted = sum(1 for d in tested if d.drifted)
    ctx.measure("n_columns_tested", len(tested))
    ctx.measure("drifted_columns", n_drifted)
    if tested:
        ratio = n_drifted / len(tested)
        ctx.measure("drifted_column_ratio", ratio)
        ctx.measure("dataset_drift", ratio >= settings.drift_share)
        ctx.measure("column_drift_detected", [bool(d.drifted) for d in tested])
        ctx.measure("drift_score_per_column", [float(d.score or 0.0) for d in tested])
    else:
        reason = "no column could be compared (see the column_drift table for why)"
        for m in ("drifted_column_ratio", "dataset_drift", "column_drift_detected",
                  "drift_score_per_column"):
            ctx.undefined(m, reason)

    ctx.resource("column_drift", {
        "columns": list(_TABLE_COLUMNS), "rows": [_row(d) for d in results],
    })
    ctx.resource("drift_scores", figures.to_svg(_scores_figure(tested)))
    if settings.max_plots > 0:
        ctx.resource("column_distributions", figures.to_svg(
            _distributions_figure(tested, settings.max_plots)))


def _check_current(cur: Dataset, names: list[str], *, explicit: bool) -> None:
    missing = [c for c in names if c not in cur.column_names]
    if missing:
        fix = ("set 'columns' to columns both datasets have" if explicit else
               "set the 'columns' parameter to the columns both datasets have")
        raise DataError(
            f"current dataset '{cur.name}' has no column "
            f"{', '.join(repr(c) for c in missing)} (columns: {format_columns(cur.column_names)}); "
            + fix
        )


_FAMILY = {colmod.NUMERIC: "numeric", colmod.DATETIME: "datetime", colmod.CATEGORICAL: "text",
           colmod.BOOLEAN: "boolean", colmod.OTHER: "other"}


def _check_kinds(ref: Dataset, cur: Dataset, names: list[str]) -> None:
    """Both datasets must hold the same kind of values in each column."""
    bad = []
    for c in names:
        kr = colmod.column_kind(ref.schema.field(c).type)
        kc = colmod.column_kind(cur.schema.field(c).type)
        if colmod.NULL in (kr, kc) or kr == kc:
            continue
        bad.append(f"{c!r} is {_FAMILY[kr]} ({ref.schema.field(c).type}) in '{ref.name}' but "
                   f"{_FAMILY[kc]} ({cur.schema.field(c).type}) in '{cur.name}'")
    if bad:
        raise DataError(
            "the datasets disagree on column types: " + "; ".join(bad) + ". Store each column "
            "with one type in both files (a text column holding numbers usually means a stray "
            "non-numeric value), or leave the column out with the 'columns' parameter"
        )


def _store_new_profiles(ctx: Context, ref: Dataset, cur: Dataset, results: list[ColumnDrift]) -> None:
    for i, ds in enumerate((ref, cur)):
        new = {d.column: d.new_profiles[i] for d in results if d.new_profiles[i] is not None}
        if new and not (i == 1 and cur.digest == ref.digest):
            store(ctx.cache_dir, ds.digest, ds.num_rows, new)  # type: ignore[arg-type]


def _row(d: ColumnDrift) -> list[Any]:
    return [
        d.column, d.kind, d.method, d.score, d.threshold, d.drifted, d.ks_statistic,
        d.ks_p_value, d.wasserstein, d.wasserstein_normed, d.psi, d.jensenshannon,
        d.chi2_statistic, d.chi2_p_value, d.n_reference, d.n_current,
        d.reference_missing_ratio, d.current_missing_ratio,
        f"skipped: {d.skipped}" if d.skipped else d.note,
    ]


def _scores_figure(tested: list[ColumnDrift]) -> Figure:
    if not tested:
        return figures.message_figure("No column could be compared.")
    ranked = sorted(tested, key=relative_intensity, reverse=True)[:40]
    values = [min(relative_intensity(d), 10.0) for d in ranked]
    more = len(tested) - len(ranked)
    return figures.hbar_chart(
        [f"{d.column} ({d.method})" for d in ranked], values,
        flagged=[bool(d.drifted) for d in ranked], line=1.0,
        title=(f"Drift by column: {sum(bool(d.drifted) for d in tested)} of {len(tested)} drifted"
               + (f" ({more} more in the table)" if more else "")),
        xlabel="score relative to its threshold (>= 1: drift; capped at 10)",
    )


def _distributions_figure(tested: list[ColumnDrift], max_plots: int) -> Figure:
    if not tested:
        return figures.message_figure("No column could be compared.")
    ranked = sorted(tested, key=relative_intensity, reverse=True)[:max_plots]
    fig, axes = figures.grid(len(ranked))
    for ax, d in zip(axes, ranked, strict=True):
        title = figures.shorten(f"{d.column}: {d.method} {_fmt(d.score)}" + (" (drift)" if d.drifted else ""), 40)
        if "edges" in d.plot:
            figures.paired_histogram(ax, d.plot["edges"], d.plot["reference"], d.plot["current"], title)
        else:
            rt, ct = d.plot["reference_total"] or 1, d.plot["current_total"] or 1
            figures.paired_bars(ax, d.plot["labels"], [r / rt for r in d.plot["reference"]],
                                [c / ct for c in d.plot["current"]], title)
    axes[0].legend(fontsize="x-small", loc="best")
    fig.suptitle(f"Reference vs current: the {len(ranked)} most drifted column(s) (shares)",
                 fontsize="medium")
    return fig


def _fmt(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.3g}"
