"""t-way combinatorial coverage of attribute values, counted with ``numpy.bincount``.

The rows are first reduced to their distinct combinations of all attributes
(one ``numpy.unique`` over one integer key per row), so counting each of the
many attribute subsets costs a pass over the distinct combinations, not over
the rows.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from aiqm.exceptions import DataError

__all__ = [
    "MAX_CELLS",
    "ComboCounter",
    "Constraint",
    "StrengthSummary",
    "exclusion_mask",
    "summarise_strength",
]

#: Largest number of value combinations of one attribute subset that is enumerated.
MAX_CELLS = 20_000_000
_KEY_LIMIT = 2**62

#: An excluded (impossible) partial combination: attribute index → value index.
Constraint = Mapping[int, int]


class ComboCounter:
    """Counts of value combinations over subsets of attributes.

    Parameters
    ----------
    codes : sequence of numpy.ndarray
        Per attribute, each row's value index; negative means missing (or not
        one of the values): such a row counts for no combination involving
        that attribute.
    sizes : sequence of int
        The number of values of each attribute.
    """

    def __init__(self, codes: Sequence[np.ndarray], sizes: Sequence[int]) -> None:
        self.sizes = [int(s) for s in sizes]
        self.n_rows = int(codes[0].size) if codes else 0
        # a missing cell takes the extra slot `size`
        slots = [np.where(c < 0, s, c).astype(np.int64) for c, s in zip(codes, self.sizes, strict=True)]
        radix = [s + 1 for s in self.sizes]
        if math.prod(radix) < _KEY_LIMIT:
            key = np.zeros(self.n_rows, dtype=np.int64)
            for col, r in zip(slots, radix, strict=True):
                key *= r
                key += col
            distinct, weights = np.unique(key, return_counts=True)
            parts = []
            for r in reversed(radix):
                distinct, rem = np.divmod(distinct, r)
                parts.append(rem)
            self.codes = list(reversed(parts))
        else:  # too many combinations for one integer key
            stacked = np.stack(slots, axis=1)
            uniq, weights = np.unique(stacked, axis=0, return_counts=True)
            self.codes = [uniq[:, i] for i in range(uniq.shape[1])]
        self.weights = weights.astype(np.int64)

    @property
    def n_distinct(self) -> int:
        """Distinct combinations of all attributes among the rows."""
        return int(self.weights.size)

    def counts(self, subset: Sequence[int]) -> np.ndarray:
        """Rows per value combination of the attributes ``subset`` (an array of their sizes' shape)."""
        shape = tuple(self.sizes[i] for i in subset)
        cells = math.prod(shape)
        if cells > MAX_CELLS:
            raise DataError(
                f"{cells} value combinations for one set of {len(subset)} attributes is too many "
                f"to enumerate (at most {MAX_CELLS}); use fewer bins or values, fewer attributes, "
                "or a lower strength"
            )
        valid = np.ones(self.weights.size, dtype=bool)
        for i in subset:
            valid &= self.codes[i] < self.sizes[i]
        if not subset:
            return np.array(int(self.weights[valid].sum()))
        flat = np.ravel_multi_index(tuple(self.codes[i][valid] for i in subset), shape)
        out = np.bincount(flat, weights=self.weights[valid], minlength=cells)
        return np.rint(out).astype(np.int64).reshape(shape)

    def matching_rows(self, constraint: Constraint) -> int:
        """Rows whose values match ``constraint`` in every attribute it names."""
        hit = np.ones(self.weights.size, dtype=bool)
        for i, v in constraint.items():
            hit &= self.codes[i] == v
        return int(self.weights[hit].sum())

    def rows_matching_any(self, constraints: Sequence[Constraint]) -> int:
        """Rows matching at least one of ``constraints``."""
        hit = np.zeros(self.weights.size, dtype=bool)
        for c in constraints:
            one = np.ones(self.weights.size, dtype=bool)
            for i, v in c.items():
                one &= self.codes[i] == v
            hit |= one
        return int(self.weights[hit].sum())


def exclusion_mask(subset: Sequence[int], sizes: Sequence[int],
                   constraints: Sequence[Constraint]) -> np.ndarray:
    """Boolean array (the subset's shape): True where a combination is excluded.

    A constraint applies to a subset that contains all the attributes it names;
    every combination agreeing with it on those attributes is excluded.
    """
    shape = tuple(sizes[i] for i in subset)
    mask = np.zeros(shape, dtype=bool)
    members = set(subset)
    for c in constraints:
        if not set(c) <= members:
            continue
        mask[tuple(c.get(i, slice(None)) for i in subset)] = True
    return mask


@dataclass
class StrengthSummary:
    """Coverage of all attribute subsets of one size ``t``.

    Attributes
    ----------
    t : int
        Strength.
    valid, excluded, covered, sufficient : int
        Possible combinations (not excluded), excluded ones, possible ones
        present at least once, and present at least ``min_count`` times.
    rare : int
        Possible combinations present ``1 … min_count - 1`` times.
    uncovered_list, rare_list : list
        ``(subset, values, count)`` of uncovered / rare combinations (capped).
    test_covered, dataset_only, test_only : int or None
        With a second dataset: its covered combinations, and combinations
        present in only one of the two.
    difference_list : list
        ``(subset, values, dataset count, test count)`` present in only one (capped).
    per_subset : dict
        Coverage ratio of each subset (for the figure).
    """

    t: int
    valid: int = 0
    excluded: int = 0
    covered: int = 0
    sufficient: int = 0
    rare: int = 0
    uncovered_list: list[tuple[tuple[int, ...], tuple[int, ...], int]] = field(default_factory=list)
    rare_list: list[tuple[tuple[int, ...], tuple[int, ...], int]] = field(default_factory=list)
    test_covered: int | None = None
    dataset_only: int | None = None
    test_only: int | None = None
    difference_list: list[tuple[tuple[int, ...], tuple[int, ...], int, int]] = field(default_factory=list)
    per_subset: dict[tuple[int, ...], float] = field(default_factory=dict)

    @property
    def uncovered(self) -> int:
        return self.valid - self.covered

    @property
    def coverage(self) -> float | None:
        return self.covered / self.valid if self.valid else None


def summarise_strength(
    t: int, counter: ComboCounter, constraints: Sequence[Constraint], *, min_count: int = 1,
    test: ComboCounter | None = None, max_listed: int = 1000,
) -> StrengthSummary:
    """Count coverage of every subset of ``t`` attributes."""
    out = StrengthSummary(t)
    if test is not None:
        out.test_covered, out.dataset_only, out.test_only = 0, 0, 0
    for subset in itertools.combinations(range(len(counter.sizes)), t):
        counts = counter.counts(subset)
        excluded = exclusion_mask(subset, counter.sizes, constraints)
        possible = ~excluded
        n_possible = int(possible.sum())
        present = (counts > 0) & possible
        out.valid += n_possible
        out.excluded += int(excluded.sum())
        out.covered += int(present.sum())
        out.sufficient += int(((counts >= min_count) & possible).sum())
        rare = present & (counts < min_count)
        out.rare += int(rare.sum())
        out.per_subset[subset] = float(present.sum() / n_possible) if n_possible else float("nan")
        _collect(out.uncovered_list, subset, possible & (counts == 0), counts, max_listed)
        _collect(out.rare_list, subset, rare, counts, max_listed)
        if test is not None:
            tc = test.counts(subset)
            t_present = (tc > 0) & possible
            only_d = present & ~t_present
            only_t = t_present & ~present
            out.test_covered = (out.test_covered or 0) + int(t_present.sum())
            out.dataset_only = (out.dataset_only or 0) + int(only_d.sum())
            out.test_only = (out.test_only or 0) + int(only_t.sum())
            for idx in np.argwhere(only_d | only_t):
                if len(out.difference_list) >= max_listed:
                    break
                key = tuple(int(i) for i in idx)
                out.difference_list.append((subset, key, int(counts[key]), int(tc[key])))
    return out


def _collect(into: list[tuple[tuple[int, ...], tuple[int, ...], int]], subset: tuple[int, ...],
             mask: np.ndarray, counts: np.ndarray, limit: int) -> None:
    room = limit - len(into)
    if room <= 0:
        return
    for idx in np.argwhere(mask)[:room]:
        key = tuple(int(i) for i in idx)
        into.append((subset, key, int(counts[key])))
