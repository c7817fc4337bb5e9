"""The JSON API with per-user tokens, and real runs in worker processes: progress, results,
errors and logs, reports, cancel, restart and resume."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aiqm.storage import open_project_store

from .conftest import Web, make_web

pytestmark = pytest.mark.slow


def _api(web: Web, role: str) -> TestClient:
    client = TestClient(web.app)
    client.headers["Authorization"] = f"Bearer {web.token(role)}"
    return client


def _upload(api: TestClient, cid: int, name: str, path: Path, kind: str, **fields: str) -> Any:
    with path.open("rb") as fh:
        return api.post(f"/api/components/{cid}/inventories", data={"name": name, "kind": kind, **fields},
                        files={"file": (path.name, fh, "application/octet-stream")})


def _wait(api: TestClient, web_run_id: str, timeout: float = 180, until: Any = None) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = api.get(f"/api/runs/{web_run_id}").json()
        if (until(doc) if until else doc["status"] not in ("starting", "running")):
            return doc  # type: ignore[no-any-return]
        time.sleep(0.3)
    raise AssertionError(f"run {web_run_id} did not get there in {timeout} s: {doc}")


def _component(api: TestClient, bc: dict[str, Path], settings: dict[str, Any]) -> int:
    r = api.post("/api/components", json={
        "component": {"name": "bc", "task": "binary_classification", "levels": {"AIPL": "1"}},
        "settings": settings})
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert _upload(api, cid, "test", bc["test"], "dataset", target="diagnosis").status_code == 201
    assert _upload(api, cid, "model", bc["model"], "model").status_code == 201
    return int(cid)


ACCURACY = {"name": "accuracy", "characteristic": "C-1", "ait": "classification_performance@1",
            "inventories": {"dataset": "test", "model": "model"},
            "parameters": {"positive_label": "malignant", "n_bootstrap": 0},
            "criteria": [{"measure": "accuracy", "op": ">=", "value": 0.9}]}
COMPLETENESS = {"name": "completeness", "characteristic": "B-3", "ait": "data_completeness@1",
                "inventories": {"dataset": "test"},
                "criteria": [{"measure": "missing_ratio", "op": "<=", "value": 0.01}]}


def test_api_tokens_roles_and_cli_messages(web: Web, bc_files: dict[str, Path]) -> None:
    viewer, evaluator = _api(web, "viewer"), _api(web, "evaluator")
    assert viewer.post("/api/components", json={"component": {"name": "x", "task": "other"}}).status_code == 403
    cid = _component(evaluator, bc_files, {})
    r = evaluator.post(f"/api/components/{cid}/tests", json={**ACCURACY, "parameters": {"n_bootstrap": -1}})
    assert r.status_code == 400
    assert r.json()["error"] == ("The 'n_bootstrap' parameter of AIT 'classification_performance' must "
                                 "be an int in the range [0, 100000]. Got -1 instead.")
    t = evaluator.post(f"/api/components/{cid}/tests", json=ACCURACY)
    assert t.status_code == 201
    copy = evaluator.post(f"/api/components/{cid}/tests/{t.json()['id']}/copy").json()
    assert copy["name"] == "accuracy (copy)"
    assert evaluator.delete(f"/api/components/{cid}/tests/{copy['id']}").status_code == 204
    changed = evaluator.put(f"/api/components/{cid}/tests/{t.json()['id']}",
                            json={**ACCURACY, "criteria": [{"measure": "f1", "op": ">", "value": 0.5}]})
    assert changed.status_code == 200 and changed.json()["spec"]["criteria"][0]["measure"] == "f1"
    doc = viewer.get(f"/api/components/{cid}").json()
    assert [t["name"] for t in doc["tests"]] == ["accuracy"]
    assert {i["name"]: i["used_by"] for i in doc["inventories"]} == {"model": ["accuracy"], "test": ["accuracy"]}
    text = viewer.get(f"/api/components/{cid}/yaml").text
    assert "classification_performance@1" in text
    imported = evaluator.post("/api/import", json={"yaml": text.replace("name: bc", "name: bc-copy", 1)})
    assert imported.status_code == 201 and imported.json()["name"] == "bc-copy"
    assert viewer.get("/api/aits/data_completeness").json()["id"] == "data_completeness"
    assert viewer.get("/api/users").status_code == 403
    admin = _api(web, "admin")
    made = admin.post("/api/users", json={"username": "bob", "password": "bobs-password", "role": "viewer"})
    assert made.status_code == 201
    assert admin.patch(f"/api/users/{made.json()['id']}", json={"role": "evaluator"}).json()["role"] == "evaluator"


def test_a_run_from_the_api_executes_in_a_worker_and_reports(web: Web, bc_files: dict[str, Path]) -> None:
    admin, viewer = _api(web, "admin"), _api(web, "viewer")
    cid = _component(admin, bc_files, {"plugins": ["aiqm.testing.faults"], "workers": 2})
    for spec in (ACCURACY, COMPLETENESS, {"name": "always fails", "characteristic": "C-1",
                                          "ait": "fault_raise@1"}):
        assert admin.post(f"/api/components/{cid}/tests", json=spec).status_code == 201
    assert viewer.post(f"/api/components/{cid}/runs").status_code == 403
    t0 = time.monotonic()
    started = admin.post(f"/api/components/{cid}/runs")
    assert started.status_code == 202 and started.json()["status"] in ("starting", "running")
    handler_s = time.monotonic() - t0
    assert handler_s < 5  # the request only starts the worker
    assert admin.post(f"/api/components/{cid}/runs").status_code == 400  # one run per component
    run = _wait(viewer, started.json()["id"])
    assert run["status"] == "finished", run
    status = {t["name"]: t["status"] for t in run["tests"]}
    assert status == {"accuracy": "OK", "completeness": "OK", "always fails": "ERR"}
    assert run["counts"] == {"OK": 2, "NG": 0, "ERR": 1, "NA": 0} and run["exit_code"] == 1
    failed = next(t for t in run["tests"] if t["name"] == "always fails")
    assert "boom: this AIT always fails" in failed["error"]
    # the results are in the component folder's run store, as for `aiqm run`
    folder = web.home / "components" / str(cid)
    store, _ = open_project_store(folder)
    try:
        results = {r.td_name: r for r in store.results(run["run_id"])}
        assert store.get_run(run["run_id"]).status == "finished"
    finally:
        store.close()
    assert results["accuracy"].measure("accuracy").value >= 0.9
    report = json.loads(viewer.get(f"/api/runs/{run['id']}/report?format=json").text)
    assert report["run"]["id"] == run["run_id"]
    html = viewer.get(f"/api/runs/{run['id']}/report?format=html")
    assert html.status_code == 200 and "sandbox" in html.headers["content-security-policy"]
    # the pages: progress, error with its log, report and downloads
    page = web.client("viewer").get(f"/runs/{run['id']}/progress")
    assert "hx-trigger" not in page.text  # finished: the page stops polling
    assert "boom: this AIT always fails" in page.text and 'data-status="ERR"' in page.text
    log = web.client("viewer").get(f"/runs/{run['id']}/log", params={"test": "always fails"})
    assert log.status_code == 200
    assert web.client("viewer").get(f"/runs/{run['id']}/report").status_code == 200
    download = web.client("viewer").get(f"/runs/{run['id']}/report.json?download=1")
    assert download.headers["content-disposition"].startswith("attachment")
    assert json.loads(download.text)["run"]["id"] == run["run_id"]
    inline = web.client("viewer").get(f"/runs/{run['id']}/report.html")
    assert "sandbox" in inline.headers["content-security-policy"]
    history = viewer.get(f"/api/components/{cid}/runs").json()
    assert [h["id"] for h in history] == [run["id"]]

    # a stricter criterion, run again (cached AIT results are judged anew), then compare
    (acc,) = [t for t in viewer.get(f"/api/components/{cid}/tests").json() if t["name"] == "accuracy"]
    strict = {**ACCURACY, "criteria": [{"measure": "accuracy", "op": ">=", "value": 0.999}]}
    assert admin.put(f"/api/components/{cid}/tests/{acc['id']}", json=strict).status_code == 200
    second = _wait(viewer, admin.post(f"/api/components/{cid}/runs").json()["id"])
    assert {t["name"]: t["status"] for t in second["tests"]}["accuracy"] == "NG"
    diff = viewer.get(f"/api/components/{cid}/compare",
                      params={"before": run["id"], "after": second["id"]}).json()
    from aiqm.report.builder import load_report
    from aiqm.report.compare import compare_reports

    expected = compare_reports(
        load_report(viewer.get(f"/api/runs/{run['id']}/report?format=json").content),
        load_report(viewer.get(f"/api/runs/{second['id']}/report?format=json").content))
    want = expected.model_dump(mode="json")
    for key in ("tests", "inventories", "regressions"):  # the sides' report digests hold build times
        assert diff[key] == want[key]
    assert diff["before"]["run_id"] == run["run_id"] and diff["after"]["run_id"] == second["run_id"]
    assert diff["regressions"] == ["accuracy: status OK → NG"]
    page = web.client("viewer").get(f"/components/{cid}/compare",
                                    params={"before": run["id"], "after": second["id"]})
    assert page.status_code == 200 and 'data-change="regressed"' in page.text
    assert 'id="compare-form"' in web.client("viewer").get(f"/components/{cid}").text

    # the signed evidence bundle, verified as `aiqm verify` does with the server's public key
    bundle = web.client("evaluator").get(f"/runs/{second['id']}/bundle.zip")
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
    assert web.client("viewer").get(f"/runs/{second['id']}/bundle.zip").status_code == 403
    pub = web.client("viewer").get("/signing-key.pub.pem")
    assert pub.text.startswith("-----BEGIN PUBLIC KEY-----")
    key_file = web.home / "keys" / "aiqm-signing.pem"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    from typer.testing import CliRunner

    from aiqm.cli.main import app

    zipped, pem = web.home / "bundle.zip", web.home / "pub.pem"
    zipped.write_bytes(bundle.content)
    pem.write_text(pub.text)
    verified = CliRunner().invoke(app, ["verify", str(zipped), "--key", str(pem)])
    assert verified.exit_code == 0, verified.output


def _sleepy_component(api: TestClient, bc: dict[str, Path], seconds: float) -> int:
    cid = _component(api, bc, {"plugins": ["aiqm.testing.faults"], "workers": 1})
    assert api.post(f"/api/components/{cid}/tests", json=COMPLETENESS).status_code == 201
    assert api.post(f"/api/components/{cid}/tests", json={
        "name": "sleeps", "characteristic": "C-1", "ait": "fault_sleep@1",
        "parameters": {"seconds": seconds}}).status_code == 201
    return cid


def _sleeping(doc: dict[str, Any]) -> bool:
    return any(t["name"] == "sleeps" and t["status"] == "running" for t in doc["tests"])


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting for its parent to reap it does not)."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_cancel_stops_the_worker_keeps_results_and_resume_finishes(web: Web, bc_files: dict[str, Path]) -> None:
    admin = _api(web, "admin")
    cid = _sleepy_component(admin, bc_files, 4)
    first = admin.post(f"/api/components/{cid}/runs").json()
    _wait(admin, first["id"], until=_sleeping)
    pid = web.store.get_web_run(first["id"]).pid
    cancelled = admin.post(f"/api/runs/{first['id']}/cancel").json()
    assert cancelled["status"] == "cancelled"
    assert not _alive(pid)
    status = {t["name"]: t["status"] for t in cancelled["tests"]}
    assert status == {"completeness": "OK", "sleeps": "NA"}
    store, _ = open_project_store(web.home / "components" / str(cid))
    try:
        assert store.get_run(cancelled["run_id"]).status == "interrupted"
    finally:
        store.close()
    resumed = admin.post(f"/api/runs/{first['id']}/resume")
    assert resumed.status_code == 202
    done = _wait(admin, resumed.json()["id"])
    assert done["status"] == "finished" and done["run_id"] == cancelled["run_id"]
    assert {t["name"]: t["status"] for t in done["tests"]} == {"completeness": "OK", "sleeps": "OK"}


def test_a_server_restart_marks_runs_in_flight_interrupted_and_they_resume(
    tmp_path: Path, bc_files: dict[str, Path],
) -> None:
    from aiqm.services.web_runs import RunManager

    gen = make_web(tmp_path)
    web = next(gen)
    admin = _api(web, "admin")
    cid = _sleepy_component(admin, bc_files, 4)
    # a server whose process dies without shutting down: its worker keeps running
    crashed = RunManager(web.store, web.home)
    w = crashed.start(cid, "admin")
    _wait(admin, w.id, until=_sleeping)
    pid = web.store.get_web_run(w.id).pid
    assert _alive(pid)
    # the next server start
    web.app.state.runs.startup()
    after = admin.get(f"/api/runs/{w.id}").json()
    assert after["status"] == "interrupted" and "server stopped" in after["error"]
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)
    page = web.client("evaluator").get(f"/runs/{w.id}")
    assert 'id="resume-run"' in page.text
    r = web.post("evaluator", f"/runs/{w.id}/resume")
    assert r.status_code == 303
    new_id = r.headers["location"].rsplit("/", 1)[1]
    done = _wait(admin, new_id)
    assert done["status"] == "finished" and done["run_id"] == after["run_id"]
    assert {t["name"]: t["status"] for t in done["tests"]} == {"completeness": "OK", "sleeps": "OK"}
    for _ in gen:
        pass


def test_progress_page_polls_while_running(web: Web, bc_files: dict[str, Path]) -> None:
    admin = _api(web, "admin")
    cid = _sleepy_component(admin, bc_files, 2)
    r = web.post("evaluator", f"/components/{cid}/runs")
    assert r.status_code == 303 and r.headers["location"].startswith("/runs/")
    web_run_id = r.headers["location"].rsplit("/", 1)[1]
    page = web.client("viewer").get(f"/runs/{web_run_id}")
    assert 'hx-trigger="every 1s"' in page.text and f'hx-get="/runs/{web_run_id}/progress"' in page.text
    assert 'id="cancel-run"' not in page.text  # a viewer cannot cancel
    assert 'id="cancel-run"' in web.client("evaluator").get(f"/runs/{web_run_id}").text
    _wait(admin, web_run_id)
    final = web.client("viewer").get(f"/runs/{web_run_id}/progress")
    assert "hx-trigger" not in final.text and 'id="open-report"' in final.text
