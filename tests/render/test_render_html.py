"""The self-contained HTML rendering."""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from aiqm.core.results import CriterionOutcome, MeasureValue, Status, TDResult
from aiqm.render import render_html
from aiqm.render.html import MAX_TABLE_ROWS, fmt_value
from aiqm.report import Report
from report.scenario import (
    ERROR_TEXT,
    MODEL_DIGEST,
    T0,
    TABLE_ROWS,
    TEXT_BYTES,
    XSS_NAME,
    Scenario,
    Store,
    svg_figure,
)

Artifact = Callable[[str], bytes | None]


class _Collector(HTMLParser):
    """Collects tags, their attributes and the text of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Collector:
    p = _Collector()
    p.feed(page)
    p.close()
    return p


@pytest.fixture
def page(report: Report, artifact: Artifact) -> str:
    return render_html(report, artifact)


def test_page_has_every_test_and_the_header(page: str, report: Report) -> None:
    text = "".join(_parse(page).text)
    for test in report.tests:
        assert test.name in text
    assert "loan-approval" in text
    assert "Machine Learning Quality Management Guideline" in text
    assert "AISL: 1" in text and "AIFL: 1" in text
    assert "run-20240501-0001" in text
    assert "2024-05-01 09:00:00" in text
    assert re.search(r'class="badge big st-ERR"[^>]*>ERR<', page)


def test_test_names_are_escaped(page: str) -> None:
    assert (
        html.escape(XSS_NAME) in page or "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    )
    assert "<script" not in page.lower()
    assert "script" not in {tag for tag, _ in _parse(page).tags}


def test_error_text_is_shown(page: str) -> None:
    assert html.escape(ERROR_TEXT) in page or ERROR_TEXT.replace("'", "&#39;") in page
    assert 'class="error-box"' in page


def test_no_external_references(page: str) -> None:
    tags = _parse(page).tags
    assert not [t for t, _ in tags if t in ("script", "link", "iframe", "object", "embed")]
    for tag, attrs in tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            if value is None:
                continue
            assert not re.match(r"^\s*([a-z][a-z0-9+.-]*:|//)", value, re.I) or value.startswith(
                "data:image/"
            ), (tag, name, value[:80])
            if name == "href":
                assert value.startswith("#")


def test_figures_are_embedded_as_data_uris(page: str, scenario: Scenario) -> None:
    srcs = [a["src"] for t, a in _parse(page).tags if t == "img"]
    svgs = [s for s in srcs if s.startswith("data:image/svg+xml;base64,")]
    pngs = [s for s in srcs if s.startswith("data:image/png;base64,")]
    assert len(svgs) == 1 and len(pngs) == 1
    assert base64.b64decode(svgs[0].split(",", 1)[1]) == scenario.svg
    assert base64.b64decode(pngs[0].split(",", 1)[1]) == scenario.png


def test_table_is_capped(page: str) -> None:
    assert "row-000" in page
    assert f"row-{MAX_TABLE_ROWS - 1:03d}" in page
    assert f"row-{MAX_TABLE_ROWS:03d}" not in page
    assert f"{TABLE_ROWS - MAX_TABLE_ROWS} more rows in the artifact" in page


def test_text_is_truncated(page: str) -> None:
    assert f"{TEXT_BYTES - 20_000} more bytes in the artifact" in page
    assert "x" * 99 in page


def test_missing_artifact_is_reported_not_raised(report: Report, scenario: Scenario) -> None:
    page = render_html(report, scenario.store.get)
    assert page.count("artifact missing") == 1  # lost_figure only

    def broken(digest: str) -> bytes | None:
        raise OSError("disk gone")

    page = render_html(report, broken)
    assert "artifact missing" in page
    assert "data:image" not in page


def test_criteria_measures_and_directions(page: str) -> None:
    text = " ".join(_parse(page).text)
    assert "accuracy >= 0.8" in text
    assert "0.61 < 0.8" in text  # reason of the failing criterion
    assert "fail" in text and "pass" in text
    assert "no positive samples in the dataset" in text  # undefined reason
    assert "↑" in text and "↓" in text
    assert "higher is better" in text
    assert "[0.9, 0.92, 0.88]" in text  # sequence measure
    assert "0.9123" in text  # formatted float


def test_inventories_full_digest_and_tests_short_digest(page: str) -> None:
    text = "".join(_parse(page).text)
    assert MODEL_DIGEST in text  # inventories table
    assert MODEL_DIGEST.split(":")[1][:12] in text
    assert "3.11.7" in text and "packages.numpy" in text  # environment, flattened


def test_downloads_are_listed_not_embedded(page: str) -> None:
    assert "predictions.csv" in page
    assert "id,pred" not in page


def test_status_colours_and_print_css(page: str) -> None:
    for status in ("OK", "NG", "ERR", "NA"):
        assert f".st-{status}" in page
    assert "page-break-inside: avoid" in page
    assert "@media print" in page


def test_characteristic_sections_in_guideline_order(page: str) -> None:
    heads = [m.group(1).strip() for m in re.finditer(r"<h2>([^<]+)<span", page)]
    assert heads == [
        "AI performance",
        "Coverage for distinguished problem cases",
        "Adequacy of data",
        "Stability of the trained model",
        "X-9",
    ]


def test_bad_table_shows_a_note(scenario: Scenario) -> None:
    store = scenario.store
    bad = store.ref("per_row", "table", "application/json", json.dumps([1, 2]).encode())
    res = TDResult(
        td_name="bad table",
        characteristic="C-1",
        ait_id="x_ait",
        ait_version="1.0.0",
        status=Status.OK,
        resources=[bad],
    )
    page = render_html(scenario.build(results=[res]), store.get)
    assert "table could not be read" in page


def test_empty_report_renders(scenario: Scenario) -> None:
    page = render_html(scenario.build(results=[], guideline=None), scenario.store.get)
    assert "No tests in this run." in page
    assert re.search(r'class="badge big st-NA"[^>]*>NA<', page)


def test_thirty_test_report_is_small(scenario: Scenario) -> None:
    store = Store()
    results = []
    for i in range(30):
        svg = svg_figure(i)
        results.append(
            TDResult(
                td_name=f"test {i:02d}",
                characteristic=("C-1", "B-3", "AIPL")[i % 3],
                ait_id="classification_performance",
                ait_version="1.0.0",
                status=Status.OK if i % 4 else Status.NG,
                measures=[MeasureValue(name="accuracy", value=0.8 + i / 1000)],
                criteria=[
                    CriterionOutcome(
                        measure="accuracy",
                        description="accuracy >= 0.81",
                        actual=0.8 + i / 1000,
                        passed=bool(i % 4),
                    )
                ],
                resources=[store.ref("confusion_matrix", "figure", "image/svg+xml", svg)],
                started_at=T0 + timedelta(seconds=i),
                duration_s=1.0,
            )
        )
    page = render_html(scenario.build(results=results), store.get)
    size = len(page.encode("utf-8"))
    assert size < 5_000_000, size
    assert page.count("data:image/svg+xml;base64,") == 30
    assert all(f"test {i:02d}" in page for i in range(30))


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.5, "0.5"), (1e-6, "1e-06"), (123456.789, "123456.789"), (False, "false"), ([], "[]")],
)
def test_fmt_value(value: object, text: str) -> None:
    assert fmt_value(value) == text


def test_language_sets_lang_and_characteristic_names(report: Report, artifact: Artifact) -> None:
    page = render_html(report, artifact, lang="ja")
    assert '<html lang="ja">' in page
    assert "AIパフォーマンス" in page  # characteristic name from the guideline's ja text
    assert "概要" in page  # UI strings from the ja catalogue


def test_every_template_key_is_in_the_catalogue() -> None:
    from importlib import resources

    from aiqm.render.i18n import LANGUAGES, t

    keys: set[str] = set()
    for entry in resources.files("aiqm.render").joinpath("templates").iterdir():
        keys |= set(re.findall(r"""\bt\(\s*["']([a-z_]+)["']\s*[,)]""", entry.read_text("utf-8")))
    assert {"summary", "verdict", "more_rows", "error"} <= keys
    for lang in LANGUAGES:
        for key in keys:
            assert t(
                key,
                lang,
                n=1,
                run="r",
                size="1 B",
                error="e",
                media_type="x",
                name="aiqm",
                version="1",
                schema="1.0",
            )
