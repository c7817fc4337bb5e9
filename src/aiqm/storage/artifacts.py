"""Content-addressed file store for artifacts (figures, tables, downloads, logs).

A file whose SHA-256 is ``ab12…`` lives at ``<root>/sha256/ab/12…`` and is
named by the digest string ``sha256:ab12…``. Writes are atomic (a temporary
file in the store, then :func:`os.replace`) and idempotent: storing content
that is already present does not rewrite it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from aiqm.exceptions import StoreError

__all__ = ["CHUNK_SIZE", "ArtifactStore", "check_digest"]

#: Bytes read at a time when hashing or copying a file (1 MiB).
CHUNK_SIZE = 1024 * 1024

_DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}")
_ALGORITHM = "sha256"
_FILE_MODE = 0o644


def check_digest(digest: object) -> str:
    """Return ``digest`` unchanged if it is a well-formed ``sha256:<64 hex>`` string.

    Parameters
    ----------
    digest : object
        The value to check.

    Returns
    -------
    str
        The same digest.

    Raises
    ------
    StoreError
        If ``digest`` is not a string of the form ``sha256:`` followed by 64
        lowercase hexadecimal characters.

    Examples
    --------
    >>> check_digest("sha256:" + "0" * 64) == "sha256:" + "0" * 64
    True
    """
    if not isinstance(digest, str) or _DIGEST_RE.fullmatch(digest) is None:
        shown = repr(digest)
        if len(shown) > 90:
            shown = shown[:87] + "..."
        raise StoreError(
            f"invalid artifact digest {shown}: expected 'sha256:' followed by "
            "64 lowercase hexadecimal characters"
        )
    return digest


class ArtifactStore:
    """A content-addressed file store rooted at a directory.

    Parameters
    ----------
    root : Path
        Directory of the store; created on the first write.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     store = ArtifactStore(Path(tmp))
    ...     digest = store.put_bytes(b"hello")
    ...     print(digest[:15], store.get_bytes(digest))
    sha256:2cf24dba b'hello'
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"ArtifactStore({str(self.root)!r})"

    # -- writing -------------------------------------------------------------

    def put_bytes(self, data: bytes) -> str:
        """Store ``data`` and return its digest.

        Parameters
        ----------
        data : bytes
            The content to store.

        Returns
        -------
        str
            The digest, ``sha256:<64 hex>``.
        """
        digest = f"{_ALGORITHM}:{hashlib.sha256(data).hexdigest()}"
        target = self._location(digest)
        if target.is_file():
            return digest
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with self._temp_file(target.parent) as (tmp, fh):
                fh.write(data)
                self._commit(fh, tmp, target)
        except OSError as exc:
            raise self._write_error(exc) from exc
        return digest

    def put_file(self, path: Path) -> str:
        """Store the content of the file at ``path`` and return its digest.

        The file is read once, in chunks of :data:`CHUNK_SIZE` bytes, hashing
        and copying at the same time; it is never read into memory whole.

        Parameters
        ----------
        path : Path
            The file to store.

        Returns
        -------
        str
            The digest, ``sha256:<64 hex>``.
        """
        path = Path(path)
        try:
            source = path.open("rb")
        except OSError as exc:
            raise StoreError(f"cannot read {path} to store it: {exc.strerror or exc}") from exc
        # The digest is known only after reading, so stage the copy in the
        # store's own hash directory (same filesystem as the final location).
        staging = self.root / _ALGORITHM
        try:
            with source:
                staging.mkdir(parents=True, exist_ok=True)
                with self._temp_file(staging) as (tmp, fh):
                    sha = hashlib.sha256()
                    while chunk := source.read(CHUNK_SIZE):
                        sha.update(chunk)
                        fh.write(chunk)
                    digest = f"{_ALGORITHM}:{sha.hexdigest()}"
                    target = self._location(digest)
                    if not target.is_file():
                        target.parent.mkdir(parents=True, exist_ok=True)
                        self._commit(fh, tmp, target)
        except OSError as exc:
            raise self._write_error(exc) from exc
        return digest

    # -- reading -------------------------------------------------------------

    def path(self, digest: str) -> Path:
        """Return the path of the stored file named by ``digest``.

        Parameters
        ----------
        digest : str
            ``sha256:<64 hex>``.

        Returns
        -------
        Path
            The file inside the store; do not modify it.

        Raises
        ------
        StoreError
            If the digest is malformed or not in the store.
        """
        target = self._location(digest)
        if not target.is_file():
            raise StoreError(
                f"artifact {digest} is not in the store at {self.root}; it was never "
                "stored here or the store was cleaned (re-run the tests that produce it)"
            )
        return target

    def get_bytes(self, digest: str) -> bytes:
        """Return the content named by ``digest``.

        Parameters
        ----------
        digest : str
            ``sha256:<64 hex>``.

        Returns
        -------
        bytes
            The stored content.

        Raises
        ------
        StoreError
            If the digest is malformed, not in the store, or unreadable.
        """
        target = self.path(digest)
        try:
            return target.read_bytes()
        except OSError as exc:
            raise StoreError(f"cannot read artifact {digest} at {target}: {exc}") from exc

    def exists(self, digest: str) -> bool:
        """Return whether content named by ``digest`` is in the store.

        Parameters
        ----------
        digest : str
            ``sha256:<64 hex>``.

        Returns
        -------
        bool
            True when the file is present.

        Raises
        ------
        StoreError
            If the digest is malformed.
        """
        return self._location(digest).is_file()

    def size(self, digest: str) -> int:
        """Return the size in bytes of the content named by ``digest``.

        Parameters
        ----------
        digest : str
            ``sha256:<64 hex>``.

        Returns
        -------
        int
            Size in bytes.

        Raises
        ------
        StoreError
            If the digest is malformed or not in the store.
        """
        return self.path(digest).stat().st_size

    # -- internals -----------------------------------------------------------

    def _location(self, digest: str) -> Path:
        """Map a validated digest to its path (which may not exist)."""
        hexdigest = check_digest(digest).partition(":")[2]
        return self.root / _ALGORITHM / hexdigest[:2] / hexdigest[2:]

    @staticmethod
    @contextlib.contextmanager
    def _temp_file(directory: Path) -> Iterator[tuple[Path, BinaryIO]]:
        """Yield ``(path, file)`` for a new temporary file; remove it unless replaced."""
        fd, name = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as fh:
                yield tmp, fh
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    @staticmethod
    def _commit(fh: BinaryIO, tmp: Path, target: Path) -> None:
        """Flush ``fh`` to disk and move ``tmp`` atomically to ``target``."""
        fh.flush()
        os.fsync(fh.fileno())
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, target)

    def _write_error(self, exc: OSError) -> StoreError:
        return StoreError(
            f"cannot write to the artifact store at {self.root}: {exc.strerror or exc}; "
            "check that the folder exists, is writable and the disk is not full"
        )
