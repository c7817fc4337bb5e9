"""Use cases shared by the CLI, the web app and the Python API.

One module per use case (``runs``, ``reports``, ``compare``, ``evidence``,
``coverage``, ``guidelines``, ``levels``, ``demo``, ``projects``, ``store``, and the
web application's ``components``, ``component_inventories``, ``project_import``,
``users``, ``web_runs``); import the one you need. This package imports none of
them, so each command loads only its own use case. The public Python API
(:mod:`aiqm`) re-exports the main entry points.
"""

from __future__ import annotations

__all__: list[str] = []
