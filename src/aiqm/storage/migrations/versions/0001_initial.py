"""Initial schema: runs, td_results, inventories, artifacts.

Revision ID: 0001
Revises:
Create Date: 2026-11-29

Migrations are frozen snapshots: use ``sa`` types and literal names here, never
import from ``aiqm`` (the schema module will have moved on).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the four tables and their indexes."""
    op.create_table(
        "runs",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("project_dir", sa.Text(), nullable=False),
        sa.Column("component", sa.String(255), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("executor", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("finished_at", nullable=True),
        sa.Column("config", _JSON, nullable=False),
        sa.Column("environment", _JSON, nullable=False),
        sa.Column("inventories", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )
    op.create_index("ix_runs_created_at", "runs", ["created_at"])
    op.create_index("ix_runs_project_dir_status", "runs", ["project_dir", "status"])

    op.create_table(
        "td_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(255), nullable=False),
        sa.Column("td_name", sa.String(255), nullable=False),
        sa.Column("td_index", sa.Integer(), nullable=False),
        sa.Column("characteristic", sa.String(255), nullable=False),
        sa.Column("ait_id", sa.String(255), nullable=False),
        sa.Column("ait_version", sa.String(64), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("cache_key", sa.String(255), nullable=False),
        sa.Column("cached_from", sa.String(255), nullable=True),
        sa.Column("payload", _JSON, nullable=False),
        _ts("started_at", nullable=True),
        _ts("finished_at", nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_td_results"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name="fk_td_results_run_id_runs", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("run_id", "td_name", name="uq_td_results_run_id_td_name"),
    )
    op.create_index("ix_td_results_cache_key", "td_results", ["cache_key"])

    op.create_table(
        "inventories",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(255), nullable=False),
        _ts("registered_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("name", name="pk_inventories"),
    )

    op.create_table(
        "artifacts",
        sa.Column("digest", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(255), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("digest", name="pk_artifacts"),
    )


def downgrade() -> None:
    """Drop everything :func:`upgrade` created."""
    op.drop_table("artifacts")
    op.drop_table("inventories")
    op.drop_index("ix_td_results_cache_key", table_name="td_results")
    op.drop_table("td_results")
    op.drop_index("ix_runs_project_dir_status", table_name="runs")
    op.drop_index("ix_runs_created_at", table_name="runs")
    op.drop_table("runs")
