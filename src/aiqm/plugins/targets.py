"""Find AITs from what a user types: an installed id, a module path, a file or a package folder.

Used by ``aiqm ait check`` and ``aiqm ait package``:

- ``data_drift`` or ``data_drift@1`` — an installed AIT (built-in, plugin or imported);
- ``mypkg.aits:my_ait`` — an attribute of a module (an AIT, a list of them, or a
  function returning them); ``mypkg.aits`` — every AIT its ``aiqm_register_aits``
  returns (or, without one, every AIT defined at its top level);
- ``path/to/my_ait.py`` — a file, imported under a private name;
- ``path/to/package`` — a folder with a ``pyproject.toml`` whose
  ``[project.entry-points."aiqm.ait"]`` names the modules (imported from its
  ``src/`` folder or the folder itself, installed or not).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from aiqm.exceptions import InputError, UnknownAITError
from aiqm.plugins.manager import ENTRY_POINT_GROUP, load_registry
from aiqm.plugins.sdk import AIT

__all__ = ["AITTarget", "load_target", "package_entry_points"]

TargetKind = Literal["installed", "module", "file", "folder"]


@dataclass(frozen=True)
class AITTarget:
    """The AITs a target names, and where they come from."""

    text: str
    kind: TargetKind
    aits: tuple[AIT, ...]
    #: the package folder (``folder`` targets)
    folder: Path | None = None
    #: the modules imported to find them
    modules: tuple[str, ...] = field(default=())


def package_entry_points(folder: Path) -> dict[str, str]:
    """The ``aiqm.ait`` entry points (name → module) of a package folder's ``pyproject.toml``.

    Raises
    ------
    InputError
        When the folder has no readable ``pyproject.toml`` or it declares no such entry point.
    """
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        raise InputError(f"{folder} has no pyproject.toml; give a package folder made with "
                         "`aiqm ait new`, an installed AIT id, a module path or a .py file")
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{pyproject} is not valid TOML: {exc}") from None
    eps = data.get("project", {}).get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
    if not isinstance(eps, dict) or not eps:
        raise InputError(
            f"{pyproject} declares no AIT: add a [project.entry-points.\"{ENTRY_POINT_GROUP}\"] "
            "table naming the module that registers it, e.g. my_ait = \"my_package.ait\""
        )
    return {str(k): str(v) for k, v in eps.items()}


def _import(name: str, where: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise InputError(f"cannot import {name!r} ({where}): {exc}") from None
    except Exception as exc:
        raise InputError(f"importing {name!r} ({where}) failed: {type(exc).__name__}: {exc}") from None


def _aits_of(obj: Any, where: str) -> list[AIT]:
    """AITs from a module (its hook, else its top-level AITs), an AIT, a list or a function."""
    if isinstance(obj, AIT):
        return [obj]
    if isinstance(obj, ModuleType):
        hook = getattr(obj, "aiqm_register_aits", None)
        if callable(hook):
            return _aits_of(hook(), where)
        return [v for v in vars(obj).values() if isinstance(v, AIT)]
    if callable(obj):
        return _aits_of(obj(), where)
    if isinstance(obj, list | tuple):
        bad = [x for x in obj if not isinstance(x, AIT)]
        if bad:
            raise InputError(f"{where} returned {bad[0]!r}, which is not an AIT made with @ait")
        return list(obj)
    raise InputError(f"{where} is {obj!r}, not an AIT, a list of AITs or a function returning them")


def _origin(aits: list[AIT], origin: str) -> tuple[AIT, ...]:
    for a in aits:
        if not a.origin:
            a.origin = origin
    return tuple(aits)


def _from_folder(text: str, folder: Path) -> AITTarget:
    eps = package_entry_points(folder)
    root = folder / "src" if (folder / "src").is_dir() else folder
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    found: list[AIT] = []
    modules = []
    for ep_name, value in eps.items():
        module_name, _, attr = value.partition(":")
        mod = _import(module_name.strip(), f"entry point {ep_name!r} of {folder.name}")
        modules.append(mod.__name__)
        obj = getattr(mod, attr.strip()) if attr else mod
        found += _origin(_aits_of(obj, module_name), f"plugin {ep_name}")
    return AITTarget(text, "folder", tuple(found), folder, tuple(modules))


def _from_file(text: str, path: Path) -> AITTarget:
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"_aiqm_target_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"cannot import {path}: not a Python file")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except Exception as exc:
        del sys.modules[name]
        raise InputError(f"importing {path} failed: {type(exc).__name__}: {exc}") from None
    return AITTarget(text, "file", _origin(_aits_of(mod, str(path)), f"file {path}"), None, (name,))


def load_target(target: str, *, plugins: Sequence[str] = ()) -> AITTarget:
    """Resolve ``target`` to the AITs it names.

    Parameters
    ----------
    target : str
        An installed AIT id (``id`` or ``id@version``), ``module:attribute``, a module
        path, a ``.py`` file or a package folder (see the module docstring).
    plugins : sequence of str, default=()
        Extra plugin modules for looking up installed ids.

    Raises
    ------
    InputError
        For a target that names nothing (the message lists what was tried), a module or
        file that fails to import, or one that defines no AIT.
    """
    path = Path(target)
    if path.is_dir():
        out = _from_folder(target, path.resolve())
    elif path.suffix == ".py":
        if not path.is_file():
            raise InputError(f"no file {target!r}; give an existing .py file")
        out = _from_file(target, path)
    elif ":" in target:
        module_name, _, attr = target.partition(":")
        mod = _import(module_name, "module path")
        if not hasattr(mod, attr):
            raise InputError(f"module {module_name!r} has no attribute {attr!r}")
        found = _aits_of(getattr(mod, attr), target)
        out = AITTarget(target, "module", _origin(found, f"plugin {module_name}"), None,
                        (module_name,))
    elif "." in target and "@" not in target:
        mod = _import(target, "module path")
        out = AITTarget(target, "module", _origin(_aits_of(mod, target), f"plugin {target}"),
                        None, (target,))
    else:
        try:
            ait = load_registry(plugins).get(target)
        except UnknownAITError as exc:
            raise UnknownAITError(
                f"{exc}. A target may also be a package folder, a .py file or module:attribute"
            ) from None
        out = AITTarget(target, "installed", (ait,))
    if not out.aits:
        raise InputError(f"{target} defines no AIT: decorate a function with @ait and return it "
                         "from aiqm_register_aits()")
    return out
