"""Page rendering: the Jinja environment, the UI language and flash messages.

Every fixed string of the pages goes through the report catalogues
(:func:`aiqm.render.i18n.t`) under keys starting with ``web.``; templates call
``_("sign_in")`` for ``t("web.sign_in", lang)``. The language is the ``aiqm_lang``
cookie (set by the switch in the page header) or else the best match of the
browser's ``Accept-Language``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from aiqm.render.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from aiqm.web.security import current_user

__all__ = ["LANG_COOKIE", "flash", "language", "render", "tr"]

LANG_COOKIE = "aiqm_lang"


def language(request: Request) -> str:
    """The UI language of a request: the switch's cookie, else ``Accept-Language``, else English.

    Examples
    --------
    >>> from starlette.requests import Request
    >>> language(Request({"type": "http", "headers": [(b"accept-language", b"ja,en;q=0.8")]}))
    'ja'
    """
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for i, part in enumerate(request.headers.get("accept-language", "").split(",")):
        code, _, params = part.strip().partition(";")
        base = code.strip().lower().split("-")[0]
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        q -= i * 1e-6  # earlier entries win ties
        if base in LANGUAGES and q > best_q:
            best, best_q = base, q
    return best


def tr(lang: str) -> Any:
    """The ``_`` function of the templates for ``lang``."""

    def _(key: str, **params: object) -> str:
        return t(f"web.{key}", lang, **params)

    return _


@cache
def _environment() -> Any:
    env = Environment(
        loader=PackageLoader("aiqm.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = lambda d: d.strftime("%Y-%m-%d %H:%M:%S UTC") if d else ""
    env.filters["size"] = _size
    return env


def _size(n: int | None) -> str:
    if n is None:
        return ""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """Show ``message`` on the next page rendered for this session."""
    session = request.scope["session"]
    session["flash"] = [*session.get("flash", []), [kind, message]][-5:]


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    """Render a template with the user, language, CSRF token and flash messages."""
    lang = language(request)
    session = request.scope.get("session", {})
    messages = session.pop("flash", []) if not request.headers.get("hx-request") else []
    user = current_user(request)
    ctx = {
        "request": request, "user": user, "lang": lang, "languages": LANGUAGES, "_": tr(lang),
        "csrf_token": session.get("csrf", ""), "messages": messages,
        "path": request.url.path, **(context or {}),
    }
    html = _environment().get_template(template).render(ctx)
    return HTMLResponse(html, status_code=status_code)
