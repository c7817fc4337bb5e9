"""Small run and result factories shared by the storage tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiqm.core.results import (
    CriterionOutcome,
    InputRef,
    MeasureValue,
    ResourceRef,
    RunRecord,
    Status,
    TDResult,
)

T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64


def db_url(path: Path) -> str:
    """SQLite URL of a database file."""
    return f"sqlite:///{path}"


def make_run(run_id: str = "run-0001", minutes: int = 0, **kw: Any) -> RunRecord:
    """A run created ``minutes`` after T0."""
    fields: dict[str, Any] = {
        "id": run_id,
        "project_dir": "/projects/credit",
        "component": "credit-default-classifier",
        "created_at": T0 + timedelta(minutes=minutes),
    }
    fields.update(kw)
    return RunRecord(**fields)


def make_result(
    td_name: str = "test accuracy",
    status: Status = Status.OK,
    cache_key: str = "key-1",
    **kw: Any,
) -> TDResult:
    """A small result; ``full=True`` fills every nested field."""
    full = kw.pop("full", False)
    fields: dict[str, Any] = {
        "td_name": td_name,
        "characteristic": "C-1",
        "ait_id": "aiqm.ait:classification_performance",
        "ait_version": "1.0.0",
        "status": status,
        "cache_key": cache_key,
    }
    if full:
        fields.update(
            requirements=["C-1-L1-1", "C-1-L2-3"],
            parameters={"average": "macro", "thresholds": [0.1, 0.5], "nested": {"k": None}},
            inputs=[
                InputRef(slot="dataset", inventory="test", kind="dataset", digest=DIGEST_A),
                InputRef(slot="model", inventory="model", kind="model", digest=DIGEST_B),
            ],
            measures=[
                MeasureValue(name="accuracy", value=0.9137),
                MeasureValue(name="n_samples", value=1200),
                MeasureValue(name="calibrated", value=True),
                MeasureValue(name="per_class_recall", value=[0.5, 1.0, 0.875]),
                MeasureValue(name="auc", value=None, undefined_reason="only one class present"),
            ],
            criteria=[
                CriterionOutcome(
                    measure="accuracy", description="accuracy >= 0.9", actual=0.9137, passed=True
                ),
                CriterionOutcome(
                    measure="auc",
                    description="auc >= 0.8",
                    actual=None,
                    passed=False,
                    reason="undefined: only one class present",
                ),
            ],
            resources=[
                ResourceRef(
                    name="confusion_matrix",
                    kind="figure",
                    media_type="image/svg+xml",
                    digest=DIGEST_A,
                    size=2048,
                    filename="confusion.svg",
                ),
                ResourceRef(
                    name="per_class", kind="table", media_type="text/csv", digest=DIGEST_B, size=99
                ),
            ],
            log=ResourceRef(
                name="log", kind="log", media_type="text/plain", digest=DIGEST_B, size=7
            ),
            started_at=T0,
            finished_at=T0 + timedelta(seconds=2.5),
            duration_s=2.5,
        )
    fields.update(kw)
    return TDResult(**fields)
