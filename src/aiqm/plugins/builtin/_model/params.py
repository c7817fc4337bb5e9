"""Parameter and measure declarations shared by several model-quality AITs.

The shared parameters are :class:`~aiqm.core.parameters.Parameters` mixins; an AIT's
parameters class inherits the ones it needs. Pydantic puts the fields of the *last*
base first, so an AIT lists its bases in reverse manifest order: its own parameters
come last in the bases and first in the manifest, e.g.
``class ClassificationParameters(SliceParameters, SeedParameters, BootstrapParameters,
_ClassificationOwnParameters)`` gives the classification parameters, then
``n_bootstrap``, ``confidence_level``, ``seed``, ``slice_by`` … in that order.
"""

from __future__ import annotations

from typing import Any

from aiqm.core.constraints import Interval, Length
from aiqm.core.parameters import Param, Parameters

__all__ = [
    "UNIT",
    "BootstrapParameters",
    "SeedParameters",
    "SliceParameters",
    "ci_measures",
]

UNIT: dict[str, Any] = {"type": "float", "min": 0.0, "max": 1.0}


class SeedParameters(Parameters):
    """``seed``: same seed, same samples and resamples."""

    seed: int = Param(
        0, Interval(low=0, high=2**32 - 1),
        help="Seed of the random generator; the same seed gives the same result.",
        help_ja="乱数生成器のシード。同じシードからは同じ結果が得られる。",
    )


class BootstrapParameters(Parameters):
    """``n_bootstrap`` and ``confidence_level`` of the bootstrap confidence intervals."""

    n_bootstrap: int = Param(
        200, Interval(low=0, high=100_000),
        help="Bootstrap resamples for the confidence intervals; 0 turns them off.",
        help_ja="信頼区間を求めるブートストラップ再標本の数。0 にすると信頼区間を計算しない。",
    )
    confidence_level: float = Param(
        0.95, Interval(low=0.5, high=1.0, closed="left"),
        help="Coverage of the percentile bootstrap intervals.",
        help_ja="パーセンタイル・ブートストラップ区間の被覆率（信頼水準）。",
    )


class SliceParameters(Parameters):
    """``slice_by``, ``n_slice_bins`` and ``min_slice_size`` of per-slice performance."""

    slice_by: list[str] = Param(
        [], Length(max=20),
        help="Columns whose values (or quantile bins, for numeric columns) define the slices; "
             "each column is sliced on its own.",
        help_ja="値（数値列では分位点で区切ったビン）でスライスを定める列。列ごとに別々にスライスする。",
    )
    n_slice_bins: int = Param(
        5, Interval(low=2, high=100),
        help="Quantile bins for a numeric column with more distinct values.",
        help_ja="異なる値の数がこれより多い数値列を、分位点で区切るビンの数。",
    )
    min_slice_size: int = Param(
        30, Interval(low=1, high=None),
        help="Slices with fewer rows are listed but cannot be the worst slice.",
        help_ja="行数がこれより少ないスライスは一覧には載るが、最悪のスライスには選ばれない。",
    )


def ci_measures(
    names: list[str], *, direction: str, low: float | None = None, high: float | None = None
) -> list[dict[str, Any]]:
    """``<name>_ci_low`` / ``<name>_ci_high`` for each headline metric, in ``[low, high]``."""
    out = []
    for name in names:
        for side in ("low", "high"):
            spec: dict[str, Any] = {
                "name": f"{name}_ci_{side}", "type": "float", "direction": direction,
                "description": f"{side.capitalize()} end of the bootstrap confidence interval "
                               f"of {name}.",
            }
            if low is not None:
                spec["min"] = low
            if high is not None:
                spec["max"] = high
            out.append(spec)
    return out
