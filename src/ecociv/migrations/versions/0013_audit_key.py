"""audit key: each audit entry names the key of its HMAC ("" for the unkeyed entries written
before), and the log refuses REPLACE and an insert that is not after its last entry

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_FUNCTION = (
    "CREATE FUNCTION audit_log_insert_in_order() RETURNS trigger AS $$ "
    "BEGIN "
    "IF NEW.seq <= (SELECT coalesce(max(seq), 0) FROM audit_log) THEN "
    "RAISE EXCEPTION 'audit_log is append-only: seq % is not after the last entry', NEW.seq; "
    "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
)


def upgrade() -> None:
    # A plain ADD COLUMN (the table is not copied, so its triggers stay in place).
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(
            sa.Column("key_id", sa.String(length=16), nullable=False, server_default="")
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_log_insert_in_order BEFORE INSERT ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_insert_in_order()"
        )
    else:
        # INSERT OR REPLACE deletes the old row without firing DELETE triggers (unless
        # PRAGMA recursive_triggers is on, which not every client sets): refuse it here.
        op.execute(
            "CREATE TRIGGER audit_log_insert_in_order BEFORE INSERT ON audit_log "
            "WHEN NEW.seq <= (SELECT coalesce(max(seq), 0) FROM audit_log) "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def downgrade() -> None:
    bind = op.get_bind()
    keyed = bind.execute(sa.text("SELECT count(*) FROM audit_log WHERE key_id <> ''")).scalar()
    if keyed:
        raise RuntimeError(
            f"{keyed} audit entries are keyed: without key_id they could not be verified"
        )
    op.execute("DROP TRIGGER IF EXISTS audit_log_insert_in_order" + _on_table(bind))
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_insert_in_order()")
        with op.batch_alter_table("audit_log") as batch:
            batch.drop_column("key_id")
        return
    # SQLite copies the table to drop a column, and the copy has no triggers: restore them.
    with op.batch_alter_table("audit_log", recreate="always") as batch:
        batch.drop_column("key_id")
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def _on_table(bind: sa.engine.Connection) -> str:
    return " ON audit_log" if bind.dialect.name == "postgresql" else ""
