"""SqlRunStore: runs, results, cache look-ups, inventories and artifacts."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import aiqm.storage
from aiqm.core.results import Status
from aiqm.exceptions import StoreError
from aiqm.storage import RunStore, SqlRunStore

from ._factories import DIGEST_A, T0, make_result, make_run

# -- public surface ------------------------------------------------------------


def test_public_names_are_sorted_and_exported() -> None:
    assert aiqm.storage.__all__ == sorted(aiqm.storage.__all__)
    for name in aiqm.storage.__all__:
        assert hasattr(aiqm.storage, name), name


def test_sql_store_satisfies_the_protocol(store: SqlRunStore) -> None:
    assert isinstance(store, RunStore)
    assert not isinstance(object(), RunStore)


def test_a_closed_store_refuses_work(db_path: Path) -> None:
    s = SqlRunStore(f"sqlite:///{db_path}")
    s.close()
    with pytest.raises(StoreError, match="is closed"):
        s.list_runs()


# -- runs ----------------------------------------------------------------------


def test_run_round_trip(store: SqlRunStore) -> None:
    run = make_run(
        "run-2f9a",
        executor="inline",
        config={"tests": [{"name": "acc", "parameters": {"k": [1, 2]}}]},
        environment={"python": "3.11.7", "packages": {"numpy": "2.0"}},
        inventories={"test": {"digest": DIGEST_A, "kind": "dataset"}},
    )
    store.create_run(run)

    loaded = store.get_run("run-2f9a")

    assert loaded == run
    assert loaded.created_at.tzinfo is not None


def test_creating_a_run_twice_is_refused(store: SqlRunStore) -> None:
    store.create_run(make_run("run-dup1"))
    with pytest.raises(StoreError, match="already exists"):
        store.create_run(make_run("run-dup1"))


def test_datetimes_come_back_aware_utc(store: SqlRunStore) -> None:
    tokyo = timezone(timedelta(hours=9))
    store.create_run(make_run("run-tz01", created_at=datetime(2026, 5, 1, 18, 0, tzinfo=tokyo)))
    store.create_run(make_run("run-tz02", created_at=datetime(2026, 5, 1, 9, 30)))  # naive = UTC

    tz1, tz2 = store.get_run("run-tz01"), store.get_run("run-tz02")

    assert tz1.created_at == datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    assert tz1.created_at.utcoffset() == timedelta(0)
    assert tz2.created_at == datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    # ordering uses the instant, not the local wall-clock time
    assert store.get_run("latest").id == "run-tz02"


def test_set_run_status(store: SqlRunStore) -> None:
    store.create_run(make_run("run-st01"))
    store.set_run_status("run-st01", "interrupted")
    assert store.get_run("run-st01").status == "interrupted"
    assert store.get_run("run-st01").finished_at is None

    end = T0 + timedelta(hours=1)
    store.set_run_status("run-st01", "finished", finished_at=end)
    run = store.get_run("run-st01")
    assert (run.status, run.finished_at) == ("finished", end)


def test_set_run_status_rejects_unknown_runs_and_statuses(store: SqlRunStore) -> None:
    with pytest.raises(StoreError, match="no such run"):
        store.set_run_status("run-nope", "finished")
    store.create_run(make_run("run-st02"))
    with pytest.raises(ValueError, match="must be one of running, finished, interrupted"):
        store.set_run_status("run-st02", "done")


# -- run references ------------------------------------------------------------


@pytest.fixture
def three_runs(store: SqlRunStore) -> SqlRunStore:
    # created out of order, so "latest" must sort by created_at, not insertion
    store.create_run(make_run("abcd1111", minutes=10))
    store.create_run(make_run("abcd2222", minutes=30))
    store.create_run(make_run("ef017777", minutes=20))
    return store


def test_latest_is_the_most_recently_created(three_runs: SqlRunStore) -> None:
    assert three_runs.get_run("latest").id == "abcd2222"


def test_full_id_and_unique_prefix(three_runs: SqlRunStore) -> None:
    assert three_runs.get_run("ef017777").id == "ef017777"
    assert three_runs.get_run("ef01").id == "ef017777"
    assert three_runs.get_run("abcd1").id == "abcd1111"


def test_ambiguous_prefix_names_the_candidates(three_runs: SqlRunStore) -> None:
    with pytest.raises(StoreError, match="ambiguous") as info:
        three_runs.get_run("abcd")
    assert "abcd1111" in str(info.value) and "abcd2222" in str(info.value)
    assert "aiqm runs" in str(info.value)


@pytest.mark.parametrize("ref", ["zzzz", "ABCD", "abc%", "ab__"])
def test_unknown_ref_suggests_aiqm_runs(three_runs: SqlRunStore, ref: str) -> None:
    with pytest.raises(StoreError, match=r"no run matches .*aiqm runs"):
        three_runs.get_run(ref)


def test_short_prefix_is_refused(three_runs: SqlRunStore) -> None:
    with pytest.raises(StoreError, match="at least 4 characters"):
        three_runs.get_run("ef0")


def test_latest_without_runs(store: SqlRunStore) -> None:
    with pytest.raises(StoreError, match=r"no runs .* yet"):
        store.get_run("latest")


# -- results -------------------------------------------------------------------


def test_result_round_trip_keeps_every_field(store: SqlRunStore) -> None:
    store.create_run(make_run())
    result = make_result(full=True, status=Status.NG, cached_from="run-older")

    store.save_result("run-0001", result, td_index=0)
    (loaded,) = store.results("run-0001")

    assert loaded == result
    assert loaded.measures[2].value is True  # a bool stays a bool
    assert isinstance(loaded.measures[1].value, int)
    assert loaded.started_at is not None and loaded.started_at.tzinfo is not None


def test_result_timestamps_are_stored_in_utc(store: SqlRunStore) -> None:
    store.create_run(make_run())
    naive = datetime(2026, 3, 1, 12, 0)
    store.save_result("run-0001", make_result(started_at=naive, finished_at=naive), 0)
    (loaded,) = store.results("run-0001")
    assert loaded.started_at == naive.replace(tzinfo=UTC)
    assert loaded.started_at is not None and loaded.started_at.tzinfo is not None


def test_saving_again_replaces_and_results_follow_td_index(
    store: SqlRunStore, db_path: Path
) -> None:
    store.create_run(make_run())
    store.save_result("run-0001", make_result("b", status=Status.ERR, error="boom"), td_index=1)
    store.save_result("run-0001", make_result("a"), td_index=0)
    store.save_result("run-0001", make_result("c"), td_index=2)

    store.save_result("run-0001", make_result("b", status=Status.OK), td_index=1)

    loaded = store.results("run-0001")
    assert [(r.td_name, r.status) for r in loaded] == [
        ("a", Status.OK),
        ("b", Status.OK),
        ("c", Status.OK),
    ]
    assert loaded[1].error is None
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT count(*) FROM td_results").fetchone() == (3,)


def test_a_result_that_is_not_json_is_refused_cleanly(store: SqlRunStore) -> None:
    store.create_run(make_run())
    bad = make_result(parameters={"model": object()})
    with pytest.raises(StoreError, match="does not serialise to JSON"):
        store.save_result("run-0001", bad, 0)
    assert store.results("run-0001") == []


def test_same_td_name_in_two_runs_is_kept_apart(store: SqlRunStore) -> None:
    store.create_run(make_run("run-a001"))
    store.create_run(make_run("run-b001", minutes=1))
    store.save_result("run-a001", make_result("acc", status=Status.OK), 0)
    store.save_result("run-b001", make_result("acc", status=Status.NG), 0)
    assert store.results("run-a001")[0].status is Status.OK
    assert store.results("run-b001")[0].status is Status.NG


def test_save_result_for_an_unknown_run_is_refused(store: SqlRunStore) -> None:
    with pytest.raises(StoreError, match="no such run"):
        store.save_result("run-nope", make_result(), 0)


def test_results_of_an_unknown_run_is_an_error(store: SqlRunStore) -> None:
    with pytest.raises(StoreError, match="aiqm runs"):
        store.results("run-nope")


def test_results_of_a_run_without_results_is_empty(store: SqlRunStore) -> None:
    store.create_run(make_run())
    assert store.results("run-0001") == []


# -- cache ---------------------------------------------------------------------


def test_find_cached_returns_latest_ok_or_ng_and_ignores_err(store: SqlRunStore) -> None:
    store.create_run(make_run("run-c001"))
    store.create_run(make_run("run-c002", minutes=1))
    store.create_run(make_run("run-c003", minutes=2))
    store.save_result("run-c001", make_result("acc", Status.OK, "k1", duration_s=1.0), 0)
    store.save_result("run-c002", make_result("acc", Status.NG, "k1", duration_s=2.0), 0)
    store.save_result("run-c003", make_result("acc", Status.ERR, "k1", error="crash"), 0)
    store.save_result("run-c003", make_result("fair", Status.NA, "k1"), 1)

    found = store.find_cached("k1")

    assert found is not None
    assert (found.status, found.duration_s) == (Status.NG, 2.0)
    assert found.cached_from == "run-c002"


def test_find_cached_keeps_the_original_source(store: SqlRunStore) -> None:
    store.create_run(make_run("run-c004"))
    store.save_result("run-c004", make_result(cache_key="k2", cached_from="run-first"), 0)
    found = store.find_cached("k2")
    assert found is not None and found.cached_from == "run-first"


def test_find_cached_with_only_failures_or_no_key(store: SqlRunStore) -> None:
    store.create_run(make_run("run-c005"))
    store.save_result("run-c005", make_result("x", Status.ERR, "k3", error="boom"), 0)
    store.save_result("run-c005", make_result("y", Status.NA, "k3"), 1)
    store.save_result("run-c005", make_result("z", Status.OK, ""), 2)
    assert store.find_cached("k3") is None
    assert store.find_cached("unknown") is None
    assert store.find_cached("") is None


# -- listing -------------------------------------------------------------------


def test_list_runs_newest_first_with_status_counts(store: SqlRunStore) -> None:
    store.create_run(make_run("run-l001"))
    store.create_run(make_run("run-l002", minutes=5))
    store.create_run(make_run("run-l003", minutes=9))
    for i, status in enumerate([Status.OK, Status.OK, Status.NG, Status.ERR]):
        store.save_result("run-l002", make_result(f"td{i}", status), i)
    store.save_result("run-l001", make_result("td0", Status.NA), 0)

    listed = store.list_runs()

    assert [r.id for r, _ in listed] == ["run-l003", "run-l002", "run-l001"]
    counts = {r.id: c for r, c in listed}
    assert counts["run-l002"] == {"OK": 2, "NG": 1, "ERR": 1, "NA": 0}
    assert counts["run-l001"] == {"OK": 0, "NG": 0, "ERR": 0, "NA": 1}
    assert counts["run-l003"] == {"OK": 0, "NG": 0, "ERR": 0, "NA": 0}
    assert [r.id for r, _ in store.list_runs(limit=2)] == ["run-l003", "run-l002"]


@pytest.mark.parametrize("limit", [0, -1, True, 2.5])
def test_list_runs_rejects_bad_limits(store: SqlRunStore, limit: object) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        store.list_runs(limit=limit)  # type: ignore[arg-type]


def test_latest_unfinished_run(store: SqlRunStore) -> None:
    assert store.latest_unfinished_run("/projects/credit") is None
    store.create_run(make_run("run-u001", status="interrupted"))
    store.create_run(make_run("run-u002", minutes=1, status="running"))
    store.create_run(make_run("run-u003", minutes=2, status="finished"))
    store.create_run(make_run("run-u004", minutes=3, status="running", project_dir="/other"))

    found = store.latest_unfinished_run("/projects/credit")
    assert found is not None and found.id == "run-u002"

    store.set_run_status("run-u002", "finished")
    found = store.latest_unfinished_run("/projects/credit")
    assert found is not None and found.id == "run-u001"
    assert store.latest_unfinished_run("/nowhere") is None


# -- inventories and artifacts -------------------------------------------------


def test_inventory_registry_upsert(store: SqlRunStore) -> None:
    assert store.registered_inventories() == {}
    store.register_inventory("train", "dataset", "data/train.parquet", DIGEST_A)
    first = store.registered_inventories()["train"]
    assert first["kind"] == "dataset" and first["digest"] == DIGEST_A
    assert first["registered_at"] == first["updated_at"]
    assert first["registered_at"].tzinfo is not None

    store.register_inventory("train", "dataset", "data/train.parquet", DIGEST_A)
    assert store.registered_inventories()["train"] == first  # nothing changed, nothing bumped

    new_digest = "sha256:" + "c" * 64
    store.register_inventory("train", "dataset", "data/train-v2.parquet", new_digest)
    store.register_inventory("model", "model", "model.skops", DIGEST_A)
    registry = store.registered_inventories()
    assert sorted(registry) == ["model", "train"]
    train = registry["train"]
    assert (train["path"], train["digest"]) == ("data/train-v2.parquet", new_digest)
    assert train["registered_at"] == first["registered_at"]
    assert train["updated_at"] >= first["updated_at"]


def test_record_artifact_inserts_once(store: SqlRunStore, db_path: Path) -> None:
    store.record_artifact(DIGEST_A, 123, "image/svg+xml")
    store.record_artifact(DIGEST_A, 999, "text/plain")  # already known: left as is
    with sqlite3.connect(db_path) as raw:
        rows = raw.execute("SELECT digest, size, media_type FROM artifacts").fetchall()
    assert rows == [(DIGEST_A, 123, "image/svg+xml")]


def test_record_artifact_validates_its_input(store: SqlRunStore) -> None:
    with pytest.raises(StoreError, match="invalid artifact digest"):
        store.record_artifact("sha256:../../etc", 1, "text/plain")
    with pytest.raises(ValueError, match="non-negative integer"):
        store.record_artifact(DIGEST_A, -1, "text/plain")
