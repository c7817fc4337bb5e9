"""DSSE envelopes (Dead Simple Signing Envelope, v1) signed with Ed25519.

An envelope is the JSON object ``{"payload": base64, "payloadType": str,
"signatures": [{"keyid": str, "sig": base64}]}``. The signature is over the
pre-authentication encoding (PAE) of the payload type and payload::

    "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body

where LEN is the byte length as ASCII decimal, so neither part can be
reinterpreted as the other.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiqm.evidence.keys import key_id

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = ["EnvelopeError", "SignatureCheck", "pae", "sign_envelope", "verify_envelope"]


class EnvelopeError(ValueError):
    """The envelope is not a well-formed DSSE envelope."""


def pae(payload_type: str, payload: bytes) -> bytes:
    """The DSSE v1 pre-authentication encoding.

    Examples
    --------
    >>> pae("t", b"hi")
    b'DSSEv1 1 t 2 hi'
    """
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def sign_envelope(payload: bytes, payload_type: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    """Sign ``payload`` and return the DSSE envelope as a dict.

    Parameters
    ----------
    payload : bytes
        The serialised statement.
    payload_type : str
        Its media type, e.g. ``application/vnd.in-toto+json``.
    key : Ed25519PrivateKey
        The signing key; ``keyid`` is its :func:`~aiqm.evidence.keys.key_id`.
    """
    signature = key.sign(pae(payload_type, payload))
    return {
        "payload": base64.b64encode(payload).decode("ascii"),
        "payloadType": payload_type,
        "signatures": [
            {"keyid": key_id(key.public_key()), "sig": base64.b64encode(signature).decode("ascii")}
        ],
    }


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of checking an envelope against one public key.

    ``verified`` is true when a signature verifies with the key. Otherwise
    ``wrong_key`` tells whether the envelope names other keys only (signed with a
    different key) rather than this key with a bad signature.
    """

    payload_type: str
    payload: bytes
    verified: bool
    wrong_key: bool
    keyid: str
    signed_keyids: tuple[str, ...]


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise EnvelopeError(f"{what} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise EnvelopeError(f"{what} is not valid base64") from None


def verify_envelope(data: bytes, key: Ed25519PublicKey) -> SignatureCheck:
    """Parse a serialised envelope and check its signatures with ``key``.

    Parameters
    ----------
    data : bytes
        The envelope JSON.
    key : Ed25519PublicKey
        The trusted public key.

    Returns
    -------
    SignatureCheck

    Raises
    ------
    EnvelopeError
        When the envelope is not JSON of the DSSE shape.
    """
    from cryptography.exceptions import InvalidSignature  # lazy: optional 'evidence' extra

    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EnvelopeError(f"the envelope is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise EnvelopeError("the envelope must be a JSON object")
    payload_type = doc.get("payloadType")
    if not isinstance(payload_type, str):
        raise EnvelopeError("the envelope has no 'payloadType' string")
    payload = _b64(doc.get("payload"), "'payload'")
    signatures = doc.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise EnvelopeError("the envelope has no signatures")
    mine = key_id(key)
    message = pae(payload_type, payload)
    keyids: list[str] = []
    verified = False
    for i, entry in enumerate(signatures):
        if not isinstance(entry, dict):
            raise EnvelopeError(f"signature {i} is not an object")
        keyids.append(str(entry.get("keyid", "")))
        try:
            key.verify(_b64(entry.get("sig"), f"signature {i}"), message)
        except InvalidSignature:
            continue
        verified = True
    return SignatureCheck(
        payload_type=payload_type,
        payload=payload,
        verified=verified,
        wrong_key=not verified and mine not in keyids,
        keyid=mine,
        signed_keyids=tuple(keyids),
    )
