"""manifest carriers: every carrier of a manifest, so a relay carrier sees the manifests it
carried

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 00:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("waste_manifest") as batch:
        batch.add_column(
            sa.Column("carriers", sa.String(length=400), nullable=False, server_default="")
        )
    # existing manifests: their planned carrier (the next save of each adds its relay carriers)
    op.execute("UPDATE waste_manifest SET carriers = ',' || carrier_uscc || ','")


def downgrade() -> None:
    with op.batch_alter_table("waste_manifest") as batch:
        batch.drop_column("carriers")
