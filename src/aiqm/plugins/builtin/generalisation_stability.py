"""AIT ``generalisation_stability``: k-fold cross-validation of the model's estimator.

MLQM C-2 level 1 asks for cross-validation: the model's (unfitted) estimator is
cloned and refitted on k folds of the training data with
:func:`sklearn.model_selection.cross_validate`. The spread of the fold scores
shows how much the model depends on the particular training sample; the gap
between training and validation scores shows over-fitting. When a test
dataset is bound, the fitted model's own train/test gap is reported too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from aiqm.core.constraints import Interval, Options
from aiqm.core.parameters import Param, Parameters
from aiqm.exceptions import DataError
from aiqm.plugins.builtin._model.frames import FrameDataset, sample_rows
from aiqm.plugins.builtin._model.params import SeedParameters
from aiqm.plugins.sdk import Context, ait

if TYPE_CHECKING:
    import pandas as pd

    from aiqm.data.dataset import Dataset
    from aiqm.models.base import ModelAdapter

__all__ = ["CrossValidationParameters", "generalisation_stability"]

_SCORINGS = ("auto", "accuracy", "balanced_accuracy", "f1", "f1_macro", "roc_auc",
             "r2", "neg_mean_absolute_error", "neg_root_mean_squared_error")
_SCORE = {"type": "float", "direction": "higher"}


class _CrossValidationOwnParameters(Parameters):
    """The parameters only ``generalisation_stability`` has (first in its manifest)."""

    n_splits: int = Param(
        5, Interval(low=2, high=50),
        help="Number of folds.",
        help_ja="フォールド（分割）の数。",
    )
    scoring: str = Param(
        "auto", Options(values=_SCORINGS),
        help="scikit-learn scorer (higher is better); auto: accuracy for a classifier, r2 for "
             "a regressor.",
        help_ja="scikit-learn のスコアラー（高いほど良い）。auto のときは分類器なら accuracy、"
                "回帰器なら r2 を使う。",
    )
    stratified: bool = Param(
        True,
        help="Classifiers: keep the class shares in every fold.",
        help_ja="分類器: どのフォールドでもクラスの比率を保つ。",
    )
    max_rows: int = Param(
        100_000, Interval(low=0, high=None),
        help="Cross-validate (and score the test data) on a random sample of at most this many "
             "rows (0: every row).",
        help_ja="最大でこの行数まで無作為に抽出した標本で、交差検証（とテストデータの評価）を"
                "行う（0: すべての行）。",
    )
    string_columns: str = Param(
        "auto", Options(values=("auto", "object", "category")),
        help="How text columns are given to the estimator: 'category' (pandas categorical) or "
             "'object'; auto picks category for an estimator with "
             "categorical_features='from_dtype'.",
        help_ja="文字列の列を推定器にどう渡すか: 'category'（pandas のカテゴリ型）または 'object'。"
                "auto のときは、categorical_features='from_dtype' の推定器には category を選ぶ。",
    )


# bases in reverse manifest order: pydantic puts the last base's fields first
class CrossValidationParameters(SeedParameters, _CrossValidationOwnParameters):
    """The parameters of the ``generalisation_stability`` AIT."""


@ait(
    id="generalisation_stability",
    version="1.0.0",
    title="Generalisation stability (cross-validation)",
    description=(
        "k-fold cross-validation of the model's scikit-learn estimator on the training data: "
        "mean, standard deviation, worst and best fold, the train/validation gap across folds, "
        "and (with a test dataset) the fitted model's train/test gap."
    ),
    characteristics=["C-2"],
    external_qualities=["AIPL", "AISL"],
    keywords=["cross-validation", "generalisation", "overfitting", "stability", "k-fold"],
    references=[
        {"title": "scikit-learn: Cross-validation",
         "url": "https://scikit-learn.org/stable/modules/cross_validation.html"},
    ],
    inventories=[
        {"name": "train", "kind": "dataset", "requires_target": True,
         "description": "The training data (features and target)."},
        {"name": "model", "kind": "model",
         "description": "A scikit-learn compatible estimator (skops, or trusted joblib/pickle); "
                        "it is cloned and refitted, so ONNX, HTTP and predictions do not work."},
        {"name": "test", "kind": "dataset", "requires_target": True, "required": False,
         "description": "Optional held-out test data for the fitted model's train/test gap."},
    ],
    parameters=CrossValidationParameters,
    measures=[
        {**_SCORE, "name": "cv_score_mean", "description": "Mean validation score over folds."},
        {"name": "cv_score_std", "type": "float", "min": 0.0, "direction": "lower",
         "description": "Standard deviation of the validation scores (population, ddof=0)."},
        {**_SCORE, "name": "cv_score_min", "description": "Worst fold's validation score."},
        {**_SCORE, "name": "cv_score_max", "description": "Best fold's validation score."},
        {"name": "cv_score_range", "type": "float", "min": 0.0, "direction": "lower",
         "description": "Best minus worst fold score."},
        {**_SCORE, "name": "cv_scores", "structure": "sequence",
         "description": "Validation score of each fold, in fold order."},
        {**_SCORE, "name": "cv_train_score_mean",
         "description": "Mean score on the training part of each fold."},
        {"name": "cv_train_validation_gap", "type": "float", "direction": "lower",
         "description": "Mean training score minus mean validation score across folds."},
        {**_SCORE, "name": "train_score",
         "description": "The fitted model's score on the train dataset (the same sample as "
                        "the cross-validation)."},
        {**_SCORE, "name": "test_score",
         "description": "The fitted model's score on the test dataset (a sample of at most "
                        "max_rows rows)."},
        {"name": "train_test_gap", "type": "float", "direction": "lower",
         "description": "train_score minus test_score."},
        {"name": "n_rows_used", "type": "int", "min": 0, "direction": "none",
         "description": "Rows cross-validated."},
    ],
    resources=[
        {"name": "folds", "kind": "table",
         "description": "Per fold: rows, training score, validation score, fit seconds."},
        {"name": "fold_scores", "kind": "figure",
         "description": "Training and validation score of each fold."},
    ],
)
def generalisation_stability(ctx: Context[CrossValidationParameters]) -> None:
    """Cross-validate a clone of the model's estimator on ``train``."""
    # lazy: heavy, and the AIT modules load with every registry
    from sklearn.base import clone, is_classifier
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import KFold, StratifiedKFold, cross_validate
    from threadpoolctl import threadpool_limits

    params = ctx.params
    model = ctx.model("model")
    estimator = _estimator(model)
    train = ctx.dataset("train")
    train.require_target()
    classifier = is_classifier(estimator)
    scoring = params.scoring
    if scoring == "auto":
        scoring = "accuracy" if classifier else "r2"
    seed = params.seed
    rows = sample_rows(train, params.max_rows, seed)
    X, y = _xy(model, train, estimator, rows, params.string_columns)
    n_splits = params.n_splits
    if len(y) < n_splits:
        raise DataError(f"dataset {train.name!r} has {len(y)} rows, fewer than n_splits="
                        f"{n_splits}; use fewer folds or more data")
    cv = (StratifiedKFold(n_splits, shuffle=True, random_state=seed)
          if classifier and params.stratified
          else KFold(n_splits, shuffle=True, random_state=seed))
    ctx.progress(0, 3)
    try:
        # one native thread per fit: the engine already runs one test per core, and
        # oversubscribed OpenMP (e.g. HistGradientBoosting) slows down by an order of magnitude
        with threadpool_limits(limits=1):
            result = cross_validate(clone(estimator), X, y, cv=cv, scoring=scoring,
                                    return_train_score=True, error_score="raise", n_jobs=1)
    except ValueError as exc:
        raise DataError(f"cross-validation failed: {exc}") from exc
    ctx.progress(2, 3)
    val = np.asarray(result["test_score"], dtype=np.float64)
    fit = np.asarray(result["train_score"], dtype=np.float64)
    ctx.measure("cv_scores", val)
    ctx.measure("cv_score_mean", val.mean())
    ctx.measure("cv_score_std", val.std())
    ctx.measure("cv_score_min", val.min())
    ctx.measure("cv_score_max", val.max())
    ctx.measure("cv_score_range", val.max() - val.min())
    ctx.measure("cv_train_score_mean", fit.mean())
    ctx.measure("cv_train_validation_gap", fit.mean() - val.mean())
    ctx.measure("n_rows_used", len(y))
    sizes = [len(v) for _, v in cv.split(X, y)]
    ctx.resource("folds", [
        {"fold": i + 1, "validation_rows": sizes[i], "train_score": float(fit[i]),
         "validation_score": float(val[i]), "fit_seconds": float(result["fit_time"][i])}
        for i in range(len(val))
    ])
    ctx.resource("fold_scores", _figure(fit, val, scoring))

    scorer = get_scorer(scoring)
    train_score = float(scorer(estimator, X, y))
    ctx.measure("train_score", train_score)
    if ctx.has_input("test"):
        test = ctx.dataset("test")
        test.require_target()
        X_test, y_test = _xy(model, test, estimator, sample_rows(test, params.max_rows, seed),
                             params.string_columns)
        test_score = float(scorer(estimator, X_test, y_test))
        ctx.measure("test_score", test_score)
        ctx.measure("train_test_gap", train_score - test_score)
    else:
        reason = "no `test` dataset is bound; bind one to compare train and test scores"
        ctx.undefined("test_score", reason)
        ctx.undefined("train_test_gap", reason)
    ctx.progress(3, 3)


def _estimator(model: ModelAdapter) -> Any:
    adapter = getattr(model, "adapter", model)
    est = adapter.estimator
    if est is None or not hasattr(est, "fit") or not hasattr(est, "get_params"):
        how = {"onnx": "an ONNX graph cannot be refitted",
               "http": "a model behind an HTTP endpoint cannot be refitted",
               "predictions": "a predictions column cannot be refitted"}.get(
            adapter.kind, "it has no scikit-learn `fit`/`get_params`")
        raise DataError(
            f"AIT 'generalisation_stability' refits the model's estimator on folds of the "
            f"training data, but {how} (inventory {adapter.inventory!r}, kind {adapter.kind!r}). "
            "Bind the scikit-learn model itself: a skops file, or a joblib/pickle file marked "
            "`trusted: true`"
        )
    return est


def _xy(
    model: ModelAdapter, ds: Dataset, estimator: Any, rows: np.ndarray | None, string_columns: str
) -> tuple[pd.DataFrame | np.ndarray, np.ndarray]:
    adapter = getattr(model, "adapter", model)
    view: Dataset = ds
    if rows is not None and len(rows) < ds.num_rows:
        # lazy: heavy, and the AIT modules load with every registry
        import pyarrow as pa

        view = FrameDataset(ds.table.take(pa.array(rows)), name=ds.name, target=ds.target,
                            features=ds.features)
    X = adapter.features_for(view) if hasattr(adapter, "features_for") else view.X()
    y = np.asarray(view.y())
    if _as_category(string_columns, estimator) and hasattr(X, "select_dtypes"):
        X = X.copy()
        for col in X.select_dtypes(include=["object", "string"]).columns:
            X[col] = X[col].astype("category")
    return X, y


def _as_category(choice: str, estimator: Any) -> bool:
    if choice != "auto":
        return choice == "category"
    params = estimator.get_params(deep=True)
    return any(k.endswith("categorical_features") and v == "from_dtype" for k, v in params.items())


def _figure(fit: np.ndarray, val: np.ndarray, scoring: str) -> Any:
    # lazy: heavy, and the AIT modules load with every registry
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.5, 3.8), layout="constrained")
    ax = fig.add_subplot()
    folds = np.arange(1, len(val) + 1)
    ax.plot(folds, fit, "o-", label="training part")
    ax.plot(folds, val, "s-", label="validation fold")
    ax.axhline(val.mean(), color="grey", ls="--", lw=1, label=f"mean {val.mean():.4f}")
    ax.set(xlabel="fold", ylabel=scoring, xticks=folds)
    ax.set_title(f"Cross-validation ({len(val)} folds)", fontsize="medium")
    ax.legend(fontsize="small")
    return fig
