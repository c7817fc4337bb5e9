"""Reading tabular files (CSV/TSV, Parquet, Arrow IPC, Feather) into Arrow."""

from __future__ import annotations

import codecs
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from aiqm.exceptions import DataError, InventoryError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["SUPPORTED_FORMATS", "detect_format", "read_batches", "read_table"]

SUPPORTED_FORMATS = ("csv", "tsv", "parquet", "arrow", "feather")
"""Formats :func:`read_table` understands (plus ``"auto"``)."""

_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "arrow",
    ".ipc": "arrow",
    ".arrows": "arrow",
    ".feather": "feather",
}
_COMPRESSION = {".gz", ".bz2", ".zst", ".lz4"}
_BATCH_ROWS = 65_536


def detect_format(path: Path) -> str:
    """Return the format of a dataset file from its suffix.

    Parameters
    ----------
    path : pathlib.Path
        The file. A compression suffix after ``.csv``/``.tsv`` (``.gz``,
        ``.bz2``, ``.zst``, ``.lz4``) is allowed.

    Returns
    -------
    str
        One of :data:`SUPPORTED_FORMATS`.

    Raises
    ------
    DataError
        If the suffix is not one aiqm knows.

    Examples
    --------
    >>> detect_format(Path("data/train.parquet"))
    'parquet'
    >>> detect_format(Path("data/test.csv.gz"))
    'csv'
    """
    path = Path(path)
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) >= 2 and suffixes[-1] in _COMPRESSION and suffixes[-2] in (".csv", ".tsv"):
        suffixes = suffixes[:-1]
    fmt = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        known = ", ".join(sorted(_SUFFIXES))
        raise DataError(
            f"cannot tell the format of {path} from its suffix (known suffixes: {known}); "
            f"rename the file or set `format` to one of: {', '.join(SUPPORTED_FORMATS)}"
        )
    return fmt


def _check_format(path: Path, format: str) -> str:
    if format == "auto":
        return detect_format(path)
    if format not in SUPPORTED_FORMATS:
        raise DataError(
            f"unknown dataset format {format!r} for {path}; "
            f"use one of: auto, {', '.join(SUPPORTED_FORMATS)}"
        )
    return format


def read_table(path: Path, format: str = "auto") -> pa.Table:
    """Read a whole dataset file into an Arrow table.

    Parameters
    ----------
    path : pathlib.Path
        The file to read.
    format : {"auto", "csv", "tsv", "parquet", "arrow", "feather"}, default="auto"
        The file format; ``"auto"`` detects it from the suffix. ``"arrow"``
        accepts both the IPC file and the IPC stream format. In CSV/TSV files
        empty cells are read as nulls, in text columns too.

    Returns
    -------
    pyarrow.Table
        The data.

    Raises
    ------
    DataError
        If the format is unknown, the file is malformed, or a CSV file is not
        UTF-8.
    InventoryError
        If the file does not exist.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d) / "t.csv"
    ...     _ = p.write_text("a,b\\n1,x\\n2,y\\n")
    ...     read_table(p).num_rows
    2
    """
    path = Path(path)
    fmt = _check_format(path, format)
    with _translate_errors(path, fmt):
        if fmt in ("csv", "tsv"):
            return _read_csv(path, fmt)
        if fmt == "parquet":
            import pyarrow.parquet as pq  # lazy: pyarrow is heavy; the CLI loads this module

            return pq.read_table(path, memory_map=True)
        if fmt == "feather":
            import pyarrow.feather as feather  # lazy: pyarrow is heavy; the CLI loads this module

            return feather.read_table(path, memory_map=True)
        return _read_ipc(path)


def read_batches(path: Path, format: str = "auto") -> pa.RecordBatchReader:
    """Open a dataset file as a stream of record batches.

    Parquet and Arrow files are streamed batch by batch, so converting them
    does not hold the whole table in memory; CSV is read whole first so that
    column types are inferred from every row.

    Parameters
    ----------
    path : pathlib.Path
        The file to read.
    format : str, default="auto"
        As for :func:`read_table`.

    Returns
    -------
    pyarrow.RecordBatchReader
        The batches; errors while iterating are raised as :class:`DataError`.

    Raises
    ------
    DataError
        As for :func:`read_table`.
    InventoryError
        If the file does not exist.
    """
    import pyarrow as pa  # lazy: pyarrow is heavy; the CLI loads this module

    path = Path(path)
    fmt = _check_format(path, format)
    if fmt != "parquet":
        return read_table(path, fmt).to_reader(max_chunksize=_BATCH_ROWS)
    import pyarrow.parquet as pq  # lazy: pyarrow is heavy; the CLI loads this module

    with _translate_errors(path, fmt):
        pf = pq.ParquetFile(path, memory_map=True)
        schema = pf.schema_arrow

    def batches() -> Iterator[pa.RecordBatch]:
        with _translate_errors(path, fmt):
            yield from pf.iter_batches(batch_size=_BATCH_ROWS)

    return pa.RecordBatchReader.from_batches(schema, batches())


@contextlib.contextmanager
def _translate_errors(path: Path, fmt: str) -> Iterator[None]:
    """Turn parser errors into :class:`DataError` naming the file."""
    import pyarrow as pa  # lazy: pyarrow is heavy; the CLI loads this module

    try:
        yield
    except FileNotFoundError as e:
        raise InventoryError(f"{path} does not exist; check the path in aiqm.yaml") from e
    except (pa.ArrowException, OSError, UnicodeDecodeError) as e:
        message = str(e).strip() or type(e).__name__
        if fmt in ("csv", "tsv") and "utf8" in message.lower().replace("-", ""):
            raise _not_utf8(path, _first_invalid_utf8(path)) from e
        raise DataError(
            f"cannot read {path} as {fmt}: {message}; check that the file is a valid "
            f"{fmt} file (or set `format` to its real format)"
        ) from e


def _read_csv(path: Path, fmt: str) -> pa.Table:
    import pyarrow as pa  # lazy: pyarrow is heavy; the CLI loads this module
    import pyarrow.csv as pcsv  # lazy: pyarrow is heavy; the CLI loads this module

    parse = pcsv.ParseOptions(delimiter="\t" if fmt == "tsv" else ",")
    table = pcsv.read_csv(
        path,
        read_options=pcsv.ReadOptions(use_threads=True),
        parse_options=parse,
        convert_options=pcsv.ConvertOptions(check_utf8=True, strings_can_be_null=True),
    )
    # Arrow infers non-UTF-8 text as binary and replaces bad bytes in the header;
    # a CSV file cannot hold real binary data, so either means the encoding is wrong.
    suspicious = any(
        pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type) for f in table.schema
    ) or any("\ufffd" in n for n in table.column_names)
    if suspicious:
        offset = _first_invalid_utf8(path)
        if offset is not None:
            raise _not_utf8(path, offset)
    return table


def _first_invalid_utf8(path: Path) -> int | None:
    """Return the byte offset of the first invalid UTF-8 sequence, or None."""
    import pyarrow as pa  # lazy: pyarrow is heavy; the CLI loads this module

    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with pa.input_stream(str(path), compression="detect") as f:
        while chunk := f.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                return offset + max(e.start, 0)
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset
    return None


def _not_utf8(path: Path, offset: int | None) -> DataError:
    where = f" (first invalid byte at offset {offset})" if offset is not None else ""
    return DataError(
        f"{path} is not UTF-8 text{where}; re-save it as UTF-8 "
        "(e.g. 'Save as CSV UTF-8' in a spreadsheet, or "
        "pandas.read_csv(path, encoding='latin-1').to_csv(path, index=False))"
    )


def _read_ipc(path: Path) -> pa.Table:
    import pyarrow as pa  # lazy: pyarrow is heavy; the CLI loads this module
    import pyarrow.ipc as ipc  # lazy: pyarrow is heavy; the CLI loads this module

    source = pa.memory_map(str(path))
    try:
        return ipc.open_file(source).read_all()
    except pa.ArrowInvalid:
        source.seek(0)
        return ipc.open_stream(source).read_all()
