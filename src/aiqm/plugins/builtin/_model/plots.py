"""Figures of the model-quality AITs (matplotlib ``Figure`` objects, no pyplot state)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from aiqm.plugins.builtin._model.calibration import ReliabilityBins

__all__ = [
    "MAX_CURVE_POINTS",
    "confusion_figure",
    "curves_figure",
    "importance_figure",
    "latency_figure",
    "reliability_figure",
    "residual_figure",
    "sweep_figure",
    "thin",
]

#: Curves are drawn with at most this many points (a curve on 1M rows has ~1M).
MAX_CURVE_POINTS = 400
#: Above this many classes the confusion matrix is drawn without numbers in the cells.
_MAX_ANNOTATED_CLASSES = 20
#: Scatter plots show at most this many points (a uniform sample).
_MAX_SCATTER = 4000


def _figure(width: float = 5.0, height: float = 4.0, ncols: int = 1) -> tuple[Any, Any]:
    # lazy: heavy, and the AIT modules load with every registry
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def thin(x: np.ndarray, y: np.ndarray, max_points: int = MAX_CURVE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Keep at most ``max_points`` evenly spaced points of a curve, ends included."""
    if len(x) <= max_points:
        return x, y
    idx = np.unique(np.linspace(0, len(x) - 1, max_points).round().astype(np.int64))
    return x[idx], y[idx]


def confusion_figure(cm: np.ndarray, labels: np.ndarray, pos: Any) -> Any:
    """Counts of true class (rows) against predicted class (columns)."""
    # lazy: heavy, and the AIT modules load with every registry
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay

    n = len(labels)
    side = min(3.5 + 0.35 * n, 10.0)
    fig = Figure(figsize=(side, side * 0.85), layout="constrained")
    ax = fig.add_subplot()
    ConfusionMatrixDisplay(cm, display_labels=[str(c) for c in labels.tolist()]).plot(
        ax=ax,
        cmap="Blues",
        colorbar=n > _MAX_ANNOTATED_CLASSES,
        include_values=n <= _MAX_ANNOTATED_CLASSES,
        xticks_rotation="vertical" if n > 6 else "horizontal",
        values_format="d",
    )
    title = f"Confusion matrix ({int(cm.sum())} samples)"
    if pos is not None:
        title += f"\npositive class: {pos}"
    ax.set_title(title, fontsize="medium")
    return fig


def reliability_figure(bins: ReliabilityBins, title: str) -> Any:
    """Reliability diagram: accuracy against confidence per bin, with bin counts."""
    fig, (ax, hist) = _figure(8.5, 4.0, ncols=2)
    filled = bins.count > 0
    centers = (bins.edges[:-1] + bins.edges[1:]) / 2
    width = bins.edges[1] - bins.edges[0]
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfect calibration")
    ax.bar(centers[filled], bins.accuracy[filled], width=width * 0.9, alpha=0.7,
           edgecolor="black", label="accuracy in bin")
    ax.plot(bins.confidence[filled], bins.accuracy[filled], "o-", color="C1",
            label="mean confidence → accuracy")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence", ylabel="accuracy")
    ax.set_title(f"{title}\nECE {bins.expected_calibration_error:.4f}", fontsize="medium")
    ax.legend(fontsize="small", loc="upper left")
    hist.bar(centers, bins.count, width=width * 0.9, edgecolor="black")
    hist.set(xlim=(0, 1), xlabel="confidence", ylabel="rows")
    hist.set_title("rows per bin", fontsize="medium")
    return fig


def curves_figure(
    curves: Sequence[tuple[str, np.ndarray, np.ndarray]], *, kind: str, title: str
) -> Any:
    """ROC (``kind="roc"``) or precision–recall (``kind="pr"``) curves, one per class."""
    fig, ax = _figure(5.0, 4.5)
    for label, x, y in curves:
        x, y = thin(np.asarray(x), np.asarray(y))
        if kind == "pr":
            ax.step(x, y, where="post", label=label)
        else:
            ax.plot(x, y, label=label)
    if kind == "roc":
        ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="chance")
        ax.set(xlabel="false positive rate", ylabel="true positive rate")
    else:
        ax.set(xlabel="recall", ylabel="precision")
    ax.set(xlim=(-0.01, 1.01), ylim=(-0.01, 1.01))
    ax.set_title(title, fontsize="medium")
    ax.legend(fontsize="small", loc="lower right" if kind == "roc" else "lower left")
    return fig


def residual_figure(y: np.ndarray, pred: np.ndarray, seed: int = 0) -> Any:
    """Residuals against predictions, predictions against truth, residual histogram."""
    fig, (a, b, c) = _figure(12.0, 4.0, ncols=3)
    resid = pred - y
    idx = np.arange(len(y))
    if len(idx) > _MAX_SCATTER:
        idx = np.sort(np.random.default_rng(seed).choice(len(y), _MAX_SCATTER, replace=False))
    a.scatter(pred[idx], resid[idx], s=4, alpha=0.4)
    a.axhline(0, color="grey", lw=1)
    a.set(xlabel="prediction", ylabel="residual (prediction − truth)")
    a.set_title("residuals", fontsize="medium")
    lo, hi = float(min(y.min(), pred.min())), float(max(y.max(), pred.max()))
    b.scatter(y[idx], pred[idx], s=4, alpha=0.4)
    b.plot([lo, hi], [lo, hi], ls="--", color="grey", lw=1)
    b.set(xlabel="truth", ylabel="prediction")
    b.set_title("prediction vs truth", fontsize="medium")
    c.hist(resid, bins=50, edgecolor="black")
    c.set(xlabel="residual", ylabel="rows")
    c.set_title(f"residual distribution ({len(y)} rows)", fontsize="medium")
    return fig


def sweep_figure(
    strengths: Sequence[float], series: Mapping[str, Sequence[float]], title: str, xlabel: str
) -> Any:
    """Several measures against perturbation strength."""
    fig, ax = _figure(5.5, 4.0)
    for label, values in series.items():
        ax.plot(strengths, values, "o-", label=label)
    ax.set(xlabel=xlabel, ylabel="rate / drop")
    ax.set_title(title, fontsize="medium")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def importance_figure(
    names: Sequence[str], mean: np.ndarray, std: np.ndarray, top_k: int, title: str
) -> Any:
    """Horizontal bars of the ``top_k`` most important features with ±1 std."""
    order = np.argsort(-np.asarray(mean), kind="stable")[:top_k][::-1]
    fig, ax = _figure(6.0, 1.2 + 0.35 * len(order))
    ax.barh([str(names[i]) for i in order], np.asarray(mean)[order],
            xerr=np.asarray(std)[order], capsize=3, color="C0")
    ax.axvline(0, color="grey", lw=1)
    ax.set(xlabel="importance (score drop when the feature is permuted)")
    ax.set_title(title, fontsize="medium")
    return fig


def latency_figure(batch_sizes: Sequence[int], rows: list[dict[str, Any]]) -> Any:
    """Latency percentiles and throughput against batch size."""
    fig, (a, b) = _figure(9.0, 3.8, ncols=2)
    for key, label in (("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99")):
        a.plot(batch_sizes, [r[key] for r in rows], "o-", label=label)
    a.set(xscale="log", yscale="log", xlabel="batch size (rows)", ylabel="latency per call (ms)")
    a.legend(fontsize="small")
    a.set_title("latency", fontsize="medium")
    b.plot(batch_sizes, [r["rows_per_s"] for r in rows], "o-", color="C2")
    b.set(xscale="log", yscale="log", xlabel="batch size (rows)", ylabel="rows per second")
    b.set_title("throughput", fontsize="medium")
    return fig
