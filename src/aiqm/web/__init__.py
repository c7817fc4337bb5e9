"""The aiqm web application for teams (optional extra: ``pip install 'aiqm[web]'``).

``aiqm serve`` starts it; :func:`create_app` builds the ASGI application for any
ASGI server. It calls the same services as the CLI (:mod:`aiqm.services`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiqm.exceptions import InputError
from aiqm.web.config import DEFAULT_HOST, DEFAULT_PORT, WebConfig

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "WebConfig", "create_app"]


def create_app(config: WebConfig, **kwargs: Any) -> FastAPI:
    """Build the web application (see :func:`aiqm.web.app.create_app`)."""
    try:
        from aiqm.web.app import create_app as _create  # lazy: needs the optional 'web' extra
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError(
            f"the web application needs its extra dependencies ({exc.name} is missing): "
            "pip install 'aiqm[web]'"
        ) from None
    return _create(config, **kwargs)
