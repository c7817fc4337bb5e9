"""Sessions, CSRF protection, sign-in checks, roles, security headers and body limits.

- The session is a signed cookie (itsdangerous) holding the user id, the user's
  session epoch and a CSRF token; it is ``HttpOnly``, ``SameSite=Lax`` and
  ``Secure`` under HTTPS. Raising a user's epoch signs them out everywhere.
- Every unsafe request to a page (POST …) must carry the session's CSRF token,
  in the ``csrf_token`` form field or the ``X-CSRF-Token`` header (HTMX sends it).
  ``/api/`` takes only bearer tokens, never cookies, so it needs no CSRF token.
- :func:`require` and :func:`require_api` are the dependencies that check the
  role of every route.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Any

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aiqm.services.users import ROLES, UserRecord, user_for_token

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "BodyLimitMiddleware",
    "Forbidden",
    "NotSignedIn",
    "SecurityHeadersMiddleware",
    "SessionMiddleware",
    "check_csrf",
    "current_user",
    "require",
    "require_api",
]

SESSION_COOKIE = "aiqm_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_UNSET = object()


class NotSignedIn(Exception):
    """The request needs a signed-in user (pages: redirect to sign-in; API: 401)."""

    def __init__(self, api: bool = False) -> None:
        self.api = api


class Forbidden(Exception):
    """The signed-in user's role does not allow this (403)."""

    def __init__(self, needed: str, api: bool = False, message: str = "") -> None:
        self.needed, self.api, self.message = needed, api, message


class SessionMiddleware:
    """Load the signed session cookie into ``scope["session"]`` and write it back when changed."""

    def __init__(self, app: ASGIApp, secret: bytes, max_age_s: int, secure: bool | None) -> None:
        self.app = app
        self.signer = URLSafeTimedSerializer(secret, salt="aiqm.session")
        self.max_age_s = max_age_s
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        conn = HTTPConnection(scope)
        raw = conn.cookies.get(SESSION_COOKIE)
        data: dict[str, Any] = {}
        if raw:
            try:
                loaded = self.signer.loads(raw, max_age=self.max_age_s)
                data = loaded if isinstance(loaded, dict) else {}
            except BadSignature:
                data = {}
        fresh = "csrf" not in data
        if fresh:
            data = {"csrf": secrets.token_urlsafe(32)}
        scope["session"] = data
        before = dict(data)
        https = scope.get("scheme") == "https"
        secure = https if self.secure is None else self.secure

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and (fresh or scope["session"] != before):
                headers = MutableHeaders(scope=message)
                value = self.signer.dumps(scope["session"])
                cookie = (f"{SESSION_COOKIE}={value}; Path=/; Max-Age={self.max_age_s}; "
                          "HttpOnly; SameSite=Lax")
                if secure:
                    cookie += "; Secure"
                headers.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class SecurityHeadersMiddleware:
    """Add a strict Content-Security-Policy and related headers to every response.

    Pages load scripts and styles only from ``/static`` (no inline script); a
    response that sets its own CSP (the embedded report) keeps it.
    """

    CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; "
           "object-src 'none'")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                if "content-security-policy" not in h:
                    h["content-security-policy"] = self.CSP
                h.setdefault("x-content-type-options", "nosniff")
                h.setdefault("x-frame-options", "SAMEORIGIN")
                h.setdefault("referrer-policy", "same-origin")
                h.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """Refuse request bodies over a limit with 413, before they are read whole.

    Upload routes (paths ending in ``/inventories``) may send up to the upload limit
    (read through ``limit()`` so an admin's change applies at once); every other
    request up to ``small_bytes``. Both a declared ``Content-Length`` and the bytes
    actually streamed are checked.
    """

    def __init__(self, app: ASGIApp, limit: Callable[[], int], small_bytes: int = 4 * 2**20) -> None:
        self.app = app
        self.limit = limit
        self.small_bytes = small_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _SAFE:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        upload = path.endswith("/inventories") or path.endswith("/import")
        limit = self.limit() + 2**20 if upload else self.small_bytes  # room for the other fields
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(scope, send, limit)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await _too_large(scope, send, limit)


class _BodyTooLarge(Exception):
    pass


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    text = (f"the request body is larger than the limit of {limit / 2**20:.0f} MB; upload a smaller "
            "file, register it by path inside a data root, or ask an admin to raise the limit")
    response = PlainTextResponse(text, status_code=413)

    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, no_body, send)


# -- dependencies ----------------------------------------------------------------------


def _tokens_match(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


async def check_csrf(request: Request) -> None:
    """App-wide dependency: every unsafe page request must carry the session's CSRF token."""
    if request.method in _SAFE or request.url.path.startswith("/api/"):
        return
    expected = request.scope.get("session", {}).get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not _tokens_match(sent, expected):
        raise Forbidden("csrf", message="csrf")


def current_user(request: Request) -> UserRecord | None:
    """The signed-in user of a page request (None when signed out or the session is stale)."""
    cached = getattr(request.state, "user", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    session = request.scope.get("session", {})
    user = None
    uid = session.get("uid")
    if isinstance(uid, int):
        found = request.app.state.store.get_user(uid)
        if found is not None and found.active and found.session_epoch == session.get("ep"):
            user = found
    request.state.user = user
    return user


def require(role: str) -> Any:
    """Dependency for pages: a signed-in user with ``role`` (or a role above it)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def dependency(request: Request) -> UserRecord:
        user = current_user(request)
        if user is None:
            raise NotSignedIn()
        if not user.can(role):
            raise Forbidden(role)
        return user

    dependency.__name__ = f"require_{role}"
    return Depends(dependency)


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def require_api(role: str) -> Any:
    """Dependency for ``/api/``: a valid ``Authorization: Bearer <token>`` of a user with ``role``."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def dependency(request: Request) -> UserRecord:
        token = _bearer(request)
        user = user_for_token(request.app.state.store, token) if token else None
        if user is None:
            raise NotSignedIn(api=True)
        if not user.can(role):
            raise Forbidden(role, api=True)
        request.state.user = user
        return user

    dependency.__name__ = f"require_api_{role}"
    return Depends(dependency)
