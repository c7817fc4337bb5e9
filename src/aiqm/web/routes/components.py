"""Pages: dashboard, components (create, edit, delete), import and export of ``aiqm.yaml``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from aiqm.core.guideline import available_guidelines, load_guideline
from aiqm.core.levels import determine_level
from aiqm.core.project import TASKS
from aiqm.exceptions import InputError
from aiqm.services import components as svc
from aiqm.services.component_inventories import inventory_usage
from aiqm.services.project_import import MAX_PROJECT_FILE_BYTES
from aiqm.services.project_import import import_project as do_import
from aiqm.services.users import UserRecord
from aiqm.web.routes._common import component_or_404, form_dict, redirect, registry_for
from aiqm.web.security import require
from aiqm.web.ui import flash, language, render, tr

router = APIRouter()


@router.get("/")
def dashboard(request: Request, user: UserRecord = require("viewer")) -> Response:
    store = request.app.state.store
    components = store.list_components()
    runs = store.list_web_runs(limit=15)
    names = {c.id: c.name for c in components}
    return render(request, "dashboard.html", {"components": components, "runs": runs, "names": names})


def _level_choices(guideline_refs: list[str]) -> list[dict[str, Any]]:
    """External characteristics with levels and their questionnaire, for the component form."""
    out = []
    for ref in guideline_refs:
        g = load_guideline(ref)
        for c in g.characteristics:
            if c.kind == "external" and c.levels:
                questions = [{"id": q.id, "text": q.text, "kind": q.kind,
                              "options": [(o.id, o.text) for o in q.options]}
                             for q in getattr(c, "questions", ())]
                out.append({"id": c.id, "names": c.names, "levels": [lv.label for lv in c.levels],
                            "questions": questions})
    return out


def _apply_questionnaire(form: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    """Set the level of each characteristic whose questionnaire is answered; return notes.

    Answers are the fields ``q_<characteristic>__<question>``; a characteristic whose
    questions are all answered gets the level the guideline's triggers determine
    (:func:`aiqm.core.levels.determine_level`), with the guideline's messages otherwise.
    """
    answers: dict[str, dict[str, str]] = {}
    for key, value in form.items():
        if key.startswith("q_") and "__" in key and str(value).strip():
            cid, _, qid = key[2:].partition("__")
            answers.setdefault(cid, {})[qid] = str(value)
    notes = []
    refs = spec["guideline"] if isinstance(spec["guideline"], list) else [spec["guideline"]]
    for ref in refs:
        g = load_guideline(str(ref))
        for cid, given in answers.items():
            char = g.external_characteristic(cid)
            if char is None:
                continue
            found = determine_level(char, given)
            spec["levels"][cid] = found.level.label
            notes.append(f"{cid} {found.level.label}")
    return notes


def _form_context(spec: dict[str, Any], settings: dict[str, Any], error: str = "") -> dict[str, Any]:
    guideline = spec.get("guideline", "aist-mlqm@3")
    refs = [guideline] if isinstance(guideline, str) else list(guideline)
    return {"spec": spec, "settings": settings, "error": error, "tasks": TASKS,
            "guidelines": available_guidelines(), "chosen_guidelines": refs,
            "level_choices": _level_choices(refs)}


def _spec_from_form(form: dict[str, Any]) -> dict[str, Any]:
    guidelines = form.get("guideline") or "aist-mlqm@3"
    levels = {k.removeprefix("level_"): v for k, v in form.items() if k.startswith("level_") and v}
    return {"name": str(form.get("name", "")).strip(), "task": form.get("task", ""),
            "guideline": guidelines, "levels": levels,
            "description": str(form.get("description", "")).strip(),
            "problem_domain": str(form.get("problem_domain", "")).strip()}


def _settings_from_form(form: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("executor", "workers", "timeout", "memory_limit_mb"):
        value = str(form.get(key, "")).strip()
        if value:
            out[key] = value
    out["cache"] = form.get("cache") == "on"
    plugins = form.get("plugins")
    if plugins is None:
        out["plugins"] = list(current.get("plugins", []))
    else:
        out["plugins"] = [p.strip() for p in str(plugins).replace("\n", ",").split(",") if p.strip()]
    return out


@router.get("/components/new")
def new_component(request: Request, user: UserRecord = require("evaluator")) -> Response:
    spec = {"name": "", "task": "binary_classification", "guideline": "aist-mlqm@3", "levels": {}}
    return render(request, "component_form.html", _form_context(spec, {}) | {"component": None})


@router.post("/components")
async def create_component(request: Request, user: UserRecord = require("evaluator")) -> Response:
    form = await form_dict(request)
    spec = _spec_from_form(form)
    settings = _settings_from_form(form, {})
    try:
        _apply_questionnaire(form, spec)
        comp = svc.create_component(request.app.state.store, spec, settings,
                                    allow_plugins=user.can("admin"))
    except InputError as exc:
        return render(request, "component_form.html",
                      _form_context(spec, settings, str(exc)) | {"component": None}, status_code=400)
    flash(request, tr(language(request))("component_created", name=comp.name))
    return redirect(f"/components/{comp.id}", request)


@router.get("/components/{component_id}")
def component_page(request: Request, component_id: int, user: UserRecord = require("viewer")) -> Response:
    comp = component_or_404(request, component_id)
    store = request.app.state.store
    try:
        guidelines = svc.guidelines_of(comp.spec)
    except InputError:
        guidelines = []
    names = {c.id: c.names for g in guidelines for c in g.characteristics}
    return render(request, "component.html", {
        "component": comp, "inventories": store.list_inventories(comp.id),
        "usage": inventory_usage(store, comp.id), "tests": store.list_tests(comp.id),
        "runs": store.list_web_runs(comp.id, limit=30), "char_names": names,
    })


@router.get("/components/{component_id}/edit")
def edit_component(request: Request, component_id: int, user: UserRecord = require("evaluator")) -> Response:
    comp = component_or_404(request, component_id)
    return render(request, "component_form.html", _form_context(comp.spec, comp.settings) | {"component": comp})


@router.post("/components/{component_id}/edit")
async def update_component(request: Request, component_id: int,
                           user: UserRecord = require("evaluator")) -> Response:
    comp = component_or_404(request, component_id)
    form = await form_dict(request)
    spec = _spec_from_form(form)
    settings = _settings_from_form(form, comp.settings)
    store = request.app.state.store
    try:
        _apply_questionnaire(form, spec)
        svc.update_component(store, comp.id, spec)
        svc.update_settings(store, comp.id, settings, allow_plugins=user.can("admin"))
    except InputError as exc:
        return render(request, "component_form.html",
                      _form_context(spec, settings, str(exc)) | {"component": comp}, status_code=400)
    flash(request, tr(language(request))("saved"))
    return redirect(f"/components/{comp.id}", request)


@router.post("/components/{component_id}/delete")
def delete_component(request: Request, component_id: int, user: UserRecord = require("evaluator")) -> Response:
    comp = component_or_404(request, component_id)
    svc.delete_component(request.app.state.store, request.app.state.config.home, comp.id)
    request.app.state.runs.forget_component(comp.id)
    flash(request, tr(language(request))("component_deleted", name=comp.name))
    return redirect("/", request)


@router.get("/components/{component_id}/export")
def export_component(request: Request, component_id: int, user: UserRecord = require("viewer")) -> Response:
    comp = component_or_404(request, component_id)
    text = svc.export_yaml(request.app.state.store, comp.id)
    return Response(text, media_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="aiqm.yaml"'})


@router.get("/import")
def import_page(request: Request, user: UserRecord = require("evaluator")) -> Response:
    return render(request, "import.html", {"error": "", "folder": "",
                                           "data_roots": request.app.state.config.data_roots})


@router.post("/import")
async def import_project(request: Request, user: UserRecord = require("evaluator")) -> Response:
    form = await request.form()
    config = request.app.state.config
    folder = str(form.get("folder") or "").strip()
    try:
        text = str(form.get("text") or "")
        upload = form.get("file")
        if upload is not None and not isinstance(upload, str) and upload.filename:
            raw = await upload.read(MAX_PROJECT_FILE_BYTES + 1)
            text = raw.decode("utf-8", errors="replace")
        if not text.strip() and not folder:
            raise InputError(tr(language(request))("import_nothing"))
        comp = do_import(request.app.state.store, config.home, text if text.strip() else None,
                         folder=folder or None, data_roots=config.data_roots,
                         registry_for=lambda plugins: registry_for(request, plugins),
                         allow_plugins=user.can("admin"), allow_trust=user.can("admin"))
    except InputError as exc:
        return render(request, "import.html", {"error": str(exc), "folder": folder,
                                               "data_roots": config.data_roots}, status_code=400)
    flash(request, tr(language(request))("component_imported", name=comp.name))
    return redirect(f"/components/{comp.id}", request)
