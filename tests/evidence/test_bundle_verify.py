"""Evidence bundles: round trip, and every kind of tampering is detected."""

from __future__ import annotations

import base64
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from tests._require import require_module

require_module("cryptography", "pip install 'aiqm[evidence]'")

from cryptography.hazmat.primitives.asymmetric import ed25519

from aiqm.evidence import (
    PREDICATE_TYPE,
    STATEMENT_NAME,
    STATEMENT_TYPE,
    BundleFile,
    Verification,
    verify_bundle,
    write_bundle,
)
from aiqm.evidence._zip import canonical_info

KEY = ed25519.Ed25519PrivateKey.generate()
PUB = KEY.public_key()

FILES = {
    "report/report.json": b'{"schema_version": "1.0"}\n',
    "report/report.html": b"<!DOCTYPE html><p>report</p>\n",
    "artifacts/sha256/" + "0" * 64: b"not really an artifact",  # name is fixed below
    "project/aiqm.yaml": "component: {name: 日本}\n".encode(),
}


def _files() -> list[BundleFile]:
    import hashlib

    out = []
    for name, data in FILES.items():
        if name.startswith("artifacts/"):
            name = "artifacts/sha256/" + hashlib.sha256(data).hexdigest()
        out.append(BundleFile(name, data))
    return out


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "evidence.zip"
    write_bundle(path, _files(), {"run": {"id": "r1"}, "report_digest": "sha256:x"}, KEY)
    return path


def _kinds(v: Verification) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for p in v.problems:
        out.setdefault(p.kind, set()).add(p.path)
    return out


def _repack(src: Path, dst: Path, edit: Callable[[dict[str, bytes]], dict[str, bytes]]) -> Path:
    """Rewrite a bundle canonically after ``edit`` changed its {name: bytes}."""
    with zipfile.ZipFile(src) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    entries = edit(entries)
    with zipfile.ZipFile(dst, "w") as out:
        for name in sorted(entries):
            data = entries[name]
            with out.open(canonical_info(name, len(data)), "w") as fh:
                fh.write(data)
    return dst


def test_round_trip(bundle: Path) -> None:
    v = verify_bundle(bundle, PUB)
    assert v.ok, v.problems
    assert v.files == len(FILES)
    assert v.predicate == {"run": {"id": "r1"}, "report_digest": "sha256:x"}
    with zipfile.ZipFile(bundle) as zf:
        names = [i.filename for i in zf.infolist()]
        assert names == sorted(names) and names[-1] == STATEMENT_NAME
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        envelope = json.loads(zf.read(STATEMENT_NAME))
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == STATEMENT_TYPE and statement["predicateType"] == PREDICATE_TYPE
    subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
    assert set(subjects) == set(names[:-1])


def test_a_changed_file_is_named(bundle: Path, tmp_path: Path) -> None:
    # rewritten with a consistent zip (CRC and sizes right): only the digest can tell
    def edit(e: dict[str, bytes]) -> dict[str, bytes]:
        e["report/report.json"] = b'{"schema_version": "1.1"}\n'
        return e

    v = verify_bundle(_repack(bundle, tmp_path / "t.zip", edit), PUB)
    assert _kinds(v) == {"changed": {"report/report.json"}}
    assert "the signed statement says" in v.problems[0].message


def test_a_changed_byte_in_place_is_named(bundle: Path, tmp_path: Path) -> None:
    data = bytearray(bundle.read_bytes())
    at = bytes(data).index(b"<p>report</p>")
    data[at + 3] ^= 0x20  # 'r' -> 'R' in report.html, CRC left stale
    tampered = tmp_path / "t.zip"
    tampered.write_bytes(bytes(data))
    assert _kinds(verify_bundle(tampered, PUB)) == {"changed": {"report/report.html"}}


def test_an_added_file_is_named(bundle: Path, tmp_path: Path) -> None:
    def edit(e: dict[str, bytes]) -> dict[str, bytes]:
        e["report/extra.txt"] = b"sneaked in"
        return e

    v = verify_bundle(_repack(bundle, tmp_path / "t.zip", edit), PUB)
    assert _kinds(v) == {"added": {"report/extra.txt"}}


def test_a_removed_file_is_named(bundle: Path, tmp_path: Path) -> None:
    def edit(e: dict[str, bytes]) -> dict[str, bytes]:
        del e["project/aiqm.yaml"]
        return e

    v = verify_bundle(_repack(bundle, tmp_path / "t.zip", edit), PUB)
    assert _kinds(v) == {"removed": {"project/aiqm.yaml"}}


def test_a_wrong_key_is_named(bundle: Path) -> None:
    other = ed25519.Ed25519PrivateKey.generate().public_key()
    v = verify_bundle(bundle, other)
    assert _kinds(v) == {"wrong_key": {STATEMENT_NAME}}
    assert "not with the given key" in v.problems[0].message


def test_an_altered_statement_fails_the_signature(bundle: Path, tmp_path: Path) -> None:
    # swap a file AND fix its digest in the statement: only the signature can tell
    import hashlib

    new = b'{"schema_version": "9.9"}\n'

    def edit(e: dict[str, bytes]) -> dict[str, bytes]:
        env = json.loads(e[STATEMENT_NAME])
        statement = json.loads(base64.b64decode(env["payload"]))
        for s in statement["subject"]:
            if s["name"] == "report/report.json":
                s["digest"]["sha256"] = hashlib.sha256(new).hexdigest()
        env["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
        e[STATEMENT_NAME] = json.dumps(env).encode()
        e["report/report.json"] = new
        return e

    v = verify_bundle(_repack(bundle, tmp_path / "t.zip", edit), PUB)
    assert _kinds(v) == {"bad_signature": {STATEMENT_NAME}}


def test_a_missing_or_broken_statement(bundle: Path, tmp_path: Path) -> None:
    def drop(e: dict[str, bytes]) -> dict[str, bytes]:
        del e[STATEMENT_NAME]
        return e

    v = verify_bundle(_repack(bundle, tmp_path / "a.zip", drop), PUB)
    assert _kinds(v) == {"statement": {STATEMENT_NAME}}

    def garble(e: dict[str, bytes]) -> dict[str, bytes]:
        e[STATEMENT_NAME] = b"{not json"
        return e

    v = verify_bundle(_repack(bundle, tmp_path / "b.zip", garble), PUB)
    assert _kinds(v) == {"statement": {STATEMENT_NAME}}


def test_every_single_byte_change_is_detected(bundle: Path, tmp_path: Path) -> None:
    data = bundle.read_bytes()
    target = tmp_path / "flip.zip"
    undetected = []
    for pos in range(len(data)):
        flipped = bytearray(data)
        flipped[pos] ^= 0x01
        target.write_bytes(bytes(flipped))
        if verify_bundle(target, PUB).ok:
            undetected.append(pos)
    assert undetected == []
    assert verify_bundle(bundle, PUB).ok


def test_repacked_bundle_is_reported_as_layout(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "repacked.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    v = verify_bundle(out, PUB)
    assert not v.ok and set(_kinds(v)) == {"layout"}  # contents all match, layout does not


def test_trailing_bytes_and_comments_are_reported(bundle: Path, tmp_path: Path) -> None:
    with_comment = tmp_path / "c.zip"
    with_comment.write_bytes(bundle.read_bytes())
    with zipfile.ZipFile(with_comment, "a") as zf:
        zf.comment = b"hello"
    assert set(_kinds(verify_bundle(with_comment, PUB))) == {"layout"}


def test_zip_slip_names_are_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.zip"
    names = ("../../etc/cron.d/x", "/abs/path", "a/./b", "c:\\win.txt", "ok.txt", "ok.txt")
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(evil, "w") as zf:
        for name in names:
            zf.writestr(zipfile.ZipInfo(name), b"x")
    v = verify_bundle(evil, PUB)
    unsafe = _kinds(v)["unsafe_name"]
    assert {"../../etc/cron.d/x", "/abs/path", "a/./b", "c:\\win.txt", "ok.txt"} <= unsafe


def test_zip_bombs_are_not_inflated(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("report/report.json", b"\0" * 50_000_000)
    assert bomb.stat().st_size < 100_000
    v = verify_bundle(bomb, PUB)
    assert "report/report.json" in _kinds(v)["too_large"]
    # and a total size limit applies before anything is read
    small = tmp_path / "big.zip"
    write_bundle(small, [BundleFile("a.bin", b"1" * 5000)], {}, KEY)
    v = verify_bundle(small, PUB, max_bytes=1000)
    assert "too_large" in _kinds(v)


def test_not_a_zip(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 this is not a zip")
    v = verify_bundle(junk, PUB)
    assert _kinds(v) == {"corrupt": {""}}


def test_writer_refuses_unsafe_or_misplaced_names(tmp_path: Path) -> None:
    for name in ("../x", "zzz-after-statement.txt", "a//b"):
        with pytest.raises(ValueError):
            write_bundle(tmp_path / "x.zip", [BundleFile(name, b"")], {}, KEY)
    with pytest.raises(ValueError, match="unique"):
        write_bundle(tmp_path / "x.zip", [BundleFile("a", b""), BundleFile("a", b"")], {}, KEY)
    assert not (tmp_path / "x.zip").exists()


def test_bundle_is_reproducible(tmp_path: Path) -> None:
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    write_bundle(a, _files(), {"k": 1}, KEY)
    write_bundle(b, list(reversed(_files())), {"k": 1}, KEY)
    assert a.read_bytes() == b.read_bytes()  # Ed25519 is deterministic; layout is canonical
