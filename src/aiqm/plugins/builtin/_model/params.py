"""Parameter and measure declarations shared by several model-quality AITs."""

from __future__ import annotations

from typing import Any

from aiqm.core.constraints import Interval, Length

__all__ = ["UNIT", "bootstrap_parameters", "ci_measures", "seed_parameter", "slice_parameters"]

UNIT: dict[str, Any] = {"type": "float", "min": 0.0, "max": 1.0}


def seed_parameter() -> dict[str, Any]:
    """The ``seed`` parameter: same seed, same samples and resamples."""
    return {
        "name": "seed", "type": "int", "default": 0,
        "constraints": [Interval(low=0, high=2**32 - 1)],
        "description": "Seed of the random generator; the same seed gives the same result.",
    }


def bootstrap_parameters() -> list[dict[str, Any]]:
    """``n_bootstrap`` and ``confidence_level``."""
    return [
        {"name": "n_bootstrap", "type": "int", "default": 200,
         "constraints": [Interval(low=0, high=100_000)],
         "description": "Bootstrap resamples for the confidence intervals; 0 turns them off."},
        {"name": "confidence_level", "type": "float", "default": 0.95,
         "constraints": [Interval(low=0.5, high=1.0, closed="left")],
         "description": "Coverage of the percentile bootstrap intervals."},
    ]


def slice_parameters() -> list[dict[str, Any]]:
    """``slice_by``, ``n_slice_bins`` and ``min_slice_size``."""
    return [
        {"name": "slice_by", "type": "list[str]", "default": [],
         "constraints": [Length(max=20)],
         "description": ("Columns whose values (or quantile bins, for numeric columns) "
                         "define the slices; each column is sliced on its own.")},
        {"name": "n_slice_bins", "type": "int", "default": 5,
         "constraints": [Interval(low=2, high=100)],
         "description": "Quantile bins for a numeric column with more distinct values."},
        {"name": "min_slice_size", "type": "int", "default": 30,
         "constraints": [Interval(low=1, high=None)],
         "description": "Slices with fewer rows are listed but cannot be the worst slice."},
    ]


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
