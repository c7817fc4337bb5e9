"""Use case: build the demo project from scikit-learn's bundled breast-cancer data."""

from __future__ import annotations

from pathlib import Path

from aiqm.core.project import PROJECT_FILE

__all__ = ["create_demo_project"]

DEMO_YAML = """\
# Demo project written by `aiqm demo`: breast-cancer diagnosis (scikit-learn's bundled data).
component:
  name: breast-cancer-classifier
  task: binary_classification
  guideline: aist-mlqm@3
  levels: {AISL: "0.2", AIPL: "2"}
  description: Logistic regression that flags malignant tumours from cell-nucleus measurements.

inventories:
  train: {kind: dataset, path: data/train.parquet, target: diagnosis}
  test:  {kind: dataset, path: data/test.parquet, target: diagnosis}
  model: {kind: model, path: models/model.skops}
  scores:                      # the same model's predictions stored as columns of the test set
    kind: predictions
    dataset: test_scored
    column: predicted
    proba_columns: [proba_benign, proba_malignant]
    classes: [benign, malignant]
  test_scored: {kind: dataset, path: data/test_scored.parquet, target: diagnosis}

tests:
  - name: test accuracy
    characteristic: C-1
    ait: classification_performance@1
    inventories: {dataset: test, model: model}
    parameters: {positive_label: malignant}
    criteria:
      - {measure: accuracy, op: ">=", value: 0.95}
      - {measure: roc_auc, op: ">=", value: 0.98}
      - {measure: recall_per_class, op: ">=", value: 0.9, aggregate: all}
  - name: train fit
    characteristic: C-1
    ait: classification_performance@1
    inventories: {dataset: train, model: model}
    parameters: {positive_label: malignant}
    criteria:
      - {measure: accuracy, op: between, value: [0.95, 1.0]}
  - name: accuracy from stored predictions
    characteristic: C-1
    ait: classification_performance@1
    inventories: {dataset: test_scored, model: scores}
    parameters: {positive_label: malignant}
    criteria:
      - {measure: accuracy, op: ">=", value: 0.95}
  - name: training data completeness
    characteristic: B-3
    ait: data_completeness@1
    inventories: {dataset: train}
    criteria:
      - {measure: missing_ratio, op: "==", value: 0}
      - {measure: duplicate_row_ratio, op: "<=", value: 0.01}
  - name: test data completeness
    characteristic: B-3
    ait: data_completeness@1
    inventories: {dataset: test}
    criteria:
      - {measure: missing_ratio, op: "==", value: 0}
"""


def create_demo_project(directory: str | Path, *, seed: int = 0) -> Path:
    """Write the demo project: Parquet train/test split, a skops model, ``aiqm.yaml``.

    Parameters
    ----------
    directory : path
        Where to write it (created; existing demo files are overwritten).
    seed : int, default=0
        Seed of the split and the model.

    Returns
    -------
    Path
        The project folder.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = create_demo_project(tmp)
    ...     sorted(p.name for p in folder.iterdir())
    ['aiqm.yaml', 'data', 'models']
    """
    import numpy as np  # lazy: heavy (~1 s); only the demo needs it
    import pandas as pd  # lazy: heavy (~1 s); only the demo needs it
    import pyarrow as pa  # lazy: heavy (~1 s); only the demo needs it
    import pyarrow.parquet as pq  # lazy: heavy (~1 s); only the demo needs it
    import skops.io as sio  # lazy: heavy (~1 s); only the demo needs it
    from sklearn.datasets import load_breast_cancer  # lazy: heavy (~1 s); only the demo needs it
    from sklearn.linear_model import LogisticRegression  # lazy: heavy; only the demo needs it
    from sklearn.model_selection import train_test_split  # lazy: heavy; only the demo needs it
    from sklearn.pipeline import make_pipeline  # lazy: heavy (~1 s); only the demo needs it
    from sklearn.preprocessing import StandardScaler  # lazy: heavy (~1 s); only the demo needs it

    d = Path(directory)
    (d / "data").mkdir(parents=True, exist_ok=True)
    (d / "models").mkdir(parents=True, exist_ok=True)
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.rename(columns=lambda c: c.replace(" ", "_"))
    # sklearn codes 0 = malignant, 1 = benign
    frame["diagnosis"] = np.where(frame.pop("target") == 0, "malignant", "benign")
    train, test = train_test_split(
        frame, test_size=0.3, random_state=seed, stratify=frame["diagnosis"]
    )
    features = [c for c in frame.columns if c != "diagnosis"]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=seed))
    model.fit(train[features], train["diagnosis"])
    pq.write_table(pa.Table.from_pandas(train, preserve_index=False), d / "data" / "train.parquet")
    pq.write_table(pa.Table.from_pandas(test, preserve_index=False), d / "data" / "test.parquet")
    scored = test.copy()
    scored["predicted"] = model.predict(test[features])
    proba = model.predict_proba(test[features])
    classes = list(model.classes_)
    scored["proba_benign"] = proba[:, classes.index("benign")]
    scored["proba_malignant"] = proba[:, classes.index("malignant")]
    pq.write_table(
        pa.Table.from_pandas(pd.DataFrame(scored), preserve_index=False),
        d / "data" / "test_scored.parquet",
    )
    sio.dump(model, d / "models" / "model.skops")
    (d / PROJECT_FILE).write_text(DEMO_YAML, encoding="utf-8")
    return d
