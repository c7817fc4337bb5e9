"""Use case: build and render the report of a stored run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiqm.exceptions import InputError, UnknownAITError

__all__ = ["FORMATS", "build_run_report", "render_report", "write_report"]

FORMATS = ("json", "html", "pdf", "junit", "md")
"""Report formats; every one is rendered from the report document (JSON)."""


def build_run_report(
    store: Any, run_ref: str = "latest", plugins: tuple[str, ...] = (), artifacts: Any = None
) -> Any:
    """Build the report document of a stored run (``latest``, an id or an id prefix).

    ``artifacts`` (the project's artifact store; opened from the run's project
    folder when None) supplies checklist answers and custom guideline files for
    the guideline coverage.
    """
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
    from aiqm.services.coverage import checklist_answers, report_coverage, run_guidelines

    if artifacts is None:
        artifacts = _artifact_store(run)
    guidelines = run_guidelines(run, artifacts)
    guideline = guidelines[0] if guidelines else None
    try:
        coverage = report_coverage(
            guidelines, dict(component.get("levels") or {}), results, manifests,
            checklist_answers(results, lambda digest: _read(artifacts, digest)),
        )
    except InputError:  # levels that no longer match the guideline: report without coverage
        coverage = []
    inventories = list(run.inventories.values())
    return build_report(
        run, results, manifests, guideline, component, inventories, run.environment, __version__,
        coverage=coverage,
    )


def _artifact_store(run: Any) -> Any:
    from aiqm.storage import ArtifactStore

    folder = Path(run.project_dir or ".") / ".aiqm" / "store"
    return ArtifactStore(folder) if folder.is_dir() else None


def _read(artifacts: Any, digest: str) -> bytes | None:
    try:
        return artifacts.get_bytes(digest) if artifacts is not None and artifacts.exists(digest) else None
    except Exception:
        return None


def render_report(report: Any, fmt: str, artifacts: Any, lang: str = "en") -> str | bytes:
    """Render a report document as ``json``, ``html``, ``pdf`` (bytes), ``junit`` or ``md``."""
    from aiqm.render.html import render_html
    from aiqm.render.i18n import check_language
    from aiqm.render.report import report_to_json

    check_language(lang)

    def artifact(digest: str) -> bytes | None:
        try:
            return artifacts.get_bytes(digest) if artifacts.exists(digest) else None
        except Exception:
            return None

    if fmt == "json":
        return report_to_json(report)
    if fmt == "html":
        return render_html(report, artifact, lang=lang)
    if fmt == "pdf":
        from aiqm.render.pdf import render_pdf

        return render_pdf(report, artifact, lang=lang)
    if fmt == "junit":
        from aiqm.render.junit import render_junit

        return render_junit(report, lang=lang)
    if fmt == "md":
        from aiqm.render.markdown import render_markdown

        return render_markdown(report, lang=lang)
    raise InputError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_report(report: Any, fmt: str, path: str | Path, artifacts: Any, lang: str = "en") -> Path:
    """Render and write a report file; returns its path."""
    out = Path(path)
    rendered = render_report(report, fmt, artifacts, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(rendered, bytes):
        out.write_bytes(rendered)
    else:
        out.write_text(rendered, encoding="utf-8")
    return out
