"""The paginated A4 PDF (WeasyPrint), checked with poppler's pdftotext/pdfinfo/pdffonts.

Needs the ``pdf`` extra and poppler-utils; ``.ci/run`` installs both and the
Noto CJK font. Outside CI a missing tool skips these tests; in CI it fails them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from aiqm.core.results import CriterionOutcome, MeasureValue, Status, TDResult
from aiqm.render.html import render_html
from aiqm.report import Report, report_to_json
from aiqm.report.canonical import report_digest
from report.scenario import (
    DATA_DIGEST,
    MODEL_DIGEST,
    T0,
    Scenario,
    Store,
    make_scenario,
    svg_figure,
)


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed (apt-get install poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _weasyprint() -> None:
    from aiqm.render.pdf import pdf_available

    ok, reason = pdf_available()
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


class Rendered:
    def __init__(self, tmp: Path, report: Report, scenario: Scenario, lang: str) -> None:
        from aiqm.render.pdf import render_pdf

        self.report = report
        self.path = tmp / f"report-{lang}.pdf"
        self.path.write_bytes(render_pdf(report, scenario.store.get, lang=lang))
        self.text = _run(_need("pdftotext"), "-enc", "UTF-8", str(self.path), "-")
        self.flat = re.sub(r"\s+", "", self.text)
        info = _run(_need("pdfinfo"), str(self.path))
        self.pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
        self.fonts = _run(_need("pdffonts"), str(self.path))

    def page_text(self, n: int) -> str:
        return _run("pdftotext", "-enc", "UTF-8", "-f", str(n), "-l", str(n), str(self.path), "-")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    _weasyprint()
    scenario = make_scenario()
    report = scenario.build()
    tmp = tmp_path_factory.mktemp("pdf")
    return {lang: Rendered(tmp, report, scenario, lang) for lang in ("en", "ja")}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_pdf_has_every_test_and_a_sane_page_count(pdfs: dict[str, Rendered], lang: str) -> None:
    pdf = pdfs[lang]
    assert pdf.path.read_bytes().startswith(b"%PDF-")
    for test in pdf.report.tests:
        assert re.sub(r"\s+", "", test.name) in pdf.flat, test.name
    assert 5 <= pdf.pages <= 30, pdf.pages  # cover, contents, summary, sections, glossary


def test_japanese_pdf_has_japanese_names_and_embeds_a_cjk_font(pdfs: dict[str, Rendered]) -> None:
    ja = pdfs["ja"]
    names = [c.names["ja"] for c in ja.report.characteristics if c.names.get("ja")]
    assert len(names) >= 3
    for name in names:
        assert name in ja.flat, name
    assert ja.report.guideline is not None
    assert ja.report.guideline.titles["ja"] in ja.flat
    for text in ("AI品質レポート", "目次", "概要", "用語集", "総合判定"):
        assert text in ja.flat, text
    cjk = [line for line in ja.fonts.splitlines() if "CJK" in line]
    assert cjk, ja.fonts
    # columns: name type encoding emb sub uni object ID -> every CJK font embedded
    assert all(line.split()[-5] == "yes" for line in cjk), cjk
    assert "Contents" not in ja.text and "Glossary" not in ja.text


def test_english_pdf_fonts_are_embedded(pdfs: dict[str, Rendered]) -> None:
    rows = pdfs["en"].fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), rows


def test_cover_shows_component_guideline_levels_run_and_digest(pdfs: dict[str, Rendered]) -> None:
    en = pdfs["en"]
    cover = en.page_text(1)
    flat = re.sub(r"\s+", "", cover)
    for text in ("AI QUALITY REPORT", "loan-approval", "Machine Learning Quality Management"):
        assert re.sub(r"\s+", "", text) in flat, text
    assert "AISL: 1" in cover and "AIFL: 1" in cover
    assert "run-20240501-0001" in cover and "2024-05-01 09:00:00" in cover
    assert report_digest(en.report) in flat  # full digest, wrapped but not cut


def test_contents_have_page_numbers_and_pages_are_numbered(pdfs: dict[str, Rendered]) -> None:
    en = pdfs["en"]
    contents = en.page_text(2)
    assert "Contents" in contents
    entries = re.findall(r"^(Summary|Inventories|Glossary)[ .]*?(\d+)\s*$", contents, re.M)
    pages = {name: int(n) for name, n in entries}
    assert set(pages) == {"Summary", "Inventories", "Glossary"}, contents
    assert 3 <= pages["Summary"] < pages["Inventories"] < pages["Glossary"] <= en.pages
    assert "Glossary" in en.page_text(pages["Glossary"])
    assert f"2 / {en.pages}" in contents  # page footer
    assert "1 / " not in en.page_text(1)  # no number on the cover


def test_long_values_are_wrapped_not_clipped(pdfs: dict[str, Rendered]) -> None:
    flat = pdfs["en"].flat
    for digest in (DATA_DIGEST, MODEL_DIGEST):
        assert digest in flat  # the inventories table shows every character of each digest
    assert "ZeroDivisionError:divisionbyzerowhilecomputingdriftforcolumn'age'" in flat


def test_report_json_is_attached(pdfs: dict[str, Rendered], tmp_path: Path) -> None:
    pdfdetach = _need("pdfdetach")
    pdf = pdfs["en"]
    assert "report.json" in _run(pdfdetach, "-list", str(pdf.path))
    out = tmp_path / "attached.json"
    _run(pdfdetach, "-savefile", "report.json", "-o", str(out), str(pdf.path))
    assert out.read_text("utf-8") == report_to_json(pdf.report)


def test_missing_weasyprint_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from aiqm.render import pdf as pdf_module

    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name == "weasyprint":
            raise ImportError("No module named 'weasyprint'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", fake_import)
    ok, reason = pdf_module.pdf_available()
    assert not ok and "pip install 'aiqm[pdf]'" in reason
    with pytest.raises(pdf_module.PDFUnavailableError, match=r"aiqm\[pdf\]"):
        pdf_module.render_pdf(make_scenario().build(), lambda d: None)


def test_fetcher_refuses_anything_but_data_uris() -> None:
    _weasyprint()
    import weasyprint

    from aiqm.render.pdf import _offline_fetcher

    fetcher = _offline_fetcher(weasyprint)
    for url in ("http://example.com/x.png", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


def test_thirty_test_paged_html_is_small(scenario: Scenario) -> None:
    store = Store()
    results = [
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
            resources=[store.ref("confusion_matrix", "figure", "image/svg+xml", svg_figure(i))],
            started_at=T0 + timedelta(seconds=i),
            duration_s=1.0,
        )
        for i in range(30)
    ]
    report = scenario.build(results=results)
    for paged in (False, True):
        for lang in ("en", "ja"):
            page = render_html(report, store.get, lang=lang, paged=paged)
            assert len(page.encode("utf-8")) < 5_000_000
            assert page.count("data:image/svg+xml;base64,") == 30
