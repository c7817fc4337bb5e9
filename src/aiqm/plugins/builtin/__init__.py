"""aiqm's built-in AITs, registered like any third-party plugin.

This module is listed under the ``aiqm.ait`` entry-point group as ``builtin``;
the plugin manager loads it and calls :func:`aiqm_register_aits`. The AIT
modules are imported inside the hook, so importing this package has no side
effects beyond the definitions here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiqm.plugins.hookspecs import hookimpl

if TYPE_CHECKING:
    from aiqm.plugins.sdk import AIT

__all__ = ["aiqm_register_aits"]


@hookimpl
def aiqm_register_aits() -> list[AIT]:
    """Return the built-in AITs.

    Returns
    -------
    list of AIT
        ``classification_performance`` and ``data_completeness``.
    """
    from aiqm.plugins.builtin.classification_performance import classification_performance
    from aiqm.plugins.builtin.data_completeness import data_completeness

    return [classification_performance, data_completeness]
