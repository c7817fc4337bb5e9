"""Helpers of the host side of Qunomon's contract shared by the local and docker runtimes."""

from __future__ import annotations

import contextlib
import json
import mimetypes
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import psutil

from aiqm.exceptions import AITFailure
from aiqm.plugins.sdk import Context
from aiqm.qunomon.contract import (
    ContractResult,
    inventory_value,
    param_string,
    result_dir,
    table_from_csv,
)
from aiqm.qunomon.manifest import ImportedManifest
from aiqm.qunomon.store import AITStore, ImportRecord


class ImportedAIT(Protocol):
    """What the host side needs of an imported AIT (``runtime.ImportedAIT`` provides it)."""

    imported: ImportedManifest
    record: ImportRecord
    store: AITStore

    @property
    def repository(self) -> Path: ...

__all__ = [
    "JOB_ID",
    "RUN_ID",
    "attach_result",
    "bound_inventories",
    "child_environment",
    "parameter_strings",
    "prepare_folders",
    "tail",
    "wait_tree",
]

JOB_ID = 1
RUN_ID = 1
_DETAIL_CHARS = 4000


def child_environment(python: Path) -> dict[str, str]:
    """Environment of the entry script: the AIT's interpreter first on PATH, no leaks
    of aiqm's own Python settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")}
    bin_dir = str(Path(python).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    if (Path(python).parent.parent / "pyvenv.cfg").is_file():
        env["VIRTUAL_ENV"] = str(Path(python).parent.parent)
    env["PYTHONNOUSERSITE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("MPLBACKEND", "Agg")
    return env


def prepare_folders(ait: ImportedAIT, ctx: Context[Any]) -> tuple[Path, Path, Path, Path]:
    """(work, home, args, mount) folders of one test, fresh."""
    work = ctx.workdir / "qunomon"
    shutil.rmtree(work, ignore_errors=True)
    home, args, mount = work / "home", work / "args", work / "mnt"
    shutil.copytree(ait.repository, home, ignore=shutil.ignore_patterns("*.whl", "__pycache__"))
    args.mkdir(parents=True)
    result_dir(mount, JOB_ID, RUN_ID).mkdir(parents=True)
    return work, home, args, mount


def bound_inventories(
    ait: ImportedAIT, ctx: Context[Any], place: Callable[[str, Path], str] | None = None,
) -> dict[str, str | list[str]]:
    """Inventory values of the input document, in the package's names.

    ``place(slot, path)`` maps a host path to the path the AIT sees (containers).
    """
    out: dict[str, str | list[str]] = {}
    for slot in ait.imported.slots:
        if not ctx.has_input(slot.name):
            continue
        path = ctx.document(slot.name)
        value = inventory_value(slot, path, slot.name)
        if place is not None:
            value = ([place(slot.name, Path(v)) for v in value] if isinstance(value, list)
                     else place(slot.name, Path(value)))
        out[slot.original] = value
    return out


def parameter_strings(ait: ImportedAIT, ctx: Context[Any]) -> dict[str, str]:
    return {q.original: param_string(q.type, ctx.params[q.name]) for q in ait.imported.parameters}


def wait_tree(proc: subprocess.Popen[bytes], limit: float | None, poll: float = 0.25) -> int:
    """Wait for ``proc``; then stop everything it started that still runs.

    The descendants are noted while it runs (an orphan leaves the tree when its parent
    exits, so it must be known before). Past ``limit`` seconds the whole tree is killed
    and :class:`subprocess.TimeoutExpired` raised.
    """
    deadline = None if limit is None else time.monotonic() + limit
    seen: dict[int, psutil.Process] = {}
    try:
        while True:
            try:
                return proc.wait(timeout=poll)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(psutil.Error):
                    for child in psutil.Process(proc.pid).children(recursive=True):
                        seen.setdefault(child.pid, child)
                if deadline is not None and time.monotonic() > deadline:
                    proc.kill()
                    proc.wait()
                    raise
    finally:
        for child in seen.values():
            with contextlib.suppress(psutil.Error):
                if child.is_running():  # same process (psutil checks its start time)
                    child.kill()


def tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:]) or "(none)"


def attach_result(ctx: Context[Any], result: ContractResult) -> None:
    """Turn a read output document into the test's measures, resources and downloads.

    Raises
    ------
    AITFailure
        For an ``ExecuteInfo.Error``, with its code and detail.
    """
    for w in result.warnings:
        ctx.log.warning("%s", w)
    if result.error is not None:
        code, detail = result.error
        if len(detail) > _DETAIL_CHARS:
            detail = "…" + detail[-_DETAIL_CHARS:]
        raise AITFailure(f"the AIT reported error {code or '(no code)'}: {detail.strip()}")
    for name, value in result.measures.items():
        ctx.measure(name, value)
    kinds = {r.name: r.kind for r in ctx.manifest.resources}
    for name, path in result.resources:
        kind = kinds[name]
        if kind == "figure":
            media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            data: Any = (path.read_text(encoding="utf-8", errors="replace")
                         if media == "image/svg+xml" else path.read_bytes())
            ctx.resource(name, data, media_type=media)
        elif kind == "table":
            ctx.resource(name, _table(path, ctx))
        else:
            ctx.resource(name, path.read_text(encoding="utf-8", errors="replace"))
    for name, path in result.downloads:
        ctx.download(name, path)


def _table(path: Path, ctx: Context[Any]) -> dict[str, Any]:
    """A table resource file (CSV, TSV or JSON) as aiqm's table document."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (ValueError, UnicodeDecodeError):
            data = None
        if isinstance(data, dict) and "columns" in data and "rows" in data:
            return {"columns": list(data["columns"]), "rows": [list(r) for r in data["rows"]]}
        if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
            cols = list(dict.fromkeys(k for r in data for k in r))
            return {"columns": cols, "rows": [[r.get(c) for c in cols] for r in data]}
    try:
        return table_from_csv(path, delimiter="\t" if suffix == ".tsv" else ",")
    except (UnicodeDecodeError, ValueError) as exc:
        ctx.log.warning("table %s cannot be read as CSV (%s); kept as its file name", path.name, exc)
        return {"columns": ["file"], "rows": [[path.name]]}
