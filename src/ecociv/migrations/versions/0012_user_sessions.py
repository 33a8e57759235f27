"""user sessions and failed sign-ins: server-side sessions that logout, a password change or
disabling can end at once, and the per-address sign-in limit shared by every worker

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ecociv.adapters.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", ecociv.adapters.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", ecociv.adapters.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", ecociv.adapters.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", ecociv.adapters.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=20), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_session_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("session_hash", name=op.f("uq_user_session_session_hash")),
    )
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"])
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", ecociv.adapters.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
    )
    op.create_index(
        "ix_login_failure_address_at", "login_failure", ["client_address", "occurred_at"]
    )
    op.create_index("ix_login_failure_occurred_at", "login_failure", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_login_failure_occurred_at", table_name="login_failure")
    op.drop_index("ix_login_failure_address_at", table_name="login_failure")
    op.drop_table("login_failure")
    op.drop_index(op.f("ix_user_session_user_id"), table_name="user_session")
    op.drop_table("user_session")
