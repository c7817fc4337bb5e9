"""Per-column drift between a reference and a current column.

:func:`compare_column` reads each column once: a numeric column is sorted
once per dataset, and every statistic (KS, Wasserstein, PSI, Jensen–Shannon,
plot histogram, and the column's profile when it is not cached yet) comes from
the sorted arrays; a categorical column is counted once per dataset (or its
counts are taken from a cached profile), and the statistics come from the
counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from aiqm.core.constraints import Interval, Length, Options
from aiqm.core.parameters import Param, Parameters
from aiqm.plugins.builtin._tabular import columns as colmod
from aiqm.plugins.builtin._tabular import drift_stats as ds
from aiqm.plugins.builtin._tabular.numeric import (
    histogram_sorted,
    quantiles_sorted,
    sorted_values,
    value_counts_sorted,
)
from aiqm.plugins.builtin._tabular.profile import (
    ColumnProfile,
    categorical_profile,
    numeric_profile,
)

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "CATEGORICAL_METHODS",
    "NUMERIC_METHODS",
    "P_VALUE_METHODS",
    "ColumnDrift",
    "DriftParameters",
    "compare_column",
    "relative_intensity",
]

NUMERIC_METHODS = ("ks", "wasserstein", "psi", "jensenshannon")
CATEGORICAL_METHODS = ("chi2", "psi", "jensenshannon")
#: Methods whose score is a p-value: drift when the p-value is below the threshold.
P_VALUE_METHODS = ("ks", "chi2")
_PLOT_BINS = 30
_PLOT_CATEGORIES = 10


_POSITIVE = Interval(low=0, high=None, closed="neither")


class DriftParameters(Parameters):
    """The parameters of the ``data_drift`` AIT: how columns are compared."""

    #: Numeric columns with at most this many distinct values are compared as categories.
    categorical_max_distinct: ClassVar[int] = 5

    columns: list[str] | None = Param(
        None, Length(min=1),
        help="Columns to compare; null compares the reference's features (every column but "
             "its target).",
        help_ja="比較する列。null のときは参照データの特徴量（目的変数以外のすべての列）を比較する。",
    )
    numeric_method: str = Param(
        "auto", Options(values=("auto", *NUMERIC_METHODS)),
        help="How numeric columns are judged: auto (KS up to size_threshold reference rows, "
             "normed Wasserstein above), ks, wasserstein, psi or jensenshannon.",
        help_ja="数値列の判定方法: auto（参照データが size_threshold 行以下なら KS、それを超えれば"
                "正規化 Wasserstein）、ks、wasserstein、psi、jensenshannon のいずれか。",
    )
    categorical_method: str = Param(
        "auto", Options(values=("auto", *CATEGORICAL_METHODS)),
        help="How categorical columns are judged: auto (chi-square up to size_threshold "
             "reference rows, Jensen–Shannon above), chi2, psi or jensenshannon.",
        help_ja="カテゴリ列の判定方法: auto（参照データが size_threshold 行以下ならカイ二乗検定、"
                "それを超えれば Jensen–Shannon）、chi2、psi、jensenshannon のいずれか。",
    )
    size_threshold: int = Param(
        1000, Interval(low=1),
        help="Reference rows up to which 'auto' uses a statistical test (KS, chi-square) "
             "rather than a distance.",
        help_ja="auto が距離ではなく統計的検定（KS、カイ二乗）を使う参照データの行数の上限。",
    )
    p_value_threshold: float = Param(
        0.05, Interval(low=0, high=1, closed="neither"),
        help="KS and chi-square: a column drifts when its p-value is below this.",
        help_ja="KS とカイ二乗検定: p 値がこの値を下回る列をドリフトと判定する。",
    )
    wasserstein_threshold: float = Param(
        0.1, _POSITIVE,
        help="A column drifts when its normed Wasserstein distance is at least this.",
        help_ja="正規化 Wasserstein 距離がこの値以上の列をドリフトと判定する。",
    )
    psi_threshold: float = Param(
        0.1, _POSITIVE,
        help="A column drifts when its PSI is at least this.",
        help_ja="PSI がこの値以上の列をドリフトと判定する。",
    )
    jensenshannon_threshold: float = Param(
        0.1, Interval(low=0, high=0.8326, closed="right"),
        help="A column drifts when its Jensen–Shannon distance (natural log) is at least this.",
        help_ja="Jensen–Shannon 距離（自然対数）がこの値以上の列をドリフトと判定する。",
    )
    psi_bins: int = Param(
        10, Interval(low=2, high=100),
        help="Numeric PSI and Jensen–Shannon: bins at the reference's quantiles.",
        help_ja="数値列の PSI と Jensen–Shannon: 参照データの分位点で区切るビンの数。",
    )
    drift_share: float = Param(
        0.5, Interval(low=0, high=1, closed="right"),
        help="dataset_drift is true when at least this share of the compared columns drift.",
        help_ja="比較した列のうちドリフトした列の割合がこの値以上のとき dataset_drift を真とする。",
    )
    max_categories: int = Param(
        1000, Interval(low=2),
        help="Text columns with more distinct values are skipped (free text or ids).",
        help_ja="異なる値がこれより多いテキスト列は比較しない（自由記述や ID）。",
    )
    max_plots: int = Param(
        8, Interval(low=0, high=60),
        help="Columns drawn in the column_distributions figure (most drifted first).",
        help_ja="column_distributions 図に描く列の数（ドリフトの大きい順）。",
    )

    def threshold(self, method: str) -> float:
        """The threshold that judges ``method``'s score."""
        return {
            "ks": self.p_value_threshold, "chi2": self.p_value_threshold,
            "wasserstein": self.wasserstein_threshold, "psi": self.psi_threshold,
            "jensenshannon": self.jensenshannon_threshold,
        }[method]


@dataclass
class ColumnDrift:
    """The comparison of one column; statistics that do not apply are None."""

    column: str
    kind: str  # "numeric" or "categorical" (how it was compared)
    arrow_type: str
    n_reference: int = 0  # non-missing values compared
    n_current: int = 0
    reference_missing_ratio: float | None = None
    current_missing_ratio: float | None = None
    method: str | None = None
    score: float | None = None
    threshold: float | None = None
    drifted: bool | None = None
    ks_statistic: float | None = None
    ks_p_value: float | None = None
    wasserstein: float | None = None
    wasserstein_normed: float | None = None
    psi: float | None = None
    jensenshannon: float | None = None
    chi2_statistic: float | None = None
    chi2_p_value: float | None = None
    skipped: str | None = None  # why the column was not compared
    note: str = ""
    # what the figure shows: numeric (edges, ref counts, cur counts) or categorical (labels, ...)
    plot: dict[str, Any] = field(default_factory=dict)
    # profiles built on the way, for the cache (None when they came from it)
    new_profiles: tuple[ColumnProfile | None, ColumnProfile | None] = (None, None)

    @property
    def tested(self) -> bool:
        return self.skipped is None


def _ratio(missing: int, rows: int) -> float | None:
    return missing / rows if rows else None


def compare_column(
    name: str,
    ref_col: pa.ChunkedArray,
    cur_col: pa.ChunkedArray,
    settings: DriftParameters,
    *,
    ref_profile: ColumnProfile | None = None,
    cur_profile: ColumnProfile | None = None,
    n_bins: int = 20,
) -> ColumnDrift:
    """Compare one column of the reference with the same column of the current data.

    Parameters
    ----------
    name : str
        The column.
    ref_col, cur_col : pyarrow.ChunkedArray
        Its data in each dataset; their kinds must agree (checked by the caller).
    settings : DriftParameters
        Methods and thresholds.
    ref_profile, cur_profile : ColumnProfile, default=None
        Cached profiles; used instead of counting where they suffice.
    n_bins : int, default=20
        Histogram bins of the profiles built on the way.
    """
    kind = colmod.column_kind(ref_col.type)
    out = ColumnDrift(column=name, kind=kind, arrow_type=str(ref_col.type))
    if kind in (colmod.NUMERIC, colmod.DATETIME):
        return _numeric(out, ref_col, cur_col, settings, ref_profile, cur_profile, n_bins)
    if kind in (colmod.CATEGORICAL, colmod.BOOLEAN):
        return _categorical(out, ref_col, cur_col, settings, ref_profile, cur_profile)
    if kind == colmod.NULL:
        out.skipped = "every value is missing in the reference"
    else:
        out.skipped = f"columns of type {ref_col.type} are not compared"
    return out


def _numeric(
    out: ColumnDrift, ref_col: pa.ChunkedArray, cur_col: pa.ChunkedArray, st: DriftParameters,
    ref_profile: ColumnProfile | None, cur_profile: ColumnProfile | None, n_bins: int,
) -> ColumnDrift:
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa

    out.kind = "numeric"
    rs, cs = sorted_values(ref_col), sorted_values(cur_col)
    integer = pa.types.is_integer(colmod.decoded(ref_col).type)
    new_ref = None if ref_profile else numeric_profile(
        out.column, str(ref_col.type), colmod.column_kind(ref_col.type), rs, n_bins=n_bins,
        integer=integer)
    new_cur = None if cur_profile else numeric_profile(
        out.column, str(cur_col.type), colmod.column_kind(cur_col.type), cs, n_bins=n_bins,
        integer=pa.types.is_integer(colmod.decoded(cur_col).type))
    out.new_profiles = (new_ref, new_cur)
    ref_p = ref_profile or new_ref
    out.reference_missing_ratio = _ratio(rs.n_missing, rs.n_rows)
    out.current_missing_ratio = _ratio(cs.n_missing, cs.n_rows)
    out.n_reference, out.n_current = rs.n, cs.n
    if rs.n_infinite or cs.n_infinite:
        out.note = (f"infinite values left out: {rs.n_infinite} in the reference, "
                    f"{cs.n_infinite} in the current data")
    if rs.n == 0 or cs.n == 0:
        which = "reference" if rs.n == 0 else "current data"
        out.skipped = f"every value is missing in the {which}"
        return out
    n_distinct = ref_p.n_distinct if ref_p is not None else 0
    if n_distinct <= st.categorical_max_distinct:
        # few distinct numbers: compared as categories
        rv, rc = value_counts_sorted(rs.values)
        cv, cc = value_counts_sorted(cs.values)
        out.note = _join(out.note, f"{n_distinct} distinct value(s) in the reference: "
                                   "compared as categories")
        return _categories(out, dict(zip(rv.tolist(), rc.tolist(), strict=True)),
                           dict(zip(cv.tolist(), cc.tolist(), strict=True)), st, rs.n_rows)

    a, b = rs.values, cs.values
    out.ks_statistic, out.wasserstein = ds.ks_wasserstein_sorted(a, b)
    # the population standard deviation, from the profile's sample one when it has it
    std = (ref_p.std * np.sqrt((a.size - 1) / a.size) if ref_p is not None and ref_p.std is not None
           and ref_p.n_valid == a.size else float(np.std(a)))
    out.wasserstein_normed = out.wasserstein / std if std > 0 else out.wasserstein
    if std == 0:
        out.note = _join(out.note, "the reference is constant: Wasserstein distance not normed")
    edges = ds.quantile_edges(a, st.psi_bins)
    r_counts, c_counts = ds.binned_counts_sorted(a, edges), ds.binned_counts_sorted(b, edges)
    out.psi = ds.psi(r_counts, c_counts)
    out.jensenshannon = ds.jensenshannon_distance(r_counts, c_counts)
    method = st.numeric_method
    if method == "auto":
        method = "ks" if rs.n_rows <= st.size_threshold else "wasserstein"
    if method == "ks":
        out.ks_statistic, out.ks_p_value = ds.ks_pvalue(out.ks_statistic, a, b)
    score = {"ks": out.ks_p_value, "wasserstein": out.wasserstein_normed, "psi": out.psi,
             "jensenshannon": out.jensenshannon}[method]
    _judge(out, method, score, st)
    lo = min(float(quantiles_sorted(a, [0.005])[0]), float(quantiles_sorted(b, [0.005])[0]))
    hi = max(float(quantiles_sorted(a, [0.995])[0]), float(quantiles_sorted(b, [0.995])[0]))
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    plot_edges = np.linspace(lo, hi, _PLOT_BINS + 1)
    out.plot = {
        "edges": plot_edges.tolist(),
        "reference": histogram_sorted(a, plot_edges)[0].tolist(),
        "current": histogram_sorted(b, plot_edges)[0].tolist(),
    }
    return out


def _categorical(
    out: ColumnDrift, ref_col: pa.ChunkedArray, cur_col: pa.ChunkedArray, st: DriftParameters,
    ref_profile: ColumnProfile | None, cur_profile: ColumnProfile | None,
) -> ColumnDrift:
    out.kind = "categorical"
    sides = []
    for col, prof in ((ref_col, ref_profile), (cur_col, cur_profile)):
        counts = prof.category_counts() if prof is not None else None
        new = None
        if counts is None:
            counts = colmod.category_counts(col)
            if prof is None:
                numeric_like = None
                if colmod.column_kind(col.type) == colmod.CATEGORICAL and counts.values:
                    # lazy: heavy, and the AIT modules load with every registry
                    import pyarrow as pa

                    numeric_like = colmod.numeric_like_count(pa.array(counts.values, pa.string()))
                new = categorical_profile(out.column, str(col.type), colmod.column_kind(col.type),
                                          counts, len(col), numeric_like)
        sides.append((counts, prof or new, new))
    (rc, rp, new_ref), (cc, _, new_cur) = sides
    out.new_profiles = (new_ref, new_cur)
    out.reference_missing_ratio = _ratio(rc.n_missing, len(ref_col))
    out.current_missing_ratio = _ratio(cc.n_missing, len(cur_col))
    out.n_reference, out.n_current = int(rc.counts.sum()), int(cc.counts.sum())
    if rp is not None and rp.mixed_types:
        out.note = "the column mixes numbers and text; compared as text"
    if out.n_reference == 0 or out.n_current == 0:
        which = "reference" if out.n_reference == 0 else "current data"
        out.skipped = f"every value is missing in the {which}"
        return out
    distinct = max(len(rc.values), len(cc.values))
    if distinct > st.max_categories:
        out.skipped = (f"{distinct} distinct values (more than max_categories = "
                       f"{st.max_categories}): free text or an identifier, not compared")
        return out
    return _categories(out, rc.as_dict(), cc.as_dict(), st, len(ref_col))


def _categories(out: ColumnDrift, ref: dict[Any, int], cur: dict[Any, int],
                st: DriftParameters, n_ref_rows: int) -> ColumnDrift:
    out.kind = "categorical"
    cats, r, c = ds.aligned_counts(ref, cur)
    out.n_reference, out.n_current = int(r.sum()), int(c.sum())
    out.chi2_statistic, out.chi2_p_value, _ = ds.chi2_homogeneity(r, c)
    out.psi = ds.psi(r, c)
    out.jensenshannon = ds.jensenshannon_distance(r, c)
    method = st.categorical_method
    if method == "auto":
        method = "chi2" if n_ref_rows <= st.size_threshold else "jensenshannon"
    score = {"chi2": out.chi2_p_value, "psi": out.psi, "jensenshannon": out.jensenshannon}[method]
    _judge(out, method, score, st)
    top = list(range(min(len(cats), _PLOT_CATEGORIES)))
    out.plot = {
        "labels": [colmod.label(cats[i]) for i in top],
        "reference": [int(r[i]) for i in top],
        "current": [int(c[i]) for i in top],
        "reference_total": int(r.sum()), "current_total": int(c.sum()),
        "more": max(0, len(cats) - len(top)),
    }
    return out


def _judge(out: ColumnDrift, method: str, score: float | None, st: DriftParameters) -> None:
    out.method = method
    out.score = score
    out.threshold = st.threshold(method)
    if score is None or not np.isfinite(score):
        out.drifted = None
        return
    if method in P_VALUE_METHODS:
        out.drifted = score < out.threshold
    else:
        out.drifted = score >= out.threshold


def relative_intensity(d: ColumnDrift) -> float:
    """The score relative to its threshold; at least 1 means drift.

    Distances: ``score / threshold``. p-values: ``log10(p) / log10(threshold)``
    (a p-value of 0 counts as 1e-300).
    """
    if d.score is None or d.threshold is None:
        return 0.0
    if d.method in P_VALUE_METHODS:
        p = max(d.score, 1e-300)
        return float(np.log10(p) / np.log10(d.threshold)) if p < 1 else 0.0
    return d.score / d.threshold if d.threshold > 0 else float(d.score > 0)


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b

