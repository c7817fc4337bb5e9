"""Two-sample statistics that equal SciPy's, computed from sorted arrays or counts.

- :func:`ks_wasserstein_sorted` gives the two-sample Kolmogorov–Smirnov
  statistic and the 1-Wasserstein distance in one pass: one binary search per
  value of one sample places every value in the merged order, and both
  statistics follow from the counts below each value and the gap to the next. They equal
  ``scipy.stats.ks_2samp(a, b).statistic`` and
  ``scipy.stats.wasserstein_distance(a, b)``, which sort and search the
  concatenation of both samples once each.
- :func:`ks_pvalue` is SciPy's two-sided p-value: exact (SciPy itself) up to
  10 000 values per sample, Smirnov's asymptotic distribution above.
- :func:`psi`, :func:`jensenshannon_distance` and :func:`chi2_homogeneity`
  work on counts per bin or category.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from aiqm.plugins.builtin._tabular.numeric import quantiles_sorted

__all__ = [
    "EXACT_KS_MAX_N",
    "PSI_EPSILON",
    "aligned_counts",
    "binned_counts_sorted",
    "chi2_homogeneity",
    "jensenshannon_distance",
    "ks_pvalue",
    "ks_wasserstein_sorted",
    "psi",
    "quantile_edges",
]

#: ``scipy.stats.ks_2samp(method="auto")`` is exact up to this many values per sample.
EXACT_KS_MAX_N = 10_000
#: The share given to an empty bin in the PSI, so that its logarithm is defined.
PSI_EPSILON = 1e-4


def ks_wasserstein_sorted(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """The KS statistic and the 1-Wasserstein distance of two sorted samples.

    Parameters
    ----------
    a, b : numpy.ndarray
        Sorted, finite, non-empty float64 samples.

    Returns
    -------
    (float, float)
        ``ks_2samp(a, b).statistic`` and ``wasserstein_distance(a, b)``.

    Examples
    --------
    >>> ks_wasserstein_sorted(np.array([0.0, 1.0]), np.array([0.0, 2.0]))
    (0.0, 0.5)
    """
    n1, n2 = a.size, b.size
    # Merge order: a's values first among equal ones. b[j] follows the sa[j] a-values
    # <= b[j]; a[i] follows the below[i] b-values < a[i].
    sa = _searchsorted_sorted(a, b)
    below = np.cumsum(np.bincount(sa, minlength=n1 + 1)[:n1])
    # F_a - F_b just after each point, in the same float operations as SciPy
    d_a = np.arange(1, n1 + 1) / n1
    d_a -= below / n2
    d_b = sa / n1
    d_b -= np.arange(1, n2 + 1) / n2
    # the next value of the merged sample after each point (inf after the largest)
    first_b = np.take(b, below, mode="clip")  # the first b-value >= a[i] (if below[i] < n2)
    first_b[below >= n2] = np.inf
    nxt_a = np.append(a[1:], np.inf)
    np.minimum(nxt_a, first_b, out=nxt_a)
    first_a = np.take(a, sa, mode="clip")  # the first a-value > b[j] (if sa[j] < n1)
    first_a[sa >= n1] = np.inf
    nxt_b = np.append(b[1:], np.inf)
    np.minimum(nxt_b, first_a, out=nxt_b)
    gap_a = np.subtract(nxt_a, a, out=nxt_a)
    gap_b = np.subtract(nxt_b, b, out=nxt_b)
    # F_a and F_b are complete only after the last point of a run of equal values:
    # where the gap to the next merged value is 0, the point is not the last of its run.
    end_a, end_b = gap_a > 0, gap_b > 0
    if end_a.all() and end_b.all():  # no value repeats: every point ends its run
        max_s = max(float(d_a.max()), float(d_b.max()))
        min_s = -min(float(d_a.min()), float(d_b.min()))
    else:
        max_s = max(float(d_a.max(where=end_a, initial=-1)), float(d_b.max(where=end_b, initial=-1)))
        min_s = -min(float(d_a.min(where=end_a, initial=1)), float(d_b.min(where=end_b, initial=1)))
    min_s = float(np.clip(min_s, 0, 1))
    ks = min_s if min_s > max_s else max_s
    # Wasserstein: the integral of |F_a - F_b|; gaps inside runs of equal values are 0,
    # and nothing follows the largest value (the only infinite gap)
    for gap in (gap_a, gap_b):
        if np.isinf(gap[-1]):
            gap[-1] = 0.0
    np.abs(d_a, out=d_a)
    np.abs(d_b, out=d_b)
    wasserstein = float(np.einsum("i,i->", d_a, gap_a) + np.einsum("i,i->", d_b, gap_b))
    return float(ks), wasserstein


def _searchsorted_sorted(a: np.ndarray, b: np.ndarray, block: int = 16384) -> np.ndarray:
    """``numpy.searchsorted(a, b, side="right")`` for sorted ``b``, block by block.

    Each block of ``b`` is searched only in the slice of ``a`` between its first
    and last value, which stays in the CPU cache: about twice as fast on a million
    values as one search over all of ``a``.
    """
    if b.size <= 4 * block:
        return np.searchsorted(a, b, side="right")
    out = np.empty(b.size, dtype=np.intp)
    starts = np.arange(0, b.size, block)
    stops = np.minimum(starts + block, b.size)
    lows = np.searchsorted(a, b[starts], side="right")
    highs = np.searchsorted(a, b[stops - 1], side="right")
    for s0, s1, lo, hi in zip(starts.tolist(), stops.tolist(), lows.tolist(), highs.tolist(),
                              strict=True):
        out[s0:s1] = np.searchsorted(a[lo:hi], b[s0:s1], side="right")
        out[s0:s1] += lo
    return out


def ks_pvalue(statistic: float, a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """SciPy's two-sided KS p-value (and statistic) for samples ``a`` and ``b``.

    Up to :data:`EXACT_KS_MAX_N` values per sample this calls
    ``scipy.stats.ks_2samp(a, b)`` (the exact distribution, whose statistic is
    rounded to its lattice); above, it evaluates Smirnov's asymptotic
    distribution as SciPy does: ``kstwo.sf(D, round(n1 * n2 / (n1 + n2)))``.

    Returns
    -------
    (float, float)
        The statistic and the p-value.
    """
    # lazy: heavy, and the AIT modules load with every registry
    from scipy import stats

    n1, n2 = a.size, b.size
    if max(n1, n2) <= EXACT_KS_MAX_N:
        res = stats.ks_2samp(a, b)
        return float(res.statistic), float(res.pvalue)
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    p = float(np.clip(stats.kstwo.sf(statistic, np.round(en)), 0, 1))
    return statistic, p


def quantile_edges(ref_sorted: np.ndarray, n_bins: int) -> np.ndarray:
    """Interior bin edges at the reference's ``1/n_bins … (n_bins-1)/n_bins`` quantiles.

    Repeated edges (many equal values) are merged, so there may be fewer bins.

    Examples
    --------
    >>> quantile_edges(np.arange(10.0), 2).tolist()
    [4.5]
    """
    levels = np.linspace(0, 1, n_bins + 1)[1:-1]
    return np.unique(quantiles_sorted(ref_sorted, levels))


def binned_counts_sorted(s: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts of sorted ``s`` in the bins ``(-inf, e1], (e1, e2], …, (ek, inf)``.

    Examples
    --------
    >>> binned_counts_sorted(np.array([1.0, 2.0, 2.0, 5.0]), np.array([2.0, 3.0])).tolist()
    [3, 0, 1]
    """
    cuts = np.searchsorted(s, edges, side="right")
    return np.diff(np.concatenate(([0], cuts, [s.size]))).astype(np.int64)


def psi(ref_counts: np.ndarray, cur_counts: np.ndarray, epsilon: float = PSI_EPSILON) -> float:
    """Population stability index ``sum((c - r) * ln(c / r))`` over bin shares.

    Shares of 0 are replaced by ``epsilon`` (not renormalised).

    Examples
    --------
    >>> round(psi(np.array([50, 50]), np.array([25, 75])), 6)  # 2 * 0.25 * ln 3
    0.549306
    """
    r = np.asarray(ref_counts, dtype=np.float64)
    c = np.asarray(cur_counts, dtype=np.float64)
    r = r / r.sum()
    c = c / c.sum()
    r = np.where(r == 0, epsilon, r)
    c = np.where(c == 0, epsilon, c)
    return float(np.sum((c - r) * np.log(c / r)))


def jensenshannon_distance(p_counts: np.ndarray, q_counts: np.ndarray) -> float:
    """``scipy.spatial.distance.jensenshannon(p, q)``: the square root of the divergence.

    Natural logarithm, so the range is ``[0, sqrt(ln 2)]`` (about 0.833).
    """
    # lazy: heavy, and the AIT modules load with every registry
    from scipy.spatial.distance import jensenshannon

    value = float(jensenshannon(np.asarray(p_counts, float), np.asarray(q_counts, float)))
    return 0.0 if np.isnan(value) and np.array_equal(p_counts, q_counts) else value


def chi2_homogeneity(ref_counts: np.ndarray, cur_counts: np.ndarray) -> tuple[float, float, int]:
    """Chi-square test that two samples come from one categorical distribution.

    ``scipy.stats.chi2_contingency([ref_counts, cur_counts], correction=False)``
    on the categories seen in either sample.

    Returns
    -------
    (float, float, int)
        Statistic, p-value and degrees of freedom.
    """
    # lazy: heavy, and the AIT modules load with every registry
    from scipy.stats import chi2_contingency

    table = np.array([ref_counts, cur_counts], dtype=np.int64)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 0.0, 1.0, 0
    res = chi2_contingency(table, correction=False)
    return float(res.statistic), float(res.pvalue), int(res.dof)


def aligned_counts(
    ref: dict[Any, int], cur: dict[Any, int]
) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """Counts of both samples over the union of their categories.

    Categories are ordered by reference count (largest first), then those
    seen only in the current sample by their count.

    Examples
    --------
    >>> aligned_counts({"a": 3, "b": 1}, {"b": 2, "c": 1})
    (['a', 'b', 'c'], array([3, 1, 0]), array([0, 2, 1]))
    """
    cats: Sequence[Any] = [
        *sorted(ref, key=lambda k: -ref[k]),
        *sorted((k for k in cur if k not in ref), key=lambda k: -cur[k]),
    ]
    r = np.array([ref.get(k, 0) for k in cats], dtype=np.int64)
    c = np.array([cur.get(k, 0) for k in cats], dtype=np.int64)
    return list(cats), r, c
