"""Opening a store: Alembic migrations, SQLite settings, broken databases."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from aiqm.core.results import Status
from aiqm.exceptions import StoreError
from aiqm.storage import SqlRunStore, open_project_store
from aiqm.storage import _engine as engine_module
from aiqm.storage._schema import Base

from ._factories import db_url, make_result, make_run

TABLES = {
    "alembic_version", "artifacts", "inventories", "runs", "td_results",
    # web application (migration 0002)
    "users", "api_tokens", "components", "component_inventories", "component_tests",
    "web_runs", "web_settings",
}


def test_migrations_create_every_table_and_constraint(db_path: Path) -> None:
    SqlRunStore(db_url(db_path)).close()

    engine = create_engine(db_url(db_path))
    try:
        insp = inspect(engine)
        assert set(insp.get_table_names()) == TABLES
        assert {c["name"] for c in insp.get_columns("td_results")} >= {
            "run_id",
            "td_name",
            "td_index",
            "cache_key",
            "cached_from",
            "payload",
            "duration_s",
        }
        assert {tuple(u["column_names"]) for u in insp.get_unique_constraints("td_results")} == {
            ("run_id", "td_name")
        }
        assert ["cache_key"] in [i["column_names"] for i in insp.get_indexes("td_results")]
        (fk,) = insp.get_foreign_keys("td_results")
        assert fk["referred_table"] == "runs"
        assert fk["options"].get("ondelete") == "CASCADE"
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_heads() == ("0002",)
    finally:
        engine.dispose()


def test_declared_schema_matches_the_migrations(db_path: Path) -> None:
    SqlRunStore(db_url(db_path)).close()
    engine = create_engine(db_url(db_path))
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, Base.metadata) == []
    finally:
        engine.dispose()


def test_reopening_a_migrated_store_does_not_rerun_migrations(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SqlRunStore(db_url(db_path)) as first:
        first.create_run(make_run("run-keep"))

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("migrations ran again on an up-to-date database")

    monkeypatch.setattr(engine_module.command, "upgrade", fail)
    with SqlRunStore(db_url(db_path)) as again:
        assert again.get_run("run-keep").id == "run-keep"


def test_in_memory_store_is_migrated() -> None:
    with SqlRunStore("sqlite://") as s:
        s.create_run(make_run())
        assert [r.id for r, _ in s.list_runs()] == ["run-0001"]


def test_file_store_uses_wal_foreign_keys_and_busy_timeout(store: SqlRunStore) -> None:
    with store._engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000


def test_deleting_a_run_cascades_to_its_results(store: SqlRunStore, db_path: Path) -> None:
    store.create_run(make_run("run-gone"))
    store.save_result("run-gone", make_result(status=Status.OK), 0)
    with store._write_engine.begin() as conn:
        conn.execute(text("DELETE FROM runs WHERE id = 'run-gone'"))
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT count(*) FROM td_results").fetchone() == (0,)


def test_a_database_from_a_newer_aiqm_is_refused(db_path: Path) -> None:
    SqlRunStore(db_url(db_path)).close()
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match=r"revision 9999, made by a newer aiqm"):
        SqlRunStore(db_url(db_path))


def test_a_corrupt_database_file_gives_a_readable_store_error(db_path: Path) -> None:
    db_path.write_bytes(b"this is not sqlite \x00\x01\x02" * 400)
    with pytest.raises(StoreError) as info:
        SqlRunStore(db_url(db_path))
    message = str(info.value)
    assert str(db_path) in message
    assert "file is not a database" in message
    assert "Move it aside" in message


def test_a_missing_folder_gives_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="check that its folder exists"):
        SqlRunStore(db_url(tmp_path / "no" / "such" / "dir" / "aiqm.db"))


def test_an_invalid_url_gives_a_store_error() -> None:
    with pytest.raises(StoreError, match="invalid database URL"):
        SqlRunStore("not a url")


def test_open_project_store_lays_out_the_state_folder(tmp_path: Path) -> None:
    project = tmp_path / "my project #1"  # characters that need care in a URL
    project.mkdir()
    runs, artifacts = open_project_store(project)
    try:
        state = project / ".aiqm"
        assert (state / "aiqm.db").is_file()
        assert (state / "store").is_dir() and (state / "cache").is_dir()
        assert artifacts.root == state / "store"
        runs.create_run(make_run())
    finally:
        runs.close()
    reopened, _ = open_project_store(project)
    with reopened:
        assert reopened.get_run("latest").id == "run-0001"


def test_migrations_render_for_postgresql_without_sqlite_only_sql() -> None:
    buf = io.StringIO()
    cfg = Config(output_buffer=buf)
    cfg.set_main_option("script_location", str(engine_module.MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", "postgresql://user@localhost/aiqm")
    command.upgrade(cfg, "head", sql=True)
    ddl = buf.getvalue()
    for table in ("runs", "td_results", "inventories", "artifacts"):
        assert f"CREATE TABLE {table} (" in ddl
    assert "payload JSONB NOT NULL" in ddl
    assert "created_at TIMESTAMP WITH TIME ZONE NOT NULL" in ddl
    assert "ON DELETE CASCADE" in ddl
    assert "PRAGMA" not in ddl and "AUTOINCREMENT" not in ddl


def test_the_alembic_environment_also_works_from_a_url(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what `alembic upgrade head` with an alembic.ini would do, without aiqm's connection
    cfg = Config()
    cfg.set_main_option("script_location", str(engine_module.MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db_url(db_path))
    command.upgrade(cfg, "head")

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("already at head; nothing to run")

    monkeypatch.setattr(engine_module.command, "upgrade", fail)
    with SqlRunStore(db_url(db_path)) as s:
        s.create_run(make_run())
        assert s.get_run("latest").id == "run-0001"
