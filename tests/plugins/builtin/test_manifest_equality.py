"""Typed parameter classes must produce the manifests the built-in AITs had before.

``snapshots/manifests_before_typed_parameters.json`` is every built-in manifest as
it was when parameters were still written as dict literals. The manifests derived
from the typed classes must carry the same content, so stored runs, caches and
exported manifests keep working. Only the new, optional Japanese texts
(``*_ja`` fields) may be added.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aiqm.core.parameters import Parameters, parameter_specs
from aiqm.plugins.builtin import aiqm_register_aits

SNAPSHOT = Path(__file__).parent / "snapshots" / "manifests_before_typed_parameters.json"
BEFORE: dict[str, Any] = json.loads(SNAPSHOT.read_text("utf-8"))
AITS = {a.manifest.id: a for a in aiqm_register_aits()}


def _without_ja(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _without_ja(v) for k, v in obj.items() if not k.endswith("_ja")}
    if isinstance(obj, list):
        return [_without_ja(v) for v in obj]
    return obj


def test_every_builtin_is_in_the_snapshot() -> None:
    assert sorted(AITS) == sorted(BEFORE)


@pytest.mark.parametrize("ait_id", sorted(BEFORE))
def test_manifest_content_unchanged(ait_id: str) -> None:
    now = _without_ja(AITS[ait_id].manifest.model_dump(mode="json"))
    assert now == BEFORE[ait_id]


@pytest.mark.parametrize("ait_id", sorted(BEFORE))
def test_parameters_declared_once_as_a_typed_class(ait_id: str) -> None:
    ait = AITS[ait_id]
    if not ait.manifest.parameters:
        return
    cls = ait.parameters_type
    assert cls is not None and issubclass(cls, Parameters)
    # the class is the only declaration: the manifest's section is exactly what it derives
    assert parameter_specs(cls) == ait.manifest.parameters
    assert sorted(cls.model_fields) == sorted(p.name for p in ait.manifest.parameters)


@pytest.mark.parametrize("ait_id", sorted(BEFORE))
def test_every_parameter_has_japanese_help(ait_id: str) -> None:
    missing = [p.name for p in AITS[ait_id].manifest.parameters if not p.description_ja]
    assert missing == []
