"""waste tenancy: a GPS device is bound to one vehicle at a time, a manifest records the
carrier a relay hand-over is offered to, natural keys are stored normalised, and a GPS fix is
keyed by vehicle, device and time

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 22:30:00

An upgraded database may hold a GPS device id on more than one vehicle (the registry did not
refuse it before). The upgrade does not guess which vehicle is the device's: it stops and names
each such device with its plates. Resolution: for each device, clear it on every vehicle that is
not its own (the carrier re-registers the vehicle with an empty ``gps_device_id``, or the bureau
runs ``UPDATE waste_vehicle SET gps_device_id = '' WHERE plate = '…'``), then upgrade again.

Natural keys (plates, GPS device ids, operating certificate, crew qualification, licence,
approval and filing numbers) are rewritten in the form the registry now stores and looks them
up in (``ecociv.waste.rules.registry.natural_key``: NFKC, no white space, Latin letters upper
case). Where two rows of one table would then hold the same key (``浙HQ1001`` and
``浙hq1001``), the upgrade stops and lists them: the bureau decides which record is real,
deletes or renames the other, and upgrades again. Fixes already stored move with their
vehicle's and device's normalised keys.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BOUND = "gps_device_id <> ''"

#: (table, key column, unique): the natural keys normalised by this revision.
_KEYS = (
    ("waste_vehicle", "plate", True),
    ("waste_vehicle", "gps_device_id", False),  # one vehicle per device: _shared_devices
    ("waste_vehicle", "operating_certificate_no", False),
    ("waste_crew", "qualification_no", True),
    ("waste_licence", "number", True),
    ("waste_approval", "number", True),
    ("waste_plan", "filing_no", False),
)
_LATIN_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _key(raw: str) -> str:
    """A frozen copy of ``ecociv.waste.rules.registry.natural_key`` as of this revision."""
    return "".join(unicodedata.normalize("NFKC", raw).split()).translate(_LATIN_UPPER)


def _colliding_keys() -> list[str]:
    bind = op.get_bind()
    found: list[str] = []
    for table, column, unique in _KEYS:
        if not unique:
            continue
        rows = bind.execute(sa.text(f"SELECT {column} FROM {table} WHERE {column} <> ''"))
        seen: dict[str, list[str]] = {}
        for (value,) in rows:
            seen.setdefault(_key(value), []).append(value)
        found += [
            f"{table}.{column} {key}: {' | '.join(sorted(raws))}"
            for key, raws in sorted(seen.items())
            if len(set(raws)) > 1
        ]
    return found


def _normalise_keys() -> None:
    bind = op.get_bind()
    for table, column, _unique in _KEYS:
        rows = bind.execute(sa.text(f"SELECT id, {column} FROM {table}")).all()
        for row_id, value in rows:
            if _key(value) != value:
                bind.execute(
                    sa.text(f"UPDATE {table} SET {column} = :v WHERE id = :id"),
                    {"v": _key(value), "id": row_id},
                )
    pairs = bind.execute(
        sa.text("SELECT DISTINCT vehicle_plate, gps_device_id FROM waste_track_point")
    ).all()
    for plate, device in pairs:
        if (_key(plate), _key(device)) != (plate, device):
            bind.execute(
                sa.text(
                    "UPDATE waste_track_point SET vehicle_plate = :p2, gps_device_id = :d2 "
                    "WHERE vehicle_plate = :p AND gps_device_id = :d"
                ),
                {"p": plate, "d": device, "p2": _key(plate), "d2": _key(device)},
            )


def _shared_devices() -> list[tuple[str, list[str]]]:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT gps_device_id, plate FROM waste_vehicle "
            f"WHERE {_BOUND} ORDER BY gps_device_id, plate"
        )
    )
    plates: dict[str, list[str]] = {}
    for device, plate in rows:
        plates.setdefault(_key(device), []).append(plate)
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
    colliding = _colliding_keys()
    if colliding:
        raise RuntimeError(
            "规范化后以下编号重复（大小写、空格或全角的不同写法），无法升级；请先确认哪条记录有效，"
            "删除或改正其余记录后再升级 (keys that are the same once normalised — "
            f"{'; '.join(colliding)}. Keep the real record, delete or correct the others, "
            "then upgrade again.)"
        )
    _normalise_keys()
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
    with op.batch_alter_table("waste_track_point") as batch:
        batch.drop_constraint("uq_waste_track_point_gps_device_id", type_="unique")
        batch.create_unique_constraint(
            batch.f("uq_waste_track_point_vehicle_plate"),
            ["vehicle_plate", "gps_device_id", "observed_at"],
        )


def downgrade() -> None:
    with op.batch_alter_table("waste_track_point") as batch:
        batch.drop_constraint("uq_waste_track_point_vehicle_plate", type_="unique")
        batch.create_unique_constraint(
            batch.f("uq_waste_track_point_gps_device_id"), ["gps_device_id", "observed_at"]
        )
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
