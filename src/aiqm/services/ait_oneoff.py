"""``aiqm ait run``: one AIT on a few files, without writing a project.

A small project is made underneath — a temporary folder, or ``--out DIR`` kept —
with one inventory per input slot and one test, and run like any project: the
process executor with its time and memory limits, the same judging, the same
stored artifacts and reports. The input files are hard-linked into the folder
(copied when that is not possible), since a project reads only files inside it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aiqm.core.guideline import available_guidelines, load_guideline
from aiqm.core.manifest import AITManifest
from aiqm.core.results import TDResult
from aiqm.core.testdesc import Criterion
from aiqm.exceptions import InputError, UntrustedModelError
from aiqm.plugins.manager import load_registry
from aiqm.services.reports import build_run_report, render_report
from aiqm.services.runs import RunOptions, run_project
from aiqm.services.store import open_existing_store

__all__ = ["OneOffRun", "run_one_ait"]

#: Marks a folder written by ``aiqm ait run --out`` (it may be reused by the next run).
MARKER = ".aiqm-ait-run"
_PICKLES = (".joblib", ".pkl", ".pickle")


@dataclass
class OneOffRun:
    """The outcome of ``aiqm ait run``: the judged result and, with ``--out``, its files."""

    manifest: AITManifest
    result: TDResult
    run_id: str
    folder: Path | None = None  # kept project folder (None: it was temporary)
    reports: dict[str, Path] = field(default_factory=dict)  # format → file
    artifacts: dict[str, Path] = field(default_factory=dict)  # resource name → file
    markdown: str = ""  # the Markdown report (with ``out``)

    @property
    def exit_code(self) -> int:
        """0 when the test is OK, 1 for NG or ERR."""
        return 0 if self.result.status.value == "OK" else 1

    def to_json(self) -> dict[str, Any]:
        r = self.result
        return {
            "ait": f"{r.ait_id}@{r.ait_version}", "status": r.status.value,
            "exit_code": self.exit_code, "run_id": self.run_id,
            "measures": {m.name: m.value for m in r.measures},
            "undefined": {m.name: m.undefined_reason for m in r.measures if m.value is None},
            "criteria": [c.model_dump(mode="json") for c in r.criteria],
            "parameters": r.parameters, "error": r.error,
            "inputs": [i.model_dump(mode="json") for i in r.inputs],
            "resources": [{"name": x.name, "kind": x.kind, "digest": x.digest,
                           "file": str(self.artifacts[x.name]) if x.name in self.artifacts else None}
                          for x in r.resources],
            "duration_s": r.duration_s,
            "folder": str(self.folder) if self.folder else None,
            "reports": {k: str(v) for k, v in self.reports.items()},
        }


def _check_request(
    m: AITManifest, inputs: Mapping[str, Path], targets: Mapping[str, str],
    params: Mapping[str, Any], criteria: Sequence[Criterion], trusted: bool,
) -> None:
    """Refuse, before anything is written, what cannot run (each message says how to fix it)."""
    slots = {s.name: s for s in m.inventories}
    listing = ", ".join(f"{s.name} ({s.kind})" for s in m.inventories) or "none"
    for slot, path in inputs.items():
        if slot not in slots:
            raise InputError(f"AIT {m.id!r} has no input slot {slot!r}; its slots are: {listing}")
        if not path.exists():
            raise InputError(f"--input {slot}={path}: no such file or folder")
        if slots[slot].kind == "model" and path.suffix.lower() in _PICKLES and not trusted:
            raise UntrustedModelError(
                f"--input {slot}={path} is a {path.suffix[1:]} file; loading it runs arbitrary "
                "code stored in the file. Save the model with skops or export it to ONNX, or "
                "add --trusted if the file comes from a source you trust."
            )
    missing = [s for s in m.inventories if s.required and s.name not in inputs]
    if missing:
        s = missing[0]
        raise InputError(f"AIT {m.id!r} needs a {s.kind} for slot {s.name!r}: add "
                         f"--input {s.name}=PATH (its slots: {listing})")
    for slot, column in targets.items():
        if slot not in slots or slots[slot].kind != "dataset":
            datasets = ", ".join(s.name for s in m.inventories if s.kind == "dataset") or "none"
            raise InputError(f"--target {slot}={column}: {slot!r} is not a dataset slot of AIT "
                             f"{m.id!r} (dataset slots: {datasets})")
    for s in m.inventories:
        if s.requires_target and s.name in inputs and s.name not in targets:
            raise InputError(f"AIT {m.id!r} needs the label column of {s.name!r}: add "
                             f"--target {s.name}=COLUMN")
    m.validate_parameters(dict(params))
    declared = {s.name: s for s in m.measures}
    for c in criteria:
        spec = declared.get(c.measure)
        if spec is None:
            raise InputError(f"criterion {c.describe()!r}: AIT {m.id!r} has no measure "
                             f"{c.measure!r}; its measures are: {', '.join(declared) or 'none'}")
        if c.aggregate and spec.structure != "sequence":
            raise InputError(f"criterion {c.describe()!r}: {c.aggregate}() needs a sequence "
                             f"measure; {c.measure!r} is a single value (drop the aggregate)")


def _characteristic(m: AITManifest) -> tuple[str, str]:
    """(guideline ref, characteristic) for the test: the AIT's first known characteristic."""
    for cid in m.characteristics:
        for ref in available_guidelines():
            if cid in load_guideline(ref).characteristic_ids:
                return ref, cid
    raise InputError(f"AIT {m.id!r} names no characteristic of a packaged guideline "
                     f"({', '.join(m.characteristics)}); it cannot be judged without a project")


def _link_or_copy(src: str, dst: str) -> str:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def _place(path: Path, into: Path) -> Path:
    """Put ``path`` (file or folder) into the project folder ``into``; return its new path."""
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    dst = into / path.name
    if path.is_dir():
        shutil.copytree(path, dst, copy_function=_link_or_copy)
    else:
        _link_or_copy(str(path), str(dst))
    return dst


def _project(
    m: AITManifest, root: Path, inputs: Mapping[str, Path], targets: Mapping[str, str],
    params: Mapping[str, Any], criteria: Sequence[Criterion], trusted: bool,
    plugins: Sequence[str],
) -> dict[str, Any]:
    guideline, characteristic = _characteristic(m)
    inventories: dict[str, Any] = {}
    for slot, path in inputs.items():
        kind = m.inventory(slot).kind  # type: ignore[union-attr]  # checked before
        placed = _place(path.resolve(), root / "inputs" / slot).relative_to(root).as_posix()
        inv: dict[str, Any] = {"kind": kind, "path": placed}
        if kind == "dataset" and slot in targets:
            inv["target"] = targets[slot]
        if kind == "model" and trusted:
            inv["trusted"] = True
        inventories[slot] = inv
    test: dict[str, Any] = {
        "name": m.id, "characteristic": characteristic, "ait": f"{m.id}@{m.version}",
        "inventories": {slot: slot for slot in inputs},
    }
    if params:
        test["parameters"] = dict(params)
    if criteria:
        test["criteria"] = [c.model_dump(mode="json", exclude_none=True) for c in criteria]
    return {
        "component": {"name": f"aiqm ait run {m.id}", "task": "other", "guideline": guideline,
                      "description": "Made by `aiqm ait run` for one AIT on a few files."},
        "inventories": inventories,
        "tests": [test],
        "settings": {"executor": "process", "workers": 1, "plugins": list(plugins)},
    }


def _folder(out: str | Path | None) -> tuple[Path, bool]:
    """(project folder, kept?)."""
    if out is None:
        return Path(tempfile.mkdtemp(prefix="aiqm-ait-run-")), False
    folder = Path(out)
    if folder.exists():
        if not folder.is_dir():
            raise InputError(f"--out {folder} is a file; give a folder")
        if any(folder.iterdir()) and not (folder / MARKER).exists():
            raise InputError(f"--out {folder} is a folder with other files; give an empty or "
                             "new folder (or one an earlier `aiqm ait run --out` wrote)")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("written by `aiqm ait run`; safe to delete\n", encoding="utf-8")
    return folder, True


def run_one_ait(
    ref: str,
    *,
    inputs: Mapping[str, str | Path] | None = None,
    params: Mapping[str, Any] | None = None,
    criteria: Sequence[Criterion] = (),
    targets: Mapping[str, str] | None = None,
    trusted: bool = False,
    out: str | Path | None = None,
    plugins: Sequence[str] = (),
    executor: str = "process",
    timeout: float | None = None,
    memory_limit_mb: int | None = None,
    lang: str = "en",
) -> OneOffRun:
    """Run one AIT on files, judge it and return the result.

    Parameters
    ----------
    ref : str
        The AIT (``id`` or ``id@version``): built-in, plugin or imported.
    inputs : mapping of slot to path, default=None
        A file or folder per input slot.
    params : mapping, default=None
        Parameter values (checked against the manifest).
    criteria : sequence of Criterion, default=()
        Acceptance criteria; each must name a declared measure.
    targets : mapping of slot to column, default=None
        The label column of dataset slots.
    trusted : bool, default=False
        Allow joblib/pickle model files (loading them runs code).
    out : path, default=None
        Keep the project, the reports (``report.md``, ``report.html``) and the
        artifacts there; otherwise a temporary folder is used and removed.
    plugins : sequence of str, default=()
        Extra plugin modules.
    executor : {"process", "inline"}, default="process"
        ``process`` isolates the AIT with the limits below.
    timeout : float, default=None
        Seconds the test may take (the project default, 600, when None).
    memory_limit_mb : int, default=None
        Resident memory the test may use (the project default, 4096, when None).
    lang : {"en", "ja"}, default="en"
        Language of the reports.

    Raises
    ------
    InputError
        For an unknown AIT, an unknown or missing slot, a missing file, a bad
        parameter, a criterion on an undeclared measure, an untrusted pickle, or an
        ``--out`` folder holding other files.
    """
    registry = load_registry(plugins)
    ait = registry.get(ref)
    m = ait.manifest
    paths = {slot: Path(p) for slot, p in (inputs or {}).items()}
    _check_request(m, paths, targets or {}, params or {}, criteria, trusted)
    folder, kept = _folder(out)
    try:
        config = _project(m, folder, paths, targets or {}, params or {}, criteria, trusted, plugins)
        (folder / "aiqm.yaml").write_text(
            yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
        summary = run_project(folder, RunOptions(
            executor=executor, timeout=timeout, memory_limit_mb=memory_limit_mb,
            accept_changes=True, plugins=plugins))
        outcome = OneOffRun(m, summary.results[0], summary.run.id, folder if kept else None)
        if kept:
            _reports(outcome, folder, lang)
        return outcome
    finally:
        if not kept:
            shutil.rmtree(folder, ignore_errors=True)


def _reports(outcome: OneOffRun, folder: Path, lang: str) -> None:
    """Write the reports and the artifacts into the kept folder."""
    store, artifacts = open_existing_store(folder)
    try:
        report = build_run_report(store, outcome.run_id, artifacts=artifacts)
    finally:
        store.close()
    outcome.markdown = str(render_report(report, "md", artifacts, lang))
    for fmt, name in (("md", "report.md"), ("html", "report.html")):
        text = outcome.markdown if fmt == "md" else render_report(report, fmt, artifacts, lang)
        path = folder / name
        path.write_text(str(text), encoding="utf-8")
        outcome.reports[fmt] = path
    out_dir = folder / "artifacts"
    for x in outcome.result.resources:
        out_dir.mkdir(exist_ok=True)
        path = out_dir / (x.filename or x.name)
        path.write_bytes(artifacts.get_bytes(x.digest))
        outcome.artifacts[x.name] = path
