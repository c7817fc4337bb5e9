"""Hand-built runs, results, manifests and an in-memory artifact store for report and render tests."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from aiqm.core.guideline import Guideline, load_guideline
from aiqm.core.manifest import AITManifest
from aiqm.core.results import (
    CriterionOutcome,
    InputRef,
    MeasureValue,
    ResourceRef,
    RunRecord,
    Status,
    TDResult,
)
from aiqm.report import Report, build_report

T0 = datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)
XSS_NAME = "<script>alert('x')</script> leak check"
ERROR_TEXT = "ZeroDivisionError: division by zero while computing drift for column 'age'"
TABLE_ROWS = 250
TEXT_BYTES = 25_000
DATA_DIGEST = "sha256:" + "a" * 64
MODEL_DIGEST = "sha256:" + "b" * 64


@dataclass
class Store:
    """A content-addressed artifact store in memory."""

    blobs: dict[str, bytes] = field(default_factory=dict)

    def put(self, data: bytes) -> str:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        self.blobs[digest] = data
        return digest

    def get(self, digest: str) -> bytes | None:
        return self.blobs.get(digest)

    def ref(
        self, name: str, kind: str, media_type: str, data: bytes, filename: str = ""
    ) -> ResourceRef:
        return ResourceRef(
            name=name,
            kind=kind,
            media_type=media_type,
            digest=self.put(data),  # type: ignore[arg-type]
            size=len(data),
            filename=filename,
        )


@cache
def svg_figure(seed: int = 0) -> bytes:
    """A small matplotlib line plot as SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2, 3], [seed % 5, 1, 3, 2])
    ax.set_title(f"figure {seed}")
    buf = io.BytesIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    return buf.getvalue()


@cache
def png_figure() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.bar(["a", "b"], [1, 2])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    plt.close(fig)
    return buf.getvalue()


def make_manifests() -> dict[str, AITManifest]:
    perf = AITManifest(
        id="classification_performance",
        version="1.0.0",
        title="Classification performance",
        description="Accuracy, recall and friends of a classifier on a labelled dataset.",
        characteristics=("C-1", "AIPL"),
        measures=(
            {
                "name": "accuracy",
                "description": "Fraction of correct predictions",
                "min": 0,
                "max": 1,
                "direction": "higher",
            },
            {
                "name": "f1_score",
                "description": "Harmonic mean of precision and recall",
                "direction": "higher",
            },
            {
                "name": "per_class_recall",
                "structure": "sequence",
                "direction": "higher",
                "description": "Recall of each class",
            },
            {"name": "latency", "unit": "ms", "direction": "lower"},
        ),
        resources=(
            {"name": "confusion_matrix", "kind": "figure", "description": "Confusion matrix"},
            {"name": "bar_chart", "kind": "figure"},
            {"name": "per_row", "kind": "table", "description": "Prediction of every row"},
            {"name": "notes", "kind": "text"},
            {"name": "lost_figure", "kind": "figure"},
        ),
        downloads=({"name": "predictions", "description": "Raw predictions as CSV"},),
    )
    drift = AITManifest(
        id="data_drift",
        version="1.2.0",
        description="Distribution shift between a reference and a current dataset.",
        characteristics=("B-3",),
        measures=({"name": "drift_share", "direction": "lower", "min": 0, "max": 1},),
    )
    return {"classification_performance@1.0.0": perf, "data_drift@1.2.0": drift}


@dataclass
class Scenario:
    run: RunRecord
    results: list[TDResult]
    manifests: dict[str, AITManifest]
    guideline: Guideline
    store: Store
    svg: bytes
    png: bytes

    def build(self, **kw: object) -> Report:
        args: dict[str, object] = {
            "run": self.run,
            "results": self.results,
            "manifests": self.manifests,
            "guideline": self.guideline,
            "component": {
                "name": "loan-approval",
                "task": "binary_classification",
                "guideline": "aist-mlqm@3",
                "levels": {"AISL": "1", "AIFL": 1},
                "description": "Approves consumer loans",
            },
            "inventories": [
                {
                    "name": "test_data",
                    "kind": "dataset",
                    "path": "data/test.csv",
                    "format": "csv",
                    "digest": DATA_DIGEST,
                    "size_bytes": 2048,
                    "target": "approved",
                },
                {
                    "name": "model",
                    "kind": "model",
                    "path": "model.skops",
                    "format": "skops",
                    "digest": MODEL_DIGEST,
                    "size_bytes": 10_000,
                },
            ],
            "environment": {
                "python": "3.11.7",
                "platform": "linux",
                "packages": {"numpy": "1.26.4", "aiqm": "0.1.0"},
            },
            "generator_version": "0.1.0",
            "generated_at": T0 + timedelta(minutes=5),
        }
        args.update(kw)
        return build_report(**args)  # type: ignore[arg-type]


def make_scenario() -> Scenario:
    store = Store()
    svg, png = svg_figure(), png_figure()
    table = {
        "columns": ["row", "label", "score"],
        "rows": [[f"row-{i:03d}", i % 2, i / TABLE_ROWS] for i in range(TABLE_ROWS)],
    }
    text = ("x" * 99 + "\n").encode() * (TEXT_BYTES // 100)
    inputs = [
        InputRef(slot="dataset", inventory="test_data", kind="dataset", digest=DATA_DIGEST),
        InputRef(slot="model", inventory="model", kind="model", digest=MODEL_DIGEST),
    ]
    ok = TDResult(
        td_name="stability under noise",
        characteristic="C-2",
        requirements=["C-2-L1-1"],
        ait_id="classification_performance",
        ait_version="1.0.0",
        parameters={"average": "macro", "noise": 0.1},
        inputs=inputs,
        status=Status.OK,
        measures=[
            MeasureValue(name="accuracy", value=0.91234),
            MeasureValue(name="per_class_recall", value=[0.9, 0.92, 0.88]),
            MeasureValue(name="latency", value=12),
        ],
        criteria=[
            CriterionOutcome(
                measure="accuracy", description="accuracy >= 0.8", actual=0.91234, passed=True
            )
        ],
        resources=[
            store.ref("confusion_matrix", "figure", "image/svg+xml", svg, "confusion.svg"),
            store.ref("bar_chart", "figure", "image/png", png, "bar.png"),
            store.ref("per_row", "table", "application/json", json.dumps(table).encode()),
            store.ref("notes", "text", "text/plain; charset=utf-8", text),
            ResourceRef(
                name="lost_figure",
                kind="figure",
                media_type="image/svg+xml",
                digest="sha256:" + "f" * 64,
                size=100,
            ),
            store.ref("predictions", "download", "text/csv", b"id,pred\n1,0\n", "predictions.csv"),
        ],
        log=store.ref("log", "log", "text/plain", b"started\nfinished\n"),
        started_at=T0,
        finished_at=T0 + timedelta(seconds=2),
        duration_s=2.0,
        cache_key="k1",
    )
    ng = TDResult(
        td_name="accuracy on holdout",
        characteristic="AIPL",
        ait_id="classification_performance",
        ait_version="1.0.0",
        inputs=inputs,
        status=Status.NG,
        measures=[
            MeasureValue(name="accuracy", value=0.61),
            MeasureValue(name="f1_score", undefined_reason="no positive samples in the dataset"),
        ],
        criteria=[
            CriterionOutcome(
                measure="accuracy",
                description="accuracy >= 0.8",
                actual=0.61,
                passed=False,
                reason="0.61 < 0.8",
            ),
            CriterionOutcome(
                measure="f1_score",
                description="f1_score >= 0.5",
                passed=False,
                reason="measure is undefined: no positive samples in the dataset",
            ),
        ],
        duration_s=1.5,
    )
    err = TDResult(
        td_name="coverage of cases",
        characteristic="A-2",
        ait_id="ghost_ait",  # not installed: no manifest
        ait_version="0.3.1",
        status=Status.ERR,
        measures=[MeasureValue(name="coverage", value=[1, 2, 3])],
        error=ERROR_TEXT,
        duration_s=0.2,
    )
    na = TDResult(
        td_name="custom check",
        characteristic="X-9",
        ait_id="data_drift",
        ait_version="1.2.0",
        status=Status.NA,
    )
    xss = TDResult(
        td_name=XSS_NAME,
        characteristic="B-3",
        ait_id="data_drift",
        ait_version="1.2.0",
        status=Status.OK,
        measures=[MeasureValue(name="drift_share", value=0.05)],
        criteria=[
            CriterionOutcome(
                measure="drift_share", description="drift_share <= 0.3", actual=0.05, passed=True
            )
        ],
    )
    run = RunRecord(
        id="run-20240501-0001",
        project_dir="/projects/loan",
        component="loan-approval",
        status="finished",
        created_at=T0,
        finished_at=T0 + timedelta(seconds=42),
    )
    return Scenario(
        run,
        [ok, ng, err, na, xss],
        make_manifests(),
        load_guideline("aist-mlqm@3"),
        store,
        svg,
        png,
    )
