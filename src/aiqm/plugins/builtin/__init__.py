"""aiqm's built-in AITs, registered like any third-party plugin.

This module is listed under the ``aiqm.ait`` entry-point group as ``builtin``;
the plugin manager loads it and calls :func:`aiqm_register_aits`. Nothing else
in aiqm imports it: the plugin manager loads it only when a registry is built,
so commands that need no AIT (``aiqm --help``) do not pay for the AIT modules.
The AIT modules are imported as modules (not their functions), so each name
here stays the submodule of the same name.
"""

from __future__ import annotations

from aiqm.plugins.builtin import (
    adversarial_robustness,
    classification_performance,
    combinatorial_coverage,
    data_adequacy,
    data_completeness,
    data_drift,
    dataset_profile,
    distribution_uniformity,
    explainability,
    generalisation_stability,
    group_fairness,
    perturbation_robustness,
    process_checklist,
    regression_performance,
    software_reliability,
)
from aiqm.plugins.hookspecs import hookimpl
from aiqm.plugins.sdk import AIT

__all__ = ["aiqm_register_aits"]


@hookimpl
def aiqm_register_aits() -> list[AIT]:
    """Return the built-in AITs.

    Returns
    -------
    list of AIT
        Every AIT shipped with aiqm (data quality, model quality, process checklist).
    """
    return [
        classification_performance.classification_performance,
        data_completeness.data_completeness,
        process_checklist.process_checklist,
        # model quality (issue 5)
        regression_performance.regression_performance,
        group_fairness.group_fairness,
        generalisation_stability.generalisation_stability,
        perturbation_robustness.perturbation_robustness,
        adversarial_robustness.adversarial_robustness,
        explainability.explainability,
        software_reliability.software_reliability,
        # data quality (issue 4)
        data_drift.data_drift,
        dataset_profile.dataset_profile,
        combinatorial_coverage.combinatorial_coverage,
        distribution_uniformity.distribution_uniformity,
        data_adequacy.data_adequacy,
    ]
