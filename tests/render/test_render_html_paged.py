"""What the HTML gained for print and languages: cover, contents, glossary, digest."""

from __future__ import annotations

import re
from collections.abc import Callable

from aiqm.render import render_html
from aiqm.render.html import GLOSSARY, PAGED_MAX_TABLE_ROWS, PAGED_MAX_TEXT_BYTES
from aiqm.render.i18n import t
from aiqm.report import Report
from aiqm.report.canonical import report_digest
from report.scenario import TABLE_ROWS, TEXT_BYTES

Artifact = Callable[[str], bytes | None]


def test_screen_html_has_glossary_and_digest_but_no_cover(
    report: Report, artifact: Artifact
) -> None:
    page = render_html(report, artifact)
    assert 'id="glossary"' in page and 'class="cover"' not in page and 'class="toc"' not in page
    assert report_digest(report) in page
    for term in GLOSSARY:
        assert t(f"gl_{term}") in page
    assert "@page :first" not in page  # print rules only in the paged variant


def test_paged_html_has_cover_and_contents_linking_every_section(
    report: Report, artifact: Artifact
) -> None:
    page = render_html(report, artifact, paged=True)
    assert '<body class="paged">' in page and 'class="cover"' in page
    assert "target-counter(attr(href), page)" in page and "counter(pages)" in page
    toc = page.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'href="#([^"]+)"', toc)
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    assert links and set(links) <= ids
    assert len([x for x in links if x.startswith("test-")]) == len(report.tests)
    assert len([x for x in links if x.startswith("char-")]) == len(report.characteristics)
    assert {"summary", "inventories", "environment", "glossary"} <= set(links)


def test_paged_html_caps_tables_and_texts(report: Report, artifact: Artifact) -> None:
    page = render_html(report, artifact, paged=True)
    assert (
        f"row-{PAGED_MAX_TABLE_ROWS - 1:03d}" in page
        and f"row-{PAGED_MAX_TABLE_ROWS:03d}" not in page
    )
    assert f"{TABLE_ROWS - PAGED_MAX_TABLE_ROWS} more rows in the artifact" in page
    assert f"{TEXT_BYTES - PAGED_MAX_TEXT_BYTES} more bytes in the artifact" in page


def test_japanese_html_takes_names_from_the_guideline(report: Report, artifact: Artifact) -> None:
    page = render_html(report, artifact, lang="ja")
    assert report.guideline is not None
    assert report.guideline.titles["ja"] in page
    assert "用語集" in page and "レポートダイジェスト" in page
    en = render_html(report, artifact, lang="en")
    assert report.guideline.titles["ja"] not in en and report.guideline.titles["en"] in en
