"""AIT ``software_reliability``: does the model software behave the same every time, fast enough?

Three checks of MLQM D-1 (reliability of the underlying software):

- **Determinism**: the same rows predicted several times, in shuffled order and
  in small batches, must give the same outputs.
- **Equivalence**: two artifacts of the same model (e.g. the skops file and its
  ONNX export, or a local file and the deployed HTTP endpoint) must agree:
  largest absolute difference of probabilities (or values) and label agreement.
- **Latency and throughput**: wall time per call at given batch sizes
  (percentiles over repeated calls) and rows per second, measured through
  aiqm's adapter, feature preparation included.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.core.constraints import Interval, Length
from aiqm.core.parameters import Param, Parameters
from aiqm.exceptions import DataError
from aiqm.plugins.builtin._model.frames import Predictor, loadable_adapter, sample_rows
from aiqm.plugins.builtin._model.labels import align_labels, as_labels
from aiqm.plugins.builtin._model.params import UNIT, SeedParameters
from aiqm.plugins.builtin._model.plots import latency_figure
from aiqm.plugins.sdk import Context, ait

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ReliabilityParameters", "software_reliability"]

_MS = {"type": "float", "structure": "sequence", "min": 0.0, "direction": "lower", "unit": "ms"}


class _ReliabilityOwnParameters(Parameters):
    """The parameters only ``software_reliability`` has (first in its manifest)."""

    n_repeats: int = Param(
        3, Interval(low=2, high=100),
        help="Repeated predictions of the same rows.",
        help_ja="同じ行を繰り返し予測する回数。",
    )
    max_samples: int = Param(
        2000, Interval(low=1, high=None),
        help="Rows sampled from the dataset for all three checks.",
        help_ja="3 つの検査すべてに使う、データセットから抽出する行数。",
    )
    tolerance: float = Param(
        1e-5, Interval(low=0.0, high=None),
        help="Largest absolute difference of probabilities (or values) still counted as equal "
             "between reorderings, batchings and artifacts.",
        help_ja="並べ替え、バッチ分割、アーティファクトの間で等しいとみなす、確率（または値）の"
                "絶対差の上限。",
    )
    batch_sizes: list[int] = Param(
        [1, 100, 1000], Interval(low=1, high=1_000_000), Length(min=1, max=10),
        help="Batch sizes (rows per call) at which latency is measured.",
        help_ja="レイテンシを測るバッチサイズ（1 回の呼び出しあたりの行数）。",
    )
    latency_calls: int = Param(
        20, Interval(low=1, high=10_000),
        help="Timed calls per batch size (after one warm-up call).",
        help_ja="バッチサイズごとに時間を測る呼び出しの回数（1 回のウォームアップの後）。",
    )


# bases in reverse manifest order: pydantic puts the last base's fields first
class ReliabilityParameters(SeedParameters, _ReliabilityOwnParameters):
    """The parameters of the ``software_reliability`` AIT."""


@ait(
    id="software_reliability",
    version="1.0.0",
    title="Software reliability (determinism, equivalence, latency)",
    description=(
        "Determinism of repeated, reordered and batched predictions; equivalence of two "
        "artifacts of the same model (max |Δ probability|, label agreement); prediction "
        "latency percentiles and throughput at given batch sizes."
    ),
    characteristics=["D-1"],
    external_qualities=["AISL", "AIPL"],
    keywords=["determinism", "reproducibility", "equivalence", "onnx", "latency", "throughput"],
    inventories=[
        {"name": "dataset", "kind": "dataset", "description": "Rows to predict."},
        {"name": "model", "kind": "model",
         "description": "A model aiqm can run (skops, ONNX, joblib or http)."},
        {"name": "reference_model", "kind": "model", "required": False,
         "description": "Another artifact of the same model (e.g. its ONNX export) whose "
                        "outputs must equal the model's."},
    ],
    parameters=ReliabilityParameters,
    measures=[
        {"name": "deterministic", "type": "bool", "direction": "higher",
         "description": "Repeats are identical and reordered/batched predictions agree "
                        "within tolerance."},
        {"name": "max_repeat_difference", "type": "float", "min": 0.0, "direction": "lower",
         "description": "Largest |Δ| of outputs between repeated identical calls."},
        {"name": "max_batching_difference", "type": "float", "min": 0.0, "direction": "lower",
         "description": "Largest |Δ| between one call and shuffled-order or small-batch calls."},
        {**UNIT, "name": "repeat_label_agreement", "direction": "higher",
         "description": "Lowest share of equal labels between any repeat or batching and the "
                        "first call."},
        {"name": "equivalent", "type": "bool", "direction": "higher",
         "description": "The two artifacts agree: equal labels and |Δ| within tolerance."},
        {"name": "equivalence_max_abs_difference", "type": "float", "min": 0.0,
         "direction": "lower",
         "description": "Largest |Δ probability| (or |Δ value|) between the two artifacts."},
        {"name": "equivalence_mean_abs_difference", "type": "float", "min": 0.0,
         "direction": "lower", "description": "Mean |Δ| between the two artifacts."},
        {**UNIT, "name": "equivalence_label_agreement", "direction": "higher",
         "description": "Share of rows with the same label from both artifacts."},
        {**_MS, "name": "latency_p50_ms", "description": "Median call latency per batch size."},
        {**_MS, "name": "latency_p95_ms", "description": "95th percentile latency per batch size."},
        {**_MS, "name": "latency_p99_ms", "description": "99th percentile latency per batch size."},
        {"name": "throughput_rows_per_s", "type": "float", "structure": "sequence", "min": 0.0,
         "direction": "higher", "description": "Rows per second per batch size (rows / mean "
                                               "latency)."},
        {"name": "max_throughput_rows_per_s", "type": "float", "min": 0.0, "direction": "higher",
         "description": "Best throughput over the batch sizes."},
        {"name": "n_samples", "type": "int", "min": 0, "direction": "none",
         "description": "Rows sampled."},
    ],
    resources=[
        {"name": "latency", "kind": "figure",
         "description": "Latency percentiles and throughput against batch size."},
        {"name": "latency_table", "kind": "table",
         "description": "Per batch size: calls, p50/p95/p99/mean latency, rows per second."},
        {"name": "checks", "kind": "table",
         "description": "Each determinism and equivalence comparison with its result."},
    ],
)
def software_reliability(ctx: Context[ReliabilityParameters]) -> None:
    """Check determinism, equivalence and latency of ``model`` on ``dataset``."""
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa

    ds = ctx.dataset("dataset")
    ds.require_rows()
    adapter = loadable_adapter(ctx.model("model"), "software_reliability",
                               "it calls the model repeatedly")
    features = list(ds.features)
    rows = sample_rows(ds, ctx.params.max_samples, ctx.params.seed)
    table = ds.table.take(pa.array(rows)).select(features)
    predictor = Predictor(adapter, features)
    ctx.measure("n_samples", table.num_rows)
    checks: list[dict[str, Any]] = []
    _determinism(ctx, table, predictor, checks)
    ctx.progress(1, 3)
    _equivalence(ctx, table, predictor, features, checks)
    ctx.resource("checks", checks)
    ctx.progress(2, 3)
    _latency(ctx, table, predictor)
    ctx.progress(3, 3)


def _outputs(predictor: Predictor, table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Labels and a float matrix (probabilities, or values as one column) for fresh rows."""
    ds = predictor.dataset(table)
    labels = np.asarray(predictor.predict(ds))
    if predictor.has_proba:
        values = np.asarray(predictor.predict_proba(predictor.dataset(table)), dtype=np.float64)
    elif labels.dtype.kind in "iuf":
        values = labels.astype(np.float64).reshape(-1, 1)
    else:
        values = np.zeros((len(labels), 1))
    return labels, values


def _compare(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
) -> tuple[float, float, float]:
    """(max |Δ|, mean |Δ|, label agreement) of two outputs."""
    diff = np.abs(a[1] - b[1]) if a[1].shape == b[1].shape else np.array([np.inf])
    agree = float(np.mean(a[0].astype(str) == b[0].astype(str))) if a[0].dtype != b[0].dtype \
        else float(np.mean(a[0] == b[0]))
    return float(np.max(diff, initial=0.0)), float(np.mean(diff)), agree


def _determinism(
    ctx: Context[ReliabilityParameters], table: pa.Table, predictor: Predictor,
    checks: list[dict[str, Any]],
) -> None:
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa

    tol = ctx.params.tolerance
    first = _outputs(predictor, table)
    repeat_diff, batch_diff, agreement = 0.0, 0.0, 1.0
    for i in range(1, ctx.params.n_repeats):
        d, _, a = _compare(first, _outputs(predictor, table))
        repeat_diff, agreement = max(repeat_diff, d), min(agreement, a)
        checks.append({"check": f"repeat {i + 1}", "max_abs_difference": d,
                       "label_agreement": a, "passed": d == 0.0 and a == 1.0})
    rng = np.random.default_rng(ctx.params.seed)
    order = rng.permutation(table.num_rows)
    labels, values = _outputs(predictor, table.take(pa.array(order)))
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    variants = {"shuffled order": (labels[back], values[back])}
    size = max(1, min(32, table.num_rows // 4))
    parts = [_outputs(predictor, table.slice(s, size)) for s in range(0, table.num_rows, size)]
    variants[f"batches of {size}"] = (np.concatenate([p[0] for p in parts]),
                                      np.concatenate([p[1] for p in parts]))
    for name, out in variants.items():
        d, _, a = _compare(first, out)
        batch_diff, agreement = max(batch_diff, d), min(agreement, a)
        checks.append({"check": name, "max_abs_difference": d, "label_agreement": a,
                       "passed": d <= tol and a == 1.0})
    ctx.measure("max_repeat_difference", repeat_diff)
    ctx.measure("max_batching_difference", batch_diff)
    ctx.measure("repeat_label_agreement", agreement)
    ctx.measure("deterministic", repeat_diff == 0.0 and batch_diff <= tol and agreement == 1.0)


def _equivalence(
    ctx: Context[ReliabilityParameters], table: pa.Table, predictor: Predictor,
    features: list[str], checks: list[dict[str, Any]],
) -> None:
    names = ("equivalent", "equivalence_max_abs_difference", "equivalence_mean_abs_difference",
             "equivalence_label_agreement")
    if not ctx.has_input("reference_model"):
        for name in names:
            ctx.undefined(name, "no `reference_model` is bound; bind a second artifact of the "
                                "model (e.g. its ONNX export) to compare")
        return
    other = Predictor(loadable_adapter(ctx.model("reference_model"), "software_reliability",
                                       "it predicts the sampled rows with both artifacts"),
                      features)
    mine = _outputs(predictor, table)
    theirs = _outputs(other, table)
    labels = align_labels(as_labels(theirs[0], "the reference model's predictions"),
                          as_labels(mine[0], "the model's predictions"),
                          what="the reference model's predictions", target="model")
    values = theirs[1]
    if predictor.has_proba and other.has_proba:
        values = _reorder(predictor, other, values)
    elif predictor.has_proba != other.has_proba:
        raise DataError("one artifact gives class probabilities and the other does not; "
                        "equivalence compares like with like, so bind two artifacts of the "
                        "same kind of output")
    d, mean_d, agree = _compare(mine, (labels, values))
    tol = ctx.params.tolerance
    ctx.measure("equivalence_max_abs_difference", d)
    ctx.measure("equivalence_mean_abs_difference", mean_d)
    ctx.measure("equivalence_label_agreement", agree)
    ctx.measure("equivalent", d <= tol and agree == 1.0)
    checks.append({"check": "reference_model", "max_abs_difference": d,
                   "label_agreement": agree, "passed": d <= tol and agree == 1.0})


def _reorder(mine: Predictor, other: Predictor, values: np.ndarray) -> np.ndarray:
    """The reference's probability columns in the model's class order."""
    a, b = mine.classes, other.classes
    if a is None or b is None or len(a) != len(b):
        raise DataError("the two artifacts have different classes "
                        f"({None if a is None else list(a)} and {None if b is None else list(b)})")
    text_b = [str(c) for c in b.tolist()]
    try:
        order = [text_b.index(str(c)) for c in a.tolist()]
    except ValueError:
        raise DataError(f"the two artifacts have different classes ({list(a)} and "
                        f"{list(b)})") from None
    return values[:, order]


def _latency(ctx: Context[ReliabilityParameters], table: pa.Table, predictor: Predictor) -> None:
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa

    sizes = sorted(ctx.params.batch_sizes)
    calls = ctx.params.latency_calls
    n = table.num_rows
    rows = []
    for b in sizes:
        batch = table if b <= n else pa.concat_tables([table] * (b // n + 1))
        starts = [(i * b) % max(1, batch.num_rows - b + 1) for i in range(calls + 1)]
        datasets = [predictor.dataset(batch.slice(s, b)) for s in starts]
        predictor.predict(datasets[0])  # warm-up
        times = []
        for ds in datasets[1:]:
            t0 = time.perf_counter()
            predictor.predict(ds)
            times.append(time.perf_counter() - t0)
        ms = np.array(times) * 1000.0
        rows.append({"batch_size": b, "calls": calls,
                     "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
                     "p99_ms": float(np.percentile(ms, 99)), "mean_ms": float(ms.mean()),
                     "rows_per_s": float(b / (ms.mean() / 1000.0)) if ms.mean() > 0 else 0.0})
    ctx.measure("latency_p50_ms", [r["p50_ms"] for r in rows])
    ctx.measure("latency_p95_ms", [r["p95_ms"] for r in rows])
    ctx.measure("latency_p99_ms", [r["p99_ms"] for r in rows])
    ctx.measure("throughput_rows_per_s", [r["rows_per_s"] for r in rows])
    ctx.measure("max_throughput_rows_per_s", max(r["rows_per_s"] for r in rows))
    ctx.resource("latency_table", rows)
    ctx.resource("latency", latency_figure(sizes, rows))
