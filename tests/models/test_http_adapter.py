"""The ``http`` model adapter against a small model server on 127.0.0.1.

The server (stdlib ``http.server`` in a thread, on a free port) serves a good
endpoint and misbehaving ones: slow, failing, flaky, lying (wrong length),
garbage (not JSON), dripping (a body that never finishes in time) and one
that needs a bearer token.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from aiqm.core.inventory import HttpModelInventory
from aiqm.data import Dataset
from aiqm.engine.inventories import resolve_inventories
from aiqm.exceptions import InventoryError
from aiqm.models import load_model
from aiqm.models.http_adapter import (
    EndpointError,
    HttpAdapter,
    TokenBucket,
    fill_template,
    http_digest,
    resolve_path,
)

W = np.array([1.5, -2.0, 0.5])


def _model(rows: list[list[float]]) -> tuple[list[int], list[list[float]]]:
    """The server's model: logistic on three features, label 1 when p >= 0.5."""
    x = np.asarray(rows, dtype=float)
    p = 1.0 / (1.0 + np.exp(-(x @ W)))
    return [int(v >= 0.5) for v in p], [[float(1 - v), float(v)] for v in p]


class _Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}
    last: dict[str, Any] = {}
    lock = threading.Lock()

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        url = urlparse(self.path)
        route = url.path.strip("/")
        query = parse_qs(url.query)
        with self.lock:
            self.hits[route] = self.hits.get(route, 0) + 1
            hit = self.hits[route]
        length = int(self.headers.get("Content-Length", 0))
        payload = json.loads(self.rfile.read(length) or b"null")
        self.last[route] = payload
        if route == "slow":
            time.sleep(float(query.get("s", ["2"])[0]))
        if route == "fail":
            return self._send(503, b'{"error": "overloaded"}')
        if route == "bad-request":
            return self._send(400, b'{"error": "field x0 missing"}')
        if route == "flaky" and hit <= 2:
            return self._send(502, b"bad gateway")
        if route == "garbage":
            return self._send(200, b"<html>not json</html>", "text/html")
        if route == "auth" and self.headers.get("Authorization") != "Bearer s3cret":
            return self._send(401, b'{"error": "unauthorised"}')
        if route == "drip":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass
            return None
        rows = payload["instances"] if isinstance(payload, dict) else payload
        if rows and isinstance(rows[0], dict):
            rows = [[r["x0"], r["x1"], r["x2"]] for r in rows]
        labels, proba = _model(rows)
        if route == "lie":
            labels, proba = labels[:-1], proba[:-1]
        if route == "missing":
            return self._send(200, json.dumps({"other": labels}).encode())
        body = {"predictions": labels, "probabilities": proba,
                "nested": {"out": [{"p": p} for p in proba]},
                "n": payload.get("n") if isinstance(payload, dict) else None,
                "columns": payload.get("columns") if isinstance(payload, dict) else None}
        return self._send(200, json.dumps(body).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # do not wait for the slow handlers at teardown

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up on a slow answer closed its end; that is the point


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def hits() -> dict[str, int]:
    _Handler.hits.clear()
    return _Handler.hits


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(23, 3))
    labels, _ = _model(x.tolist())
    return pd.DataFrame({"x0": x[:, 0], "x1": x[:, 1], "x2": x[:, 2], "label": labels})


@pytest.fixture
def ds(frame: pd.DataFrame, make_dataset) -> Dataset:
    return make_dataset(frame, target="label")


def _adapter(url: str, **config: Any) -> HttpAdapter:
    sleeps: list[float] = []
    base = {"url": url, "response": {"labels": "predictions", "probabilities": "probabilities"},
            "classes": [0, 1], "backoff": 0.01, "timeout": 2.0}
    adapter = HttpAdapter({**base, **config}, inventory="api", sleep=sleeps.append)
    adapter.sleeps = sleeps  # type: ignore[attr-defined]
    return adapter


# -- the good endpoint ------------------------------------------------------------------------


def test_good_endpoint_predicts_every_row_in_batches(server, hits, ds, frame) -> None:
    adapter = _adapter(f"{server}/good", max_batch_size=10)
    labels, proba = _model(frame[["x0", "x1", "x2"]].to_numpy().tolist())

    assert adapter.predict(ds).tolist() == labels
    np.testing.assert_allclose(adapter.predict_proba(ds), np.array(proba))
    assert hits["good"] == 3  # 23 rows in batches of 10; predict_proba reuses the answers
    assert adapter.rows == 23
    assert adapter.classes_.tolist() == [0, 1] and adapter.has_proba


def test_values_encoding_and_placeholders(server, ds, frame) -> None:
    adapter = _adapter(f"{server}/good", rows="values",
                       request={"instances": "$rows", "n": "$n", "columns": "$columns"},
                       max_batch_size=100)
    labels, _ = _model(frame[["x0", "x1", "x2"]].to_numpy().tolist())
    assert adapter.predict(ds).tolist() == labels
    sent = _Handler.last["good"]
    assert sent["n"] == 23 and sent["columns"] == ["x0", "x1", "x2"]
    assert sent["instances"][0] == pytest.approx(frame[["x0", "x1", "x2"]].iloc[0].tolist())
    assert fill_template({"a": ["$rows", "$n"], "c": "$columns", "k": "$x"}, [[1]], ["f"]) == \
        {"a": [[[1]], 1], "c": ["f"], "k": "$x"}


def test_probability_objects_keyed_by_class(server, ds) -> None:
    adapter = _adapter(f"{server}/good", response={"labels": "predictions",
                                                   "probabilities": "nested.out"})
    with pytest.raises(EndpointError, match="a probability object lacks class 0"):
        adapter.predict(ds)  # nested.out holds {"p": [...]}, not {"0": p0, "1": p1}


def test_probabilities_only_give_labels_by_argmax(server, ds, frame) -> None:
    adapter = _adapter(f"{server}/good", response={"labels": None, "probabilities": "probabilities"})
    labels, _ = _model(frame[["x0", "x1", "x2"]].to_numpy().tolist())
    assert adapter.predict(ds).tolist() == labels


def test_response_paths() -> None:
    body = {"out": [{"p": [0.1, 0.9]}], "list": [1, 2]}
    assert resolve_path(body, "out.0.p") == [0.1, 0.9]
    assert resolve_path([1, 2], "") == [1, 2]
    with pytest.raises(KeyError, match=r"out\.0 has no 'q' \(keys: p\)"):
        resolve_path(body, "out.0.q")


# -- misbehaving endpoints: each is ERR with its cause, none hangs --------------------------------


def test_slow_endpoint_times_out_after_the_retries(server, hits, ds) -> None:
    adapter = _adapter(f"{server}/slow?s=3", timeout=0.3, retries=1)
    start = time.monotonic()
    with pytest.raises(EndpointError, match=r"gave up after 2 attempt\(s\).*timeout of 0.3 s"):
        adapter.predict(ds)
    assert time.monotonic() - start < 2.0
    assert hits["slow"] == 2


def test_dripping_body_is_cut_at_the_timeout(server, ds) -> None:
    adapter = _adapter(f"{server}/drip", timeout=0.5, retries=0)
    start = time.monotonic()
    with pytest.raises(EndpointError, match=r"timeout of 0\.5 s"):
        adapter.predict(ds)
    assert time.monotonic() - start < 2.0  # the whole body would take 5 s


def test_failing_endpoint_is_retried_with_exponential_backoff(server, hits, ds) -> None:
    adapter = _adapter(f"{server}/fail", retries=3, backoff=0.25)
    with pytest.raises(EndpointError, match=r"gave up after 4 attempt\(s\); last error: HTTP 503"):
        adapter.predict(ds)
    assert hits["fail"] == 4
    assert adapter.sleeps == [0.25, 0.5, 1.0]  # type: ignore[attr-defined]


def test_flaky_endpoint_succeeds_after_retries(server, hits, ds, frame) -> None:
    adapter = _adapter(f"{server}/flaky", retries=3, max_batch_size=100)
    labels, _ = _model(frame[["x0", "x1", "x2"]].to_numpy().tolist())
    assert adapter.predict(ds).tolist() == labels
    assert hits["flaky"] == 3 and adapter.requests == 3


def test_client_errors_are_not_retried(server, hits, ds) -> None:
    adapter = _adapter(f"{server}/bad-request", retries=3)
    with pytest.raises(EndpointError, match=r"HTTP 400: .*field x0 missing"):
        adapter.predict(ds)
    assert hits["bad-request"] == 1


def test_lying_endpoint_wrong_length(server, ds) -> None:
    adapter = _adapter(f"{server}/lie", max_batch_size=100)
    with pytest.raises(EndpointError, match="returned 22 probabilities for 23 rows"):
        adapter.predict(ds)


def test_garbage_and_missing_fields(server, ds) -> None:
    with pytest.raises(EndpointError, match=r"the response is not JSON.*not json"):
        _adapter(f"{server}/garbage").predict(ds)
    with pytest.raises(EndpointError, match=r"no probabilities at 'probabilities'.*keys: other"):
        _adapter(f"{server}/missing").predict(ds)


def test_refused_connection_is_an_endpoint_error(ds) -> None:
    adapter = _adapter("http://127.0.0.1:9/none", retries=1)  # port 9 (discard): nothing listens
    with pytest.raises(EndpointError, match="connection failed"):
        adapter.predict(ds)


# -- rate, secrets, digest -------------------------------------------------------------------------


def test_token_bucket_spaces_requests() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    bucket = TokenBucket(4.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        bucket.acquire()
    assert slept == pytest.approx([0.25] * 4)
    now[0] += 10.0  # idle time refills at most `capacity` tokens
    assert bucket.acquire() == 0.0 and bucket.acquire() == pytest.approx(0.25)


def test_max_request_rate_is_respected(server, hits, ds) -> None:
    adapter = HttpAdapter({"url": f"{server}/good", "max_batch_size": 5,
                           "max_requests_per_second": 20.0}, inventory="api")
    start = time.monotonic()
    adapter.predict(ds)
    assert hits["good"] == 5
    assert time.monotonic() - start >= 4 / 20.0 - 0.01


def test_bearer_token_comes_from_the_environment(server, ds, monkeypatch) -> None:
    config = {"url": f"{server}/auth", "headers": {"Authorization": "Bearer ${AIQM_TEST_TOKEN}"}}
    monkeypatch.delenv("AIQM_TEST_TOKEN", raising=False)
    with pytest.raises(InventoryError, match="environment variable AIQM_TEST_TOKEN"):
        HttpAdapter(config, inventory="api")
    monkeypatch.setenv("AIQM_TEST_TOKEN", "wrong")
    with pytest.raises(EndpointError, match="HTTP 401"):
        HttpAdapter(config, inventory="api").predict(ds)
    monkeypatch.setenv("AIQM_TEST_TOKEN", "s3cret")
    adapter = HttpAdapter(config, inventory="api")
    assert len(adapter.predict(ds)) == 23
    assert "s3cret" not in json.dumps(adapter.config.model_dump())
    monkeypatch.setenv("AIQM_TEST_TOKEN", "other")
    assert HttpAdapter(config, inventory="api").digest == adapter.digest


def test_credentials_written_in_the_file_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"must not be written in aiqm\.yaml"):
        HttpModelInventory(kind="http", url="http://h/p", headers={"X-API-Key": "abc123"})
    with pytest.raises(ValidationError, match=r'"\$rows" exactly once'):
        HttpModelInventory(kind="http", url="http://h/p", request={"data": "rows"})
    with pytest.raises(ValidationError, match="`classes` is required"):
        HttpModelInventory(kind="http", url="http://h/p", response={"probabilities": "p"})


def test_digest_covers_the_configuration_but_not_the_description() -> None:
    base = {"url": "http://h/p", "classes": [0, 1]}
    assert http_digest(base) == http_digest({**base, "description": "x"})
    assert http_digest(base) != http_digest({**base, "version": "2"})
    assert http_digest(base) != http_digest({**base, "url": "http://h/q"})


def test_load_model_and_resolution(server, tmp_path: Path) -> None:
    from aiqm.core.project import parse_project

    project = parse_project(
        f"""
component: {{name: c, task: binary_classification}}
inventories:
  api: {{kind: http, url: "{server}/good", classes: [0, 1],
         response: {{labels: predictions, probabilities: probabilities}}}}
""", source="aiqm.yaml")
    resolved = resolve_inventories(project, tmp_path, tmp_path / "cache")["api"]
    assert resolved.kind == "http" and resolved.digest.startswith("sha256:")
    assert resolved.path == f"{server}/good"
    adapter = load_model(resolved.spec)
    assert isinstance(adapter, HttpAdapter) and adapter.digest == resolved.digest


# -- end to end: `aiqm run` with an http model inventory -----------------------------------------


def test_aiqm_run_with_an_http_model(server, frame, tmp_path: Path) -> None:
    from aiqm.cli.main import app

    project = tmp_path / "proj"
    (project / "data").mkdir(parents=True)
    frame.to_parquet(project / "data" / "test.parquet")
    (project / "aiqm.yaml").write_text(f"""
component: {{name: endpoint, task: binary_classification}}
inventories:
  test: {{kind: dataset, path: data/test.parquet, target: label}}
  api:
    kind: http
    url: "{server}/good"
    classes: [0, 1]
    response: {{labels: predictions, probabilities: probabilities}}
    max_batch_size: 8
  broken: {{kind: http, url: "{server}/fail", retries: 1, backoff: 0.01}}
tests:
  - name: endpoint accuracy
    characteristic: C-1
    ait: classification_performance@1
    inventories: {{dataset: test, model: api}}
    parameters: {{n_bootstrap: 20}}
    criteria: [{{measure: accuracy, op: ">=", value: 0.99}}]
  - name: broken endpoint
    characteristic: C-1
    ait: classification_performance@1
    inventories: {{dataset: test, model: broken}}
""")
    result = CliRunner().invoke(app, ["run", str(project), "--json", "--timeout", "60"])
    assert result.exit_code == 1, result.output  # one test is ERR
    summary = json.loads(result.stdout[result.stdout.index("{"):])
    by_name = {t["name"]: t for t in summary["tests"]}
    assert by_name["endpoint accuracy"]["status"] == "OK"
    assert by_name["broken endpoint"]["status"] == "ERR"
    assert "gave up after 2 attempt(s)" in by_name["broken endpoint"]["error"]
    assert "HTTP 503" in by_name["broken endpoint"]["error"]
