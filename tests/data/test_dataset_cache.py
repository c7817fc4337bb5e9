from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

from aiqm.data import cache_path, materialise, open_mmap, read_table, sha256_path
from aiqm.exceptions import DataError, InventoryError


@pytest.fixture
def source(tmp_path: Path) -> Path:
    n = 50_000
    table = pa.table(
        {
            "x": pa.array(range(n), pa.int64()),
            "y": pa.array([i * 0.5 for i in range(n)]),
            "s": pa.array([f"row{i % 7}" for i in range(n)]),
        }
    )
    path = tmp_path / "src.parquet"
    pq.write_table(table, path, row_group_size=10_000)
    return path


def test_materialise_writes_uncompressed_ipc_file(source: Path, tmp_path: Path) -> None:
    digest = sha256_path(source)
    out = materialise(source, "auto", digest, tmp_path / "cache")
    assert out == tmp_path / "cache" / "datasets" / f"{digest.removeprefix('sha256:')}.arrow"
    assert out == cache_path(digest, tmp_path / "cache")
    reader = ipc.open_file(pa.memory_map(str(out)))  # the IPC *file* format
    assert reader.schema.names == ["x", "y", "s"]
    # uncompressed: at least as large as the raw numeric buffers
    assert out.stat().st_size > 50_000 * 16
    # no temporary files left behind
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


def test_mmap_table_equals_source(source: Path, tmp_path: Path) -> None:
    out = materialise(source, "parquet", sha256_path(source), tmp_path / "cache")
    assert open_mmap(out).equals(read_table(source))


def test_mmap_is_zero_copy(source: Path, tmp_path: Path) -> None:
    out = materialise(source, "auto", sha256_path(source), tmp_path / "cache")
    before = pa.total_allocated_bytes()
    table = open_mmap(out)
    assert table.num_rows == 50_000
    # the buffers live in the mapped file, not in Arrow's memory pool
    assert pa.total_allocated_bytes() - before < 10_000


def test_materialise_once(source: Path, tmp_path: Path) -> None:
    digest = sha256_path(source)
    first = materialise(source, "auto", digest, tmp_path / "cache")
    mtime = first.stat().st_mtime_ns
    source.unlink()  # a second call must not need the source
    second = materialise(source, "auto", digest, tmp_path / "cache")
    assert second == first
    assert second.stat().st_mtime_ns == mtime
    assert open_mmap(second).num_rows == 50_000


def test_csv_materialise(tmp_path: Path) -> None:
    src = tmp_path / "t.csv"
    src.write_text("a,b\n1,x\n2,y\n")
    out = materialise(src, "auto", sha256_path(src), tmp_path / "cache")
    assert open_mmap(out).to_pydict() == {"a": [1, 2], "b": ["x", "y"]}


def test_bad_digest_cannot_escape_cache(source: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a SHA-256 digest"):
        materialise(source, "auto", "sha256:../../evil", tmp_path / "cache")


def test_failed_materialise_leaves_nothing(tmp_path: Path) -> None:
    src = tmp_path / "bad.parquet"
    src.write_bytes(b"garbage" * 10)
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match=r"bad\.parquet"):
        materialise(src, "auto", sha256_path(src), cache)
    assert not (cache / "datasets").exists() or not any((cache / "datasets").iterdir())


def test_open_mmap_errors(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="does not exist"):
        open_mmap(tmp_path / "missing.arrow")
    bad = tmp_path / "bad.arrow"
    bad.write_bytes(b"nope")
    with pytest.raises(InventoryError, match="delete it"):
        open_mmap(bad)
