"""The process executor turns each kind of AIT failure into that test's ERR."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from aiqm.core.results import Status
from aiqm.services.runs import RunOptions, run_project
from aiqm.storage import open_project_store

FAULTS = textwrap.dedent(
    """\
    component: {name: faults, task: other}
    inventories: {}
    tests:
      - {name: ok one, characteristic: C-1, ait: fake@1, parameters: {value: 1},
         criteria: [{measure: value, op: ">=", value: 1}]}
      - {name: raises, characteristic: C-1, ait: fault_raise@1}
      - {name: hangs, characteristic: C-1, ait: fault_sleep@1, parameters: {seconds: 60},
         timeout: 1.5}
      - {name: exits, characteristic: C-1, ait: fault_exit@1, parameters: {code: 7}}
      - {name: eats memory, characteristic: C-1, ait: fault_memory@1, parameters: {mb: 2048},
         memory_limit_mb: 300}
      - {name: bad measure, characteristic: C-1, ait: fault_bad_measure@1}
      - {name: ok two, characteristic: C-1, ait: fake@1, parameters: {values: [0.5, 0.7]},
         criteria: [{measure: values, op: ">", value: 0.6, aggregate: any}]}
      - {name: ng, characteristic: C-1, ait: fake@1, parameters: {value: 0.2},
         criteria: [{measure: value, op: ">=", value: 0.5}]}
    settings: {plugins: [aiqm.testing.faults], workers: 2}
    """
)


def _project(tmp_path: Path, text: str = FAULTS) -> Path:
    (tmp_path / "aiqm.yaml").write_text(text)
    return tmp_path


def test_each_fault_is_err_with_reason_and_others_ok(tmp_path):
    summary = run_project(_project(tmp_path))
    by = {r.td_name: r for r in summary.results}
    assert len(by) == 8
    assert by["ok one"].status == Status.OK
    assert by["ok two"].status == Status.OK
    assert by["ng"].status == Status.NG
    assert by["raises"].status == Status.ERR and "boom" in by["raises"].error
    assert by["hangs"].status == Status.ERR and "time limit of 1.5 s" in by["hangs"].error
    assert by["exits"].status == Status.ERR and "exited with code 7" in by["exits"].error
    assert by["eats memory"].status == Status.ERR and "memory limit of 300 MB" in by["eats memory"].error
    assert by["bad measure"].status == Status.ERR and "outside its declared range" in by["bad measure"].error
    assert summary.exit_code == 1
    # the failing AIT's traceback is in its log artifact
    assert by["raises"].log is not None
    store, artifacts = open_project_store(tmp_path)
    try:
        assert b"RuntimeError" in artifacts.get_bytes(by["raises"].log.digest)
        run = store.get_run("latest")
        assert run.status == "finished"
        assert [r.td_name for r in store.results(run.id)] == [t for t in by]
    finally:
        store.close()
    db = sqlite3.connect(tmp_path / ".aiqm" / "aiqm.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_inline_executor_runs_in_process(tmp_path):
    text = FAULTS.split("  - {name: hangs")[0] + "settings: {plugins: [aiqm.testing.faults]}\n"
    summary = run_project(_project(tmp_path, text), RunOptions(executor="inline"))
    by = {r.td_name: r.status for r in summary.results}
    assert by == {"ok one": Status.OK, "raises": Status.ERR}
    assert summary.run.executor == "inline"


def test_results_are_cached_by_ait_params_and_inputs(tmp_path):
    text = FAULTS.split("  - {name: raises")[0] + "settings: {plugins: [aiqm.testing.faults]}\n"
    p = _project(tmp_path, text)
    first = run_project(p)
    second = run_project(p)
    assert second.results[0].status == Status.OK
    assert second.results[0].cached_from == first.run.id
    third = run_project(p, RunOptions(use_cache=False))
    assert third.results[0].cached_from is None
    # a changed parameter misses the cache
    (p / "aiqm.yaml").write_text(text.replace("{value: 1}", "{value: 2}"))
    fourth = run_project(p)
    assert fourth.results[0].cached_from is None
    assert fourth.results[0].measure("value").value == 2.0


RESUME = textwrap.dedent(
    """\
    component: {name: resume, task: other}
    tests:
      - {name: a, characteristic: C-1, ait: fake@1, parameters: {value: 1}}
      - {name: b, characteristic: C-1, ait: fake@1, parameters: {value: 2}}
      - {name: slow, characteristic: C-1, ait: fault_sleep@1, parameters: {seconds: 2}}
      - {name: c, characteristic: C-1, ait: fake@1, parameters: {value: 3}}
    settings: {plugins: [aiqm.testing.faults], workers: 1, cache: false}
    """
)


def _count_results(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(db, timeout=5)
        try:
            return con.execute("select count(*) from td_results").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def test_resume_after_killed_run_completes_only_missing(tmp_path):
    p = _project(tmp_path, RESUME)
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiqm.cli", "run", str(p), "--json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    db = p / ".aiqm" / "aiqm.db"
    deadline = time.monotonic() + 60
    while _count_results(db) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole run: parent, forkserver and workers
    proc.wait()
    store, _ = open_project_store(p)
    try:
        run = store.get_run("latest")
        before = {r.td_name: r for r in store.results(run.id)}
    finally:
        store.close()
    assert run.status == "running"  # killed: never marked finished
    assert {"a", "b"} <= set(before) and "c" not in before

    summary = run_project(p, RunOptions(resume=True))
    assert summary.run.id == run.id
    assert summary.run.status == "finished"
    after = {r.td_name: r for r in summary.results}
    assert set(after) == {"a", "b", "slow", "c"}
    for name, r in before.items():  # untouched: same timings as before the kill
        assert after[name].started_at == r.started_at
    assert all(r.status == Status.OK for r in summary.results)


def test_resume_without_interrupted_run_is_input_error(tmp_path):
    from aiqm.exceptions import InputError

    p = _project(tmp_path, RESUME)
    with pytest.raises(InputError, match="no interrupted run"):
        run_project(p, RunOptions(resume=True))


def test_json_summary_from_cli(tmp_path):
    text = FAULTS.split("  - {name: raises")[0] + "settings: {plugins: [aiqm.testing.faults]}\n"
    p = _project(tmp_path, text)
    out = subprocess.run(
        [sys.executable, "-m", "aiqm.cli", "run", str(p), "--json"],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["counts"]["OK"] == 1 and doc["tests"][0]["measures"]["value"] == 1.0
