"""Use cases: ML components kept in the database, their tests, and ``aiqm.yaml`` in and out.

A component is the database form of a project file. The web application edits
it here; :func:`materialise` writes it out as ``<home>/components/<id>/aiqm.yaml``
beside its stored inventory files, so a run takes exactly the CLI's path
(:func:`aiqm.services.runs.run_project` on that folder), and :func:`export_yaml`
gives the same file to download. Inventories are in
:mod:`aiqm.services.component_inventories`.

Every check raises :class:`aiqm.exceptions.InputError` with the same wording as
the CLI: parameters are checked by :meth:`AITManifest.validate_parameters`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from aiqm.core.guideline import Guideline, load_guideline
from aiqm.core.project import PROJECT_FILE, Component, ProjectFile, Settings, parse_project
from aiqm.core.testdesc import TestDescription
from aiqm.engine.task import atomic_write_text
from aiqm.exceptions import InputError
from aiqm.storage.web_records import RUN_ACTIVE, ComponentRecord, TestEntry

if TYPE_CHECKING:
    from aiqm.plugins.manager import AITRegistry
    from aiqm.storage.web_store import WebStore

__all__ = [
    "ComponentRecord",
    "TestEntry",
    "component_dir",
    "copy_test",
    "create_component",
    "delete_component",
    "delete_test",
    "export_yaml",
    "get_component",
    "guidelines_of",
    "materialise",
    "project_data",
    "save_test",
    "update_component",
    "update_settings",
    "validation_problems",
]

# which inventory kinds can fill an AIT slot of each kind (as the planner does)
SLOT_FILLS = {"dataset": ("dataset",), "model": ("model", "predictions"), "document": ("document",)}


def component_dir(home: Path, component_id: int) -> Path:
    """The project folder of a component: ``<home>/components/<id>``."""
    return Path(home) / "components" / str(int(component_id))


def validation_problems(exc: ValidationError, prefix: str = "") -> list[str]:
    """One readable line per pydantic error: ``field: message (got value)``."""
    out = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith(("tuple[", "function-")))
        msg = str(e["msg"]).removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown field; remove it or check its spelling"
        got = e.get("input")
        shown = "" if e["type"] == "missing" or isinstance(got, dict | list) else f" (got {got!r})"
        out.append(f"{prefix}{loc or '(top level)'}: {msg}{shown}")
    return out


def _invalid(what: str, exc: ValidationError, prefix: str = "") -> InputError:
    problems = validation_problems(exc, prefix)
    return InputError(f"{what}: " + "; ".join(problems))


def get_component(store: WebStore, component_id: int) -> ComponentRecord:
    """The component, or :class:`InputError` naming the id."""
    comp = store.get_component(component_id)
    if comp is None:
        raise InputError(f"no component has the id {component_id}")
    return comp


def guidelines_of(spec: dict[str, Any]) -> list[Guideline]:
    """The guidelines a component spec names (loaded)."""
    refs = spec.get("guideline", "aist-mlqm@3")
    return [load_guideline(r) for r in ([refs] if isinstance(refs, str) else refs)]


def _component_spec(data: dict[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in data.items() if v not in (None, "")}
    levels = {k: str(v) for k, v in (clean.get("levels") or {}).items() if str(v).strip()}
    clean["levels"] = levels
    guideline = clean.get("guideline")
    if isinstance(guideline, list | tuple):
        clean["guideline"] = guideline[0] if len(guideline) == 1 else list(guideline)
    try:
        comp = Component.model_validate(clean)
    except ValidationError as exc:
        raise _invalid("the component does not validate", exc) from None
    guidelines = guidelines_of(comp.model_dump())
    for key, label in comp.levels.items():
        char = next((c for g in guidelines for c in g.characteristics if c.id == key), None)
        if char is None or char.kind != "external":
            known = sorted({c.id for g in guidelines for c in g.characteristics if c.kind == "external"})
            raise InputError(f"levels: {key!r} is not an external characteristic of the guideline; "
                             f"use one of {', '.join(known)}")
        labels = [lv.label for lv in char.levels]
        if label not in labels:
            raise InputError(f"levels: {label!r} is not a level of {key}; use one of {', '.join(labels)}")
    return comp.model_dump(mode="json", exclude_defaults=True) | {
        "name": comp.name, "task": comp.task, "guideline": comp.model_dump(mode="json")["guideline"],
    }


def _settings(data: dict[str, Any], *, allow_plugins: bool, current: dict[str, Any] | None = None) -> dict[str, Any]:
    try:
        s = Settings.model_validate(data)
    except ValidationError as exc:
        raise _invalid("the settings do not validate", exc, "settings.") from None
    before = tuple((current or {}).get("plugins", ()))
    if s.plugins and tuple(s.plugins) != before and not allow_plugins:
        raise InputError("only an admin can set 'plugins' (they import Python modules on the server)")
    return s.model_dump(mode="json", exclude_defaults=True)


def create_component(
    store: WebStore, spec: dict[str, Any], settings: dict[str, Any] | None = None,
    *, allow_plugins: bool = False,
) -> ComponentRecord:
    """Create a component from its ``component`` mapping (name, task, guideline, levels …).

    Raises
    ------
    InputError
        When a field does not validate, a level is not in the guideline, or the name is taken.
    """
    clean = _component_spec(spec)
    return store.create_component(clean["name"], clean, _settings(settings or {}, allow_plugins=allow_plugins))


def update_component(store: WebStore, component_id: int, spec: dict[str, Any]) -> ComponentRecord:
    """Replace a component's ``component`` mapping."""
    get_component(store, component_id)
    return store.update_component(component_id, spec=_component_spec(spec))


def update_settings(
    store: WebStore, component_id: int, settings: dict[str, Any], *, allow_plugins: bool = False,
) -> ComponentRecord:
    """Replace a component's run settings (executor, timeout, memory limit …)."""
    comp = get_component(store, component_id)
    clean = _settings(settings, allow_plugins=allow_plugins, current=comp.settings)
    return store.update_component(component_id, settings=clean)


def delete_component(store: WebStore, home: Path, component_id: int) -> None:
    """Delete a component, its folder and stored runs; refused while one of its runs is in flight."""
    get_component(store, component_id)

    if store.list_web_runs(component_id, statuses=RUN_ACTIVE, limit=1):
        raise InputError("a run of this component is in progress; cancel it first")
    store.delete_component(component_id)
    shutil.rmtree(component_dir(home, component_id), ignore_errors=True)


# -- tests ---------------------------------------------------------------------------------


def _check_test(store: WebStore, comp: ComponentRecord, td: TestDescription, registry: AITRegistry) -> dict[str, Any]:
    """Check a TD like the planner does (except for file contents); return its clean mapping."""
    ait = registry.get(td.ait)
    m = ait.manifest
    chars = {c for g in guidelines_of(comp.spec) for c in g.characteristic_ids}
    if td.characteristic not in chars:
        raise InputError(f"characteristic {td.characteristic!r} is not in the component's guideline(s); "
                         f"use one of {', '.join(sorted(chars))}")
    checked = m.validate_parameters(dict(td.parameters))
    params = {k: checked[k] for k in td.parameters}
    inventories = {i.name: i for i in store.list_inventories(comp.id)}
    slots = {s.name: s for s in m.inventories}
    unknown = sorted(set(td.inventories) - set(slots))
    if unknown:
        raise InputError(f"AIT {m.id!r} has no inventory slot {unknown[0]!r}; its slots are: "
                         f"{', '.join(slots) or 'none'}")
    for slot in m.inventories:
        inv_name = td.inventories.get(slot.name)
        if inv_name is None:
            if slot.required:
                raise InputError(f"AIT {m.id!r} needs a {slot.kind} for slot {slot.name!r}; "
                                 f"choose an inventory for {slot.name!r}")
            continue
        inv = inventories.get(inv_name)
        if inv is None:
            raise InputError(f"slot {slot.name!r} is bound to inventory {inv_name!r}, which the component "
                             f"does not have (inventories: {', '.join(sorted(inventories)) or 'none'})")
        if inv.kind not in SLOT_FILLS[slot.kind]:
            raise InputError(f"slot {slot.name!r} of AIT {m.id!r} takes a {' or '.join(SLOT_FILLS[slot.kind])} "
                             f"inventory, but {inv_name!r} is a {inv.kind}")
        if slot.requires_target and inv.kind == "dataset" and not inv.spec.get("target"):
            raise InputError(f"AIT {m.id!r} needs the target column of dataset {inv_name!r}; set its target")
    for c in td.criteria:
        if m.measure(c.measure) is None:
            names = ", ".join(ms.name for ms in m.measures) or "none"
            raise InputError(f"AIT {m.id!r} reports no measure {c.measure!r}; its measures are: {names}")
    data = td.model_dump(mode="json", exclude_defaults=True)
    data.update(name=td.name, characteristic=td.characteristic, ait=td.ait)
    if params:
        data["parameters"] = params
    return data


def _parse_test(spec: dict[str, Any]) -> TestDescription:
    try:
        return TestDescription.model_validate(spec)
    except ValidationError as exc:
        raise _invalid("the test does not validate", exc) from None


def save_test(
    store: WebStore, component_id: int, spec: dict[str, Any], registry: AITRegistry,
    test_id: int | None = None,
) -> TestEntry:
    """Add a test description (``test_id`` None) or replace one, after checking it.

    Raises
    ------
    InputError
        For an unknown AIT, a parameter that breaks its constraint (the CLI's message),
        an unknown characteristic, slot, inventory or measure, or a name already used.
    """
    comp = get_component(store, component_id)
    clean = _check_test(store, comp, _parse_test(spec), registry)
    return store.save_test(component_id, clean, test_id)


def copy_test(store: WebStore, component_id: int, test_id: int) -> TestEntry:
    """Copy a test under a new name (``<name> (copy)``, ``<name> (copy 2)`` …)."""
    entry = store.get_test(component_id, test_id)
    if entry is None:
        raise InputError(f"the component has no test with the id {test_id}")
    names = {t.name for t in store.list_tests(component_id)}
    base = f"{entry.name} (copy"
    name, n = base + ")", 2
    while name in names:
        name, n = f"{base} {n})", n + 1
    return store.save_test(component_id, {**entry.spec, "name": name[:200]})


def delete_test(store: WebStore, component_id: int, test_id: int) -> None:
    """Delete a test description."""
    if store.get_test(component_id, test_id) is None:
        raise InputError(f"the component has no test with the id {test_id}")
    store.delete_test(component_id, test_id)


# -- aiqm.yaml ---------------------------------------------------------------------------


def project_data(store: WebStore, component_id: int) -> dict[str, Any]:
    """The component as an ``aiqm.yaml`` mapping (inventory paths inside its folder, digests pinned)."""
    comp = get_component(store, component_id)
    inventories: dict[str, Any] = {}
    for inv in store.list_inventories(component_id):
        entry: dict[str, Any] = {"kind": inv.kind}
        if inv.kind != "predictions":
            entry["path"] = inv.file or inv.label
            if inv.digest:
                entry["digest"] = inv.digest
        entry.update(inv.spec)
        inventories[inv.name] = entry
    data: dict[str, Any] = {"component": comp.spec, "inventories": inventories,
                            "tests": [t.spec for t in store.list_tests(component_id)]}
    if comp.settings:
        data["settings"] = comp.settings
    return data


def export_yaml(store: WebStore, component_id: int) -> str:
    """The component as ``aiqm.yaml`` text (it loads with :func:`aiqm.load_project`)."""
    data = project_data(store, component_id)
    try:
        ProjectFile.model_validate(data)
    except ValidationError as exc:  # a stored component that no longer validates: say what
        raise _invalid("the stored component does not form a valid project", exc) from None
    comp = get_component(store, component_id)
    header = f"# aiqm project file exported from the aiqm web application: component {comp.name!r}\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def materialise(store: WebStore, home: Path, component_id: int, tests: list[str] | None = None) -> Path:
    """Write the component's ``aiqm.yaml`` into its folder and return the folder.

    Raises
    ------
    InputError
        When the component has no tests, or a test uses an inventory without a stored file.
    """
    folder = component_dir(home, component_id)
    data = project_data(store, component_id)
    if not data["tests"]:
        raise InputError("the component has no tests yet; add a test before starting a run")
    used = {n for t in data["tests"] if not tests or t["name"] in tests
            for n in (t.get("inventories") or {}).values()}
    by_name = {i.name: i for i in store.list_inventories(component_id)}
    for name in list(used):
        inv = by_name.get(name)
        if inv is not None and inv.kind == "predictions" and inv.spec.get("dataset"):
            used.add(str(inv.spec["dataset"]))
    missing = sorted(n for n in used if n in by_name and by_name[n].kind != "predictions"
                     and (not by_name[n].file or not (folder / str(by_name[n].file)).exists()))
    if missing:
        raise InputError(f"inventory {missing[0]!r} has no stored file; upload one (or register it by "
                         "path) before starting a run")
    text = export_yaml(store, component_id)
    parse_project(text, source=f"component {component_id}")  # what the runner will read
    folder.mkdir(parents=True, exist_ok=True)

    atomic_write_text(folder / PROJECT_FILE, text)
    return folder
