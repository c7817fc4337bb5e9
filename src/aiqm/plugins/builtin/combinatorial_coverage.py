"""AIT ``combinatorial_coverage``: t-way coverage of attribute-value combinations.

The attributes are categorical columns and numeric columns cut into bins
(given edges, or quantiles of the dataset). For each strength t, every subset
of t attributes and every combination of their values is counted; a
combination is covered when at least one row has it. Impossible combinations
can be excluded; with a second (test) dataset, combinations present in only
one of the two are listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.core.constraints import Interval, Length
from aiqm.exceptions import DataError
from aiqm.plugins.builtin._tabular import columns as colmod
from aiqm.plugins.builtin._tabular import figures
from aiqm.plugins.builtin._tabular.binning import (
    MAX_NUMERIC_LEVELS,
    Attribute,
    attribute_codes,
    build_attribute,
    parse_combination,
)
from aiqm.plugins.builtin._tabular.coverage import (
    ComboCounter,
    Constraint,
    StrengthSummary,
    summarise_strength,
)
from aiqm.plugins.builtin._tabular.profile_cache import get_profiles
from aiqm.plugins.sdk import Context, Param, Parameters, ait

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from aiqm.data.dataset import Dataset

__all__ = ["CoverageParameters", "combinatorial_coverage"]
_RATIO = {"type": "float", "min": 0.0, "max": 1.0}
_COUNT = {"type": "int", "min": 0}


class CoverageParameters(Parameters):
    """The parameters of the ``combinatorial_coverage`` AIT."""

    columns: list[str] | None = Param(
        None, Length(min=1),
        help="The attributes (columns) whose value combinations are counted; null takes every "
             "text and boolean column.",
        help_ja="値の組合せを数える属性（列）。null のときはすべてのテキスト列と真偽値列を使う。",
    )
    strengths: list[int] = Param(
        [1, 2, 3], Interval(low=1, high=6), Length(min=1),
        help="The t of t-way coverage to measure.",
        help_ja="測定する t-way カバレッジの t（強度）。",
    )
    bins: dict[str, Any] = Param(
        {},
        help="Numeric columns: {column: [edges]} (values outside are reported and left out) or "
             "{column: number of quantile bins}.",
        help_ja="数値列の区切り方: {列: [境界値]}（範囲外の値は報告したうえで除外する）または "
                "{列: 分位点ビンの数}。",
    )
    n_bins: int = Param(
        4, Interval(low=2, high=100),
        help="Quantile bins of numeric columns not in 'bins' (with more than "
             f"{MAX_NUMERIC_LEVELS} distinct values).",
        help_ja=f"'bins' にない数値列（異なる値が {MAX_NUMERIC_LEVELS} 個を超えるもの）を分ける"
                "分位点ビンの数。",
    )
    values: dict[str, Any] = Param(
        {},
        help="{column: [values]}: the values each categorical column should cover; default the "
             "values seen in the dataset(s).",
        help_ja="{列: [値]}: 各カテゴリ列が網羅すべき値。省略時はデータセットに現れる値とする。",
    )
    exclude: list[str] = Param(
        [],
        help="Impossible combinations, e.g. 'season=summer & weather=snow' (values as labelled "
             "in the attributes table); they are not required.",
        help_ja="起こり得ない組合せ。例: 'season=summer & weather=snow'（値は attributes 表の"
                "ラベルで書く）。これらは網羅しなくてよい。",
    )
    min_count: int = Param(
        5, Interval(low=1),
        help="A covered combination with fewer rows than this is listed as rare.",
        help_ja="現れる組合せのうち、行数がこの値に満たないものを rare（希少）として挙げる。",
    )
    max_values: int = Param(
        100, Interval(low=2),
        help="Categorical columns with more distinct values are refused (ids, free text): bin or "
             "group them first.",
        help_ja="異なる値がこれより多いカテゴリ列（ID や自由記述）は扱わない。先にビンに分けるか、"
                "値をまとめておくこと。",
    )
    max_listed: int = Param(
        1000, Interval(low=0, high=100000),
        help="Rows listed per table of combinations.",
        help_ja="組合せの表それぞれに載せる行数の上限。",
    )


@ait(
    id="combinatorial_coverage",
    version="1.0.0",
    title="Combinatorial coverage",
    description=(
        "t-way coverage (t = 1, 2, 3 …) of the value combinations of chosen attributes "
        "(categorical columns and binned numeric ones): coverage ratio, uncovered "
        "combinations, combinations below a minimum count, impossible combinations present, "
        "and combinations present in only one of a dataset and a test dataset."
    ),
    characteristics=["A-2", "B-1"],
    external_qualities=["AISL", "AIFL", "AIPL"],
    iso_5259_measures=["Com-ML-2"],
    keywords=["data quality", "coverage", "combinatorial testing", "pairwise"],
    references=[
        {"title": "Kuhn, D. R., Kacker, R. N., Lei, Y. (2013). Introduction to Combinatorial "
                  "Testing. CRC Press (t-way coverage measurement)."},
        {"title": "AIST Machine Learning Quality Management Guideline, 3rd ed., A-2 and B-1"},
    ],
    inventories=[
        {"name": "dataset", "kind": "dataset",
         "description": "The data whose coverage is measured (e.g. the training data)."},
        {"name": "test", "kind": "dataset", "required": False,
         "description": "Optional second dataset (e.g. the test data): its coverage, and the "
                        "combinations present in only one of the two."},
    ],
    parameters=CoverageParameters,
    measures=[
        {**_RATIO, "name": "coverage", "direction": "higher",
         "description": "Covered / possible combinations at the highest strength measured."},
        {**_RATIO, "name": "coverage_1way", "direction": "higher",
         "description": "1-way coverage: values present / values."},
        {**_RATIO, "name": "coverage_2way", "direction": "higher",
         "description": "2-way (pairwise) coverage."},
        {**_RATIO, "name": "coverage_3way", "direction": "higher",
         "description": "3-way coverage."},
        {**_COUNT, "name": "uncovered_combinations", "direction": "lower",
         "description": "Possible combinations with no row, at the highest strength."},
        {**_COUNT, "name": "rare_combinations", "direction": "lower",
         "description": "Combinations with 1 to min_count - 1 rows, at the highest strength."},
        {**_RATIO, "name": "min_count_coverage", "direction": "higher",
         "description": "Combinations with at least min_count rows / possible combinations, "
                        "at the highest strength."},
        {**_COUNT, "name": "impossible_rows", "direction": "lower",
         "description": "Rows having a combination listed in 'exclude'."},
        {**_COUNT, "name": "n_combinations", "direction": "none",
         "description": "Possible combinations at the highest strength."},
        {**_RATIO, "name": "test_coverage", "direction": "higher",
         "description": "Coverage of the test dataset at the highest strength."},
        {**_COUNT, "name": "dataset_only_combinations", "direction": "lower",
         "description": "Combinations in the dataset but not in the test dataset (highest strength)."},
        {**_COUNT, "name": "test_only_combinations", "direction": "lower",
         "description": "Combinations in the test dataset but not in the dataset (highest strength)."},
    ],
    resources=[
        {"name": "coverage_by_strength", "kind": "table",
         "description": "Per strength: possible, excluded, covered, uncovered, rare combinations, "
                        "coverage, and the test comparison."},
        {"name": "attributes", "kind": "table",
         "description": "Per attribute: how it was encoded, its values, missing and "
                        "out-of-range rows."},
        {"name": "uncovered", "kind": "table",
         "description": "Uncovered combinations (up to max_listed per strength)."},
        {"name": "rare", "kind": "table",
         "description": "Combinations with fewer than min_count rows (up to max_listed per strength)."},
        {"name": "set_difference", "kind": "table",
         "description": "Combinations present in only one of the dataset and the test dataset."},
        {"name": "coverage_matrix", "kind": "figure",
         "description": "1-way coverage of each attribute (diagonal) and 2-way coverage of each "
                        "pair of attributes."},
    ],
)
def combinatorial_coverage(ctx: Context[CoverageParameters]) -> None:
    """Measure t-way coverage of ``dataset`` (and ``test``)."""
    p = ctx.params
    ds = ctx.dataset("dataset")
    test = ctx.dataset("test") if ctx.has_input("test") else None
    names = colmod.select_columns(ds, p.columns, default=_default_attributes(ds))
    if test is not None:
        test.require_columns(*names, why="the test dataset needs the same attribute columns")
    bins, declared = _mapping(p.bins, "bins", names), _mapping(p.values, "values", names)
    ctx.progress(0, 3)

    profiles = get_profiles(ds, names, ctx.cache_dir, log=ctx.log).profiles
    test_profiles = get_profiles(test, names, ctx.cache_dir, log=ctx.log).profiles if test else {}
    attributes = [
        build_attribute(
            c, [p for p in (profiles[c], test_profiles.get(c)) if p is not None], ds.column(c),
            bins=bins.get(c), declared=declared.get(c), n_bins=p.n_bins,
            max_values=p.max_values, dataset=ds.name,
        )
        for c in names
    ]
    ctx.progress(1, 3)
    notes: dict[str, list[str]] = {a.name: [] for a in attributes}
    codes = [_codes(a, ds, notes[a.name]) for a in attributes]
    counter = ComboCounter(codes, [a.size for a in attributes])
    test_counter = None
    if test is not None:
        test_codes = [_codes(a, test, notes[a.name], which="test") for a in attributes]
        test_counter = ComboCounter(test_codes, [a.size for a in attributes])
    constraints: list[Constraint] = [
        parse_combination(e, attributes, what="exclusion") for e in p.exclude
    ]
    ctx.progress(2, 3)

    strengths = sorted(set(p.strengths))
    summaries: dict[int, StrengthSummary] = {}
    for t in strengths:
        if t <= len(attributes):
            summaries[t] = summarise_strength(
                t, counter, constraints, min_count=p.min_count, test=test_counter,
                max_listed=p.max_listed,
            )
    _report(ctx, attributes, summaries, strengths, counter, constraints, test is not None)
    _resources(ctx, attributes, summaries, notes, counter, test_counter)
    ctx.progress(3, 3)


def _default_attributes(ds: Dataset) -> list[str]:
    picked = [c for c in ds.column_names
              if colmod.column_kind(ds.schema.field(c).type) in (colmod.CATEGORICAL, colmod.BOOLEAN)]
    if not picked:
        raise DataError(f"dataset '{ds.name}' has no text or boolean column; set 'columns' to the "
                        "attributes to cover (numeric ones are binned)")
    return picked


def _mapping(value: dict[str, Any], name: str, columns: list[str]) -> dict[str, Any]:
    unknown = [k for k in value if k not in columns]
    if unknown:
        raise DataError(
            f"the '{name}' parameter names {', '.join(repr(k) for k in unknown)}, which "
            f"{'is' if len(unknown) == 1 else 'are'} not among the attributes in 'columns' "
            f"({', '.join(columns)}); add the column to 'columns' or remove the entry"
        )
    return dict(value)


def _codes(a: Attribute, ds: Dataset, notes: list[str], which: str = "dataset") -> np.ndarray:
    codes, missing, outside = attribute_codes(a, ds.column(a.name), where=f"{which} '{ds.name}'")
    if outside:
        notes.append(f"{outside} {which} row(s) outside the bins (left out)")
    if missing:
        notes.append(f"{missing} {which} row(s) missing (left out)")
    return codes


def _report(ctx: Context, attributes: list[Attribute], summaries: dict[int, StrengthSummary],
            strengths: list[int], counter: ComboCounter, constraints: list[Constraint],
            has_test: bool) -> None:
    k = len(attributes)
    for t in (1, 2, 3):
        name = f"coverage_{t}way"
        if t in summaries:
            _measure_ratio(ctx, name, summaries[t].coverage, t)
        elif t not in strengths:
            ctx.undefined(name, f"strength {t} was not asked for (strengths: {strengths})")
        else:
            ctx.undefined(name, f"{t}-way coverage needs at least {t} attributes; {k} given")
    ctx.measure("impossible_rows", counter.rows_matching_any(constraints))
    if not summaries:
        reason = f"no asked strength ({strengths}) is possible with {k} attribute(s)"
        for m in ("coverage", "uncovered_combinations", "rare_combinations", "min_count_coverage",
                  "n_combinations", "test_coverage", "dataset_only_combinations",
                  "test_only_combinations"):
            ctx.undefined(m, reason)
        return
    top = summaries[max(summaries)]
    _measure_ratio(ctx, "coverage", top.coverage, top.t)
    ctx.measure("uncovered_combinations", top.uncovered)
    ctx.measure("rare_combinations", top.rare)
    ctx.measure("n_combinations", top.valid)
    _measure_ratio(ctx, "min_count_coverage", top.sufficient / top.valid if top.valid else None, top.t)
    if has_test:
        _measure_ratio(ctx, "test_coverage",
                       (top.test_covered or 0) / top.valid if top.valid else None, top.t)
        ctx.measure("dataset_only_combinations", top.dataset_only or 0)
        ctx.measure("test_only_combinations", top.test_only or 0)
    else:
        for m in ("test_coverage", "dataset_only_combinations", "test_only_combinations"):
            ctx.undefined(m, "no test dataset is bound to the 'test' slot")


def _measure_ratio(ctx: Context, name: str, value: float | None, t: int) -> None:
    if value is None:
        ctx.undefined(name, f"every {t}-way combination is excluded, so none is possible")
    else:
        ctx.measure(name, value)


def _combo(attributes: list[Attribute], subset: tuple[int, ...], values: tuple[int, ...]) -> str:
    return " & ".join(f"{attributes[i].name}={attributes[i].labels[v]}"
                      for i, v in zip(subset, values, strict=True))


def _resources(ctx: Context, attributes: list[Attribute], summaries: dict[int, StrengthSummary],
               notes: dict[str, list[str]], counter: ComboCounter,
               test_counter: ComboCounter | None) -> None:
    ctx.resource("coverage_by_strength", [
        {"strength": s.t, "possible": s.valid, "excluded": s.excluded, "covered": s.covered,
         "uncovered": s.uncovered, "rare": s.rare, "coverage": s.coverage,
         "test_covered": s.test_covered, "dataset_only": s.dataset_only, "test_only": s.test_only}
        for s in summaries.values()
    ])
    ctx.resource("attributes", [
        {"attribute": a.name, "encoding": a.kind, "n_values": a.size, "values": ", ".join(a.labels),
         "notes": "; ".join(notes[a.name])}
        for a in attributes
    ])
    ctx.resource("uncovered", {
        "columns": ["strength", "combination"],
        "rows": [[s.t, _combo(attributes, sub, val)] for s in summaries.values()
                 for sub, val, _ in s.uncovered_list],
    })
    ctx.resource("rare", {
        "columns": ["strength", "combination", "rows"],
        "rows": [[s.t, _combo(attributes, sub, val), c] for s in summaries.values()
                 for sub, val, c in s.rare_list],
    })
    if test_counter is not None:
        ctx.resource("set_difference", {
            "columns": ["strength", "combination", "present_in", "dataset_rows", "test_rows"],
            "rows": [[s.t, _combo(attributes, sub, val), "dataset" if dc else "test", dc, tc]
                     for s in summaries.values() for sub, val, dc, tc in s.difference_list],
        })
    ctx.resource("coverage_matrix", figures.to_svg(_matrix_figure(attributes, counter)))


def _matrix_figure(attributes: list[Attribute], counter: ComboCounter) -> Figure:
    # lazy: heavy, and the AIT modules load with every registry
    from matplotlib.figure import Figure

    k = len(attributes)
    m = np.full((k, k), np.nan)
    for i in range(k):
        m[i, i] = np.count_nonzero(counter.counts((i,))) / attributes[i].size
        for j in range(i + 1, k):
            c = counter.counts((i, j))
            m[i, j] = m[j, i] = np.count_nonzero(c) / c.size
    side = min(2.0 + 0.5 * k, 12.0)
    fig = Figure(figsize=(side + 1.2, side))
    fig.subplots_adjust(left=0.25, right=0.88, bottom=0.25, top=0.9)
    ax = fig.add_subplot()
    im = ax.imshow(m, vmin=0, vmax=1, cmap="RdYlGn")
    labels = [figures.shorten(a.name, 18) for a in attributes]
    ax.set_xticks(range(k), labels, rotation=90, fontsize="small")
    ax.set_yticks(range(k), labels, fontsize="small")
    if k <= 12:
        for i in range(k):
            for j in range(k):
                ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize="x-small")
    fig.colorbar(im, ax=ax, fraction=0.046)
    ax.set_title("Coverage: 1-way (diagonal), 2-way (pairs)\n(excluded combinations not removed)",
                 fontsize="medium")
    return fig
