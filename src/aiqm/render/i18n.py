"""Fixed user-interface strings of the reports, looked up through :func:`t`.

Every string a renderer prints that does not come from the report itself goes
through ``t(key, lang)``. The strings live in gettext catalogues, one per
language, under ``aiqm/render/locale/<lang>/LC_MESSAGES/aiqm.po``; the message
id is the stable key (``"summary"``) and the message string is the text. The
compiled ``aiqm.mo`` beside each ``.po`` is what is read at run time (with the
standard library's :mod:`gettext`); ``python -m aiqm.render.catalogs`` compiles
them with Babel after an edit. Names and summaries that come from a guideline
file (characteristics, requirements) are taken from the guideline's own
languages, not from these catalogues.
"""

from __future__ import annotations

import gettext
from functools import cache
from importlib import resources

from aiqm.exceptions import InputError

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "catalogue_keys", "check_language", "t"]

DEFAULT_LANGUAGE = "en"

_DOMAIN = "aiqm"


def _languages() -> tuple[str, ...]:
    root = resources.files("aiqm.render").joinpath("locale")
    return tuple(
        sorted(
            entry.name
            for entry in root.iterdir()
            if entry.joinpath("LC_MESSAGES", f"{_DOMAIN}.mo").is_file()
        )
    )


LANGUAGES: tuple[str, ...] = _languages()
"""Languages with a compiled catalogue (``en``, ``ja``)."""


class _Missing(gettext.NullTranslations):
    """The end of the fallback chain: a key no catalogue knows is a bug."""

    def gettext(self, message: str) -> str:
        raise KeyError(
            f"no report string {message!r} in the message catalogues; add it to "
            "aiqm/render/locale/*/LC_MESSAGES/aiqm.po and run `python -m aiqm.render.catalogs`"
        )


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang`` falling back to English, then to :class:`_Missing`."""
    chain: list[gettext.NullTranslations] = []
    for code in dict.fromkeys([lang, DEFAULT_LANGUAGE]):
        if code not in LANGUAGES:
            continue
        path = resources.files("aiqm.render").joinpath(
            "locale", code, "LC_MESSAGES", f"{_DOMAIN}.mo"
        )
        with path.open("rb") as fh:
            chain.append(gettext.GNUTranslations(fh))
    chain.append(_Missing())
    for then in chain[1:]:
        chain[0].add_fallback(then)  # appended to the end of the chain
    return chain[0]


def catalogue_keys(lang: str) -> frozenset[str]:
    """The message keys the catalogue of ``lang`` itself defines (no fallback).

    Examples
    --------
    >>> "summary" in catalogue_keys("ja")
    True
    """
    if lang not in LANGUAGES:
        return frozenset()
    translations = _translations(lang)
    return frozenset(k for k in translations._catalog if k)  # type: ignore[attr-defined]


def check_language(lang: str) -> str:
    """Return ``lang`` if reports can be rendered in it.

    Raises
    ------
    InputError
        When there is no catalogue for ``lang``, naming the languages there are.

    Examples
    --------
    >>> check_language("ja")
    'ja'
    """
    if lang not in LANGUAGES:
        raise InputError(
            f"reports are not available in language {lang!r}; use one of {', '.join(LANGUAGES)}"
        )
    return lang


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The UI string ``key`` in ``lang``, formatted with ``params``.

    Parameters
    ----------
    key : str
        Catalogue key, e.g. ``"summary"``.
    lang : str, default="en"
        Language code; a language or key without a translation falls back to English.
    **params
        Values for ``{placeholders}`` in the string.

    Raises
    ------
    KeyError
        When ``key`` is not in the English catalogue (a typo in a template).

    Examples
    --------
    >>> t("verdict")
    'Verdict'
    >>> t("verdict", "ja")
    '総合判定'
    >>> t("more_rows", "en", n=3)
    '3 more rows in the artifact'
    """
    text = _translations(lang).gettext(key)
    return text.format(**params) if params else text
