"""Group rates and disparities with fairlearn's definitions.

For each group: size, selection rate ``P(ŷ=1)``, true positive rate
``P(ŷ=1 | y=1)``, false positive rate ``P(ŷ=1 | y=0)``, false negative rate
``P(ŷ=0 | y=1)`` and precision ``P(y=1 | ŷ=1)``. A disparity is the largest
minus the smallest value over the evaluated groups (``difference``) or the
smallest divided by the largest (``ratio``); equalized odds takes the worse of
the TPR and FPR disparities, equal opportunity is the TPR disparity — as
``fairlearn.metrics`` computes them with ``method="between_groups"`` and
``agg="worst_case"``.

A rate whose denominator is zero in a group (TPR in a group without positive
rows, for instance) is undefined. fairlearn counts it as 0; with
``undefined_rates="exclude"`` (the default here) the group is left out of that
rate's disparity instead, and the table says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["RATES", "Disparities", "GroupRates", "disparities", "group_rates"]

RATES = ("selection_rate", "true_positive_rate", "false_positive_rate",
         "false_negative_rate", "precision")


@dataclass
class GroupRates:
    """Counts and rates per group (NaN where a rate is undefined)."""

    size: np.ndarray
    positives: np.ndarray
    negatives: np.ndarray
    rates: dict[str, np.ndarray] = field(default_factory=dict)


def group_rates(codes: np.ndarray, n_groups: int, y: np.ndarray, pred: np.ndarray) -> GroupRates:
    """Rates of each group from per-row group codes and binary truth / prediction.

    Parameters
    ----------
    codes : numpy.ndarray of int
        Group index of each row, ``0..n_groups-1``.
    n_groups : int
        Number of groups (some may be empty).
    y, pred : numpy.ndarray of bool
        Positive truth and positive prediction of each row.
    """
    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes[mask], minlength=n_groups).astype(np.float64)

    size = np.bincount(codes, minlength=n_groups).astype(np.float64)
    tp, fp = count(y & pred), count(~y & pred)
    fn, tn = count(y & ~pred), count(~y & ~pred)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = {
            "selection_rate": (tp + fp) / size,
            "true_positive_rate": tp / (tp + fn),
            "false_positive_rate": fp / (fp + tn),
            "false_negative_rate": fn / (tp + fn),
            "precision": tp / (tp + fp),
        }
    return GroupRates(size, tp + fn, fp + tn, rates)


@dataclass
class Disparities:
    """Differences and ratios over the evaluated groups (NaN when undefined)."""

    values: dict[str, float]
    reasons: dict[str, str]


def _spread(values: np.ndarray) -> tuple[float, float]:
    hi, lo = float(values.max()), float(values.min())
    ratio = lo / hi if hi > 0 else float("nan")
    return hi - lo, ratio


def disparities(rates: GroupRates, evaluated: np.ndarray, undefined_rates: str) -> Disparities:
    """Demographic parity, equalized odds and equal opportunity over ``evaluated`` groups.

    Parameters
    ----------
    rates : GroupRates
        From :func:`group_rates`.
    evaluated : numpy.ndarray of bool
        Which groups take part (large enough and not empty).
    undefined_rates : {"exclude", "zero"}
        Leave groups with an undefined rate out of its disparity, or count it
        as 0 (fairlearn's convention).
    """
    out: dict[str, float] = {}
    reasons: dict[str, str] = {}
    spreads: dict[str, tuple[float, float]] = {}
    for name in ("selection_rate", "true_positive_rate", "false_positive_rate"):
        r = rates.rates[name][evaluated]
        if undefined_rates == "zero":
            r = np.nan_to_num(r, nan=0.0)
        r = r[np.isfinite(r)]
        if len(r) < 2:
            reasons[name] = (
                f"{name.replace('_', ' ')} is defined for {len(r)} evaluated group(s); "
                "a disparity needs at least two"
            )
            spreads[name] = (float("nan"), float("nan"))
        else:
            spreads[name] = _spread(r)
            if not np.isfinite(spreads[name][1]):
                reasons[name] = f"{name.replace('_', ' ')} is 0 in every group, so a ratio is 0/0"
    out["demographic_parity_difference"], out["demographic_parity_ratio"] = \
        spreads["selection_rate"]
    tpr, fpr = spreads["true_positive_rate"], spreads["false_positive_rate"]
    out["equal_opportunity_difference"], out["equal_opportunity_ratio"] = tpr
    out["equalized_odds_difference"] = float(np.max([tpr[0], fpr[0]]))  # NaN if either is
    out["equalized_odds_ratio"] = float(np.min([tpr[1], fpr[1]]))
    why = {
        "demographic_parity": reasons.get("selection_rate"),
        "equal_opportunity": reasons.get("true_positive_rate"),
        "equalized_odds": "; ".join(
            r for r in (reasons.get("true_positive_rate"), reasons.get("false_positive_rate"))
            if r
        ) or None,
    }
    out_reasons = {}
    for key, value in out.items():
        if not np.isfinite(value):
            base = key.rsplit("_", 1)[0]
            out_reasons[key] = why.get(base) or "undefined"
    return Disparities(out, out_reasons)
