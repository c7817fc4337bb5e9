"""classification_performance against scikit-learn's own metric functions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from aiqm.data.cache import materialise
from aiqm.data.digest import sha256_path
from aiqm.exceptions import DataError
from aiqm.plugins.builtin.classification_performance import (
    _align,
    _labels,
    _names,
    classification_performance,
)
from aiqm.testing import AITRunResult, run_ait


def _split(
    X: pd.DataFrame, y: pd.Series, *, stratify: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y if stratify else None)


def _run(model: Any, X: pd.DataFrame, y: pd.Series, **params: Any) -> AITRunResult:
    return run_ait(
        classification_performance,
        datasets={"dataset": X.assign(label=y.to_numpy())},
        targets={"dataset": "label"},
        models={"model": model},
        params=params,
    )


def _reference(
    model: Any, X: pd.DataFrame, y: pd.Series, *, binary: bool, pos: Any = 1,
    average: str = "macro",
) -> dict[str, Any]:
    """What scikit-learn says, computed straight from the estimator."""
    pred = model.predict(X)
    proba = model.predict_proba(X)
    kw: dict[str, Any] = {"pos_label": pos} if binary else {"average": average}
    p, r, f, _ = metrics.precision_recall_fscore_support(y, pred, average=None, zero_division=0.0)
    if binary:
        roc = metrics.roc_auc_score(y == pos, proba[:, list(model.classes_).index(pos)])
    else:
        roc = metrics.roc_auc_score(y, proba, multi_class="ovr", average="macro")
    return {
        "accuracy": metrics.accuracy_score(y, pred),
        "error_rate": 1 - metrics.accuracy_score(y, pred),
        "balanced_accuracy": metrics.balanced_accuracy_score(y, pred),
        "precision": metrics.precision_score(y, pred, zero_division=0.0, **kw),
        "recall": metrics.recall_score(y, pred, zero_division=0.0, **kw),
        "f1": metrics.f1_score(y, pred, zero_division=0.0, **kw),
        "precision_per_class": list(p),
        "recall_per_class": list(r),
        "f1_per_class": list(f),
        "roc_auc": roc,
        "log_loss": metrics.log_loss(y, proba),
        "n_samples": len(y),
    }


def _assert_matches(result: AITRunResult, expected: dict[str, Any]) -> None:
    assert not set(result.undefined) & set(expected), result.undefined
    assert result.problems == []
    assert set(expected) <= set(result.measures)
    for name, value in expected.items():
        assert result.measures[name] == pytest.approx(value, rel=1e-12, abs=1e-12), name


# -- binary ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cancer() -> tuple[Any, pd.DataFrame, pd.Series]:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = _split(X, y)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X_train, y_train)
    return model, X_test, y_test


@pytest.fixture(scope="module")
def cancer_result(cancer: tuple[Any, pd.DataFrame, pd.Series]) -> AITRunResult:
    return _run(*cancer)


def test_binary_metrics_equal_scikit_learn(cancer, cancer_result) -> None:
    _assert_matches(cancer_result, _reference(*cancer, binary=True, pos=1))


def test_binary_positive_label_selects_the_positive_class(cancer) -> None:
    result = _run(*cancer, positive_label="0")
    expected = _reference(*cancer, binary=True, pos=0)
    _assert_matches(result, expected)
    assert result.measures["recall"] != pytest.approx(
        _reference(*cancer, binary=True, pos=1)["recall"]
    )


def test_resources_are_an_svg_figure_and_a_per_class_table(cancer, cancer_result) -> None:
    y_test = cancer[2]
    figure = cancer_result.resource("confusion_matrix")
    assert figure["media_type"] == "image/svg+xml"
    svg = Path(figure["file"]).read_text("utf-8")
    assert "<svg" in svg and "Predicted label" in svg and "True label" in svg

    table = json.loads(Path(cancer_result.resource("per_class")["file"]).read_text("utf-8"))
    assert table["columns"] == ["class", "support", "precision", "recall", "f1"]
    assert [row[0] for row in table["rows"]] == [0, 1]
    assert [row[1] for row in table["rows"]] == np.bincount(y_test).tolist()
    assert [row[2] for row in table["rows"]] == pytest.approx(
        cancer_result.measures["precision_per_class"]
    )


def test_string_labels_equal_scikit_learn(cancer) -> None:
    _, X_test, y_test = cancer
    names = np.array(["malignant", "benign"], dtype=object)  # sklearn: 0 malignant, 1 benign
    y_text = pd.Series(names[y_test.to_numpy()], index=y_test.index)
    text_model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, _, y_train, _ = _split(X, y)
    text_model.fit(X_train, names[y_train.to_numpy()])

    default = _run(text_model, X_test, y_text)  # the greater sorted class: "malignant"
    _assert_matches(default, _reference(text_model, X_test, y_text, binary=True, pos="malignant"))
    benign = _run(text_model, X_test, y_text, positive_label="benign")
    _assert_matches(benign, _reference(text_model, X_test, y_text, binary=True, pos="benign"))


def test_unknown_positive_label_names_the_classes(cancer) -> None:
    with pytest.raises(DataError, match=r"positive_label 'yes' is not one of the classes.*0, 1"):
        _run(*cancer, positive_label="yes")


def test_model_without_probabilities_leaves_roc_auc_and_log_loss_undefined(cancer) -> None:
    _, X_test, y_test = cancer
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, _, y_train, _ = _split(X, y)
    svc = make_pipeline(StandardScaler(), LinearSVC()).fit(X_train, y_train)

    result = _run(svc, X_test, y_test)

    needs_proba = {"roc_auc", "log_loss", "average_precision", "brier_score",
                   "expected_calibration_error", "max_calibration_error",
                   "roc_auc_ci_low", "roc_auc_ci_high"}
    assert needs_proba <= set(result.undefined)
    assert not needs_proba & set(result.measures)
    assert "accuracy_ci_low" in result.measures
    assert "probabilities" in result.undefined["roc_auc"]
    assert result.measures["accuracy"] == pytest.approx(
        metrics.accuracy_score(y_test, svc.predict(X_test))
    )
    assert result.problems == []


def test_single_class_test_set_leaves_roc_auc_undefined(cancer) -> None:
    model, X_test, y_test = cancer
    only = y_test == 1
    result = _run(model, X_test[only], y_test[only])

    assert "only one class (1)" in result.undefined["roc_auc"]
    assert result.measures["accuracy"] == pytest.approx(
        metrics.accuracy_score(y_test[only], model.predict(X_test[only]))
    )
    assert result.measures["log_loss"] == pytest.approx(
        metrics.log_loss(y_test[only], model.predict_proba(X_test[only]), labels=[0, 1])
    )
    assert result.problems == []


def test_missing_target_values_are_a_data_error(cancer) -> None:
    model, X_test, y_test = cancer
    y = y_test.to_numpy(dtype=float, copy=True)
    y[[0, 5]] = np.nan
    with pytest.raises(DataError, match=r"target column 'label' .* 2 missing value"):
        _run(model, X_test, pd.Series(y))


def test_predictions_column_binds_the_model_slot(cancer, tmp_path: Path) -> None:
    model, X_test, y_test = cancer
    proba = model.predict_proba(X_test)
    frame = X_test.assign(
        label=y_test.to_numpy(),
        pred=model.predict(X_test).astype(float),  # 0.0/1.0 against an int target
        p0=proba[:, 0],
        p1=proba[:, 1],
    )
    path = tmp_path / "scored.parquet"
    frame.to_parquet(path)
    digest = sha256_path(path)
    arrow = materialise(path, "auto", digest, tmp_path / "cache")
    scores = {
        "kind": "predictions", "inventory": "scores", "dataset_digest": digest,
        "arrow_path": str(arrow), "column": "pred", "proba_columns": ["p0", "p1"],
        "classes": [0, 1],
    }

    result = run_ait(
        classification_performance,
        datasets={"dataset": path},
        targets={"dataset": "label"},
        inputs={"model": scores},
        workdir=tmp_path,
    )

    _assert_matches(result, _reference(model, X_test, y_test, binary=True, pos=1))


# -- multiclass ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def iris() -> tuple[Any, pd.DataFrame, pd.Series]:
    X, y = load_iris(return_X_y=True, as_frame=True)
    # a weak model and unbalanced test classes, so that the three averages differ
    X = X[["sepal length (cm)", "sepal width (cm)"]]
    X_train, X_test, y_train, y_test = _split(X, y, stratify=False)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.05)).fit(X_train, y_train)
    return model, X_test, y_test


@pytest.mark.parametrize("average", ["macro", "weighted", "micro"])
def test_multiclass_metrics_equal_scikit_learn(iris, average: str) -> None:
    result = _run(*iris, average=average)
    _assert_matches(result, _reference(*iris, binary=False, average=average))
    assert len(result.measures["f1_per_class"]) == 3


def test_multiclass_average_parameter_is_applied(iris) -> None:
    f1 = {a: _run(*iris, average=a).measures["f1"] for a in ("macro", "weighted", "micro")}
    assert len({round(v, 12) for v in f1.values()}) == 3  # three different numbers


def test_multiclass_table_has_one_row_per_class(iris) -> None:
    result = _run(*iris)
    table = json.loads(Path(result.resource("per_class")["file"]).read_text("utf-8"))
    assert [row[0] for row in table["rows"]] == [0, 1, 2]


# -- labels --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pred", "y", "expected"),
    [
        (np.array([0, 1], dtype=object), np.array([1, 0]), np.array([0, 1])),  # Python ints
        (np.array([0.0, 1.0]), np.array([1, 0]), np.array([0, 1])),
        (np.array([0, 1]), np.array([True, False]), np.array([False, True])),
        (np.array([1, 2]), np.array(["2", "1"], dtype=object), np.array(["1", "2"], dtype=object)),
        (np.array(["2", "1"]), np.array([1, 2]), np.array([2, 1])),
        (np.array(["True", "False"]), np.array([False, True]), np.array([True, False])),
    ],
)
def test_predictions_take_the_targets_representation(pred, y, expected) -> None:
    target = _labels(y, "target")
    aligned = _align(_labels(pred, "predictions"), target, what="predictions", target="label")
    assert aligned.dtype == target.dtype
    assert aligned.tolist() == expected.tolist()


@pytest.mark.parametrize(
    ("pred", "y"),
    [
        (np.array([0.5, 1.0]), np.array([0, 1])),  # scores, not labels
        (np.array([1.0, 2.0]), np.array(["1", "2"], dtype=object)),  # "1.0" is not "1"
        (np.array(["a", "b"]), np.array([0, 1])),
    ],
)
def test_incomparable_labels_are_a_data_error(pred, y) -> None:
    with pytest.raises(DataError, match="cannot be compared with target column 'label'"):
        _align(_labels(pred, "p"), _labels(y, "y"), what="predictions", target="label")


def test_mixed_label_types_are_a_data_error() -> None:
    with pytest.raises(DataError, match=r"predictions mix types \(int, str\)"):
        _labels(np.array([1, "a"], dtype=object), "predictions")


@pytest.mark.parametrize(
    "pred", [np.array([1.0, np.nan, 0.0]), np.array(["a", None, "b"], dtype=object)]
)
def test_missing_predictions_are_a_data_error(pred) -> None:
    with pytest.raises(DataError, match=r"predictions have 1 missing value\(s\) .* in 3 rows"):
        _labels(pred, "predictions")


@pytest.mark.parametrize(
    ("label", "text", "expected"),
    [(1, "1", True), (1.0, "1", True), (True, "true", True), ("yes", "yes", True),
     (0, "1", False), ("Yes", "yes", False), (2, "two", False)],
)
def test_positive_label_text_names_labels_of_any_type(label, text, expected) -> None:
    assert _names(label, text) is expected


# -- 1.1: bootstrap intervals ----------------------------------------------------------------------

from aiqm.plugins.builtin._model.bootstrap import (
    ClassificationBootstrap,
    RankAUC,
    percentile_interval,
    resample_counts,
)
from aiqm.plugins.builtin._model.calibration import brier_score, reliability_bins


@pytest.mark.parametrize(("k", "average"), [(2, "binary"), (3, "macro"), (3, "weighted"),
                                            (4, "micro")])
def test_bootstrap_metrics_of_a_resample_equal_scikit_learn_on_the_resampled_rows(k, average):
    rng = np.random.default_rng(1)
    n = 300
    y = rng.integers(0, k, n)
    pred = np.where(rng.random(n) < 0.7, y, rng.integers(0, k, n))
    scores = rng.random(n)
    labels = list(range(k))
    pos = 1 if average == "binary" else None
    aucs = [RankAUC(y == 1, scores)] if k == 2 else []
    boot = ClassificationBootstrap(y, pred, k, pos, "macro" if pos is not None else average,
                                   0.0, aucs)
    counts = next(resample_counts(n, 1, seed=7))
    idx = np.repeat(np.arange(n), counts)  # the rows this resample drew
    got = boot.metrics(counts.astype(float))
    kw: dict[str, Any] = {"pos_label": 1, "average": "binary"} if pos is not None else \
        {"average": average, "labels": labels}
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(y[idx], pred[idx]))
    assert got["balanced_accuracy"] == pytest.approx(
        metrics.balanced_accuracy_score(y[idx], pred[idx]))
    for name, fn in (("precision", metrics.precision_score), ("recall", metrics.recall_score),
                     ("f1", metrics.f1_score)):
        assert got[name] == pytest.approx(fn(y[idx], pred[idx], zero_division=0.0, **kw)), name
    if aucs:
        assert got["roc_auc"] == pytest.approx(metrics.roc_auc_score(y[idx] == 1, scores[idx]))


def test_rank_auc_with_ties_equals_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, 400) / 4  # many ties
    truth = rng.random(400) < 0.3 + 0.1 * scores
    assert RankAUC(truth, scores)() == pytest.approx(metrics.roc_auc_score(truth, scores))


def test_bootstrap_intervals_are_deterministic_under_a_seed() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    pred = np.where(rng.random(200) < 0.8, y, 1 - y)
    boot = ClassificationBootstrap(y, pred, 2, 1, "macro", 0.0, [])
    a = boot.intervals(100, 0.95, seed=3)
    assert a == boot.intervals(100, 0.95, seed=3)
    assert a != boot.intervals(100, 0.95, seed=4)


def test_bootstrap_accuracy_intervals_cover_the_true_accuracy() -> None:
    """Percentile intervals of a Bernoulli mean: nominal 90 %, observed close to it."""
    rng = np.random.default_rng(0)
    p, n, reps, covered = 0.8, 200, 150, 0
    widths = []
    for r in range(reps):
        correct = rng.random(n) < p
        y = np.ones(n, dtype=np.int64)
        pred = np.where(correct, 1, 0)
        boot = ClassificationBootstrap(y, pred, 2, 1, "macro", 0.0, [])
        low, high = boot.intervals(300, 0.90, seed=r)["accuracy"]
        covered += low <= p <= high
        widths.append(high - low)
    assert 0.80 <= covered / reps <= 0.97
    # the width matches the normal approximation 2 * 1.645 * sqrt(p(1-p)/n)
    assert np.mean(widths) == pytest.approx(2 * 1.645 * np.sqrt(p * (1 - p) / n), rel=0.1)


def test_percentile_interval_ignores_undefined_resamples() -> None:
    assert percentile_interval(np.array([np.nan] * 6 + [1.0] * 4), 0.9) == (
        pytest.approx(np.nan, nan_ok=True), pytest.approx(np.nan, nan_ok=True))
    assert percentile_interval(np.array([1.0, 2.0, 3.0, np.nan]), 0.5) == (1.5, 2.5)


def test_aits_intervals_bracket_the_point_estimates(cancer_result) -> None:
    m = cancer_result.measures
    for name in ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc"):
        assert m[f"{name}_ci_low"] <= m[name] <= m[f"{name}_ci_high"], name
    table = json.loads(Path(cancer_result.resource("confidence_intervals")["file"]).read_text())
    assert [r[0] for r in table["rows"]] == ["accuracy", "balanced_accuracy", "precision",
                                             "recall", "f1", "roc_auc"]


def test_no_bootstrap_leaves_the_intervals_undefined(cancer) -> None:
    result = _run(*cancer, n_bootstrap=0)
    assert "n_bootstrap is 0" in result.undefined["accuracy_ci_low"]


# -- 1.1: calibration, probability measures, curves ------------------------------------------------


def test_ece_hand_computed() -> None:
    # 4 bins of width 0.25; rows at confidence 0.9 (2, both right) and 0.6 (2, one right)
    bins = reliability_bins(np.array([0.9, 0.9, 0.6, 0.6]), np.array([1, 1, 1, 0]), 4)
    assert bins.count.tolist() == [0, 0, 2, 2]
    assert bins.expected_calibration_error == pytest.approx(0.5 * 0.1 + 0.5 * 0.1)
    assert bins.max_calibration_error == pytest.approx(0.1)
    # a perfectly calibrated case: confidence 0.75, three of four right
    assert reliability_bins(np.full(4, 0.75), np.array([1, 1, 1, 0]), 10) \
        .expected_calibration_error == pytest.approx(0.0)


def test_reliability_bins_match_scikit_learn_calibration_curve() -> None:
    from sklearn.calibration import calibration_curve

    rng = np.random.default_rng(0)
    prob = rng.random(1000)
    truth = rng.random(1000) < prob**1.5
    bins = reliability_bins(prob, truth, 10)
    frac, mean = calibration_curve(truth, prob, n_bins=10, strategy="uniform")
    filled = bins.count > 0
    np.testing.assert_allclose(bins.accuracy[filled], frac)
    np.testing.assert_allclose(bins.confidence[filled], mean)


def test_brier_score_equals_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    p = rng.dirichlet([1, 1, 1], 100)
    y = rng.integers(0, 3, 100)
    onehot = np.eye(3)[y]
    assert brier_score(onehot, p) == pytest.approx(
        metrics.brier_score_loss(y, p, labels=[0, 1, 2]))
    p2 = np.column_stack([1 - p[:, 0], p[:, 0]])
    y2 = (y == 1).astype(int)
    assert brier_score(np.eye(2)[y2], p2) == pytest.approx(metrics.brier_score_loss(y2, p2[:, 1]))


def test_probability_and_calibration_measures_of_the_ait(cancer, cancer_result) -> None:
    model, X_test, y_test = cancer
    proba = model.predict_proba(X_test)
    m = cancer_result.measures
    assert m["average_precision"] == pytest.approx(
        metrics.average_precision_score(y_test, proba[:, 1]))
    assert m["brier_score"] == pytest.approx(metrics.brier_score_loss(y_test, proba[:, 1]))
    top = proba.max(axis=1)
    bins = reliability_bins(top, proba.argmax(axis=1) == y_test.to_numpy(), 10)
    assert m["expected_calibration_error"] == pytest.approx(bins.expected_calibration_error)
    for name in ("reliability_diagram", "roc_curve", "precision_recall_curve"):
        svg = Path(cancer_result.resource(name)["file"]).read_text("utf-8")
        assert svg.startswith("<?xml") and "<svg" in svg
    table = json.loads(Path(cancer_result.resource("thresholds")["file"]).read_text())
    row = dict(zip(table["columns"], table["rows"][9], strict=True))  # threshold 0.5
    chosen = proba[:, 1] >= 0.5
    assert row["threshold"] == 0.5
    assert row["precision"] == pytest.approx(metrics.precision_score(y_test, chosen))
    assert row["recall"] == pytest.approx(metrics.recall_score(y_test, chosen))


def test_multiclass_calibration_and_curves(iris) -> None:
    model, X_test, y_test = iris
    result = _run(*iris)
    proba = model.predict_proba(X_test)
    onehot = np.eye(3)[y_test.to_numpy()]
    assert result.measures["average_precision"] == pytest.approx(
        metrics.average_precision_score(onehot, proba, average="macro"))
    assert result.measures["brier_score"] == pytest.approx(
        metrics.brier_score_loss(y_test, proba, labels=[0, 1, 2]))
    assert "class 2" in Path(result.resource("roc_curve")["file"]).read_text("utf-8")
    assert result.measures["roc_auc_ci_low"] <= result.measures["roc_auc"]


# -- 1.1: slices ---------------------------------------------------------------------------------------


def test_slices_equal_scikit_learn_on_each_slice(cancer) -> None:
    model, X_test, y_test = cancer
    X = X_test.assign(site=np.where(X_test["mean radius"] > 15, "north", "south"))
    X.loc[X.index[:5], "site"] = "tiny"
    result = run_ait(
        classification_performance,
        datasets={"dataset": X.assign(label=y_test.to_numpy())},
        targets={"dataset": "label"},
        models={"model": _Dropping(model, "site")},
        params={"slice_by": ["site", "mean texture"], "n_slice_bins": 4, "min_slice_size": 10},
    )
    table = json.loads(Path(result.resource("slices")["file"]).read_text())
    rows = [dict(zip(table["columns"], r, strict=True)) for r in table["rows"]]
    pred = model.predict(X_test)
    site_rows = [r for r in rows if r["column"] == "site"]
    assert [r["slice"] for r in site_rows] == ["north", "south", "tiny"]
    for r in site_rows:
        mask = (X["site"] == r["slice"]).to_numpy()
        assert r["n"] == mask.sum()
        assert r["accuracy"] == pytest.approx(metrics.accuracy_score(y_test[mask], pred[mask]))
        assert r["f1"] == pytest.approx(metrics.f1_score(y_test[mask], pred[mask],
                                                         zero_division=0.0))
    texture = [r for r in rows if r["column"] == "mean texture"]
    assert len(texture) == 4 and sum(r["n"] for r in texture) == len(X)
    big = [r for r in rows if r["n"] >= 10]
    worst = min(big, key=lambda r: r["accuracy"])
    assert result.measures["worst_slice_accuracy"] == worst["accuracy"]
    assert result.measures["worst_slice_size"] == worst["n"]
    assert result.measures["n_small_slices"] == 1 and result.measures["smallest_slice_size"] == 5
    assert result.measures["n_slices"] == len(big)
    assert result.measures["slice_accuracy_gap"] == pytest.approx(
        metrics.accuracy_score(y_test, pred) - worst["accuracy"])


def test_unknown_slice_column_is_a_data_error(cancer) -> None:
    with pytest.raises(DataError, match=r"no column 'nope'.*set `slice_by`"):
        _run(*cancer, slice_by=["nope"])


class _Dropping:
    """An estimator facade that ignores one extra column (a slice attribute)."""

    def __init__(self, model: Any, column: str) -> None:
        self.model, self.column = model, column
        self.classes_ = model.classes_

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.model.predict(self._x(X))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(self._x(X))

    def _x(self, X: Any) -> Any:
        frame = pd.DataFrame(X, columns=[*self.model.feature_names_in_, self.column]) \
            if not isinstance(X, pd.DataFrame) else X
        return frame.drop(columns=[self.column])


def test_cell_bootstrap_equals_the_row_bootstrap() -> None:
    """Collapsing rows into cells changes the cost, not the distribution or the point values."""
    from aiqm.plugins.builtin._model.bootstrap import MAX_SCORE_BINS, _Cells

    rng = np.random.default_rng(0)
    n = 5000
    y = rng.integers(0, 2, n)
    for scores in (np.round(rng.random(n), 2),  # 101 distinct scores: exact cells
                   rng.random(n)):  # 5000 distinct scores: quantile bins
        scores = np.clip(scores + 0.3 * y, 0, 1.3)
        pred = (scores > 0.6).astype(int)
        boot = ClassificationBootstrap(y, pred, 2, 1, "macro", 0.0, [RankAUC(y == 1, scores)])
        cells = _Cells(boot)
        whole = cells.metrics(cells.counts.astype(float))
        for name, value in boot.metrics().items():
            assert whole[name] == pytest.approx(value, abs=1e-12), name
        assert abs(cells.shift) < 1 / MAX_SCORE_BINS
        by_cells = boot.intervals(1000, 0.9, seed=1)
        row_draws = [boot.metrics(c.astype(float)) for c in resample_counts(n, 1000, seed=2)]
        by_rows = {name: percentile_interval(np.array([m[name] for m in row_draws]), 0.9)
                   for name in ("accuracy", "roc_auc")}
        for name in ("accuracy", "roc_auc"):
            assert by_cells[name] == pytest.approx(by_rows[name], abs=0.004), name
