"""Web application: users, API tokens, components, their inventories and tests, web runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Migrations are frozen snapshots: use ``sa`` types and literal names here, never
import from ``aiqm`` (the schema module will have moved on).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _component_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["component_id"], ["components.id"], name=f"fk_{table}_component_id_components",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    """Create the web application's tables."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("last_login_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        _ts("created_at"),
        _ts("last_used_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_api_tokens_user_id_users", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])

    op.create_table(
        "components",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("spec", _JSON, nullable=False),
        sa.Column("settings", _JSON, nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_components"),
        sa.UniqueConstraint("name", name="uq_components_name"),
    )
    op.create_table(
        "component_inventories",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("spec", _JSON, nullable=False),
        sa.Column("file", sa.String(255), nullable=True),
        sa.Column("digest", sa.String(80), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_component_inventories"),
        _component_fk("component_inventories"),
        sa.UniqueConstraint(
            "component_id", "name", name="uq_component_inventories_component_id_name"
        ),
    )
    op.create_index(
        "ix_component_inventories_component_id", "component_inventories", ["component_id"]
    )
    op.create_table(
        "component_tests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("spec", _JSON, nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_component_tests"),
        _component_fk("component_tests"),
        sa.UniqueConstraint("component_id", "name", name="uq_component_tests_component_id_name"),
    )
    op.create_index("ix_component_tests_component_id", "component_tests", ["component_id"])

    op.create_table(
        "web_runs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(255), nullable=True),
        sa.Column("resume_of", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("started_at", nullable=True),
        _ts("finished_at", nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("counts", _JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_web_runs"),
        _component_fk("web_runs"),
    )
    op.create_index("ix_web_runs_component_id_created_at", "web_runs", ["component_id", "created_at"])
    op.create_index("ix_web_runs_status", "web_runs", ["status"])

    op.create_table(
        "web_settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", _JSON, nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("key", name="pk_web_settings"),
    )


def downgrade() -> None:
    """Drop everything :func:`upgrade` created."""
    op.drop_table("web_settings")
    op.drop_index("ix_web_runs_status", table_name="web_runs")
    op.drop_index("ix_web_runs_component_id_created_at", table_name="web_runs")
    op.drop_table("web_runs")
    op.drop_index("ix_component_tests_component_id", table_name="component_tests")
    op.drop_table("component_tests")
    op.drop_index("ix_component_inventories_component_id", table_name="component_inventories")
    op.drop_table("component_inventories")
    op.drop_table("components")
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("users")
