"""The report digest: SHA-256 of the canonical report JSON."""

from __future__ import annotations

import hashlib
import json

import pytest

from aiqm.report import Report, report_to_json
from aiqm.report.canonical import canonical_json, report_digest, report_digest_of_json


def test_digest_is_recomputable_from_the_json_file(report: Report) -> None:
    text = report_to_json(report)
    data = json.loads(text)
    # the recipe from the module docstring, written out independently
    expected = hashlib.sha256(
        json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    assert report_digest(report) == "sha256:" + expected == report_digest_of_json(text)


def test_digest_ignores_formatting_but_not_content(report: Report) -> None:
    data = json.loads(report_to_json(report))
    reordered = json.dumps(dict(reversed(list(data.items()))), indent=7, ensure_ascii=True)
    assert report_digest_of_json(reordered) == report_digest(report)
    changed = report.model_copy(deep=True)
    changed.tests[0].measures[0].value = 0.91235
    assert report_digest(changed) != report_digest(report)


def test_canonical_form() -> None:
    assert canonical_json({"b": [1, 2.5], "a": "日本"}) == '{"a":"日本","b":[1,2.5]}'.encode()
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})
