"""Pages: start, watch (HTMX polling), cancel and resume runs; reports and test logs."""

from __future__ import annotations

from pathlib import Path as FsPath

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response

from aiqm.exceptions import AIQMError, InputError
from aiqm.render.i18n import LANGUAGES
from aiqm.report.compare import compare_reports
from aiqm.report.model import Report
from aiqm.services.components import component_dir
from aiqm.services.evidence import create_bundle, generate_keys
from aiqm.services.reports import FORMATS, build_run_report, render_report
from aiqm.services.store import ArtifactStoreProtocol
from aiqm.services.users import UserRecord
from aiqm.services.web_runs import WebRunRecord
from aiqm.web.routes._common import RUN_ID, NotFound, component_or_404, redirect, web_run_or_404
from aiqm.web.security import require
from aiqm.web.ui import flash, language, render, tr

router = APIRouter()

_MEDIA = {"json": "application/json", "html": "text/html; charset=utf-8", "pdf": "application/pdf",
          "junit": "application/xml", "xml": "application/xml", "markdown": "text/markdown; charset=utf-8",
          "md": "text/markdown; charset=utf-8"}
_SUFFIX = {"junit": "xml", "markdown": "md"}
#: The embedded report may show its inline styles and data: images, nothing else; it runs no script.
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
              "frame-ancestors 'self'; sandbox")


def report_formats() -> tuple[str, ...]:
    """The report formats the installed aiqm renders (JSON and HTML; PDF, JUnit … when present)."""
    return tuple(FORMATS)


@router.post("/components/{component_id}/runs")
def start_run(request: Request, component_id: int, user: UserRecord = require("evaluator")) -> Response:
    comp = component_or_404(request, component_id)
    try:
        w = request.app.state.runs.start(comp.id, user.username)
    except InputError as exc:
        flash(request, str(exc), "error")
        return redirect(f"/components/{comp.id}", request)
    return redirect(f"/runs/{w.id}", request)


def _run_context(request: Request, w: WebRunRecord) -> dict[str, object]:
    progress = request.app.state.runs.progress(w.id)
    comp = request.app.state.store.get_component(w.component_id)
    resumable = False
    if not w.active and w.run_id and w.status != "finished":
        resumable = True
    return {"w": progress.web_run, "progress": progress, "component": comp, "resumable": resumable,
            "formats": report_formats()}


@router.get("/runs/{web_run_id}")
def run_page(request: Request, web_run_id: str = Path(pattern=RUN_ID),
             user: UserRecord = require("viewer")) -> Response:
    w = web_run_or_404(request, web_run_id)
    return render(request, "run.html", _run_context(request, w))


@router.get("/runs/{web_run_id}/progress")
def run_progress(request: Request, web_run_id: str = Path(pattern=RUN_ID),
                 user: UserRecord = require("viewer")) -> Response:
    w = web_run_or_404(request, web_run_id)
    return render(request, "_progress.html", _run_context(request, w))


@router.post("/runs/{web_run_id}/cancel")
def cancel_run(request: Request, web_run_id: str = Path(pattern=RUN_ID),
               user: UserRecord = require("evaluator")) -> Response:
    w = web_run_or_404(request, web_run_id)
    try:
        request.app.state.runs.cancel(w.id)
        flash(request, tr(language(request))("cancel_done"))
    except InputError as exc:
        flash(request, str(exc), "error")
    return redirect(f"/runs/{w.id}", request)


@router.post("/runs/{web_run_id}/resume")
def resume_run(request: Request, web_run_id: str = Path(pattern=RUN_ID),
               user: UserRecord = require("evaluator")) -> Response:
    w = web_run_or_404(request, web_run_id)
    try:
        new = request.app.state.runs.resume(w.id, user.username)
    except InputError as exc:
        flash(request, str(exc), "error")
        return redirect(f"/runs/{w.id}", request)
    return redirect(f"/runs/{new.id}", request)


def _report(request: Request, w: WebRunRecord) -> tuple[Report, ArtifactStoreProtocol]:
    if not w.run_id:
        raise NotFound("this run has no stored results yet")
    store, artifacts = request.app.state.runs.project_store(w.component_id)
    try:
        return build_run_report(store, w.run_id), artifacts
    except AIQMError as exc:
        raise NotFound(str(exc)) from None


@router.get("/runs/{web_run_id}/report")
def report_page(request: Request, web_run_id: str = Path(pattern=RUN_ID),
                user: UserRecord = require("viewer")) -> Response:
    w = web_run_or_404(request, web_run_id)
    _report(request, w)  # 404 when there is nothing to show
    comp = component_or_404(request, w.component_id)
    return render(request, "report.html", {"w": w, "component": comp, "formats": report_formats()})


@router.get("/runs/{web_run_id}/report.{fmt}")
def report_file(request: Request, fmt: str, web_run_id: str = Path(pattern=RUN_ID),
                download: bool = False, lang: str = "", user: UserRecord = require("viewer")) -> Response:
    w = web_run_or_404(request, web_run_id)
    if fmt not in report_formats():
        raise NotFound(f"no report format {fmt!r}; use one of {', '.join(report_formats())}")
    report, artifacts = _report(request, w)
    body = render_report(report, fmt, artifacts, lang if lang in LANGUAGES else language(request))
    headers = {}
    if fmt == "html":
        headers["Content-Security-Policy"] = REPORT_CSP
    if download:
        headers["Content-Disposition"] = (f'attachment; filename="report-{w.run_id}.'
                                          f'{_SUFFIX.get(fmt, fmt)}"')
    return Response(body, media_type=_MEDIA.get(fmt, "application/octet-stream"), headers=headers)


@router.get("/runs/{web_run_id}/log")
def test_log(request: Request, test: str, web_run_id: str = Path(pattern=RUN_ID),
             user: UserRecord = require("viewer")) -> Response:
    w = web_run_or_404(request, web_run_id)
    text = request.app.state.runs.log_text(w.id, test)
    return PlainTextResponse(text or tr(language(request))("no_log"))


def compare_web_runs(request: Request, component_id: int, before: str, after: str) -> object:
    """Compare two web runs of a component (``before`` is the baseline) with ``aiqm compare``'s rules."""
    sides = []
    for web_run_id in (before, after):
        w = web_run_or_404(request, web_run_id)
        if w.component_id != component_id:
            raise NotFound(f"run {web_run_id} is not a run of this component")
        sides.append(_report(request, w)[0])
    return compare_reports(sides[0], sides[1])


@router.get("/components/{component_id}/compare")
def compare_page(request: Request, component_id: int, before: str = Query(pattern=RUN_ID),
                 after: str = Query(pattern=RUN_ID), user: UserRecord = require("viewer")) -> Response:
    comp = component_or_404(request, component_id)
    comparison = compare_web_runs(request, comp.id, before, after)
    return render(request, "compare.html", {"component": comp, "c": comparison,
                                            "before": before, "after": after})


def signing_key(request: Request) -> tuple[FsPath, FsPath]:
    """The server's Ed25519 evidence key pair in ``<home>/keys`` (made on first use, private 0600)."""
    folder = request.app.state.config.home / "keys"
    private, public = folder / "aiqm-signing.pem", folder / "aiqm-signing.pub.pem"
    if not private.exists():
        try:
            generate_keys(folder)
        except ImportError:
            raise InputError("evidence bundles need their extra: pip install 'aiqm[evidence]'") from None
    return private, public


@router.get("/runs/{web_run_id}/bundle.zip")
def evidence_bundle(request: Request, web_run_id: str = Path(pattern=RUN_ID), lang: str = "",
                    user: UserRecord = require("evaluator")) -> Response:
    """The run's signed evidence bundle (``aiqm bundle``), signed with the server's key."""
    w = web_run_or_404(request, web_run_id)
    if not w.run_id or w.active:
        raise NotFound("this run has no finished results to bundle yet")
    private, _ = signing_key(request)
    home = request.app.state.config.home
    out = home / "web-runs" / w.id / f"evidence-{w.run_id}.zip"
    create_bundle(component_dir(home, w.component_id), w.run_id, out, private,
                  lang=lang if lang in LANGUAGES else language(request))
    return FileResponse(out, media_type="application/zip", filename=out.name)


@router.get("/signing-key.pub.pem")
def public_key(request: Request, user: UserRecord = require("viewer")) -> Response:
    """The public key that verifies this server's evidence bundles (``aiqm verify --key``)."""
    _, public = signing_key(request)
    return PlainTextResponse(public.read_text(encoding="ascii"),
                             headers={"Content-Disposition": 'attachment; filename="aiqm-signing.pub.pem"'})
