"""JSON API (``/api/``): inventories (upload or path), runs, progress and reports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from aiqm.exceptions import InputError
from aiqm.render.i18n import LANGUAGES
from aiqm.services import component_inventories as inv_svc
from aiqm.services.reports import render_report
from aiqm.services.users import UserRecord
from aiqm.web.routes._common import (
    RUN_ID,
    NotFound,
    component_or_404,
    effective_settings,
    web_run_or_404,
)
from aiqm.web.routes.api import inventory_json
from aiqm.web.routes.runs import _MEDIA, REPORT_CSP, _report, compare_web_runs, report_formats
from aiqm.web.security import require_api

router = APIRouter(prefix="/api")


@router.get("/components/{component_id}/inventories")
def list_inventories(request: Request, component_id: int,
                     user: UserRecord = require_api("viewer")) -> list[dict[str, Any]]:
    comp = component_or_404(request, component_id)
    store = request.app.state.store
    usage = inv_svc.inventory_usage(store, comp.id)
    return [inventory_json(i, usage.get(i.name)) for i in store.list_inventories(comp.id)]


@router.post("/components/{component_id}/inventories", status_code=201)
async def add_inventory(request: Request, component_id: int,
                        user: UserRecord = require_api("evaluator")) -> dict[str, Any]:
    """Multipart (``name``, ``kind``, ``file`` and options) uploads a file; a JSON body
    ``{"name", "kind", "path", ...}`` registers a path inside a data root, or with
    ``"kind": "predictions"`` a predictions column."""
    comp = component_or_404(request, component_id)
    store, config = request.app.state.store, request.app.state.config
    admin = user.can("admin")
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InputError("send the file in the multipart field 'file'")
        options = {k: v for k, v in form.items() if isinstance(v, str) and k not in ("name", "kind")}
        for key in ("features", "trusted_types"):
            if key in options:
                options[key] = [x.strip() for x in str(options[key]).split(",") if x.strip()]  # type: ignore[assignment]
        if "trusted" in options:
            options["trusted"] = options["trusted"] in ("true", "on", "1")  # type: ignore[assignment]
        limit = effective_settings(request.app)["max_upload_mb"] * 2**20
        entry = inv_svc.register_upload(store, config.home, comp.id, str(form.get("name") or ""),
                                        str(form.get("kind") or ""), upload.file, upload.filename or "",
                                        options, max_bytes=limit, allow_trust=admin)
        return inventory_json(entry)
    data = await request.json()
    if not isinstance(data, dict):
        raise InputError("the request body must be a JSON object")
    name, kind = str(data.get("name", "")), str(data.get("kind", ""))
    if kind == "predictions":
        entry = inv_svc.register_predictions(
            store, config.home, comp.id, name, str(data.get("dataset", "")), str(data.get("column", "")),
            list(data.get("proba_columns") or []), list(data.get("classes") or []),
            str(data.get("description", "")))
    else:
        options = {k: v for k, v in data.items() if k not in ("name", "kind", "path")}
        entry = inv_svc.register_path(store, config.home, comp.id, name, kind, str(data.get("path", "")),
                                      config.data_roots, options, allow_trust=admin)
    return inventory_json(entry)


@router.delete("/components/{component_id}/inventories/{inventory_id}", status_code=204)
def delete_inventory(request: Request, component_id: int, inventory_id: int,
                     user: UserRecord = require_api("evaluator")) -> Response:
    comp = component_or_404(request, component_id)
    if request.app.state.store.get_inventory(comp.id, inventory_id) is None:
        raise NotFound(f"the component has no inventory with the id {inventory_id}")
    inv_svc.delete_inventory(request.app.state.store, request.app.state.config.home, comp.id, inventory_id)
    return Response(status_code=204)


@router.get("/components/{component_id}/runs")
def list_runs(request: Request, component_id: int,
              user: UserRecord = require_api("viewer")) -> list[dict[str, Any]]:
    comp = component_or_404(request, component_id)
    runs = request.app.state.store.list_web_runs(comp.id, limit=100)
    return [request.app.state.runs.progress(w.id).to_json() for w in runs]


@router.post("/components/{component_id}/runs", status_code=202)
def start_run(request: Request, component_id: int,
              user: UserRecord = require_api("evaluator")) -> dict[str, Any]:
    comp = component_or_404(request, component_id)
    w = request.app.state.runs.start(comp.id, user.username)
    return request.app.state.runs.progress(w.id).to_json()  # type: ignore[no-any-return]


@router.get("/runs/{web_run_id}")
def get_run(request: Request, web_run_id: str = Path(pattern=RUN_ID),
            user: UserRecord = require_api("viewer")) -> dict[str, Any]:
    w = web_run_or_404(request, web_run_id)
    return request.app.state.runs.progress(w.id).to_json()  # type: ignore[no-any-return]


@router.post("/runs/{web_run_id}/cancel")
def cancel_run(request: Request, web_run_id: str = Path(pattern=RUN_ID),
               user: UserRecord = require_api("evaluator")) -> dict[str, Any]:
    w = web_run_or_404(request, web_run_id)
    request.app.state.runs.cancel(w.id)
    return request.app.state.runs.progress(w.id).to_json()  # type: ignore[no-any-return]


@router.post("/runs/{web_run_id}/resume", status_code=202)
def resume_run(request: Request, web_run_id: str = Path(pattern=RUN_ID),
               user: UserRecord = require_api("evaluator")) -> dict[str, Any]:
    w = web_run_or_404(request, web_run_id)
    new = request.app.state.runs.resume(w.id, user.username)
    return request.app.state.runs.progress(new.id).to_json()  # type: ignore[no-any-return]


@router.get("/runs/{web_run_id}/report")
def get_report(request: Request, web_run_id: str = Path(pattern=RUN_ID), format: str = "json",
               lang: str = "en", user: UserRecord = require_api("viewer")) -> Response:
    w = web_run_or_404(request, web_run_id)
    if format not in report_formats():
        raise InputError(f"no report format {format!r}; use one of {', '.join(report_formats())}")
    report, artifacts = _report(request, w)
    body = render_report(report, format, artifacts, lang if lang in LANGUAGES else "en")
    headers = {"Content-Security-Policy": REPORT_CSP} if format == "html" else {}
    return Response(body, media_type=_MEDIA.get(format, "application/octet-stream"), headers=headers)


@router.get("/components/{component_id}/compare")
def compare_runs(request: Request, component_id: int, before: str = Query(pattern=RUN_ID),
                 after: str = Query(pattern=RUN_ID),
                 user: UserRecord = require_api("viewer")) -> dict[str, Any]:
    """What changed from web run ``before`` to web run ``after`` (the ``aiqm compare`` document)."""
    comp = component_or_404(request, component_id)
    return compare_web_runs(request, comp.id, before, after).model_dump(mode="json")  # type: ignore[attr-defined,no-any-return]
