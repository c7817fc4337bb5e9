"""Benchmark `aiqm run`: the demo project, a 1M x 25 dataset, and per-test executor overhead.

Usage::

    .venv/bin/python benchmarks/bench_run.py [--rows 1000000] [--out benchmarks/out]

Every measured job is a fresh `aiqm` process; wall time is measured around it and
peak memory is the largest total resident memory of its whole process tree
(main process, forkserver and workers), sampled every 20 ms with psutil.
The baseline is a hand-written numpy/pyarrow script that reads the same Parquet
file and computes the same numbers as the two AITs, in one process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import measure

HERE = Path(__file__).resolve().parent
AIQM = [sys.executable, "-m", "aiqm.cli"]


def make_big(d: Path, rows: int, seed: int = 0) -> Path:
    """N x 25: 16 numeric features (two with 1% NaN), 5 categorical, label, prediction, 2 probabilities."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    d.mkdir(parents=True, exist_ok=True)
    path = d / "big.parquet"
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {}
    for i in range(16):
        kind = i % 4
        if kind == 0:
            x = rng.normal(size=rows)
        elif kind == 1:
            x = rng.lognormal(size=rows)
        elif kind == 2:
            x = rng.uniform(size=rows)
        else:
            x = np.where(rng.random(rows) < 0.5, rng.normal(-2, 1, rows), rng.normal(2, 1, rows))
        if i in (3, 7):
            x[rng.random(rows) < 0.01] = np.nan
        cols[f"num_{i}"] = x
    for j, card in enumerate((2, 5, 10, 30, 100)):
        cols[f"cat_{j}"] = pa.array(rng.integers(0, card, rows).astype(str)).dictionary_encode()
    logit = 0.8 * np.nan_to_num(cols["num_0"]) - 0.5 * np.nan_to_num(cols["num_2"]) - 0.9
    p = 1 / (1 + np.exp(-(logit + rng.normal(0, 0.7, rows))))
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    cols["label"] = y
    cols["proba_0"] = 1 - p
    cols["proba_1"] = p
    cols["pred"] = (p >= 0.5).astype(np.int64)
    pq.write_table(pa.table(cols), path)
    return path


BIG_YAML = textwrap.dedent(
    """\
    component: {name: big, task: binary_classification}
    inventories:
      big: {kind: dataset, path: big.parquet, target: label}
      scores: {kind: predictions, dataset: big, column: pred, proba_columns: [proba_0, proba_1], classes: [0, 1]}
    tests:
      - name: completeness
        characteristic: B-3
        ait: data_completeness@1
        inventories: {dataset: big}
      - name: performance
        characteristic: C-1
        ait: classification_performance@1
        inventories: {dataset: big, model: scores}
        # the baseline computes point estimates only: no bootstrap intervals here
        parameters: {n_bootstrap: 0}
    settings: {cache: true}
    """
)


def make_big_project(d: Path, rows: int) -> Path:
    make_big(d, rows)
    (d / "aiqm.yaml").write_text(BIG_YAML)
    return d


BASELINE = textwrap.dedent(
    """\
    import sys, numpy as np, pyarrow.parquet as pq, pyarrow.compute as pc, pandas as pd
    t = pq.read_table(sys.argv[1])
    n = t.num_rows
    # completeness: missing per column and row, exact duplicate rows
    miss = np.zeros(n, dtype=bool); per_col = []
    for c in t.columns:
        m = c.is_null(nan_is_null=True).to_numpy(zero_copy_only=False)
        per_col.append(m.mean()); miss |= m
    h = pd.util.hash_pandas_object(t.to_pandas(), index=False).to_numpy()
    dup = n - np.unique(h).size
    # classification: confusion matrix, accuracy, balanced accuracy, P/R/F1, ROC-AUC, log loss
    y = t["label"].to_numpy(); pred = t["pred"].to_numpy(); p = t["proba_1"].to_numpy()
    cm = np.bincount(y * 2 + pred, minlength=4).reshape(2, 2)
    tn, fp, fn, tp = cm.ravel()
    acc = (tp + tn) / n; rec1 = tp / (tp + fn); rec0 = tn / (tn + fp)
    prec1 = tp / (tp + fp); prec0 = tn / (tn + fn)
    f1 = [2 * a * b / (a + b) for a, b in ((prec0, rec0), (prec1, rec1))]
    order = np.argsort(p, kind="mergesort"); ranks = np.empty(n); ranks[order] = np.arange(1, n + 1)
    npos = y.sum(); auc = (ranks[y == 1].sum() - npos * (npos + 1) / 2) / (npos * (n - npos))
    pc_ = np.clip(p, 1e-15, 1 - 1e-15)
    ll = -np.mean(y * np.log(pc_) + (1 - y) * np.log(1 - pc_))
    print(acc, (rec0 + rec1) / 2, np.mean(f1), auc, ll, np.mean(per_col), dup)
    """
)


def overhead(tmp: Path, n: int = 20) -> dict:
    d = tmp / "overhead"
    d.mkdir(parents=True, exist_ok=True)
    lines = ["component: {name: o, task: other}", "tests:"]
    lines += [f"  - {{name: t{i}, characteristic: C-1, ait: fake@1, parameters: {{value: {i}}}}}"
              for i in range(n)]
    lines.append("settings: {plugins: [aiqm.testing.faults], cache: false}")
    (d / "aiqm.yaml").write_text("\n".join(lines) + "\n")
    measure([*AIQM, "run", str(d), "--json"])  # warm the OS caches
    proc = measure([*AIQM, "run", str(d), "--json", "--workers", "1"])
    inline = measure([*AIQM, "run", str(d), "--json", "--executor", "inline"])
    return {"tests": n, "process_workers1": proc, "inline": inline,
            "overhead_per_test_s": round((proc["wall_s"] - inline["wall_s"]) / n, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict = {"rows": args.rows}

    demo = args.out / "demo"
    subprocess.run([*AIQM, "demo", str(demo)], check=True, capture_output=True)
    results["demo_run"] = measure([*AIQM, "run", str(demo), "--no-cache", "--json"])

    big = make_big_project(args.out / f"big-{args.rows}", args.rows)
    for sub in ("cache",):
        import shutil

        shutil.rmtree(big / ".aiqm" / sub, ignore_errors=True)
    results["big_cold"] = measure([*AIQM, "run", str(big), "--no-cache", "--json", "--accept-changes"])
    results["big_warm"] = measure([*AIQM, "run", str(big), "--no-cache", "--json"])
    script = args.out / "baseline.py"
    script.write_text(BASELINE)
    results["baseline"] = measure([sys.executable, str(script), str(big / "big.parquet")])
    results["ratio_warm_vs_baseline"] = round(
        results["big_warm"]["wall_s"] / results["baseline"]["wall_s"], 2)
    results["ratio_cold_vs_baseline"] = round(
        results["big_cold"]["wall_s"] / results["baseline"]["wall_s"], 2)
    results["overhead"] = overhead(args.out)

    for k in ("demo_run", "big_cold", "big_warm", "baseline"):
        r = results[k]
        if r["returncode"] not in (0, 1):
            print(f"{k} failed: {r['stderr']}", file=sys.stderr)
        print(f"{k:10s} {r['wall_s']:7.2f} s  {r['peak_rss_mb']:8.1f} MB  rc={r['returncode']}")
    print(f"ratio (warm run / baseline): {results['ratio_warm_vs_baseline']}")
    print(f"ratio (cold run / baseline): {results['ratio_cold_vs_baseline']}")
    print(f"process-executor overhead per test: {results['overhead']['overhead_per_test_s']} s")
    for r in (results["demo_run"], results["big_cold"], results["big_warm"], results["baseline"]):
        r.pop("stdout", None)
    (args.out / "bench_run.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
