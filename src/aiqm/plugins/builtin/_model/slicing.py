"""Split rows into groups by the values of one or several columns (slices, groups).

A categorical column (text, bool, dictionary-encoded, or numeric with few
distinct values) gives one group per value; a dictionary column also lists
categories that no row has, as empty groups. A numeric column with more
distinct values than ``n_bins`` is cut into ``n_bins`` quantile bins. Missing
values form their own group, ``(missing)``. Several columns are crossed into
their intersections, every combination listed, empty ones included, so that
nothing is silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from aiqm.exceptions import DataError

if TYPE_CHECKING:
    from aiqm.data.dataset import Dataset

__all__ = ["MISSING", "OTHER", "Grouping", "column_grouping", "cross_groupings", "groupings"]

MISSING = "(missing)"
OTHER = "(other)"


@dataclass
class Grouping:
    """Rows split into groups.

    Attributes
    ----------
    columns : tuple of str
        The column(s) the groups come from.
    codes : numpy.ndarray of int64
        The group index of each row.
    values : list of tuple of str
        Per group, the value (or bin) of each column.
    """

    columns: tuple[str, ...]
    codes: np.ndarray
    values: list[tuple[str, ...]]

    @property
    def name(self) -> str:
        """The column names joined by ``×``."""
        return " × ".join(self.columns)

    @property
    def labels(self) -> list[str]:
        """One label per group: ``value`` or ``col=value, col=value`` for crossings."""
        if len(self.columns) == 1:
            return [v[0] for v in self.values]
        return [", ".join(f"{c}={x}" for c, x in zip(self.columns, v, strict=True))
                for v in self.values]

    @property
    def sizes(self) -> np.ndarray:
        """Rows per group (0 for an empty group)."""
        return np.bincount(self.codes, minlength=len(self.values))

    def take(self, rows: np.ndarray) -> Grouping:
        """The same groups for a subset of rows."""
        return Grouping(self.columns, self.codes[rows], self.values)


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _numeric_bins(values: np.ndarray, n_bins: int) -> tuple[np.ndarray, list[str]]:
    finite = values[~np.isnan(values)]
    edges = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, n_bins + 1)))
    if len(edges) < 2:
        edges = np.array([finite.min(), finite.max()])
    codes = np.searchsorted(edges[1:-1], values, side="right").astype(np.int64)
    labels = [
        f"[{_fmt(lo)}, {_fmt(hi)}{']' if i == len(edges) - 2 else ')'}"
        for i, (lo, hi) in enumerate(pairwise(edges))
    ]
    return codes, labels


def column_grouping(
    ds: Dataset, column: str, *, n_bins: int = 5, max_groups: int = 50,
    rows: np.ndarray | None = None,
) -> Grouping:
    """Group the rows of ``ds`` by one column.

    Parameters
    ----------
    ds : Dataset
        The dataset.
    column : str
        The column.
    n_bins : int, default=5
        Quantile bins for a numeric column with more distinct values than this.
    max_groups : int, default=50
        A categorical column with more values keeps the ``max_groups - 1`` most
        frequent and puts the rest in ``(other)``.
    rows : numpy.ndarray, default=None
        Only these rows (indices), e.g. a sample.

    Raises
    ------
    DataError
        If the column does not exist.
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa
    import pyarrow.compute as pc

    ds.require_columns(column, why="set the columns to group by to columns of the dataset")
    col = ds.column(column)
    if rows is not None:
        col = col.take(pa.array(rows))
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    t = arr.type
    if (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)):
        values = arr.cast(pa.float64()).to_numpy(zero_copy_only=False)
        missing = np.isnan(values)
        distinct = np.unique(values[~missing])
        if len(distinct) > n_bins:
            codes, labels = _numeric_bins(values, n_bins)
        else:
            codes = np.searchsorted(distinct, values).astype(np.int64)
            labels = [_fmt(v) if not float(v).is_integer() else str(int(v)) for v in distinct]
        return _with_missing((column,), codes, labels, missing)
    if not pa.types.is_dictionary(t):
        arr = pc.dictionary_encode(arr)
    dictionary = [str(v) for v in arr.dictionary.to_pylist()]
    indices = arr.indices
    missing = np.asarray(indices.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    codes = np.asarray(indices.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    if len(dictionary) == 0:
        dictionary = [""]
    order = np.argsort(np.array(dictionary, dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[codes]
    labels = [dictionary[i] for i in order]
    if len(labels) > max_groups:
        counts = np.bincount(codes[~missing], minlength=len(labels))
        keep = np.sort(np.argsort(-counts, kind="stable")[: max_groups - 1])
        remap = np.full(len(labels), len(keep), dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        codes = remap[codes]
        labels = [labels[i] for i in keep] + [OTHER]
    return _with_missing((column,), codes, labels, missing)


def _with_missing(
    columns: tuple[str, ...], codes: np.ndarray, labels: list[str], missing: np.ndarray
) -> Grouping:
    if missing.any():
        codes = np.where(missing, len(labels), codes)
        labels = [*labels, MISSING]
    return Grouping(columns, codes.astype(np.int64), [(x,) for x in labels])


def cross_groupings(parts: Sequence[Grouping], *, max_groups: int = 1000) -> Grouping:
    """The intersections of several groupings, every combination listed.

    Raises
    ------
    DataError
        If the combinations exceed ``max_groups``.
    """
    if len(parts) == 1:
        return parts[0]
    total = int(np.prod([len(p.values) for p in parts]))
    if total > max_groups:
        sizes = " × ".join(f"{len(p.values)} ({p.name})" for p in parts)
        raise DataError(
            f"the intersections of {', '.join(p.name for p in parts)} make {sizes} = {total} "
            f"groups, more than the {max_groups} allowed; group by fewer columns or use "
            "fewer bins for numeric columns"
        )
    codes = np.zeros(len(parts[0].codes), dtype=np.int64)
    values: list[tuple[str, ...]] = [()]
    for p in parts:
        codes = codes * len(p.values) + p.codes
        values = [v + w for v in values for w in p.values]
    return Grouping(tuple(c for p in parts for c in p.columns), codes, values)


def groupings(
    ds: Dataset, columns: Sequence[str], *, n_bins: int, max_groups: int = 50,
    rows: np.ndarray | None = None,
) -> list[Grouping]:
    """One grouping per column (see :func:`column_grouping`)."""
    return [column_grouping(ds, c, n_bins=n_bins, max_groups=max_groups, rows=rows)
            for c in columns]
