"""The content-addressed artifact store."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from aiqm.exceptions import StoreError
from aiqm.storage import ArtifactStore, check_digest
from aiqm.storage.artifacts import CHUNK_SIZE


@pytest.fixture
def artifacts(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(tmp_path / "store")


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.startswith(".tmp-")]


def test_put_bytes_round_trip_and_layout(artifacts: ArtifactStore) -> None:
    data = b"accuracy,0.91\nrecall,0.87\n"
    hexdigest = hashlib.sha256(data).hexdigest()

    digest = artifacts.put_bytes(data)

    assert digest == f"sha256:{hexdigest}"
    assert artifacts.path(digest) == artifacts.root / "sha256" / hexdigest[:2] / hexdigest[2:]
    assert artifacts.get_bytes(digest) == data
    assert artifacts.exists(digest)
    assert artifacts.size(digest) == len(data)
    assert _leftovers(artifacts.root) == []


def test_empty_content_is_storable(artifacts: ArtifactStore) -> None:
    digest = artifacts.put_bytes(b"")
    assert digest == "sha256:" + hashlib.sha256(b"").hexdigest()
    assert artifacts.get_bytes(digest) == b""
    assert artifacts.size(digest) == 0


def test_put_is_idempotent_and_does_not_rewrite(artifacts: ArtifactStore) -> None:
    digest = artifacts.put_bytes(b"same content")
    before = artifacts.path(digest).stat()

    again = artifacts.put_bytes(b"same content")

    after = artifacts.path(digest).stat()
    assert again == digest
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert [p for p in artifacts.root.rglob("*") if p.is_file()] == [artifacts.path(digest)]


def test_put_file_matches_hashlib_on_a_multi_megabyte_file(
    artifacts: ArtifactStore, tmp_path: Path
) -> None:
    source = tmp_path / "download.bin"
    payload = os.urandom(3 * CHUNK_SIZE + 12345)  # several chunks and a partial one
    source.write_bytes(payload)

    digest = artifacts.put_file(source)

    assert digest == "sha256:" + hashlib.sha256(payload).hexdigest()
    assert artifacts.path(digest).read_bytes() == payload
    assert artifacts.size(digest) == len(payload)
    assert _leftovers(artifacts.root) == []


def test_put_file_reads_in_bounded_chunks(
    artifacts: ArtifactStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(b"x" * (2 * CHUNK_SIZE + 1))
    sizes: list[int] = []
    real_open = Path.open

    def spying_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        fh = real_open(self, *args, **kwargs)  # type: ignore[call-overload]
        if self == source:
            real_read = fh.read

            def read(n: int = -1) -> bytes:
                sizes.append(n)
                return real_read(n)

            fh.read = read
        return fh

    monkeypatch.setattr(Path, "open", spying_open)
    artifacts.put_file(source)

    assert sizes, "put_file did not read through Path.open"
    assert all(0 < n <= CHUNK_SIZE for n in sizes)


def test_put_file_and_put_bytes_agree_and_dedupe(artifacts: ArtifactStore, tmp_path: Path) -> None:
    source = tmp_path / "figure.svg"
    source.write_bytes(b"<svg/>")
    first = artifacts.put_bytes(b"<svg/>")
    before = artifacts.path(first).stat()

    second = artifacts.put_file(source)

    assert second == first
    assert artifacts.path(first).stat().st_mtime_ns == before.st_mtime_ns
    assert _leftovers(artifacts.root) == []


def test_put_file_of_a_missing_file_raises(artifacts: ArtifactStore, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"cannot read .*missing\.bin"):
        artifacts.put_file(tmp_path / "missing.bin")


def test_missing_digest_raises_a_clear_error(artifacts: ArtifactStore) -> None:
    absent = "sha256:" + "0" * 64
    assert not artifacts.exists(absent)
    for lookup in (artifacts.get_bytes, artifacts.path, artifacts.size):
        with pytest.raises(StoreError, match=r"sha256:0{64} is not in the store"):
            lookup(absent)


HOSTILE = [
    "sha256:../../etc",
    "sha256:../../etc/passwd",
    "sha256:" + "../" * 21 + "a",
    "sha256:" + "ab/" + "c" * 61,
    "sha256:" + "A" * 64,
    "sha256:" + "a" * 63,
    "sha256:" + "a" * 65,
    "sha256:" + "a" * 64 + "\n",
    " sha256:" + "a" * 64,
    "md5:" + "a" * 32,
    "/etc/passwd",
    "",
    None,
    b"sha256:" + b"a" * 64,
]


@pytest.mark.parametrize("digest", HOSTILE)
def test_hostile_digests_are_rejected_everywhere(
    artifacts: ArtifactStore, tmp_path: Path, digest: object
) -> None:
    # a file where a traversal would land, to prove it is never reached
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text("root:x:0:0")
    for lookup in (artifacts.get_bytes, artifacts.path, artifacts.size, artifacts.exists):
        with pytest.raises(StoreError, match="invalid artifact digest"):
            lookup(digest)  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="invalid artifact digest"):
        check_digest(digest)


def test_write_failure_becomes_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the store folder should be")
    with pytest.raises(StoreError, match="cannot write to the artifact store"):
        ArtifactStore(blocker).put_bytes(b"data")
