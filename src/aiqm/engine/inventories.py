"""Resolve a project's inventories: safe paths, fresh digests, materialised datasets."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiqm.core.inventory import (
    DatasetInventory,
    DocumentInventory,
    HttpModelInventory,
    ModelInventory,
    PredictionsInventory,
)
from aiqm.core.project import ProjectFile
from aiqm.data.cache import materialise
from aiqm.data.digest import sha256_path
from aiqm.data.paths import resolve_inside
from aiqm.data.readers import detect_format
from aiqm.exceptions import DataError, DigestMismatchError, InventoryError, UntrustedModelError
from aiqm.models.http_adapter import http_digest

__all__ = ["ResolvedInventory", "check_digests", "resolve_inventories"]


@dataclass
class ResolvedInventory:
    """An inventory with its resolved path, fresh digest and the spec workers receive."""

    name: str
    kind: str
    digest: str
    path: str  # as written in the project file ('' for predictions)
    format: str
    size_bytes: int
    spec: dict[str, Any]  # the bound-input document a worker gets
    details: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "path": self.path, "format": self.format,
            "digest": self.digest, "size_bytes": self.size_bytes, "details": self.details,
        }


def _size(p: Path) -> int:
    if p.is_dir():
        return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
    return p.stat().st_size


def _dataset(name: str, inv: DatasetInventory, root: Path, cache_dir: Path) -> ResolvedInventory:
    import pyarrow.ipc as ipc  # lazy: pyarrow is heavy; the CLI loads this module

    path = resolve_inside(root, inv.path, what=f"inventory {name!r}")
    fmt = inv.format if inv.format != "auto" else detect_format(path)
    digest = sha256_path(path)
    try:
        arrow = materialise(path, fmt, digest, cache_dir)
    except DataError as exc:
        raise DataError(f"inventory {name!r}: {exc}") from None
    with ipc.open_file(str(arrow)) as reader:
        schema = reader.schema
        n_rows = sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))
    columns = list(schema.names)
    wanted = ([inv.target] if inv.target else []) + list(inv.features or [])
    missing = [c for c in wanted if c not in columns]
    if missing:
        shown = ", ".join(columns[:30]) + (", …" if len(columns) > 30 else "")
        raise DataError(
            f"inventory {name!r} ({inv.path}) has no column {missing[0]!r} (columns: {shown}); "
            "fix 'target'/'features' in aiqm.yaml"
        )
    spec = {
        "kind": "dataset", "inventory": name, "digest": digest, "arrow_path": str(arrow),
        "target": inv.target, "features": list(inv.features) if inv.features else None,
        "source_path": str(path),
    }
    return ResolvedInventory(
        name, "dataset", digest, inv.path, fmt, _size(path), spec,
        {"rows": n_rows, "columns": len(columns), "target": inv.target},
    )


def _model(name: str, inv: ModelInventory, root: Path) -> ResolvedInventory:
    path = resolve_inside(root, inv.path, what=f"inventory {name!r}")
    fmt: str = inv.format
    if fmt == "auto":
        suffix = path.suffix.lower()
        fmt = {".skops": "skops", ".onnx": "onnx", ".joblib": "joblib", ".pkl": "pickle",
               ".pickle": "pickle"}.get(suffix, "")
        if not fmt:
            raise InventoryError(
                f"inventory {name!r}: cannot tell the model format of {inv.path!r} from its suffix; "
                "set 'format' to skops, onnx, joblib or pickle"
            )
    _check_trust(name, inv, path, fmt)
    digest = sha256_path(path)
    spec = {
        "kind": "model", "inventory": name, "path": str(path), "format": fmt,
        "trusted": inv.trusted, "trusted_types": list(inv.trusted_types), "digest": digest,
    }
    return ResolvedInventory(name, "model", digest, inv.path, fmt, _size(path), spec,
                             {"trusted": inv.trusted})


def _check_trust(name: str, inv: ModelInventory, path: Path, fmt: str) -> None:
    """Refuse, before anything runs, a model whose loading would execute untrusted code."""
    if fmt in ("joblib", "pickle") and not inv.trusted:
        raise UntrustedModelError(
            f"inventory {name!r} ({inv.path}) is a {fmt} file; loading it runs arbitrary code "
            "stored in the file. Save the model with skops or export it to ONNX instead, or set "
            f"'trusted: true' on inventory {name!r} if the file comes from a source you trust."
        )
    if fmt == "skops":
        import skops.io as sio  # lazy: skops imports scikit-learn (~1 s)

        try:
            untrusted = sio.get_untrusted_types(file=path)
        except Exception as exc:
            raise InventoryError(
                f"inventory {name!r}: {inv.path} is not a readable skops file ({exc})"
            ) from None
        unknown = sorted(set(untrusted) - set(inv.trusted_types))
        if unknown and not inv.trusted:
            raise UntrustedModelError(
                f"inventory {name!r} ({inv.path}) contains types skops does not trust by default: "
                f"{', '.join(unknown)}. Review them; if you accept them, list them under "
                f"'trusted_types' of inventory {name!r}."
            )


def _predictions(name: str, inv: PredictionsInventory, ds: ResolvedInventory) -> ResolvedInventory:
    import pyarrow.ipc as ipc  # lazy: pyarrow is heavy; the CLI loads this module

    with ipc.open_file(ds.spec["arrow_path"]) as reader:
        columns = list(reader.schema.names)
    for col in (inv.column, *inv.proba_columns):
        if col not in columns:
            raise DataError(
                f"predictions inventory {name!r}: dataset {inv.dataset!r} has no column {col!r} "
                f"(columns: {', '.join(columns[:30])}); fix 'column'/'proba_columns'"
            )
    key = json.dumps([ds.digest, inv.column, list(inv.proba_columns), list(inv.classes)])
    digest = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    spec = {
        "kind": "predictions", "inventory": name, "digest": digest, "dataset_digest": ds.digest,
        "arrow_path": ds.spec["arrow_path"], "column": inv.column,
        "proba_columns": list(inv.proba_columns), "classes": list(inv.classes),
    }
    return ResolvedInventory(name, "predictions", digest, "", "column", 0, spec,
                             {"dataset": inv.dataset, "column": inv.column})


def _document(name: str, inv: DocumentInventory, root: Path) -> ResolvedInventory:
    path = resolve_inside(root, inv.path, what=f"inventory {name!r}")
    digest = sha256_path(path)
    fmt = inv.format if inv.format != "auto" else (path.suffix.lstrip(".").lower() or "dir")
    spec = {"kind": "document", "inventory": name, "path": str(path), "digest": digest}
    return ResolvedInventory(name, "document", digest, inv.path, fmt, _size(path), spec)


def _http(name: str, inv: HttpModelInventory) -> ResolvedInventory:
    """A model endpoint: no file; its digest is that of its configuration (no secrets)."""
    missing = [v for v in inv.env_vars() if v not in os.environ]
    if missing:
        raise InventoryError(
            f"inventory {name!r}: environment variable(s) {', '.join(missing)} used in its "
            "headers are not set; export them before running"
        )
    config = inv.model_dump(mode="json")
    digest = http_digest(config)
    spec = {**config, "kind": "http", "inventory": name, "digest": digest}
    return ResolvedInventory(name, "http", digest, inv.url, "http", 0, spec,
                             {"url": inv.url, "version": inv.version})


def resolve_inventories(
    project: ProjectFile, root: Path, cache_dir: Path, names: set[str] | None = None
) -> dict[str, ResolvedInventory]:
    """Resolve every inventory (or only ``names``): check paths, hash, materialise datasets.

    Raises
    ------
    InventoryError, UnsafePathError, DataError
        For a missing file, a path outside the project, an unreadable dataset, a
        missing target column …
    """
    out: dict[str, ResolvedInventory] = {}
    wanted = set(project.inventories) if names is None else set(names)
    # predictions depend on their dataset
    for name, inv in project.inventories.items():
        if isinstance(inv, PredictionsInventory) and name in wanted:
            wanted.add(inv.dataset)
    for name, inv in project.inventories.items():
        if name not in wanted:
            continue
        if isinstance(inv, DatasetInventory):
            out[name] = _dataset(name, inv, root, cache_dir)
        elif isinstance(inv, ModelInventory):
            out[name] = _model(name, inv, root)
        elif isinstance(inv, DocumentInventory):
            out[name] = _document(name, inv, root)
        elif isinstance(inv, HttpModelInventory):
            out[name] = _http(name, inv)
    for name, inv in project.inventories.items():
        if isinstance(inv, PredictionsInventory) and name in wanted:
            out[name] = _predictions(name, inv, out[inv.dataset])
    return out


def check_digests(
    resolved: dict[str, ResolvedInventory],
    expected: dict[str, str],
    pinned: dict[str, str | None],
) -> None:
    """Compare fresh digests with registered (``expected``) and pinned ones.

    Raises
    ------
    DigestMismatchError
        Naming every changed input, with both digests and how to accept the change.
    """
    changes: list[tuple[str, str, str]] = []
    for name, r in resolved.items():
        pin = pinned.get(name)
        want = pin or expected.get(name)
        if want and want != r.digest:
            changes.append((name, want, r.digest))
    if changes:
        lines = [
            f"  - {n}: expected {a[:19]}…, now {b[:19]}…" for n, a, b in changes
        ]
        pinned_names = [n for n, _, _ in changes if pinned.get(n)]
        how = (
            "If the change is intended, run again with --accept-changes to register the new "
            "content"
            + (f" and update the pinned 'digest' of {', '.join(pinned_names)} in aiqm.yaml" if pinned_names else "")
            + "."
        )
        raise DigestMismatchError(
            f"{len(changes)} input(s) changed since they were registered:\n" + "\n".join(lines)
            + "\n" + how,
            changes,
        )
