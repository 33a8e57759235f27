"""device frames: flagged and incomplete split counters, refused frames kept for inspection

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 22:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ecociv.adapters.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source_device_activity") as batch:
        batch.add_column(
            sa.Column("frames_flagged", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("frames_split_incomplete", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "source_refused_frame",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mn", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("received_at", ecociv.adapters.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_refused_frame")),
        sa.UniqueConstraint(
            "mn", "received_at", "raw_sha256", name=op.f("uq_source_refused_frame_mn")
        ),
    )
    op.create_index("ix_source_refused_frame_mn_at", "source_refused_frame", ["mn", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_source_refused_frame_mn_at", table_name="source_refused_frame")
    op.drop_table("source_refused_frame")
    with op.batch_alter_table("source_device_activity") as batch:
        batch.drop_column("frames_split_incomplete")
        batch.drop_column("frames_flagged")
