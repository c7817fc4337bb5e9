"""Sign-in and sign-out, the language switch, the account page and API tokens."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response

from aiqm.exceptions import InputError
from aiqm.render.i18n import LANGUAGES
from aiqm.services import users as user_service
from aiqm.services.users import UserRecord
from aiqm.web.routes._common import redirect, safe_next
from aiqm.web.security import current_user, require
from aiqm.web.ui import LANG_COOKIE, flash, language, render, tr

router = APIRouter()

#: Routes anyone may call, signed in or not (the route test checks this list).
PUBLIC_ROUTES = {("GET", "/login"), ("POST", "/login"), ("POST", "/lang"), ("GET", "/healthz")}


@router.get("/healthz")
def healthz() -> JSONResponse:
    """Liveness probe (no data)."""
    return JSONResponse({"status": "ok"})


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    if current_user(request) is not None:
        return redirect(safe_next(next))
    return render(request, "login.html", {"next": safe_next(next), "error": ""})


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""),
          next: str = Form("/")) -> Response:
    user = user_service.authenticate(request.app.state.store, username, password)
    if user is None:
        _ = tr(language(request))
        return render(request, "login.html", {"next": safe_next(next), "error": _("login_failed")},
                      status_code=401)
    session = request.scope["session"]
    session.clear()
    session.update(uid=user.id, ep=user.session_epoch, csrf=secrets.token_urlsafe(32))
    request.state.user = user
    return redirect(safe_next(next))


@router.post("/logout")
def logout(request: Request, user: UserRecord = require("viewer")) -> Response:
    session = request.scope["session"]
    session.clear()
    session["csrf"] = secrets.token_urlsafe(32)
    return redirect("/login")


@router.post("/lang")
def set_language(request: Request, lang: str = Form("en"), next: str = Form("/")) -> Response:
    response = redirect(safe_next(next))
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    return response


@router.get("/account")
def account(request: Request, user: UserRecord = require("viewer")) -> Response:
    tokens = request.app.state.store.list_tokens(user.id)
    return render(request, "account.html", {"tokens": tokens, "new_token": None})


@router.post("/account/password")
def change_password(request: Request, current: str = Form(""), new: str = Form(""),
                    user: UserRecord = require("viewer")) -> Response:
    store = request.app.state.store
    _ = tr(language(request))
    if not user_service.verify_password(user.password_hash, current):
        flash(request, _("password_wrong"), "error")
        return redirect("/account")
    try:
        updated = user_service.change_password(store, user.id, new)
    except InputError as exc:
        flash(request, str(exc), "error")
        return redirect("/account")
    request.scope["session"]["ep"] = updated.session_epoch  # this session stays signed in
    flash(request, _("password_changed"))
    return redirect("/account")


@router.post("/account/tokens")
def create_token(request: Request, name: str = Form(""), user: UserRecord = require("viewer")) -> Response:
    token, _record = user_service.create_token(request.app.state.store, user.id, name)
    tokens = request.app.state.store.list_tokens(user.id)
    return render(request, "account.html", {"tokens": tokens, "new_token": token})


@router.post("/account/tokens/{token_id}/delete")
def revoke_token(request: Request, token_id: int, user: UserRecord = require("viewer")) -> Response:
    user_service.revoke_token(request.app.state.store, user.id, token_id)
    flash(request, tr(language(request))("token_revoked"))
    return redirect("/account")
