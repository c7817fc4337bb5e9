"""Use case: import a project (``aiqm.yaml``, optionally with its folder) as a component.

The file is validated like ``aiqm run`` validates it (line-numbered problems).
When the project folder is given (it must lie inside an allowed data root), each
inventory's file is copied in under its digest and checked, pinned digests
included. Without the folder, inventories are created without a file; upload one
for each before running. Tests are checked against the installed AITs with the
CLI's messages. Nothing is kept if any part fails.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from aiqm.core.inventory import (
    DatasetInventory,
    DocumentInventory,
    HttpModelInventory,
    ModelInventory,
    PredictionsInventory,
)
from aiqm.core.project import PROJECT_FILE, ProjectFile, parse_project
from aiqm.data.paths import resolve_inside
from aiqm.exceptions import InputError
from aiqm.plugins.manager import AITRegistry, load_registry
from aiqm.services import component_inventories as inv_svc
from aiqm.services import components as svc
from aiqm.storage.web_records import ComponentRecord

if TYPE_CHECKING:
    from aiqm.storage.web_store import WebStore

__all__ = ["MAX_PROJECT_FILE_BYTES", "import_project"]

#: Largest ``aiqm.yaml`` accepted.
MAX_PROJECT_FILE_BYTES = 4 * 2**20


def _project_folder(folder: str, data_roots: Sequence[Path]) -> Path:
    if not data_roots:
        raise InputError("no data root is configured; start the server with --data-root DIR to "
                         "import a project folder, or upload aiqm.yaml alone")
    roots = [Path(r) for r in data_roots]
    path = resolve_inside(roots[0], folder, what="the project folder", allowed_roots=roots[1:])
    if path.is_file() and path.name == PROJECT_FILE:
        path = path.parent
    if not (path / PROJECT_FILE).is_file():
        raise InputError(f"{folder!r} holds no {PROJECT_FILE}; give the folder of the project")
    return path


def import_project(
    store: WebStore, home: Path, text: str | None, *, folder: str | None = None,
    data_roots: Sequence[Path] = (), registry_for: Callable[[tuple[str, ...]], AITRegistry] | None = None,
    allow_plugins: bool = False, allow_trust: bool = False,
) -> ComponentRecord:
    """Create a component from ``aiqm.yaml`` text and/or a project folder inside a data root.

    Parameters
    ----------
    store : WebStore
        The web store.
    home : Path
        The web application's home folder.
    text : str or None
        The project file; None reads ``aiqm.yaml`` from ``folder``.
    folder : str, default=None
        The project folder, relative to the first data root (or absolute inside one).
    data_roots : sequence of Path, default=()
        Folders a project folder may be taken from.
    registry_for : callable, default=None
        Returns the AIT registry for a tuple of plugin modules (default: ``load_registry``).
    allow_plugins, allow_trust : bool, default=False
        Whether the project may load plugins / mark models trusted (admins only).

    Raises
    ------
    InputError
        Listing what does not validate; nothing is created then.
    """
    src = _project_folder(folder, data_roots) if folder else None
    if text is None:
        if src is None:
            raise InputError("give the text of aiqm.yaml or a project folder")
        text = (src / PROJECT_FILE).read_text(encoding="utf-8")
    if len(text.encode("utf-8")) > MAX_PROJECT_FILE_BYTES:
        raise InputError(f"{PROJECT_FILE} is larger than {MAX_PROJECT_FILE_BYTES // 2**20} MB")
    project = parse_project(text, source=PROJECT_FILE)
    plugins = tuple(project.settings.plugins)
    if plugins and not allow_plugins:
        raise InputError("only an admin can import a project whose settings load plugins")
    registry = (registry_for or (lambda p: load_registry(p)))(plugins)
    spec = project.component.model_dump(mode="json", exclude_defaults=True)
    spec.update(name=project.component.name, task=project.component.task,
                guideline=project.component.model_dump(mode="json")["guideline"])
    settings = project.settings.model_dump(mode="json", exclude_defaults=True)
    comp = svc.create_component(store, spec, settings, allow_plugins=allow_plugins)
    try:
        _import_contents(store, home, comp.id, project, src, registry, allow_trust)
    except BaseException:
        svc.delete_component(store, home, comp.id)
        raise
    return comp


def _import_contents(store: WebStore, home: Path, component_id: int, project: ProjectFile,
                     src: Path | None, registry: AITRegistry, allow_trust: bool) -> None:
    problems: list[str] = []
    files = [(n, i) for n, i in project.inventories.items()
             if isinstance(i, DatasetInventory | ModelInventory | DocumentInventory)]
    for name, inv in project.inventories.items():
        if isinstance(inv, HttpModelInventory):
            problems.append(f"inventory {name!r}: a model behind an HTTP endpoint cannot be "
                            "imported into the web application; run this project with the CLI")
    for name, inv in files:
        options = inv.model_dump(mode="json", exclude_defaults=True, exclude={"kind", "path", "digest"})
        try:
            if src is not None:
                path = resolve_inside(src, inv.path, what=f"inventory {name!r}")
                inv_svc.register_file(store, home, component_id, name, inv.kind, path, options,
                                      allow_trust=allow_trust, source="import", label=inv.path,
                                      expected_digest=inv.digest)
            else:
                if (options.get("trusted") or options.get("trusted_types")) and not allow_trust:
                    raise InputError("only an admin can mark a model trusted")
                store.save_inventory(component_id, name, kind=inv.kind, spec=options, file=None,
                                     digest=None, size=None, source="none", label=inv.path)
        except InputError as exc:
            problems.append(f"inventory {name!r}: {exc}")
    for name, pred in project.inventories.items():
        if isinstance(pred, PredictionsInventory):
            try:
                inv_svc.register_predictions(store, home, component_id, name, pred.dataset,
                                             pred.column, pred.proba_columns, pred.classes,
                                             pred.description)
            except InputError as exc:
                problems.append(f"inventory {name!r}: {exc}")
    if not problems:
        for td in project.tests:
            spec = td.model_dump(mode="json", exclude_defaults=True)
            spec.update(name=td.name, characteristic=td.characteristic, ait=td.ait)
            try:
                svc.save_test(store, component_id, spec, registry)
            except InputError as exc:
                problems.append(f"test {td.name!r}: {exc}")
    if problems:
        if len(problems) == 1:
            raise InputError(f"cannot import the project: {problems[0]}")
        raise InputError(f"cannot import the project ({len(problems)} problems):\n"
                         + "\n".join(f"  - {p}" for p in problems))
