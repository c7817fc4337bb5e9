"""JSON API (``/api/``): the pages' use cases for scripts, with per-user bearer tokens.

Errors are ``{"error": "<message>"}`` with 400 (bad input, same messages as the
CLI), 401 (no or bad token), 403 (role), 404 (no such object) or 413 (too large).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from aiqm.exceptions import InputError
from aiqm.services import components as svc
from aiqm.services import users as user_service
from aiqm.services.component_inventories import InventoryEntry, inventory_usage
from aiqm.services.components import ComponentRecord, TestEntry
from aiqm.services.project_import import import_project as do_import
from aiqm.services.users import UserRecord
from aiqm.web.routes._common import NotFound, component_or_404, registry_for
from aiqm.web.security import require_api

router = APIRouter(prefix="/api")


def user_json(u: UserRecord) -> dict[str, Any]:
    return {"id": u.id, "username": u.username, "role": u.role, "active": u.active,
            "created_at": u.created_at.isoformat(),
            "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None}


def component_json(c: ComponentRecord) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "component": c.spec, "settings": c.settings,
            "created_at": c.created_at.isoformat(), "updated_at": c.updated_at.isoformat()}


def inventory_json(i: InventoryEntry, used_by: list[str] | None = None) -> dict[str, Any]:
    return {"id": i.id, "name": i.name, "kind": i.kind, "spec": i.spec, "file": i.file,
            "digest": i.digest, "size": i.size, "source": i.source, "label": i.label,
            "format": i.format, "used_by": used_by or []}


def test_json(t: TestEntry) -> dict[str, Any]:
    return {"id": t.id, "position": t.position, "name": t.name, "spec": t.spec}


def _body(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InputError("the request body must be a JSON object")
    return data


@router.get("/me")
def me(request: Request, user: UserRecord = require_api("viewer")) -> dict[str, Any]:
    return user_json(user)


@router.get("/aits")
def aits(request: Request, user: UserRecord = require_api("viewer")) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json") for m in registry_for(request).manifests]


@router.get("/aits/{ref}")
def ait(request: Request, ref: str, user: UserRecord = require_api("viewer")) -> dict[str, Any]:
    try:
        return registry_for(request).get(ref).manifest.model_dump(mode="json")  # type: ignore[no-any-return]
    except InputError as exc:
        raise NotFound(str(exc)) from None


@router.get("/components")
def list_components(request: Request, user: UserRecord = require_api("viewer")) -> list[dict[str, Any]]:
    return [component_json(c) for c in request.app.state.store.list_components()]


@router.post("/components", status_code=201)
def create_component(request: Request, data: Any = Body(None),
                     user: UserRecord = require_api("evaluator")) -> dict[str, Any]:
    body = _body(data)
    comp = svc.create_component(request.app.state.store, _body(body.get("component")),
                                body.get("settings") or {}, allow_plugins=user.can("admin"))
    return component_json(comp)


@router.get("/components/{component_id}")
def get_component(request: Request, component_id: int,
                  user: UserRecord = require_api("viewer")) -> dict[str, Any]:
    comp = component_or_404(request, component_id)
    store = request.app.state.store
    usage = inventory_usage(store, comp.id)
    return component_json(comp) | {
        "inventories": [inventory_json(i, usage.get(i.name)) for i in store.list_inventories(comp.id)],
        "tests": [test_json(t) for t in store.list_tests(comp.id)],
    }


@router.put("/components/{component_id}")
def update_component(request: Request, component_id: int, data: Any = Body(None),
                     user: UserRecord = require_api("evaluator")) -> dict[str, Any]:
    comp = component_or_404(request, component_id)
    body = _body(data)
    store = request.app.state.store
    if "component" in body:
        comp = svc.update_component(store, comp.id, _body(body["component"]))
    if "settings" in body:
        comp = svc.update_settings(store, comp.id, _body(body["settings"]), allow_plugins=user.can("admin"))
    return component_json(comp)


@router.delete("/components/{component_id}", status_code=204)
def delete_component(request: Request, component_id: int,
                     user: UserRecord = require_api("evaluator")) -> Response:
    comp = component_or_404(request, component_id)
    svc.delete_component(request.app.state.store, request.app.state.config.home, comp.id)
    request.app.state.runs.forget_component(comp.id)
    return Response(status_code=204)


@router.get("/components/{component_id}/yaml")
def export_component(request: Request, component_id: int,
                     user: UserRecord = require_api("viewer")) -> Response:
    comp = component_or_404(request, component_id)
    return Response(svc.export_yaml(request.app.state.store, comp.id),
                    media_type="application/yaml; charset=utf-8")


@router.post("/import", status_code=201)
def import_project(request: Request, data: Any = Body(None),
                   user: UserRecord = require_api("evaluator")) -> dict[str, Any]:
    body = _body(data)
    config = request.app.state.config
    comp = do_import(request.app.state.store, config.home, body.get("yaml"),
                     folder=body.get("folder"), data_roots=config.data_roots,
                     registry_for=lambda plugins: registry_for(request, plugins),
                     allow_plugins=user.can("admin"), allow_trust=user.can("admin"))
    return component_json(comp)


# -- tests ---------------------------------------------------------------------------------


@router.get("/components/{component_id}/tests")
def list_tests(request: Request, component_id: int,
               user: UserRecord = require_api("viewer")) -> list[dict[str, Any]]:
    comp = component_or_404(request, component_id)
    return [test_json(t) for t in request.app.state.store.list_tests(comp.id)]


def _save_test(request: Request, component_id: int, data: Any, test_id: int | None) -> dict[str, Any]:
    comp = component_or_404(request, component_id)
    registry = registry_for(request, comp.settings.get("plugins", ()))
    if test_id is not None and request.app.state.store.get_test(comp.id, test_id) is None:
        raise NotFound(f"the component has no test with the id {test_id}")
    return test_json(svc.save_test(request.app.state.store, comp.id, _body(data), registry, test_id))


@router.post("/components/{component_id}/tests", status_code=201)
def create_test(request: Request, component_id: int, data: Any = Body(None),
                user: UserRecord = require_api("evaluator")) -> dict[str, Any]:
    return _save_test(request, component_id, data, None)


@router.put("/components/{component_id}/tests/{test_id}")
def update_test(request: Request, component_id: int, test_id: int, data: Any = Body(None),
                user: UserRecord = require_api("evaluator")) -> dict[str, Any]:
    return _save_test(request, component_id, data, test_id)


@router.post("/components/{component_id}/tests/{test_id}/copy", status_code=201)
def copy_test(request: Request, component_id: int, test_id: int,
              user: UserRecord = require_api("evaluator")) -> dict[str, Any]:
    comp = component_or_404(request, component_id)
    if request.app.state.store.get_test(comp.id, test_id) is None:
        raise NotFound(f"the component has no test with the id {test_id}")
    return test_json(svc.copy_test(request.app.state.store, comp.id, test_id))


@router.delete("/components/{component_id}/tests/{test_id}", status_code=204)
def delete_test(request: Request, component_id: int, test_id: int,
                user: UserRecord = require_api("evaluator")) -> Response:
    comp = component_or_404(request, component_id)
    if request.app.state.store.get_test(comp.id, test_id) is None:
        raise NotFound(f"the component has no test with the id {test_id}")
    svc.delete_test(request.app.state.store, comp.id, test_id)
    return Response(status_code=204)


# -- users (admin) -------------------------------------------------------------------------


@router.get("/users")
def list_users(request: Request, user: UserRecord = require_api("admin")) -> list[dict[str, Any]]:
    return [user_json(u) for u in request.app.state.store.list_users()]


@router.post("/users", status_code=201)
def create_user(request: Request, data: Any = Body(None),
                user: UserRecord = require_api("admin")) -> dict[str, Any]:
    body = _body(data)
    created = user_service.create_user(request.app.state.store, str(body.get("username", "")),
                                       str(body.get("password", "")), str(body.get("role", "viewer")))
    return user_json(created)


@router.patch("/users/{user_id}")
def update_user(request: Request, user_id: int, data: Any = Body(None),
                user: UserRecord = require_api("admin")) -> dict[str, Any]:
    body = _body(data)
    store = request.app.state.store
    if store.get_user(user_id) is None:
        raise NotFound(f"no user has the id {user_id}")
    if "role" in body:
        user_service.set_role(store, user_id, str(body["role"]))
    if "active" in body:
        if not isinstance(body["active"], bool):
            raise InputError(f"'active' must be true or false. Got {body['active']!r} instead.")
        user_service.set_active(store, user_id, body["active"])
    if "password" in body:
        user_service.change_password(store, user_id, str(body["password"]))
    updated = store.get_user(user_id)
    return user_json(updated)
