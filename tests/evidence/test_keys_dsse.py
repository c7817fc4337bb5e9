"""Ed25519 keys, key ids, and DSSE envelopes."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path

import pytest
from tests._require import require_module

require_module("cryptography", "pip install 'aiqm[evidence]'")

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from aiqm.evidence import (
    generate_keypair,
    key_id,
    load_private_key,
    load_public_key,
    pae,
    sign_envelope,
    verify_envelope,
)
from aiqm.evidence.dsse import EnvelopeError
from aiqm.exceptions import InputError


def test_pae_matches_the_dsse_specification() -> None:
    # the example of the DSSE v1 protocol description
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
    assert pae("", b"") == b"DSSEv1 0  0 "
    assert pae("é", b"x") == "DSSEv1 2 é 1 x".encode()  # lengths in bytes


def test_generate_writes_a_private_0600_and_a_public_key(tmp_path: Path) -> None:
    pair = generate_keypair(tmp_path / "keys")
    assert stat.S_IMODE(pair.private.stat().st_mode) == 0o600
    assert pair.private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert pair.public.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    private, public = load_private_key(pair.private), load_public_key(pair.public)
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert pair.keyid == key_id(public) == key_id(private.public_key())
    assert pair.keyid == hashlib.sha256(der).hexdigest()
    with pytest.raises(InputError, match="exists"):
        generate_keypair(tmp_path / "keys")
    again = generate_keypair(tmp_path / "keys", force=True)
    assert again.keyid != pair.keyid
    with pytest.raises(InputError, match="plain file name"):
        generate_keypair(tmp_path, "../escape")


def test_encrypted_private_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIQM_KEY_PASSWORD", "s3cret")
    pair = generate_keypair(tmp_path)
    assert b"ENCRYPTED" in pair.private.read_bytes()
    assert key_id(load_private_key(pair.private).public_key()) == pair.keyid
    monkeypatch.setenv("AIQM_KEY_PASSWORD", "wrong")
    with pytest.raises(InputError, match="cannot decrypt"):
        load_private_key(pair.private)
    monkeypatch.delenv("AIQM_KEY_PASSWORD")
    with pytest.raises(InputError, match="AIQM_KEY_PASSWORD"):
        load_private_key(pair.private)


def test_bad_key_files_say_what_to_pass(tmp_path: Path) -> None:
    pair = generate_keypair(tmp_path)
    with pytest.raises(InputError, match=r"not the '\.pub\.pem'"):
        load_private_key(pair.public)
    assert key_id(load_public_key(pair.private)) == pair.keyid  # a private key verifies too
    with pytest.raises(InputError, match="aiqm keys generate"):
        load_public_key(tmp_path / "missing.pem")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    with pytest.raises(InputError, match="not a PEM public key"):
        load_public_key(junk)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    other = tmp_path / "ec.pem"
    other.write_bytes(
        ec_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    with pytest.raises(InputError, match="Ed25519"):
        load_public_key(other)


def test_envelope_round_trip_and_failures() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    other = ed25519.Ed25519PrivateKey.generate()
    env = sign_envelope(b'{"a":1}', "application/vnd.in-toto+json", key)
    assert env["signatures"][0]["keyid"] == key_id(key.public_key())
    # the signature is a plain Ed25519 signature over the PAE
    sig = base64.b64decode(env["signatures"][0]["sig"])
    key.public_key().verify(sig, pae("application/vnd.in-toto+json", b'{"a":1}'))
    data = json.dumps(env).encode()
    ok = verify_envelope(data, key.public_key())
    assert ok.verified and not ok.wrong_key and ok.payload == b'{"a":1}'
    wrong = verify_envelope(data, other.public_key())
    assert not wrong.verified and wrong.wrong_key
    forged = dict(env, payload=base64.b64encode(b'{"a":2}').decode())
    bad = verify_envelope(json.dumps(forged).encode(), key.public_key())
    assert not bad.verified and not bad.wrong_key
    retyped = dict(env, payloadType="text/plain")
    assert not verify_envelope(json.dumps(retyped).encode(), key.public_key()).verified
    for broken in (
        b"[]",
        b"{",
        json.dumps(dict(env, signatures=[])).encode(),
        json.dumps(dict(env, payload="***")).encode(),
    ):
        with pytest.raises(EnvelopeError):
            verify_envelope(broken, key.public_key())
