"""Admin pages: users and roles, application settings."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from aiqm.exceptions import InputError
from aiqm.services import users as user_service
from aiqm.services.users import ROLES, UserRecord
from aiqm.web.routes._common import effective_settings, redirect
from aiqm.web.security import require
from aiqm.web.ui import flash, language, render, tr

router = APIRouter(prefix="/admin")

#: Settings an admin may change, with their allowed ranges.
SETTING_RANGES = {"max_upload_mb": (1, 100_000), "max_active_runs": (1, 64)}


@router.get("/users")
def users_page(request: Request, user: UserRecord = require("admin")) -> Response:
    return render(request, "admin_users.html", {"users": request.app.state.store.list_users(),
                                                "roles": ROLES, "error": ""})


@router.post("/users")
def create_user(request: Request, username: str = Form(""), password: str = Form(""),
                role: str = Form("viewer"), user: UserRecord = require("admin")) -> Response:
    store = request.app.state.store
    try:
        created = user_service.create_user(store, username, password, role)
    except InputError as exc:
        return render(request, "admin_users.html", {"users": store.list_users(), "roles": ROLES,
                                                    "error": str(exc)}, status_code=400)
    flash(request, tr(language(request))("user_created", name=created.username))
    return redirect("/admin/users", request)


@router.post("/users/{user_id}")
def update_user(request: Request, user_id: int, role: str = Form(""), active: str = Form(""),
                password: str = Form(""), user: UserRecord = require("admin")) -> Response:
    store = request.app.state.store
    try:
        if role:
            user_service.set_role(store, user_id, role)
        if active in ("yes", "no"):
            user_service.set_active(store, user_id, active == "yes")
        if password:
            user_service.change_password(store, user_id, password)
    except InputError as exc:
        flash(request, str(exc), "error")
        return redirect("/admin/users", request)
    flash(request, tr(language(request))("saved"))
    return redirect("/admin/users", request)


@router.get("/settings")
def settings_page(request: Request, user: UserRecord = require("admin")) -> Response:
    config = request.app.state.config
    return render(request, "admin_settings.html", {
        "settings": effective_settings(request.app), "config": config, "error": "",
        "database": request.app.state.store.location,
    })


@router.post("/settings")
def save_settings(request: Request, max_upload_mb: str = Form(""), max_active_runs: str = Form(""),
                  user: UserRecord = require("admin")) -> Response:
    store = request.app.state.store
    values = {"max_upload_mb": max_upload_mb, "max_active_runs": max_active_runs}
    for key, text in values.items():
        lo, hi = SETTING_RANGES[key]
        try:
            number = int(text)
        except ValueError:
            number = -1
        if not lo <= number <= hi:
            flash(request, f"{key} must be an int in the range [{lo}, {hi}]. Got {text!r} instead.", "error")
            return redirect("/admin/settings", request)
        store.set_setting(key, number)
    request.app.state.runs.max_active = effective_settings(request.app)["max_active_runs"]
    flash(request, tr(language(request))("saved"))
    return redirect("/admin/settings", request)
