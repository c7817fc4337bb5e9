"""Reports: the report document (JSON, the single source) and its renderings.

``build_report`` turns a run's records into a :class:`Report`; ``report_to_json``
and ``load_report`` write and read it; ``render_html`` renders it as one
self-contained HTML page.
"""

from __future__ import annotations

from aiqm.render.html import render_html
from aiqm.render.i18n import t
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
    "count_statuses",
    "load_report",
    "render_html",
    "report_json_schema",
    "report_to_json",
    "t",
    "verdict",
]
