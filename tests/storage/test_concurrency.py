"""Several stores on one SQLite file: readers and writers at the same time, and locks."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from aiqm.core.results import Status
from aiqm.exceptions import StoreError
from aiqm.storage import SqlRunStore
from aiqm.storage import _engine as engine_module

from ._factories import db_url, make_result, make_run

N_RESULTS = 150


def _run_threads(*targets: Callable[[], None]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except BaseException as exc:
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


def test_one_store_writes_while_another_reads(db_path: Path) -> None:
    writer = SqlRunStore(db_url(db_path))
    reader = SqlRunStore(db_url(db_path))
    writer.create_run(make_run("run-w001"))
    done = threading.Event()
    seen: list[int] = []

    def write() -> None:
        try:
            for i in range(N_RESULTS):
                writer.save_result("run-w001", make_result(f"td{i}", Status.OK, f"k{i}"), i)
        finally:
            done.set()

    def read() -> None:
        while not done.is_set():
            seen.append(len(reader.results("run-w001")))
            reader.list_runs()
            reader.get_run("latest")
            reader.find_cached("k0")

    try:
        errors = _run_threads(write, read)
        assert errors == []
        assert seen == sorted(seen)  # each read sees a consistent, growing snapshot
        assert len(reader.results("run-w001")) == N_RESULTS
        ((_, counts),) = reader.list_runs()
        assert counts["OK"] == N_RESULTS
    finally:
        writer.close()
        reader.close()


def test_two_writers_on_one_file_both_succeed(db_path: Path) -> None:
    stores = [SqlRunStore(db_url(db_path)) for _ in range(2)]
    stores[0].create_run(make_run("run-x001"))
    stores[1].create_run(make_run("run-x002", minutes=1))

    def writer(store: SqlRunStore, run_id: str) -> Callable[[], None]:
        def write() -> None:
            for i in range(N_RESULTS // 2):
                store.save_result(run_id, make_result(f"td{i}"), i)
                store.register_inventory(
                    f"inv{i % 5}", "dataset", f"{run_id}.csv", "sha256:" + "a" * 64
                )

        return write

    try:
        errors = _run_threads(writer(stores[0], "run-x001"), writer(stores[1], "run-x002"))
        assert errors == []
        assert len(stores[0].results("run-x002")) == N_RESULTS // 2
        assert len(stores[1].results("run-x001")) == N_RESULTS // 2
    finally:
        for s in stores:
            s.close()


def test_a_writer_in_another_process(db_path: Path) -> None:
    with SqlRunStore(db_url(db_path)) as store:
        store.create_run(make_run("run-p001"))
        script = (
            "import sys\n"
            "from aiqm.core.results import TDResult\n"
            "from aiqm.storage import SqlRunStore\n"
            "s = SqlRunStore(sys.argv[1])\n"
            "for i in range(40):\n"
            "    s.save_result('run-p001', TDResult(td_name=f'td{i}', characteristic='C-1',"
            " ait_id='a', ait_version='1', status='OK'), i)\n"
            "s.close()\n"
        )
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        child = subprocess.Popen([sys.executable, "-c", script, db_url(db_path)], env=env)
        counts = []
        while child.poll() is None:
            counts.append(len(store.results("run-p001")))
        assert child.wait(timeout=60) == 0
        assert counts == sorted(counts)
        assert len(store.results("run-p001")) == 40


def test_a_lock_held_too_long_gives_a_store_error(
    store: SqlRunStore, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.create_run(make_run("run-k001"))
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_S", 0.2)
    impatient = SqlRunStore(db_url(db_path))
    holder = sqlite3.connect(db_path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process is writing
        with pytest.raises(StoreError, match=r"stayed locked by another process for 0\.2 s"):
            impatient.save_result("run-k001", make_result(), 0)
        assert len(impatient.results("run-k001")) == 0  # WAL: reading is not blocked
        holder.execute("COMMIT")
        impatient.save_result("run-k001", make_result(), 0)
        assert len(store.results("run-k001")) == 1
    finally:
        holder.close()
        impatient.close()
