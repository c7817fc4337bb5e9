"""Outliers for ``data_adequacy``: robust z-scores and Tukey's fences per numeric column
(thresholds from the column profile, then one comparison pass), and an
IsolationForest over all numeric columns on a capped sample of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from aiqm.plugins.builtin._tabular import columns as colmod

if TYPE_CHECKING:
    import pyarrow as pa

    from aiqm.plugins.builtin._tabular.profile import ColumnProfile

__all__ = [
    "MEANAD_FACTOR",
    "ROBUST_Z_FACTOR",
    "OutlierBounds",
    "isolation_forest_ratio",
    "outlier_bounds",
    "outlier_masks",
]

#: Iglewicz & Hoaglin's modified z-score: 0.6745 (x - median) / MAD.
ROBUST_Z_FACTOR = 0.6745
#: When MAD is 0: (x - median) / (1.253314 * mean absolute deviation from the median).
MEANAD_FACTOR = 1.253314


@dataclass
class OutlierBounds:
    """The values of a column beyond which a value is an outlier, by each method."""

    column: str
    median: float | None
    scale: float | None  # MAD (or mean absolute deviation) that divides the z-score
    scale_kind: str  # "MAD", "MeanAD" or "constant"
    z_low: float | None
    z_high: float | None
    q1: float | None
    q3: float | None
    iqr_low: float | None
    iqr_high: float | None
    z_count: int = 0
    iqr_count: int = 0


def outlier_bounds(prof: ColumnProfile, *, z_threshold: float, iqr_factor: float) -> OutlierBounds:
    """Bounds from a numeric profile: ``|modified z| > z_threshold`` and Tukey's fences.

    The modified z-score is ``0.6745 (x - median) / MAD`` (Iglewicz & Hoaglin 1993);
    when MAD is 0 the mean absolute deviation from the median takes its place
    as ``(x - median) / (1.253314 MeanAD)``; when both are 0 the column is
    constant and has no outlier. Tukey's fences are ``Q1 - k IQR`` and
    ``Q3 + k IQR`` with numpy's linear quartiles.
    """
    med, mad, q1, q3 = prof.median, prof.mad, prof.quantile(0.25), prof.quantile(0.75)
    if med is None or mad is None or q1 is None or q3 is None:
        return OutlierBounds(prof.name, None, None, "constant", None, None, None, None, None, None)
    if mad > 0:
        half = z_threshold * mad / ROBUST_Z_FACTOR
        scale, kind = mad, "MAD"
    elif prof.meanad:
        half = z_threshold * MEANAD_FACTOR * prof.meanad
        scale, kind = prof.meanad, "MeanAD"
    else:
        half, scale, kind = 0.0, 0.0, "constant"
    iqr = q3 - q1
    return OutlierBounds(prof.name, med, scale, kind, med - half, med + half, q1, q3,
                         q1 - iqr_factor * iqr, q3 + iqr_factor * iqr)


def outlier_masks(b: OutlierBounds, column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Rows outside the robust-z bounds and outside Tukey's fences (missing rows: False)."""
    x = colmod.float_values(column)
    if b.z_low is None or b.iqr_low is None or b.iqr_high is None or b.z_high is None:
        empty = np.zeros(x.size, dtype=bool)
        return empty, empty
    with np.errstate(invalid="ignore"):
        if b.scale_kind == "constant":
            z = np.zeros(x.size, dtype=bool)
        else:
            z = (x < b.z_low) | (x > b.z_high)
        iqr = (x < b.iqr_low) | (x > b.iqr_high)
    return z, iqr


def isolation_forest_ratio(
    table: pa.Table, columns: list[str], medians: dict[str, float], *, max_rows: int,
    random_state: int,
) -> tuple[float, int]:
    """Share of rows scikit-learn's IsolationForest (``contamination="auto"``) calls outliers.

    The forest is fitted on, and scores, a uniform random sample of at most
    ``max_rows`` rows; missing values take the column median.

    Returns
    -------
    (float, int)
        The outlier share in the sample and the sample size.
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa
    from sklearn.ensemble import IsolationForest

    n = table.num_rows
    rng = np.random.default_rng(random_state)
    sample = table.select(columns)
    if n > max_rows:  # take the sampled rows in Arrow: only they are converted
        sample = sample.take(pa.array(np.sort(rng.choice(n, size=max_rows, replace=False))))
    X = np.empty((sample.num_rows, len(columns)), dtype=np.float32)
    for j, c in enumerate(columns):
        x = colmod.float_values(sample.column(c))
        bad = ~np.isfinite(x)
        if bad.any():
            x = np.where(bad, medians.get(c, 0.0), x)
        X[:, j] = x
    forest = IsolationForest(random_state=random_state, contamination="auto", n_jobs=1)
    labels = forest.fit(X).predict(X)
    return float(np.mean(labels == -1)), int(X.shape[0])
