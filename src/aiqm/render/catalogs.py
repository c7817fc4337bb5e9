"""Compile the report message catalogues (``.po`` → ``.mo``) with Babel.

The ``.po`` files under ``aiqm/render/locale/<lang>/LC_MESSAGES/aiqm.po`` are
the sources; the ``.mo`` files beside them are committed so that aiqm reads its
strings with the standard library's :mod:`gettext` and needs Babel only to
compile. After editing a ``.po`` file, run::

    python -m aiqm.render.catalogs          # rewrite the .mo files
    python -m aiqm.render.catalogs --check  # exit 1 if a .mo is out of date

The same ``.po`` file and Babel version always give the same ``.mo`` bytes; a
test checks that every committed ``.mo`` holds exactly the messages of its ``.po``.
"""

from __future__ import annotations

import gettext
import io
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CatalogueState", "check_catalogues", "compile_catalogues", "locale_dir", "main"]

DOMAIN = "aiqm"


def locale_dir() -> Path:
    """The folder holding ``<lang>/LC_MESSAGES/aiqm.po`` and ``.mo`` (in the source tree)."""
    return Path(__file__).with_name("locale")


@dataclass(frozen=True)
class CatalogueState:
    """How a compiled catalogue compares with its source."""

    lang: str
    po: Path
    mo: Path
    up_to_date: bool
    problem: str = ""


def _read_po(path: Path) -> object:
    try:
        from babel.messages.pofile import read_po  # lazy: Babel is a dev tool ('dev' extra)
    except ImportError as exc:  # pragma: no cover - babel is in the dev extra
        raise SystemExit(
            "compiling catalogues needs Babel: pip install 'aiqm[dev]' (or pip install babel)"
        ) from exc
    with path.open("rb") as fh:
        return read_po(fh, locale=path.parent.parent.name, domain=DOMAIN)


def _po_messages(path: Path) -> dict[str, str]:
    catalog = _read_po(path)
    out: dict[str, str] = {}
    for message in catalog:  # type: ignore[attr-defined]
        if not message.id:
            continue
        if message.fuzzy:
            raise ValueError(f"{path}: message {message.id!r} is marked fuzzy; review it")
        if not message.string:
            raise ValueError(f"{path}: message {message.id!r} has no translation")
        out[str(message.id)] = str(message.string)
    return out


def _mo_messages(path: Path) -> dict[str, str]:
    translations = gettext.GNUTranslations(io.BytesIO(path.read_bytes()))
    return {k: v for k, v in translations._catalog.items() if k}  # type: ignore[attr-defined]


def _sources(root: Path | None = None) -> list[tuple[str, Path]]:
    base = root or locale_dir()
    return sorted((po.parent.parent.name, po) for po in base.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compile_catalogues(root: Path | None = None) -> list[Path]:
    """Compile every ``aiqm.po`` under ``root`` into the ``aiqm.mo`` beside it.

    Parameters
    ----------
    root : Path or None, default=None
        The locale folder; None means the package's own.

    Returns
    -------
    list of Path
        The ``.mo`` files written.
    """
    from babel.messages.mofile import write_mo  # lazy: Babel is a dev tool ('dev' extra)

    written = []
    for _lang, po in _sources(root):
        _po_messages(po)  # refuse fuzzy or untranslated entries
        buf = io.BytesIO()
        write_mo(buf, _read_po(po), use_fuzzy=False)  # type: ignore[arg-type]
        mo = po.with_suffix(".mo")
        mo.write_bytes(buf.getvalue())
        written.append(mo)
    return written


def check_catalogues(root: Path | None = None) -> list[CatalogueState]:
    """Compare each committed ``.mo`` with its ``.po`` (same messages, same texts).

    Parameters
    ----------
    root : Path or None, default=None
        The locale folder; None means the package's own.

    Returns
    -------
    list of CatalogueState
        One per language.
    """
    states = []
    for lang, po in _sources(root):
        mo = po.with_suffix(".mo")
        if not mo.is_file():
            states.append(CatalogueState(lang, po, mo, False, f"{mo} is missing"))
            continue
        source, compiled = _po_messages(po), _mo_messages(mo)
        if source == compiled:
            states.append(CatalogueState(lang, po, mo, True))
            continue
        changed = sorted(
            k for k in source.keys() | compiled.keys() if source.get(k) != compiled.get(k)
        )
        shown = ", ".join(changed[:10]) + (" …" if len(changed) > 10 else "")
        states.append(CatalogueState(lang, po, mo, False, f"{mo} differs from {po.name}: {shown}"))
    return states


def main(argv: list[str] | None = None) -> int:
    """Command line: compile the catalogues, or ``--check`` them (exit 1 when stale)."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--check"]:
        stale = [s for s in check_catalogues() if not s.up_to_date]
        for s in stale:
            print(f"out of date: {s.problem}; run `python -m aiqm.render.catalogs`")
        return 1 if stale else 0
    if args:
        print("usage: python -m aiqm.render.catalogs [--check]")
        return 2
    for mo in compile_catalogues():
        print(f"wrote {mo}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
