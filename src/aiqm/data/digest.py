"""SHA-256 digests of files, folders and bytes, written as ``"sha256:<hex>"``."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

from aiqm.exceptions import InventoryError, UnsafePathError

__all__ = ["CHUNK_SIZE", "digest_hex", "sha256_bytes", "sha256_path"]

CHUNK_SIZE = 1 << 20
"""Bytes read at a time while hashing (1 MiB)."""

_PREFIX = "sha256:"
_DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


def sha256_bytes(data: bytes) -> str:
    """Return the digest of ``data``.

    Parameters
    ----------
    data : bytes
        The bytes to hash.

    Returns
    -------
    str
        ``"sha256:"`` followed by 64 lowercase hex digits.

    Examples
    --------
    >>> sha256_bytes(b"")[:15]
    'sha256:e3b0c442'
    """
    return _PREFIX + hashlib.sha256(data).hexdigest()


def digest_hex(digest: str) -> str:
    """Return the 64 hex digits of a ``"sha256:<hex>"`` digest.

    The result is safe to use in a file name.

    Parameters
    ----------
    digest : str
        A digest as returned by :func:`sha256_path` or :func:`sha256_bytes`.

    Returns
    -------
    str
        The hex part.

    Raises
    ------
    ValueError
        If ``digest`` is not ``"sha256:"`` followed by 64 lowercase hex digits.

    Examples
    --------
    >>> digest_hex(sha256_bytes(b""))[:8]
    'e3b0c442'
    """
    if not isinstance(digest, str) or not _DIGEST_RE.match(digest):
        raise ValueError(
            f"{digest!r} is not a SHA-256 digest; expected 'sha256:' followed by "
            "64 lowercase hex digits, as computed by aiqm.data.sha256_path"
        )
    return digest[len(_PREFIX) :]


def _file_hexdigest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            h.update(chunk)
    return h.hexdigest()


def sha256_path(path: Path) -> str:
    """Return the digest of a file or of a folder.

    A file's digest is the SHA-256 of its bytes, read in 1 MiB chunks. A
    folder's digest covers the relative POSIX path and the content of every file
    below it, in sorted order, so it changes when a file is added, removed,
    renamed or edited, and not when only timestamps change. A symlink inside the
    folder is followed when it points inside the folder (a link to a folder is
    recorded by its target's relative path) and refused when it points outside.

    Parameters
    ----------
    path : pathlib.Path
        A file or a folder.

    Returns
    -------
    str
        ``"sha256:"`` followed by 64 lowercase hex digits.

    Raises
    ------
    InventoryError
        If ``path`` does not exist or holds something that is neither a file, a
        folder nor a symlink (a socket or a pipe).
    UnsafePathError
        If a symlink inside the folder points outside it.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d) / "a.txt"
    ...     _ = p.write_bytes(b"")
    ...     sha256_path(p) == sha256_bytes(b"")
    True
    """
    path = Path(path)
    if not path.exists():
        raise InventoryError(f"{path} does not exist; check the path")
    if path.is_dir():
        return _PREFIX + _dir_hexdigest(path)
    return _PREFIX + _file_hexdigest(path)


def _dir_hexdigest(folder: Path) -> str:
    root = folder.resolve()
    entries: list[tuple[str, str, str]] = []  # (relative path, kind, digest or target)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        for name in sorted(dirnames):
            p = here / name
            if p.is_symlink():
                target = _inside_target(root, p)
                entries.append((p.relative_to(root).as_posix(), "dirlink", target))
        for name in filenames:
            p = here / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                _inside_target(root, p)
            if not stat.S_ISREG(p.stat().st_mode):
                raise InventoryError(
                    f"{p} is neither a file nor a folder (a socket, pipe or device) and "
                    f"cannot be part of the inventory folder {folder}; remove it"
                )
            entries.append((rel, "file", _file_hexdigest(p)))
    h = hashlib.sha256()
    for rel, kind, value in sorted(entries):
        h.update(f"{kind}\0{rel}\0{value}\n".encode())
    return h.hexdigest()


def _inside_target(root: Path, link: Path) -> str:
    """Return the link's target relative to ``root``, refusing targets outside it."""
    target = link.resolve()
    if not target.is_relative_to(root):
        raise UnsafePathError(
            f"symlink {link} points to {target}, outside the folder {root}; "
            "replace the link by a copy of the file, or move the target into the folder"
        )
    if not target.exists():
        raise InventoryError(
            f"symlink {link} points to {target}, which does not exist; fix or remove the link"
        )
    return target.relative_to(root).as_posix()
