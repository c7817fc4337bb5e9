"""The routers of the web application: pages, admin pages and the JSON API.

Every route declares the role it needs with :func:`aiqm.web.security.require`
(pages) or :func:`aiqm.web.security.require_api` (``/api/``); the few public
routes are listed in :data:`aiqm.web.routes.auth.PUBLIC_ROUTES`.
"""

from __future__ import annotations

from aiqm.web.routes import admin, api, api_runs, auth, components, inventories, runs, tests

__all__ = ["ALL_ROUTERS"]

ALL_ROUTERS = (auth.router, components.router, inventories.router, tests.router, runs.router,
               admin.router, api.router, api_runs.router)
