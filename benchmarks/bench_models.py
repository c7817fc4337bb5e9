"""Benchmark the model-quality suite against Evidently's and Deepchecks' model evaluation.

Usage::

    .venv/bin/python benchmarks/bench_models.py [--rows 1000000] [--repeats 3] [--no-peers]

Workload: ``_common.make_workload(rows)`` — a reference split and a current (test)
split of ``rows`` rows each, 25 features, a binary label and a
HistGradientBoostingClassifier saved with skops (see peer-speed.md).

- **aiqm**: one ``aiqm run`` of a project with the whole model suite (seven AITs,
  listed in ``TESTS``) on the skops model, cold (no ``.aiqm`` state: the Parquet
  files are read and materialised, the model predicts the test split once, and
  the AITs share those predictions). Repeated ``--repeats`` times; the median
  is reported. **aiqm (matched)** runs only the tests whose checks Deepchecks'
  suite also has (``MATCHED``).
- **Deepchecks 0.19.1**: ``model_evaluation()`` on the same splits with an
  equivalent HistGradientBoostingClassifier (same hyper-parameters, trained in
  Deepchecks' own venv on the first 200k reference rows, untimed), saved as HTML.
- **Evidently 0.7.23**: ``ClassificationPreset`` on the same splits from the
  stored prediction columns (Evidently does not call models), saved as HTML.

Every measured job is a fresh process; wall time is measured around it and
peak memory is the largest total resident memory of its process tree (psutil,
every 20 ms; see ``_common.measure``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CATEGORICAL, HERE, NUMERIC, make_workload, measure, peer_python

AIQM = [sys.executable, "-m", "aiqm.cli"]

HEADER = textwrap.dedent(
    """\
    component: {{name: hgb-benchmark, task: binary_classification}}
    inventories:
      train: {{kind: dataset, path: data/reference.parquet, target: label, features: {features}}}
      test: {{kind: dataset, path: data/current.parquet, target: label, features: {features}}}
      model: {{kind: model, path: model.skops, trusted_types: {trusted}}}
    settings: {{timeout: 1800, memory_limit_mb: 8192}}
    tests:
    """
)

#: The whole model suite: (name, AIT, inventories, parameters), in run order.
TESTS = [
    ("performance, calibration, curves, slices, bootstrap CIs", "C-1",
     "classification_performance@1", "{dataset: test, model: model}",
     "{slice_by: [cat_0, cat_1, cat_2, num_0, num_1], n_bootstrap: 200}"),
    ("cross-validation and train/test gap", "C-2", "generalisation_stability@1",
     "{train: train, test: test, model: model}", "{n_splits: 5, max_rows: 50000}"),
    ("adversarial robustness", "C-2", "adversarial_robustness@1", "{dataset: test, model: model}",
     "{n_samples: 10, max_queries: 1000, max_iter: 10}"),
    ("group fairness", "AIFL", "group_fairness@1", "{dataset: test, model: model}",
     "{sensitive: [cat_0, cat_1]}"),
    ("permutation importance", "C-1", "explainability@1", "{dataset: test, model: model}",
     "{max_samples: 5000, n_repeats: 5}"),
    ("noise and swap robustness", "C-2", "perturbation_robustness@1",
     "{dataset: test, model: model}", "{max_samples: 5000}"),
    ("determinism and latency", "D-1", "software_reliability@1", "{dataset: test, model: model}",
     "{}"),
    ("performance on the training split", "C-1", "classification_performance@1",
     "{dataset: train, model: model}", "{n_bootstrap: 0}"),
]
#: In the matched suite only (Deepchecks reports train and test performance side by side;
#: the full suite has the train/test gap from cross-validation instead).
MATCHED_ONLY = ("performance on the training split",)
#: The tests whose checks Deepchecks' model_evaluation also has (performance, ROC, confusion
#: matrix, calibration, weak segments; feature importance; inference time).
MATCHED = ("performance, calibration, curves, slices, bootstrap CIs", "permutation importance",
           "determinism and latency", *MATCHED_ONLY)


def suite_yaml(features: str, trusted: str, names: tuple[str, ...] | None = None) -> str:
    """The project file with all tests, or only those in ``names``."""
    lines = [HEADER.format(features=features, trusted=trusted).rstrip("\n")]
    for name, char, ref, inventories, params in TESTS:
        if (name in names) if names is not None else (name not in MATCHED_ONLY):
            lines.append(f"  - {{name: {name!r}, characteristic: {char}, ait: {ref}, "
                         f"inventories: {inventories}, parameters: {params}}}")
    return "\n".join(lines) + "\n"


DEEPCHECKS_TRAIN = textwrap.dedent(
    """\
    import pickle, sys
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier
    features = {features}
    train = pd.read_parquet(sys.argv[1]).iloc[:200_000]
    for c in {categorical}:
        train[c] = train[c].astype("category")
    model = HistGradientBoostingClassifier(max_iter=50, categorical_features="from_dtype",
                                           random_state=0).fit(train[features], train["label"])
    pickle.dump(model, open(sys.argv[2], "wb"))
    """
)

DEEPCHECKS_RUN = textwrap.dedent(
    """\
    import os, pickle, sys, warnings
    os.environ["DISABLE_DEEPCHECKS_ANONYMOUS_TELEMETRY"] = "True"
    warnings.filterwarnings("ignore")
    import pandas as pd
    from deepchecks.tabular import Dataset
    from deepchecks.tabular.suites import model_evaluation
    features = {features}
    frames = []
    for path in sys.argv[1:3]:
        df = pd.read_parquet(path)
        for c in {categorical}:
            df[c] = df[c].astype("category")
        frames.append(df[features + ["label"]])
    model = pickle.load(open(sys.argv[3], "rb"))
    train = Dataset(frames[0], label="label", cat_features={categorical})
    test = Dataset(frames[1], label="label", cat_features={categorical})
    suite = model_evaluation()
    result = suite.run(train_dataset=train, test_dataset=test, model=model)
    result.save_as_html(sys.argv[4])
    print("checks:", len(suite.checks), [type(c).__name__ for c in suite.checks.values()])
    """
)

EVIDENTLY_RUN = textwrap.dedent(
    """\
    import sys, warnings
    warnings.filterwarnings("ignore")
    import pandas as pd
    from evidently import BinaryClassification, DataDefinition, Dataset, Report
    from evidently.presets import ClassificationPreset
    definition = DataDefinition(
        classification=[BinaryClassification(target="label", prediction_labels="prediction",
                                             prediction_probas="proba")],
        numerical_columns={numeric}, categorical_columns={categorical})
    ref, cur = (Dataset.from_pandas(pd.read_parquet(p), data_definition=definition)
                for p in sys.argv[1:3])
    snapshot = Report([ClassificationPreset()]).run(cur, ref)
    snapshot.save_html(sys.argv[3])
    print("metrics:", len(snapshot.dict().get("metrics", [])))
    """
)


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)  # same file, no copy; a symlink would leave the project folder
    except OSError:
        shutil.copyfile(src, dst)


def make_project(
    rows: int, out: Path, names: tuple[str, ...] | None = None, suffix: str = ""
) -> tuple[Path, dict[str, Path]]:
    """An aiqm project: the workload files hard-linked in, the suite as aiqm.yaml."""
    import skops.io as sio

    paths = make_workload(rows)
    d = out / f"models-{rows}{suffix}"
    _link(paths["reference"], d / "data" / "reference.parquet")
    _link(paths["current"], d / "data" / "current.parquet")
    _link(paths["model"], d / "model.skops")
    trusted = sorted(sio.get_untrusted_types(file=paths["model"]))  # reviewed: sklearn's own
    features = json.dumps(NUMERIC + CATEGORICAL)
    (d / "aiqm.yaml").write_text(suite_yaml(features, json.dumps(trusted), names))
    return d, paths


def run_aiqm(project: Path, repeats: int) -> dict:
    """Time ``repeats`` cold runs of the project; median wall time and its peak memory."""
    runs = []
    for _ in range(repeats):
        shutil.rmtree(project / ".aiqm", ignore_errors=True)  # cold: no cache, no store
        r = measure([*AIQM, "run", str(project), "--json", "--workers", "2"])
        if r["returncode"] not in (0, 1):
            raise SystemExit(f"aiqm failed:\n{r['stderr']}")
        report = project / ".aiqm" / "report.json"  # untimed: what each test did
        subprocess.run([*AIQM, "report", "latest", "-C", str(project), "--format", "json",
                        "-o", str(report)], check=True, capture_output=True)
        tests = json.loads(report.read_text())["tests"]
        r["tests"] = {t["name"]: {"status": t["status"], "duration_s": t["duration_s"],
                                  "measures": len(t["measures"])} for t in tests}
        r.pop("stdout")
        runs.append(r)
        print(f"aiqm run ({project.name}): {r['wall_s']:.1f} s, {r['peak_rss_mb']:.0f} MB",
              flush=True)
    walls = [r["wall_s"] for r in runs]
    median = runs[walls.index(statistics.median_low(walls))]
    return {"runs": runs, "median_wall_s": statistics.median(walls),
            "peak_rss_mb": median["peak_rss_mb"], "tests": median["tests"]}


def run_deepchecks(paths: dict[str, Path], out: Path) -> dict:
    py = peer_python("deepchecks")
    names = {"features": repr(NUMERIC + CATEGORICAL), "categorical": repr(CATEGORICAL)}
    train, run = out / "deepchecks_train.py", out / "deepchecks_run.py"
    train.write_text(DEEPCHECKS_TRAIN.format(**names))
    run.write_text(DEEPCHECKS_RUN.format(**names))
    model = out / "deepchecks_model.pkl"
    if not model.exists():
        measure([str(py), str(train), str(paths["reference"]), str(model)])
    r = measure([str(py), str(run), str(paths["reference"]), str(paths["current"]), str(model),
                 str(out / "deepchecks_model_evaluation.html")])
    print(f"deepchecks: {r['wall_s']:.1f} s, {r['peak_rss_mb']:.0f} MB, rc={r['returncode']}",
          flush=True)
    return r


def run_evidently(paths: dict[str, Path], out: Path) -> dict:
    py = peer_python("evidently")
    script = out / "evidently_run.py"
    script.write_text(EVIDENTLY_RUN.format(numeric=repr(NUMERIC), categorical=repr(CATEGORICAL)))
    r = measure([str(py), str(script), str(paths["reference"]), str(paths["current"]),
                 str(out / "evidently_classification.html")])
    print(f"evidently: {r['wall_s']:.1f} s, {r['peak_rss_mb']:.0f} MB, rc={r['returncode']}",
          flush=True)
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-peers", action="store_true", help="time aiqm only")
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    project, paths = make_project(args.rows, args.out)
    matched, _ = make_project(args.rows, args.out, MATCHED, "-matched")
    results: dict = {"rows": args.rows, "aiqm": run_aiqm(project, args.repeats),
                     "aiqm_matched": run_aiqm(matched, args.repeats)}
    if not args.no_peers:
        results["deepchecks"] = run_deepchecks(paths, args.out)
        results["evidently"] = run_evidently(paths, args.out)
        for peer in ("deepchecks", "evidently"):
            for suite in ("aiqm", "aiqm_matched"):
                key = f"speedup_{suite}_vs_{peer}"
                results[key] = round(results[peer]["wall_s"] / results[suite]["median_wall_s"], 2)
                print(f"{suite} is {results[key]}× faster than {peer}")
    (args.out / f"bench_models-{args.rows}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
