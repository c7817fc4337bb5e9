"""The Arrow cache: each dataset written once as an Arrow IPC file, then memory-mapped."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from aiqm.data.digest import digest_hex
from aiqm.data.readers import read_batches
from aiqm.exceptions import InventoryError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["atomic_path", "cache_path", "materialise", "open_mmap"]


def cache_path(digest: str, cache_dir: Path) -> Path:
    """Return where the dataset with ``digest`` is cached under ``cache_dir``.

    Parameters
    ----------
    digest : str
        The dataset's ``"sha256:<hex>"`` digest.
    cache_dir : pathlib.Path
        The project's cache folder (``.aiqm/cache``).

    Returns
    -------
    pathlib.Path
        ``cache_dir / "datasets" / "<hex>.arrow"``.
    """
    return Path(cache_dir) / "datasets" / f"{digest_hex(digest)}.arrow"


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` on success.

    The move is an ``os.replace``, so readers (in this or another process) see
    either no file or the whole file. On error the temporary file is removed.

    Parameters
    ----------
    target : pathlib.Path
        The final path. Its folder is created if needed.

    Yields
    ------
    pathlib.Path
        The temporary path to write.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def materialise(source: Path, format: str, digest: str, cache_dir: Path) -> Path:
    """Write a dataset once as an uncompressed Arrow IPC file keyed by its digest.

    If the cache file already exists it is reused without reading ``source``.

    Parameters
    ----------
    source : pathlib.Path
        The dataset file.
    format : str
        Its format, as for :func:`aiqm.data.read_table` (``"auto"`` allowed).
    digest : str
        The ``"sha256:<hex>"`` digest of ``source``; it names the cache file.
    cache_dir : pathlib.Path
        The project's cache folder.

    Returns
    -------
    pathlib.Path
        ``cache_dir / "datasets" / "<hex>.arrow"``.

    Raises
    ------
    DataError
        If ``source`` cannot be read.
    InventoryError
        If ``source`` does not exist and is not cached yet.

    Examples
    --------
    >>> import tempfile
    >>> from aiqm.data.digest import sha256_path
    >>> with tempfile.TemporaryDirectory() as d:
    ...     src = Path(d) / "t.csv"
    ...     _ = src.write_text("a\\n1\\n2\\n")
    ...     arrow = materialise(src, "auto", sha256_path(src), Path(d) / "cache")
    ...     open_mmap(arrow).num_rows
    2
    """
    import pyarrow as pa  # lazy: pyarrow is heavy; the CLI loads this module
    import pyarrow.ipc as ipc  # lazy: pyarrow is heavy; the CLI loads this module

    target = cache_path(digest, cache_dir)
    if target.is_file():
        return target
    reader = read_batches(Path(source), format)
    with (
        atomic_path(target) as tmp,
        pa.OSFile(str(tmp), "wb") as sink,
        ipc.new_file(sink, reader.schema) as writer,
    ):
        for batch in reader:
            writer.write_batch(batch)
    return target


def open_mmap(path: Path) -> pa.Table:
    """Memory-map a cached Arrow IPC file as a table, without copying.

    Parameters
    ----------
    path : pathlib.Path
        A file written by :func:`materialise`.

    Returns
    -------
    pyarrow.Table
        A table whose buffers point into the mapped file.

    Raises
    ------
    InventoryError
        If the file is missing or is not an Arrow IPC file.
    """
    import pyarrow as pa  # lazy: pyarrow is heavy; the CLI loads this module
    import pyarrow.ipc as ipc  # lazy: pyarrow is heavy; the CLI loads this module

    try:
        return ipc.open_file(pa.memory_map(str(path), "r")).read_all()
    except FileNotFoundError as e:
        raise InventoryError(
            f"cached dataset {path} does not exist; run again so aiqm rebuilds its cache"
        ) from e
    except (pa.ArrowException, OSError) as e:
        raise InventoryError(
            f"cached dataset {path} is not a readable Arrow IPC file ({e}); "
            "delete it and run again so aiqm rebuilds it"
        ) from e
