"""Perturbations of feature rows: scaled Gaussian noise, category swaps, declared transforms.

Every function returns a new frame and leaves its input unchanged; randomness
comes only from the generator passed in, so a fixed seed gives the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.exceptions import InvalidParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TRANSFORM_OPS", "apply_transform", "column_kinds", "perturb", "validate_transforms"]

TRANSFORM_OPS = ("add", "multiply", "set", "map", "shuffle")


def column_kinds(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Split columns into numeric (noise) and categorical (swaps); bools are categorical."""
    # lazy: heavy, and the AIT modules load with every registry
    import pandas as pd

    numeric, categorical = [], []
    for c in X.columns:
        dtype = X[c].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            categorical.append(str(c))
        else:
            numeric.append(str(c))
    return numeric, categorical


def perturb(
    X: pd.DataFrame, strength: float, rng: np.random.Generator, *,
    numeric: list[str], categorical: list[str], spread: Mapping[str, float],
    pools: Mapping[str, np.ndarray],
) -> pd.DataFrame:
    """Return a copy of ``X`` with noise and swaps of the given strength.

    Parameters
    ----------
    X : pandas.DataFrame
        Feature rows.
    strength : float
        Numeric columns get Gaussian noise with standard deviation
        ``strength × spread[column]``; each categorical cell is replaced, with
        probability ``strength``, by another value drawn from ``pools[column]``
        (the column's observed values, so frequent values are drawn more often).
    rng : numpy.random.Generator
        The random generator.
    numeric, categorical : list of str
        The columns of each kind to perturb.
    spread : mapping
        The standard deviation of each numeric column.
    pools : mapping
        The observed values of each categorical column.

    Notes
    -----
    Missing values stay missing. Integer columns are rounded back to integers.
    """
    # lazy: heavy, and the AIT modules load with every registry
    import pandas as pd

    out = X.copy()
    n = len(X)
    for c in numeric:
        values = out[c].to_numpy(dtype=np.float64, na_value=np.nan)
        noisy = values + rng.normal(0.0, strength * spread[c], n)
        if np.issubdtype(X[c].dtype, np.integer):
            out[c] = np.rint(noisy).astype(X[c].dtype)
        else:
            out[c] = noisy.astype(X[c].dtype, copy=False) if X[c].dtype.kind == "f" else noisy
    for c in categorical:
        pool = pools[c]
        if len(pool) < 2:
            continue
        swap = rng.random(n) < strength
        k = int(swap.sum())
        if not k:
            continue
        current = out[c].to_numpy(dtype=object)
        draws = pool[rng.integers(0, len(pool), size=k)]
        same = draws == current[swap]
        while same.any():  # a swap must change the value
            draws[same] = pool[rng.integers(0, len(pool), size=int(same.sum()))]
            same = draws == current[swap]
        current[swap] = draws
        out[c] = pd.Series(current, index=X.index).astype(X[c].dtype)
    return out


def validate_transforms(spec: Mapping[str, Any], columns: list[str]) -> dict[str, dict[str, Any]]:
    """Check the ``invariances`` parameter and return it normalised.

    Raises
    ------
    InvalidParameterError
        Naming the transformation and what is wrong with it.
    """
    out: dict[str, dict[str, Any]] = {}
    for name, t in spec.items():
        where = f"invariance {name!r} of AIT 'perturbation_robustness'"
        if not isinstance(t, Mapping):
            raise InvalidParameterError(
                f"{where} must be a mapping such as {{column: age, op: add, value: 1}}; "
                f"got {t!r}")
        unknown = sorted(set(t) - {"column", "op", "value", "mapping"})
        if unknown:
            raise InvalidParameterError(f"{where} has unknown key(s) {', '.join(unknown)}; "
                                        "use column, op, value, mapping")
        column, op = t.get("column"), t.get("op")
        if column not in columns:
            raise InvalidParameterError(
                f"{where}: column {column!r} is not a feature (features: "
                f"{', '.join(columns[:20])}); set `column` to one of them")
        if op not in TRANSFORM_OPS:
            raise InvalidParameterError(f"{where}: op {op!r} is not one of "
                                        f"{', '.join(TRANSFORM_OPS)}")
        if op in ("add", "multiply") and (isinstance(t.get("value"), bool)
                                          or not isinstance(t.get("value"), int | float)):
            raise InvalidParameterError(f"{where}: op {op!r} needs a number `value`")
        if op == "set" and "value" not in t:
            raise InvalidParameterError(f"{where}: op 'set' needs a `value`")
        if op == "map" and not isinstance(t.get("mapping"), Mapping):
            raise InvalidParameterError(
                f"{where}: op 'map' needs a `mapping` from old to new values")
        out[str(name)] = dict(t)
    return out


def apply_transform(X: pd.DataFrame, t: Mapping[str, Any], rng: np.random.Generator) -> pd.DataFrame:
    """Return a copy of ``X`` with one declared transformation applied to its column."""
    out = X.copy()
    c, op = t["column"], t["op"]
    col = out[c]
    if op == "add":
        out[c] = col + t["value"]
    elif op == "multiply":
        out[c] = col * t["value"]
    elif op == "set":
        out[c] = t["value"]
        if str(col.dtype) == "category":
            out[c] = out[c].astype(col.dtype)
    elif op == "map":
        mapping = dict(t["mapping"])
        mapped = col.astype(object).map(lambda v: mapping.get(v, mapping.get(str(v), v)))
        out[c] = mapped.astype(col.dtype) if str(col.dtype) != "category" else mapped
    else:  # shuffle
        out[c] = col.to_numpy()[rng.permutation(len(col))]
    return out
