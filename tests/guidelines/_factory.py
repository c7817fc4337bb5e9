"""A small valid custom guideline, and TD results, for the guideline tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from aiqm.core.results import CriterionOutcome, MeasureValue, Status, TDResult


def tiny_guideline() -> dict[str, Any]:
    """A valid two-level guideline: one external quality, two internal characteristics."""
    return copy.deepcopy({
        "meta": {
            "id": "tiny", "edition": "1", "issued": "2024-01-01", "languages": ["en", "ja"],
            "title": {"en": "Tiny guideline", "ja": "小さなガイドライン"},
            "source": "written for the tests",
        },
        "external": [{
            "id": "RISK", "names": {"en": "Risk", "ja": "リスク"},
            "questions": [{"id": "harm", "kind": "bool",
                           "text": {"en": "Can it harm?", "ja": "危害はありますか？"}}],
            "levels": [
                {"id": "RISK-0", "label": "0", "ordinal": 0, "default": True},
                {"id": "RISK-1", "label": "1", "ordinal": 1,
                 "triggers": [{"when": {"harm": ["yes"]}}]},
            ],
        }],
        "internal": [
            {"id": "DATA", "names": {"en": "Data", "ja": "データ"},
             "levels": [
                 {"id": "L1", "label": "Lv1", "ordinal": 1, "requirements": ["DATA-L1-1"]},
                 {"id": "L2", "label": "Lv2", "ordinal": 2, "requirements": ["DATA-L2-1"]},
             ]},
            {"id": "MODEL", "names": {"en": "Model", "ja": "モデル"},
             "tracks": [{"id": "E", "names": {"en": "effect", "ja": "効果"}},
                        {"id": "S", "names": {"en": "safety", "ja": "安全"}}],
             "levels": [
                 {"id": "LE1", "label": "E1", "ordinal": 1, "track": "E", "requirements": ["MODEL-LE1-1"]},
                 {"id": "LS1", "label": "S1", "ordinal": 1, "track": "S", "requirements": ["MODEL-LS1-1"]},
             ]},
        ],
        "requirements": [
            {"id": "DATA-L1-1", "characteristic": "DATA", "level": "L1", "evidence": "checklist",
             "summary": {"en": "Record sources.", "ja": "出典を記録する。"}},
            {"id": "DATA-L2-1", "characteristic": "DATA", "level": "L2", "evidence": "measure",
             "automatable": True, "summary": {"en": "Check completeness.", "ja": "完全性を確認する。"}},
            {"id": "MODEL-LE1-1", "characteristic": "MODEL", "level": "LE1", "evidence": "measure",
             "automatable": True, "summary": {"en": "Measure accuracy.", "ja": "正確さを測る。"}},
            {"id": "MODEL-LS1-1", "characteristic": "MODEL", "level": "LS1", "evidence": "document",
             "summary": {"en": "Analyse hazards.", "ja": "危険を分析する。"}},
        ],
        "level_matrix": [
            {"external": "RISK-1", "targets": {"DATA": "L2", "MODEL": "LS1"}},
        ],
        "crosswalks": [
            {"from": "MODEL-LE1-1", "to": {"guideline": "aist-mlqm@3", "id": "C-1"},
             "relation": "partial"},
        ],
    })


T0 = datetime(2024, 5, 1, tzinfo=UTC)


def result(
    name: str, characteristic: str, status: str, requirements: list[str] | None = None, *,
    ait: str = "classification_performance", measures: dict[str, float] | None = None,
    criteria: dict[str, bool] | None = None,
) -> TDResult:
    """A stored TD result with the given status, requirement ids, measures and criteria."""
    return TDResult(
        td_name=name, characteristic=characteristic, requirements=list(requirements or []),
        ait_id=ait, ait_version="1.0.0", status=Status(status),
        measures=[MeasureValue(name=k, value=v) for k, v in (measures or {}).items()],
        criteria=[CriterionOutcome(measure=k, description=f"{k} ok", passed=v)
                  for k, v in (criteria or {}).items()],
        started_at=T0, finished_at=T0, duration_s=0.1,
    )
