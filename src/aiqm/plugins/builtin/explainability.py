"""AIT ``explainability``: which features does the model rely on?

Permutation importance (scikit-learn's
:func:`~sklearn.inspection.permutation_importance`): the drop of a score when
one feature's values are shuffled, repeated ``n_repeats`` times for a spread.
It works with every model aiqm can call. With ``method: shap`` (needs
``pip install 'aiqm[explain]'``) the importance is the mean absolute SHAP value
from SHAP's model-agnostic permutation explainer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from aiqm.core.constraints import Interval, Options
from aiqm.core.parameters import Param, Parameters
from aiqm.exceptions import DataError
from aiqm.plugins.builtin._model.frames import Predictor, loadable_adapter, sample_rows
from aiqm.plugins.builtin._model.labels import as_labels
from aiqm.plugins.builtin._model.params import SeedParameters
from aiqm.plugins.builtin._model.plots import importance_figure
from aiqm.plugins.sdk import Context, ait

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ExplainabilityParameters", "explainability"]

#: SHAP explains this many sampled rows against this many background rows.
_SHAP_ROWS, _SHAP_BACKGROUND = 100, 50
_SCORINGS = ("auto", "accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "neg_log_loss",
             "r2", "neg_mean_absolute_error", "neg_root_mean_squared_error")


class _ExplainabilityOwnParameters(Parameters):
    """The parameters only ``explainability`` has (first in its manifest)."""

    method: str = Param(
        "permutation", Options(values=("permutation", "shap")),
        help="permutation (scikit-learn) or shap (needs aiqm[explain]).",
        help_ja="permutation（scikit-learn）か shap（aiqm[explain] が必要）。",
    )
    scoring: str = Param(
        "auto", Options(values=_SCORINGS),
        help="Permutation: the score whose drop is measured; auto: accuracy for a classifier, "
             "r2 for a regressor.",
        help_ja="permutation: 低下を測るスコア。auto のときは分類器なら accuracy、回帰器なら r2 を"
                "使う。",
    )
    n_repeats: int = Param(
        5, Interval(low=1, high=100),
        help="Permutation: shuffles per feature.",
        help_ja="permutation: 特徴量ごとにシャッフルする回数。",
    )
    max_samples: int = Param(
        5000, Interval(low=0, high=None),
        help="Rows sampled from the dataset (0: every row); SHAP explains at most 100 of them "
             "against 50 background rows.",
        help_ja="データセットから抽出する行数（0: すべての行）。SHAP はそのうち最大 100 行を、"
                "50 行の背景データに対して説明する。",
    )
    top_k: int = Param(
        10, Interval(low=1, high=100),
        help="Features shown in the figure and counted in top_k_share.",
        help_ja="図に表示し、top_k_share で数える特徴量の数。",
    )


# bases in reverse manifest order: pydantic puts the last base's fields first
class ExplainabilityParameters(SeedParameters, _ExplainabilityOwnParameters):
    """The parameters of the ``explainability`` AIT."""


@ait(
    id="explainability",
    version="1.0.0",
    title="Explainability (feature importance)",
    description=(
        "Permutation importance of every feature (scikit-learn) with its spread over repeats, "
        "or mean absolute SHAP values (optional extra), and a figure of the top features."
    ),
    characteristics=["C-1"],
    external_qualities=["AIPL", "AIFL"],
    keywords=["explainability", "feature importance", "permutation importance", "shap"],
    references=[
        {"title": "scikit-learn: Permutation feature importance",
         "url": "https://scikit-learn.org/stable/modules/permutation_importance.html"},
        {"title": "Lundberg & Lee (2017), A Unified Approach to Interpreting Model Predictions"},
    ],
    inventories=[
        {"name": "dataset", "kind": "dataset", "requires_target": True,
         "description": "Labelled data on which importance is measured (test data is best)."},
        {"name": "model", "kind": "model",
         "description": "A model aiqm can run (skops, ONNX, joblib or http)."},
    ],
    parameters=ExplainabilityParameters,
    measures=[
        {"name": "importance_mean", "type": "float", "structure": "sequence", "direction": "none",
         "description": "Per feature, in dataset order: mean score drop (permutation) or mean "
                        "|SHAP value|."},
        {"name": "importance_std", "type": "float", "structure": "sequence", "min": 0.0,
         "direction": "none",
         "description": "Per feature: standard deviation over repeats (permutation) or of "
                        "|SHAP value| over rows."},
        {"name": "top_feature_importance", "type": "float", "direction": "none",
         "description": "Importance of the most important feature."},
        {"name": "top_feature_index", "type": "int", "min": 0, "direction": "none",
         "description": "Position of the most important feature in the dataset's features."},
        {"name": "n_important_features", "type": "int", "min": 0, "direction": "none",
         "description": "Permutation: features whose mean drop exceeds twice its std; SHAP: "
                        "features with at least 1 % of the total."},
        {"name": "top_k_share", "type": "float", "min": 0.0, "max": 1.0, "direction": "none",
         "description": "Share of the total positive importance held by the top_k features."},
        {"name": "baseline_score", "type": "float", "direction": "none",
         "description": "Permutation: the score on the unshuffled sample."},
        {"name": "n_samples", "type": "int", "min": 0, "direction": "none",
         "description": "Rows used."},
    ],
    resources=[
        {"name": "top_features", "kind": "figure",
         "description": "The top_k features by importance with ±1 standard deviation."},
        {"name": "importances", "kind": "table",
         "description": "Every feature: rank, mean, std."},
    ],
)
def explainability(ctx: Context[ExplainabilityParameters]) -> None:
    """Measure feature importance of ``model`` on ``dataset``."""
    # lazy: heavy, and the AIT modules load with every registry
    import pyarrow as pa

    ds = ctx.dataset("dataset")
    target = ds.require_target()
    ds.require_rows()
    adapter = loadable_adapter(ctx.model("model"), "explainability",
                               "it predicts on rows with shuffled features")
    seed = ctx.params.seed
    rows = sample_rows(ds, ctx.params.max_samples, seed)
    features = list(ds.features)
    X = ds.table.take(pa.array(rows)).select(features).to_pandas()
    predictor = Predictor(adapter, features)
    y_raw = np.asarray(ds.y())[rows]
    classify = adapter.classes_ is not None
    y = as_labels(y_raw, f"target column {target!r}") if classify else y_raw.astype(np.float64)
    ctx.measure("n_samples", len(X))
    ctx.progress(0, 2)
    if ctx.params.method == "shap":
        mean, std = _shap(X, predictor, classify, seed)
        important = int(np.sum(mean >= 0.01 * mean.sum())) if mean.sum() > 0 else 0
        ctx.undefined("baseline_score", "SHAP has no baseline score")
    else:
        mean, std, baseline = _permutation(ctx, X, y, predictor, classify, seed)
        important = int(np.sum((mean > 2 * std) & (mean > 0)))
        ctx.measure("baseline_score", baseline)
    ctx.progress(1, 2)
    _report(ctx, features, mean, std, important)
    ctx.progress(2, 2)


def _permutation(
    ctx: Context[ExplainabilityParameters], X: pd.DataFrame, y: np.ndarray, predictor: Predictor,
    classify: bool, seed: int,
) -> tuple[np.ndarray, np.ndarray, float]:
    # lazy: heavy, and the AIT modules load with every registry
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import check_scoring

    # lazy: the wrappers subclass scikit-learn classes, ~1 s to import at registry load
    from aiqm.plugins.builtin._model.wrappers import wrap_predictor

    scoring = ctx.params.scoring
    if scoring == "auto":
        scoring = "accuracy" if classify else "r2"
    estimator = wrap_predictor(predictor, y, classify)
    if scoring in ("roc_auc", "neg_log_loss") and not predictor.has_proba:
        raise DataError(f"scoring {scoring!r} needs class probabilities, which model "
                        f"{predictor.adapter.inventory!r} does not give; choose another scoring")
    scorer = check_scoring(estimator, scoring=scoring)
    try:
        baseline = float(scorer(estimator, X, y))
        result = permutation_importance(estimator, X, y, scoring=scoring,
                                        n_repeats=ctx.params.n_repeats,
                                        random_state=seed, n_jobs=1)
    except ValueError as exc:
        raise DataError(f"permutation importance with scoring {scoring!r} failed: {exc}") from exc
    return (np.asarray(result.importances_mean, dtype=np.float64),
            np.asarray(result.importances_std, dtype=np.float64), baseline)


def _shap(
    X: pd.DataFrame, predictor: Predictor, classify: bool, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    try:
        import shap  # lazy: optional extra aiqm[explain], and slow to import
    except ImportError as exc:
        raise ImportError(
            "method 'shap' needs the shap package; install it with: pip install 'aiqm[explain]'"
        ) from exc
    # lazy: heavy, and the AIT modules load with every registry
    import pandas as pd

    columns = list(X.columns)
    numeric = X.select_dtypes(include=["number", "bool"]).columns
    if len(numeric) != len(columns):
        text = [c for c in columns if c not in numeric]
        raise DataError(
            f"method 'shap' needs numeric features, but {', '.join(text[:10])} hold text or "
            "categories; use method 'permutation', which handles any feature"
        )
    rng = np.random.default_rng(seed)
    background = X.iloc[rng.choice(len(X), size=min(_SHAP_BACKGROUND, len(X)), replace=False)]
    explained = X.iloc[rng.choice(len(X), size=min(_SHAP_ROWS, len(X)), replace=False)]
    pos = -1

    def f(values: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame(values, columns=columns).astype(X.dtypes.to_dict())
        if classify and predictor.has_proba:
            return predictor.predict_proba(frame)[:, pos]
        return np.asarray(predictor.predict(frame), dtype=np.float64)

    masker = shap.maskers.Independent(background.to_numpy(dtype=np.float64),
                                      max_samples=len(background))
    explainer = shap.explainers.Permutation(f, masker, seed=seed)
    # one antithetic permutation per row (2·d + 1 evaluations): exact for additive models
    values = np.abs(explainer(explained.to_numpy(dtype=np.float64),
                              max_evals=2 * len(columns) + 1, silent=True).values)
    return values.mean(axis=0), values.std(axis=0)


def _report(
    ctx: Context[ExplainabilityParameters], features: list[str], mean: np.ndarray,
    std: np.ndarray, important: int,
) -> None:
    top_k = ctx.params.top_k
    order = np.argsort(-mean, kind="stable")
    ctx.measure("importance_mean", mean)
    ctx.measure("importance_std", std)
    ctx.measure("top_feature_importance", mean[order[0]])
    ctx.measure("top_feature_index", int(order[0]))
    ctx.measure("n_important_features", important)
    positive = np.clip(mean, 0, None)
    total = positive.sum()
    if total > 0:
        ctx.measure("top_k_share", float(positive[order[:top_k]].sum() / total))
    else:
        ctx.undefined("top_k_share", "no feature has a positive importance")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    ctx.resource("importances", [
        {"feature": f, "rank": int(rank[i]), "importance_mean": float(mean[i]),
         "importance_std": float(std[i])} for i, f in enumerate(features)
    ])
    method = "mean |SHAP value|" if ctx.params.method == "shap" else "permutation importance"
    ctx.resource("top_features", importance_figure(
        features, mean, std, top_k, f"Top {min(top_k, len(features))} features ({method})"))
