"""Small matplotlib helpers for the data-quality AITs' figures.

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot state),
laid out by hand (no constrained layout, no tight bounding box: each costs a
full extra draw) and kept light — step outlines instead of one patch per bar,
few ticks — because they are saved as SVG and inlined into reports. AITs pass
:func:`to_svg` output to ``ctx.resource``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "CURRENT_COLOUR",
    "FLAG_COLOUR",
    "REFERENCE_COLOUR",
    "bars",
    "grid",
    "hbar_chart",
    "message_figure",
    "paired_bars",
    "paired_histogram",
    "shorten",
    "to_svg",
]

REFERENCE_COLOUR = "#4C72B0"
CURRENT_COLOUR = "#DD8452"
FLAG_COLOUR = "#C44E52"
NEUTRAL_COLOUR = "#8C8C8C"


def shorten(text: str, width: int = 28) -> str:
    """Cut ``text`` to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"


def to_svg(fig: Figure) -> str:
    """Render ``fig`` as SVG text (text kept as text, deterministic ids).

    The figures here are laid out by hand, so they are saved without a second,
    measuring draw (``bbox_inches="tight"``) — that halves the rendering time.
    """
    # lazy: heavy, and the AIT modules load with every registry
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "aiqm"}):
        fig.savefig(buf, format="svg")
    return buf.getvalue()


def grid(n: int, *, ncols: int = 4, panel: tuple[float, float] = (3.0, 2.2)) -> tuple[Figure, list[Axes]]:
    """A figure with ``n`` panels in rows of ``ncols`` and room for a title."""
    # lazy: heavy, and the AIT modules load with every registry
    from matplotlib.figure import Figure

    n = max(n, 1)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    width, height = panel[0] * ncols, panel[1] * nrows + 0.5
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=0.9 / width, right=1 - 0.15 / width, bottom=0.35 / height,
                        top=1 - 0.65 / height, wspace=0.45, hspace=0.55 * 2.2 / panel[1])
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def message_figure(text: str) -> Figure:
    """A small figure that only says ``text`` (e.g. nothing to plot)."""
    # lazy: heavy, and the AIT modules load with every registry
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 1.2))
    fig.text(0.5, 0.5, text, ha="center", va="center")
    return fig


def paired_histogram(
    ax: Axes, edges: Sequence[float], ref: Sequence[int], cur: Sequence[int], title: str,
    *, labels: tuple[str, str] = ("reference", "current"),
) -> None:
    """Two histograms over the same edges, as outlines of shares per bin."""
    e = np.asarray(edges, dtype=float)
    for counts, colour, name in ((ref, REFERENCE_COLOUR, labels[0]), (cur, CURRENT_COLOUR, labels[1])):
        c = np.asarray(counts, dtype=float)
        total = c.sum()
        ax.stairs(c / total if total else c, e, color=colour, linewidth=1.3, label=name,
                  fill=name == labels[0], alpha=0.35 if name == labels[0] else 1.0)
    ax.set_title(title, fontsize="small")
    ax.tick_params(labelsize="x-small")
    ax.locator_params(axis="x", nbins=4)
    ax.set_yticks([])  # shares: the shapes matter, the tick values would only add text
    ax.spines[["left", "right", "top"]].set_visible(False)


def paired_bars(
    ax: Axes, labels: Sequence[str], ref: Sequence[float], cur: Sequence[float], title: str,
    *, names: tuple[str, str] = ("reference", "current"),
) -> None:
    """Side-by-side horizontal bars of two shares per category."""
    y = np.arange(len(labels))
    ax.barh(y - 0.2, ref, height=0.4, color=REFERENCE_COLOUR, label=names[0])
    ax.barh(y + 0.2, cur, height=0.4, color=CURRENT_COLOUR, label=names[1])
    ax.set_yticks(y, [shorten(s, 14) for s in labels])
    ax.invert_yaxis()
    ax.set_title(title, fontsize="small")
    ax.tick_params(labelsize="x-small")
    ax.locator_params(axis="x", nbins=3)
    ax.spines[["right", "top"]].set_visible(False)


def bars(ax: Axes, labels: Sequence[str], values: Sequence[float], title: str) -> None:
    """One horizontal bar per category, largest on top."""
    y = np.arange(len(labels))
    ax.barh(y, values, color=REFERENCE_COLOUR, alpha=0.8)
    ax.set_yticks(y, [shorten(s, 14) for s in labels])
    ax.invert_yaxis()
    ax.set_title(title, fontsize="small")
    ax.tick_params(labelsize="x-small")


def hbar_chart(
    labels: Sequence[str], values: Sequence[float], *, title: str, xlabel: str,
    flagged: Sequence[bool] | None = None, line: float | None = None,
    xlim: tuple[float, float] | None = None,
) -> Figure:
    """One horizontal bar per label, flagged bars in red, an optional reference line."""
    # lazy: heavy, and the AIT modules load with every registry
    from matplotlib.figure import Figure

    n = len(labels)
    height = 1.2 + 0.24 * max(n, 1)
    fig = Figure(figsize=(7.5, height))
    fig.subplots_adjust(left=2.5 / 7.5, right=0.97, bottom=0.65 / height, top=1 - 0.4 / height)
    ax = fig.add_subplot()
    colours: list[Any] = [
        FLAG_COLOUR if (flagged is not None and flagged[i]) else NEUTRAL_COLOUR for i in range(n)
    ]
    y = np.arange(n)
    ax.barh(y, values, color=colours)
    ax.set_yticks(y, [shorten(s, 36) for s in labels])
    ax.invert_yaxis()
    if line is not None:
        ax.axvline(line, color="black", linewidth=0.8, linestyle="--")
    if xlim is not None:
        ax.set_xlim(*xlim)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize="medium")
    ax.tick_params(labelsize="small")
    return fig
