"""Helpers for AIT authors and aiqm's own tests: a harness and fault-injecting AITs."""

from __future__ import annotations

from aiqm.testing.harness import AITRunResult, run_ait

__all__ = ["AITRunResult", "run_ait"]
