"""Ed25519 signing keys for evidence bundles: generate, load, identify.

Keys are PEM files: the private key in PKCS #8 (mode 0600), the public key as
SubjectPublicKeyInfo. A key's id is the SHA-256 (hex) of its public key in DER
SubjectPublicKeyInfo form, the same for both halves of a pair. When the
environment variable ``AIQM_KEY_PASSWORD`` is set, :func:`generate_keypair`
encrypts the private key with it and :func:`load_private_key` decrypts with it.

Uses the ``cryptography`` package: ``pip install 'aiqm[evidence]'``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiqm.exceptions import InputError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = [
    "PASSWORD_ENV",
    "KeyPair",
    "generate_keypair",
    "key_id",
    "load_private_key",
    "load_public_key",
]

PASSWORD_ENV = "AIQM_KEY_PASSWORD"
INSTALL_HINT = "pip install 'aiqm[evidence]'"


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import serialization  # lazy: optional 'evidence' extra
        from cryptography.hazmat.primitives.asymmetric import ed25519  # lazy: 'evidence' extra
    except ImportError as exc:
        raise InputError(
            f"signing and verifying evidence bundles needs the 'cryptography' package: {INSTALL_HINT}"
        ) from exc
    return serialization, ed25519


@dataclass(frozen=True)
class KeyPair:
    """Where :func:`generate_keypair` wrote a key pair, and the key's id."""

    private: Path
    public: Path
    keyid: str


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key id: SHA-256 (hex) of the public key's DER SubjectPublicKeyInfo."""
    serialization, _ = _crypto()
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def _write_new(path: Path, data: bytes, mode: int, force: bool) -> None:
    if path.exists() or path.is_symlink():
        if not force:
            raise InputError(f"{path} exists; choose another folder or --name, or pass --force")
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, mode)  # the umask may have cleared bits


def generate_keypair(
    directory: str | Path, name: str = "aiqm-signing", *, force: bool = False
) -> KeyPair:
    """Generate an Ed25519 key pair and write ``<name>.pem`` and ``<name>.pub.pem``.

    Parameters
    ----------
    directory : str or Path
        Folder to write into (created if needed).
    name : str, default="aiqm-signing"
        Base name of the two files.
    force : bool, default=False
        Replace existing files.

    Returns
    -------
    KeyPair
        The two paths and the key id.

    Raises
    ------
    InputError
        When a file exists and ``force`` is false, or ``name`` is not a plain file name.
    """
    serialization, ed25519 = _crypto()
    if not name or Path(name).name != name or name.startswith("."):
        raise InputError(f"the key name {name!r} must be a plain file name such as 'aiqm-signing'")
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    key = ed25519.Ed25519PrivateKey.generate()
    password = os.environ.get(PASSWORD_ENV)
    encryption = (
        serialization.BestAvailableEncryption(password.encode("utf-8"))
        if password
        else serialization.NoEncryption()
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private, public = folder / f"{name}.pem", folder / f"{name}.pub.pem"
    _write_new(private, private_pem, 0o600, force)
    _write_new(public, public_pem, 0o644, force)
    return KeyPair(private, public, key_id(key.public_key()))


def _read(path: str | Path, what: str) -> bytes:
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"the {what} {p} does not exist; create a pair with `aiqm keys generate`"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read the {what} {p}: {exc.strerror or exc}") from None


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """Load an Ed25519 private key from a PEM file (decrypted with ``AIQM_KEY_PASSWORD``).

    Raises
    ------
    InputError
        When the file is missing, is not an Ed25519 private key in PEM, or is
        encrypted and the password is missing or wrong.
    """
    serialization, ed25519 = _crypto()
    data = _read(path, "private key")
    password = os.environ.get(PASSWORD_ENV)
    try:
        key = serialization.load_pem_private_key(
            data, password=password.encode("utf-8") if password else None
        )
    except TypeError:
        raise InputError(
            f"the private key {path} is encrypted; set {PASSWORD_ENV} to its password"
        ) from None
    except ValueError as exc:
        if b"ENCRYPTED" in data:
            raise InputError(
                f"cannot decrypt the private key {path}: wrong {PASSWORD_ENV}?"
            ) from None
        raise InputError(
            f"{path} is not a PEM private key ({exc}); pass the '.pem' file written by "
            "`aiqm keys generate`, not the '.pub.pem'"
        ) from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise InputError(f"{path} holds a {type(key).__name__}; aiqm signs with Ed25519 keys only")
    return key


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    """Load an Ed25519 public key from a PEM file (a private key file is accepted too).

    Raises
    ------
    InputError
        When the file is missing or holds no Ed25519 key.
    """
    serialization, ed25519 = _crypto()
    data = _read(path, "public key")
    if b"PRIVATE KEY" in data:
        return load_private_key(path).public_key()
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise InputError(
            f"{path} is not a PEM public key ({exc}); pass the '.pub.pem' file written by "
            "`aiqm keys generate`"
        ) from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise InputError(f"{path} holds a {type(key).__name__}; aiqm verifies Ed25519 keys only")
    return key
