"""Use cases on AITs shared by the CLI and the web app: list with origin, import and export
Qunomon packages, choose how an imported AIT runs, remove it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiqm.core.manifest import AITManifest
from aiqm.exceptions import InputError
from aiqm.plugins.manager import AITRegistry, load_registry
from aiqm.plugins.sdk import AIT
from aiqm.qunomon.export import export_package
from aiqm.qunomon.manifest import ImportedManifest
from aiqm.qunomon.runtime import ImportedAIT
from aiqm.qunomon.store import ENV_MODES, AITStore, ImportRecord

__all__ = [
    "AITInfo",
    "ImportOutcome",
    "describe_ait",
    "export_ait",
    "import_package",
    "list_aits",
    "remove_import",
    "set_import_env",
]


@dataclass(frozen=True)
class AITInfo:
    """An installed AIT with where it comes from."""

    manifest: AITManifest
    origin: str
    record: ImportRecord | None = None
    #: ``"Qunomon name → aiqm name"`` for every renamed slot, parameter and output
    renamed: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        m = self.manifest
        out: dict[str, Any] = {
            "id": m.id, "version": m.version, "ref": m.ref, "origin": self.origin,
            "characteristics": list(m.characteristics), "description": m.description,
        }
        if self.record is not None:
            out["qunomon"] = {"name": self.record.name, "version": self.record.qunomon_version,
                              "digest": self.record.digest, "source": self.record.source,
                              "env": self.record.env}
        return out


@dataclass(frozen=True)
class ImportOutcome:
    """What an import stored."""

    record: ImportRecord
    imported: ImportedManifest
    env_python: str = ""


def _info(a: AIT) -> AITInfo:
    if not isinstance(a, ImportedAIT):
        return AITInfo(a.manifest, a.origin or "plugin")
    imp = a.imported
    pairs = [(s.name, s.original) for s in imp.slots]
    for group in (imp.parameters, imp.measures, imp.resources, imp.downloads):
        pairs += [(q.name, q.original) for q in group]
    renamed = tuple(f"{o} → {n}" for n, o in pairs if n != o)
    return AITInfo(a.manifest, a.origin, a.record, renamed)


def list_aits(registry: AITRegistry) -> list[AITInfo]:
    """Every AIT of ``registry`` with its origin (``builtin``, ``plugin …``, ``qunomon …``)."""
    return [_info(a) for a in registry]


def describe_ait(registry: AITRegistry, ref: str) -> AITInfo:
    """One AIT (``id``, ``id@1`` …) with its origin and, for an imported one, its package."""
    return _info(registry.get(ref))


def import_package(
    path: str | Path, *, env: str = "venv", build: bool = True, replace: bool = False,
    store: AITStore | None = None, registry: AITRegistry | None = None,
    progress: Callable[[str], None] | None = None,
) -> ImportOutcome:
    """Import a Qunomon AIT package into the AIT store.

    Parameters
    ----------
    path : path
        A zip in Qunomon's local-install layout, its unpacked folder, or a bare
        ``repository`` folder.
    env : {"venv", "current", "docker"}, default="venv"
        Where the AIT runs: its own virtual environment, aiqm's environment (for AIT
        development), or a container of its dockerfile.
    build : bool, default=True
        Build the environment now (with ``progress``); otherwise on first use.
    replace : bool, default=False
        Replace a package imported with the same id@version and other content.
    store : AITStore, default=None
        The store (the user's when omitted).
    registry : AITRegistry, default=None
        AITs already installed, whose ids an import may not take (loaded when omitted).
    progress : callable, default=None
        Receives lines of the environment build.

    Raises
    ------
    InputError
        For a path that is not a package, an invalid manifest (each problem with its
        field), a taken id, or an environment that cannot be built (naming the package).
    """
    if env not in ENV_MODES:
        raise InputError(f"--env must be one of {', '.join(ENV_MODES)}; got {env!r}")
    store = store or AITStore()
    reg = registry or load_registry()
    taken = {a.manifest.id: a.origin or "a plugin" for a in reg if not isinstance(a, ImportedAIT)}
    record, imported = store.add(Path(path), env=env, replace=replace, taken=taken)  # type: ignore[arg-type]
    python = ""
    if build:
        ait = ImportedAIT(store, record, imported)
        ait.prepare(progress)
        if record.env != "docker":
            python = str(ait.python())
    return ImportOutcome(record, imported, python)


def set_import_env(ref: str, env: str, *, store: AITStore | None = None) -> ImportRecord:
    """Change how an imported AIT runs (``venv``, ``current`` or ``docker``)."""
    if env not in ENV_MODES:
        raise InputError(f"the environment must be one of {', '.join(ENV_MODES)}; got {env!r}")
    return (store or AITStore()).set_env(ref, env)  # type: ignore[arg-type]


def remove_import(ref: str, *, store: AITStore | None = None) -> ImportRecord:
    """Forget an imported AIT (its stored results stay)."""
    return (store or AITStore()).remove(ref)


def export_ait(
    ref: str, out: str | Path, *, plugins: Sequence[str] = (), bundle_aiqm: bool = True,
) -> Path:
    """Package an installed aiqm AIT (built-in or plugin) as a Qunomon AIT zip.

    Raises
    ------
    InputError
        For an unknown AIT, an imported Qunomon AIT (export its original package
        instead), or an output path that is a folder.
    """
    reg = load_registry(plugins)
    ait = reg.get(ref)
    if isinstance(ait, ImportedAIT):
        raise InputError(
            f"{ait.manifest.ref} is an imported Qunomon AIT; its original package is stored at "
            f"{ait.store.package(ait.record).root}"
        )
    return export_package(ait, Path(out), bundle_aiqm=bundle_aiqm)
