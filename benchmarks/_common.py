"""Shared benchmark helpers: the peer workload, peer virtual environments, measurement.

The workload follows ``shared/reference/peer-speed.md``: N rows in a reference
split and N rows in a current split; 20 numeric features (normal, lognormal,
uniform, bimodal; two with 1 % NaN), 5 categorical (cardinality 2/5/10/30/100),
a binary label (~29 % positive); drift in 5 of the 25 columns of the current
split; a HistGradientBoostingClassifier's predictions stored with the data.
Everything is generated from a seed, so every tool reads identical Parquet files.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

NUMERIC = [f"num_{i}" for i in range(20)]
CATEGORICAL = [f"cat_{j}" for j in range(5)]
CARDINALITY = (2, 5, 10, 30, 100)
DRIFTED = ["num_0", "num_5", "num_10", "num_15", "cat_2"]  # 5 of 25 drift in "current"

# Peer versions and the pins they need to install side by side (peer-speed.md)
PEERS = {
    "evidently": ["evidently==0.7.23", "pandas<3", "pyarrow"],
    "deepchecks": [
        "deepchecks==0.19.1", "scikit-learn<1.8", "numpy<2", "pyarrow<24", "plotly<6",
        "pandas<3", "setuptools<81",
    ],
}


def _split(n: int, rng: np.random.Generator, drift: bool) -> dict[str, np.ndarray]:
    cols: dict[str, np.ndarray] = {}
    for i, name in enumerate(NUMERIC):
        shift = 0.5 if (drift and name in DRIFTED) else 0.0
        kind = i % 4
        if kind == 0:
            x = rng.normal(shift, 1, n)
        elif kind == 1:
            x = rng.lognormal(shift, 0.6, n)
        elif kind == 2:
            x = rng.uniform(shift, 1 + shift, n)
        else:
            x = np.where(rng.random(n) < 0.5, rng.normal(-2 + shift, 1, n), rng.normal(2, 1, n))
        if i in (3, 7):
            x[rng.random(n) < 0.01] = np.nan
        cols[name] = x
    for j, (name, card) in enumerate(zip(CATEGORICAL, CARDINALITY, strict=True)):
        p = np.ones(card) / card
        if drift and name in DRIFTED:
            p = np.linspace(1, 3, card)
            p /= p.sum()
        cols[name] = np.array([f"c{j}_{k}" for k in range(card)])[rng.choice(card, n, p=p)]
    z = (0.9 * np.nan_to_num(cols["num_0"]) - 0.6 * cols["num_2"]
         + 0.4 * (cols["cat_0"] == "c0_1") - 1.2 + rng.normal(0, 0.8, n))
    cols["label"] = (z > 0).astype(np.int64)
    return cols


def make_workload(n: int, directory: Path | None = None, seed: int = 0) -> dict[str, Path]:
    """Write reference.parquet and current.parquet (N rows each) with model outputs.

    Columns: the 25 features, ``label``, ``prediction`` and ``proba`` (the
    positive-class probability of a HistGradientBoostingClassifier trained on a
    separate sample of the reference distribution). Reuses existing files.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sklearn.ensemble import HistGradientBoostingClassifier

    d = directory or OUT / f"workload-{n}"
    d.mkdir(parents=True, exist_ok=True)
    paths = {"reference": d / "reference.parquet", "current": d / "current.parquet",
             "model": d / "model.skops"}
    if all(p.exists() for p in paths.values()):
        return paths
    rng = np.random.default_rng(seed)
    train = pd.DataFrame(_split(min(n, 200_000), rng, drift=False))
    for c in CATEGORICAL:
        train[c] = train[c].astype("category")
    model = HistGradientBoostingClassifier(max_iter=50, categorical_features="from_dtype",
                                           random_state=seed)
    features = NUMERIC + CATEGORICAL
    model.fit(train[features], train["label"])
    import skops.io as sio

    sio.dump(model, paths["model"])
    for name, drift in (("reference", False), ("current", True)):
        frame = pd.DataFrame(_split(n, rng, drift))
        x = frame[features].copy()
        for c in CATEGORICAL:
            x[c] = pd.Categorical(x[c], categories=train[c].cat.categories)
        proba = model.predict_proba(x)[:, 1]
        frame["prediction"] = (proba >= 0.5).astype(np.int64)
        frame["proba"] = proba
        tmp = paths[name].with_suffix(".parquet.tmp")
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
        tmp.replace(paths[name])  # atomic: a concurrent run never reads half a file
    (d / "workload.json").write_text(json.dumps(
        {"rows": n, "seed": seed, "numeric": NUMERIC, "categorical": CATEGORICAL,
         "drifted": DRIFTED, "label": "label", "prediction": "prediction", "proba": "proba"},
        indent=2))
    return paths


def peer_python(peer: str) -> Path:
    """The python of the peer's own venv (benchmarks/.venv-<peer>), created on first use."""
    venv = HERE / f".venv-{peer}"
    py = venv / "bin" / "python"
    marker = venv / ".installed"
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *PEERS[peer], "psutil"], check=True)
        marker.write_text("ok\n")
    return py


def measure(cmd: list[str], cwd: Path | None = None, env: dict | None = None, *,
            pss: bool = False) -> dict:
    """Wall time and peak resident memory of a command's whole process tree.

    Memory is sampled every 20 ms with psutil (main process plus all descendants,
    e.g. aiqm's forkserver and workers); the list of descendants is refreshed
    every 100 ms, because listing them scans /proc and would steal CPU from the
    measured command. ``peak_rss_mb`` sums the resident sets, so pages shared by
    several processes (a forkserver's preloaded libraries) count once per
    process; with ``pss=True`` the peak proportional set size (shared pages
    split between their processes) is reported too, as ``peak_pss_mb``.
    Output goes to temporary files, not pipes, so a chatty command cannot block.
    """
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        peak = peak_pss = 0
        root = psutil.Process(proc.pid)
        procs = [root]
        tick = 0
        while proc.poll() is None:
            if tick % 5 == 0:
                with contextlib.suppress(psutil.Error):
                    procs = [root, *root.children(recursive=True)]
            tick += 1
            total = total_pss = 0
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    if pss:
                        info = p.memory_full_info()
                        total += info.rss
                        total_pss += info.pss
                    else:
                        total += p.memory_info().rss
            peak = max(peak, total)
            peak_pss = max(peak_pss, total_pss)
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    result = {"wall_s": round(wall, 3), "peak_rss_mb": round(peak / 2**20, 1),
              "returncode": proc.returncode, "stdout": stdout.decode(errors="replace")[-4000:],
              "stderr": stderr.decode(errors="replace")[-4000:]}
    if pss:
        result["peak_pss_mb"] = round(peak_pss / 2**20, 1)
    return result


if __name__ == "__main__":  # python benchmarks/_common.py 100000
    print(make_workload(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
