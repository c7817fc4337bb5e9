"""Executors: run task specs and yield their outputs as each finishes.

``inline`` runs tasks one after another in this process (for debugging: no
isolation, no limits). ``process`` (the default) runs each task in its own
worker process forked from a preloaded forkserver, at most ``workers`` at a
time, and enforces a time limit and a resident-memory limit per task. A worker
that raises, hangs, exits the interpreter or grows past its memory limit
becomes that task's failure with a reason; the other tasks are unaffected.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import multiprocessing.forkserver
import multiprocessing.process
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import psutil

from aiqm.engine.events import TaskEvent, TaskEventSink
from aiqm.engine.task import TaskOutput, TaskSpec, read_json
from aiqm.engine.worker import run_task, run_task_file
from aiqm.exceptions import InvalidValueError
from aiqm.plugins.manager import AITRegistry, load_registry

__all__ = [
    "EXECUTORS",
    "Executor",
    "InlineExecutor",
    "ProcessExecutor",
    "TaskEvent",
    "make_executor",
]

_Context = multiprocessing.context.ForkServerContext | multiprocessing.context.SpawnContext


class Executor(Protocol):
    """Runs task specs; yields each task's output as soon as it is known."""

    name: str

    def run(self, specs: Sequence[TaskSpec], on_event: TaskEventSink | None = None) -> Iterator[TaskOutput]:
        """Run the specs (in any order) and yield one output per spec."""
        ...


def _failed(spec: TaskSpec, started: datetime, error: str) -> TaskOutput:
    return TaskOutput(
        td_name=spec.td_name, status="failed", error=error,
        started_at=started, finished_at=datetime.now(UTC),
    )


class InlineExecutor:
    """Run tasks sequentially in this process (no isolation or limits)."""

    name = "inline"

    def __init__(self, registry: AITRegistry | None = None) -> None:
        self._registry = registry

    def run(self, specs: Sequence[TaskSpec], on_event: TaskEventSink | None = None) -> Iterator[TaskOutput]:
        emit = on_event or (lambda e: None)
        registry = self._registry
        for spec in specs:
            if registry is None:
                registry = load_registry(spec.plugins, entry_points=spec.entry_points)
            emit(TaskEvent("started", spec.td_name))
            out = run_task(spec, registry=registry)
            emit(TaskEvent("finished", spec.td_name, status=out.status))
            yield out


def _child_main(spec_path: str, log_path: str) -> None:
    """Entry point of a worker process."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    # AIT prints go to the task log, not to the user's terminal
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
    run_task_file(spec_path)


def _mp_context() -> _Context:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["aiqm.engine._preload"])
        return ctx
    return multiprocessing.get_context("spawn")  # pragma: no cover - non-POSIX


def _rss_bytes(pid: int | None, children: list[psutil.Process]) -> int:
    """Resident memory of a worker plus its known children (``children`` is refreshed rarely:
    listing them walks every process on the machine)."""
    if pid is None:  # not started
        return 0
    try:
        total = psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return 0
    for child in children:
        with contextlib.suppress(psutil.Error):
            total += child.memory_info().rss
    return int(total)


def _children(pid: int | None) -> list[psutil.Process]:
    if pid is None:  # not started
        return []
    try:
        return list(psutil.Process(pid).children(recursive=True))
    except psutil.Error:
        return []


@dataclass
class _Running:
    spec: TaskSpec
    proc: multiprocessing.process.BaseProcess
    started: datetime
    t0: float
    progress_mtime: float = 0.0
    peak_rss: int = 0
    children: list[psutil.Process] = field(default_factory=list)
    children_at: float = 0.0


class ProcessExecutor:
    """Run each task in its own worker process with time and memory limits.

    Parameters
    ----------
    workers : int, default=0
        Tasks run at once; 0 means the number of CPUs.
    poll_interval : float, default=0.05
        Seconds between checks of time, memory and progress.
    """

    name = "process"

    def __init__(self, workers: int = 0, poll_interval: float = 0.05) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.poll_interval = poll_interval

    @staticmethod
    def warm_up() -> None:
        """Start the forkserver now so its imports overlap with the caller's other work."""
        ctx = _mp_context()
        if ctx.get_start_method() == "forkserver":
            multiprocessing.forkserver.ensure_running()

    def run(self, specs: Sequence[TaskSpec], on_event: TaskEventSink | None = None) -> Iterator[TaskOutput]:
        emit = on_event or (lambda e: None)
        ctx = _mp_context()
        pending = list(specs)
        running: dict[int, _Running] = {}
        try:
            while pending or running:
                while pending and len(running) < self.workers:
                    spec = pending.pop(0)
                    spec.write()
                    spec.output_path.unlink(missing_ok=True)
                    proc = ctx.Process(
                        target=_child_main, args=(str(spec.spec_path), str(spec.log_path)),
                        name=f"aiqm-{spec.td_name}", daemon=True,
                    )
                    proc.start()
                    running[proc.sentinel] = _Running(spec, proc, datetime.now(UTC), time.monotonic())
                    emit(TaskEvent("started", spec.td_name))
                multiprocessing.connection.wait(list(running), timeout=self.poll_interval)
                for key, r in list(running.items()):
                    out = self._check(r, emit)
                    if out is not None:
                        del running[key]
                        emit(TaskEvent("finished", r.spec.td_name, status=out.status))
                        yield out
        finally:
            for r in running.values():  # interrupted: leave no orphans behind
                if r.proc.is_alive():
                    r.proc.kill()
                r.proc.join(timeout=5)

    def _check(self, r: _Running, emit: TaskEventSink) -> TaskOutput | None:
        spec = r.spec
        if not r.proc.is_alive():
            r.proc.join()
            if spec.output_path.exists():
                return TaskOutput.model_validate(read_json(spec.output_path))
            code = r.proc.exitcode
            if code is not None and code < 0:
                try:
                    sig = signal.Signals(-code).name
                except ValueError:
                    sig = str(-code)
                why = f"the worker process was killed by signal {sig}"
            else:
                why = (
                    f"the worker process exited with code {code} without a result "
                    "(the AIT ended the interpreter, e.g. with os._exit, or crashed)"
                )
            return _failed(spec, r.started, why)
        elapsed = time.monotonic() - r.t0
        if elapsed > spec.timeout:
            self._kill(r)
            return _failed(
                spec, r.started,
                f"the AIT exceeded its time limit of {spec.timeout:g} s and was stopped; raise "
                "'timeout' on the test or in settings if it needs longer",
            )
        now = time.monotonic()
        if now - r.children_at >= 0.5:
            r.children, r.children_at = _children(r.proc.pid), now
        rss = _rss_bytes(r.proc.pid, r.children)
        r.peak_rss = max(r.peak_rss, rss)
        limit = spec.memory_limit_mb * 1024 * 1024
        if rss > limit:
            self._kill(r)
            return _failed(
                spec, r.started,
                f"the AIT exceeded its memory limit of {spec.memory_limit_mb} MB (resident memory "
                f"reached {rss / 2**20:.0f} MB) and was stopped; raise 'memory_limit_mb' on the "
                "test or in settings, or use less data",
            )
        try:
            mtime = spec.progress_path.stat().st_mtime
        except FileNotFoundError:
            return None
        if mtime != r.progress_mtime:
            r.progress_mtime = mtime
            try:
                p = read_json(spec.progress_path)
                emit(TaskEvent("progress", spec.td_name, done=p["done"], total=p["total"]))
            except (ValueError, KeyError, OSError):
                pass
        return None

    @staticmethod
    def _kill(r: _Running) -> None:
        try:
            for child in psutil.Process(r.proc.pid).children(recursive=True):
                child.kill()
        except psutil.Error:
            pass
        r.proc.kill()
        r.proc.join(timeout=10)


EXECUTORS = ("process", "inline")


def make_executor(name: str, *, workers: int = 0, registry: AITRegistry | None = None) -> Executor:
    """Build an executor by name (``process`` or ``inline``).

    Raises
    ------
    InvalidValueError
        For any other name (also a :class:`ValueError`).

    Examples
    --------
    >>> make_executor("inline").name
    'inline'
    """
    if name == "process":
        return ProcessExecutor(workers=workers)
    if name == "inline":
        return InlineExecutor(registry=registry)
    raise InvalidValueError(
        f"unknown executor {name!r}; use one of {', '.join(EXECUTORS)} (--executor, or "
        "'settings.executor' in aiqm.yaml)"
    )
