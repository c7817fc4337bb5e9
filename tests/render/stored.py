"""Projects with runs stored through the storage API (no AIT is executed)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
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
from aiqm.storage import open_project_store

T0 = datetime(2024, 6, 1, 8, 0, 0, tzinfo=UTC)

CONFIG: dict[str, Any] = {
    "component": {
        "name": "credit-scoring",
        "task": "binary_classification",
        "guideline": "aist-mlqm@3",
        "levels": {"AIPL": "1"},
    },
    "inventories": {
        "test": {"kind": "dataset", "path": "data/test.csv", "target": "y"},
        "model": {"kind": "model", "path": "model.skops"},
    },
    "tests": [],
}


def installed_version(ait: str) -> str:
    """The installed version of a built-in AIT (so measure directions come from its manifest)."""
    from aiqm.plugins.manager import load_registry

    return load_registry().get(f"{ait}@1").manifest.version


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class StoredProject:
    """A project folder whose store holds runs ``run-a`` and ``run-b``."""

    root: Path
    data: bytes

    @property
    def data_digest(self) -> str:
        return _digest(self.data)


def _svg(label: str) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60">'
        f'<rect width="120" height="60" fill="#ddd"/><text x="8" y="35">{label}</text></svg>'
    ).encode()


def store_run(
    root: Path,
    run_id: str,
    *,
    accuracy: float,
    status: Status,
    data: bytes,
    minutes: int = 0,
    extra_test: bool = False,
) -> None:
    """Store one run with two tests (plus an optional third) and their artifacts."""
    store, artifacts = open_project_store(root)
    try:
        model = b"model-bytes"
        inventories = {
            "test": {
                "name": "test",
                "kind": "dataset",
                "path": "data/test.csv",
                "format": "csv",
                "digest": _digest(data),
                "size_bytes": len(data),
            },
            "model": {
                "name": "model",
                "kind": "model",
                "path": "model.skops",
                "format": "skops",
                "digest": _digest(model),
                "size_bytes": len(model),
            },
        }
        run = RunRecord(
            id=run_id,
            project_dir=str(root),
            component="credit-scoring",
            status="finished",
            executor="inline",
            created_at=T0 + timedelta(minutes=minutes),
            finished_at=T0 + timedelta(minutes=minutes, seconds=30),
            config=CONFIG,
            environment={"python": "3.11.7", "packages": {"aiqm": "0.1.0"}},
            inventories=inventories,
        )
        store.create_run(run)
        figure = _svg(f"{run_id} figure")
        fig_digest = artifacts.put_bytes(figure)
        store.record_artifact(fig_digest, len(figure), "image/svg+xml")
        log = f"{run_id}: started\nfinished\n".encode()
        log_digest = artifacts.put_bytes(log)
        inputs = [
            InputRef(slot="dataset", inventory="test", kind="dataset", digest=_digest(data)),
            InputRef(slot="model", inventory="model", kind="model", digest=_digest(model)),
        ]
        passed = accuracy >= 0.8
        results = [
            TDResult(
                td_name="test accuracy",
                characteristic="C-1",
                ait_id="classification_performance",
                ait_version=installed_version("classification_performance"),
                parameters={"average": "macro"},
                inputs=inputs,
                status=status,
                measures=[
                    MeasureValue(name="accuracy", value=accuracy),
                    MeasureValue(name="error_rate", value=round(1 - accuracy, 6)),
                ],
                criteria=[
                    CriterionOutcome(
                        measure="accuracy",
                        description="accuracy >= 0.8",
                        actual=accuracy,
                        passed=passed,
                        reason="" if passed else f"{accuracy} < 0.8",
                    )
                ],
                resources=[
                    ResourceRef(
                        name="confusion_matrix",
                        kind="figure",
                        media_type="image/svg+xml",
                        digest=fig_digest,
                        size=len(figure),
                        filename="cm.svg",
                    )
                ],
                log=ResourceRef(
                    name="log",
                    kind="log",
                    media_type="text/plain",
                    digest=log_digest,
                    size=len(log),
                ),
                started_at=run.created_at,
                duration_s=1.25,
            ),
            TDResult(
                td_name="data completeness",
                characteristic="B-3",
                ait_id="data_completeness",
                ait_version=installed_version("data_completeness"),
                inputs=inputs[:1],
                status=Status.OK,
                measures=[MeasureValue(name="missing_ratio", value=0.0)],
                criteria=[
                    CriterionOutcome(
                        measure="missing_ratio",
                        description="missing_ratio <= 0.01",
                        actual=0.0,
                        passed=True,
                    )
                ],
                duration_s=0.5,
            ),
        ]
        if extra_test:
            results.append(
                TDResult(
                    td_name="robustness",
                    characteristic="C-2",
                    ait_id="fake",
                    ait_version="1.0.0",
                    status=Status.ERR,
                    error="RuntimeError: boom",
                )
            )
        for i, r in enumerate(results):
            store.save_result(run_id, r, i)
    finally:
        store.close()


def make_stored_project(root: Path) -> StoredProject:
    """``run-a`` (accuracy 0.9, OK) and ``run-b`` (0.7, NG, other data, one test more)."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    data_a = b"x,y\n1,0\n2,1\n"
    (root / "data" / "test.csv").write_bytes(data_a)
    (root / "model.skops").write_bytes(b"model-bytes")
    (root / "aiqm.yaml").write_text(json.dumps(CONFIG))
    store_run(root, "run-a", accuracy=0.9, status=Status.OK, data=data_a)
    data_b = b"x,y\n1,0\n2,1\n3,1\n"
    store_run(
        root, "run-b", accuracy=0.7, status=Status.NG, data=data_b, minutes=10, extra_test=True
    )
    (root / "data" / "test.csv").write_bytes(data_b)  # the data now matches run-b
    return StoredProject(root, data_b)
