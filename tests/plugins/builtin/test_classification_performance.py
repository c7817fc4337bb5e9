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
    assert result.undefined == {}
    assert result.problems == []
    assert set(result.measures) == set(expected)
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

    assert set(result.undefined) == {"roc_auc", "log_loss"}
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
