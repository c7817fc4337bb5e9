"""Render the report document as a short Markdown summary for pull-request comments.

The summary has the verdict, the counts, the guideline coverage (requirements
passed, failed, missing, pending) when the report has it, one table row per test (status,
characteristic, key measures) and, for each test that did not pass, the failed
criteria with their measured values or the first line of the error. Text from
the report is escaped so that a test name cannot inject Markdown or HTML. Long
runs are cut after ``max_tests`` rows, failing tests first, so the comment stays
within what code hosts accept (GitHub: 65,536 characters).

:func:`render_comparison_markdown` renders a run comparison
(:class:`aiqm.report.compare.Comparison`) the same way.
"""

from __future__ import annotations

import html
import re
from typing import Any

from aiqm.core.results import Status
from aiqm.render.html import fmt_duration, fmt_value, short_digest
from aiqm.render.i18n import t
from aiqm.report.canonical import report_digest
from aiqm.report.compare import Comparison
from aiqm.report.model import Report, ReportMeasure, ReportTest

__all__ = ["MAX_CHARS", "render_comparison_markdown", "render_markdown"]

MAX_CHARS = 60_000
"""The rendering is cut (with a note) past this many characters."""

_ICON = {"OK": "✅", "NG": "❌", "ERR": "⚠️", "NA": "⏭️"}
# Markdown syntax that acts inside a line (text here never starts a line).
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_text(text: str) -> str:
    """Escape text for Markdown (inline, one line): HTML and Markdown syntax are neutralised.

    Examples
    --------
    >>> md_text("a|b <i>*x*</i>")
    'a\\\\|b &lt;i&gt;\\\\*x\\\\*&lt;/i&gt;'
    """
    one_line = " ".join(str(text).split())
    return _SPECIAL.sub(r"\\\1", html.escape(one_line, quote=False))


def md_code(text: str) -> str:
    """An inline code span that holds ``text`` verbatim (pipes escaped for tables).

    Examples
    --------
    >>> md_code("a >= 1")
    '`a >= 1`'
    >>> md_code("x`y")
    '`` x`y ``'
    """
    one_line = " ".join(str(text).split()).replace("|", "\\|")
    if "`" not in one_line:
        return f"`{one_line}`"
    return f"`` {one_line} ``"


def _value(m: ReportMeasure, lang: str) -> str:
    if m.value is None:
        return f"*{t('undefined', lang)}*"
    unit = f" {m.unit}" if m.unit else ""
    return md_text(fmt_value(m.value) + unit)


def _key_measures(test: ReportTest, lang: str, limit: int = 3) -> str:
    judged = list(dict.fromkeys(c.measure for c in test.criteria))
    by_name = {m.name: m for m in test.measures}
    chosen = [by_name[n] for n in judged if n in by_name] or test.measures
    return "<br>".join(f"{md_text(m.name)} = {_value(m, lang)}" for m in chosen[:limit])


def _problem(test: ReportTest, lang: str) -> str:
    if test.status == Status.ERR:
        lines = (test.error or "").strip().splitlines()
        return md_code(lines[0][:300]) if lines else t("status_ERR", lang)
    parts = []
    for c in test.criteria:
        if c.passed:
            continue
        actual = t("undefined", lang) if c.actual is None else fmt_value(c.actual)
        part = f"{md_code(c.description)} — {md_text(t('measured', lang))} {md_text(actual)}"
        if c.reason:
            part += f" ({md_text(c.reason)})"
        parts.append(part)
    return "; ".join(parts) or md_text(t("status_NG", lang))


def _coverage(report: Report, lang: str) -> list[str]:
    """One table row per guideline: requirements passed, failed, missing, pending."""
    if not report.coverage:
        return []
    states = ("passed", "failed", "missing", "pending")
    out = [
        f"| {md_text(t('coverage', lang))} | "
        + " | ".join(md_text(t(f"cov_{s}", lang)) for s in states)
        + " |",
        "|---|---:|---:|---:|---:|",
    ]
    for cov in report.coverage:
        title = cov.title.get(lang) or cov.title.get("en") or cov.guideline
        counts = " | ".join(str(getattr(cov.counts, s)) for s in states)
        out.append(f"| {md_text(title)} {md_code(cov.guideline)} | {counts} |")
    return [*out, ""]


def render_markdown(report: Report, lang: str = "en", *, max_tests: int = 50) -> str:
    """Render a report as a short Markdown summary.

    Parameters
    ----------
    report : Report
        The report document.
    lang : str, default="en"
        Language of fixed strings and of characteristic and guideline names.
    max_tests : int, default=50
        Rows of the test table; tests that did not pass are listed first when
        the run has more.

    Returns
    -------
    str
        GitHub-flavoured Markdown.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from aiqm.core.results import RunRecord
    >>> from aiqm.report.builder import build_report
    >>> run = RunRecord(id="r1", project_dir=".", component="demo",
    ...                 created_at=datetime(2024, 1, 1, tzinfo=UTC))
    >>> md = render_markdown(build_report(run, [], {}, None, {"name": "demo"}, [], {}, "0.1"))
    >>> md.splitlines()[0]
    '### ⏭️ AI quality report: demo — NA'
    """
    s = report.summary
    names = {c.id: c.names.get(lang) or c.name for c in report.characteristics}
    out = [
        f"### {_ICON[s.verdict.value]} {md_text(t('report_title', lang))}: "
        f"{md_text(report.component.name)} — {s.verdict.value}",
        "",
    ]
    facts = []
    if report.guideline is not None:
        title = report.guideline.titles.get(lang) or report.guideline.title
        facts.append(
            f"**{md_text(t('guideline', lang))}** {md_text(title)} ({md_code(report.guideline.ref)})"
        )
    if report.component.levels:
        levels = ", ".join(f"{k} {v}" for k, v in report.component.levels.items())
        facts.append(f"**{md_text(t('levels', lang))}** {md_text(levels)}")
    facts.append(f"**{md_text(t('run', lang))}** {md_code(report.run.id)}")
    facts.append(
        f"**{md_text(t('report_digest', lang))}** {md_code(short_digest(report_digest(report)))}"
    )
    out += [" · ".join(facts), ""]

    header = " | ".join(["OK", "NG", "ERR", "NA", md_text(t("total", lang))])
    counts = " | ".join(str(v) for v in (s.OK, s.NG, s.ERR, s.NA, s.total))
    duration = (
        f" · {md_text(t('duration', lang))}: {fmt_duration(s.duration_s)}"
        if s.duration_s is not None
        else ""
    )
    out += [f"| {header} |", "|---:|---:|---:|---:|---:|", f"| {counts} |", ""]
    if duration:
        out += [duration.lstrip(" ·"), ""]

    out += _coverage(report, lang)

    if not report.tests:
        out += [md_text(t("no_tests", lang)), ""]
    else:
        tests = list(report.tests)
        if len(tests) > max_tests:
            rank = {"ERR": 0, "NG": 1, "NA": 2, "OK": 3}
            tests = sorted(tests, key=lambda x: rank[x.status.value])[:max_tests]
        out += [
            f"| | {md_text(t('test', lang))} | {md_text(t('characteristic', lang))} | "
            f"{md_text(t('key_measures', lang))} |",
            "|---|---|---|---|",
        ]
        for test in tests:
            char = names.get(test.characteristic) or test.characteristic_name
            cell = md_text(test.characteristic)
            if char and char != test.characteristic:
                cell += f" {md_text(char)}"
            out.append(
                f"| {_ICON[test.status.value]} {test.status.value} | {md_text(test.name)} | "
                f"{cell} | {_key_measures(test, lang)} |"
            )
        if len(report.tests) > len(tests):
            out += ["", md_text(t("more_tests", lang, n=len(report.tests) - len(tests)))]
        out.append("")

        failing = [x for x in tests if x.status in (Status.NG, Status.ERR)]
        if failing:
            out += [f"#### {md_text(t('failing_tests', lang))}", ""]
            out += [
                f"- {_ICON[x.status.value]} **{md_text(x.name)}** ({x.status.value}): {_problem(x, lang)}"
                for x in failing
            ]
            out.append("")

    out.append(
        "<sub>"
        + md_text(
            t(
                "generated_by",
                lang,
                name=report.generator.name,
                version=report.generator.version,
                schema=report.schema_version,
            )
        )
        + "</sub>"
    )
    text = "\n".join(out) + "\n"
    if len(text) > MAX_CHARS:
        cut = text[:MAX_CHARS].rsplit("\n", 1)[0]
        text = cut + "\n\n" + md_text(t("more_tests", lang, n=len(report.tests))) + "\n"
    return text


# ---------------------------------------------------------------- comparison


def _cell(value: Any) -> str:
    return md_text(fmt_value(value)) if value is not None else "—"


def render_comparison_markdown(comparison: Comparison, *, changed_only: bool = True) -> str:
    """The comparison as Markdown (for a pull-request comment).

    Parameters
    ----------
    comparison : Comparison
        From :func:`aiqm.report.compare.compare_reports`.
    changed_only : bool, default=True
        List only tests and measures that changed.

    Returns
    -------
    str
        GitHub-flavoured Markdown.
    """
    c = comparison
    icon = "❌" if c.has_regression else ("🔄" if c.has_changes else "✅")
    counts = c.counts()
    out = [
        f"### {icon} aiqm compare: {md_code(c.before.run_id)} → {md_code(c.after.run_id)}",
        "",
        f"Verdict {c.before.verdict.value} → {c.after.verdict.value} · "
        + ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        + f" · tolerance {c.tolerance:g}",
        "",
    ]
    if c.regressions:
        out += ["**Regressions**", ""] + [f"- {md_text(r)}" for r in c.regressions] + [""]
    tests = [t for t in c.tests if t.change != "unchanged" or not changed_only]
    if tests:
        out += ["| Test | Change | Status | Measures |", "|---|---|---|---|"]
        for t in tests:
            status = (
                f"{t.status_before.value if t.status_before else '—'} → "
                f"{t.status_after.value if t.status_after else '—'}"
            )
            moved = [
                f"{md_text(d.measure)} {_cell(d.before)} → {_cell(d.after)}"
                + (f" ({d.delta:+.4g})" if d.delta is not None and not d.deltas else "")
                for d in t.measures
                if d.change != "unchanged" or not changed_only
            ]
            out.append(f"| {md_text(t.name)} | {t.change} | {status} | {'<br>'.join(moved)} |")
        out.append("")
    if c.inventories:
        out += ["| Inventory | Change | Before | After |", "|---|---|---|---|"]
        out += [
            f"| {md_text(i.name)} | {i.change} | {md_code((i.digest_before or '—')[:19])} | "
            f"{md_code((i.digest_after or '—')[:19])} |"
            for i in c.inventories
        ]
        out.append("")
    if not c.has_changes:
        out += ["No changes.", ""]
    return "\n".join(out)
