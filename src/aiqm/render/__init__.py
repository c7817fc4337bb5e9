"""Reports: the report document (JSON, the single source) and its renderings.

``build_report`` turns a run's records into a :class:`Report`; ``report_to_json``
and ``load_report`` write and read it; ``render_html`` renders it as one
self-contained HTML page; ``render_pdf``, ``render_junit`` and ``render_markdown``
render the other formats; ``compare_reports`` compares two runs and
``report_digest`` identifies a report whatever its rendering.
"""

from __future__ import annotations

from aiqm.render.canonical import report_digest
from aiqm.render.compare import Comparison, compare_reports
from aiqm.render.html import render_html
from aiqm.render.i18n import t
from aiqm.render.junit import render_junit
from aiqm.render.markdown import render_markdown
from aiqm.render.pdf import render_pdf
from aiqm.render.report import build_report, count_statuses, load_report, report_to_json, verdict
from aiqm.render.report_model import (
    SCHEMA_VERSION,
    Report,
    ReportAIT,
    ReportCharacteristic,
    ReportComponent,
    ReportCounts,
    ReportCriterion,
    ReportGenerator,
    ReportGuideline,
    ReportInput,
    ReportInventory,
    ReportMeasure,
    ReportResource,
    ReportRun,
    ReportSummary,
    ReportTest,
    report_json_schema,
)

__all__ = [
    "SCHEMA_VERSION",
    "Comparison",
    "Report",
    "ReportAIT",
    "ReportCharacteristic",
    "ReportComponent",
    "ReportCounts",
    "ReportCriterion",
    "ReportGenerator",
    "ReportGuideline",
    "ReportInput",
    "ReportInventory",
    "ReportMeasure",
    "ReportResource",
    "ReportRun",
    "ReportSummary",
    "ReportTest",
    "build_report",
    "compare_reports",
    "count_statuses",
    "load_report",
    "render_html",
    "render_junit",
    "render_markdown",
    "render_pdf",
    "report_digest",
    "report_json_schema",
    "report_to_json",
    "t",
    "verdict",
]
