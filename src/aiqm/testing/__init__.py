"""Helpers for AIT authors and aiqm's own tests: a harness, the conformance suite and
fault-injecting AITs."""

from __future__ import annotations

from aiqm.testing.conformance import check_ait, invalid_values, parameters_class_problems
from aiqm.testing.faults import FakeAIT, FakeParameters
from aiqm.testing.harness import AITRunResult, run_ait
from aiqm.testing.suite import CheckOutcome, ConformanceReport, conformance_report

__all__ = [
    "AITRunResult",
    "CheckOutcome",
    "ConformanceReport",
    "FakeAIT",
    "FakeParameters",
    "check_ait",
    "conformance_report",
    "invalid_values",
    "parameters_class_problems",
    "run_ait",
]
