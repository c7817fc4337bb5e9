"""The Markdown summary for pull-request comments."""

from __future__ import annotations

import re

from aiqm.core.results import Status, TDResult
from aiqm.render.markdown import MAX_CHARS, md_code, md_text, render_markdown
from aiqm.report import Report
from aiqm.report.canonical import report_digest
from report.scenario import ERROR_TEXT, XSS_NAME, Scenario


def test_summary_has_verdict_counts_tests_and_failures(report: Report) -> None:
    md = render_markdown(report)
    lines = md.splitlines()
    assert lines[0] == "### ⚠️ AI quality report: loan-approval — ERR"
    assert "| 2 | 1 | 1 | 1 | 5 |" in md  # OK NG ERR NA total
    assert "`run-20240501-0001`" in md
    assert report_digest(report).split(":")[1][:12] in md
    rows = [line for line in lines if re.match(r"^\| (✅|❌|⚠️|⏭️) ", line)]
    assert len(rows) == len(report.tests)
    assert "| ❌ NG | accuracy on holdout | AIPL " in md
    failing = md.split("#### Tests that did not pass", 1)[1]
    assert "`accuracy >= 0.8` — measured 0.61 (0.61 &lt; 0.8)" in failing
    assert (
        "f1\\_score >= 0.5" not in failing and "`f1_score >= 0.5` — measured undefined" in failing
    )
    assert ERROR_TEXT in failing
    assert "stability under noise" not in failing  # OK tests are not listed as failures


def test_report_text_cannot_inject_markdown_or_html(report: Report) -> None:
    md = render_markdown(report)
    assert "<script>" not in md
    assert md_text(XSS_NAME) in md
    assert md_text("a|b *c* [d](e)") == "a\\|b \\*c\\* \\[d\\](e)"
    assert md_code("x|y") == "`x\\|y`"
    assert md_text("two\nlines") == "two lines"


def test_japanese_summary_uses_catalogue_and_guideline_names(report: Report) -> None:
    md = render_markdown(report, "ja")
    assert md.startswith("### ⚠️ AI品質レポート: loan-approval — ERR")
    assert "合格しなかったテスト" in md and "実測値 0.61" in md
    ja_names = [c.names["ja"] for c in report.characteristics if "ja" in c.names]
    assert ja_names and all(name in md for name in ja_names)
    assert report.guideline is not None
    assert report.guideline.titles["ja"] in md


def test_long_runs_are_cut_failures_first(scenario: Scenario) -> None:
    results = [
        TDResult(
            td_name=f"t{i:03d}",
            characteristic="C-1",
            ait_id="x",
            ait_version="1",
            status=Status.NG if i % 50 == 7 else Status.OK,
        )
        for i in range(120)
    ]
    md = render_markdown(scenario.build(results=results), max_tests=10)
    assert "110 more tests are in the full report." in md
    rows = [line for line in md.splitlines() if re.match(r"^\| (✅|❌) ", line)]
    assert len(rows) == 10
    assert rows[0].startswith("| ❌ NG | t007") and rows[1].startswith("| ❌ NG | t057")
    assert (
        len(render_markdown(scenario.build(results=results), max_tests=10_000)) <= MAX_CHARS + 200
    )


def test_empty_run(scenario: Scenario) -> None:
    md = render_markdown(scenario.build(results=[], guideline=None))
    assert "No tests in this run." in md
    assert md.startswith("### ⏭️ ")
