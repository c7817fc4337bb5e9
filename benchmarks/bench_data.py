"""Benchmark the data-quality AITs against Evidently and Deepchecks on identical data.

Usage::

    .venv/bin/python benchmarks/bench_data.py [--rows 100000 1000000] [--repeats 3] [--no-peers]

For each N, ``_common.make_workload(N)`` writes reference.parquet and
current.parquet (N rows each: 20 numeric + 5 categorical features, a label,
a model's prediction and probability; 5 of the 25 features drift in the
current split). Measured, each as one fresh process tree (wall time; peak
resident memory of the process and all its children, sampled every 20 ms):

- drift: ``aiqm run`` of a project with one ``data_drift`` test (reference vs
  current, the 25 features) against Evidently 0.7.23's ``DataDriftPreset`` on
  the same 25 columns, and Deepchecks 0.19.1's ``train_test_validation`` suite;
- integrity: ``aiqm run`` of a project with ``dataset_profile`` and
  ``data_adequacy`` on the reference split (25 features + label) against
  Deepchecks' ``data_integrity`` suite on the same frame.

aiqm runs cold (its ``.aiqm`` folder is deleted first, so it hashes the files,
converts them to its Arrow cache and profiles them), ``--repeats`` times; the
median is reported. Each peer runs once in its own virtual environment
(``_common.peer_python``) and reads the same Parquet files. Results go to
``benchmarks/out/bench_data.json`` and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CATEGORICAL, HERE, NUMERIC, make_workload, measure, peer_python

AIQM = [sys.executable, "-m", "aiqm.cli"]
FEATURES = NUMERIC + CATEGORICAL

DRIFT_YAML = textwrap.dedent(
    """\
    component: {{name: drift-benchmark, task: binary_classification}}
    inventories:
      reference: {{kind: dataset, path: reference.parquet, target: label}}
      current: {{kind: dataset, path: current.parquet, target: label}}
    tests:
      - name: data drift
        characteristic: E-1
        ait: data_drift@1
        inventories: {{reference: reference, current: current}}
        parameters: {{columns: {features}}}
        criteria: [{{measure: drifted_column_ratio, op: "<=", value: 0.3}}]
    """
)

INTEGRITY_YAML = textwrap.dedent(
    """\
    component: {{name: integrity-benchmark, task: binary_classification}}
    inventories:
      reference: {{kind: dataset, path: reference.parquet, target: label}}
    tests:
      - name: profile
        characteristic: B-3
        ait: dataset_profile@1
        inventories: {{dataset: reference}}
        parameters: {{columns: {columns}}}
      - name: adequacy
        characteristic: B-3
        ait: data_adequacy@1
        inventories: {{dataset: reference}}
        parameters: {{columns: {columns}}}
        criteria: [{{measure: duplicate_row_ratio, op: "<=", value: 0.01}}]
    """
)

EVIDENTLY_DRIFT = textwrap.dedent(
    """\
    import sys, warnings
    warnings.filterwarnings("ignore")
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset
    features = {features}
    ref, cur = (pd.read_parquet(p, columns=features) for p in sys.argv[1:3])
    snapshot = Report([DataDriftPreset()]).run(cur, ref)
    metrics = snapshot.dict()["metrics"]
    print("metrics:", len(metrics))
    """
)

DEEPCHECKS_SCRIPT = textwrap.dedent(
    """\
    import os, sys, warnings
    os.environ["DISABLE_DEEPCHECKS_ANONYMOUS_TELEMETRY"] = "True"
    warnings.filterwarnings("ignore")
    import pandas as pd
    from deepchecks.tabular import Dataset
    from deepchecks.tabular.suites import data_integrity, train_test_validation
    features, categorical = {features}, {categorical}

    def load(path):
        return Dataset(pd.read_parquet(path, columns=features + ["label"]), label="label",
                       cat_features=categorical)

    if sys.argv[1] == "integrity":
        suite = data_integrity()
        result = suite.run(load(sys.argv[2]))
    else:
        suite = train_test_validation()
        result = suite.run(train_dataset=load(sys.argv[2]), test_dataset=load(sys.argv[3]))
    print("checks:", len(suite.checks), "results:", len(result.results))
    """
)


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)  # the same file without a copy; a symlink would leave the project
    except OSError:
        shutil.copyfile(src, dst)


def make_projects(rows: int, out: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    paths = make_workload(rows)
    drift = out / f"data-{rows}" / "drift"
    integrity = out / f"data-{rows}" / "integrity"
    _link(paths["reference"], drift / "reference.parquet")
    _link(paths["current"], drift / "current.parquet")
    _link(paths["reference"], integrity / "reference.parquet")
    (drift / "aiqm.yaml").write_text(DRIFT_YAML.format(features=json.dumps(FEATURES)))
    (integrity / "aiqm.yaml").write_text(
        INTEGRITY_YAML.format(columns=json.dumps([*FEATURES, "label"])))
    return {"drift": drift, "integrity": integrity}, paths


def run_aiqm(project: Path, repeats: int) -> dict:
    runs = []
    for _ in range(repeats):
        shutil.rmtree(project / ".aiqm", ignore_errors=True)  # cold: no cache, no store
        r = measure([*AIQM, "run", str(project), "--json", "--workers", "2"], pss=True)
        if r["returncode"] not in (0, 1):
            raise SystemExit(f"aiqm failed:\n{r['stderr']}\n{r['stdout']}")
        summary = json.loads(r["stdout"][r["stdout"].index("{"):])
        r["tests"] = {t["name"]: {"status": t["status"], "duration_s": t.get("duration_s")}
                      for t in summary["tests"]}
        r.pop("stdout")
        runs.append(r)
        print(f"  aiqm {project.name}: {r['wall_s']:.2f} s, {r['peak_rss_mb']:.0f} MB "
              f"{r['tests']}", flush=True)
    walls = [r["wall_s"] for r in runs]
    median = runs[walls.index(statistics.median_low(walls))]
    return {"runs": runs, "median_wall_s": statistics.median(walls),
            "peak_rss_mb": median["peak_rss_mb"]}


def run_peer(peer: str, script: str, args: list[str], out: Path, name: str) -> dict:
    py = peer_python(peer)
    path = out / f"{name}.py"
    path.write_text(script)
    r = measure([str(py), str(path), *args], pss=True)
    r["stdout"] = r["stdout"][-300:]
    print(f"  {name}: {r['wall_s']:.1f} s, {r['peak_rss_mb']:.0f} MB, rc={r['returncode']}",
          flush=True)
    if r["returncode"] != 0:
        print(r["stderr"][-2000:], flush=True)
    return r


def _ratio(peer: dict, aiqm: dict) -> float | None:
    return round(peer["wall_s"] / aiqm["median_wall_s"], 1) if peer.get("returncode") == 0 else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-peers", action="store_true", help="time aiqm only")
    ap.add_argument("--peers", nargs="+", choices=("evidently", "deepchecks"),
                    default=["evidently", "deepchecks"], help="which peers to run")
    ap.add_argument("--work", nargs="+", choices=("drift", "integrity"), default=["drift", "integrity"],
                    help="what to measure (results of the other kind are kept from earlier runs)")
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results_path = args.out / "bench_data.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    dc = DEEPCHECKS_SCRIPT.format(features=repr(FEATURES), categorical=repr(CATEGORICAL))
    for rows in args.rows:
        print(f"N = {rows}", flush=True)
        projects, paths = make_projects(rows, args.out)
        ref, cur = str(paths["reference"]), str(paths["current"])
        res: dict = results.get(str(rows), {})
        res["load_average_before"] = os.getloadavg()
        if "drift" in args.work:
            res["aiqm_drift"] = run_aiqm(projects["drift"], args.repeats)
        if "integrity" in args.work:
            res["aiqm_integrity"] = run_aiqm(projects["integrity"], args.repeats)
        peers = [] if args.no_peers else args.peers
        if "evidently" in peers and "drift" in args.work:
            res["evidently_drift"] = run_peer(
                "evidently", EVIDENTLY_DRIFT.format(features=repr(FEATURES)), [ref, cur], args.out,
                "evidently_data_drift")
        if "deepchecks" in peers and "drift" in args.work:
            res["deepchecks_train_test"] = run_peer(
                "deepchecks", dc, ["train_test", ref, cur], args.out, "deepchecks_train_test")
        if "deepchecks" in peers and "integrity" in args.work:
            res["deepchecks_integrity"] = run_peer(
                "deepchecks", dc, ["integrity", ref], args.out, "deepchecks_integrity")
        res["load_average_after"] = os.getloadavg()
        res["speedup"] = {
            name: _ratio(res[peer], res[ours]) for name, peer, ours in (
                ("drift_vs_evidently", "evidently_drift", "aiqm_drift"),
                ("drift_vs_deepchecks_train_test", "deepchecks_train_test", "aiqm_drift"),
                ("integrity_vs_deepchecks", "deepchecks_integrity", "aiqm_integrity"))
            if peer in res and ours in res
        }
        results[str(rows)] = res
        results_path.write_text(json.dumps(results, indent=2))
    print(table(results))


def table(results: dict) -> str:
    """The results as the Markdown table of benchmarks/README.md."""
    lines = ["| work | N | aiqm (median of runs) | peer | peer time, memory | aiqm faster by |",
             "|---|---:|---|---|---|---:|"]
    pairs = (("drift", "aiqm_drift", "evidently_drift", "Evidently DataDriftPreset"),
             ("drift", "aiqm_drift", "deepchecks_train_test", "Deepchecks train_test_validation"),
             ("integrity + profile", "aiqm_integrity", "deepchecks_integrity",
              "Deepchecks data_integrity"))
    for rows, res in sorted(results.items(), key=lambda kv: int(kv[0])):
        for work, ours, peer, label in pairs:
            if peer not in res:
                continue
            a, p = res[ours], res[peer]
            peer_cell = (f"{p['wall_s']:.1f} s, {p['peak_rss_mb'] / 1024:.2f} GB"
                         if p["returncode"] == 0 else f"failed (rc={p['returncode']})")
            ratio = _ratio(p, a)
            lines.append(f"| {work} | {int(rows):,} | {a['median_wall_s']:.2f} s, "
                         f"{a['peak_rss_mb'] / 1024:.2f} GB | {label} | {peer_cell} | "
                         f"{'—' if ratio is None else f'{ratio}×'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
