from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from aiqm.data import digest_hex, sha256_bytes, sha256_path
from aiqm.exceptions import InventoryError, UnsafePathError


def _folder(root: Path) -> Path:
    folder = root / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_bytes(b"alpha")
    (folder / "sub" / "b.bin").write_bytes(bytes(range(256)))
    return folder


def test_file_digest_matches_hashlib(tmp_path: Path) -> None:
    # larger than the 1 MiB read size, and not a multiple of it
    data = np.random.default_rng(0).bytes(3 * (1 << 20) + 17)
    p = tmp_path / "blob.bin"
    p.write_bytes(data)
    assert sha256_path(p) == "sha256:" + hashlib.sha256(data).hexdigest()


def test_bytes_digest_matches_hashlib() -> None:
    assert sha256_bytes(b"aiqm") == "sha256:" + hashlib.sha256(b"aiqm").hexdigest()


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty"
    p.write_bytes(b"")
    assert sha256_path(p) == sha256_bytes(b"")


def test_digest_hex_validates() -> None:
    d = sha256_bytes(b"x")
    assert digest_hex(d) == hashlib.sha256(b"x").hexdigest()
    for bad in ["md5:abc", "sha256:../../etc", "sha256:" + "A" * 64, d + "0"]:
        with pytest.raises(ValueError, match="not a SHA-256 digest"):
            digest_hex(bad)


def test_directory_digest_is_deterministic_and_differs_from_files(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    first = sha256_path(folder)
    assert first == sha256_path(folder)
    assert first.startswith("sha256:") and len(digest_hex(first)) == 64
    assert first != sha256_path(folder / "a.txt")


def test_directory_digest_same_content_elsewhere(tmp_path: Path) -> None:
    a = _folder(tmp_path / "one")
    b = _folder(tmp_path / "two")
    assert sha256_path(a) == sha256_path(b)


def test_directory_digest_changes_with_content(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    before = sha256_path(folder)
    (folder / "sub" / "b.bin").write_bytes(b"changed")
    assert sha256_path(folder) != before


def test_directory_digest_changes_with_name(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    before = sha256_path(folder)
    (folder / "a.txt").rename(folder / "c.txt")
    assert sha256_path(folder) != before


def test_directory_digest_changes_when_file_moves_to_subfolder(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    before = sha256_path(folder)
    (folder / "a.txt").rename(folder / "sub" / "a.txt")
    assert sha256_path(folder) != before


def test_directory_digest_changes_when_file_added(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    before = sha256_path(folder)
    (folder / "empty.txt").write_bytes(b"")
    assert sha256_path(folder) != before


def test_directory_digest_ignores_mtime(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    before = sha256_path(folder)
    for p in [folder / "a.txt", folder / "sub" / "b.bin", folder / "sub"]:
        os.utime(p, (1_000_000_000, 1_000_000_000))
    assert sha256_path(folder) == before


def test_symlink_outside_directory_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    (folder / "link.txt").symlink_to(secret)
    with pytest.raises(UnsafePathError, match="outside the folder"):
        sha256_path(folder)


def test_symlinked_folder_outside_directory_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (folder / "linked").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UnsafePathError):
        sha256_path(folder)


def test_symlink_inside_directory_is_hashed_like_a_copy(tmp_path: Path) -> None:
    linked = _folder(tmp_path / "linked")
    (linked / "alias.txt").symlink_to(linked / "a.txt")
    copied = _folder(tmp_path / "copied")
    (copied / "alias.txt").write_bytes(b"alpha")
    assert sha256_path(linked) == sha256_path(copied)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="does not exist"):
        sha256_path(tmp_path / "nope")
