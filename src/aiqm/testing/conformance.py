"""``check_ait``: the conformance suite AIT authors run against their AIT."""

from __future__ import annotations

from typing import Any

from aiqm.plugins.sdk import AIT
from aiqm.testing._params import invalid_values, parameters_class_problems
from aiqm.testing.harness import AITRunResult
from aiqm.testing.suite import conformance_report

__all__ = ["check_ait", "invalid_values", "parameters_class_problems"]


def check_ait(
    ait: AIT, *, determinism: bool = True, edge_cases: bool = True, **run_kwargs: Any,
) -> AITRunResult:
    """Check an AIT against the contract every AIT must meet, and return its run result.

    Checks (the same as ``aiqm ait check``, see :func:`aiqm.testing.suite.conformance_report`):
    the manifest validates and its characteristics and requirement ids exist in a
    packaged guideline; a typed parameters class, when the AIT declares one, matches
    the manifest's parameters (see :func:`parameters_class_problems`); every
    parameter rejects a wrong-typed and an out-of-constraint value with the standard
    message; the AIT runs on ``run_kwargs`` (passed to :func:`run_ait`; without
    inputs, on the AIT's declared example or on generated data); every reported
    measure is declared, of its declared type and inside its range; every declared
    measure is either reported or undefined with a reason; every declared figure and
    table is produced and every resource it attaches is declared; a second run gives
    the same measures and tables (``determinism``); empty and single-row datasets
    give valid measures or a clear error, never a crash (``edge_cases``).

    Warnings (a parameter without Japanese help, no requirement ids) do not fail.

    Raises
    ------
    AssertionError
        Listing every problem found.
    """
    report = conformance_report(ait, determinism=determinism, edge_cases=edge_cases, **run_kwargs)
    if not report.passed:
        raise AssertionError(
            f"AIT {ait.manifest.ref} does not conform:\n  " + "\n  ".join(report.failures)
        )
    assert report.result is not None  # a failed main run fails the report
    return report.result
