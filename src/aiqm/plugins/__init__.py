"""Plugins: hook specifications, the plugin manager and the AIT SDK."""

from __future__ import annotations

from aiqm.plugins.hookspecs import hookimpl, hookspec
from aiqm.plugins.manager import ENTRY_POINT_GROUP, AITRegistry, build_plugin_manager, load_registry
from aiqm.plugins.sdk import AIT, Context, ait

__all__ = [
    "AIT",
    "ENTRY_POINT_GROUP",
    "AITRegistry",
    "Context",
    "ait",
    "build_plugin_manager",
    "hookimpl",
    "hookspec",
    "load_registry",
]
