"""waste tenancy: a GPS device is bound to one vehicle at a time, and a manifest records the
carrier a relay hand-over is offered to

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 22:30:00

An upgraded database may hold a GPS device id on more than one vehicle (the registry did not
refuse it before). The upgrade does not guess which vehicle is the device's: it stops and names
each such device with its plates. Resolution: for each device, clear it on every vehicle that is
not its own (the carrier re-registers the vehicle with an empty ``gps_device_id``, or the bureau
runs ``UPDATE waste_vehicle SET gps_device_id = '' WHERE plate = '…'``), then upgrade again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BOUND = "gps_device_id <> ''"


def _shared_devices() -> list[tuple[str, list[str]]]:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT gps_device_id, plate FROM waste_vehicle "
            f"WHERE {_BOUND} ORDER BY gps_device_id, plate"
        )
    )
    plates: dict[str, list[str]] = {}
    for device, plate in rows:
        plates.setdefault(device, []).append(plate)
    return [(d, p) for d, p in plates.items() if len(p) > 1]


def upgrade() -> None:
    shared = _shared_devices()
    if shared:
        listed = "; ".join(f"{d}: {', '.join(p)}" for d, p in shared)
        raise RuntimeError(
            "GPS 设备同时绑定在多辆车上，无法升级；请先在不属于该设备的车辆上清除设备号再升级 "
            f"(GPS devices bound to more than one vehicle — {listed}. Clear gps_device_id on "
            "every vehicle the device does not belong to, then upgrade again.)"
        )
    with op.batch_alter_table("waste_vehicle") as batch:
        batch.drop_index(batch.f("ix_waste_vehicle_gps_device_id"))
        batch.create_index(
            "uq_waste_vehicle_gps_device_id",
            ["gps_device_id"],
            unique=True,
            sqlite_where=sa.text(_BOUND),
            postgresql_where=sa.text(_BOUND),
        )
    with op.batch_alter_table("waste_manifest") as batch:
        batch.add_column(sa.Column("relay_to_uscc", sa.String(length=18), nullable=True))
        batch.create_index(batch.f("ix_waste_manifest_relay_to_uscc"), ["relay_to_uscc"])


def downgrade() -> None:
    with op.batch_alter_table("waste_manifest") as batch:
        batch.drop_index(batch.f("ix_waste_manifest_relay_to_uscc"))
        batch.drop_column("relay_to_uscc")
    with op.batch_alter_table("waste_vehicle") as batch:
        batch.drop_index(
            "uq_waste_vehicle_gps_device_id",
            sqlite_where=sa.text(_BOUND),
            postgresql_where=sa.text(_BOUND),
        )
        batch.create_index(
            batch.f("ix_waste_vehicle_gps_device_id"), ["gps_device_id"], unique=False
        )
