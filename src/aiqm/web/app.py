"""The FastAPI application: middleware, error pages, routers and the run manager's lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from aiqm.core.guideline import available_guidelines, load_guideline
from aiqm.exceptions import AIQMError, InputError
from aiqm.plugins.manager import load_registry
from aiqm.services.component_inventories import UploadTooLarge
from aiqm.services.store import open_web_store
from aiqm.services.web_runs import RunManager
from aiqm.web.config import WebConfig, load_secret_key
from aiqm.web.routes import ALL_ROUTERS
from aiqm.web.routes._common import NotFound, effective_settings
from aiqm.web.security import (
    BodyLimitMiddleware,
    Forbidden,
    NotSignedIn,
    SecurityHeadersMiddleware,
    SessionMiddleware,
    check_csrf,
)
from aiqm.web.ui import render

__all__ = ["create_app"]


def create_app(config: WebConfig, *, run_manager: RunManager | None = None) -> FastAPI:
    """Build the web application.

    Parameters
    ----------
    config : WebConfig
        Home folder, database, data roots and limits.
    run_manager : RunManager, default=None
        Tests pass their own; by default one is made on the same store.

    Returns
    -------
    FastAPI
        The ASGI application (serve it with ``aiqm serve`` or any ASGI server).
    """
    config.prepare()
    secret = load_secret_key(config.home)
    store = open_web_store(config.database_url)
    manager = run_manager or RunManager(store, config.home, max_active=config.max_active_runs)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        manager.max_active = effective_settings(app)["max_active_runs"]
        manager.startup()
        _warm_up(app)
        try:
            yield
        finally:
            manager.shutdown()

    app = FastAPI(
        title="aiqm", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan,
        dependencies=[Depends(check_csrf)],
    )
    app.state.config = config
    app.state.store = store
    app.state.runs = manager
    app.state.registries = {}

    app.add_middleware(BodyLimitMiddleware,
                       limit=lambda: effective_settings(app)["max_upload_mb"] * 2**20)
    app.add_middleware(SessionMiddleware, secret=secret,
                       max_age_s=int(config.session_hours * 3600), secure=config.secure_cookies)
    app.add_middleware(SecurityHeadersMiddleware)

    static = resources.files("aiqm.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    for router in ALL_ROUTERS:
        app.include_router(router)
    _install_error_handlers(app)
    return app


def _warm_up(app: FastAPI) -> None:
    """Load the packaged guidelines and the AIT registry once, before the first request needs them."""
    for ref in available_guidelines():
        try:
            load_guideline(ref)
        except InputError:
            continue  # shown to whoever picks it
    app.state.registries[()] = load_registry()


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if exc.api or _wants_json(request):
            return JSONResponse({"error": "authentication required: send 'Authorization: Bearer "
                                          "<token>' (create a token on your account page)"},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = "/login"
        if request.method == "GET" and not request.headers.get("hx-request"):
            target += "?next=" + quote(request.url.path, safe="/")
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        if exc.api or _wants_json(request):
            msg = ("the CSRF token is missing or wrong; reload the page and try again" if exc.message
                   else f"your role does not allow this; it needs the {exc.needed} role")
            return JSONResponse({"error": msg}, status_code=403)
        key = "csrf_failed" if exc.message == "csrf" else "forbidden"
        return render(request, "error.html", {"error_key": key, "needed": exc.needed, "detail": ""},
                      status_code=403)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": str(exc)}, status_code=404)
        return render(request, "error.html", {"error_key": "not_found", "needed": "",
                                              "detail": str(exc)}, status_code=404)

    @app.exception_handler(UploadTooLarge)
    async def too_large(request: Request, exc: UploadTooLarge) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": str(exc)}, status_code=413)
        return render(request, "error.html", {"error_key": "too_large", "needed": "",
                                              "detail": str(exc)}, status_code=413)

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": str(exc)}, status_code=400)
        return render(request, "error.html", {"error_key": "bad_input", "needed": "",
                                              "detail": str(exc)}, status_code=400)

    @app.exception_handler(AIQMError)
    async def aiqm_error(request: Request, exc: AIQMError) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": str(exc)}, status_code=500)
        return render(request, "error.html", {"error_key": "server_error", "needed": "",
                                              "detail": str(exc)}, status_code=500)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors())
        if _wants_json(request):
            return JSONResponse({"error": problems}, status_code=422)
        return render(request, "error.html", {"error_key": "bad_input", "needed": "",
                                              "detail": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request) or exc.status_code not in (404, 405):
            return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        return render(request, "error.html", {"error_key": "not_found", "needed": "",
                                              "detail": str(exc.detail)}, status_code=exc.status_code)
