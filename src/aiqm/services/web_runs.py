"""Use case: runs started from the web application, executed in worker processes it manages.

:class:`RunManager` writes the component out as a project folder
(:func:`aiqm.services.components.materialise`) and starts
``python -m aiqm.services.web_runs`` in its own process group. That worker calls
:func:`aiqm.services.runs.run_project` on the folder — the CLI's path, with the
process executor's isolation and limits — commits each result as it finishes,
and appends the engine's progress events to ``<home>/web-runs/<id>/events.jsonl``.
Nothing runs inside a request handler.

Cancelling sends the worker SIGTERM (it stops its tests and marks the engine run
interrupted), then kills the whole process group. When the server starts,
runs left in flight by a previous server are marked ``interrupted``; they can be
resumed (the engine's ``--resume``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import psutil

from aiqm.engine.events import RunEvent, RunPlanned, TaskEvent, event_to_json
from aiqm.exceptions import AIQMError, InputError
from aiqm.services.components import component_dir, get_component, materialise
from aiqm.services.runs import RunOptions, run_project
from aiqm.services.store import open_store, open_web_store
from aiqm.storage.protocol import ArtifactStoreProtocol, RunStore
from aiqm.storage.web_records import RUN_ACTIVE, WebRunRecord

if TYPE_CHECKING:
    from aiqm.storage.web_store import WebStore

__all__ = [
    "DB_ENV",
    "RUN_ACTIVE",
    "RunManager",
    "RunProgress",
    "TestProgress",
    "WebRunRecord",
    "main",
    "run_worker",
    "web_run_dir",
]

#: Environment variable that hands the database URL to a worker (not on its command line).
DB_ENV = "AIQM_WEB_DB"
_WEB_RUN_ID_LEN = 12
_PROGRESS_EVERY_S = 0.5


def web_run_dir(home: Path, web_run_id: str) -> Path:
    """Folder of a web run's event stream and worker log: ``<home>/web-runs/<id>``."""
    if len(web_run_id) != _WEB_RUN_ID_LEN or not all(c in "0123456789abcdef" for c in web_run_id):
        raise InputError(f"{web_run_id!r} is not a web run id")
    return Path(home) / "web-runs" / web_run_id


@dataclass
class TestProgress:
    """Where one test of a run stands."""

    __test__ = False  # not a pytest class

    name: str
    status: str = "pending"  # pending | running | OK | NG | ERR | NA | skipped
    done: float = 0.0
    total: float = 0.0
    error: str | None = None
    log_digest: str | None = None
    duration_s: float | None = None
    criteria: list[dict[str, Any]] = field(default_factory=list)
    cached_from: str | None = None

    @property
    def percent(self) -> int:
        """Share done, 0–100 (100 once a result is in)."""
        if self.status in ("OK", "NG", "ERR", "NA", "skipped"):
            return 100
        return int(100 * self.done / self.total) if self.total else 0


@dataclass
class RunProgress:
    """A web run and its tests, read from the event stream and the committed results."""

    web_run: WebRunRecord
    tests: list[TestProgress]
    planned: bool

    @property
    def finished_count(self) -> int:
        return sum(1 for t in self.tests if t.percent == 100)

    @property
    def percent(self) -> int:
        return int(100 * self.finished_count / len(self.tests)) if self.tests else 0

    def to_json(self) -> dict[str, Any]:
        w = self.web_run
        return {
            "id": w.id, "component_id": w.component_id, "run_id": w.run_id, "status": w.status,
            "error": w.error, "exit_code": w.exit_code, "counts": w.counts, "percent": self.percent,
            "created_by": w.created_by,
            "created_at": w.created_at.isoformat(),
            "finished_at": w.finished_at.isoformat() if w.finished_at else None,
            "tests": [{"name": t.name, "status": t.status, "percent": t.percent, "error": t.error,
                       "duration_s": t.duration_s, "criteria": t.criteria, "cached_from": t.cached_from}
                      for t in self.tests],
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _read_events(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    events = []
    for line in text.splitlines():
        with contextlib.suppress(ValueError):
            events.append(json.loads(line))
    return events


class RunManager:
    """Start, watch, cancel and resume the web application's runs.

    Parameters
    ----------
    store : WebStore
        The web store.
    home : Path
        The web application's home folder (components, web-runs).
    max_active : int, default=2
        Runs in flight at once (over all components).
    python : str, default=sys.executable
        Interpreter that runs the workers.
    """

    def __init__(self, store: WebStore, home: Path, *, max_active: int = 2, python: str | None = None) -> None:
        self.store = store
        self.home = Path(home)
        self.max_active = max_active
        self.python = python or sys.executable
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self._project_stores: dict[int, tuple[RunStore, ArtifactStoreProtocol]] = {}
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------

    def startup(self) -> list[WebRunRecord]:
        """Mark runs a previous server left in flight as interrupted; start the reaper."""
        recovered = []
        for w in self.store.list_web_runs(statuses=RUN_ACTIVE, limit=10_000):
            if w.pid and _is_our_worker(w.pid, w.id):
                _kill_group(w.pid)
            rec = self.store.update_web_run(
                w.id, only_if_active=True, status="interrupted", finished_at=_now(),
                error="the server stopped while this run was in progress; resume it to finish")
            self._interrupt_engine_run(w)
            if rec is not None:
                recovered.append(rec)
        self._stop.clear()
        self._reaper = threading.Thread(target=self._reap_loop, name="aiqm-run-reaper", daemon=True)
        self._reaper.start()
        return recovered

    def shutdown(self) -> None:
        """Stop the runs in flight (they become ``interrupted``) and close the project stores."""
        self._stop.set()
        for web_run_id in list(self._procs):
            self._stop_worker(web_run_id, "interrupted",
                              "the server stopped while this run was in progress; resume it to finish")
        if self._reaper is not None:
            self._reaper.join(timeout=5)
        for store, _ in self._project_stores.values():
            store.close()
        self._project_stores.clear()

    def _reap_loop(self) -> None:
        while not self._stop.wait(0.5):
            self.reap()

    def reap(self) -> None:
        """Collect ended workers; a worker that died without recording its end fails its run."""
        with self._lock:
            ended = [(k, p) for k, p in self._procs.items() if p.poll() is not None]
            for k, _ in ended:
                del self._procs[k]
        for web_run_id, proc in ended:
            log = web_run_dir(self.home, web_run_id) / "worker.log"
            tail = ""
            with contextlib.suppress(OSError):
                tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            rec = self.store.update_web_run(
                web_run_id, only_if_active=True, status="failed", finished_at=_now(),
                exit_code=proc.returncode,
                error=f"the worker process ended with exit code {proc.returncode} without "
                      f"recording a result.\n{tail}".strip())
            if rec is not None:
                self._interrupt_engine_run(rec)

    # -- starting and stopping -----------------------------------------------------------

    def start(self, component_id: int, user: str, *, resume_of: str | None = None) -> WebRunRecord:
        """Start a run of a component in a worker process.

        Raises
        ------
        InputError
            When a run of the component is in flight, too many runs are, or the component
            cannot run (no tests, an inventory without a file …).
        """
        get_component(self.store, component_id)
        self.reap()
        with self._lock:
            active = self.store.list_web_runs(statuses=RUN_ACTIVE, limit=1000)
            if any(w.component_id == component_id for w in active):
                raise InputError("a run of this component is in progress; wait for it or cancel it")
            if len(active) >= self.max_active:
                raise InputError(f"{len(active)} runs are in progress, the most this server runs at "
                                 "once; wait for one to finish or cancel one")
            folder = materialise(self.store, self.home, component_id)
            web_run_id = secrets.token_hex(_WEB_RUN_ID_LEN // 2)
            rec = self.store.create_web_run(web_run_id, component_id, user, resume_of=resume_of)
            wdir = web_run_dir(self.home, web_run_id)
            wdir.mkdir(parents=True, exist_ok=True)
            env = {**os.environ, DB_ENV: self.store.url.render_as_string(hide_password=False),
                   "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
            with (wdir / "worker.log").open("ab") as log:
                proc = subprocess.Popen(
                    [self.python, "-m", "aiqm.services.web_runs", "--home", str(self.home),
                     "--web-run", web_run_id, "--project", str(folder)],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                    start_new_session=True, close_fds=True,
                )
            self._procs[web_run_id] = proc
            return self.store.update_web_run(web_run_id, pid=proc.pid) or rec

    def resume(self, web_run_id: str, user: str) -> WebRunRecord:
        """Start a run that completes an interrupted or cancelled one (only its missing tests)."""
        w = self._get(web_run_id)
        if w.active:
            raise InputError("this run is still in progress")
        if w.run_id is None:
            raise InputError("this run stopped before any test was planned; start a new run instead")
        store, _ = self.project_store(w.component_id)
        if store.get_run(w.run_id).status == "finished":
            raise InputError(f"run {w.run_id} is finished; nothing to resume")
        return self.start(w.component_id, user, resume_of=w.run_id)

    def cancel(self, web_run_id: str) -> WebRunRecord:
        """Stop a run in flight; its finished results stay stored, and it can be resumed."""
        w = self._get(web_run_id)
        if not w.active:
            raise InputError(f"this run is not in progress (it is {w.status})")
        self._stop_worker(web_run_id, "cancelled", None)
        return self._get(web_run_id)

    def _stop_worker(self, web_run_id: str, status: str, error: str | None) -> None:
        w = self.store.update_web_run(web_run_id, only_if_active=True, status=status,
                                      finished_at=_now(), error=error)
        with self._lock:
            proc = self._procs.pop(web_run_id, None)
        pid = proc.pid if proc is not None else (w.pid if w is not None else None)
        if pid is not None and (proc is not None or _is_our_worker(pid, web_run_id)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)  # the worker stops its tests and records the stop
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if (proc.poll() is not None) if proc is not None else not _alive(pid):
                    break
                time.sleep(0.05)
            _kill_group(pid)
            if proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5)
        if w is not None:
            self._interrupt_engine_run(self._get(web_run_id))

    def _interrupt_engine_run(self, w: WebRunRecord) -> None:
        run_id = w.run_id
        if run_id is None:
            events = _read_events(web_run_dir(self.home, w.id) / "events.jsonl")
            run_id = next((e.get("run_id") for e in events if e.get("kind") == "planned"), None)
            if run_id:
                self.store.update_web_run(w.id, run_id=run_id)
        if not run_id:
            return
        with contextlib.suppress(AIQMError):
            store, _ = self.project_store(w.component_id)
            if store.get_run(run_id).status == "running":
                store.set_run_status(run_id, "interrupted")

    def _get(self, web_run_id: str) -> WebRunRecord:
        w = self.store.get_web_run(web_run_id)
        if w is None:
            raise InputError(f"no run has the id {web_run_id!r}")
        return w

    # -- reading -------------------------------------------------------------------------

    def project_store(self, component_id: int) -> tuple[RunStore, ArtifactStoreProtocol]:
        """The run store and artifact store of a component's project folder (kept open)."""
        with self._lock:
            pair = self._project_stores.get(component_id)
            if pair is None:
                folder = component_dir(self.home, component_id)
                folder.mkdir(parents=True, exist_ok=True)
                pair = open_store(folder)
                self._project_stores[component_id] = pair
            return pair

    def forget_component(self, component_id: int) -> None:
        """Close a deleted component's project store."""
        with self._lock:
            pair = self._project_stores.pop(component_id, None)
        if pair is not None:
            pair[0].close()

    def progress(self, web_run_id: str) -> RunProgress:
        """Where each test of a run stands: events for running tests, the store for results."""
        w = self._get(web_run_id)
        events = _read_events(web_run_dir(self.home, web_run_id) / "events.jsonl")
        planned = next((e for e in events if e.get("kind") == "planned"), None)
        if planned is None:
            names = [t.name for t in self.store.list_tests(w.component_id)]
            return RunProgress(w, [TestProgress(n) for n in names], planned=False)
        tests = {n: TestProgress(n) for n in planned["tests"]}
        for e in events:
            t = tests.get(e.get("td_name", ""))
            if t is None:
                continue
            if e["kind"] == "started":
                t.status = "running"
            elif e["kind"] == "progress":
                t.done, t.total = float(e.get("done", 0)), float(e.get("total", 0))
        run_id = w.run_id or planned.get("run_id")
        if run_id:
            store, _ = self.project_store(w.component_id)
            with contextlib.suppress(AIQMError):
                for r in store.results(run_id):
                    t = tests.get(r.td_name)
                    if t is None:
                        continue
                    t.status, t.error, t.duration_s = r.status.value, r.error, r.duration_s
                    t.log_digest = r.log.digest if r.log else None
                    t.cached_from = r.cached_from
                    t.criteria = [{"description": c.description, "passed": c.passed,
                                   "actual": c.actual, "reason": c.reason} for c in r.criteria]
        if not w.active:
            for t in tests.values():
                if t.status in ("pending", "running"):
                    t.status = "NA"
        return RunProgress(w, list(tests.values()), planned=True)

    def log_text(self, web_run_id: str, test_name: str, limit: int = 50_000) -> str:
        """The log of one test of a run (its last ``limit`` characters)."""
        p = self.progress(web_run_id)
        t = next((t for t in p.tests if t.name == test_name), None)
        if t is None or not t.log_digest:
            return ""
        _, artifacts = self.project_store(p.web_run.component_id)
        text = artifacts.get_bytes(t.log_digest).decode("utf-8", errors="replace")
        return text[-limit:]


# -- process helpers -----------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_our_worker(pid: int, web_run_id: str) -> bool:
    try:
        cmd = psutil.Process(pid).cmdline()
    except psutil.Error:
        return False
    return "aiqm.services.web_runs" in cmd and web_run_id in cmd


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


# -- the worker ------------------------------------------------------------------------------


class _EventLog:
    """Append engine events to ``events.jsonl``; progress at most every half second per test."""

    def __init__(self, path: Path, on_planned: Callable[[str], object]) -> None:
        self.path = path
        self.on_planned = on_planned
        self._last: dict[str, float] = {}

    def __call__(self, e: RunEvent) -> None:
        if isinstance(e, TaskEvent) and e.kind == "progress":
            now = time.monotonic()
            if now - self._last.get(e.td_name, 0.0) < _PROGRESS_EVERY_S:
                return
            self._last[e.td_name] = now
        elif isinstance(e, RunPlanned):
            self.on_planned(e.run_id)
        doc = event_to_json(e)
        doc["at"] = _now().isoformat()
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(doc, default=str) + "\n")


def run_worker(home: Path, web_run_id: str, project: Path, db_url: str) -> int:
    """Execute one web run (the body of the worker process); returns its exit code."""
    store = open_web_store(db_url)
    try:
        w = store.get_web_run(web_run_id)
        if w is None or not w.active:
            return 2
        expected = component_dir(home, w.component_id).resolve()
        if Path(project).resolve() != expected:
            raise InputError(f"{project} is not the folder of component {w.component_id}")

        def stop(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        if store.update_web_run(web_run_id, only_if_active=True, status="running",
                                started_at=_now(), pid=os.getpid()) is None:
            return 130  # cancelled before it started
        sink = _EventLog(web_run_dir(home, web_run_id) / "events.jsonl",
                         lambda run_id: store.update_web_run(web_run_id, run_id=run_id))
        opts = RunOptions(resume=w.resume_of or False, accept_changes=True)
        try:
            summary = run_project(expected, opts, on_event=sink)
        except KeyboardInterrupt:
            store.update_web_run(web_run_id, only_if_active=True, status="cancelled", finished_at=_now())
            return 130
        except AIQMError as exc:
            store.update_web_run(web_run_id, only_if_active=True, status="failed", finished_at=_now(),
                                 exit_code=2, error=str(exc))
            return 2
        except Exception as exc:
            store.update_web_run(web_run_id, only_if_active=True, status="failed", finished_at=_now(),
                                 exit_code=3, error=f"{type(exc).__name__}: {exc}")
            raise
        store.update_web_run(web_run_id, only_if_active=True, status="finished", finished_at=_now(),
                             exit_code=summary.exit_code, counts=summary.counts, run_id=summary.run.id)
        return summary.exit_code
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m aiqm.services.web_runs --home H --web-run ID --project DIR``."""
    parser = argparse.ArgumentParser(prog="python -m aiqm.services.web_runs")
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--web-run", required=True)
    parser.add_argument("--project", required=True, type=Path)
    args = parser.parse_args(argv)
    url = os.environ.get(DB_ENV)
    if not url:
        print(f"{DB_ENV} is not set; this worker is started by the aiqm web application",
              file=sys.stderr)
        return 2
    return run_worker(args.home, args.web_run, args.project, url)


if __name__ == "__main__":
    sys.exit(main())
