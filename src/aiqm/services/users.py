"""Use cases: users, passwords, roles and API tokens of the web application.

Passwords are hashed with argon2 (``argon2-cffi``, in the ``web`` extra). API
tokens are 32 random bytes shown once; only their SHA-256 is stored, which is
enough for a secret of that length and lets a token be looked up directly.

Examples
--------
>>> from aiqm.storage.web_store import WebStore
>>> store = WebStore("sqlite://")
>>> user = create_user(store, "ann", "correct horse battery", role="admin")
>>> authenticate(store, "ann", "correct horse battery").role
'admin'
>>> store.close()
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from aiqm.exceptions import InputError
from aiqm.storage.web_records import ROLES, TokenRecord, UserRecord

if TYPE_CHECKING:
    from aiqm.storage.web_store import WebStore

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "TOKEN_PREFIX",
    "TokenRecord",
    "UserRecord",
    "authenticate",
    "change_password",
    "create_token",
    "create_user",
    "hash_password",
    "revoke_token",
    "set_active",
    "set_role",
    "user_for_token",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "aiqm_"
_USERNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}")


@cache
def _hasher() -> Any:
    try:
        from argon2 import PasswordHasher  # lazy: optional 'web' extra
    except ImportError:  # pragma: no cover - the web extra is missing
        raise InputError(
            "password hashing needs argon2-cffi; install the web extra: pip install 'aiqm[web]'"
        ) from None
    return PasswordHasher()


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password`` (checked against the length rule first)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters "
            f"(got {len(password)})"
        )
    return str(_hasher().hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``."""
    from argon2 import exceptions  # lazy: optional 'web' extra

    try:
        return bool(_hasher().verify(password_hash, password))
    except (exceptions.VerificationError, exceptions.InvalidHashError):
        return False


def _check_username(username: str) -> str:
    name = username.strip()
    if not _USERNAME_RE.fullmatch(name):
        raise InputError(
            f"the user name {username!r} is not allowed: use 2 to 64 letters, digits, '_', '.', "
            "'@' or '-', starting with a letter or digit"
        )
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"the role must be one of {', '.join(ROLES)}. Got {role!r} instead.")
    return role


def create_user(store: WebStore, username: str, password: str, role: str = "viewer") -> UserRecord:
    """Create a user with a hashed password.

    Parameters
    ----------
    store : WebStore
        The web store.
    username : str
        2 to 64 letters, digits, ``_ . @ -``.
    password : str
        At least :data:`MIN_PASSWORD_LENGTH` characters.
    role : {"viewer", "evaluator", "admin"}, default="viewer"
        What the user may do.

    Raises
    ------
    InputError
        For a bad name, role or password, or a name that is taken.
    """
    name = _check_username(username)
    _check_role(role)
    return store.create_user(name, hash_password(password), role)


# a fixed hash to verify against when the user does not exist, so timing says nothing
_DUMMY: list[str] = []


def authenticate(store: WebStore, username: str, password: str) -> UserRecord | None:
    """Return the active user with these credentials (and note the sign-in), or None."""
    user = store.get_user_by_name(username.strip())
    if user is None or not user.active:
        if not _DUMMY:
            _DUMMY.append(_hasher().hash(secrets.token_hex(8)))
        verify_password(_DUMMY[0], password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    changes: dict[str, Any] = {"last_login_at": datetime.now(UTC)}
    if _hasher().check_needs_rehash(user.password_hash):
        changes["password_hash"] = _hasher().hash(password)
    return store.update_user(user.id, **changes)


def _other_active_admins(store: WebStore, user: UserRecord) -> int:
    return sum(1 for u in store.list_users() if u.role == "admin" and u.active and u.id != user.id)


def _get(store: WebStore, user_id: int) -> UserRecord:
    user = store.get_user(user_id)
    if user is None:
        raise InputError(f"no user has the id {user_id}")
    return user


def set_role(store: WebStore, user_id: int, role: str) -> UserRecord:
    """Change a user's role; the last active admin cannot lose the admin role."""
    _check_role(role)
    user = _get(store, user_id)
    if user.role == "admin" and role != "admin" and user.active and not _other_active_admins(store, user):
        raise InputError("this is the last active admin; make another user admin first")
    return store.update_user(user_id, role=role, bump_epoch=True)


def set_active(store: WebStore, user_id: int, active: bool) -> UserRecord:
    """Activate or deactivate a user (deactivation signs them out and blocks their tokens)."""
    user = _get(store, user_id)
    if not active and user.role == "admin" and user.active and not _other_active_admins(store, user):
        raise InputError("this is the last active admin; make another user admin first")
    return store.update_user(user_id, active=active, bump_epoch=True)


def change_password(store: WebStore, user_id: int, new_password: str) -> UserRecord:
    """Set a new password and sign the user out of every other session."""
    _get(store, user_id)
    return store.update_user(user_id, password_hash=hash_password(new_password), bump_epoch=True)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(store: WebStore, user_id: int, name: str) -> tuple[str, TokenRecord]:
    """Create an API token; returns the token (shown once, never stored) and its record."""
    label = name.strip()[:100] or "token"
    _get(store, user_id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = store.add_token(user_id, label, _token_hash(token), token[: len(TOKEN_PREFIX) + 6])
    return token, record


def user_for_token(store: WebStore, token: str) -> UserRecord | None:
    """The active user a token belongs to, or None for an unknown or revoked token."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return store.user_for_token(_token_hash(token))


def revoke_token(store: WebStore, user_id: int, token_id: int) -> None:
    """Revoke one of a user's tokens."""
    if not store.delete_token(user_id, token_id):
        raise InputError(f"you have no API token with the id {token_id}")
