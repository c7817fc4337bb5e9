"""AIT ``data_completeness``: missing values and exact duplicate rows of a dataset.

The counting is columnar and vectorised; no row is handled as a Python object.
Each column yields a mask of its missing cells and one scrambled 64-bit word per
cell; the words are chained into a hash per row. Rows whose hash is unique are
unique rows. Only the rows that share a hash are compared exactly, by turning
each column into integer codes (equal values, equal codes) and combining them
into one exact integer key per row. Columns are processed on two threads (numpy,
pandas and Arrow release the GIL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from aiqm.core.constraints import Length
from aiqm.exceptions import DataError
from aiqm.plugins.sdk import Context, Param, Parameters, ait

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["CompletenessParameters", "CompletenessStats", "completeness_stats", "data_completeness"]

_RATIO = {"type": "float", "min": 0.0, "max": 1.0}
_COUNT = {"type": "int", "min": 0}
#: The bar chart shows at most this many columns (those with the most missing cells).
_MAX_BARS = 30
#: Row keys stay below this bound so that ``key * k + code`` cannot overflow int64.
_KEY_LIMIT = 2**62
#: The word of a missing cell, and the odd multiplier that chains column words into a row hash.
_MISSING_WORD = np.uint64(0x9E3779B97F4A7C15)
_ROW_MULTIPLIER = np.uint64(0x100000001B3)


class CompletenessParameters(Parameters):
    """The parameters of the ``data_completeness`` AIT."""

    columns: list[str] | None = Param(
        None, Length(min=1),
        help="Columns to check, in the order given; null checks every column.",
        help_ja="検査する列（指定した順に扱う）。null のときはすべての列を検査する。",
    )


@ait(
    id="data_completeness",
    version="1.0.0",
    title="Data completeness",
    description=(
        "Missing cells (null, and NaN in float columns) per column and per row, and exact "
        "duplicate rows, of a dataset."
    ),
    characteristics=["B-3"],
    requirements=["B-3-L2-4"],
    iso_5259_measures=["Com-ML-1", "Com-ML-3", "Com-ML-4", "Con-ML-1"],
    keywords=["data quality", "missing values", "completeness", "duplicates"],
    references=[
        {"title": "ISO/IEC 5259-2:2024 Data quality for analytics and machine learning — "
                  "Part 2: Data quality measures"},
    ],
    inventories=[
        {"name": "dataset", "kind": "dataset", "description": "The data to check."},
    ],
    parameters=CompletenessParameters,
    measures=[
        {**_RATIO, "name": "missing_ratio", "direction": "lower",
         "description": "Missing cells / all cells of the checked columns."},
        {**_RATIO, "name": "missing_ratio_per_column", "structure": "sequence",
         "direction": "lower", "description": "Missing cells / rows, per column in column order."},
        {**_RATIO, "name": "max_column_missing_ratio", "direction": "lower",
         "description": "The largest per-column missing ratio."},
        {**_RATIO, "name": "complete_row_ratio", "direction": "higher",
         "description": "Rows without any missing cell / rows."},
        {**_COUNT, "name": "rows_with_missing", "direction": "lower",
         "description": "Rows with at least one missing cell."},
        {**_RATIO, "name": "duplicate_row_ratio", "direction": "lower",
         "description": "Exact duplicate rows beyond each row's first occurrence / rows."},
        {**_COUNT, "name": "duplicate_rows", "direction": "lower",
         "description": "Exact duplicate rows beyond each row's first occurrence."},
        {**_COUNT, "name": "n_rows", "direction": "none", "description": "Rows checked."},
        {**_COUNT, "name": "n_columns", "direction": "none", "description": "Columns checked."},
    ],
    resources=[
        {"name": "missing_by_column", "kind": "figure",
         "description": f"Missing ratio of the columns with missing cells (top {_MAX_BARS})."},
        {"name": "column_summary", "kind": "table",
         "description": "Per column: type, missing count and missing ratio."},
    ],
)
def data_completeness(ctx: Context[CompletenessParameters]) -> None:
    """Measure missing cells and exact duplicate rows of ``dataset``."""
    ds = ctx.dataset("dataset")
    columns = _selected_columns(ds.column_names, ctx.params.columns, ds.name)
    table = ds.table.select(columns)
    stats = completeness_stats(table, progress=ctx.progress)
    n = stats.n_rows

    ctx.measure("n_rows", n)
    ctx.measure("n_columns", len(columns))
    ctx.measure("rows_with_missing", stats.rows_with_missing)
    ctx.measure("duplicate_rows", stats.duplicate_rows)
    if n == 0:
        reason = f"dataset {ds.name!r} has no rows, so there is no cell to count"
        for name in ("missing_ratio", "missing_ratio_per_column", "max_column_missing_ratio",
                     "complete_row_ratio", "duplicate_row_ratio"):
            ctx.undefined(name, reason)
    else:
        per_column = [m / n for m in stats.missing_per_column]
        ctx.measure("missing_ratio", sum(stats.missing_per_column) / (n * len(columns)))
        ctx.measure("missing_ratio_per_column", per_column)
        ctx.measure("max_column_missing_ratio", max(per_column))
        ctx.measure("complete_row_ratio", (n - stats.rows_with_missing) / n)
        ctx.measure("duplicate_row_ratio", stats.duplicate_rows / n)

    ctx.resource("column_summary", [
        {"column": c, "type": str(table.schema.field(c).type), "missing_count": m,
         "missing_ratio": m / n if n else None}
        for c, m in zip(columns, stats.missing_per_column, strict=True)
    ])
    ctx.resource("missing_by_column", _missing_figure(columns, stats.missing_per_column, n))


def _selected_columns(available: list[str], asked: Sequence[str] | None, name: str) -> list[str]:
    if asked is None:
        return list(available)
    unknown = [c for c in asked if c not in available]
    if unknown:
        raise DataError(
            f"dataset {name!r} has no column {', '.join(repr(c) for c in unknown)} "
            f"(available columns: {', '.join(available) or 'none'}); set the 'columns' "
            "parameter to some of them, or to null to check every column"
        )
    return list(dict.fromkeys(asked))


# -- counting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompletenessStats:
    """Counts behind the measures of :func:`data_completeness`.

    Attributes
    ----------
    n_rows : int
        Rows of the table.
    missing_per_column : list of int
        Missing cells per column, in column order.
    rows_with_missing : int
        Rows with at least one missing cell.
    duplicate_rows : int
        Rows equal (in every column) to an earlier row, as
        ``pandas.DataFrame.duplicated().sum()`` counts them: missing cells equal
        each other, and ``0.0`` equals ``-0.0``.
    """

    n_rows: int
    missing_per_column: list[int]
    rows_with_missing: int
    duplicate_rows: int


def completeness_stats(
    table: pa.Table, progress: Callable[[float, float], None] | None = None
) -> CompletenessStats:
    """Count missing cells, incomplete rows and exact duplicate rows of ``table``.

    Parameters
    ----------
    table : pyarrow.Table
        The columns to check.
    progress : callable, default=None
        Called as ``progress(done, total)`` after each column.

    Returns
    -------
    CompletenessStats

    Examples
    --------
    >>> import pyarrow as pa
    >>> t = pa.table({"a": [1, 1, None], "b": [0.5, 0.5, float("nan")]})
    >>> s = completeness_stats(t)
    >>> (s.missing_per_column, s.rows_with_missing, s.duplicate_rows)
    ([1, 1], 1, 1)
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pandas as pd
    import pyarrow as pa

    n, k = table.num_rows, table.num_columns
    if n == 0 or k == 0:
        return CompletenessStats(n, [0] * k, 0, 0)
    missing_any = np.zeros(n, dtype=bool)
    missing: list[int] = []
    row_hash = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i, (absent, word) in enumerate(_in_order(_hashed, table.columns)):
            missing.append(0 if absent is None else int(np.count_nonzero(absent)))
            if absent is not None:
                missing_any |= absent
            row_hash ^= word
            row_hash *= _ROW_MULTIPLIER
            if progress is not None:
                progress(i + 1, k + 1)
    # Equal rows have equal hashes, so a row whose hash is unique is a unique row;
    # only rows sharing a hash are compared exactly.
    shared = np.flatnonzero(pd.Series(row_hash).duplicated(keep=False).to_numpy())
    duplicates = 0
    if len(shared):
        subset = table if len(shared) == n else table.take(pa.array(shared))
        duplicates = len(shared) - _distinct_rows(subset)
    if progress is not None:
        progress(k + 1, k + 1)
    return CompletenessStats(n, missing, int(np.count_nonzero(missing_any)), duplicates)


def _distinct_rows(table: pa.Table) -> int:
    """Count the distinct rows of ``table`` exactly, from per-column integer codes."""
    n = table.num_rows
    key = np.zeros(n, dtype=np.int64)
    bound = 1  # key < bound for every row
    for codes, cardinality in _in_order(_codes, table.columns):
        if cardinality == n:  # this column alone tells every row apart
            return n
        size = cardinality + 1  # the codes shifted by one: 0 is "missing"
        if bound * size >= _KEY_LIMIT:
            key, bound = _compact(key)
            if bound == n:
                return n
        key = key * size + (codes + 1)
        bound *= size
    return 1 if bound == 1 else _compact(key)[1]


_T = TypeVar("_T")


def _in_order(
    func: Callable[[pa.ChunkedArray], _T], columns: Sequence[pa.ChunkedArray]
) -> Iterator[_T]:
    """Yield ``func(column)`` for each column in order, computed on two threads."""
    window = 4  # columns in flight: bounds memory to a few arrays
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="aiqm-completeness") as pool:
        pending = [pool.submit(func, c) for c in columns[:window]]
        try:
            for nxt in range(window, len(columns) + window):
                yield pending.pop(0).result()
                if nxt < len(columns):
                    pending.append(pool.submit(func, columns[nxt]))
        finally:  # the consumer stopped early: drop the work not started yet
            for future in pending:
                future.cancel()


def _compact(key: np.ndarray) -> tuple[np.ndarray, int]:
    """Renumber row keys as ``0..d-1`` and return them with ``d``, the distinct count."""
    # lazy: heavy, and the AIT modules load with every registry
    import pandas as pd

    codes, uniques = pd.factorize(key)
    return codes.astype(np.int64, copy=False), len(uniques)


def _hashed(column: pa.ChunkedArray) -> tuple[np.ndarray | None, np.ndarray]:
    """Return ``(missing, words)`` of a column.

    ``missing`` is a boolean mask of the missing cells (None when there are none);
    ``words`` are scrambled 64-bit words, equal for equal values (also ``0.0`` and
    ``-0.0``, and all missing cells), and rarely equal otherwise.
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa
    import pyarrow.compute as pc

    column = _decoded(column)
    typ = column.type
    if pa.types.is_null(typ):
        return np.ones(len(column), dtype=bool), np.full(len(column), _MISSING_WORD)
    if pa.types.is_floating(typ):
        filled = pc.fill_null(column, float("nan")) if column.null_count else column
        values = np.asarray(filled.to_numpy(), dtype=np.float64) + 0.0  # a copy; -0.0 → 0.0
        absent: np.ndarray | None = np.isnan(values)
        words = values.view(np.uint64)
    else:
        absent = pc.is_null(column).to_numpy(zero_copy_only=False) if column.null_count else None
        if pa.types.is_boolean(typ) or pa.types.is_integer(typ):
            zero = pa.scalar(False if pa.types.is_boolean(typ) else 0, typ)
            filled = pc.fill_null(column, zero) if absent is not None else column
            words = filled.to_numpy().astype(np.uint64)  # a copy; negative ints wrap
        else:
            words = _codes(column)[0].astype(np.uint64)
    if absent is not None:
        words[absent] = _MISSING_WORD
    # splitmix64's finaliser: each bit of the value reaches every bit of the word
    words ^= words >> np.uint64(30)
    words *= np.uint64(0xBF58476D1CE4E5B9)
    words ^= words >> np.uint64(27)
    words *= np.uint64(0x94D049BB133111EB)
    words ^= words >> np.uint64(31)
    return (absent if absent is not None and absent.any() else None), words


def _decoded(column: pa.ChunkedArray) -> pa.ChunkedArray:
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa

    if pa.types.is_dictionary(column.type):
        return column.cast(column.type.value_type)
    return column


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, int]:
    """Return ``(codes, k)``: ``codes[i]`` in ``0..k-1`` names row i's value, -1 if missing.

    Equal values get equal codes; so do ``0.0`` and ``-0.0``, and all NaNs.
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    column = _decoded(column)
    typ = column.type
    n = len(column)
    if pa.types.is_null(typ):
        return np.full(n, -1, dtype=np.int64), 0
    if pa.types.is_floating(typ):
        values = pc.fill_null(column, float("nan")) if column.null_count else column
        codes, uniques = pd.factorize(values.to_numpy())  # NaN → -1; 0.0 == -0.0
        return codes.astype(np.int64, copy=False), len(uniques)

    nulls = pc.is_null(column).to_numpy(zero_copy_only=False) if column.null_count else None
    if pa.types.is_boolean(typ) or pa.types.is_integer(typ):
        zero = pa.scalar(False if pa.types.is_boolean(typ) else 0, typ)
        values = (pc.fill_null(column, zero) if nulls is not None else column).to_numpy()
        lo, hi = int(values.min()), int(values.max())
        if values.dtype == np.bool_:
            codes, k = values.astype(np.int64), 2
        elif hi - lo < n:  # small range: the offset is the code
            if values.dtype == np.uint64:
                codes = (values - np.uint64(lo)).astype(np.int64)
            else:
                codes = values.astype(np.int64) - lo
            k = hi - lo + 1
        else:
            codes, uniques = pd.factorize(values)
            codes, k = codes.astype(np.int64, copy=False), len(uniques)
    else:
        try:
            encoded = pc.dictionary_encode(column.combine_chunks())
            indices = pc.fill_null(encoded.indices, 0)
            codes, k = indices.to_numpy().astype(np.int64), len(encoded.dictionary)
        except pa.ArrowNotImplementedError:  # nested types: compare their text form
            text = np.array([repr(v) for v in column.to_pylist()], dtype=object)
            codes, uniques = pd.factorize(text)
            codes, k = codes.astype(np.int64, copy=False), len(uniques)
    if nulls is not None:
        codes[nulls] = -1
    return codes, k


# -- figure -------------------------------------------------------------------------------------


def _missing_figure(columns: list[str], missing: list[int], n_rows: int) -> Any:
    # lazy: heavy, and the AIT modules load with every registry
    from matplotlib.figure import Figure

    with_missing = sorted(
        ((m, c) for c, m in zip(columns, missing, strict=True) if m), key=lambda x: -x[0]
    )
    shown = with_missing[:_MAX_BARS]
    fig = Figure(figsize=(7.0, 1.2 + 0.28 * max(len(shown), 2)), layout="constrained")
    ax = fig.add_subplot()
    if not shown:
        ax.text(0.5, 0.5, f"No missing values in {len(columns)} column(s), {n_rows} row(s)",
                ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    names = [str(c) for _, c in reversed(shown)]
    ratios = [m / n_rows for m, _ in reversed(shown)]
    bars = ax.barh(names, ratios, color="#c0504d")
    ax.bar_label(bars, labels=[f"{r:.1%}" for r in ratios], padding=2, fontsize="small")
    ax.set_xlim(0, min(1.0, max(ratios) * 1.2 + 0.02))
    ax.set_xlabel("missing ratio (missing cells / rows)")
    title = f"Missing values by column ({len(with_missing)} of {len(columns)} columns"
    if len(with_missing) > _MAX_BARS:
        title += f"; top {_MAX_BARS} shown"
    ax.set_title(title + ")", fontsize="medium")
    return fig
