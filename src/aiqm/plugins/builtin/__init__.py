"""aiqm's built-in AITs, registered like any third-party plugin.

This module is listed under the ``aiqm.ait`` entry-point group as ``builtin``;
the plugin manager loads it and calls :func:`aiqm_register_aits`. The AIT
modules are imported inside the hook, so importing this package has no side
effects beyond the definitions here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiqm.plugins.hookspecs import hookimpl

if TYPE_CHECKING:
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
    from aiqm.plugins.builtin.adversarial_robustness import adversarial_robustness
    from aiqm.plugins.builtin.classification_performance import classification_performance
    from aiqm.plugins.builtin.combinatorial_coverage import combinatorial_coverage
    from aiqm.plugins.builtin.data_adequacy import data_adequacy
    from aiqm.plugins.builtin.data_completeness import data_completeness
    from aiqm.plugins.builtin.data_drift import data_drift
    from aiqm.plugins.builtin.dataset_profile import dataset_profile
    from aiqm.plugins.builtin.distribution_uniformity import distribution_uniformity
    from aiqm.plugins.builtin.explainability import explainability
    from aiqm.plugins.builtin.generalisation_stability import generalisation_stability
    from aiqm.plugins.builtin.group_fairness import group_fairness
    from aiqm.plugins.builtin.perturbation_robustness import perturbation_robustness
    from aiqm.plugins.builtin.process_checklist import process_checklist
    from aiqm.plugins.builtin.regression_performance import regression_performance
    from aiqm.plugins.builtin.software_reliability import software_reliability

    return [
        classification_performance, data_completeness, process_checklist,
        # model quality (issue 5)
        regression_performance, group_fairness, generalisation_stability,
        perturbation_robustness, adversarial_robustness, explainability, software_reliability,
        # data quality (issue 4)
        data_drift, dataset_profile, combinatorial_coverage, distribution_uniformity,
        data_adequacy,
    ]
