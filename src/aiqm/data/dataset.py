"""``Dataset``: a named, digested table memory-mapped from the Arrow cache."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiqm.data.cache import materialise, open_mmap
from aiqm.data.digest import sha256_path
from aiqm.exceptions import DataError, InventoryError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import polars as pl
    import pyarrow as pa

__all__ = ["Dataset", "format_columns"]

_MAX_LISTED = 20


def format_columns(names: Sequence[str], limit: int = _MAX_LISTED) -> str:
    """Return column names for a message: ``"age, income, …"``.

    Parameters
    ----------
    names : sequence of str
        The column names.
    limit : int, default=20
        How many names to show before ``…``.

    Returns
    -------
    str
        The names joined by commas, or ``"none"`` when there are none.

    Examples
    --------
    >>> format_columns(["a", "b", "c"], limit=2)
    'a, b, …'
    """
    if not names:
        return "none"
    shown = ", ".join(str(n) for n in list(names)[:limit])
    return shown + (", …" if len(names) > limit else "")


class Dataset:
    """A dataset inventory: a table memory-mapped from its Arrow cache file.

    Construction reads only the file's schema; the data is mapped on first use
    of :attr:`table` and shared, without copying, by every AIT of a run.

    Parameters
    ----------
    name : str
        The inventory name, used in messages.
    arrow_path : pathlib.Path
        An Arrow IPC file, as written by :func:`aiqm.data.materialise`.
    digest : str
        The ``"sha256:<hex>"`` digest of the source file; it keys caches.
    target : str, default=None
        The label column.
    features : sequence of str, default=None
        The columns a model sees; default every column but the target.

    Raises
    ------
    DataError
        If ``target`` or a feature is not a column, or the target is listed
        among the features.
    InventoryError
        If ``arrow_path`` is missing or unreadable.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     src = Path(d) / "t.csv"
    ...     _ = src.write_text("age,income,label\\n30,1.5,0\\n40,,1\\n")
    ...     ds = Dataset.from_file(src, name="test", cache_dir=Path(d), target="label")
    ...     (ds.num_rows, ds.features, ds.numpy("income").tolist())
    (2, ('age', 'income'), [1.5, nan])
    """

    def __init__(
        self,
        name: str,
        arrow_path: Path,
        digest: str,
        target: str | None = None,
        features: Sequence[str] | None = None,
    ) -> None:
        self.name = name
        self.arrow_path = Path(arrow_path)
        self.digest = digest
        self._table: pa.Table | None = None
        self._schema = _read_schema(self.arrow_path, name)
        columns = list(self._schema.names)
        if target is not None and target not in columns:
            raise DataError(
                f"dataset '{name}' has no column {target!r} (columns: {format_columns(columns)}); "
                "set `target` to one of them"
            )
        if isinstance(features, str):
            features = [features]
        if features is not None:
            missing = [f for f in features if f not in columns]
            if missing:
                raise DataError(
                    f"dataset '{name}' has no column {_quote(missing)} listed in `features` "
                    f"(columns: {format_columns(columns)}); set `features` to columns of the dataset"
                )
            if target is not None and target in features:
                raise DataError(
                    f"dataset '{name}' lists its target {target!r} among its `features`; "
                    "remove it from `features` (a model must not see the label)"
                )
        self._target = target
        self._features = tuple(features) if features is not None else None

    # -- construction helpers -------------------------------------------------

    @classmethod
    def from_file(
        cls,
        source: Path,
        *,
        name: str,
        cache_dir: Path,
        format: str = "auto",
        target: str | None = None,
        features: Sequence[str] | None = None,
        digest: str | None = None,
    ) -> Dataset:
        """Digest a dataset file, materialise it in the cache and open it.

        Parameters
        ----------
        source : pathlib.Path
            The dataset file (already resolved inside the project).
        name : str
            The inventory name.
        cache_dir : pathlib.Path
            The project's cache folder.
        format : str, default="auto"
            As for :func:`aiqm.data.read_table`.
        target, features
            As for :class:`Dataset`.
        digest : str, default=None
            The file's digest if already known; computed otherwise.

        Returns
        -------
        Dataset
        """
        digest = digest or sha256_path(Path(source))
        arrow = materialise(Path(source), format, digest, Path(cache_dir))
        return cls(name, arrow, digest, target=target, features=features)

    def to_spec(self) -> dict[str, Any]:
        """Return a JSON-able description from which :meth:`from_spec` reopens it."""
        return {
            "name": self.name,
            "arrow_path": str(self.arrow_path),
            "digest": self.digest,
            "target": self._target,
            "features": list(self._features) if self._features is not None else None,
        }

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> Dataset:
        """Reopen a dataset from :meth:`to_spec` output (e.g. in a worker process)."""
        return cls(
            spec["name"],
            Path(spec["arrow_path"]),
            spec["digest"],
            target=spec.get("target"),
            features=spec.get("features"),
        )

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_table"] = None  # the memory map is reopened on the other side
        return state

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, rows={self.num_rows}, "
            f"columns={len(self.column_names)}, target={self._target!r})"
        )

    # -- structure ----------------------------------------------------------------

    @property
    def table(self) -> pa.Table:
        """The whole table, memory-mapped on first access (zero-copy)."""
        if self._table is None:
            self._table = open_mmap(self.arrow_path)
        return self._table

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema."""
        return self._schema

    @property
    def num_rows(self) -> int:
        """The number of rows."""
        return int(self.table.num_rows)

    @property
    def column_names(self) -> list[str]:
        """All column names, in file order."""
        return list(self._schema.names)

    @property
    def target(self) -> str | None:
        """The label column, or None."""
        return self._target

    @property
    def features(self) -> tuple[str, ...]:
        """The declared features, else every column but the target."""
        if self._features is not None:
            return self._features
        return tuple(c for c in self._schema.names if c != self._target)

    # -- checks -------------------------------------------------------------------

    def require_columns(self, *names: str, why: str = "") -> None:
        """Raise unless every name is a column.

        Parameters
        ----------
        *names : str
            The columns needed.
        why : str, default=""
            How to fix it, appended to the message (e.g. ``"set `sensitive` to
            one of them"``); default asks to use one of the listed columns.

        Raises
        ------
        DataError
            Naming the missing columns and listing the available ones.
        """
        missing = [n for n in names if n not in self._schema.names]
        if missing:
            fix = why or "use one of them"
            raise DataError(
                f"dataset '{self.name}' has no column {_quote(missing)} "
                f"(columns: {format_columns(self.column_names)}); {fix}"
            )

    def require_target(self) -> str:
        """Return the target column, raising if the dataset has none.

        Raises
        ------
        DataError
            If no target is declared.
        """
        if self._target is None:
            raise DataError(
                f"dataset '{self.name}' has no target (columns: "
                f"{format_columns(self.column_names)}); set `target` on the inventory "
                "to the label column"
            )
        return self._target

    def require_rows(self, min_rows: int = 1) -> None:
        """Raise unless the dataset has at least ``min_rows`` rows.

        Raises
        ------
        DataError
            If it has fewer.
        """
        n = self.num_rows
        if n < min_rows:
            raise DataError(
                f"dataset '{self.name}' has {n} row{'s' if n != 1 else ''} but at least "
                f"{min_rows} {'is' if min_rows == 1 else 'are'} needed; check the file "
                "behind the inventory (is it empty or only a header?)"
            )

    # -- data ---------------------------------------------------------------------

    def column(self, name: str) -> pa.ChunkedArray:
        """Return one column as Arrow data (zero-copy)."""
        self.require_columns(name)
        return self.table.column(name)

    def numpy(self, name: str) -> np.ndarray:
        """Return one column as a NumPy array.

        Numeric and boolean columns with nulls become ``float64`` with NaN;
        without nulls they keep their type and may be a read-only view of the
        memory map. Other columns become ``object`` arrays with None for nulls.
        """
        import pyarrow as pa  # lazy: pyarrow is heavy; the CLI loads this module

        col = self.column(name)
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        numeric = (
            pa.types.is_integer(col.type)
            or pa.types.is_floating(col.type)
            or (pa.types.is_boolean(col.type) or pa.types.is_decimal(col.type))
        )
        if numeric and (col.null_count > 0 or pa.types.is_decimal(col.type)):
            return col.cast(pa.float64()).to_numpy()
        if col.num_chunks == 1:
            return col.chunk(0).to_numpy(zero_copy_only=False)
        return col.to_numpy()

    def X(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Return the features (or ``columns``) as a pandas DataFrame."""
        cols = list(self.features if columns is None else columns)
        self.require_columns(*cols)
        return self.table.select(cols).to_pandas()

    def y(self) -> np.ndarray:
        """Return the target as a NumPy array (see :meth:`numpy`)."""
        return self.numpy(self.require_target())

    def to_pandas(self) -> pd.DataFrame:
        """Return the whole table as a pandas DataFrame."""
        return self.table.to_pandas()

    def to_polars(self) -> pl.DataFrame:
        """Return the whole table as a polars DataFrame (zero-copy where possible).

        Raises
        ------
        ImportError
            If polars is not installed.
        """
        try:
            import polars as pl  # lazy: optional 'polars' extra
        except ImportError as e:
            raise ImportError(
                "Dataset.to_polars() needs polars; install it with: pip install 'aiqm[polars]'"
            ) from e
        out = pl.from_arrow(self.table)
        if not isinstance(out, pl.DataFrame):  # pragma: no cover - a table gives a frame
            out = out.to_frame()
        return out


def _quote(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names)


def _read_schema(path: Path, name: str) -> pa.Schema:
    import pyarrow as pa  # lazy: pyarrow is heavy; the CLI loads this module
    import pyarrow.ipc as ipc  # lazy: pyarrow is heavy; the CLI loads this module

    try:
        return ipc.open_file(pa.memory_map(str(path), "r")).schema
    except FileNotFoundError as e:
        raise InventoryError(
            f"dataset '{name}': cache file {path} does not exist; run again so aiqm "
            "rebuilds its cache"
        ) from e
    except (pa.ArrowException, OSError) as e:
        raise InventoryError(
            f"dataset '{name}': cache file {path} is not a readable Arrow IPC file ({e}); "
            "delete it and run again so aiqm rebuilds it"
        ) from e
