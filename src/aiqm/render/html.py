"""Render the report document as one self-contained HTML file.

The page has inline CSS, no scripts and no external requests, so it opens
offline and prints (or goes through WeasyPrint) as it is. Artifacts are fetched
by digest through a callable and embedded: images as ``data:`` URIs in ``<img>``
(an SVG shown that way cannot run scripts), JSON tables as HTML tables, text in
``<pre>``. Everything from the report is escaped by Jinja's autoescape.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, partial
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from aiqm.render.i18n import t
from aiqm.report.canonical import report_digest
from aiqm.report.model import (
    Report,
    ReportCharacteristic,
    ReportMeasure,
    ReportResource,
    ReportTest,
)

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_TABLE_ROWS",
    "MAX_TEXT_BYTES",
    "PAGED_MAX_TABLE_ROWS",
    "PAGED_MAX_TEXT_BYTES",
    "render_html",
]

Artifact = Callable[[str], bytes | None]

MAX_TABLE_ROWS = 200
"""Rows of a table resource shown in the page; the rest are counted."""

PAGED_MAX_TABLE_ROWS = 40
"""Rows of a table resource shown in the paged (PDF) rendering."""

PAGED_MAX_TEXT_BYTES = 3_000
"""Bytes of a text resource or log shown in the paged (PDF) rendering."""

MAX_TEXT_BYTES = 20_000
"""Bytes of a text resource or log shown in the page."""

MAX_IMAGE_BYTES = 2_000_000
"""Images larger than this are not embedded, to keep the page small."""

_IMAGE_TYPES = frozenset({"image/svg+xml", "image/png", "image/jpeg", "image/gif", "image/webp"})


@dataclass
class ResourceView:
    """A resource prepared for the template; ``mode`` says how to show it."""

    ref: ReportResource
    mode: str  # "image" | "table" | "text" | "missing" | "note"
    data_uri: str = ""
    columns: list[Any] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    text: str = ""
    more: int = 0
    note: str = ""


@dataclass
class ResultView:
    """A test with what the template needs besides the report data."""

    test: ReportTest
    anchor: str
    key_measures: list[ReportMeasure]
    shown: list[ResourceView]
    files: list[ReportResource]
    log: ResourceView | None


@dataclass
class SectionView:
    """A characteristic section and its tests."""

    char: ReportCharacteristic
    name: str
    anchor: str
    tests: list[ResultView]


# ---------------------------------------------------------------- formatting


def fmt_value(value: Any, max_items: int = 8) -> str:
    """Format a measure value or table cell for display.

    Examples
    --------
    >>> fmt_value(0.912345), fmt_value(True), fmt_value(3), fmt_value(None)
    ('0.9123', 'true', '3', '')
    >>> fmt_value([1, 2, 3], max_items=2)
    '[1, 2, …]'
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == 0 or 1e-3 <= abs(value) < 1e7:
            return f"{value:.4f}".rstrip("0").rstrip(".") or "0"
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        head = ", ".join(fmt_value(v) for v in value[:max_items])
        return f"[{head}{', …' if len(value) > max_items else ''}]"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def fmt_param(value: Any) -> str:
    """Format a parameter value: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def fmt_size(n: int | None) -> str:
    """Human-readable byte size (``12.3 kB``)."""
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover


def fmt_datetime(value: datetime | None) -> str:
    """A date and time to the second, with the zone when known."""
    if value is None:
        return ""
    zone = value.strftime(" %Z") if value.tzinfo is not None else ""
    return value.strftime("%Y-%m-%d %H:%M:%S") + zone


def fmt_duration(seconds: float | None) -> str:
    """A duration such as ``0.42 s``, ``3 min 5 s``."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min {secs} s"


def short_digest(digest: str | None) -> str:
    """The first 12 hex digits of a ``sha256:…`` digest."""
    if not digest:
        return ""
    return digest.split(":", 1)[-1][:12]


def flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Nested mappings as ``(dotted.key, text)`` rows, lists joined by commas."""
    rows: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            rows.extend(flatten(value, name + "."))
        elif isinstance(value, list | tuple):
            rows.append((name, ", ".join(fmt_param(v) for v in value)))
        else:
            rows.append((name, fmt_param(value)))
    return rows


# ---------------------------------------------------------------- resources


def _fetch(artifact: Artifact, digest: str) -> bytes | None:
    try:
        return artifact(digest)
    except OSError:
        return None


def _table(data: bytes, media: str) -> tuple[list[Any], list[list[Any]]]:
    if media == "text/csv":
        reader = list(csv.reader(io.StringIO(data.decode("utf-8", errors="replace"))))
        return (reader[0], reader[1:]) if reader else ([], [])
    doc = json.loads(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("rows"), list):
        raise ValueError('expected {"columns": [...], "rows": [[...], ...]}')
    rows = [r if isinstance(r, list) else [r] for r in doc["rows"]]
    columns = doc.get("columns")
    if not isinstance(columns, list):
        columns = [str(i) for i in range(max((len(r) for r in rows), default=0))]
    return columns, rows


def _text(data: bytes, tail: bool, limit: int = MAX_TEXT_BYTES) -> tuple[str, int]:
    if len(data) <= limit:
        return data.decode("utf-8", errors="replace"), 0
    part = data[-limit:] if tail else data[:limit]
    # a cut may split a multi-byte character: drop the broken piece
    return part.decode("utf-8", errors="ignore"), len(data) - limit


def resource_view(
    ref: ReportResource,
    artifact: Artifact,
    lang: str = "en",
    *,
    tail: bool = False,
    max_rows: int = MAX_TABLE_ROWS,
    max_text: int = MAX_TEXT_BYTES,
) -> ResourceView:
    """Fetch a resource and prepare it for display; never raises on bad content.

    Parameters
    ----------
    ref : ReportResource
        The resource.
    artifact : callable
        ``artifact(digest)`` returns the bytes, or None when the artifact is missing.
    lang : str, default="en"
        Language of notes.
    tail : bool, default=False
        For text, keep the end rather than the start (logs).
    max_rows : int, default=MAX_TABLE_ROWS
        Rows of a table shown; the rest are counted.
    max_text : int, default=MAX_TEXT_BYTES
        Bytes of a text shown; the rest are counted.
    """
    media = ref.media_type.split(";")[0].strip().lower()
    if not (
        media in _IMAGE_TYPES
        or media in ("application/json", "text/csv")
        or media.startswith("text/")
    ):
        return ResourceView(ref, "note", note=t("unsupported_media", lang, media_type=media))
    data = _fetch(artifact, ref.digest)
    if data is None:
        return ResourceView(ref, "missing", note=t("artifact_missing", lang))
    if media in _IMAGE_TYPES:
        if len(data) > MAX_IMAGE_BYTES:
            return ResourceView(
                ref, "note", note=t("figure_too_large", lang, size=fmt_size(len(data)))
            )
        uri = f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"
        return ResourceView(ref, "image", data_uri=uri)
    if media in ("application/json", "text/csv"):
        try:
            columns, rows = _table(data, media)
        except (ValueError, UnicodeDecodeError) as exc:
            return ResourceView(ref, "note", note=t("table_unreadable", lang, error=str(exc)))
        return ResourceView(
            ref,
            "table",
            columns=columns,
            rows=rows[:max_rows],
            more=max(0, len(rows) - max_rows),
        )
    text, more = _text(data, tail, max_text)
    return ResourceView(ref, "text", text=text, more=more)


# ---------------------------------------------------------------- views

GLOSSARY = (
    "guideline",
    "characteristic",
    "level",
    "requirement",
    "component",
    "inventory",
    "ait",
    "td",
    "measure",
    "criterion",
    "status",
    "run",
    "digest",
    "report_digest",
)
"""Glossary terms, in order; ``gl_<term>`` and ``gl_<term>_def`` are catalogue keys."""


def _key_measures(test: ReportTest, limit: int = 3) -> list[ReportMeasure]:
    """The measures the criteria judge (else the first ones), at most ``limit``."""
    names = list(dict.fromkeys(c.measure for c in test.criteria))
    by_name = {m.name: m for m in test.measures}
    chosen = [by_name[n] for n in names if n in by_name] or test.measures
    return chosen[:limit]


def _test_view(
    test: ReportTest,
    index: int,
    artifact: Artifact,
    lang: str,
    max_rows: int = MAX_TABLE_ROWS,
    max_text: int = MAX_TEXT_BYTES,
) -> ResultView:
    shown, files = [], []
    for ref in test.resources:
        if ref.kind in ("download", "log"):
            files.append(ref)
        else:
            shown.append(
                resource_view(ref, artifact, lang, max_rows=max_rows, max_text=max_text)
            )
    log = (
        resource_view(test.log, artifact, lang, tail=True, max_text=max_text)
        if test.log is not None
        else None
    )
    return ResultView(test, f"test-{index}", _key_measures(test), shown, files, log)


@cache
def _jinja() -> Environment:
    env = Environment(
        loader=PackageLoader("aiqm.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(
        fmt=fmt_value,
        param=fmt_param,
        size=fmt_size,
        dt=fmt_datetime,
        duration=fmt_duration,
        short=short_digest,
        flatten=flatten,
    )
    return env


def render_html(
    report: Report, artifact: Artifact, lang: str = "en", *, paged: bool = False
) -> str:
    """Render a report as one self-contained HTML page.

    Parameters
    ----------
    report : Report
        The report document.
    artifact : callable
        ``artifact(digest) -> bytes | None`` reads a stored artifact; None (or an
        ``OSError``) shows "artifact missing" in its place.
    lang : str, default="en"
        Language of the fixed UI strings and of characteristic and guideline
        names (from the guideline's own languages, else English).
    paged : bool, default=False
        Render for print (the PDF): a cover, a table of contents with page
        numbers, page margins with running heads and page numbers, and at most
        :data:`PAGED_MAX_TABLE_ROWS` rows per table resource.

    Returns
    -------
    str
        The HTML page (encode as UTF-8).

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from aiqm.core.results import RunRecord
    >>> from aiqm.report.builder import build_report
    >>> run = RunRecord(id="r1", project_dir=".", component="demo",
    ...                 created_at=datetime(2024, 1, 1, tzinfo=UTC))
    >>> page = render_html(build_report(run, [], {}, None, {"name": "demo"}, [], {}, "0.1"),
    ...                    lambda digest: None)
    >>> page.startswith("<!DOCTYPE html>")
    True
    """
    max_rows = PAGED_MAX_TABLE_ROWS if paged else MAX_TABLE_ROWS
    max_text = PAGED_MAX_TEXT_BYTES if paged else MAX_TEXT_BYTES
    views = [
        _test_view(test, i, artifact, lang, max_rows, max_text)
        for i, test in enumerate(report.tests, 1)
    ]
    by_char: dict[str, list[ResultView]] = {}
    for v in views:
        by_char.setdefault(v.test.characteristic, []).append(v)
    char_names = {c.id: c.names.get(lang) or c.name for c in report.characteristics}
    sections = [
        SectionView(c, char_names[c.id], f"char-{i}", by_char.get(c.id, []))
        for i, c in enumerate(report.characteristics, 1)
    ]
    for v in views:  # a test whose characteristic has no section (hand-made report)
        if v.test.characteristic not in char_names:
            char_names[v.test.characteristic] = v.test.characteristic_name
    return (
        _jinja()
        .get_template("report.html")
        .render(
            report=report,
            views=views,
            sections=sections,
            char_names=char_names,
            lang=lang,
            t=partial(t, lang=lang),
            max_rows=max_rows,
            paged=paged,
            digest=report_digest(report),
            guideline_title=(
                (report.guideline.titles.get(lang) or report.guideline.title)
                if report.guideline is not None
                else ""
            ),
            glossary=GLOSSARY,
        )
    )
