"""Evidence bundles: a zip of the report, artifacts and inputs' digests, signed.

The bundle's ``statement.intoto.json`` is a DSSE envelope (Ed25519) around an
in-toto Statement v1 whose subjects are every other file with its SHA-256.
:func:`write_bundle` writes one, :func:`verify_bundle` checks one against a
trusted public key, and :func:`generate_keypair` makes keys.
"""

from __future__ import annotations

from aiqm.evidence.bundle import STATEMENT_NAME, BundleFile, write_bundle
from aiqm.evidence.dsse import pae, sign_envelope, verify_envelope
from aiqm.evidence.keys import (
    KeyPair,
    generate_keypair,
    key_id,
    load_private_key,
    load_public_key,
)
from aiqm.evidence.statement import PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE, make_statement
from aiqm.evidence.verify import Problem, Verification, verify_bundle

__all__ = [
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "STATEMENT_NAME",
    "STATEMENT_TYPE",
    "BundleFile",
    "KeyPair",
    "Problem",
    "Verification",
    "generate_keypair",
    "key_id",
    "load_private_key",
    "load_public_key",
    "make_statement",
    "pae",
    "sign_envelope",
    "verify_bundle",
    "verify_envelope",
    "write_bundle",
]
