"""Hook specifications for aiqm plugins.

A plugin is a module (or object) registered under the ``aiqm.ait`` entry-point
group. It implements any of the hooks below with ``@aiqm.plugins.hookimpl``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from aiqm.plugins.sdk import AIT

PROJECT_NAME = "aiqm"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def aiqm_register_aits() -> list[AIT]:
    """Return the AITs this plugin provides.

    Each item is an :class:`aiqm.plugins.sdk.AIT` (what the ``@ait`` decorator
    makes). Called once when the plugin manager is built; the manifests are
    validated then.
    """
    raise NotImplementedError
