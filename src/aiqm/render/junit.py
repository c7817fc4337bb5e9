"""Render the report document as JUnit XML for CI systems.

One ``<testsuite>`` for the run and one ``<testcase>`` per test description:
``classname`` is the characteristic (id and name), ``name`` the test's name and
``time`` its duration. An ``NG`` test has a ``<failure>``, an ``ERR`` test an
``<error>`` and an ``NA`` test ``<skipped>``; the message names the criteria that
failed with the measured values, and ``<system-out>`` lists every criterion and
measure, the AIT and the input digests. Run-level facts (run id, guideline,
target levels, verdict, report digest, and the guideline coverage counts when
the report has them) are ``<property>`` elements of the suite.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from aiqm.core.results import Status
from aiqm.render.html import fmt_param, fmt_value
from aiqm.render.i18n import t
from aiqm.report.canonical import report_digest
from aiqm.report.model import Report, ReportCriterion, ReportMeasure, ReportTest

__all__ = ["render_junit"]

# Characters XML 1.0 cannot carry (control characters other than tab, LF, CR; surrogates;
# U+FFFE/U+FFFF). AIT error texts and logs may hold them (ANSI colour codes, NUL).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MAX_MESSAGE = 1_000


def _clean(text: str) -> str:
    """Text with the characters XML 1.0 forbids replaced by U+FFFD."""
    return _ILLEGAL_XML.sub("\ufffd", text)


def _seconds(value: float | None) -> str:
    return f"{max(value or 0.0, 0.0):.3f}"


def _measured(c: ReportCriterion, lang: str) -> str:
    actual = t("undefined", lang) if c.actual is None else fmt_value(c.actual)
    text = f"{c.description}: {t('measured', lang)} {actual}"
    return f"{text} ({c.reason})" if c.reason else text


def _measure_line(m: ReportMeasure, lang: str) -> str:
    if m.value is None:
        reason = f" ({m.undefined_reason})" if m.undefined_reason else ""
        return f"{m.name} = {t('undefined', lang)}{reason}"
    unit = f" {m.unit}" if m.unit else ""
    return f"{m.name} = {fmt_value(m.value, max_items=50)}{unit}"


def _details(test: ReportTest, lang: str) -> str:
    """The plain-text account of a test: AIT, inputs, parameters, criteria, measures."""
    lines = [f"{t('ait', lang)}: {test.ait.ref}"]
    if test.requirements:
        lines.append(f"{t('requirements', lang)}: {', '.join(test.requirements)}")
    lines += [f"{t('inputs', lang)}:"] if test.inputs else []
    lines += [f"  {i.slot} = {i.inventory} ({i.kind}, {i.digest})" for i in test.inputs]
    lines += [f"{t('parameters', lang)}:"] if test.parameters else []
    lines += [f"  {k} = {fmt_param(v)}" for k, v in test.parameters.items()]
    if test.criteria:
        lines.append(f"{t('criteria', lang)}:")
        for c in test.criteria:
            mark = t("pass", lang) if c.passed else t("fail", lang)
            lines.append(f"  [{mark}] {_measured(c, lang)}")
    if test.measures:
        lines.append(f"{t('measures', lang)}:")
        lines += [f"  {_measure_line(m, lang)}" for m in test.measures]
    if test.cached_from:
        lines.append(t("cached_from", lang, run=test.cached_from))
    return "\n".join(lines)


def _failure_message(test: ReportTest, lang: str) -> str:
    failed = [c for c in test.criteria if not c.passed]
    if not failed:
        return t("status_NG", lang)
    text = f"{t('failed_criteria', lang)}: " + "; ".join(_measured(c, lang) for c in failed)
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _error_message(test: ReportTest, lang: str) -> str:
    first = (test.error or t("status_ERR", lang)).strip().splitlines() or [t("status_ERR", lang)]
    text = first[0]
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _counts(tests: Iterable[ReportTest]) -> dict[str, int]:
    tests = list(tests)
    return {
        "tests": len(tests),
        "failures": sum(x.status == Status.NG for x in tests),
        "errors": sum(x.status == Status.ERR for x in tests),
        "skipped": sum(x.status == Status.NA for x in tests),
    }


def _set_counts(element: ET.Element, counts: dict[str, int], seconds: float | None) -> None:
    for key, value in counts.items():
        element.set(key, str(value))
    element.set("time", _seconds(seconds))


def render_junit(report: Report, lang: str = "en") -> str:
    """Render a report as a JUnit XML document.

    Parameters
    ----------
    report : Report
        The report document.
    lang : str, default="en"
        Language of characteristic names and of the fixed words in messages.

    Returns
    -------
    str
        The XML document, with an XML declaration (encode as UTF-8).

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from aiqm.core.results import RunRecord
    >>> from aiqm.report.builder import build_report
    >>> run = RunRecord(id="r1", project_dir=".", component="demo",
    ...                 created_at=datetime(2024, 1, 1, tzinfo=UTC))
    >>> xml = render_junit(build_report(run, [], {}, None, {"name": "demo"}, [], {}, "0.1"))
    >>> '<testsuite name="demo" tests="0"' in xml
    True
    """
    names = {c.id: c.names.get(lang) or c.name for c in report.characteristics}
    counts = _counts(report.tests)
    total_time = report.summary.duration_s
    if total_time is None:
        total_time = sum(x.duration_s or 0.0 for x in report.tests)

    root = ET.Element("testsuites", {"name": f"aiqm: {_clean(report.component.name)}"})
    _set_counts(root, counts, total_time)
    suite = ET.SubElement(root, "testsuite", {"name": _clean(report.component.name)})
    _set_counts(suite, counts, total_time)
    suite.set("timestamp", report.run.created_at.replace(microsecond=0).isoformat())
    suite.set("id", _clean(report.run.id))

    props = ET.SubElement(suite, "properties")
    levels = ", ".join(f"{k}={v}" for k, v in report.component.levels.items())
    for key, value in (
        ("aiqm.run", report.run.id),
        ("aiqm.run_status", report.run.status),
        ("aiqm.component", report.component.name),
        (
            "aiqm.guideline",
            report.guideline.ref if report.guideline else ", ".join(report.component.guidelines),
        ),
        ("aiqm.levels", levels),
        ("aiqm.verdict", report.summary.verdict.value),
        ("aiqm.report_digest", report_digest(report)),
        ("aiqm.version", report.generator.version),
    ):
        ET.SubElement(props, "property", {"name": key, "value": _clean(str(value))})
    for cov in report.coverage:  # guideline coverage: required requirements per state
        states = " ".join(
            f"{s}={getattr(cov.counts, s)}" for s in ("passed", "failed", "missing", "pending")
        )
        ET.SubElement(
            props, "property", {"name": f"aiqm.coverage.{_clean(cov.guideline)}", "value": states}
        )

    for test in report.tests:
        char_name = names.get(test.characteristic) or test.characteristic_name
        classname = test.characteristic
        if char_name and char_name != test.characteristic:
            classname = f"{test.characteristic} {char_name}"
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": _clean(classname),
                "name": _clean(test.name),
                "time": _seconds(test.duration_s),
            },
        )
        details = _details(test, lang)
        if test.status == Status.NG:
            failure = ET.SubElement(
                case, "failure", {"message": _clean(_failure_message(test, lang)), "type": "NG"}
            )
            failure.text = _clean(
                "\n".join(_measured(c, lang) for c in test.criteria if not c.passed)
            )
        elif test.status == Status.ERR:
            error = ET.SubElement(
                case, "error", {"message": _clean(_error_message(test, lang)), "type": "ERR"}
            )
            error.text = _clean(test.error or t("status_ERR", lang))
        elif test.status == Status.NA:
            ET.SubElement(case, "skipped", {"message": t("status_NA", lang)})
        out = ET.SubElement(case, "system-out")
        out.text = _clean(details)

    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
