"""Helpers shared by the route modules."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from aiqm.exceptions import InputError
from aiqm.plugins.manager import AITRegistry, load_registry
from aiqm.services.components import ComponentRecord
from aiqm.services.web_runs import WebRunRecord
from aiqm.web.config import WebConfig

__all__ = [
    "RUN_ID",
    "NotFound",
    "component_or_404",
    "effective_settings",
    "form_dict",
    "redirect",
    "registry_for",
    "safe_next",
    "web_run_or_404",
]

#: Pattern of a web run id in paths.
RUN_ID = r"^[0-9a-f]{12}$"


class NotFound(InputError):
    """Raised for an id that names nothing (rendered as 404)."""


def redirect(url: str, request: Request | None = None) -> Response:
    """See-other redirect; for an HTMX request, ``HX-Redirect`` so the whole page changes."""
    if request is not None and request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    """A local path to go to after sign-in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def component_or_404(request: Request, component_id: int) -> ComponentRecord:
    comp = request.app.state.store.get_component(component_id)
    if comp is None:
        raise NotFound(f"no component has the id {component_id}")
    return comp  # type: ignore[no-any-return]


def web_run_or_404(request: Request, web_run_id: str) -> WebRunRecord:
    w = request.app.state.store.get_web_run(web_run_id)
    if w is None:
        raise NotFound(f"no run has the id {web_run_id!r}")
    return w  # type: ignore[no-any-return]


def registry_for(request: Request, plugins: tuple[str, ...] | list[str] = ()) -> AITRegistry:
    """The AIT registry with a component's extra plugins (cached per plugin list)."""
    cache: dict[tuple[str, ...], AITRegistry] = request.app.state.registries
    key = tuple(plugins)
    if key not in cache:
        cache[key] = load_registry(key)
    return cache[key]


def effective_settings(app: FastAPI) -> dict[str, Any]:
    """Upload limit and concurrent runs: the admin's settings over the server's configuration."""
    config: WebConfig = app.state.config
    stored = app.state.store.settings()
    return {
        "max_upload_mb": int(stored.get("max_upload_mb", config.max_upload_mb)),
        "max_active_runs": int(stored.get("max_active_runs", config.max_active_runs)),
    }


async def form_dict(request: Request) -> dict[str, Any]:
    """The submitted form: single values as str, repeated fields as lists."""
    form = await request.form()
    out: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out
