"""AIT ``data_adequacy``: is each datum valid? Schema and domain rules, outliers,
exact and near-duplicate rows, conflicting labels, rows shared with a reference
(train/test leakage) and, on request, label issues by confident learning.

Rows are hashed once per column (several columns at a time); duplicates,
conflicts and leakage come from the hashes. Rules and outlier thresholds come
from the dataset profile (cached by digest, shared with the other data AITs),
so a rule the profile already proves is met costs nothing, and the rest is one
comparison pass per column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import aiqm.plugins.builtin._adequacy_labels as labelmod
import aiqm.plugins.builtin._adequacy_outliers as outmod
from aiqm.core.constraints import Interval, Length, Options
from aiqm.exceptions import DataError
from aiqm.plugins.builtin._adequacy_rows import RowFindings, conflicting_labels, duplicates, leakage
from aiqm.plugins.builtin._adequacy_schema import (
    Finding,
    Rule,
    check_rule,
    infer_rule,
    parse_schema,
)
from aiqm.plugins.builtin._tabular import columns as colmod
from aiqm.plugins.builtin._tabular import figures
from aiqm.plugins.builtin._tabular.hashing import row_hashes
from aiqm.plugins.builtin._tabular.parallel import thread_map
from aiqm.plugins.builtin._tabular.profile_cache import get_profiles
from aiqm.plugins.sdk import Context, Param, Parameters, ait

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from aiqm.data.dataset import Dataset
    from aiqm.plugins.builtin._tabular.profile import ColumnProfile

__all__ = ["AdequacyParameters", "data_adequacy"]

_RATIO = {"type": "float", "min": 0.0, "max": 1.0, "direction": "lower"}
_COUNT = {"type": "int", "min": 0, "direction": "lower"}
_MAX_LISTED = 100
_POSITIVE = Interval(low=0, closed="neither")


class AdequacyParameters(Parameters):
    """The parameters of the ``data_adequacy`` AIT."""

    columns: list[str] | None = Param(
        None, Length(min=1),
        help="Columns checked (the target included if listed); null checks all.",
        help_ja="検査する列（目的変数も挙げれば検査する）。null のときはすべての列を検査する。",
    )
    schema: dict[str, Any] = Param(  # type: ignore[assignment]  # shadows BaseModel.schema()
        {},
        help="{column: {type, min, max, allowed, regex, unique, nullable}}; type one of "
             "numeric, integer, float, string, boolean, datetime.",
        help_ja="{列: {type, min, max, allowed, regex, unique, nullable}}。type は numeric、"
                "integer、float、string、boolean、datetime のいずれか。",
    )
    infer_schema: bool = Param(
        True,
        help="Infer rules for columns without declared ones from the reference.",
        help_ja="ルールを宣言していない列のルールを参照データから推定する。",
    )
    max_inferred_categories: int = Param(
        50, Interval(low=1, high=10000),
        help="An inferred 'allowed' rule lists at most this many reference values.",
        help_ja="推定した 'allowed' ルールに挙げる参照データの値の数の上限。",
    )
    outlier_method: str = Param(
        "robust_z", Options(values=("robust_z", "iqr")),
        help="Method behind outlier_ratio: robust_z (modified z-score) or iqr.",
        help_ja="outlier_ratio の判定方法: robust_z（修正 z スコア）または iqr。",
    )
    z_threshold: float = Param(
        3.5, _POSITIVE,
        help="A value is an outlier when |modified z-score| exceeds this.",
        help_ja="修正 z スコアの絶対値がこの値を超える値を外れ値とする。",
    )
    iqr_factor: float = Param(
        1.5, _POSITIVE,
        help="Tukey's fences: outside [Q1 - k IQR, Q3 + k IQR].",
        help_ja="Tukey のフェンスの係数 k: [Q1 - k IQR, Q3 + k IQR] の外側の値を外れ値とする。",
    )
    isolation_forest: bool = Param(
        True,
        help="Also run an IsolationForest over the numeric columns.",
        help_ja="数値列に対して IsolationForest も実行する。",
    )
    isolation_forest_max_rows: int = Param(
        20000, Interval(low=100, high=10_000_000),
        help="Rows (a uniform sample) the IsolationForest fits and scores.",
        help_ja="IsolationForest の学習と判定に使う行数（一様な無作為抽出）。",
    )
    near_duplicate_digits: int = Param(
        3, Interval(low=1, high=15),
        help="Near duplicates: numbers equal to about this many significant digits, text "
             "equal ignoring case and surrounding or repeated whitespace.",
        help_ja="ほぼ重複とみなす基準: 数値は有効数字でおよそこの桁数まで等しいもの、テキストは"
                "大文字と小文字の違い、前後の空白、連続する空白を無視して等しいもの。",
    )
    label_issues: bool = Param(
        False,
        help="Find label issues by confident learning (fits a model on a sample).",
        help_ja="confident learning でラベルの誤りを探す（抽出した行でモデルを学習する）。",
    )
    label_issues_max_rows: int = Param(
        20000, Interval(low=50, high=1_000_000),
        help="Rows (a uniform sample) used for label issues.",
        help_ja="ラベルの誤りの検出に使う行数（一様な無作為抽出）。",
    )
    label_issues_folds: int = Param(
        5, Interval(low=2, high=20),
        help="Cross-validation folds of the out-of-fold probabilities.",
        help_ja="out-of-fold 予測確率を求める交差検証の分割数。",
    )
    random_state: int = Param(
        0,
        help="Seed of the samples and models.",
        help_ja="無作為抽出とモデルの乱数シード。",
    )


@ait(
    id="data_adequacy",
    version="1.0.0",
    title="Data adequacy",
    description=(
        "Validity of each datum: schema and domain rules (type, range, allowed values, regex, "
        "uniqueness, nullability; declared or inferred from a reference dataset), outliers "
        "(robust z-score or IQR, and IsolationForest), exact and near-duplicate rows, "
        "conflicting labels, rows also present in a reference dataset (leakage) and label "
        "issues by confident learning."
    ),
    characteristics=["B-3"],
    external_qualities=["AISL", "AIFL"],
    iso_5259_measures=["Acc-ML-1", "Acc-ML-4", "Acc-ML-6", "Con-ML-1", "Con-ML-4"],
    keywords=["data quality", "validation", "outliers", "duplicates", "leakage", "label noise"],
    references=[
        {"title": "Iglewicz, B., Hoaglin, D. C. (1993). How to Detect and Handle Outliers. "
                  "ASQC Quality Press (modified z-score)."},
        {"title": "Liu, F. T., Ting, K. M., Zhou, Z.-H. (2008). Isolation Forest. ICDM."},
        {"title": "Northcutt, C., Jiang, L., Chuang, I. (2021). Confident Learning: Estimating "
                  "Uncertainty in Dataset Labels. JAIR 70."},
    ],
    inventories=[
        {"name": "dataset", "kind": "dataset",
         "description": "The data to check (with a target for the label checks)."},
        {"name": "reference", "kind": "dataset", "required": False,
         "description": "Optional reference (e.g. the training data when checking test data): "
                        "rules are inferred from it, and rows present in it count as leaked."},
    ],
    parameters=AdequacyParameters,
    measures=[
        {**_COUNT, "name": "n_rows", "direction": "none", "description": "Rows checked."},
        {**_RATIO, "name": "schema_violation_ratio",
         "description": "Rows breaking at least one schema rule / rows."},
        {**_COUNT, "name": "schema_violations", "description": "Rule violations (cells, per rule)."},
        {**_COUNT, "name": "columns_with_violations", "description": "Columns breaking a rule."},
        {**_RATIO, "name": "outlier_ratio",
         "description": "Rows with an outlying numeric value (outlier_method) / rows."},
        {**_RATIO, "name": "outlier_ratio_per_column", "structure": "sequence",
         "description": "Outlying values / rows, per numeric column checked."},
        {**_RATIO, "name": "isolation_forest_outlier_ratio",
         "description": "Share of the sampled rows an IsolationForest labels outliers."},
        {**_COUNT, "name": "duplicate_rows",
         "description": "Rows equal to an earlier row in every checked column."},
        {**_RATIO, "name": "duplicate_row_ratio", "description": "duplicate_rows / rows."},
        {**_COUNT, "name": "near_duplicate_rows",
         "description": "Rows equal to an earlier row after rounding (exact duplicates included)."},
        {**_RATIO, "name": "near_duplicate_row_ratio", "description": "near_duplicate_rows / rows."},
        {**_COUNT, "name": "conflicting_label_rows",
         "description": "Rows whose features equal another row's but whose label differs."},
        {**_RATIO, "name": "conflicting_label_ratio", "description": "conflicting_label_rows / rows."},
        {**_COUNT, "name": "leaked_rows",
         "description": "Rows whose features also occur in the reference dataset."},
        {**_RATIO, "name": "leaked_row_ratio", "description": "leaked_rows / rows."},
        {**_COUNT, "name": "label_issues",
         "description": "Sampled rows whose label confident learning flags."},
        {**_RATIO, "name": "label_issue_ratio", "description": "label_issues / sampled rows."},
    ],
    resources=[
        {"name": "schema_checks", "kind": "table",
         "description": "Per column and rule: what was expected, violations, examples, source."},
        {"name": "outliers", "kind": "table",
         "description": "Per numeric column: median, scale, robust-z bounds and count, quartiles, "
                        "IQR fences and count."},
        {"name": "duplicates", "kind": "table",
         "description": "Example duplicate rows (0-based) with the earlier row they repeat."},
        {"name": "conflicting_labels", "kind": "table",
         "description": "Example rows with conflicting labels."},
        {"name": "leakage", "kind": "table",
         "description": "Example rows also present in the reference, with the reference row."},
        {"name": "label_issues", "kind": "table",
         "description": "Flagged rows, least self-confident first: given and suggested label."},
        {"name": "summary", "kind": "figure", "description": "The share of rows each check flags."},
    ],
)
def data_adequacy(ctx: Context[AdequacyParameters]) -> None:
    """Check the validity of ``dataset`` (against ``reference`` when bound)."""
    p = ctx.params
    ds = ctx.dataset("dataset")
    ds.require_rows()
    ref = ctx.dataset("reference") if ctx.has_input("reference") else None
    names = colmod.select_columns(ds, p.columns, default=ds.column_names)
    target = ds.target if ds.target in names else None
    features = [c for c in names if c != target]
    n = ds.num_rows
    ctx.measure("n_rows", n)
    ctx.progress(0, 5)
    summary: dict[str, float] = {}

    # rows: hashed before the profile is needed (a concurrent profile AIT fills the cache meanwhile)
    h_features = row_hashes(ds.table, features, near_digits=p.near_duplicate_digits)
    h_target = row_hashes(ds.table, [target], near_digits=p.near_duplicate_digits) if target else None
    h_all = h_features.extended(h_target) if h_target is not None else h_features
    exact, near = duplicates(h_all), duplicates(h_all, near=True)
    _counts(ctx, "duplicate_rows", "duplicate_row_ratio", exact.count, n, summary, "duplicates")
    _counts(ctx, "near_duplicate_rows", "near_duplicate_row_ratio", near.count, n, summary,
            "near duplicates")
    conflicts = None
    if h_target is not None and features:
        conflicts = conflicting_labels(h_features, h_target.h1)
        _counts(ctx, "conflicting_label_rows", "conflicting_label_ratio", conflicts.count, n,
                summary, "conflicting labels")
    else:
        why = ("the dataset has no target; set `target` on its inventory" if target is None
               else "there is no feature column besides the target")
        ctx.undefined("conflicting_label_rows", why)
        ctx.undefined("conflicting_label_ratio", why)
    leaked = _leakage(ctx, ds, ref, features, summary)
    ctx.progress(1, 5)

    profiles = get_profiles(ds, names, ctx.cache_dir, log=ctx.log).profiles
    findings = _schema(ctx, ds, ref, names, profiles, summary)
    ctx.progress(2, 5)
    bounds = _outliers(ctx, ds, [c for c in features if profiles[c].kind == colmod.NUMERIC],
                       profiles, summary)
    ctx.progress(3, 5)
    issues = _label_issues(ctx, ds, target, features)
    if issues:
        summary["label issues"] = issues[1]
    ctx.progress(4, 5)

    ctx.resource("schema_checks", [
        {"column": f.column, "check": f.check, "expected": f.expected, "violations": f.violations,
         "source": f.source, "examples": ", ".join(f.examples), "note": f.note}
        for f in findings
    ])
    ctx.resource("outliers", [
        {"column": b.column, "median": b.median, "scale": b.scale_kind, "scale_value": b.scale,
         "z_low": b.z_low, "z_high": b.z_high, "z_outliers": b.z_count, "q1": b.q1, "q3": b.q3,
         "iqr_low": b.iqr_low, "iqr_high": b.iqr_high, "iqr_outliers": b.iqr_count}
        for b in bounds
    ])
    ctx.resource("duplicates", {
        "columns": ["kind", "row", "repeats_row"],
        "rows": [["exact", r, f] for r, f in exact.examples]
        + [["near", r, f] for r, f in near.examples],
    })
    ctx.resource("conflicting_labels", {
        "columns": ["row", "label"],
        "rows": _with_labels(ds, target, [r for r, _ in conflicts.examples] if conflicts else []),
    })
    ctx.resource("leakage", {
        "columns": ["row", "reference_row"], "rows": [[r, v] for r, v in (leaked.examples if leaked else [])],
    })
    ctx.resource("label_issues", issues[0] if issues else [])
    ctx.resource("summary", figures.to_svg(_summary_figure(summary)))
    ctx.progress(5, 5)


def _counts(ctx: Context, count_name: str, ratio_name: str, count: int, n: int,
            summary: dict[str, float], label: str) -> None:
    ctx.measure(count_name, count)
    ctx.measure(ratio_name, count / n)
    summary[label] = count / n


def _leakage(ctx: Context, ds: Dataset, ref: Dataset | None, features: list[str],
             summary: dict[str, float]) -> RowFindings | None:
    if ref is None:
        for m in ("leaked_rows", "leaked_row_ratio"):
            ctx.undefined(m, "no reference dataset is bound to the 'reference' slot")
        return None
    if not features:
        raise DataError("leakage needs feature columns besides the target; widen 'columns'")
    ref.require_columns(*features, why="the reference needs the checked feature columns to "
                                       "compare rows; narrow 'columns' to the shared ones")
    found = leakage(row_hashes(ds.table, features), row_hashes(ref.table, features))
    _counts(ctx, "leaked_rows", "leaked_row_ratio", found.count, ds.num_rows, summary, "leaked rows")
    return found


def _schema(ctx: Context[AdequacyParameters], ds: Dataset, ref: Dataset | None, names: list[str],
            profiles: dict[str, ColumnProfile], summary: dict[str, float]) -> list[Finding]:
    p = ctx.params
    rules: dict[str, Rule] = parse_schema(p.schema, names)
    if ref is not None and p.infer_schema:
        todo = [c for c in names if c not in rules and c in ref.column_names]
        ref_profiles = get_profiles(ref, todo, ctx.cache_dir, log=ctx.log).profiles
        for c in todo:
            rules[c] = infer_rule(ref_profiles[c], max_categories=p.max_inferred_categories)
    if not rules:
        reason = ("no schema rule to check: declare 'schema', or bind a reference dataset to "
                  "infer it from")
        for m in ("schema_violation_ratio", "schema_violations", "columns_with_violations"):
            ctx.undefined(m, reason)
        return []
    findings: list[Finding] = []
    for batch in thread_map(lambda c: check_rule(rules[c], ds.column(c), profiles[c]), list(rules)):
        findings.extend(batch)
    rows = np.zeros(ds.num_rows, dtype=bool)
    for f in findings:
        if f.mask is not None:
            rows |= f.mask
    ratio = float(rows.mean())
    ctx.measure("schema_violation_ratio", ratio)
    ctx.measure("schema_violations", sum(f.violations for f in findings))
    ctx.measure("columns_with_violations", len({f.column for f in findings if f.violations}))
    summary["schema violations"] = ratio
    return findings


def _outliers(ctx: Context[AdequacyParameters], ds: Dataset, numeric: list[str], profiles: dict[str, ColumnProfile],
              summary: dict[str, float]) -> list[outmod.OutlierBounds]:
    p = ctx.params
    n = ds.num_rows
    if not numeric:
        for m in ("outlier_ratio", "outlier_ratio_per_column", "isolation_forest_outlier_ratio"):
            ctx.undefined(m, "no numeric column is checked")
        return []
    bounds = [outmod.outlier_bounds(profiles[c], z_threshold=p.z_threshold,
                                    iqr_factor=p.iqr_factor) for c in numeric]
    use_z = p.outlier_method == "robust_z"
    rows = np.zeros(n, dtype=bool)
    per_column = []
    for b, (z, iqr) in zip(bounds, thread_map(lambda b: outmod.outlier_masks(b, ds.column(b.column)),
                                               bounds), strict=True):
        b.z_count, b.iqr_count = int(z.sum()), int(iqr.sum())
        chosen = z if use_z else iqr
        rows |= chosen
        per_column.append(int(chosen.sum()) / n)
    ctx.measure("outlier_ratio", float(rows.mean()))
    ctx.measure("outlier_ratio_per_column", per_column)
    summary["outliers"] = float(rows.mean())
    if not p.isolation_forest:
        ctx.undefined("isolation_forest_outlier_ratio", "isolation_forest is false")
    elif n < 2:
        ctx.undefined("isolation_forest_outlier_ratio", "an IsolationForest needs at least 2 rows")
    else:
        usable = [c for c in numeric if not profiles[c].is_empty]
        medians = {c: profiles[c].median or 0.0 for c in usable}
        ratio, size = outmod.isolation_forest_ratio(
            ds.table, usable, medians, max_rows=p.isolation_forest_max_rows,
            random_state=p.random_state)
        ctx.log.info("IsolationForest on %d of %d rows, %d numeric columns", size, n, len(usable))
        ctx.measure("isolation_forest_outlier_ratio", ratio)
        summary["IsolationForest"] = ratio
    return bounds


def _label_issues(ctx: Context[AdequacyParameters], ds: Dataset, target: str | None, features: list[str],
                  ) -> tuple[list[dict[str, Any]], float] | None:
    p = ctx.params
    names = ("label_issues", "label_issue_ratio")
    if not p.label_issues:
        for m in names:
            ctx.undefined(m, "label_issues is false (it fits a model; set label_issues: true)")
        return None
    if target is None or not features:
        for m in names:
            ctx.undefined(m, "label issues need a target and feature columns")
        return None
    table = ds.table
    n = table.num_rows
    rng = np.random.default_rng(p.random_state)
    if n > p.label_issues_max_rows:
        # lazy: heavy, and the AIT modules load with every registry
        import pyarrow as pa

        rows = np.sort(rng.choice(n, size=p.label_issues_max_rows, replace=False))
        table = table.take(pa.array(rows))
    else:
        rows = np.arange(n)
    y_col = table.column(target)
    counts = colmod.category_counts(y_col)
    y = colmod.category_codes(y_col, counts.values)
    keep = y >= 0
    smallest = int(counts.counts.min()) if len(counts.values) else 0
    folds = min(p.label_issues_folds, smallest)
    if len(counts.values) < 2 or folds < 2:
        for m in names:
            ctx.undefined(m, f"confident learning needs at least 2 classes with at least 2 rows "
                             f"each in the sample; the target has {len(counts.values)} class(es), "
                             f"the smallest with {smallest} row(s)")
        return None
    X, categorical, notes = labelmod.label_issue_features(table, features)
    for note in notes:
        ctx.log.info("%s", note)
    proba = labelmod.out_of_fold_proba(X[keep], y[keep], categorical, folds=folds,
                                       random_state=p.random_state)
    cl = labelmod.confident_learning(y[keep], proba)
    sampled = rows[keep]
    flagged = np.flatnonzero(cl.issues)
    order = flagged[np.argsort(cl.self_confidence[flagged], kind="stable")][:_MAX_LISTED]
    ctx.log.info("confident learning on %d of %d rows (%d folds)", sampled.size, n, folds)
    ctx.measure("label_issues", int(cl.issues.sum()))
    ratio = float(cl.issues.mean())
    ctx.measure("label_issue_ratio", ratio)
    lab = [colmod.label(v) for v in counts.values]
    return [{"row": int(sampled[i]), "given": lab[y[keep][i]], "suggested": lab[cl.suggested[i]],
             "self_confidence": float(cl.self_confidence[i])} for i in order], ratio


def _with_labels(ds: Dataset, target: str | None, rows: list[int]) -> list[list[Any]]:
    if not rows or target is None:
        return []
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa

    values = ds.column(target).take(pa.array(rows)).to_pylist()
    return [[r, colmod.label(v)] for r, v in zip(rows, values, strict=True)]


def _summary_figure(summary: dict[str, float]) -> Figure:
    if not summary:
        return figures.message_figure("No check produced a share of rows.")
    labels = list(summary)
    return figures.hbar_chart(labels, [summary[k] for k in labels],
                              flagged=[summary[k] > 0 for k in labels],
                              title="Share of rows each check flags", xlabel="share of rows")
