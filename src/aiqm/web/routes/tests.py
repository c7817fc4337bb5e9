"""Pages: installed AITs with their manifests; add, edit, copy and delete test descriptions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from aiqm.core.constraints import describe
from aiqm.exceptions import InputError
from aiqm.plugins.manager import AITRegistry
from aiqm.services import aits as ait_service
from aiqm.services import components as svc
from aiqm.services.components import ComponentRecord, TestEntry
from aiqm.services.users import UserRecord
from aiqm.web import forms
from aiqm.web.routes._common import NotFound, component_or_404, form_dict, redirect, registry_for
from aiqm.web.security import require
from aiqm.web.ui import flash, language, render, tr

router = APIRouter()


@router.get("/aits")
def ait_list(request: Request, user: UserRecord = require("viewer")) -> Response:
    registry = registry_for(request)
    return render(request, "aits.html", {"aits": ait_service.list_aits(registry),
                                         "errors": registry.errors})


@router.get("/aits/{ref}")
def ait_page(request: Request, ref: str, user: UserRecord = require("viewer")) -> Response:
    try:
        info = ait_service.describe_ait(registry_for(request), ref)
    except InputError as exc:
        raise NotFound(str(exc)) from None
    m = info.manifest
    params = [(p, describe(p.type, p.constraints)) for p in m.parameters]
    components = request.app.state.store.list_components()
    return render(request, "ait.html", {"m": m, "params": params, "components": components,
                                        "origin": info.origin, "record": info.record})


def _chars(comp: ComponentRecord, lang: str) -> list[tuple[str, str]]:
    try:
        guidelines = svc.guidelines_of(comp.spec)
    except InputError:
        return []
    return [(c.id, c.names.get(lang)) for g in guidelines for c in g.characteristics]


def _test_form(request: Request, comp: ComponentRecord, ait_ref: str, *, test: TestEntry | None,
               spec: dict[str, Any], form: dict[str, Any] | None, error: str = "",
               status_code: int = 200) -> Response:
    registry = registry_for(request, comp.settings.get("plugins", ()))
    try:
        manifest = registry.get(ait_ref).manifest
    except InputError as exc:
        raise NotFound(str(exc)) from None
    store = request.app.state.store
    inventories = store.list_inventories(comp.id)
    slots = [{"spec": s, "choices": [i.name for i in inventories if i.kind in svc.SLOT_FILLS[s.kind]],
              "value": (form or {}).get(f"inv_{s.name}") if form is not None
              else (spec.get("inventories") or {}).get(s.name, "")} for s in manifest.inventories]
    rows = (forms.raw_criteria(form) if form is not None
            else forms.criteria_rows(list(spec.get("criteria", []))))
    lang = language(request)
    return render(request, "test_form.html", {
        "component": comp, "test": test, "m": manifest, "error": error,
        "fields": forms.parameter_fields(manifest, spec.get("parameters"),
                                         {k: str(v) for k, v in form.items()} if form is not None else None),
        "slots": slots, "rows": rows, "operators": forms.OPERATORS, "aggregates": forms.AGGREGATES,
        "characteristics": _chars(comp, lang), "spec": spec,
        "requirements": ", ".join(spec.get("requirements", [])),
    }, status_code=status_code)


def _spec_from_form(
    manifest_ref: str, form: dict[str, Any], registry: AITRegistry
) -> dict[str, Any]:
    manifest = registry.get(manifest_ref).manifest
    spec: dict[str, Any] = {
        "name": str(form.get("name", "")).strip(), "characteristic": str(form.get("characteristic", "")),
        "ait": f"{manifest.id}@{manifest.major}",
        "inventories": {s.name: form[f"inv_{s.name}"] for s in manifest.inventories
                        if form.get(f"inv_{s.name}")},
        "parameters": forms.parse_parameters(manifest, form),
        "criteria": forms.parse_criteria(form),
    }
    reqs = [r.strip() for r in str(form.get("requirements", "")).split(",") if r.strip()]
    if reqs:
        spec["requirements"] = reqs
    for key in ("description",):
        if str(form.get(key, "")).strip():
            spec[key] = str(form[key]).strip()
    for key in ("timeout", "memory_limit_mb"):
        text = str(form.get(key, "")).strip()
        if text:
            spec[key] = forms.parse_value("float" if key == "timeout" else "int", text)
    return spec


@router.get("/components/{component_id}/tests/new")
def new_test(request: Request, component_id: int, ait: str = "",
             user: UserRecord = require("evaluator")) -> Response:
    comp = component_or_404(request, component_id)
    if not ait:
        registry = registry_for(request, comp.settings.get("plugins", ()))
        return render(request, "test_pick_ait.html", {"component": comp, "manifests": registry.manifests})
    spec: dict[str, Any] = {"characteristic": ""}
    registry = registry_for(request, comp.settings.get("plugins", ()))
    try:
        m = registry.get(ait).manifest
        spec["characteristic"] = m.characteristics[0]
    except InputError as exc:
        raise NotFound(str(exc)) from None
    return _test_form(request, comp, ait, test=None, spec=spec, form=None)


@router.post("/components/{component_id}/tests")
async def create_test(request: Request, component_id: int, user: UserRecord = require("evaluator")) -> Response:
    return await _save(request, component_id, None)


async def _save(request: Request, component_id: int, test_id: int | None) -> Response:
    comp = component_or_404(request, component_id)
    form = await form_dict(request)
    ait_ref = str(form.get("ait", ""))
    registry = registry_for(request, comp.settings.get("plugins", ()))
    test = None
    if test_id is not None:
        test = request.app.state.store.get_test(comp.id, test_id)
        if test is None:
            raise NotFound(f"the component has no test with the id {test_id}")
    try:
        registry.get(ait_ref)
    except InputError as exc:
        raise NotFound(str(exc)) from None
    spec = _spec_from_form(ait_ref, form, registry)
    try:
        svc.save_test(request.app.state.store, comp.id, spec, registry, test_id)
    except InputError as exc:
        return _test_form(request, comp, ait_ref, test=test, spec=spec, form=form, error=str(exc),
                          status_code=400)
    flash(request, tr(language(request))("test_saved", name=spec["name"]))
    return redirect(f"/components/{comp.id}#tests", request)


def _test_or_404(request: Request, comp: ComponentRecord, test_id: int) -> TestEntry:
    test = request.app.state.store.get_test(comp.id, test_id)
    if test is None:
        raise NotFound(f"the component has no test with the id {test_id}")
    return test  # type: ignore[no-any-return]


@router.get("/components/{component_id}/tests/{test_id}/edit")
def edit_test(request: Request, component_id: int, test_id: int,
              user: UserRecord = require("evaluator")) -> Response:
    comp = component_or_404(request, component_id)
    test = _test_or_404(request, comp, test_id)
    return _test_form(request, comp, str(test.spec["ait"]), test=test, spec=test.spec, form=None)


@router.post("/components/{component_id}/tests/{test_id}")
async def update_test(request: Request, component_id: int, test_id: int,
                      user: UserRecord = require("evaluator")) -> Response:
    return await _save(request, component_id, test_id)


@router.post("/components/{component_id}/tests/{test_id}/copy")
def copy_test(request: Request, component_id: int, test_id: int,
              user: UserRecord = require("evaluator")) -> Response:
    comp = component_or_404(request, component_id)
    copy = svc.copy_test(request.app.state.store, comp.id, _test_or_404(request, comp, test_id).id)
    flash(request, tr(language(request))("test_copied", name=copy.name))
    return redirect(f"/components/{comp.id}#tests", request)


@router.post("/components/{component_id}/tests/{test_id}/delete")
def delete_test(request: Request, component_id: int, test_id: int,
                user: UserRecord = require("evaluator")) -> Response:
    comp = component_or_404(request, component_id)
    test = _test_or_404(request, comp, test_id)
    svc.delete_test(request.app.state.store, comp.id, test.id)
    flash(request, tr(language(request))("test_deleted", name=test.name))
    return redirect(f"/components/{comp.id}#tests", request)
