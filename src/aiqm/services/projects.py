"""Use case: create a project skeleton."""

from __future__ import annotations

from pathlib import Path

from aiqm.core.project import PROJECT_FILE
from aiqm.exceptions import InputError

__all__ = ["SKELETON", "init_project"]

SKELETON = """\
# aiqm project file. Reference: docs/project-file.md; JSON Schema: `aiqm schema project`.
# Paths are relative to this folder and must stay inside it.

component:
  name: my-classifier                 # what you are evaluating
  task: binary_classification         # binary_classification | multiclass_classification | regression | other
  guideline: aist-mlqm@3              # the quality guideline (`aiqm guideline list`)
  levels: {AISL: "0.1", AIPL: "1"}    # target external levels of the guideline

inventories:                          # registered inputs; digests are checked on every run
  test:
    kind: dataset                     # dataset | model | predictions | document
    path: data/test.parquet           # CSV, Parquet, Arrow IPC or Feather
    target: label                     # the label column
  model:
    kind: model
    path: model.skops                 # skops, ONNX; joblib/pickle only with `trusted: true`
  # scores:                           # a model you cannot load: its predictions as a column
  #   kind: predictions
  #   dataset: test
  #   column: predicted_label

tests:                                # test descriptions: an AIT, its inputs, parameters, criteria
  - name: test accuracy
    characteristic: C-1               # a characteristic of the guideline
    ait: classification_performance@1 # `aiqm ait list` shows installed AITs
    inventories: {dataset: test, model: model}
    criteria:
      - {measure: accuracy, op: ">=", value: 0.9}
      - {measure: recall_per_class, op: ">=", value: 0.8, aggregate: all}
  - name: test data completeness
    characteristic: B-3
    ait: data_completeness@1
    inventories: {dataset: test}
    criteria:
      - {measure: missing_ratio, op: "<=", value: 0.01}

settings:
  executor: process                   # process (isolated, limits enforced) | inline
  timeout: 600                        # seconds per test
  memory_limit_mb: 4096               # resident memory per test
"""


def init_project(directory: str | Path, *, force: bool = False) -> Path:
    """Write a commented ``aiqm.yaml`` skeleton into ``directory`` (created if needed).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = init_project(tmp)
    ...     path.name, path.read_text(encoding="utf-8").startswith("# aiqm project file")
    ('aiqm.yaml', True)

    Raises
    ------
    InputError
        If the file exists and ``force`` is false.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    path = d / PROJECT_FILE
    if path.exists() and not force:
        raise InputError(f"{path} already exists; use --force to overwrite it")
    path.write_text(SKELETON, encoding="utf-8")
    return path
