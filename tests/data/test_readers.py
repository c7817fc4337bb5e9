from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.feather as feather
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

from aiqm.data import SUPPORTED_FORMATS, detect_format, read_batches, read_table
from aiqm.exceptions import DataError, InventoryError


@pytest.fixture
def table() -> pa.Table:
    return pa.table(
        {
            "age": pa.array([31, 45, None, 28], pa.int64()),
            "income": pa.array([1.5, 2.25, 3.0, None], pa.float64()),
            "city": pa.array(["Tōkyō", "Osaka", None, "Zürich"]),
            "default": pa.array([True, False, True, False]),
        }
    )


def _write(table: pa.Table, path: Path, fmt: str) -> None:
    if fmt in ("csv", "tsv"):
        opts = pcsv.WriteOptions(delimiter="\t" if fmt == "tsv" else ",")
        pcsv.write_csv(table, path, write_options=opts)
    elif fmt == "parquet":
        pq.write_table(table, path)
    elif fmt == "arrow-file":
        with ipc.new_file(path, table.schema) as w:
            w.write_table(table)
    elif fmt == "arrow-stream":
        with ipc.new_stream(path, table.schema) as w:
            w.write_table(table)
    elif fmt == "feather":
        feather.write_feather(table, path)


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("csv", "t.csv"),
        ("tsv", "t.tsv"),
        ("parquet", "t.parquet"),
        ("parquet", "t.pq"),
        ("arrow-file", "t.arrow"),
        ("arrow-stream", "t.arrows"),
        ("arrow-file", "t.ipc"),
        ("feather", "t.feather"),
    ],
)
def test_round_trip(tmp_path: Path, table: pa.Table, fmt: str, name: str) -> None:
    path = tmp_path / name
    _write(table, path, fmt)
    assert read_table(path).equals(table)
    assert read_batches(path).read_all().equals(table)


def test_compressed_csv(tmp_path: Path, table: pa.Table) -> None:
    path = tmp_path / "t.csv.gz"
    with pa.CompressedOutputStream(str(path), "gzip") as out:
        pcsv.write_csv(table, out)
    assert detect_format(path) == "csv"
    assert read_table(path).equals(table)


def test_explicit_format_overrides_suffix(tmp_path: Path, table: pa.Table) -> None:
    path = tmp_path / "data.bin"
    pq.write_table(table, path)
    assert read_table(path, "parquet").equals(table)


def test_csv_with_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffname,n\nJosé,1\n".encode())
    t = read_table(path)
    assert t.column_names == ["name", "n"]
    assert t.column("name").to_pylist() == ["José"]


def test_parquet_batches_are_streamed(tmp_path: Path) -> None:
    big = pa.table({"x": pa.array(range(200_000))})
    path = tmp_path / "big.parquet"
    pq.write_table(big, path, row_group_size=50_000)
    reader = read_batches(path)
    batches = list(reader)
    assert len(batches) > 1
    assert pa.Table.from_batches(batches).equals(big)


def test_detect_format() -> None:
    assert detect_format(Path("a/B.CSV")) == "csv"
    assert detect_format(Path("x.tsv.bz2")) == "tsv"
    assert detect_format(Path("x.feather")) == "feather"
    assert detect_format(Path("x.ipc")) == "arrow"


def test_unknown_suffix_lists_supported() -> None:
    with pytest.raises(DataError) as info:
        detect_format(Path("data.xlsx"))
    message = str(info.value)
    assert "data.xlsx" in message
    assert all(f in message for f in SUPPORTED_FORMATS)
    assert "`format`" in message


def test_unknown_format_lists_supported(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n")
    with pytest.raises(DataError) as info:
        read_table(path, "excel")
    assert "'excel'" in str(info.value)
    assert all(f in str(info.value) for f in SUPPORTED_FORMATS)


def test_latin1_csv_values_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,age\nJosé,31\nAnn,40\n".encode("latin-1"))
    with pytest.raises(DataError) as info:
        read_table(path)
    message = str(info.value)
    assert str(path) in message
    assert "not UTF-8" in message
    assert "re-save it as UTF-8" in message
    assert "offset 12" in message  # the 'é' after "name,age\nJos"


def test_latin1_csv_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("größe,n\n1,2\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        read_table(path)


def test_garbage_parquet(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"this is not parquet at all" * 10)
    with pytest.raises(DataError) as info:
        read_table(path)
    message = str(info.value)
    assert str(path) in message
    assert "parquet" in message.lower()


def test_truncated_parquet(tmp_path: Path, table: pa.Table) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(DataError, match="cannot read"):
        read_table(path)


def test_garbage_arrow(tmp_path: Path) -> None:
    path = tmp_path / "broken.arrow"
    path.write_bytes(b"\x00\x01garbage" * 20)
    with pytest.raises(DataError, match=r"broken\.arrow"):
        read_table(path)


def test_ragged_csv(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n3\n")
    with pytest.raises(DataError, match=r"ragged\.csv"):
        read_table(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="does not exist"):
        read_table(tmp_path / "nope.parquet")
