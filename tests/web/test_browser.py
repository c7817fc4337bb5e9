"""Browser tests: the real app (``aiqm serve``) driven in Debian's Chromium through Playwright.

Playwright uses ``/usr/bin/chromium`` (``executable_path``); it never downloads a
browser. Screenshots are kept in ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests._require import require, require_module

CHROMIUM = Path(os.environ.get("AIQM_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
USERS = {"admin": "admin-password-1", "eve": "evaluator-pass-1", "vic": "viewer-passwd-1"}

pytestmark = [pytest.mark.slow]
require(CHROMIUM.exists(), f"Chromium is not installed at {CHROMIUM} "
        "(apt-get install chromium; CI installs it in .ci/run)")
sync_api = require_module("playwright.sync_api", "pip install 'aiqm[dev]'")


@dataclass
class Server:
    url: str
    home: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from aiqm.services.users import create_user
    from aiqm.storage.web_store import WebStore
    from aiqm.web.config import WebConfig

    home = tmp_path_factory.mktemp("web-home")
    config = WebConfig(home=home)
    config.prepare()
    with WebStore(config.database_url) as store:
        for (name, password), role in zip(USERS.items(), ("admin", "evaluator", "viewer"), strict=True):
            create_user(store, name, password, role)
    port = _free_port()
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiqm.cli", "serve", "--home", str(home), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "MPLBACKEND": "Agg"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((home / "server.log").read_text()) from None
            time.sleep(0.2)
    yield Server(url, home)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _sign_in(page: object, server: Server, user: str) -> None:
    page.goto(server.url + "/")  # type: ignore[attr-defined]
    page.fill("input[name=username]", user)  # type: ignore[attr-defined]
    page.fill("input[name=password]", USERS[user])  # type: ignore[attr-defined]
    page.click("#sign-in")  # type: ignore[attr-defined]
    page.wait_for_selector("#sign-out")  # type: ignore[attr-defined]


def test_evaluator_flow_from_sign_in_to_report(server: Server, browser: object,
                                               bc_files: dict[str, Path], tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(server.url + "/")
    assert page.url.startswith(server.url + "/login")
    _shot(page, "01-sign-in")
    _sign_in(page, server, "eve")

    # a component with a target level
    page.click("#new-component")
    page.fill("input[name=name]", "breast-cancer-classifier")
    page.select_option("select[name=task]", "binary_classification")
    page.select_option("select[name=level_AIPL]", "1")
    page.fill("textarea[name=description]", "Logistic regression on scikit-learn's breast-cancer data.")
    _shot(page, "02-new-component")
    page.click("#save-component")
    page.wait_for_selector("text=breast-cancer-classifier")
    component_url = page.url

    # a dataset and a model, uploaded
    test_file = tmp_path / "test.parquet"
    shutil.copy(bc_files["test"], test_file)
    for name, kind, path, target in (("test", "dataset", test_file, "diagnosis"),
                                     ("model", "model", bc_files["model"], "")):
        page.goto(component_url)
        page.click("#add-inventory")
        page.fill("#inventory-form input[name=name]", name)
        page.select_option("#inventory-form select[name=kind]", kind)
        page.set_input_files("#file", str(path))
        if target:
            page.fill("#inventory-form input[name=target]", target)
        if name == "test":
            _shot(page, "03-upload-dataset")
        page.click("#register-inventory")
        page.wait_for_selector("#digest")
        assert page.inner_text("#digest").startswith("sha256:")
    _shot(page, "04-inventory")

    # two tests, with forms generated from the AIT manifests
    page.goto(component_url)
    page.click("#add-test")
    page.click("a[data-ait=classification_performance]")
    page.fill("#test-form input[name=name]", "test accuracy")
    page.fill("input[name=param_positive_label]", "malignant")
    page.fill("input[name=param_n_bootstrap]", "0")
    page.select_option("select[name=crit_measure_0]", "accuracy")
    page.select_option("select[name=crit_op_0]", ">=")
    page.fill("input[name=crit_value_0]", "0.9")
    _shot(page, "05-test-form")
    page.click("#save-test")
    page.wait_for_selector("#tests >> text=test accuracy")
    page.click("#add-test")
    page.click("a[data-ait=data_completeness]")
    page.fill("#test-form input[name=name]", "test data completeness")
    page.select_option("select[name=crit_measure_0]", "missing_ratio")
    page.select_option("select[name=crit_op_0]", "<=")
    page.fill("input[name=crit_value_0]", "0.01")
    page.click("#save-test")
    page.wait_for_selector("#tests >> text=test data completeness")
    _shot(page, "06-component")

    # run, and watch the progress reach the end (HTMX polling)
    page.click("#start-run")
    page.wait_for_selector("#progress")
    assert "/runs/" in page.url
    _shot(page, "07-run-in-progress")
    page.wait_for_selector('#progress[data-status="finished"]', timeout=180_000)
    assert page.locator('tr[data-status="OK"]').count() == 2
    _shot(page, "08-run-finished")

    # the report, in the page
    page.click("#open-report")
    frame = page.frame_locator("#report-frame")
    frame.locator("body").wait_for()
    assert "breast-cancer-classifier" in frame.locator("body").inner_text()
    _shot(page, "09-report")
    with page.expect_download() as download:
        page.click("#download-json")
    assert download.value.suggested_filename.startswith("report-")

    # Japanese
    page.click("button[data-lang=ja]")
    page.wait_for_selector("text=ログアウト")
    _shot(page, "10-report-ja")
    page.click("button[data-lang=en]")

    page.click("#sign-out")
    page.wait_for_selector("#sign-in")
    page.goto(component_url)
    assert "/login" in page.url
    context.close()


def test_a_viewer_cannot_start_a_run(server: Server, browser: object) -> None:
    from aiqm.storage.web_store import WebStore
    from aiqm.web.config import WebConfig

    with WebStore(WebConfig(home=server.home).database_url) as store:
        comp = store.get_component_by_name("breast-cancer-classifier") or store.create_component(
            "viewer-check", {"name": "viewer-check", "task": "other"}, {})
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    _sign_in(page, server, "vic")
    page.goto(f"{server.url}/components/{comp.id}")
    assert page.locator("#start-run").count() == 0
    assert page.locator("#add-test").count() == 0
    _shot(page, "11-viewer-component")
    # forcing it with the page's own CSRF token is refused too
    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token']")
    r = page.request.post(f"{server.url}/components/{comp.id}/runs",
                          headers={"X-CSRF-Token": token}, max_redirects=0)
    assert r.status == 403
    with contextlib.suppress(Exception):
        context.close()
