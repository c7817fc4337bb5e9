"""The web tables: migration 0002 agrees with the declared schema; the store's records."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import aiqm.storage._web_schema  # noqa: F401  (registers the web tables on Base.metadata)
from aiqm.exceptions import InputError
from aiqm.storage import _engine as engine_module
from aiqm.storage._schema import Base
from aiqm.storage.web_store import WebStore

WEB_TABLES = {"users", "api_tokens", "components", "component_inventories", "component_tests",
              "web_runs", "web_settings"}


def test_migration_0002_creates_the_web_tables_as_declared(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'aiqm.db'}"
    WebStore(url).close()
    engine = create_engine(url)
    try:
        insp = inspect(engine)
        assert set(insp.get_table_names()) >= WEB_TABLES | {"runs", "td_results"}
        fks = {fk["referred_table"]: fk["options"].get("ondelete")
               for fk in insp.get_foreign_keys("component_tests")}
        assert fks == {"components": "CASCADE"}
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert ctx.get_current_heads() == ("0002",)
            assert compare_metadata(ctx, Base.metadata) == []
    finally:
        engine.dispose()


def test_migration_0002_downgrades_and_renders_for_postgresql(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'aiqm.db'}"
    cfg = Config()
    cfg.set_main_option("script_location", str(engine_module.MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "0001")
    engine = create_engine(url)
    try:
        assert not set(inspect(engine).get_table_names()) & WEB_TABLES
    finally:
        engine.dispose()
    buf = io.StringIO()
    pg = Config(output_buffer=buf)
    pg.set_main_option("script_location", str(engine_module.MIGRATIONS_DIR))
    pg.set_main_option("sqlalchemy.url", "postgresql://user@localhost/aiqm")
    command.upgrade(pg, "0001:0002", sql=True)
    ddl = buf.getvalue()
    for table in WEB_TABLES:
        assert f"CREATE TABLE {table} (" in ddl
    assert "spec JSONB NOT NULL" in ddl and "PRAGMA" not in ddl


def test_store_keeps_names_unique_and_cascades_deletes() -> None:
    with WebStore("sqlite://") as store:
        u = store.create_user("ann", "$argon2id$x", "viewer")
        with pytest.raises(InputError, match="exists already"):
            store.create_user("ann", "$argon2id$y", "admin")
        with pytest.raises(InputError, match="role must be one of"):
            store.create_user("bob", "$argon2id$y", "root")
        c = store.create_component("c", {"name": "c", "task": "other"}, {})
        with pytest.raises(InputError, match="exists already"):
            store.create_component("c", {"name": "c", "task": "other"}, {})
        store.save_test(c.id, {"name": "t", "characteristic": "C-1", "ait": "fake@1"})
        with pytest.raises(InputError, match="already"):
            store.save_test(c.id, {"name": "t", "characteristic": "C-1", "ait": "fake@1"})
        store.save_inventory(c.id, "d", kind="dataset", spec={}, file=None, digest=None, size=None,
                             source="none", label="")
        w = store.create_web_run("abcdefabcdef", c.id, "ann")
        assert w.active and store.update_web_run(w.id, status="finished") is not None
        assert store.update_web_run(w.id, only_if_active=True, status="failed") is None
        store.delete_component(c.id)
        assert store.list_tests(c.id) == [] and store.list_inventories(c.id) == []
        assert store.get_web_run(w.id) is None
        assert store.get_user(u.id).username == "ann"
        assert u.can("viewer") and not u.can("evaluator")
