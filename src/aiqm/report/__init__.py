"""The report document: what a run judged and what of the guideline it covers.

The report is domain, not format: :func:`build_report` turns a run's records
into a :class:`Report` (pydantic models, published as a JSON Schema);
:func:`report_to_json` and :func:`load_report` write and read it;
:func:`verdict` and :func:`count_statuses` summarise statuses;
:func:`report_coverage` maps the results onto the component's guidelines;
:func:`compare_reports` compares two runs; :func:`report_digest` identifies a
report whatever its rendering. :mod:`aiqm.render` turns the document into
HTML, PDF, JUnit XML and Markdown.
"""

from __future__ import annotations

from aiqm.report.builder import build_report, load_report, report_to_json
from aiqm.report.canonical import canonical_json, report_digest, report_digest_of_json
from aiqm.report.compare import Comparison, compare_reports
from aiqm.report.coverage import report_coverage
from aiqm.report.model import (
    SCHEMA_VERSION,
    Report,
    ReportAIT,
    ReportCharacteristic,
    ReportComponent,
    ReportCounts,
    ReportCoverage,
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
from aiqm.report.verdict import count_statuses, verdict

__all__ = [
    "SCHEMA_VERSION",
    "Comparison",
    "Report",
    "ReportAIT",
    "ReportCharacteristic",
    "ReportComponent",
    "ReportCounts",
    "ReportCoverage",
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
    "canonical_json",
    "compare_reports",
    "count_statuses",
    "load_report",
    "report_coverage",
    "report_digest",
    "report_digest_of_json",
    "report_json_schema",
    "report_to_json",
    "verdict",
]
