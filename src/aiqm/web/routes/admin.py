"""Admin pages: users and roles, application settings."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from aiqm.exceptions import InputError
from aiqm.services import aits as ait_service
from aiqm.services import users as user_service
from aiqm.services.users import ROLES, UserRecord
from aiqm.web.routes._common import effective_settings, redirect, registry_for
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


@router.post("/aits/import")
async def import_ait(request: Request, user: UserRecord = require("admin")) -> Response:
    """Import an uploaded Qunomon AIT package; its environment is built on first use (in the
    run's worker, never in this request)."""
    form = await request.form()
    upload = form.get("file")
    env = str(form.get("env") or "venv")
    if upload is None or isinstance(upload, str) or not upload.filename:
        flash(request, "choose the package's zip file to upload", "error")
        return redirect("/aits", request)
    home = request.app.state.config.home
    (home / "uploads").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=home / "uploads") as tmp:
        path = Path(tmp) / "package.zip"
        with open(path, "wb") as out:
            shutil.copyfileobj(upload.file, out, 1 << 20)
        try:
            done = ait_service.import_package(path, env=env, build=False,
                                              registry=registry_for(request))
        except InputError as exc:
            text = str(exc)  # kept short: flash messages travel in the session cookie
            flash(request, text if len(text) < 1500 else text[:1500] + " …", "error")
            return redirect("/aits", request)
    request.app.state.registries.clear()  # the next page loads the new AIT
    m = done.imported.manifest
    flash(request, tr(language(request))("ait_imported", ref=m.ref))
    return redirect(f"/aits/{m.id}@{m.version}", request)
