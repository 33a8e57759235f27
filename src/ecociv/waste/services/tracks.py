"""Locate and track (能定位、能跟踪): GPS fixes of the carriers' vehicles through a bulk API,
a manifest's planned route, its track for playback, and the map of facilities and vehicles
in transit.

Fixes are stored as received with their datum (WGS-84 from a GNSS receiver, GCJ-02 from some
vehicle platforms); pages get GCJ-02, the datum of the base map and of the boundaries. A batch
with a bad row stores nothing, and a fix sent again is stored once (device, time).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ecociv import audit
from ecociv.adapters.db import Database
from ecociv.kernel import (
    Actor,
    Clock,
    NotFoundError,
    Permission,
    PermissionDeniedError,
    Role,
    SystemClock,
    ValidationError,
    can,
    ensure,
)
from ecociv.waste.repository import manifest_of, wgs84_of
from ecociv.waste.rules import manifest as machine
from ecociv.waste.rules import tracks as geo
from ecociv.waste.rules.registry import (
    FUTURE_FIX_TOLERANCE,
    check_eta,
    check_position,
    fix_in_future,
    natural_key,
)
from ecociv.waste.services.manifests import read_conditions, ref_condition
from ecociv.waste.services.registry import facilities, unit_of
from ecociv.waste.services.warnings import evaluate_vehicles_in
from ecociv.waste.tables import ManifestRow, TrackPointRow, VehicleRow

#: The most fixes one request may carry, and how many rows go in one INSERT statement (under
#: SQLite's 32,766 bound parameters at 9 a row).
MAX_BATCH = 100_000
INSERT_CHUNK = 2_000
DATUMS = ("WGS-84", "GCJ-02")


@dataclass(frozen=True, slots=True)
class FixInput:
    gps_device_id: str
    observed_at: datetime
    longitude: float
    latitude: float
    datum: str = "WGS-84"
    speed_kmh: float | None = None
    heading_deg: float | None = None


@dataclass(frozen=True, slots=True)
class IngestResult:
    """``unchanged``: fixes already stored exactly so; ``conflicting``: fixes at a stored
    (vehicle, device, time) with a different position, not stored."""

    received: int
    inserted: int
    unchanged: int
    conflicting: int = 0


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _check(
    index: int, fix: FixInput, devices: Mapping[str, str], now: datetime
) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []

    def bad(name: str, message: str) -> None:
        errors.append({"field": f"row {index}: {name}", "message": message})

    if fix.gps_device_id not in devices:
        bad("gps_device_id", f"设备 “{fix.gps_device_id}” 未绑定车辆 (device not on a vehicle)")
    if fix.observed_at.tzinfo is None:
        bad("observed_at", "时间须带时区 (naive time)")
    elif fix_in_future(fix.observed_at, now):
        minutes = int(FUTURE_FIX_TOLERANCE.total_seconds() // 60)
        bad(
            "observed_at",
            f"定位时间 {fix.observed_at.isoformat()} 晚于服务器时间超过 {minutes} 分钟 "
            f"(a fix more than {minutes} minutes in the future)",
        )
    if fix.datum not in DATUMS:
        bad("datum", f"坐标系 “{fix.datum}” 应为 WGS-84 或 GCJ-02 (unknown datum)")
    if not (math.isfinite(fix.longitude) and 73.0 <= fix.longitude <= 136.0):
        bad("longitude", f"经度 {fix.longitude} 不在中国范围内 (longitude out of range)")
    if not (math.isfinite(fix.latitude) and 3.0 <= fix.latitude <= 54.0):
        bad("latitude", f"纬度 {fix.latitude} 不在中国范围内 (latitude out of range)")
    if fix.speed_kmh is not None and not (0 <= fix.speed_kmh <= 200):
        bad("speed_kmh", f"速度 {fix.speed_kmh} km/h 不合理 (speed out of range)")
    return errors


def ingest_fixes(
    db: Database, actor: Actor, fixes: Sequence[FixInput], clock: Clock | None = None
) -> IngestResult:
    """Store a batch of GPS fixes: all or nothing (errors name the row and field), each fix
    once. A carrier's users send their own vehicles' fixes; the bureau and administrators any.
    A fix is keyed by vehicle, device and time, so another vehicle's earlier fixes on the same
    device never block this vehicle's; one stamped more than
    :data:`~ecociv.waste.rules.registry.FUTURE_FIX_TOLERANCE` after the server's clock is
    refused; one at a stored key with a different position is counted as conflicting and not
    stored."""
    if len(fixes) > MAX_BATCH:
        raise ValidationError(f"一次最多 {MAX_BATCH} 个定位点 (batch too large)", field="fixes")
    now = (clock or SystemClock()).now()
    fixes = [replace(f, gps_device_id=natural_key(f.gps_device_id)) for f in fixes]
    with db.transaction() as session:
        owner: str | None = None
        if not (actor.role is Role.ADMIN or can(actor, Permission.WASTE_MANAGE)):
            ensure(actor, Permission.WASTE_ACT)
            owner = unit_of(session, actor)
            if owner is None:
                raise PermissionDeniedError("本账户不是承运单位 (not a carrier's account)")
        vehicles = session.execute(
            select(VehicleRow.gps_device_id, VehicleRow.plate, VehicleRow.owner_uscc).where(
                VehicleRow.gps_device_id != ""
            )
        ).all()
        devices = {d: plate for d, plate, o in vehicles if owner is None or o == owner}
        errors = [e for i, fix in enumerate(fixes, start=1) for e in _check(i, fix, devices, now)]
        if errors:
            raise ValidationError(
                f"{len(errors)} 处错误，未写入任何定位点 (nothing stored)",
                field=errors[0]["field"],
                errors=errors,
            )
        fresh, unchanged, conflicting = _classify(session, fixes, devices)
        insert = _insert(session)
        inserted = 0
        rows = [
            {
                "gps_device_id": fix.gps_device_id,
                "vehicle_plate": devices[fix.gps_device_id],
                "observed_at": fix.observed_at,
                "longitude": fix.longitude,
                "latitude": fix.latitude,
                "datum": fix.datum,
                "speed_kmh": fix.speed_kmh,
                "heading_deg": fix.heading_deg,
                "received_at": now,
            }
            for fix in fresh
        ]
        for start in range(0, len(rows), INSERT_CHUNK):  # one statement per chunk of rows
            new = session.execute(
                insert(TrackPointRow)
                .values(rows[start : start + INSERT_CHUNK])
                .on_conflict_do_nothing(
                    index_elements=["vehicle_plate", "gps_device_id", "observed_at"]
                )
                .returning(TrackPointRow.id)
            ).all()
            inserted += len(new)  # the rows returned are the new ones
        conflicting += len(fresh) - inserted  # stored meanwhile by another request
        if inserted:
            evaluate_vehicles_in(session, sorted({devices[f.gps_device_id] for f in fixes}), now)
            audit.record(
                session, actor, "waste_track.ingest", "waste_track", f"{len(fixes)} fixes",
                None, {"received": len(fixes), "inserted": inserted, "conflicting": conflicting},
                only_changes=False,
            )  # fmt: skip
    return IngestResult(len(fixes), inserted, unchanged, conflicting)


_Key = tuple[str, str, datetime]


def _classify(
    session: Session, fixes: Sequence[FixInput], devices: Mapping[str, str]
) -> tuple[list[FixInput], int, int]:
    """The fixes to store, and how many are already stored exactly so (or repeated in the
    batch) and how many contradict a stored or earlier fix at the same key."""
    stored: dict[_Key, tuple[float, float, str]] = {}
    if fixes:
        start = min(f.observed_at for f in fixes)
        end = max(f.observed_at for f in fixes)
        for device in sorted({f.gps_device_id for f in fixes}):
            found = session.execute(
                select(
                    TrackPointRow.observed_at, TrackPointRow.longitude, TrackPointRow.latitude,
                    TrackPointRow.datum,
                ).where(
                    TrackPointRow.vehicle_plate == devices[device],
                    TrackPointRow.gps_device_id == device,
                    TrackPointRow.observed_at >= start,
                    TrackPointRow.observed_at <= end,
                )
            )  # fmt: skip
            for at, lon, lat, datum in found:
                stored[(devices[device], device, at)] = (lon, lat, datum)
    fresh: list[FixInput] = []
    unchanged = conflicting = 0
    for fix in fixes:
        key = (devices[fix.gps_device_id], fix.gps_device_id, fix.observed_at)
        position = (fix.longitude, fix.latitude, fix.datum)
        if key not in stored:
            stored[key] = position
            fresh.append(fix)
        elif stored[key] == position:
            unchanged += 1
        else:
            conflicting += 1
    return fresh, unchanged, conflicting


def set_route(
    db: Database,
    actor: Actor,
    ref: str,
    *,
    lon: Sequence[float],
    lat: Sequence[float],
    eta_minutes: int,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """File a manifest's planned route (WGS-84 polyline) and its expected travel time: the
    corridor W06 checks, the ETA of W03 and the distance of W13. The carrier or the consignor
    of the manifest, or the bureau, before loading: they lock with the transport section when
    it is signed at departure (:func:`ecociv.waste.rules.manifest.check_planning_open`); a
    refused rewrite changes nothing."""
    if len(lon) != len(lat) or len(lon) < 2:
        raise ValidationError(
            "路线至少两个点，经纬度个数一致 (a route needs 2+ points)", field="route"
        )
    check_eta(eta_minutes)
    for x, y in zip(lon, lat, strict=True):
        check_position(x, y)
    with db.transaction() as session:
        row = session.scalar(
            select(ManifestRow).where(ref_condition(ref), *read_conditions(session, actor))
        )
        if row is None:
            raise NotFoundError(f"没有联单 {ref} (no such manifest)", field="manifest")
        if not (actor.role is Role.ADMIN or can(actor, Permission.WASTE_MANAGE)):
            ensure(actor, Permission.WASTE_ACT)
            unit = unit_of(session, actor) or "-"
            if unit != row.consignor_uscc and f",{unit}," not in row.carriers:
                raise PermissionDeniedError(
                    "只有承运人或移出人可以报送路线 (only the carrier or consignor files the route)"
                )
        planned = manifest_of(row.body)
        machine.check_planning_open(planned, "route")
        km = geo.route_length_km(list(lon), list(lat))
        route = {
            "datum": "WGS-84",
            "lon": [float(x) for x in lon],
            "lat": [float(y) for y in lat],
            "eta_minutes": int(eta_minutes),
            "distance_km": round(km, 3),
        }
        before = row.route
        row.route = route
        row.updated_at = (clock or SystemClock()).now()
        audit.record(
            session, actor, "waste_manifest.route", "waste_manifest", row.number or str(row.id),
            {"route": before}, {"route": route},
        )  # fmt: skip
        return route


@dataclass(frozen=True, slots=True)
class Track:
    """A manifest's track: fixes in time order in GCJ-02 for the map, the stops derived from
    them, and the planned route in GCJ-02."""

    reference: str
    times: list[datetime]
    lon: list[float]
    lat: list[float]
    speed_kmh: list[float | None]
    stops: list[dict[str, Any]]
    route_lon: list[float]
    route_lat: list[float]
    start: datetime | None
    end: datetime | None


def _fixes(
    session: Session, plates: Sequence[str], start: datetime, end: datetime
) -> list[TrackPointRow]:
    return list(
        session.scalars(
            select(TrackPointRow)
            .where(
                TrackPointRow.vehicle_plate.in_(list(plates)),
                TrackPointRow.observed_at >= start,
                TrackPointRow.observed_at <= end,
            )
            .order_by(TrackPointRow.observed_at, TrackPointRow.id)
        )
    )


def manifest_track(db: Database, actor: Actor, ref: str, now: datetime) -> Track:
    """The track of a manifest's transport (its vehicles, from departure to delivery or now)."""
    with db.reading() as session:
        row = session.scalar(
            select(ManifestRow).where(ref_condition(ref), *read_conditions(session, actor))
        )
        if row is None:
            raise NotFoundError(f"没有联单 {ref} (no such manifest)", field="manifest")
        m = manifest_of(row.body)
        plates = [leg.vehicle_plate for leg in m.legs]
        start = m.departed_at
        end = m.delivered_at or now
        fixes = _fixes(session, plates, start, end) if plates and start else []
    lon, lat = wgs84_of(fixes)
    times = [f.observed_at for f in fixes]
    stops: list[dict[str, Any]] = []
    if len(fixes) >= 2:
        found = geo.derive_stops(geo.utc_instants(times), lon, lat)
        for s in found:
            c_lon, c_lat = geo.wgs84_to_gcj02([s.lon], [s.lat])
            stops.append(
                {
                    "start": _aware(s.start),
                    "end": _aware(s.end),
                    "minutes": round(s.minutes, 1),
                    "lon": float(c_lon[0]),
                    "lat": float(c_lat[0]),
                }
            )
    g_lon: Any = []
    g_lat: Any = []
    if lon:
        g_lon, g_lat = geo.wgs84_to_gcj02(lon, lat)
    route_lon: list[float] = []
    route_lat: list[float] = []
    if row.route:
        r_lon, r_lat = geo.wgs84_to_gcj02(row.route["lon"], row.route["lat"])
        route_lon, route_lat = [float(x) for x in r_lon], [float(y) for y in r_lat]
    return Track(
        reference=m.number or f"#{row.id}",
        times=times,
        lon=[float(x) for x in g_lon],
        lat=[float(y) for y in g_lat],
        speed_kmh=[f.speed_kmh for f in fixes],
        stops=stops,
        route_lon=route_lon,
        route_lat=route_lat,
        start=start,
        end=m.delivered_at,
    )


def _aware(value: Any) -> datetime:
    """A numpy datetime64 (UTC) or an aware datetime, as an aware datetime."""
    if isinstance(value, datetime):
        return value
    seconds = int(value.astype("datetime64[s]").astype("int64"))
    return datetime.fromtimestamp(seconds, UTC)


def transport_map(db: Database, actor: Actor, now: datetime) -> dict[str, Any]:
    """The map: facilities (GCJ-02) and vehicles in transit with their last fix (GCJ-02),
    as GeoJSON feature collections, within the actor's scope."""
    with db.reading() as session:
        rows = session.scalars(
            select(ManifestRow).where(
                ManifestRow.state == "in_transit", *read_conditions(session, actor)
            )
        ).all()
        sites = facilities(session)
        vehicles: list[dict[str, Any]] = []
        for row in rows:
            m = manifest_of(row.body)
            leg = m.current_leg
            if leg is None or m.departed_at is None:
                continue
            last = session.scalar(
                select(TrackPointRow)
                .where(
                    TrackPointRow.vehicle_plate == leg.vehicle_plate,
                    TrackPointRow.observed_at >= m.departed_at,
                    TrackPointRow.observed_at <= now,
                )
                .order_by(TrackPointRow.observed_at.desc())
                .limit(1)
            )
            if last is None:
                continue
            lon, lat = wgs84_of([last])
            g_lon, g_lat = geo.wgs84_to_gcj02(lon, lat)
            vehicles.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [round(float(g_lon[0]), 6), round(float(g_lat[0]), 6)],
                    },
                    "properties": {
                        "manifest": m.number,
                        "plate": leg.vehicle_plate,
                        "consignor": sites[m.consignor_uscc].name
                        if m.consignor_uscc in sites
                        else m.consignor_uscc,
                        "receiver": sites[m.receiver_uscc].name
                        if m.receiver_uscc in sites
                        else m.receiver_uscc,
                        "last_fix_at": last.observed_at.isoformat(),
                        "minutes_since_fix": round((now - last.observed_at) / timedelta(minutes=1)),
                        "synthetic": row.is_synthetic,
                    },
                }
            )
    visible = _visible_sites(sites, actor)
    return {
        "datum": "GCJ-02",
        "facilities": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [f.longitude, f.latitude]},
                    "properties": {
                        "uscc": f.uscc,
                        "name": f.name,
                        "kind": f.kind,
                        "adcode": f.adcode,
                        "in_city": f.in_city,
                        "synthetic": f.is_synthetic,
                    },
                }
                for f in visible
                if f.longitude is not None and f.latitude is not None
            ],
        },
        "vehicles": {"type": "FeatureCollection", "features": vehicles},
    }


def _visible_sites(sites: Mapping[str, Any], actor: Actor) -> list[Any]:
    """Facility sites are registry information every signed-in role may see."""
    ensure(actor, Permission.WASTE_READ)
    return sorted(sites.values(), key=lambda f: f.uscc)
