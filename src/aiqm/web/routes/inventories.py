"""Pages: register a component's inventories (upload, path, predictions), view and delete them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from aiqm.core.inventory import DATASET_FORMATS, MODEL_FORMATS
from aiqm.exceptions import InputError
from aiqm.services import component_inventories as inv_svc
from aiqm.services.users import UserRecord
from aiqm.web.routes._common import NotFound, component_or_404, effective_settings, redirect
from aiqm.web.security import require
from aiqm.web.ui import flash, language, render, tr

router = APIRouter()


def _options(form: Any, *, admin: bool) -> dict[str, Any]:
    features = [f.strip() for f in str(form.get("features") or "").split(",") if f.strip()]
    trusted_types = [t.strip() for t in str(form.get("trusted_types") or "").split(",") if t.strip()]
    out: dict[str, Any] = {
        "format": str(form.get("format") or "auto"), "target": str(form.get("target") or "").strip(),
        "features": features, "description": str(form.get("description") or "").strip(),
        "trusted_types": trusted_types, "trusted": form.get("trusted") == "on",
    }
    return out


def _form_page(request: Request, comp: Any, error: str = "", values: dict[str, Any] | None = None,
               status_code: int = 200) -> Response:
    store = request.app.state.store
    datasets = [i.name for i in store.list_inventories(comp.id) if i.kind == "dataset"]
    return render(request, "inventory_form.html", {
        "component": comp, "error": error, "values": values or {}, "datasets": datasets,
        "dataset_formats": DATASET_FORMATS, "model_formats": MODEL_FORMATS,
        "data_roots": request.app.state.config.data_roots,
        "max_upload_mb": effective_settings(request.app)["max_upload_mb"],
    }, status_code=status_code)


@router.get("/components/{component_id}/inventories/new")
def new_inventory(request: Request, component_id: int, user: UserRecord = require("evaluator")) -> Response:
    return _form_page(request, component_or_404(request, component_id))


@router.post("/components/{component_id}/inventories")
async def add_inventory(request: Request, component_id: int,
                        user: UserRecord = require("evaluator")) -> Response:
    comp = component_or_404(request, component_id)
    form = await request.form()
    config = request.app.state.config
    name = str(form.get("name") or "").strip()
    kind = str(form.get("kind") or "")
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    admin = user.can("admin")
    try:
        options = _options(form, admin=admin)
        upload = form.get("file")
        path = str(form.get("path") or "").strip()
        if form.get("source") == "path" or (path and (upload is None or isinstance(upload, str)
                                                        or not upload.filename)):
            entry = inv_svc.register_path(request.app.state.store, config.home, comp.id, name, kind,
                                          path, config.data_roots, options, allow_trust=admin)
        else:
            if upload is None or isinstance(upload, str) or not upload.filename:
                raise InputError(tr(language(request))("choose_file"))
            limit = effective_settings(request.app)["max_upload_mb"] * 2**20
            entry = inv_svc.register_upload(request.app.state.store, config.home, comp.id, name, kind,
                                            upload.file, upload.filename, options, max_bytes=limit,
                                            allow_trust=admin)
    except inv_svc.UploadTooLarge as exc:
        return _form_page(request, comp, str(exc), values, status_code=413)
    except InputError as exc:
        return _form_page(request, comp, str(exc), values, status_code=400)
    flash(request, tr(language(request))("inventory_added", name=entry.name, digest=entry.digest or ""))
    return redirect(f"/components/{comp.id}/inventories/{entry.id}", request)


@router.post("/components/{component_id}/predictions")
async def add_predictions(request: Request, component_id: int,
                          user: UserRecord = require("evaluator")) -> Response:
    comp = component_or_404(request, component_id)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}

    def items(key: str) -> list[str]:
        return [x.strip() for x in str(form.get(key) or "").split(",") if x.strip()]

    try:
        entry = inv_svc.register_predictions(
            request.app.state.store, request.app.state.config.home, comp.id,
            str(form.get("name") or "").strip(), str(form.get("dataset") or ""),
            str(form.get("column") or "").strip(), items("proba_columns"), items("classes"),
            str(form.get("description") or "").strip())
    except InputError as exc:
        return _form_page(request, comp, str(exc), values, status_code=400)
    flash(request, tr(language(request))("inventory_added", name=entry.name, digest=""))
    return redirect(f"/components/{comp.id}/inventories/{entry.id}", request)


@router.get("/components/{component_id}/inventories/{inventory_id}")
def inventory_page(request: Request, component_id: int, inventory_id: int,
                   user: UserRecord = require("viewer")) -> Response:
    comp = component_or_404(request, component_id)
    store = request.app.state.store
    inv = store.get_inventory(comp.id, inventory_id)
    if inv is None:
        raise NotFound(f"the component has no inventory with the id {inventory_id}")
    used_by = inv_svc.inventory_usage(store, comp.id).get(inv.name, [])
    return render(request, "inventory.html", {"component": comp, "inv": inv, "used_by": used_by})


@router.post("/components/{component_id}/inventories/{inventory_id}/delete")
def delete_inventory(request: Request, component_id: int, inventory_id: int,
                     user: UserRecord = require("evaluator")) -> Response:
    comp = component_or_404(request, component_id)
    try:
        inv_svc.delete_inventory(request.app.state.store, request.app.state.config.home, comp.id,
                                 inventory_id)
    except InputError as exc:
        flash(request, str(exc), "error")
        return redirect(f"/components/{comp.id}", request)
    flash(request, tr(language(request))("inventory_deleted"))
    return redirect(f"/components/{comp.id}", request)
