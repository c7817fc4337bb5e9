"""The plugin manager and the AIT registry built from it."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from importlib.metadata import entry_points as _eps
from typing import Any

import pluggy

from aiqm.core.manifest import AITManifest, parse_ait_ref, version_matches
from aiqm.exceptions import ManifestError, UnknownAITError
from aiqm.plugins import hookspecs
from aiqm.plugins.sdk import AIT

__all__ = ["ENTRY_POINT_GROUP", "AITRegistry", "build_plugin_manager", "load_registry"]

ENTRY_POINT_GROUP = "aiqm.ait"


def build_plugin_manager(
    extra_plugins: Sequence[str | Any] = (), *, entry_points: bool = True
) -> pluggy.PluginManager:
    """Build a fresh plugin manager.

    Parameters
    ----------
    extra_plugins : sequence of str or module, default=()
        Extra plugins: importable module paths (``"mypkg.aits"``) or objects.
    entry_points : bool, default=True
        Load the ``aiqm.ait`` entry-point group (built-in AITs register there too).
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    errors: list[tuple[str, str]] = []
    if entry_points:
        for ep in _eps(group=ENTRY_POINT_GROUP):
            if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
                continue
            try:
                pm.register(ep.load(), name=ep.name)
            except Exception as exc:  # a broken plugin must not take the others down
                errors.append((ep.name, f"{type(exc).__name__}: {exc}"))
    pm.aiqm_load_errors = errors  # type: ignore[attr-defined]
    for plugin in extra_plugins:
        if isinstance(plugin, str):
            try:
                mod = importlib.import_module(plugin)
            except ImportError as exc:
                raise UnknownAITError(
                    f"cannot import plugin module {plugin!r}: {exc}. Check the name under "
                    "'settings.plugins' or the -p option, and that the package is installed."
                ) from None
            if pm.is_registered(mod):
                continue
            pm.register(mod, name=plugin)
        elif not pm.is_registered(plugin):
            pm.register(plugin)
    return pm


class AITRegistry:
    """All AITs the registered plugins provide, looked up by reference."""

    def __init__(self, aits: Iterable[AIT], errors: Sequence[tuple[str, str]] = ()) -> None:
        #: (plugin name, error) for plugins that failed to load or register
        self.errors = list(errors)
        self._by_id: dict[str, list[AIT]] = {}
        for a in aits:
            if not isinstance(a, AIT):
                raise ManifestError(
                    f"a plugin returned {a!r} from aiqm_register_aits; return objects made with "
                    "the @ait decorator"
                )
            versions = self._by_id.setdefault(a.manifest.id, [])
            if any(v.manifest.version == a.manifest.version for v in versions):
                continue
            versions.append(a)
        for versions in self._by_id.values():
            versions.sort(key=lambda a: tuple(int(x) for x in a.manifest.version.split(".")))

    def __iter__(self):  # type: ignore[no-untyped-def]
        for ait_id in sorted(self._by_id):
            yield from self._by_id[ait_id]

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_id.values())

    @property
    def manifests(self) -> list[AITManifest]:
        return [a.manifest for a in self]

    def get(self, ref: str) -> AIT:
        """Resolve ``id``, ``id@1``, ``id@1.2`` or ``id@1.2.3`` to the newest matching AIT.

        Raises
        ------
        UnknownAITError
            Naming the installed AITs (or versions) when nothing matches.
        """
        try:
            ait_id, spec = parse_ait_ref(ref)
        except ValueError as exc:
            raise UnknownAITError(str(exc)) from None
        versions = self._by_id.get(ait_id)
        if not versions:
            installed = ", ".join(sorted(self._by_id)) or "none"
            broken = "".join(f"; plugin {n!r} failed to load ({e})" for n, e in self.errors)
            raise UnknownAITError(
                f"no AIT {ait_id!r} is installed (installed: {installed}); check the 'ait' field "
                "or install the package that provides it (`aiqm ait list` shows what is installed)"
                + broken
            )
        matching = [a for a in versions if version_matches(a.manifest.version, spec)]
        if not matching:
            have = ", ".join(a.manifest.version for a in versions)
            raise UnknownAITError(
                f"AIT {ait_id!r} has no version matching {spec!r} (installed versions: {have})"
            )
        return matching[-1]


def load_registry(
    extra_plugins: Sequence[str | Any] = (), *, entry_points: bool = True
) -> AITRegistry:
    """Build a plugin manager and collect every AIT its plugins register."""
    pm = build_plugin_manager(extra_plugins, entry_points=entry_points)
    errors: list[tuple[str, str]] = list(getattr(pm, "aiqm_load_errors", []))
    aits: list[AIT] = []
    for impl in pm.hook.aiqm_register_aits.get_hookimpls():
        try:
            batch = impl.function()
        except Exception as exc:  # report the plugin, keep the others
            errors.append((impl.plugin_name, f"{type(exc).__name__}: {exc}"))
            continue
        for a in batch or []:  # type: ignore[attr-defined]
            if isinstance(a, AIT) and not a.origin:
                builtin = impl.plugin_name in ("builtin", "aiqm.plugins.builtin")
                a.origin = "builtin" if builtin else f"plugin {impl.plugin_name}"
            aits.append(a)
    return AITRegistry(aits, errors)
