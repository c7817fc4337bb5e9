"""Helpers for AIT authors and aiqm's own tests: a harness and fault-injecting AITs."""

from __future__ import annotations

from aiqm.testing.conformance import check_ait, invalid_values, parameters_class_problems
from aiqm.testing.faults import FakeAIT, FakeParameters
from aiqm.testing.harness import AITRunResult, run_ait

__all__ = [
    "AITRunResult",
    "FakeAIT",
    "FakeParameters",
    "check_ait",
    "invalid_values",
    "parameters_class_problems",
    "run_ait",
]
