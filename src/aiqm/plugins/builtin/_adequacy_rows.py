"""Row-level checks of ``data_adequacy`` from row hashes: exact and near duplicates,
conflicting labels, and rows of the dataset present in a reference dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aiqm.plugins.builtin._tabular.hashing import RowHashes, duplicate_mask

__all__ = ["RowFindings", "conflicting_labels", "duplicates", "leakage"]

_EXAMPLES = 20


@dataclass
class RowFindings:
    """A count of rows, their mask, and example rows (``(row, related row or value)`` pairs)."""

    count: int
    mask: np.ndarray | None = None
    examples: list[tuple[int, object]] = field(default_factory=list)
    groups: int = 0


def duplicates(h: RowHashes, *, near: bool = False) -> RowFindings:
    """Rows equal to an earlier row (exact key, or the near hash with ``near``).

    Examples pair each duplicate row with the first row it repeats.
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pandas as pd

    keys = [h.near] if near else [h.h1, h.h2]
    if keys[0] is None:
        raise ValueError("the near hash was not computed")
    mask = duplicate_mask(*keys)  # type: ignore[arg-type]
    count = int(mask.sum())
    if not count:
        return RowFindings(0)
    shared = np.flatnonzero(duplicate_mask(*keys, keep=False))  # type: ignore[arg-type]
    sub = pd.DataFrame({str(i): k[shared] for i, k in enumerate(keys)}).assign(row=shared)  # type: ignore[index]
    by = [str(i) for i in range(len(keys))]
    first = sub.groupby(by, sort=False)["row"].transform("first").to_numpy()
    pairs = [(int(r), int(f)) for r, f in zip(shared.tolist(), first.tolist(), strict=True) if r != f]
    groups = int(sub.groupby(by, sort=False).ngroups)
    return RowFindings(count, mask, list(pairs[:_EXAMPLES]), groups)


def conflicting_labels(features: RowHashes, labels: np.ndarray) -> RowFindings:
    """Rows whose features equal another row's but whose label differs.

    ``labels`` are comparable values (codes or hashes), missing labels included
    as their own value. Counted: every row of a feature group with at least two
    distinct labels; ``groups``: how many such groups.
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pandas as pd

    rows = np.flatnonzero(duplicate_mask(features.h1, features.h2, keep=False))
    if rows.size == 0:
        return RowFindings(0)
    sub = pd.DataFrame({"a": features.h1[rows], "b": features.h2[rows], "y": labels[rows]})
    variety = sub.groupby(["a", "b"], sort=False)["y"].transform("nunique").to_numpy()
    hit = rows[variety > 1]
    mask = np.zeros(features.n, dtype=bool)
    mask[hit] = True
    n_groups = int(sub[variety > 1].groupby(["a", "b"], sort=False).ngroups)
    return RowFindings(int(hit.size), mask if hit.size else None,
                       [(int(r), None) for r in hit[:_EXAMPLES].tolist()], n_groups)


def leakage(data: RowHashes, reference: RowHashes) -> RowFindings:
    """Rows of the dataset whose key also occurs in the reference (with a reference row)."""
    # lazy: heavy, and the AIT modules load with every registry
    import pandas as pd

    # a cheap filter on one half of the key, then the exact join on both halves
    cand = np.flatnonzero(pd.Series(data.h1).isin(pd.Index(reference.h1)).to_numpy())
    if cand.size == 0:
        return RowFindings(0)
    ref_rows = np.flatnonzero(pd.Series(reference.h1).isin(pd.Index(data.h1[cand])).to_numpy())
    ref = pd.DataFrame({"a": reference.h1[ref_rows], "b": reference.h2[ref_rows],
                        "ref_row": ref_rows}).drop_duplicates(["a", "b"])
    left = pd.DataFrame({"a": data.h1[cand], "b": data.h2[cand], "row": cand})
    hits = left.merge(ref, on=["a", "b"], how="inner").sort_values("row")
    if hits.empty:
        return RowFindings(0)
    rows = hits["row"].to_numpy()
    mask = np.zeros(data.n, dtype=bool)
    mask[rows] = True
    examples = list(zip(rows[:_EXAMPLES].tolist(), hits["ref_row"].to_numpy()[:_EXAMPLES].tolist(),
                        strict=True))
    return RowFindings(int(rows.size), mask, examples)
