"""Use case: build and render the report of a stored run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiqm.core.guideline import load_guideline
from aiqm.exceptions import InputError, UnknownAITError

__all__ = ["FORMATS", "build_run_report", "render_report", "write_report"]

FORMATS = ("json", "html")


def build_run_report(store: Any, run_ref: str = "latest", plugins: tuple[str, ...] = ()) -> Any:
    """Build the report document of a stored run (``latest``, an id or an id prefix)."""
    from aiqm import __version__
    from aiqm.plugins.manager import load_registry
    from aiqm.render.report import build_report

    run = store.get_run(run_ref)
    results = store.results(run.id)
    config = run.config or {}
    component = dict(config.get("component", {"name": run.component}))
    plugins = tuple(dict.fromkeys([*config.get("settings", {}).get("plugins", []), *plugins]))
    try:
        registry = load_registry(plugins)
    except UnknownAITError:
        registry = load_registry()
    manifests = {}
    for r in results:
        try:
            manifests[f"{r.ait_id}@{r.ait_version}"] = registry.get(f"{r.ait_id}@{r.ait_version}").manifest
        except UnknownAITError:
            continue  # the report falls back to the names stored with the result
    guideline_ref = component.get("guideline", "aist-mlqm@3")
    if isinstance(guideline_ref, list):
        guideline_ref = guideline_ref[0]
    try:
        guideline = load_guideline(guideline_ref)
    except InputError:
        guideline = None
    inventories = list(run.inventories.values())
    return build_report(
        run, results, manifests, guideline, component, inventories, run.environment, __version__
    )


def render_report(report: Any, fmt: str, artifacts: Any, lang: str = "en") -> str:
    """Render a report document as ``json`` or ``html``."""
    from aiqm.render.html import render_html
    from aiqm.render.report import report_to_json

    if fmt == "json":
        return report_to_json(report)
    if fmt == "html":
        def artifact(digest: str) -> bytes | None:
            try:
                return artifacts.get_bytes(digest) if artifacts.exists(digest) else None
            except Exception:
                return None

        return render_html(report, artifact, lang=lang)
    raise InputError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_report(report: Any, fmt: str, path: str | Path, artifacts: Any, lang: str = "en") -> Path:
    """Render and write a report file; returns its path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(report, fmt, artifacts, lang), encoding="utf-8")
    return out
