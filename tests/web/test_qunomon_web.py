"""Qunomon AITs in the web app: admin upload, the browser with origins, generated test forms,
and a run of the imported AIT in a web worker."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.qunomon._packages import typed_manifest, typed_package, zip_package

from aiqm.qunomon.store import STORE_ENV

from .conftest import Web, make_web


@pytest.fixture
def qweb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    """A web app whose AIT store is fresh (set before the app loads its registry)."""
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "ait-store"))
    yield from make_web(tmp_path)


def _upload_package(web: Web, role: str, path: Path, env: str = "current") -> object:
    with path.open("rb") as fh:
        return web.client(role).post(
            "/admin/aits/import", headers={"X-CSRF-Token": web.csrf(role)}, data={"env": env},
            files={"file": (path.name, fh, "application/zip")}, follow_redirects=False)


def test_admin_imports_a_package_and_the_browser_shows_its_origin(qweb: Web, tmp_path: Path) -> None:
    zipped = zip_package(typed_package(tmp_path / "pkg"), tmp_path / "ait.zip")
    assert "import-ait-button" not in qweb.client("evaluator").get("/aits").text
    assert _upload_package(qweb, "evaluator", zipped).status_code == 403  # admins only
    r = _upload_package(qweb, "admin", zipped)
    assert r.status_code == 303 and r.headers["location"] == "/aits/eval_fixture_typed@0.4.0"
    page = qweb.client("viewer").get("/aits")
    assert "eval_fixture_typed" in page.text and "qunomon sha256:" in page.text
    assert '<td class="origin">builtin</td>' in page.text
    detail = qweb.client("viewer").get("/aits/eval_fixture_typed@0.4.0").text
    assert "qunomon sha256:" in detail and "eval_fixture_typed 0.4" in detail
    assert "しきい値" in detail  # the Japanese parameter text


def test_a_bad_package_is_reported_with_the_field(qweb: Web, tmp_path: Path) -> None:
    pkg = typed_package(tmp_path / "pkg")
    data = typed_manifest()
    data["inventories"][0]["requirement"]["format"] = []
    (pkg / "repository" / "ait.manifest.json").write_text(json.dumps(data), encoding="utf-8")
    r = _upload_package(qweb, "admin", zip_package(pkg, tmp_path / "bad.zip"))
    assert r.status_code == 303 and r.headers["location"] == "/aits"
    page = qweb.client("admin").get("/aits").text
    assert "inventories[0].requirement.format: must be a non-empty list" in page


def _api(web: Web, role: str) -> TestClient:
    client = TestClient(web.app)
    client.headers["Authorization"] = f"Bearer {web.token(role)}"
    return client


@pytest.mark.slow
def test_the_test_form_comes_from_the_manifest_and_a_run_judges_the_imported_ait(
    qweb: Web, tmp_path: Path,
) -> None:
    _upload_package(qweb, "admin", zip_package(typed_package(tmp_path / "pkg"), tmp_path / "a.zip"))
    api = _api(qweb, "admin")
    cid = api.post("/api/components", json={"component": {"name": "q", "task": "other"}}).json()["id"]
    csv = tmp_path / "rows.csv"
    csv.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    with csv.open("rb") as fh:
        up = api.post(f"/api/components/{cid}/inventories", data={"name": "rows", "kind": "document"},
                      files={"file": ("rows.csv", fh, "text/csv")})
    assert up.status_code == 201, up.text
    form = qweb.client("evaluator").get(f"/components/{cid}/tests/new?ait=eval_fixture_typed@0.4.0")
    assert form.status_code == 200
    for name in ("threshold", "n_items", "verbose", "label", "mode"):
        assert f'name="param_{name}"' in form.text
    assert "a float in the range [0, 1]" in form.text and '<option value="rows"' in form.text
    r = qweb.post("evaluator", f"/components/{cid}/tests", {
        "ait": "eval_fixture_typed@0", "name": "typed", "characteristic": "C-1", "inv_data_csv": "rows",
        "param_threshold": "0.8", "param_verbose": "true", "crit_measure_0": "count", "crit_op_0": "==",
        "crit_value_0": "2", "crit_measure_1": ""})
    assert r.status_code == 303, r.text
    started = api.post(f"/api/components/{cid}/runs")
    assert started.status_code == 202
    deadline = time.monotonic() + 120
    while True:
        doc = api.get(f"/api/runs/{started.json()['id']}").json()
        if doc["status"] not in ("starting", "running") or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert doc["status"] == "finished", doc
    test = doc["tests"][0]
    assert test["status"] == "OK", test
