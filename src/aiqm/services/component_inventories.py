"""Use cases: register a component's inventories by upload, by path, or as predictions.

Files are stored inside the component's folder, named by their SHA-256 digest
(``inputs/<hex>.<suffix>``), never by the name a client sent; only the suffix
that says the format is kept, and only from a fixed list. A path registration
must resolve inside an allowed data root (no ``..``, no symlink escapes) and is
copied in the same way, so the engine, which accepts only paths inside the
project folder, reads it like any other inventory. Each new inventory is
checked the way a run checks it (readable, target column present, model
loadable without running untrusted code), with the same messages.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO

from pydantic import TypeAdapter, ValidationError

from aiqm.core.inventory import Inventory
from aiqm.core.project import ProjectFile
from aiqm.data.digest import sha256_path
from aiqm.data.paths import resolve_inside
from aiqm.engine.inventories import ResolvedInventory, resolve_inventories
from aiqm.exceptions import InputError
from aiqm.services.components import component_dir, get_component, validation_problems
from aiqm.storage.web_records import InventoryEntry

if TYPE_CHECKING:
    from aiqm.storage.web_store import WebStore

__all__ = [
    "DEFAULT_MAX_UPLOAD_BYTES",
    "InventoryEntry",
    "UploadTooLarge",
    "delete_inventory",
    "inventory_usage",
    "register_file",
    "register_path",
    "register_predictions",
    "register_upload",
]

#: Default upload size limit (200 MB); the web app makes it configurable.
DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024

_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
_SUFFIXES = {
    "dataset": {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet",
                ".arrow": "arrow", ".feather": "feather", ".csv.gz": "csv", ".tsv.gz": "tsv"},
    "model": {".skops": "skops", ".onnx": "onnx", ".joblib": "joblib", ".pkl": "pickle",
              ".pickle": "pickle"},
}
_FORMAT_SUFFIX = {"csv": ".csv", "tsv": ".tsv", "parquet": ".parquet", "arrow": ".arrow",
                  "feather": ".feather", "skops": ".skops", "onnx": ".onnx", "joblib": ".joblib",
                  "pickle": ".pkl"}
_CHUNK = 1 << 20


class UploadTooLarge(InputError):
    """An upload is larger than the configured limit."""


def _check_name(name: str) -> str:
    if not _NAME_RE.fullmatch(name or ""):
        raise InputError(f"inventory name {name!r} is not allowed; use letters, digits, '_', '-' or '.', "
                         "starting with a letter (at most 64 characters)")
    return name


def _suffix(kind: str, fmt: str, filename: str) -> str:
    """The stored file's suffix: from the chosen format, else from the client's file name."""
    if fmt not in ("", "auto") and fmt in _FORMAT_SUFFIX and kind in ("dataset", "model"):
        return _FORMAT_SUFFIX[fmt]
    base = PurePosixPath(filename.replace("\\", "/")).name.lower()
    known = _SUFFIXES.get(kind)
    if known is None:  # documents: keep a short alphanumeric suffix, if any
        m = re.search(r"(\.[a-z0-9]{1,8})$", base)
        return m.group(1) if m else ""
    for suffix in sorted(known, key=len, reverse=True):
        if base.endswith(suffix):
            return suffix
    raise InputError(f"cannot tell the format of {filename!r} from its name (known suffixes: "
                     f"{', '.join(sorted(known))}); choose the format explicitly")


def _spec(kind: str, options: dict[str, Any], *, allow_trust: bool) -> dict[str, Any]:
    allowed = {"dataset": ("format", "target", "features", "description"),
               "model": ("format", "trusted", "trusted_types", "description"),
               "document": ("format", "description")}.get(kind)
    if allowed is None:
        raise InputError(f"inventory kind must be dataset, model, document or predictions. Got {kind!r} instead.")
    spec = {k: v for k, v in options.items() if k in allowed and v not in (None, "", [], False)}
    if spec.get("format") == "auto":
        del spec["format"]
    if (spec.get("trusted") or spec.get("trusted_types")) and not allow_trust:
        raise InputError("only an admin can mark a model trusted (loading it may run code stored in the file)")
    return spec


def _check_inventory(name: str, kind: str, spec: dict[str, Any], path: str, digest: str | None) -> None:
    data = {"kind": kind, "path": path, **spec}
    if digest:
        data["digest"] = digest
    try:
        TypeAdapter(Inventory).validate_python(data)
    except ValidationError as exc:
        raise InputError(f"inventory {name!r}: " + "; ".join(validation_problems(exc))) from None


def _resolve(
    folder: Path, name: str, kind: str, spec: dict[str, Any], rel: str
) -> ResolvedInventory:
    """Check the stored file the way a run does; return the engine's resolved inventory."""
    inventories = {name: {"kind": kind, "path": rel, **spec}}
    project = ProjectFile.model_validate({
        "component": {"name": "check", "task": "other"}, "inventories": inventories})
    return resolve_inventories(project, folder, folder / ".aiqm" / "cache", names={name})[name]


def _store_stream(folder: Path, stream: BinaryIO, suffix: str, max_bytes: int) -> tuple[str, str, int]:
    """Copy a stream into ``inputs/<hex><suffix>``; return (relative path, digest, size)."""
    inputs = folder / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=inputs, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(f"the file is larger than the upload limit of "
                                         f"{max_bytes / 2**20:.0f} MB; register it by path inside a "
                                         "data root instead, or ask an admin to raise the limit")
                h.update(chunk)
                out.write(chunk)
        rel = f"inputs/{h.hexdigest()}{suffix}"
        os.replace(tmp, folder / rel)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return rel, "sha256:" + h.hexdigest(), size


def _drop_unused(store: WebStore, folder: Path, component_id: int, rel: str | None) -> None:
    if rel and not any(i.file == rel for i in store.list_inventories(component_id)):
        target = folder / rel
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)


def _finish(store: WebStore, home: Path, component_id: int, name: str, kind: str,
            spec: dict[str, Any], rel: str, source: str, label: str) -> InventoryEntry:
    folder = component_dir(home, component_id)
    old = next((i for i in store.list_inventories(component_id) if i.name == name), None)
    try:
        resolved = _resolve(folder, name, kind, spec, rel)
    except InputError:
        _drop_unused(store, folder, component_id, rel)
        raise
    if kind in ("dataset", "model"):
        spec = {**spec, "format": resolved.format}
    _check_inventory(name, kind, spec, rel, resolved.digest)
    entry = store.save_inventory(component_id, name, kind=kind, spec=spec, file=rel,
                                 digest=resolved.digest, size=resolved.size_bytes, source=source,
                                 label=label[:255])
    if old is not None and old.file != rel:
        _drop_unused(store, folder, component_id, old.file)
    return entry


def register_upload(
    store: WebStore, home: Path, component_id: int, name: str, kind: str, stream: BinaryIO,
    filename: str, options: dict[str, Any] | None = None, *, max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    allow_trust: bool = False,
) -> InventoryEntry:
    """Store an uploaded file as inventory ``name`` (replacing one of that name).

    Parameters
    ----------
    store : WebStore
        The web store.
    home : Path
        The web application's home folder.
    component_id : int
        The component.
    name : str
        Inventory name (letters, digits, ``_ . -``).
    kind : {"dataset", "model", "document"}
        What the file is.
    stream : binary file object
        The upload, read in chunks.
    filename : str
        The client's file name; only its suffix is used (to tell the format), and it
        is kept as a label for display.
    options : dict, default=None
        ``format``, ``target``, ``features``, ``trusted``, ``trusted_types``, ``description``.
    max_bytes : int, default=200 MB
        Size limit; a larger upload raises :class:`UploadTooLarge` and leaves nothing behind.
    allow_trust : bool, default=False
        Whether the caller may mark a model trusted (admins only).

    Raises
    ------
    InputError
        For a bad name or kind, an unknown format, an unreadable file, a missing target
        column or an untrusted model (the engine's messages).
    """
    get_component(store, component_id)
    _check_name(name)
    spec = _spec(kind, dict(options or {}), allow_trust=allow_trust)
    suffix = _suffix(kind, str(spec.get("format", "")), filename)
    folder = component_dir(home, component_id)
    rel, _, _ = _store_stream(folder, stream, suffix, max_bytes)
    label = PurePosixPath(filename.replace("\\", "/")).name
    return _finish(store, home, component_id, name, kind, spec, rel, "upload", label)


def register_path(
    store: WebStore, home: Path, component_id: int, name: str, kind: str, path: str,
    data_roots: Sequence[Path], options: dict[str, Any] | None = None, *, allow_trust: bool = False,
) -> InventoryEntry:
    """Register a file or folder inside an allowed data root as inventory ``name``.

    ``path`` is relative to the first data root (or absolute inside any of them); it is
    copied into the component's folder under its digest.

    Raises
    ------
    UnsafePathError
        When the path resolves outside every data root.
    InputError
        When no data root is configured, or for the same reasons as :func:`register_upload`.
    """
    get_component(store, component_id)
    _check_name(name)
    if not data_roots:
        raise InputError("no data root is configured; start the server with --data-root DIR to "
                         "register inventories by path, or upload the file")
    roots = [Path(r) for r in data_roots]
    src = resolve_inside(roots[0], path, what=f"inventory {name!r}", allowed_roots=roots[1:])
    return register_file(store, home, component_id, name, kind, src, options,
                         allow_trust=allow_trust, source="path", label=str(path))


def register_file(
    store: WebStore, home: Path, component_id: int, name: str, kind: str, src: Path,
    options: dict[str, Any] | None = None, *, allow_trust: bool = False, source: str = "path",
    label: str = "", expected_digest: str | None = None,
) -> InventoryEntry:
    """Copy a checked, resolved file or folder into the component's folder as inventory ``name``.

    Callers resolve ``src`` safely first (:func:`register_path`, project import).
    ``expected_digest`` (a digest pinned in ``aiqm.yaml``) must match the content.
    """
    _check_name(name)
    spec = _spec(kind, dict(options or {}), allow_trust=allow_trust)
    folder = component_dir(home, component_id)
    inputs = folder / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        if kind != "document":
            raise InputError(f"{label or src.name!r} is a folder; only a document inventory can be a folder")
        tmp = Path(tempfile.mkdtemp(dir=inputs, prefix=".copy-"))
        shutil.rmtree(tmp)
        shutil.copytree(src, tmp, symlinks=False)
        rel = f"inputs/{sha256_path(tmp).removeprefix('sha256:')}"
        if (folder / rel).exists():
            shutil.rmtree(tmp)
        else:
            os.replace(tmp, folder / rel)
    else:
        suffix = _suffix(kind, str(spec.get("format", "")), src.name)
        with src.open("rb") as fh:
            rel, _, _ = _store_stream(folder, fh, suffix, max_bytes=1 << 62)
    if expected_digest and sha256_path(folder / rel) != expected_digest:
        _drop_unused(store, folder, component_id, rel)
        raise InputError(f"inventory {name!r}: the content of {label or src.name!r} does not match the "
                         f"digest pinned in aiqm.yaml ({expected_digest[:19]}…); update or remove the "
                         "pinned digest if the change is intended")
    return _finish(store, home, component_id, name, kind, spec, rel, source, label or src.name)


def register_predictions(
    store: WebStore, home: Path, component_id: int, name: str, dataset: str, column: str,
    proba_columns: Sequence[str] = (), classes: Sequence[Any] = (), description: str = "",
) -> InventoryEntry:
    """Register a predictions column of a dataset inventory (for models that cannot be loaded)."""
    get_component(store, component_id)
    _check_name(name)
    invs = {i.name: i for i in store.list_inventories(component_id)}
    ds = invs.get(dataset)
    if ds is None or ds.kind != "dataset":
        names = ", ".join(n for n, i in invs.items() if i.kind == "dataset") or "none"
        raise InputError(f"predictions need a dataset inventory; {dataset!r} is not one (datasets: {names})")
    spec: dict[str, Any] = {"dataset": dataset, "column": column}
    if proba_columns:
        spec["proba_columns"] = list(proba_columns)
    if classes:
        spec["classes"] = list(classes)
    if description:
        spec["description"] = description
    data = {"kind": "predictions", **spec}
    try:
        TypeAdapter(Inventory).validate_python(data)
    except ValidationError as exc:
        raise InputError(f"inventory {name!r}: " + "; ".join(validation_problems(exc))) from None
    if ds.file:
        folder = component_dir(home, component_id)
        project = ProjectFile.model_validate({
            "component": {"name": "check", "task": "other"},
            "inventories": {dataset: {"kind": "dataset", "path": ds.file, **ds.spec}, name: data}})
        resolve_inventories(project, folder, folder / ".aiqm" / "cache", names={name})
    return store.save_inventory(component_id, name, kind="predictions", spec=spec, file=None,
                                digest=None, size=None, source="column", label=f"{dataset}.{column}")


def inventory_usage(store: WebStore, component_id: int) -> dict[str, list[str]]:
    """Inventory name → names of the tests (and predictions inventories) that use it."""
    usage: dict[str, list[str]] = {i.name: [] for i in store.list_inventories(component_id)}
    for t in store.list_tests(component_id):
        for inv in (t.spec.get("inventories") or {}).values():
            usage.setdefault(inv, []).append(t.name)
    for i in store.list_inventories(component_id):
        if i.kind == "predictions":
            usage.setdefault(str(i.spec.get("dataset")), []).append(f"({i.name})")
    return usage


def delete_inventory(store: WebStore, home: Path, component_id: int, inventory_id: int) -> None:
    """Delete an inventory that no test uses (and its stored file when nothing else refers to it)."""
    inv = store.get_inventory(component_id, inventory_id)
    if inv is None:
        raise InputError(f"the component has no inventory with the id {inventory_id}")
    users = inventory_usage(store, component_id).get(inv.name, [])
    if users:
        raise InputError(f"inventory {inv.name!r} is used by {', '.join(users)}; remove it from them first")
    store.delete_inventory(component_id, inventory_id)
    _drop_unused(store, component_dir(home, component_id), component_id, inv.file)
