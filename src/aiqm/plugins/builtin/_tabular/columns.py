"""Column kinds, column selection, and categorical counts and codes of Arrow columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.data.dataset import format_columns
from aiqm.exceptions import DataError

if TYPE_CHECKING:
    import pyarrow as pa

    from aiqm.data.dataset import Dataset

__all__ = [
    "BOOLEAN",
    "CATEGORICAL",
    "DATETIME",
    "KINDS",
    "NULL",
    "NUMBER_RE",
    "NUMERIC",
    "OTHER",
    "CategoryCounts",
    "category_codes",
    "category_counts",
    "column_kind",
    "decoded",
    "float_values",
    "label",
    "numeric_like_count",
    "select_columns",
    "value_sort_key",
]

NUMERIC = "numeric"
CATEGORICAL = "categorical"
BOOLEAN = "boolean"
DATETIME = "datetime"
NULL = "null"
OTHER = "other"
#: Every kind a column can have.
KINDS = (NUMERIC, CATEGORICAL, BOOLEAN, DATETIME, NULL, OTHER)

#: A text value that reads as a number (integer, decimal or scientific notation).
NUMBER_RE = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


def column_kind(typ: pa.DataType) -> str:
    """Return the kind of an Arrow type.

    Parameters
    ----------
    typ : pyarrow.DataType
        The column type; a dictionary type counts as its value type.

    Returns
    -------
    str
        ``"numeric"`` (integers, floats, decimals), ``"boolean"``,
        ``"categorical"`` (strings), ``"datetime"`` (timestamps and dates),
        ``"null"`` (a column with no values at all) or ``"other"``.

    Examples
    --------
    >>> import pyarrow as pa
    >>> column_kind(pa.float32()), column_kind(pa.dictionary(pa.int8(), pa.string()))
    ('numeric', 'categorical')
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa

    if pa.types.is_dictionary(typ):
        typ = typ.value_type
    if pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ):
        return NUMERIC
    if pa.types.is_boolean(typ):
        return BOOLEAN
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return CATEGORICAL
    if pa.types.is_timestamp(typ) or pa.types.is_date(typ):
        return DATETIME
    if pa.types.is_null(typ):
        return NULL
    return OTHER


def select_columns(
    ds: Dataset,
    asked: Sequence[str] | None,
    *,
    parameter: str = "columns",
    default: Sequence[str] | None = None,
) -> list[str]:
    """Return the columns an AIT works on, checking that each exists.

    Parameters
    ----------
    ds : Dataset
        The dataset.
    asked : sequence of str or None
        The names from the parameter; None means ``default``.
    parameter : str, default="columns"
        The parameter's name, for the message.
    default : sequence of str, default=None
        The columns when none are asked; default the dataset's features.

    Returns
    -------
    list of str
        The names, without repeats, in the order given.

    Raises
    ------
    DataError
        Naming the missing columns and listing the available ones.
    """
    if asked is None:
        return list(dict.fromkeys(default if default is not None else ds.features))
    missing = [c for c in asked if c not in ds.column_names]
    if missing:
        raise DataError(
            f"dataset '{ds.name}' has no column {', '.join(repr(c) for c in missing)} "
            f"(columns: {format_columns(ds.column_names)}); set the '{parameter}' parameter "
            "to columns of the dataset"
        )
    return list(dict.fromkeys(asked))


def decoded(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Return ``column`` with a dictionary type replaced by its value type."""
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa

    if pa.types.is_dictionary(column.type):
        return column.cast(column.type.value_type)
    return column


def float_values(column: pa.ChunkedArray) -> np.ndarray:
    """Return a numeric, boolean or datetime column as float64 with NaN for nulls.

    Datetimes become their integer count of the type's unit since the epoch
    (days for dates); integers beyond 2**53 lose precision.

    Raises
    ------
    DataError
        If the column holds neither numbers, booleans nor datetimes.
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa
    import pyarrow.compute as pc

    column = decoded(column)
    kind = column_kind(column.type)
    if kind == NULL:
        return np.full(len(column), np.nan)
    if kind == DATETIME:
        width = pa.int32() if pa.types.is_date32(column.type) else pa.int64()
        column = column.cast(width)
    elif kind not in (NUMERIC, BOOLEAN):
        raise DataError(f"a column of type {column.type} has no numeric values")
    if column.null_count:
        column = pc.fill_null(column.cast(pa.float64()), float("nan"))
    arr = column.to_numpy()
    return arr if arr.dtype == np.float64 else arr.astype(np.float64)


@dataclass(frozen=True)
class CategoryCounts:
    """The distinct non-missing values of a column with their counts.

    Attributes
    ----------
    values : list
        Python values (str, int, float or bool), sorted by count (largest
        first), then by value.
    counts : numpy.ndarray
        int64 counts, aligned with ``values``.
    n_missing : int
        Null cells (and NaN in float columns).
    """

    values: list[Any]
    counts: np.ndarray
    n_missing: int

    def as_dict(self) -> dict[Any, int]:
        """Return ``{value: count}``."""
        return dict(zip(self.values, self.counts.tolist(), strict=True))


def category_counts(column: pa.ChunkedArray) -> CategoryCounts:
    """Count the distinct values of a column (one hash pass in Arrow).

    NaN in a float column counts as missing, like null.

    Examples
    --------
    >>> import pyarrow as pa
    >>> c = category_counts(pa.chunked_array([["b", "a", None, "b"]]))
    >>> (c.values, c.counts.tolist(), c.n_missing)
    (['b', 'a'], [2, 1], 1)
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa
    import pyarrow.compute as pc

    column = decoded(column)
    if pa.types.is_floating(column.type):
        column = pc.if_else(pc.is_nan(column), None, column)
    if pa.types.is_null(column.type) or len(column) == 0:
        return CategoryCounts([], np.zeros(0, dtype=np.int64), len(column))
    vc = pc.value_counts(column)
    values = vc.field("values").to_pylist()
    counts = vc.field("counts").to_numpy().astype(np.int64)
    keep = [i for i, v in enumerate(values) if v is not None]
    n_missing = int(counts.sum() - counts[keep].sum()) if keep else int(counts.sum())
    values = [values[i] for i in keep]
    counts = counts[keep]
    order = sorted(range(len(values)), key=lambda i: (-int(counts[i]), value_sort_key(values[i])))
    return CategoryCounts([values[i] for i in order], counts[order], n_missing)


def value_sort_key(v: Any) -> tuple[int, Any]:
    """A key that sorts bools, then numbers (numerically), then text."""
    if isinstance(v, bool):
        return (0, int(v))
    if isinstance(v, int | float):
        return (1, v)
    return (2, str(v))


def category_codes(column: pa.ChunkedArray, categories: Sequence[Any]) -> np.ndarray:
    """Return each row's index in ``categories``: -1 if missing, -2 if not listed.

    Parameters
    ----------
    column : pyarrow.ChunkedArray
        The column.
    categories : sequence
        The known values (str, int, float or bool, like the column).

    Returns
    -------
    numpy.ndarray
        int64 codes, one per row.

    Examples
    --------
    >>> import pyarrow as pa
    >>> category_codes(pa.chunked_array([["x", None, "z", "y"]]), ["y", "x"]).tolist()
    [1, -1, -2, 0]
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa
    import pyarrow.compute as pc

    column = decoded(column)
    n = len(column)
    if pa.types.is_null(column.type):
        return np.full(n, -1, dtype=np.int64)
    missing = pc.is_null(column, nan_is_null=True)
    if not categories:
        codes = np.full(n, -2, dtype=np.int64)
    else:
        value_set = pa.array(list(categories))
        if value_set.type != column.type:
            try:
                value_set = value_set.cast(column.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                column = column.cast(pa.string())
                value_set = pa.array([str(v) for v in categories])
        idx = pc.index_in(column, value_set=value_set)
        codes = pc.fill_null(idx, -2).to_numpy().astype(np.int64)
    codes[missing.to_numpy(zero_copy_only=False)] = -1
    return codes


def numeric_like_count(values: pa.Array | pa.ChunkedArray) -> int:
    """Count the strings that read as numbers (``"12"``, ``"-3.5e2"``), nulls excluded."""
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow.compute as pc

    if len(values) == 0:
        return 0
    return int(pc.sum(pc.match_substring_regex(values, NUMBER_RE)).as_py() or 0)


def label(value: Any) -> str:
    """Return a value as the text the tables and figures show.

    Examples
    --------
    >>> label(True), label(3.0), label(None), label("a")
    ('true', '3', '(missing)', 'a')
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return "(missing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if value.is_integer() else repr(value)
    return str(value)
