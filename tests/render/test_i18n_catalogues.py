"""The gettext message catalogues behind every fixed report string."""

from __future__ import annotations

import re
import shutil
import string
from importlib import resources
from pathlib import Path

import pytest
from tests._require import require_module

from aiqm.exceptions import InputError
from aiqm.render.catalogs import check_catalogues, compile_catalogues, locale_dir
from aiqm.render.i18n import LANGUAGES, catalogue_keys, check_language, t

# keys built in templates as a prefix plus a value ("status_" ~ test.status)
_DYNAMIC = {
    "status_": ["OK", "NG", "ERR", "NA"],
    "kind_": ["external", "internal", "unknown"],
    "direction_": ["higher", "lower", "none"],
    "gl_": [],  # glossary terms: checked from html.GLOSSARY below
}


def _used_keys() -> set[str]:
    """Literal t("…") keys in every template and render module, plus the dynamic ones."""
    keys: set[str] = set()
    literal = re.compile(r"""\bt\(\s*["']([a-z][a-z0-9_.]*)["']\s*[,)]""")
    root = resources.files("aiqm.render")
    sources = [e for e in root.joinpath("templates").iterdir() if e.name.endswith(".html")]
    sources += [e for e in root.iterdir() if e.name.endswith(".py")]
    for entry in sources:
        keys |= set(literal.findall(entry.read_text("utf-8")))
    for prefix, values in _DYNAMIC.items():
        keys |= {prefix + v for v in values}
    from aiqm.render.html import GLOSSARY

    keys |= {f"gl_{term}" for term in GLOSSARY} | {f"gl_{term}_def" for term in GLOSSARY}
    return keys


def test_languages_are_english_and_japanese() -> None:
    assert LANGUAGES == ("en", "ja")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_key_used_by_a_renderer_is_in_the_catalogue(lang: str) -> None:
    used = _used_keys()
    assert {"summary", "report_digest", "glossary", "contents", "failed_criteria"} <= used
    missing = sorted(used - catalogue_keys(lang))
    assert not missing, f"keys missing from the {lang} catalogue: {missing}"


def test_japanese_catalogue_translates_every_english_key() -> None:
    en, ja = catalogue_keys("en"), catalogue_keys("ja")
    assert sorted(en - ja) == [] and sorted(ja - en) == []


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_placeholders_agree_between_languages() -> None:
    for key in sorted(catalogue_keys("en")):
        assert _fields(t(key, "en")) == _fields(t(key, "ja")), key


def test_japanese_strings_are_translations() -> None:
    assert t("summary", "ja") == "概要"
    assert t("report_title", "ja") == "AI品質レポート"
    assert t("status_NG", "ja") == "不合格"
    assert t("more_rows", "ja", n=5) == "残り 5 行は成果物にあります"
    # a large share of the Japanese strings hold Japanese characters
    ja_keys = [k for k in catalogue_keys("ja") if not k.startswith("web.")]
    japanese = [k for k in ja_keys if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", t(k, "ja"))]
    assert len(japanese) >= 0.8 * len(ja_keys)


def test_unknown_key_and_language() -> None:
    with pytest.raises(KeyError, match=r"aiqm\.po"):
        t("no_such_key")
    assert t("summary", "fr") == "Summary"  # unknown language: English
    with pytest.raises(InputError, match="use one of en, ja"):
        check_language("fr")
    assert check_language("ja") == "ja"


def test_compiled_catalogues_are_up_to_date() -> None:
    states = check_catalogues()
    assert {s.lang for s in states} == {"en", "ja"}
    stale = [s.problem for s in states if not s.up_to_date]
    assert not stale, f"{stale}; run `python -m aiqm.render.catalogs`"


def test_compiling_is_reproducible_and_detects_staleness(tmp_path: Path) -> None:
    require_module("babel", "pip install 'aiqm[dev]'")
    copy = tmp_path / "locale"
    shutil.copytree(locale_dir(), copy)
    first = {p: p.read_bytes() for p in compile_catalogues(copy)}
    second = {p: p.read_bytes() for p in compile_catalogues(copy)}
    assert first == second and len(first) == 2
    assert all(s.up_to_date for s in check_catalogues(copy))
    po = copy / "ja" / "LC_MESSAGES" / "aiqm.po"
    po.write_text(po.read_text("utf-8").replace('msgstr "概要"', 'msgstr "まとめ"'), "utf-8")
    stale = [s for s in check_catalogues(copy) if not s.up_to_date]
    assert [s.lang for s in stale] == ["ja"] and "summary" in stale[0].problem


def test_catalogue_cli_check(capsys: pytest.CaptureFixture[str]) -> None:
    from aiqm.render.catalogs import main

    assert main(["--check"]) == 0
    assert main(["--bogus"]) == 2


def test_t_catalogue() -> None:
    assert t("summary") == "Summary"
    assert t("verdict", "xx") == "Verdict"  # unknown language falls back to English
    assert t("more_rows", n=5) == "5 more rows in the artifact"
    with pytest.raises(KeyError):
        t("no_such_key")
