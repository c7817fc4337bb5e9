"""Attributes: columns turned into small integer codes (categories, or numeric bins).

An :class:`Attribute` has a fixed list of values (category values, or bins of a
numeric column) and gives every row the index of its value, so that
combinations of attributes can be counted with ``numpy.bincount``. The same
attribute encodes several datasets identically, which is what comparing a
training and a test dataset needs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.exceptions import DataError
from aiqm.plugins.builtin._tabular import columns as colmod
from aiqm.plugins.builtin._tabular.numeric import quantiles_sorted, sorted_values

if TYPE_CHECKING:
    import pyarrow as pa

    from aiqm.plugins.builtin._tabular.profile import ColumnProfile

__all__ = [
    "MAX_NUMERIC_LEVELS",
    "MISSING",
    "OUTSIDE",
    "Attribute",
    "attribute_codes",
    "bin_labels",
    "build_attribute",
    "categorical_attribute",
    "numeric_attribute",
    "parse_combination",
    "quantile_bin_edges",
]

#: Code of a missing cell.
MISSING = -1
#: Code of a value that is not one of the attribute's values (or outside its bins).
OUTSIDE = -2


@dataclass
class Attribute:
    """A column seen as a small set of values.

    Attributes
    ----------
    name : str
        The column.
    kind : {"categorical", "binned"}
        Category values, or bins of a numeric column.
    labels : list of str
        One label per value, as tables show them (``"red"``, ``"[0, 10)"``).
    values : list
        Category values (for ``categorical``) or bin edges (for ``binned``:
        ``len(labels) + 1`` edges, ``-inf``/``inf`` for open ends).
    closed_last : bool
        Binned: whether the last bin includes its upper edge (given edges do;
        open-ended quantile bins do not need to).
    """

    name: str
    kind: str
    labels: list[str]
    values: list[Any] = field(default_factory=list)
    closed_last: bool = True

    @property
    def size(self) -> int:
        """The number of values."""
        return len(self.labels)

    def label_index(self, text: str) -> int | None:
        """The index of the value whose label (or value text) is ``text``."""
        for i, lab in enumerate(self.labels):
            if lab == text:
                return i
        if self.kind == "categorical":
            for i, v in enumerate(self.values):
                if colmod.label(v) == text or str(v) == text:
                    return i
        return None

    def codes(self, column: pa.ChunkedArray) -> np.ndarray:
        """Each row's value index: :data:`MISSING` or :data:`OUTSIDE` otherwise."""
        if self.kind == "categorical":
            return colmod.category_codes(column, self.values)
        x = colmod.float_values(column)
        edges = np.asarray(self.values, dtype=np.float64)
        # bin i holds edges[i] <= x < edges[i + 1]
        codes = np.searchsorted(edges, x, side="right").astype(np.int64) - 1
        if self.closed_last:
            codes[x == edges[-1]] = len(edges) - 2
        codes[(codes < 0) | (codes >= len(edges) - 1)] = OUTSIDE
        codes[np.isnan(x)] = MISSING
        return codes


def _num(x: float) -> str:
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.6g}"


def bin_labels(edges: Sequence[float], *, closed_last: bool = True) -> list[str]:
    """Labels ``[a, b)`` of the bins between consecutive edges.

    Open ends read ``< b`` and ``>= a``; the last bin is ``[a, b]`` when closed.

    Examples
    --------
    >>> bin_labels([0, 10, 20])
    ['[0, 10)', '[10, 20]']
    >>> bin_labels([float("-inf"), 5, float("inf")], closed_last=False)
    ['< 5', '>= 5']
    """
    out = []
    k = len(edges) - 1
    for i in range(k):
        lo, hi = float(edges[i]), float(edges[i + 1])
        if np.isinf(lo):
            out.append(f"< {_num(hi)}")
        elif np.isinf(hi):
            out.append(f">= {_num(lo)}")
        else:
            close = "]" if (i == k - 1 and closed_last) else ")"
            out.append(f"[{_num(lo)}, {_num(hi)}{close}")
    return out


def quantile_bin_edges(
    n_bins: int, *, profile: ColumnProfile | None = None, column: pa.ChunkedArray | None = None
) -> np.ndarray:
    """Interior edges at the ``1/n_bins … (n_bins-1)/n_bins`` quantiles, repeats merged.

    Taken from a profile when it stores those levels (2, 4, 5, 10 or 20 bins …),
    else computed from the column (one sort).
    """
    levels = np.linspace(0, 1, n_bins + 1)[1:-1]
    if profile is not None and profile.quantile_values:
        stored = [profile.quantile(float(q)) for q in levels]
        if all(v is not None for v in stored):
            return np.unique(np.asarray(stored, dtype=np.float64))
    if column is None:
        raise ValueError("quantile_bin_edges needs a profile with those levels or the column")
    s = sorted_values(column).values
    return np.unique(quantiles_sorted(s, levels))


def numeric_attribute(
    name: str, *, edges: Sequence[float] | None = None, interior: Sequence[float] | None = None
) -> Attribute:
    """A binned numeric attribute: given ``edges`` (closed range) or open-ended ``interior`` edges.

    Raises
    ------
    DataError
        If given edges are fewer than two or not increasing.
    """
    if edges is not None:
        e = [float(x) for x in edges]
        if len(e) < 2 or any(b <= a for a, b in itertools.pairwise(e)):
            raise DataError(
                f"the bin edges of column {name!r} must be at least two increasing numbers "
                f"(e.g. [0, 18, 65, 120]); got {list(edges)!r}"
            )
        return Attribute(name, "binned", bin_labels(e), e, closed_last=True)
    inner = [float(x) for x in (interior if interior is not None else [])]
    e = [-np.inf, *inner, np.inf]
    return Attribute(name, "binned", bin_labels(e, closed_last=False), e, closed_last=False)


def categorical_attribute(name: str, values: Sequence[Any]) -> Attribute:
    """A categorical attribute with the given values (in that order)."""
    vals = list(dict.fromkeys(values))
    return Attribute(name, "categorical", [colmod.label(v) for v in vals], vals)


#: A numeric column with at most this many distinct values is taken as categories.
MAX_NUMERIC_LEVELS = 10


def build_attribute(
    name: str,
    profiles: Sequence[ColumnProfile],
    column: pa.ChunkedArray,
    *,
    bins: Any = None,
    declared: Any = None,
    n_bins: int | None = None,
    max_values: int = 100,
    dataset: str = "dataset",
) -> Attribute:
    """Decide how a column becomes an attribute, from its profile(s).

    Parameters
    ----------
    name : str
        The column.
    profiles : sequence of ColumnProfile
        Its profile in each dataset involved (the first is the main dataset).
    column : pyarrow.ChunkedArray
        The column of the main dataset (to compute quantile bins not in the profile).
    bins : list of float or int, default=None
        Given bin edges, or a number of quantile bins (numeric columns only).
    declared : list, default=None
        Given values (categorical use).
    n_bins : int, default=None
        Quantile bins of a numeric column with more than :data:`MAX_NUMERIC_LEVELS`
        distinct values; None refuses such a column unless ``bins`` is given.
    max_values : int, default=100
        Most distinct values of a column taken as categories.
    dataset : str, default="dataset"
        The main dataset's name, for messages.

    Raises
    ------
    DataError
        For a column that cannot be an attribute as asked, saying what to set.
    """
    prof = profiles[0]
    numeric = prof.kind in (colmod.NUMERIC, colmod.DATETIME)
    if bins is not None:
        if not numeric:
            raise DataError(f"column {name!r} is {prof.kind} ({prof.type}); 'bins' applies to "
                            "numeric columns only — list its values under 'values' instead")
        if isinstance(bins, bool) or not isinstance(bins, int | list):
            raise DataError(f"'bins' of column {name!r} must be a list of edges or a number of "
                            f"quantile bins; got {bins!r}")
        if isinstance(bins, int):
            if bins < 2:
                raise DataError(f"'bins' of column {name!r} must be at least 2; got {bins}")
            return numeric_attribute(name, interior=quantile_bin_edges(
                bins, profile=prof, column=column).tolist())
        if not all(isinstance(e, int | float) and not isinstance(e, bool) for e in bins):
            raise DataError(f"the bin edges of column {name!r} must be numbers; got {bins!r}")
        return numeric_attribute(name, edges=bins)
    if declared is not None:
        if not isinstance(declared, list) or not declared:
            raise DataError(f"the values of column {name!r} must be a non-empty list; got {declared!r}")
        return categorical_attribute(name, declared)
    if prof.is_empty:
        raise DataError(f"column {name!r} of dataset '{dataset}' has no value (every cell is "
                        "missing), so it has no categories — remove it from 'columns'")
    if prof.kind == colmod.OTHER:
        raise DataError(f"column {name!r} has type {prof.type}, which cannot be an attribute")
    if numeric and prof.n_distinct > MAX_NUMERIC_LEVELS:
        if n_bins is None:
            raise DataError(
                f"column {name!r} is numeric with {prof.n_distinct} distinct values; give its bin "
                f"edges under 'bins' (e.g. bins: {{{name}: [0, 10, 20, 50]}})"
            )
        return numeric_attribute(name, interior=quantile_bin_edges(
            n_bins, profile=prof, column=column).tolist())
    seen: dict[Any, None] = {}
    for p in profiles:
        if not p.categories_complete or p.n_distinct > max_values:
            raise DataError(
                f"column {name!r} has {p.n_distinct} distinct values (more than max_values = "
                f"{max_values}); an id or free-text column cannot be used as categories — bin it "
                "(numeric), group its values, or raise max_values"
            )
        for v, _ in p.categories:
            seen.setdefault(v)
    return categorical_attribute(name, sorted(seen, key=colmod.value_sort_key))


def attribute_codes(a: Attribute, column: pa.ChunkedArray, *, where: str) -> tuple[np.ndarray, int, int]:
    """Codes of ``column`` under attribute ``a``, with the missing and out-of-bin counts.

    Raises
    ------
    DataError
        When a categorical attribute meets values it does not list (naming them).
    """
    codes = a.codes(column)
    outside = int(np.count_nonzero(codes == OUTSIDE))
    missing = int(np.count_nonzero(codes == MISSING))
    if outside and a.kind == "categorical":
        # lazy: heavy, and the AIT modules load with every registry
        import pyarrow as pa

        bad = colmod.category_counts(column.filter(pa.array(codes == OUTSIDE)))
        shown = ", ".join(f"{colmod.label(v)!r} ({c} rows)" for v, c in
                          zip(bad.values[:10], bad.counts[:10].tolist(), strict=True))
        raise DataError(
            f"column {a.name!r} of {where} has values that are not listed: {shown}"
            f"{' …' if len(bad.values) > 10 else ''}; list them too (or fix the data)"
        )
    return codes, missing, outside


def parse_combination(text: str, attributes: Sequence[Attribute], *, what: str = "combination"
                      ) -> dict[int, int]:
    """Parse ``"col=value & col=value"`` into attribute index → value index.

    With a single attribute, a bare ``"value"`` is accepted too.

    Raises
    ------
    DataError
        Naming the unknown attribute or value and listing the known ones.

    Examples
    --------
    >>> a = [categorical_attribute("season", ["summer", "winter"]),
    ...      categorical_attribute("weather", ["sun", "snow"])]
    >>> parse_combination("season=summer & weather=snow", a)
    {0: 0, 1: 1}
    """
    index = {a.name: i for i, a in enumerate(attributes)}
    out: dict[int, int] = {}
    parts = text.split("&")
    for part in parts:
        name, sep, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not sep and len(attributes) == 1 and len(parts) == 1:
            name, value = attributes[0].name, text.strip()
        elif not sep or not name:
            raise DataError(f"cannot read the {what} {text!r}: write 'column=value & "
                            "column=value' (e.g. 'season=summer & weather=snow')")
        if name not in index:
            raise DataError(f"the {what} {text!r} names {name!r}, which is not one of the "
                            f"columns ({', '.join(index)})")
        a = attributes[index[name]]
        v = a.label_index(value)
        if v is None:
            raise DataError(f"the {what} {text!r}: {value!r} is not a value of {name!r} "
                            f"(values: {', '.join(a.labels)})")
        out[index[name]] = v
    return out
