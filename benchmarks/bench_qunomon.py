"""Benchmark one imported Qunomon AIT under aiqm: import (cold venv build), warm runs, overhead.

Usage::

    .venv/bin/python benchmarks/bench_qunomon.py [--reps 3] [--exported]

Qunomon itself cannot run here (it needs a Docker daemon, Airflow and two
PostgreSQL servers), so the comparison is with what Qunomon's code and data
document (``shared/reference/qunomon-notes.md``, §1 and §6): every run goes through
DAG deployment, unpausing, a fixed ``sleep(2)`` and Airflow scheduler latency in
``job.py``, then starts one container per AIT; the sample MNIST AIT spent about
43 s inside its container alone.

Measured here, each a fresh ``aiqm`` process (wall time, peak RSS of its process tree):

- **import, cold**: ``aiqm ait import`` of a package in Qunomon's layout whose
  ``requirements.txt`` pins ``rich==13.9.4`` and bundles the SDK stand-in wheel — a
  fresh AIT store each time, so its virtual environment is built (pip installs from
  the machine's package mirror; pip's own download cache is warm after the first).
- **import, env cached**: the same requirements under another AIT name: the
  environment is found by digest, nothing is installed.
- **run, warm**: ``aiqm run --no-cache`` of a project with one test of that AIT
  (process executor): plan, hash inputs, start a worker, write ``ait.input.json``,
  start the entry script (which starts ``python3 my_ait.py``), read
  ``ait.output.json``, judge, store.
- **run, warm, inline**: the same with ``--executor inline`` (no worker processes, no
  forkserver preloading scikit-learn, pandas and matplotlib).
- **contract overhead**: the test's own duration (inside the worker) of the
  imported AIT minus that of aiqm's trivial in-process ``fake`` AIT in the same run.
- with ``--exported``: cold import of ``aiqm ait export data_drift`` in a venv
  (installs the bundled aiqm wheel and all its dependencies).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from _common import measure  # noqa: E402
from tests.qunomon._packages import env_package  # noqa: E402

AIQM = [sys.executable, "-m", "aiqm.cli"]

PROJECT = """\
component: {name: bench, task: other}
inventories: {}
tests:
  - {name: imported, characteristic: D-1, ait: eval_fixture_env@1,
     criteria: [{measure: pinned, op: "==", value: true}]}
  - {name: builtin fake, characteristic: D-1, ait: fake@1, parameters: {value: 1}}
settings: {plugins: [aiqm.testing.faults], workers: 1}
"""


def _env(store: Path) -> dict[str, str]:
    return {**os.environ, "AIQM_AIT_STORE": str(store), "MPLBACKEND": "Agg"}


def _check(res: dict, what: str) -> dict:
    if res.get("returncode", 0) not in (0, 1):
        raise SystemExit(f"{what} failed: {res}")
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--exported", action="store_true", help="also time the exported data_drift package")
    ap.add_argument("--out", type=Path, default=HERE / "out")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="aiqm-bench-qunomon-"))
    load_before = os.getloadavg()
    rows: dict[str, list[dict]] = {"import_cold": [], "import_cached": [], "run_warm": [],
                                   "run_warm_inline": [], "overhead": [], "exported_cold": []}
    try:
        pkg = env_package(work / "pkg")
        pkg2 = env_package(work / "pkg2", name="eval_fixture_env2")
        proj = work / "proj"
        proj.mkdir()
        (proj / "aiqm.yaml").write_text(PROJECT, encoding="utf-8")
        for rep in range(a.reps):
            store = work / f"store{rep}"
            env = _env(store)
            rows["import_cold"].append(_check(measure([*AIQM, "ait", "import", str(pkg)], env=env),
                                              "cold import"))
            rows["import_cached"].append(_check(measure([*AIQM, "ait", "import", str(pkg2)], env=env),
                                                "cached import"))
            # alternate: a warm run right after each import pair
            run = measure([*AIQM, "run", str(proj), "--no-cache", "--json"], env=env)
            rows["run_warm"].append(_check(run, "run"))
            try:
                doc = json.loads(run["stdout"])
            except ValueError:
                doc = {}
            tests = {t["name"]: t for t in doc.get("tests", [])}
            if tests:
                rows["overhead"].append({"wall_s": tests["imported"]["duration_s"]
                                         - tests["builtin fake"]["duration_s"]})
            rows["run_warm_inline"].append(_check(measure(
                [*AIQM, "run", str(proj), "--no-cache", "--executor", "inline"], env=env), "inline run"))
        if a.exported:
            zipped = work / "dd.zip"
            measure([*AIQM, "ait", "export", "data_drift", "-o", str(zipped)])
            for rep in range(a.reps):
                env = _env(work / f"xstore{rep}")
                rows["exported_cold"].append(_check(
                    measure([*AIQM, "ait", "import", str(zipped)], env=env), "exported import"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()

    def med(key: str, field: str = "wall_s") -> float | None:
        vals = [r[field] for r in rows[key] if field in r]
        return statistics.median(vals) if vals else None

    summary = {k: {"median_wall_s": med(k), "median_peak_rss_mb": med(k, "peak_rss_mb"),
                   "n": len(v)} for k, v in rows.items()}
    summary["load_average"] = {"before": load_before, "after": load_after}
    (a.out / "bench_qunomon.json").write_text(json.dumps({"summary": summary, "runs": rows},
                                                         indent=2, default=str))
    print(f"load average {load_before[0]:.1f} → {load_after[0]:.1f}; medians of {a.reps}")
    print("| step | aiqm (median) | Qunomon, as documented |")
    print("| --- | ---: | --- |")
    qunomon = {
        "import_cold": "docker build of the AIT image + push to the local registry (asynchronous; "
                       "'reload if it stays Processing')",
        "import_cached": "— (one image per AIT; no sharing by requirements)",
        "run_warm": "DAG deploy + unpause + sleep(2) + Airflow scheduling + container start, "
                    "before the AIT's own work",
        "run_warm_inline": "—",
        "overhead": "≥ 2 s fixed sleep per job, plus scheduler latency and container start-up",
        "exported_cold": "—",
    }
    for k, row in summary.items():
        if k == "load_average" or not row["n"]:
            continue
        rss = f", {row['median_peak_rss_mb']:.0f} MB" if row["median_peak_rss_mb"] else ""
        print(f"| {k} | {row['median_wall_s']:.2f} s{rss} | {qunomon[k]} |")


if __name__ == "__main__":
    main()
