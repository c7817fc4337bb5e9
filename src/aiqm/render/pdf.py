"""Render the report document as a paginated A4 PDF with WeasyPrint.

The PDF is the paged variant of the HTML rendering (:func:`render_html` with
``paged=True``): a cover (component, guideline, levels, date, run id and the
report digest), a table of contents with page numbers, the summary, the
guideline coverage when the report has it, one section per characteristic,
the inventories with their digests, the environment and a glossary. Figures
stay vector (SVG); fonts are embedded (subset), Japanese text with a CJK font
(Noto Sans CJK JP on Debian: ``apt-get install fonts-noto-cjk``).

The report JSON is attached to the PDF as ``report.json``, so the PDF carries
its own source. Nothing is fetched over the network: only ``data:`` URIs are
resolved.

WeasyPrint is an optional dependency: ``pip install 'aiqm[pdf]'``.
"""

from __future__ import annotations

import io
from typing import Any

from aiqm.exceptions import PDFUnavailableError
from aiqm.render.html import Artifact, render_html
from aiqm.report.builder import report_to_json
from aiqm.report.model import Report

__all__ = ["PDFUnavailableError", "pdf_available", "render_pdf"]

INSTALL_HINT = "pip install 'aiqm[pdf]'"


def _weasyprint() -> Any:
    try:
        import weasyprint  # lazy: optional 'pdf' extra
    except ImportError as exc:
        raise PDFUnavailableError(
            f"PDF reports need WeasyPrint, which is not installed: {INSTALL_HINT}"
        ) from exc
    except OSError as exc:  # WeasyPrint is installed but Pango/HarfBuzz are not
        raise PDFUnavailableError(
            f"WeasyPrint cannot load its system libraries ({exc}); install Pango, e.g. "
            "`apt-get install libpango-1.0-0 libpangoft2-1.0-0` on Debian/Ubuntu"
        ) from exc
    return weasyprint


def pdf_available() -> tuple[bool, str]:
    """Whether PDF reports can be rendered here, and if not, why.

    Returns
    -------
    tuple of (bool, str)
        ``(True, "")`` or ``(False, reason)`` where the reason says how to fix it.
    """
    try:
        _weasyprint()
    except PDFUnavailableError as exc:
        return False, str(exc)
    return True, ""


def _offline_fetcher(weasyprint: Any) -> Any:
    """A URL fetcher that resolves ``data:`` URIs only (no files, no network)."""
    return weasyprint.urls.URLFetcher(allowed_protocols={"data"}, allow_redirects=False)


def render_pdf(report: Report, artifact: Artifact, lang: str = "en") -> bytes:
    """Render a report as a paginated A4 PDF.

    Parameters
    ----------
    report : Report
        The report document.
    artifact : callable
        ``artifact(digest) -> bytes | None`` reads a stored artifact (figures and
        tables are embedded from it).
    lang : str, default="en"
        Language of the fixed strings and of guideline names (``en`` or ``ja``).

    Returns
    -------
    bytes
        The PDF file, with the report JSON attached as ``report.json``.

    Raises
    ------
    PDFUnavailableError
        When WeasyPrint or its system libraries are not installed.
    """
    weasyprint = _weasyprint()
    page = render_html(report, artifact, lang=lang, paged=True)
    fetcher = _offline_fetcher(weasyprint)
    attachment = weasyprint.Attachment(
        string=report_to_json(report).encode("utf-8"),
        name="report.json",
        description="aiqm report document (JSON), the source of this PDF",
        url_fetcher=fetcher,
    )
    out = io.BytesIO()
    weasyprint.HTML(string=page, base_url=None, url_fetcher=fetcher).write_pdf(
        out, attachments=[attachment]
    )
    return out.getvalue()
