"""Load test of the web application: concurrent clients browse and poll a running evaluation.

Starts ``aiqm serve`` on 127.0.0.1 (a free port, a temporary home), signs in the
clients, starts a run whose tests keep it running for the whole test, and lets
``--clients`` threads (20 by default) loop for ``--duration`` seconds (60 by
default) over what a person watching a run does: the dashboard, the component
page, the run page, the HTMX progress fragment (polled every second by the
browser; here without the pause, so the load is higher than real use) and the
run's JSON through the API. Every loop is bounded in time and count and only
127.0.0.1 is contacted. Prints and writes (``benchmarks/out/web.json``) the
request count, errors and p50/p99 latency overall and per page; exits 1 on any error.

Usage::

    .venv/bin/python benchmarks/bench_web.py                 # 20 clients, 60 s
    .venv/bin/python benchmarks/bench_web.py --clients 5 --duration 10
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PASSWORD = "bench-password-1"
MAX_REQUESTS_PER_CLIENT = 100_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(home: Path, clients: int, run_seconds: float) -> int:
    """Users, and a component with a dataset and two tests (one keeps the run busy)."""
    from aiqm.services import component_inventories as inv
    from aiqm.services import components as comp
    from aiqm.services.demo import create_demo_project
    from aiqm.services.users import create_user
    from aiqm.storage.web_store import WebStore
    from aiqm.web.config import WebConfig

    config = WebConfig(home=home)
    config.prepare()
    demo = create_demo_project(home.parent / "demo")
    with WebStore(config.database_url) as store:
        create_user(store, "runner", PASSWORD, "evaluator")
        for i in range(clients):
            create_user(store, f"viewer{i}", PASSWORD, "viewer")
        c = comp.create_component(store, {"name": "load-test", "task": "binary_classification"},
                                  {"plugins": ["aiqm.testing.faults"], "workers": 2},
                                  allow_plugins=True)
        with (demo / "data" / "test.parquet").open("rb") as fh:
            inv.register_upload(store, home, c.id, "test", "dataset", fh, "test.parquet",
                                {"target": "diagnosis"})
        from aiqm.plugins.manager import load_registry

        registry = load_registry(["aiqm.testing.faults"])
        comp.save_test(store, c.id, {"name": "completeness", "characteristic": "B-3",
                                     "ait": "data_completeness@1", "inventories": {"dataset": "test"},
                                     "criteria": [{"measure": "missing_ratio", "op": "<=", "value": 0.01}]},
                       registry)
        comp.save_test(store, c.id, {"name": "long test", "characteristic": "C-1", "ait": "fault_sleep@1",
                                     "parameters": {"seconds": run_seconds}}, registry)
        return c.id


def _sign_in(base: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token, "next": "/"})
    if r.status_code != 303:
        raise SystemExit(f"sign-in of {user} failed: {r.status_code}")
    return client


def _client_loop(client: httpx.Client, token: str, component_id: int, run_id: str, deadline: float,
                 samples: dict[str, list[float]], errors: list[str], lock: threading.Lock) -> None:
    pages = [("dashboard", "/", {}), ("component", f"/components/{component_id}", {}),
             ("run page", f"/runs/{run_id}", {}),
             ("progress (HTMX)", f"/runs/{run_id}/progress", {"HX-Request": "true"}),
             ("progress (HTMX)", f"/runs/{run_id}/progress", {"HX-Request": "true"}),
             ("API run", f"/api/runs/{run_id}", {"Authorization": f"Bearer {token}"})]
    mine: dict[str, list[float]] = {}
    failures: list[str] = []
    n = 0
    while time.monotonic() < deadline and n < MAX_REQUESTS_PER_CLIENT:
        name, url, headers = pages[n % len(pages)]
        n += 1
        t0 = time.perf_counter()
        try:
            r = client.get(url, headers=headers)
            ok = r.status_code == 200
            detail = f"{r.status_code}"
        except httpx.HTTPError as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        mine.setdefault(name, []).append(time.perf_counter() - t0)
        if not ok:
            failures.append(f"{name} {url}: {detail}")
    with lock:
        for k, v in mine.items():
            samples.setdefault(k, []).extend(v)
        errors.extend(failures)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0)
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 200 or not 1 <= args.duration <= 600:
        parser.error("use 1-200 clients and 1-600 seconds")

    tmp = Path(tempfile.mkdtemp(prefix="aiqm-bench-web-"))
    home = tmp / "home"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    component_id = _prepare(home, args.clients, run_seconds=args.duration + 30)
    log = (tmp / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "aiqm.cli", "serve", "--home", str(home), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "MPLBACKEND": "Agg"})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit((tmp / "server.log").read_text()) from None
                time.sleep(0.2)
        runner = _sign_in(base, "runner")
        from aiqm.services.users import create_token
        from aiqm.storage.web_store import WebStore
        from aiqm.web.config import WebConfig

        with WebStore(WebConfig(home=home).database_url) as store:
            token, _ = create_token(store, store.get_user_by_name("runner").id, "bench")
        started = httpx.post(f"{base}/api/components/{component_id}/runs",
                             headers={"Authorization": f"Bearer {token}"}, timeout=30)
        if started.status_code != 202:
            raise SystemExit(f"cannot start the run: {started.status_code} {started.text}")
        run_id = started.json()["id"]
        clients = [_sign_in(base, f"viewer{i}") for i in range(args.clients)]
        samples: dict[str, list[float]] = {}
        errors: list[str] = []
        lock = threading.Lock()
        t0 = time.monotonic()
        end = t0 + args.duration
        threads = [threading.Thread(target=_client_loop,
                                    args=(c, token, component_id, run_id, end, samples, errors, lock))
                   for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.duration + 60)
        elapsed = time.monotonic() - t0
        status = httpx.get(f"{base}/api/runs/{run_id}", headers={"Authorization": f"Bearer {token}"}).json()
        httpx.post(f"{base}/api/runs/{run_id}/cancel", headers={"Authorization": f"Bearer {token}"},
                   timeout=30)
        for c in [*clients, runner]:
            c.close()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    every = [x for v in samples.values() for x in v]
    result: dict[str, Any] = {
        "clients": args.clients, "duration_s": round(elapsed, 1), "requests": len(every),
        "requests_per_s": round(len(every) / elapsed, 1), "errors": len(errors),
        "run_status_during_load": status["status"],
        "p50_ms": round(1000 * statistics.median(every), 1), "p99_ms": round(1000 * _pct(every, 0.99), 1),
        "pages": {k: {"requests": len(v), "p50_ms": round(1000 * statistics.median(v), 1),
                      "p99_ms": round(1000 * _pct(v, 0.99), 1)} for k, v in sorted(samples.items())},
        "cpus": os.cpu_count(),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "web.json").write_text(json.dumps(result, indent=2))
    print(f"{args.clients} clients for {result['duration_s']} s on 127.0.0.1: {result['requests']} requests "
          f"({result['requests_per_s']}/s), {len(errors)} errors; "
          f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms; run {status['status']} during the load")
    print(f"{'page':<18} {'requests':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for k, v in result["pages"].items():
        print(f"{k:<18} {v['requests']:>9} {v['p50_ms']:>8} {v['p99_ms']:>8}")
    for e in errors[:10]:
        print("error:", e)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
