"""Write an evidence bundle: files, an in-toto Statement over them, a DSSE signature.

A bundle is a zip in the canonical layout of :mod:`aiqm.evidence._zip`. Its
last entry, ``statement.intoto.json``, is a DSSE envelope (signed with Ed25519)
whose payload is an in-toto Statement v1 listing every other entry with its
SHA-256. Files are hashed while they are written, so the statement describes
exactly the bytes in the zip.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiqm.evidence._zip import CHUNK, check_name, copy_entry
from aiqm.evidence.dsse import sign_envelope
from aiqm.evidence.statement import PAYLOAD_TYPE, make_statement

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["STATEMENT_NAME", "BundleFile", "write_bundle"]

STATEMENT_NAME = "statement.intoto.json"
"""The envelope's name in the bundle; it sorts after every other entry."""


@dataclass(frozen=True)
class BundleFile:
    """One file to put in a bundle: bytes in memory, or a file on disk."""

    name: str
    data: bytes | None = None
    path: Path | None = None

    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size

    def chunks(self) -> Iterator[bytes]:
        if self.data is not None:
            yield self.data
            return
        assert self.path is not None
        with self.path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk


class _Hasher:
    def __init__(self) -> None:
        self.sha = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        return len(data)


def write_bundle(
    output: str | Path,
    files: list[BundleFile],
    predicate: dict[str, Any],
    key: Ed25519PrivateKey,
) -> dict[str, str]:
    """Write a signed evidence bundle (atomically: a temporary file, then a rename).

    Parameters
    ----------
    output : str or Path
        The zip file to write.
    files : list of BundleFile
        The files; names must be safe relative paths, unique, and sort before
        :data:`STATEMENT_NAME`.
    predicate : dict
        The in-toto predicate (JSON data).
    key : Ed25519PrivateKey
        The signing key.

    Returns
    -------
    dict
        Name to hex SHA-256 of every file (the statement's subjects).

    Raises
    ------
    ValueError
        On an unsafe, duplicate or misplaced name.
    """
    names = [f.name for f in files]
    for name in names:
        problem = check_name(name)
        if problem:
            raise ValueError(f"bundle path {name!r} is not allowed: {problem}")
        if name >= STATEMENT_NAME:
            raise ValueError(f"bundle path {name!r} must sort before {STATEMENT_NAME!r}")
    if len(set(names)) != len(names):
        raise ValueError("bundle paths must be unique")
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    subjects: dict[str, str] = {}
    fd, tmp_name = tempfile.mkstemp(prefix=".aiqm-bundle-", suffix=".zip", dir=out.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as zf:
            for f in sorted(files, key=lambda x: x.name):
                hasher = _Hasher()
                copy_entry(zf, f.name, f.size(), f.chunks(), hasher)  # type: ignore[arg-type]
                subjects[f.name] = hasher.sha.hexdigest()
            statement = make_statement(subjects, predicate)
            payload = json.dumps(
                statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode("utf-8")
            envelope = sign_envelope(payload, PAYLOAD_TYPE, key)
            data = (json.dumps(envelope, indent=2, sort_keys=True) + "\n").encode("utf-8")
            copy_entry(zf, STATEMENT_NAME, len(data), [data])
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return subjects
