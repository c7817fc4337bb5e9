"""AITs that misbehave on purpose, and a fake AIT that reports what it is told.

Register with ``settings: {plugins: [aiqm.testing.faults]}`` or
``load_registry(["aiqm.testing.faults"])``. They exist to test executors and
judging: an AIT that raises, sleeps, ends the interpreter, eats memory, or
reports an out-of-range measure.
"""

from __future__ import annotations

import os
import time
from typing import Any

from aiqm.plugins.hookspecs import hookimpl
from aiqm.plugins.sdk import AIT, Context, Param, Parameters, ait

__all__ = ["FakeAIT", "FakeParameters", "aiqm_register_aits"]

_COMMON: dict[str, Any] = {
    "version": "1.0.0",
    "characteristics": ["C-1"],
    "licenses": ["Apache-2.0"],
}


class FakeParameters(Parameters):
    """The parameters of the ``fake`` AIT: what it reports."""

    value: float = Param(
        1.0, help="Reported as the measure 'value'.",
        help_ja="測定値 value として報告する値。",
    )
    values: list[float] = Param(
        [], help="Reported as the measure 'values' (a sequence).",
        help_ja="測定値 values（系列）として報告する値。",
    )
    undefined: bool = Param(
        False, help="Report 'value' as undefined instead.",
        help_ja="value を報告せず、未定義として記録する。",
    )


class SleepParameters(Parameters):
    """The parameters of ``fault_sleep``."""

    seconds: float = Param(60.0, help="How long to sleep.", help_ja="スリープする秒数。")


class ExitParameters(Parameters):
    """The parameters of ``fault_exit``."""

    code: int = Param(3, help="The exit status.", help_ja="終了ステータス。")


class MemoryParameters(Parameters):
    """The parameters of ``fault_memory``."""

    mb: int = Param(4096, help="Megabytes to allocate.", help_ja="確保するメモリの量（MB）。")


@ait(
    id="fake",
    description="Reports the measures it is given: 'value' (float) and 'values' (sequence).",
    parameters=FakeParameters,
    inventories=[{"name": "dataset", "kind": "dataset", "required": False}],
    measures=[
        {"name": "value", "type": "float", "direction": "higher"},
        {"name": "values", "type": "float", "structure": "sequence"},
        {"name": "n_rows", "type": "int", "min": 0},
    ],
    resources=[{"name": "note", "kind": "text"}],
    **_COMMON,
)
def FakeAIT(ctx: Context[FakeParameters]) -> None:
    """Report ``value`` and ``values``; ``undefined: true`` makes ``value`` undefined."""
    if ctx.params.undefined:
        ctx.undefined("value", "asked to be undefined")
    else:
        ctx.measure("value", ctx.params.value)
    ctx.measure("values", ctx.params.values)
    if ctx.has_input("dataset"):
        ctx.measure("n_rows", ctx.dataset("dataset").num_rows)
    else:
        ctx.undefined("n_rows", "no dataset is bound to the 'dataset' slot")
    ctx.resource("note", "fake AIT ran")
    ctx.progress(1, 1)


@ait(id="fault_raise", description="Raises RuntimeError.", **_COMMON)
def _raise(ctx: Context) -> None:
    raise RuntimeError("boom: this AIT always fails")


@ait(
    id="fault_sleep",
    description="Sleeps for 'seconds'.",
    parameters=SleepParameters,
    **_COMMON,
)
def _sleep(ctx: Context[SleepParameters]) -> None:
    deadline = time.monotonic() + ctx.params.seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)


@ait(
    id="fault_exit",
    description="Ends the interpreter with os._exit('code').",
    parameters=ExitParameters,
    **_COMMON,
)
def _exit(ctx: Context[ExitParameters]) -> None:
    os._exit(ctx.params.code)


@ait(
    id="fault_memory",
    description="Allocates and touches 'mb' megabytes in 16 MB steps.",
    parameters=MemoryParameters,
    **_COMMON,
)
def _memory(ctx: Context[MemoryParameters]) -> None:
    chunks = []
    for _ in range(ctx.params.mb // 16):
        chunks.append(b"x" * (16 * 2**20))
        time.sleep(0.005)
    ctx.log.info("allocated %d chunks", len(chunks))


@ait(
    id="fault_bad_measure",
    description="Reports a measure outside its declared range [0, 1].",
    measures=[{"name": "score", "type": "float", "min": 0, "max": 1}],
    **_COMMON,
)
def _bad_measure(ctx: Context) -> None:
    ctx.measure("score", 1.5)


ALL: list[AIT] = [FakeAIT, _raise, _sleep, _exit, _memory, _bad_measure]


@hookimpl
def aiqm_register_aits() -> list[AIT]:
    return list(ALL)
