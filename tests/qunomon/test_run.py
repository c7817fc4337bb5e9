"""An imported Qunomon AIT runs as a test: typed values, artifacts, every failure as ERR."""

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

import psutil
import pytest
from tests.qunomon._packages import PNG, typed_package

from aiqm.core.results import Status
from aiqm.qunomon.store import AITStore
from aiqm.services import aits as ait_service
from aiqm.services.runs import RunOptions, run_project
from aiqm.storage import open_project_store

TEST = ("  - {{name: {name}, characteristic: C-1, ait: eval_fixture_typed@0.4, "
        "inventories: {{data_csv: table}}, parameters: {params}{extra}}}\n")


def _project(root: Path, tests: list[tuple[str, str, str]], settings: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "data.csv").write_text("a,b\n1,2\n3,4\n5,6\n", encoding="utf-8")
    text = textwrap.dedent("""\
        component: {name: q, task: other}
        inventories:
          table: {kind: document, path: data.csv}
        tests:
        """)
    for name, params, extra in tests:
        text += TEST.format(name=name, params=params, extra=extra)
    (root / "aiqm.yaml").write_text(text + settings, encoding="utf-8")
    return root


def _my_ait_processes() -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["cmdline"]):
        cmd = p.info.get("cmdline") or []
        if any(c.endswith("my_ait.py") for c in cmd):
            out.append(p)
    return out


def test_values_are_typed_and_resources_and_downloads_are_stored(typed, tmp_path: Path) -> None:
    crit = (', criteria: [{measure: accuracy, op: ">=", value: 0.7}, '
            '{measure: passed, op: "==", value: false}, '
            '{measure: per_class, op: ">", value: 0.1, aggregate: all}, '
            '{measure: flags, op: "==", value: true, aggregate: any}]')
    root = _project(tmp_path / "p", [
        ("typed", "{threshold: 0.75, n_items: 4, verbose: false, label: xyz}", crit),
        ("bool true", "{verbose: true}", ', criteria: [{measure: passed, op: "==", value: true}]'),
    ])
    summary = run_project(root)
    by = {r.td_name: r for r in summary.results}
    r = by["typed"]
    assert r.status == Status.OK, r.error
    got = {m.name: m.value for m in r.measures}
    assert got == {"count": 3, "accuracy": 0.75, "per_class": [0.2, 0.4, 0.6, 0.8],
                   "passed": False, "flags": [True, False, True, False]}
    assert type(got["count"]) is int and type(got["passed"]) is bool
    # "True" is True (and "False" above is False), unlike bool("False") in Qunomon
    assert by["bool true"].status == Status.OK and by["bool true"].measure("passed").value is True
    res = {x.name: x for x in r.resources}
    assert set(res) == {"plot", "worst_items", "summary", "blob", "log", "raw_data"}
    assert res["plot"].kind == "figure" and res["plot"].media_type == "image/png"
    assert res["worst_items"].kind == "table" and res["summary"].kind == "text"
    assert res["blob"].kind == "download" and res["raw_data"].kind == "download"
    store, artifacts = open_project_store(root)
    try:
        assert artifacts.get_bytes(res["plot"].digest) == PNG
        assert json.loads(artifacts.get_bytes(res["worst_items"].digest)) == {
            "columns": ["item", "score"], "rows": [["b", 0.25], ["a", 0.5]]}
        summary_text = artifacts.get_bytes(res["summary"].digest).decode()
        assert summary_text.startswith("label=xyz python=")
        assert artifacts.get_bytes(res["blob"].digest) == bytes(range(16))
        assert artifacts.get_bytes(res["raw_data"].digest) == b"1,2\n3,4\n5,6"
        assert b"mode ok" in artifacts.get_bytes(res["log"].digest)  # the SDK's Log download
        run = store.get_run(summary.run.id)
        assert run.environment["ait_packages"] == {
            "aiqm.ait:eval_fixture_typed@0.4.0": typed.record.digest}
    finally:
        store.close()
    # the input document carried strings in the package's own names
    doc = json.loads(next((root / ".aiqm" / "runs").rglob("ait.input.json")).read_text())
    params = {p["Name"]: p["Value"] for p in doc["MethodParams"]}
    assert params["verbose"] in ("False", "True") and params["n_items"] in ("4", "3")
    assert doc["Inventories"][0]["Name"] == "Data_CSV"


def test_each_failure_is_err_with_its_reason(typed, tmp_path: Path) -> None:
    root = _project(tmp_path / "p", [
        ("error", "{mode: error}", ""),
        ("crash", "{mode: crash}", ""),
        ("hang", "{mode: hang}", ", timeout: 2"),
        ("memory", "{mode: memory}", ", memory_limit_mb: 250"),
        ("no output", "{mode: no_output}", ""),
        ("bad value", "{mode: bad_value}", ""),
        ("ok", "{}", ""),
    ], settings="settings: {workers: 2}\n")
    summary = run_project(root)
    by = {r.td_name: r for r in summary.results}
    assert {n: r.status for n, r in by.items()} == {
        "error": Status.ERR, "crash": Status.ERR, "hang": Status.ERR, "memory": Status.ERR,
        "no output": Status.ERR, "bad value": Status.ERR, "ok": Status.OK}
    assert by["error"].error.startswith("the AIT reported error E999:")
    assert "ValueError: threshold is not usable here" in by["error"].error
    assert "exited with code 3 without writing ait.output.json" in by["crash"].error
    assert "time limit of 2 s" in by["hang"].error
    assert "memory limit of 250 MB" in by["memory"].error
    assert "wrote no output document" in by["no output"].error
    assert "measure 'Accuracy' must be a float single value; got 'high'" in by["bad value"].error
    # nothing the hung or memory-hungry entry scripts started is left running
    deadline = time.monotonic() + 10
    while _my_ait_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _my_ait_processes() == []


def test_results_are_cached_and_a_replaced_package_is_not_served_from_cache(
    typed, store: AITStore, tmp_path: Path,
) -> None:
    root = _project(tmp_path / "p", [("typed", "{n_items: 2}", "")])
    first = run_project(root).results[0]
    again = run_project(root).results[0]
    assert first.status == again.status == Status.OK
    assert again.cached_from is not None
    # same id@version, other content: refused unless replaced, and then not cached
    pkg = typed_package(tmp_path / "changed")
    (pkg / "repository" / "my_ait.py").write_text(
        (pkg / "repository" / "my_ait.py").read_text().replace('"Count", len(rows)', '"Count", 99'))
    with pytest.raises(Exception, match="already imported from other content"):
        ait_service.import_package(pkg, env="current", store=store)
    ait_service.import_package(pkg, env="current", store=store, replace=True)
    third = run_project(root).results[0]
    assert third.cached_from is None and third.measure("count").value == 99


def test_inline_executor_applies_the_time_limit_itself(typed, tmp_path: Path) -> None:
    root = _project(tmp_path / "p", [("hang", "{mode: hang}", ", timeout: 1.5")])
    r = run_project(root, RunOptions(executor="inline")).results[0]
    assert r.status == Status.ERR and "time limit of 1.5 s" in r.error
    assert _my_ait_processes() == []


def test_an_imported_ait_may_not_shadow_a_builtin(store: AITStore, tmp_path: Path) -> None:
    pkg = typed_package(tmp_path / "pkg", name="data_drift", version="9.0")
    with pytest.raises(Exception, match=r"name: the AIT id 'data_drift'.*already provided by builtin"):
        ait_service.import_package(pkg, env="current", store=store)


def test_a_killed_run_leaves_nothing_running_and_resumes(typed, tmp_path: Path) -> None:
    root = _project(tmp_path / "p", [
        ("first", "{}", ""), ("hang", "{mode: hang}", ", timeout: 4"), ("last", "{n_items: 2}", ""),
    ], settings="settings: {workers: 1}\n")
    proc = subprocess.Popen([sys.executable, "-m", "aiqm.cli", "run", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    runs = root / ".aiqm" / "runs"
    started = None
    deadline = time.monotonic() + 60
    while started is None and time.monotonic() < deadline:  # until the hanging AIT runs
        started = next(runs.rglob("started.txt"), None) if runs.exists() else None
        time.sleep(0.1)
    assert started is not None, "the hanging test never started"
    os.killpg(proc.pid, signal.SIGKILL)  # the whole `aiqm run`: parent, forkserver, workers …
    proc.wait()
    deadline = time.monotonic() + 10
    while _my_ait_processes() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _my_ait_processes() == []  # … and the AIT's processes, which share its group
    con = sqlite3.connect(root / ".aiqm" / "aiqm.db")
    done_before = {r[0] for r in con.execute("select td_name from td_results")}
    con.close()
    assert done_before == {"first"}
    summary = run_project(root, RunOptions(resume=True))
    by = {r.td_name: r for r in summary.results}
    assert set(by) == {"first", "hang", "last"} and summary.run.status == "finished"
    assert by["last"].status == Status.OK and by["hang"].status == Status.ERR


def test_an_imported_ait_passes_the_conformance_suite(typed, tmp_path: Path) -> None:
    from aiqm.plugins.manager import load_registry
    from aiqm.testing import check_ait

    ait = load_registry().get("eval_fixture_typed@0.4")
    csv = tmp_path / "rows.csv"
    csv.write_text("a\n1\n2\n", encoding="utf-8")
    result = check_ait(ait, documents={"data_csv": csv}, params={"n_items": 2},
                       workdir=tmp_path / "wd")
    assert result.measures["count"] == 2 and result.measures["per_class"] == [0.3333, 0.6667]
