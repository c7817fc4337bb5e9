"""Use case: build and render the report of a stored run."""

from __future__ import annotations

from pathlib import Path

from aiqm._version import __version__
from aiqm.core.manifest import AITManifest
from aiqm.core.results import RunRecord
from aiqm.exceptions import InputError, UnknownAITError
from aiqm.plugins.manager import load_registry
from aiqm.render.html import render_html
from aiqm.render.i18n import check_language
from aiqm.render.junit import render_junit
from aiqm.render.markdown import render_markdown
from aiqm.render.pdf import render_pdf
from aiqm.report.builder import build_report, report_to_json
from aiqm.report.coverage import checklist_answers, report_coverage
from aiqm.report.model import Report
from aiqm.services.coverage import coverage_note_text, run_guidelines
from aiqm.storage.artifacts import ArtifactStore
from aiqm.storage.protocol import ArtifactReader, ArtifactStoreProtocol, RunStore

__all__ = ["FORMATS", "artifact_reader", "build_run_report", "render_report", "write_report"]

FORMATS = ("json", "html", "pdf", "junit", "md")
"""Report formats; every one is rendered from the report document (JSON)."""


def build_run_report(
    store: RunStore,
    run_ref: str = "latest",
    plugins: tuple[str, ...] = (),
    artifacts: ArtifactStoreProtocol | None = None,
) -> Report:
    """Build the report document of a stored run (``latest``, an id or an id prefix).

    Parameters
    ----------
    store : RunStore
        The project's run store (:func:`aiqm.services.store.open_existing_store`).
    run_ref : str, default="latest"
        Run id, unique id prefix, or ``latest``.
    plugins : tuple of str, default=()
        Extra plugin modules whose AITs describe the measures (besides the run's own).
    artifacts : ArtifactStoreProtocol, default=None
        The project's artifact store, which supplies checklist answers and custom
        guideline files for the guideline coverage; None opens the one in the
        run's project folder.

    Returns
    -------
    Report

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from aiqm.core.results import RunRecord
    >>> from aiqm.storage import SqlRunStore
    >>> store = SqlRunStore("sqlite://")  # in memory
    >>> store.create_run(RunRecord(id="20240101-000000-abcdef", project_dir="", component="demo",
    ...                            created_at=datetime(2024, 1, 1, tzinfo=UTC)))
    >>> report = build_run_report(store, "latest")
    >>> report.run.id, report.summary.verdict.value
    ('20240101-000000-abcdef', 'NA')
    >>> store.close()
    """
    run = store.get_run(run_ref)
    results = store.results(run.id)
    config = run.config or {}
    component = dict(config.get("component", {"name": run.component}))
    plugins = tuple(dict.fromkeys([*config.get("settings", {}).get("plugins", []), *plugins]))
    try:
        registry = load_registry(plugins)
    except UnknownAITError:
        registry = load_registry()
    manifests: dict[str, AITManifest] = {}
    for r in results:
        try:
            manifests[f"{r.ait_id}@{r.ait_version}"] = registry.get(f"{r.ait_id}@{r.ait_version}").manifest
        except UnknownAITError:
            continue  # the report falls back to the names stored with the result
    if artifacts is None:
        artifacts = _artifact_store(run)
    guidelines = run_guidelines(run, artifacts)
    guideline = guidelines[0] if guidelines else None
    try:
        coverage = report_coverage(
            guidelines, dict(component.get("levels") or {}), results, manifests,
            checklist_answers(results, artifact_reader(artifacts)),
            note_text=coverage_note_text,
        )
    except InputError:  # levels that no longer match the guideline: report without coverage
        coverage = []
    inventories = list(run.inventories.values())
    return build_report(
        run, results, manifests, guideline, component, inventories, run.environment, __version__,
        coverage=coverage,
    )


def _artifact_store(run: RunRecord) -> ArtifactStore | None:
    folder = Path(run.project_dir or ".") / ".aiqm" / "store"
    return ArtifactStore(folder) if folder.is_dir() else None


def artifact_reader(artifacts: ArtifactStoreProtocol | None) -> ArtifactReader:
    """``read(digest)``: an artifact's bytes, or None when it is missing or unreadable."""

    def read(digest: str) -> bytes | None:
        try:
            return artifacts.get_bytes(digest) if artifacts is not None and artifacts.exists(digest) else None
        except Exception:
            return None

    return read


def render_report(
    report: Report, fmt: str, artifacts: ArtifactStoreProtocol | None, lang: str = "en"
) -> str | bytes:
    """Render a report document as ``json``, ``html``, ``pdf`` (bytes), ``junit`` or ``md``.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from aiqm.core.results import RunRecord
    >>> from aiqm.report import build_report
    >>> run = RunRecord(id="r1", project_dir=".", component="demo",
    ...                 created_at=datetime(2024, 1, 1, tzinfo=UTC))
    >>> report = build_report(run, [], {}, None, {"name": "demo"}, [], {}, "0.1")
    >>> render_report(report, "md", None).startswith("###")
    True
    """
    check_language(lang)
    artifact = artifact_reader(artifacts)
    if fmt == "json":
        return report_to_json(report)
    if fmt == "html":
        return render_html(report, artifact, lang=lang)
    if fmt == "pdf":
        return render_pdf(report, artifact, lang=lang)
    if fmt == "junit":
        return render_junit(report, lang=lang)
    if fmt == "md":
        return render_markdown(report, lang=lang)
    raise InputError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


def write_report(
    report: Report, fmt: str, path: str | Path, artifacts: ArtifactStoreProtocol | None,
    lang: str = "en",
) -> Path:
    """Render and write a report file; returns its path.

    Examples
    --------
    >>> import tempfile
    >>> from datetime import datetime, UTC
    >>> from aiqm.core.results import RunRecord
    >>> from aiqm.report import build_report
    >>> run = RunRecord(id="r1", project_dir=".", component="demo",
    ...                 created_at=datetime(2024, 1, 1, tzinfo=UTC))
    >>> report = build_report(run, [], {}, None, {"name": "demo"}, [], {}, "0.1")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_report(report, "json", Path(tmp) / "report.json", None)
    ...     path.name, path.read_text(encoding="utf-8").startswith("{")
    ('report.json', True)
    """
    out = Path(path)
    rendered = render_report(report, fmt, artifacts, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(rendered, bytes):
        out.write_bytes(rendered)
    else:
        out.write_text(rendered, encoding="utf-8")
    return out
