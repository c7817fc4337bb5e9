"""Row hashes that are equal for equal rows, in this dataset and in another one.

Every cell becomes a 64-bit word that depends only on its value: numbers (and
booleans, and datetimes) through the bits of their float64 value, scrambled by
splitmix64's finaliser (a bijection: distinct values never share a word; ``1``
and ``1.0`` agree, ``-0.0`` equals ``0.0`` and all NaN are one value), text
through two keyed SipHashes of its bytes (``pandas.util.hash_array``, computed
once per distinct value). The words are chained into two row hashes with
different constants; together they are a 128-bit row key, and rows with equal
keys are taken as equal (distinct rows share a key with a probability of the
order of n²/2¹²⁸).

The *near* form rounds before hashing: floats keep only the leading
``mantissa_bits`` bits of their significand (about ``digits`` significant
decimal digits), text is case-folded with whitespace trimmed and collapsed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from aiqm.plugins.builtin._tabular import columns as colmod
from aiqm.plugins.builtin._tabular.parallel import thread_count, thread_map

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["RowHashes", "duplicate_mask", "mantissa_bits", "row_hashes"]

_MISSING = np.uint64(0x9E3779B97F4A7C15)
_MULT = (np.uint64(0x100000001B3), np.uint64(0xC2B2AE3D27D4EB4F))
# two unrelated keys for the text hash (pandas wants 16 characters)
_KEYS = ("aiqm-rows-key-01", "aiqm-rows-key-02")


def mantissa_bits(digits: int) -> int:
    """Significand bits that hold ``digits`` significant decimal digits.

    Examples
    --------
    >>> mantissa_bits(3)
    10
    """
    return min(52, math.ceil(digits * math.log2(10)))


def _mix(words: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, in place: a bijection that spreads every bit over the word."""
    tmp = np.empty_like(words)
    for shift, mult in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
        np.right_shift(words, np.uint64(shift), out=tmp)
        words ^= tmp
        words *= np.uint64(mult)
    np.right_shift(words, np.uint64(31), out=tmp)
    words ^= tmp
    return words


def _column_words(column: pa.ChunkedArray, near_bits: int | None) -> tuple[np.ndarray, np.ndarray,
                                                                             np.ndarray | None]:
    """Per cell: two words for the two exact hashes, and one for the near hash (if asked).

    Numbers give one word (a bijection of their bits, so distinct values never
    collide) used by both hashes; text gives two independent SipHash words.
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    column = colmod.decoded(column)
    kind = colmod.column_kind(column.type)
    n = len(column)
    if kind in (colmod.NUMERIC, colmod.BOOLEAN, colmod.DATETIME, colmod.NULL):
        x = colmod.float_values(column) + 0.0  # a copy; -0.0 becomes 0.0
        missing = np.isnan(x)
        bits = x.view(np.uint64)
        bits[missing] = _MISSING
        near = None
        if near_bits is not None and kind == colmod.NUMERIC and near_bits < 52:
            drop = np.uint64(52 - near_bits)
            near = np.right_shift(bits, drop)
            np.left_shift(near, drop, out=near)
            near[missing] = _MISSING
            near = _mix(near)
        word = _mix(bits)
        return word, word, (word if near is None and near_bits is not None else near)
    if kind != colmod.CATEGORICAL:  # nested values: hashed through their text
        column = pa.chunked_array([pa.array([None if v is None else repr(v) for v in column.to_pylist()],
                                            pa.string())])
    encoded = pc.dictionary_encode(column.combine_chunks() if column.num_chunks != 1 else column.chunk(0))
    nulls = np.asarray(pc.is_null(encoded.indices).to_numpy(zero_copy_only=False)) \
        if encoded.indices.null_count else None
    safe = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False) if nulls is not None \
        else encoded.indices.to_numpy(zero_copy_only=False)
    values = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
    variants = [(values, _KEYS[0]), (values, _KEYS[1])]
    if near_bits is not None:
        norm = pc.utf8_lower(pc.utf8_trim_whitespace(encoded.dictionary))
        norm = pc.replace_substring_regex(norm, r"\s+", " ")
        variants.append((np.asarray(norm.to_numpy(zero_copy_only=False), dtype=object), _KEYS[0]))
    out: list[np.ndarray] = []
    for vals, key in variants:
        if len(vals):
            per_value = pd.util.hash_array(vals, hash_key=key, categorize=False)
            words = per_value[safe]
        else:
            words = np.full(n, _MISSING)
        if nulls is not None:
            words[nulls] = _MISSING
        out.append(words.astype(np.uint64, copy=False))
    return out[0], out[1], (out[2] if near_bits is not None else None)


@dataclass
class RowHashes:
    """Per-row hashes of some columns of a table.

    Attributes
    ----------
    h1, h2 : numpy.ndarray
        Two independent uint64 hashes: together the 128-bit exact row key.
    near : numpy.ndarray or None
        uint64 hash of the rounded row (when asked).
    """

    h1: np.ndarray
    h2: np.ndarray
    near: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.h1.size)

    def extended(self, other: RowHashes) -> RowHashes:
        """The hashes of these columns followed by ``other``'s."""
        with np.errstate(over="ignore"):
            near = None
            if self.near is not None and other.near is not None:
                near = (self.near ^ other.near) * _MULT[0]
            return RowHashes((self.h1 ^ other.h1) * _MULT[0], (self.h2 + other.h2) * _MULT[1], near)


def _hash_block(table: pa.Table, columns: Sequence[str], bits: int | None, h1: np.ndarray,
                h2: np.ndarray, near: np.ndarray | None) -> None:
    """Chain the words of every column of ``table`` (a block of rows) into the hash arrays."""
    with np.errstate(over="ignore"):
        for c in columns:
            w1, w2, wn = _column_words(table.column(c), bits)
            h1 ^= w1
            h1 *= _MULT[0]
            h2 += w2  # the second chain adds where the first xors, with another multiplier
            h2 *= _MULT[1]
            if near is not None and wn is not None:
                near ^= wn
                near *= _MULT[0]


def row_hashes(table: pa.Table, columns: Sequence[str], *, near_digits: int | None = None) -> RowHashes:
    """Hash the rows of ``table`` restricted to ``columns``.

    The rows are cut into one block per thread; each thread hashes every column
    of its block, so the chaining runs in parallel too.
    """
    n = table.num_rows
    h1 = np.zeros(n, dtype=np.uint64)
    h2 = np.zeros(n, dtype=np.uint64)
    near = np.zeros(n, dtype=np.uint64) if near_digits is not None else None
    bits = mantissa_bits(near_digits) if near_digits is not None else None
    blocks = max(1, min(thread_count(), n // 50_000))
    cuts = np.linspace(0, n, blocks + 1).astype(int)

    def work(i: int) -> None:
        lo, hi = int(cuts[i]), int(cuts[i + 1])
        _hash_block(table.slice(lo, hi - lo), columns, bits, h1[lo:hi], h2[lo:hi],
                    None if near is None else near[lo:hi])

    for _ in thread_map(work, range(blocks), workers=blocks, window=0):
        pass
    return RowHashes(h1, h2, near)


def duplicate_mask(first: np.ndarray, *more: np.ndarray, keep: str | bool = "first") -> np.ndarray:
    """True for each row whose key (``first`` and ``more`` together) occurs in another row.

    ``keep="first"`` marks only repeats of an earlier row; ``keep=False`` marks
    every row of a repeated key. Only the rows sharing ``first`` (rare for a
    good hash) are compared on the other parts of the key.
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pandas as pd

    shared = pd.Series(first).duplicated(keep=False).to_numpy()
    if not more or not shared.any():
        return shared if keep is False else pd.Series(first).duplicated(keep=keep).to_numpy()  # type: ignore[arg-type]
    rows = np.flatnonzero(shared)
    frame = pd.DataFrame({str(i): k[rows] for i, k in enumerate((first, *more))})
    out = np.zeros(first.size, dtype=bool)
    out[rows] = frame.duplicated(keep=keep).to_numpy()  # type: ignore[arg-type]
    return out
