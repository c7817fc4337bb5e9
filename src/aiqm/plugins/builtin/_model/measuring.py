"""Reporting helpers: warnings to the AIT log, guarded measures, intervals."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiqm.plugins.sdk import Context

__all__ = ["guarded", "logged_warnings", "report_interval"]


def guarded(ctx: Context, name: str, compute: Callable[[], float]) -> float | None:
    """Report ``compute()``, or the measure as undefined with scikit-learn's reason.

    Returns the value reported, or None when it was undefined.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = float(compute())
        except ValueError as exc:
            ctx.undefined(name, f"scikit-learn cannot compute it: {exc}")
            return None
    messages = [str(w.message) for w in caught]
    if not math.isfinite(value):
        ctx.undefined(name, "; ".join(messages) or f"the value is {value}")
        return None
    for m in messages:
        ctx.log.warning("%s: %s", name, m)
    ctx.measure(name, value)
    return value


@contextmanager
def logged_warnings(ctx: Context) -> Iterator[None]:
    """Send warnings raised inside the block to the AIT's log instead of stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        ctx.log.warning("%s", w.message)


def report_interval(
    ctx: Context, name: str, interval: tuple[float, float] | None, reason: str
) -> None:
    """Report ``<name>_ci_low`` and ``<name>_ci_high``, or both as undefined."""
    if interval is None or not all(math.isfinite(x) for x in interval):
        ctx.undefined(f"{name}_ci_low", reason)
        ctx.undefined(f"{name}_ci_high", reason)
        return
    ctx.measure(f"{name}_ci_low", interval[0])
    ctx.measure(f"{name}_ci_high", interval[1])
