"""Verify an evidence bundle: signature, every file's digest, and the zip's layout.

:func:`verify_bundle` never extracts anything and never trusts the archive:
entry names are checked (no absolute paths, ``..``, backslashes or duplicates:
zip-slip), sizes are bounded before and while reading (zip bombs), and the
envelope, statement and files are checked independently so that the result
lists every problem, each with the path it concerns:

``wrong_key``      the bundle was signed with another key
``bad_signature``  a signature by this key that does not verify (statement altered)
``changed``        a file whose SHA-256 differs from the signed statement
``added``          a file the statement does not list
``removed``        a file the statement lists that the bundle lacks
``layout``         bytes outside the files differ from the canonical layout
``unsafe_name``    an entry name that could escape an extraction folder
``too_large``      the bundle exceeds the size or entry limits
``corrupt``        the zip or an entry cannot be read (bad CRC, truncated)
``statement``      the envelope or statement is missing or malformed
"""

from __future__ import annotations

import hashlib
import json
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from aiqm.evidence._zip import CHUNK, check_name, copy_entry
from aiqm.evidence.bundle import STATEMENT_NAME
from aiqm.evidence.dsse import EnvelopeError, verify_envelope
from aiqm.evidence.statement import PAYLOAD_TYPE, statement_subjects

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = ["MAX_BUNDLE_BYTES", "MAX_ENTRIES", "Problem", "Verification", "verify_bundle"]

MAX_BUNDLE_BYTES = 8 * 1024**3
"""Default limit of the total uncompressed size of a bundle (8 GiB)."""

MAX_ENTRIES = 100_000
"""Limit of the number of entries in a bundle."""

_MAX_STATEMENT_BYTES = 64 * 1024**2
_MAX_RATIO = 100  # uncompressed/compressed size allowed for a (non-canonical) compressed entry
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # zip local file header (30 bytes)
_ARTIFACTS = "artifacts/sha256/"


@dataclass(frozen=True)
class Problem:
    """One thing that does not match."""

    kind: str
    path: str
    message: str


@dataclass
class Verification:
    """The outcome of :func:`verify_bundle`; ``ok`` only when there is no problem."""

    path: Path
    keyid: str = ""
    signed_keyids: tuple[str, ...] = ()
    files: int = 0
    problems: list[Problem] = field(default_factory=list)
    predicate: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, path: str, message: str) -> None:
        self.problems.append(Problem(kind, path, message))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "bundle": str(self.path),
            "ok": self.ok,
            "keyid": self.keyid,
            "signed_keyids": list(self.signed_keyids),
            "files": self.files,
            "problems": [p.__dict__ for p in self.problems],
            "run": (self.predicate or {}).get("run"),
            "summary": (self.predicate or {}).get("summary"),
            "report_digest": (self.predicate or {}).get("report_digest"),
        }


class _Sink:
    def __init__(self) -> None:
        self.sha = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        return len(data)


def _file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def _stored_chunks(raw: BinaryIO, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The bytes of a stored entry as they are in the file (no CRC check: the digest decides)."""
    raw.seek(info.header_offset)
    header = raw.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"no local header at offset {info.header_offset}")
    name_len, extra_len = _LOCAL_HEADER.unpack(header)[-2:]
    raw.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    left = info.compress_size
    while left > 0:
        chunk = raw.read(min(CHUNK, left))
        if not chunk:
            raise zipfile.BadZipFile("the file ends inside the entry (truncated)")
        left -= len(chunk)
        yield chunk


def _read_entry(
    zf: zipfile.ZipFile, raw: BinaryIO, info: zipfile.ZipInfo, budget: list[int]
) -> Iterator[bytes]:
    """Yield an entry's bytes, never more than it declares nor than the budget left."""
    read = 0
    if info.compress_type == zipfile.ZIP_STORED:
        source: Iterator[bytes] = _stored_chunks(raw, info)
    else:
        source = _inflated_chunks(zf, info)
    for chunk in source:
        read += len(chunk)
        budget[0] -= len(chunk)
        if read > info.file_size or budget[0] < 0:
            raise _TooLarge(info.filename)
        yield chunk


def _inflated_chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    with zf.open(info) as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


class _TooLarge(Exception):
    pass


def _check_entries(
    result: Verification, zf: zipfile.ZipFile, archive_size: int, max_bytes: int
) -> list[zipfile.ZipInfo]:
    """Names and sizes, before reading anything; returns the entries safe to read."""
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        result.add(
            "too_large", "", f"the bundle has {len(infos)} entries; at most {MAX_ENTRIES} are read"
        )
        return []
    seen: set[str] = set()
    safe = []
    for info in infos:
        name = info.filename
        why = check_name(name)
        if why is not None:
            result.add("unsafe_name", name, f"entry name refused: {why} (zip-slip)")
            continue
        if name in seen:
            result.add("unsafe_name", name, "entry name appears twice; a reader could pick either")
            continue
        seen.add(name)
        if info.compress_type != zipfile.ZIP_STORED:
            result.add(
                "layout",
                name,
                "entry is compressed; aiqm bundles store files as they are (re-packed?)",
            )
            if info.compress_size == 0 or info.file_size > _MAX_RATIO * info.compress_size:
                result.add(
                    "too_large", name, "entry expands more than 100-fold (zip bomb?); not read"
                )
                continue
        safe.append(info)
    total = sum(i.file_size for i in safe)
    if total > max_bytes:
        result.add(
            "too_large",
            "",
            f"the bundle declares {total} bytes of files, over the limit of {max_bytes}",
        )
        return []
    stored = sum(i.compress_size for i in safe if i.compress_type == zipfile.ZIP_STORED)
    if stored > archive_size:
        result.add("corrupt", "", "entries declare more stored bytes than the file holds")
        return []
    return safe


def verify_bundle(
    path: str | Path, key: Ed25519PublicKey, *, max_bytes: int = MAX_BUNDLE_BYTES
) -> Verification:
    """Verify an evidence bundle against a trusted public key.

    Parameters
    ----------
    path : str or Path
        The bundle (zip).
    key : Ed25519PublicKey
        The public key the bundle must be signed with.
    max_bytes : int, default=MAX_BUNDLE_BYTES
        Refuse bundles whose files add up to more bytes.

    Returns
    -------
    Verification
        ``ok`` when the signature verifies with ``key``, every file matches the
        signed statement, no file is added or removed and the layout is canonical;
        otherwise ``problems`` lists each mismatch.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    """
    path = Path(path)
    result = Verification(path)
    archive_size = path.stat().st_size
    try:
        zf = zipfile.ZipFile(path)
    except Exception as exc:  # BadZipFile, OSError, ValueError, struct errors …
        result.add("corrupt", "", f"not a readable zip file: {exc}")
        return result
    with (
        zf,
        path.open("rb") as raw,
        tempfile.SpooledTemporaryFile(max_size=32 * 1024**2) as rebuilt_raw,
    ):
        if zf.comment:
            result.add("layout", "", "the zip has an archive comment; aiqm bundles have none")
        infos = _check_entries(result, zf, archive_size, max_bytes)
        digests: dict[str, str] = {}
        envelope: bytes | None = None
        budget = [max_bytes]
        readable = True
        with zipfile.ZipFile(rebuilt_raw, "w", zipfile.ZIP_STORED) as rebuilt:  # type: ignore[arg-type]
            for info in sorted(infos, key=lambda i: i.filename):
                sink = _Sink()
                keep = info.filename == STATEMENT_NAME
                held: list[bytes] = []
                try:
                    chunks = _read_entry(zf, raw, info, budget)
                    if keep:
                        if info.file_size > _MAX_STATEMENT_BYTES:
                            raise _TooLarge(info.filename)
                        held = list(chunks)
                        chunks = iter(held)  # type: ignore[assignment]
                    copy_entry(rebuilt, info.filename, info.file_size, chunks, sink)  # type: ignore[arg-type]
                except _TooLarge:
                    result.add(
                        "too_large",
                        info.filename,
                        "entry is larger than declared or than the limit; not read",
                    )
                    readable = False
                    break
                except Exception as exc:  # a hostile archive can fail in many ways; report, go on
                    result.add("corrupt", info.filename, f"cannot read the entry: {exc}")
                    readable = False
                    continue
                digests[info.filename] = sink.sha.hexdigest()
                if keep:
                    envelope = b"".join(held)
        canonical = True
        if readable and not result.problems and infos:
            rebuilt_raw.seek(0)
            sha = hashlib.sha256()
            while chunk := rebuilt_raw.read(CHUNK):
                sha.update(chunk)
            canonical = sha.hexdigest() == _file_sha256(path)
    result.files = len([d for d in digests if d != STATEMENT_NAME])
    _check_statement(result, envelope, digests, key)
    if not canonical and not result.problems:
        # reported only when no file-level problem explains it (a changed file also
        # changes its CRC field, which is outside the file's own bytes)
        result.add(
            "layout",
            "",
            "bytes outside the files (zip headers, CRCs, time stamps, padding) differ from "
            "the canonical layout aiqm writes; the bundle was altered or re-packed",
        )
    return result


def _check_statement(
    result: Verification, envelope: bytes | None, digests: dict[str, str], key: Ed25519PublicKey
) -> None:
    if envelope is None:
        if not any(p.path == STATEMENT_NAME for p in result.problems):
            result.add("statement", STATEMENT_NAME, "the bundle has no signed statement")
        return
    try:
        check = verify_envelope(envelope, key)
    except EnvelopeError as exc:
        result.add("statement", STATEMENT_NAME, f"the envelope is malformed: {exc}")
        return
    result.keyid, result.signed_keyids = check.keyid, check.signed_keyids
    if check.wrong_key:
        result.add(
            "wrong_key",
            STATEMENT_NAME,
            f"signed with key {', '.join(k[:16] for k in check.signed_keyids) or '(no key id)'}…, "
            f"not with the given key {check.keyid[:16]}…",
        )
    elif not check.verified:
        result.add(
            "bad_signature",
            STATEMENT_NAME,
            "the signature does not verify with the given key: the signed statement was altered",
        )
    if check.payload_type != PAYLOAD_TYPE:
        result.add(
            "statement",
            STATEMENT_NAME,
            f"payloadType is {check.payload_type!r}, not {PAYLOAD_TYPE!r}",
        )
    try:
        statement = json.loads(check.payload)
        subjects = statement_subjects(statement)
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
        result.add("statement", STATEMENT_NAME, f"the statement is malformed: {exc}")
        return
    predicate = statement.get("predicate")
    result.predicate = predicate if isinstance(predicate, dict) else None
    files = {n: d for n, d in digests.items() if n != STATEMENT_NAME}
    unreadable = {
        p.path for p in result.problems if p.kind in ("corrupt", "too_large", "unsafe_name")
    }
    for name, expected in subjects.items():
        if name in unreadable:
            continue
        actual = files.get(name)
        if actual is None:
            result.add(
                "removed", name, "listed in the signed statement but missing from the bundle"
            )
        elif actual != expected:
            result.add("changed", name, f"sha256 is {actual}, the signed statement says {expected}")
        elif name.startswith(_ARTIFACTS) and name[len(_ARTIFACTS) :] != actual:
            result.add(
                "changed", name, f"sha256 is {actual}, but an artifact is named by its digest"
            )
    for name in files:
        if name not in subjects:
            result.add("added", name, "in the bundle but not in the signed statement")
