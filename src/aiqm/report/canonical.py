"""The canonical form of the report JSON and the report digest.

The *report digest* identifies one report document whatever its rendering: it
is the SHA-256 of the document's canonical JSON, which is the report JSON read
back and written again with

- object keys sorted (by code point), no whitespace between tokens
  (separators ``,`` and ``:``),
- non-ASCII characters kept as they are, encoded as UTF-8,
- numbers as Python's :func:`json.dumps` writes them (shortest round-trip form).

Anyone can recompute it from a ``report.json`` with::

    python -c "import hashlib, json, sys; d = json.load(open(sys.argv[1], encoding='utf-8'));
    print(hashlib.sha256(json.dumps(d, sort_keys=True, separators=(',', ':'),
    ensure_ascii=False).encode()).hexdigest())" report.json
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from aiqm.report.builder import report_to_json
from aiqm.report.model import Report

__all__ = ["canonical_json", "report_digest", "report_digest_of_json"]


def canonical_json(data: Any) -> bytes:
    """Serialise JSON data canonically (sorted keys, no whitespace, UTF-8).

    Parameters
    ----------
    data : Any
        JSON-compatible data (dicts, lists, strings, numbers, booleans, None).

    Returns
    -------
    bytes
        The UTF-8 encoded text.

    Raises
    ------
    ValueError
        When ``data`` holds NaN or an infinity, which JSON cannot represent.

    Examples
    --------
    >>> canonical_json({"b": 1, "a": [1.5, "é"]})
    b'{"a":[1.5,"\\xc3\\xa9"],"b":1}'
    """
    text = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def report_digest_of_json(text: str | bytes) -> str:
    """The report digest of a serialised report (``report.json`` as written by aiqm).

    Parameters
    ----------
    text : str or bytes
        The JSON document.

    Returns
    -------
    str
        ``"sha256:"`` followed by 64 hex digits.
    """
    return "sha256:" + hashlib.sha256(canonical_json(json.loads(text))).hexdigest()


def report_digest(report: Report) -> str:
    """The report digest: SHA-256 of the canonical form of the report's JSON.

    The digest is computed from the JSON text :func:`~aiqm.report.builder.report_to_json`
    writes, so it equals :func:`report_digest_of_json` of that file.

    Parameters
    ----------
    report : Report
        The report document.

    Returns
    -------
    str
        ``"sha256:"`` followed by 64 hex digits.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> from aiqm.core.results import RunRecord
    >>> from aiqm.report.builder import build_report
    >>> run = RunRecord(id="r1", project_dir=".", component="demo",
    ...                 created_at=datetime(2024, 1, 1, tzinfo=UTC))
    >>> r = build_report(run, [], {}, None, {"name": "demo"}, [], {}, "0.1.0",
    ...                  generated_at=datetime(2024, 1, 1, tzinfo=UTC))
    >>> report_digest(r) == report_digest_of_json(report_to_json(r))
    True
    """
    return report_digest_of_json(report_to_json(report))
