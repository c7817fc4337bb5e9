"""Schema and domain rules of ``data_adequacy``: declared in the test, or inferred from a
reference dataset's profile, and checked against the data (from its profile where
that is enough, with one vectorised pass over a column where it is not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.exceptions import DataError
from aiqm.plugins.builtin._tabular import columns as colmod

if TYPE_CHECKING:
    import pyarrow as pa

    from aiqm.plugins.builtin._tabular.profile import ColumnProfile

__all__ = ["TYPES", "Finding", "Rule", "check_rule", "infer_rule", "parse_schema"]

#: Types a rule may declare.
TYPES = ("numeric", "integer", "float", "string", "boolean", "datetime")
_KEYS = ("type", "min", "max", "allowed", "regex", "unique", "nullable")
_INTEGER_RE = r"^\s*[-+]?\d+\s*$"
_EXAMPLES = 5


@dataclass
class Rule:
    """What one column must satisfy; None means not checked."""

    column: str
    type: str | None = None
    min: float | None = None
    max: float | None = None
    allowed: list[Any] | None = None
    regex: str | None = None
    unique: bool | None = None
    nullable: bool | None = None
    source: str = "declared"


@dataclass
class Finding:
    """The result of one check of one column."""

    column: str
    check: str
    expected: str
    violations: int
    source: str = "declared"
    mask: np.ndarray | None = field(default=None, repr=False)
    examples: list[str] = field(default_factory=list)
    note: str = ""


def parse_schema(schema: Any, columns: list[str]) -> dict[str, Rule]:
    """Read the ``schema`` parameter: ``{column: {type, min, max, allowed, regex, unique, nullable}}``.

    Raises
    ------
    DataError
        Naming the column and the field that is wrong, and what is allowed.
    """
    if not isinstance(schema, dict):
        raise DataError(f"'schema' must map column names to rules; got {schema!r}")
    rules: dict[str, Rule] = {}
    for col, spec in schema.items():
        if col not in columns:
            raise DataError(f"'schema' has a rule for {col!r}, which is not a checked column "
                            f"(columns: {', '.join(columns)})")
        if not isinstance(spec, dict):
            raise DataError(f"the schema rule of {col!r} must be a mapping such as "
                            f"{{type: integer, min: 0}}; got {spec!r}")
        unknown = [k for k in spec if k not in _KEYS]
        if unknown:
            raise DataError(f"the schema rule of {col!r} has unknown field(s) "
                            f"{', '.join(map(repr, unknown))}; allowed: {', '.join(_KEYS)}")
        r = Rule(col)
        if "type" in spec:
            if spec["type"] not in TYPES:
                raise DataError(f"the schema type of {col!r} must be one of {', '.join(TYPES)}; "
                                f"got {spec['type']!r}")
            r.type = spec["type"]
        for key in ("min", "max"):
            if key in spec:
                v = spec[key]
                if isinstance(v, bool) or not isinstance(v, int | float):
                    raise DataError(f"the schema {key} of {col!r} must be a number; got {v!r}")
                setattr(r, key, float(v))
        if "allowed" in spec:
            if not isinstance(spec["allowed"], list) or not spec["allowed"]:
                raise DataError(f"the schema 'allowed' of {col!r} must be a non-empty list")
            r.allowed = list(spec["allowed"])
        if "regex" in spec:
            try:
                re.compile(spec["regex"])
            except (re.error, TypeError) as exc:
                raise DataError(f"the schema regex of {col!r} is not a valid regular expression: "
                                f"{exc}") from None
            r.regex = spec["regex"]
        for key in ("unique", "nullable"):
            if key in spec:
                if not isinstance(spec[key], bool):
                    raise DataError(f"the schema {key} of {col!r} must be true or false")
                setattr(r, key, spec[key])
        rules[col] = r
    return rules


def infer_rule(prof: ColumnProfile, *, max_categories: int = 50) -> Rule:
    """Rules a reference column satisfies: its type, range, categories, nullability, uniqueness.

    - type: the column's kind (``integer`` for integer columns);
    - min/max: the reference's range (numbers and datetimes);
    - allowed: its values, if text or boolean with at most ``max_categories`` of them;
    - nullable: false when the reference has no missing value;
    - unique: true for an integer or text column whose (at least 2) values are all distinct
      (such an identifier gets no range rule).
    """
    r = Rule(prof.name, source="inferred")
    integer = "int" in prof.type and prof.kind == colmod.NUMERIC
    r.type = {colmod.NUMERIC: "integer" if integer else "numeric", colmod.CATEGORICAL: "string",
              colmod.BOOLEAN: "boolean", colmod.DATETIME: "datetime"}.get(prof.kind)
    if prof.kind in (colmod.NUMERIC, colmod.DATETIME) and prof.min is not None:
        r.min, r.max = prof.min, prof.max
    if (prof.kind in (colmod.CATEGORICAL, colmod.BOOLEAN) and prof.categories_complete
            and 0 < prof.n_distinct <= max_categories):
        r.allowed = [v for v, _ in prof.categories]
    r.nullable = prof.n_missing > 0
    if (integer or prof.kind == colmod.CATEGORICAL) and prof.n_valid >= 2 \
            and prof.n_distinct == prof.n_valid:
        r.unique = True
        r.min = r.max = None  # an identifier: its range means nothing
    return r


def _examples(values: Any) -> list[str]:
    return [colmod.label(v) for v in list(values)[:_EXAMPLES]]


def check_rule(rule: Rule, column: pa.ChunkedArray, prof: ColumnProfile) -> list[Finding]:
    """Check every part of ``rule`` on ``column`` (whose profile is ``prof``)."""
    out: list[Finding] = []
    base = {"column": rule.column, "source": rule.source}
    if rule.type is not None:
        out.append(_check_type(rule, column, prof, base))
    if (rule.min is not None or rule.max is not None):
        out.append(_check_range(rule, column, prof, base))
    if rule.allowed is not None:
        out.append(_check_allowed(rule, column, prof, base))
    if rule.regex is not None:
        out.append(_check_regex(rule, column, prof, base))
    if rule.unique:
        out.append(_check_unique(column, prof, base))
    if rule.nullable is False:
        out.append(_check_nulls(column, prof, base))
    return out


def _mask_of_values(column: pa.ChunkedArray, bad: list[Any]) -> np.ndarray:
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa
    import pyarrow.compute as pc

    column = colmod.decoded(column)
    value_set = pa.array(bad)
    if value_set.type != column.type:
        try:
            value_set = value_set.cast(column.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            column, value_set = column.cast(pa.string()), pa.array([str(b) for b in bad])
    return np.asarray(pc.fill_null(pc.is_in(column, value_set=value_set), False)
                      .to_numpy(zero_copy_only=False), dtype=bool)


def _text_matching(column: pa.ChunkedArray, prof: ColumnProfile, regex: str,
                   ) -> tuple[int, np.ndarray | None, list[str]]:
    """Non-missing text values NOT matching ``regex``: count, row mask, examples."""
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa
    import pyarrow.compute as pc

    counts = prof.category_counts()
    if counts is None:
        counts = colmod.category_counts(column)
    values = pa.array([str(v) for v in counts.values], pa.string())
    ok = np.asarray(pc.match_substring_regex(values, regex).to_numpy(zero_copy_only=False), bool) \
        if len(values) else np.zeros(0, bool)
    bad = [v for v, good in zip(counts.values, ok, strict=True) if not good]
    n = int(counts.counts[~ok].sum()) if len(values) else 0
    return n, (_mask_of_values(column, bad) if n else None), _examples(bad)


def _check_type(rule: Rule, column: pa.ChunkedArray, prof: ColumnProfile, base: dict[str, Any]) -> Finding:
    want, kind = rule.type, prof.kind
    f = Finding(check="type", expected=str(want), violations=0, **base)
    if kind == colmod.NULL:
        return f
    numeric_kinds = (colmod.NUMERIC,)
    if want in ("numeric", "float") and kind in numeric_kinds:
        return f
    if want == "integer" and kind in numeric_kinds:
        if "int" in prof.type:
            return f
        x = colmod.float_values(column)
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(x) & (~np.isfinite(x) | (np.floor(x) != x))
        f.violations = int(bad.sum())
        if f.violations:
            f.mask, f.examples = bad, _examples(np.unique(x[bad]))
        return f
    if want == "string" and kind == colmod.CATEGORICAL:
        return f
    if want == "boolean" and kind == colmod.BOOLEAN:
        return f
    if want == "datetime" and kind == colmod.DATETIME:
        return f
    if want in ("numeric", "float", "integer") and kind == colmod.CATEGORICAL:
        pattern = _INTEGER_RE if want == "integer" else colmod.NUMBER_RE
        f.violations, f.mask, f.examples = _text_matching(column, prof, pattern)
        f.note = "stored as text: values that do not read as numbers"
        return f
    # a different kind altogether: every value breaks the rule
    f.violations = prof.n_rows - prof.n_missing
    if f.violations:
        # lazy: heavy, and the AIT modules load with every registry
        import pyarrow.compute as pc

        f.mask = ~np.asarray(pc.is_null(column, nan_is_null=True).to_numpy(zero_copy_only=False), bool)
    f.note = f"the column is stored as {prof.type} ({kind})"
    return f


def _check_range(rule: Rule, column: pa.ChunkedArray, prof: ColumnProfile, base: dict[str, Any]) -> Finding:
    lo = "-inf" if rule.min is None else f"{rule.min:g}"
    hi = "inf" if rule.max is None else f"{rule.max:g}"
    f = Finding(check="range", expected=f"[{lo}, {hi}]", violations=0, **base)
    if prof.kind not in (colmod.NUMERIC, colmod.DATETIME):
        f.note = f"not checked: the column is {prof.kind}"
        return f
    inside = (prof.min is None or ((rule.min is None or prof.min >= rule.min)
                                   and (rule.max is None or prof.max is None or prof.max <= rule.max)))
    if inside and prof.n_infinite == 0:
        return f  # the profile's range proves there is nothing outside
    x = colmod.float_values(column)
    with np.errstate(invalid="ignore"):
        bad = np.zeros(x.size, dtype=bool)
        if rule.min is not None:
            bad |= x < rule.min
        if rule.max is not None:
            bad |= x > rule.max
    f.violations = int(bad.sum())
    if f.violations:
        f.mask, f.examples = bad, _examples(np.unique(x[bad]))
    return f


def _check_allowed(rule: Rule, column: pa.ChunkedArray, prof: ColumnProfile, base: dict[str, Any]) -> Finding:
    allowed = rule.allowed or []
    shown = ", ".join(colmod.label(a) for a in allowed[:10]) + (" …" if len(allowed) > 10 else "")
    f = Finding(check="allowed", expected=f"one of {shown}", violations=0, **base)
    labels = {colmod.label(a) for a in allowed} | {str(a) for a in allowed}
    counts = prof.category_counts()
    if counts is not None:
        bad = [v for v in counts.values if colmod.label(v) not in labels and str(v) not in labels]
        by = counts.as_dict()
        f.violations = int(sum(by[v] for v in bad))
        if f.violations:
            f.mask, f.examples = _mask_of_values(column, bad), _examples(bad)
        return f
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow.compute as pc

    text = colmod.decoded(column).cast("string")
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa

    ok = pc.is_in(text, value_set=pa.array(sorted(labels), pa.string()))
    present = pc.is_valid(text)
    bad_mask = np.asarray(pc.and_(present, pc.invert(pc.fill_null(ok, False)))
                          .to_numpy(zero_copy_only=False), bool)
    f.violations = int(bad_mask.sum())
    if f.violations:
        f.mask = bad_mask
        f.examples = _examples(colmod.category_counts(text.filter(pa.array(bad_mask))).values)
    return f


def _check_regex(rule: Rule, column: pa.ChunkedArray, prof: ColumnProfile, base: dict[str, Any]) -> Finding:
    f = Finding(check="regex", expected=f"matches /{rule.regex}/", violations=0, **base)
    if prof.kind != colmod.CATEGORICAL:
        f.note = f"not checked: the column is {prof.kind}, not text"
        return f
    f.violations, f.mask, f.examples = _text_matching(column, prof, rule.regex or "")
    return f


def _check_unique(column: pa.ChunkedArray, prof: ColumnProfile, base: dict[str, Any]) -> Finding:
    f = Finding(check="unique", expected="no repeated value", violations=0, **base)
    f.violations = max(0, prof.n_rows - prof.n_missing - prof.n_distinct)
    if f.violations:
        # lazy: heavy, and the AIT modules load with every registry
        import pandas as pd

        values = colmod.decoded(column).to_pandas()
        dup = values.duplicated(keep="first").to_numpy() & values.notna().to_numpy()
        f.mask = dup
        f.examples = _examples(pd.unique(values[dup]))
    return f


def _check_nulls(column: pa.ChunkedArray, prof: ColumnProfile, base: dict[str, Any]) -> Finding:
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow.compute as pc

    f = Finding(check="not null", expected="no missing value", violations=prof.n_missing, **base)
    if f.violations:
        f.mask = np.asarray(pc.is_null(column, nan_is_null=True).to_numpy(zero_copy_only=False), bool)
    return f
