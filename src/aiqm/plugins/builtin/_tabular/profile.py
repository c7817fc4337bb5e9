"""The dataset profile: a per-column summary computed in one pass per column.

A :class:`ColumnProfile` holds what the data-quality AITs need to know about a
column without reading it again: its kind, missing and distinct counts, for
numbers the range, moments, quantiles, median absolute deviation and a
histogram, and the counts of its distinct values when there are at most
:data:`MAX_STORED_CATEGORIES` of them. Profiles are plain data with a JSON form,
so :mod:`.profile_cache` can keep them beside the dataset cache.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.plugins.builtin._tabular import columns as colmod
from aiqm.plugins.builtin._tabular.numeric import (
    SortedValues,
    distinct_count,
    histogram_sorted,
    median_abs_deviation_sorted,
    quantiles_sorted,
    sorted_values,
    value_counts_sorted,
)
from aiqm.plugins.builtin._tabular.parallel import thread_map

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "DEFAULT_BINS",
    "MAX_STORED_CATEGORIES",
    "QUANTILES",
    "ColumnProfile",
    "categorical_profile",
    "numeric_profile",
    "profile_column",
    "profile_table",
]

#: Quantile levels every numeric profile stores (linear interpolation, as numpy).
QUANTILES = (0.01, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 0.99)
#: A column's value counts are stored whole when it has at most this many distinct values.
MAX_STORED_CATEGORIES = 1000
#: Equal-width histogram bins of a numeric profile, unless asked otherwise.
DEFAULT_BINS = 20


@dataclass
class ColumnProfile:
    """Summary of one column.

    Attributes
    ----------
    name, type, kind : str
        Column name, Arrow type (text) and kind (see :func:`.columns.column_kind`).
    n_rows, n_missing, n_distinct : int
        Rows; null (and NaN) cells; distinct non-missing values.
    n_infinite : int
        ``±inf`` cells of a float column; they are left out of the numeric
        statistics below (but not counted as missing).
    min, max, mean, std, median, mad, meanad : float or None
        Over the finite values: ``std`` with ``ddof=1`` (None below two values);
        ``mad`` is the median of ``|x - median|``; ``meanad``, the mean of it, is
        only stored when ``mad`` is 0.
    quantile_levels, quantile_values : list of float
        :data:`QUANTILES` and the values there (numpy's linear interpolation).
    histogram_edges, histogram_counts : list
        An equal-width histogram between min and max (``numpy.histogram``).
    categories : list of [value, count]
        Distinct values with counts, largest count first; all of them when
        ``categories_complete``, else the :data:`MAX_STORED_CATEGORIES` most frequent.
    categories_complete : bool
        Whether ``categories`` lists every distinct value.
    n_numeric_like : int or None
        For text columns: how many distinct values read as numbers. Between 0
        and ``n_distinct`` exclusive means the column mixes numbers and text.
    """

    name: str
    type: str
    kind: str
    n_rows: int
    n_missing: int
    n_distinct: int
    n_infinite: int = 0
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    median: float | None = None
    mad: float | None = None
    meanad: float | None = None
    quantile_levels: list[float] = field(default_factory=list)
    quantile_values: list[float] = field(default_factory=list)
    histogram_edges: list[float] = field(default_factory=list)
    histogram_counts: list[int] = field(default_factory=list)
    categories: list[list[Any]] = field(default_factory=list)
    categories_complete: bool = False
    n_numeric_like: int | None = None

    # -- derived ----------------------------------------------------------------
    @property
    def n_valid(self) -> int:
        """Non-missing, finite cells."""
        return self.n_rows - self.n_missing - self.n_infinite

    @property
    def missing_ratio(self) -> float | None:
        """Missing cells / rows (None for an empty table)."""
        return self.n_missing / self.n_rows if self.n_rows else None

    @property
    def is_empty(self) -> bool:
        """Whether the column has no usable value (all missing)."""
        return self.n_valid == 0 and not self.categories

    @property
    def is_constant(self) -> bool:
        """Whether the column has exactly one distinct value."""
        return self.n_distinct == 1

    @property
    def mixed_types(self) -> bool:
        """Whether a text column holds both numbers and other text."""
        return self.n_numeric_like is not None and 0 < self.n_numeric_like < self.n_distinct

    def quantile(self, q: float) -> float | None:
        """The stored quantile at level ``q``, or None if not stored."""
        for level, value in zip(self.quantile_levels, self.quantile_values, strict=True):
            if abs(level - q) < 1e-12:
                return value
        return None

    def category_counts(self) -> colmod.CategoryCounts | None:
        """The full value counts, or None when they were not all stored."""
        if not self.categories_complete:
            return None
        return colmod.CategoryCounts(
            [v for v, _ in self.categories],
            np.array([c for _, c in self.categories], dtype=np.int64),
            self.n_missing,
        )

    # -- JSON -------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (no NaN: undefined statistics are None)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ColumnProfile:
        """Rebuild a profile from :meth:`to_json` output."""
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def _f(x: float | np.floating) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def numeric_profile(
    name: str, type_: str, kind: str, sv: SortedValues, *, n_bins: int = DEFAULT_BINS,
    integer: bool = False,
) -> ColumnProfile:
    """Profile a numeric (or datetime) column from its sorted finite values.

    Parameters
    ----------
    name, type_, kind : str
        Column name, Arrow type text and kind.
    sv : SortedValues
        From :func:`.numeric.sorted_values`.
    n_bins : int, default=20
        Equal-width histogram bins.
    integer : bool, default=False
        Store category values as ints (for integer columns).
    """
    s = sv.values
    prof = ColumnProfile(
        name=name, type=type_, kind=kind, n_rows=sv.n_rows, n_missing=sv.n_missing,
        n_distinct=distinct_count(s), n_infinite=sv.n_infinite,
    )
    if s.size == 0:
        return prof
    med = float(quantiles_sorted(s, [0.5])[0])
    prof.min, prof.max = float(s[0]), float(s[-1])
    prof.mean = _f(np.mean(s))
    prof.std = _f(np.std(s, ddof=1)) if s.size > 1 else None
    prof.median = med
    prof.mad = median_abs_deviation_sorted(s, med)
    if prof.mad == 0:  # only needed then (robust z-scores fall back to it)
        prof.meanad = float(np.mean(np.abs(s - med)))
    prof.quantile_levels = list(QUANTILES)
    prof.quantile_values = [float(v) for v in quantiles_sorted(s, QUANTILES)]
    counts, edges = histogram_sorted(s, n_bins)
    prof.histogram_edges = [float(e) for e in edges]
    prof.histogram_counts = [int(c) for c in counts]
    if prof.n_distinct <= MAX_STORED_CATEGORIES and kind == colmod.NUMERIC:
        values, vcounts = value_counts_sorted(s)
        order = np.argsort(-vcounts, kind="stable")
        cast = int if integer else float
        prof.categories = [[cast(values[i]), int(vcounts[i])] for i in order]
        prof.categories_complete = True
    return prof


def categorical_profile(
    name: str, type_: str, kind: str, counts: colmod.CategoryCounts, n_rows: int,
    n_numeric_like: int | None = None,
) -> ColumnProfile:
    """Profile a text or boolean column from its value counts."""
    n_distinct = len(counts.values)
    kept = min(n_distinct, MAX_STORED_CATEGORIES)
    return ColumnProfile(
        name=name, type=type_, kind=kind, n_rows=n_rows, n_missing=counts.n_missing,
        n_distinct=n_distinct,
        categories=[[counts.values[i], int(counts.counts[i])] for i in range(kept)],
        categories_complete=n_distinct <= MAX_STORED_CATEGORIES,
        n_numeric_like=n_numeric_like,
    )


def profile_column(name: str, column: pa.ChunkedArray, *, n_bins: int = DEFAULT_BINS) -> ColumnProfile:
    """Profile one Arrow column.

    Examples
    --------
    >>> import pyarrow as pa
    >>> p = profile_column("x", pa.chunked_array([[1.0, 2.0, None, 2.0]]))
    >>> (p.kind, p.n_missing, p.n_distinct, p.median, p.categories)
    ('numeric', 1, 2, 2.0, [[2.0, 2], [1.0, 1]])
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa

    kind = colmod.column_kind(column.type)
    type_ = str(column.type)
    if kind in (colmod.NUMERIC, colmod.DATETIME):
        value_type = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        return numeric_profile(
            name, type_, kind, sorted_values(column), n_bins=n_bins,
            integer=pa.types.is_integer(value_type),
        )
    if kind == colmod.NULL:
        return ColumnProfile(name=name, type=type_, kind=kind, n_rows=len(column),
                             n_missing=len(column), n_distinct=0)
    if kind == colmod.OTHER:  # nested values: counted as text
        column = colmod.decoded(column)
        text = column.cast(pa.string()) if _castable(column) else None
        if text is None:
            n_missing = column.null_count
            return ColumnProfile(name=name, type=type_, kind=kind, n_rows=len(column),
                                 n_missing=n_missing, n_distinct=0)
        column = text
    counts = colmod.category_counts(column)
    numeric_like = None
    if kind == colmod.CATEGORICAL and counts.values:
        numeric_like = colmod.numeric_like_count(pa.array(counts.values, pa.string()))
    return categorical_profile(name, type_, kind, counts, len(column), numeric_like)


def _castable(column: pa.ChunkedArray) -> bool:
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa

    try:
        column.slice(0, 1).cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def profile_table(
    table: pa.Table,
    names: Sequence[str],
    *,
    n_bins: int = DEFAULT_BINS,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, ColumnProfile]:
    """Profile the named columns of ``table``, several columns at a time.

    Returns
    -------
    dict of str to ColumnProfile
        In the order of ``names``.
    """
    out: dict[str, ColumnProfile] = {}
    work = thread_map(lambda c: profile_column(c, table.column(c), n_bins=n_bins), names)
    for i, prof in enumerate(work):
        out[prof.name] = prof
        if progress is not None:
            progress(i + 1, len(names))
    return out
