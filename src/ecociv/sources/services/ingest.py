"""What the HJ 212 receiver calls: authenticate a device, store its frames in the readings
store, add to its frame counters; and the device status the pages show.

The receiver hands plain values (:class:`DeviceFrame`); nothing here knows the wire format.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingRow, ReadingsStore
from ecociv.kernel import Actor, ValidationError
from ecociv.sources.model import (
    ACTIVITY_COUNTERS,
    CrcPolicy,
    DeviceAuth,
    DeviceFrame,
    DeviceStatus,
    ProtocolEdition,
    StoreOutcome,
)
from ecociv.sources.rules import hash_password, parameter_name
from ecociv.sources.services.registry import (
    DEVICE_CACHE,
    DEVICE_CACHE_SECONDS,
    enterprise_names,
    read_scope,
    scoped_outlets,
)
from ecociv.sources.tables import DeviceActivityRow, DeviceRow, OutletRow

#: Compared against when the MN is unknown, so an unknown MN takes as long as a known one.
_DUMMY_HASH = hash_password("\x00unknown device\x00")
#: Who the readings store records as the loader of frames.
RECEIVER_NAME = "hj212-receiver"


def _lookup(db: Database, mn: str) -> tuple[DeviceAuth | None, str]:
    key = (db.url, mn)
    cached = DEVICE_CACHE.get(key)
    if cached is not None and time.monotonic() - cached[0] < DEVICE_CACHE_SECONDS:
        return cached[1], cached[2]
    with db.reading() as session:
        found = session.execute(
            select(DeviceRow, OutletRow.code, OutletRow.enterprise_uscc)
            .join(OutletRow, OutletRow.id == DeviceRow.outlet_id)
            .where(DeviceRow.mn == mn)
        ).first()
    auth: DeviceAuth | None = None
    digest = _DUMMY_HASH
    if found is not None:
        row, outlet_code, uscc = found
        auth = DeviceAuth(
            mn=row.mn,
            outlet_code=outlet_code,
            enterprise_uscc=uscc,
            crc_policy=CrcPolicy(row.crc_policy),
            edition=ProtocolEdition(row.edition),
            active=row.active,
        )
        digest = row.password_sha256
    DEVICE_CACHE[key] = (time.monotonic(), auth, digest)
    return auth, digest


def authenticate_device(db: Database, mn: str, password: str) -> DeviceAuth | None:
    """The device if the MN is registered and the password matches (constant-time on the
    SHA-256 hashes), else None. An inactive device authenticates (``active`` false): the
    receiver decides what to do with it. Lookups are cached for a minute per MN."""
    auth, digest = _lookup(db, mn)
    matches = hmac.compare_digest(hash_password(password), digest)
    return auth if auth is not None and matches else None


def device_for(db: Database, mn: str) -> DeviceAuth | None:
    """The registered device of an MN, without checking a password (cached like
    :func:`authenticate_device`)."""
    return _lookup(db, mn)[0]


def store_frames(db: Database, store: ReadingsStore, frames: Sequence[DeviceFrame]) -> StoreOutcome:
    """Store the readings of a batch of frames in one readings-store load (idempotent on
    outlet, parameter and time: a resent frame adds nothing). A reading's site is the
    device's outlet code, its parameter ``code-suffix`` (minute and daily data get their own
    series, see :data:`ecociv.sources.rules.DATA_CNS`), its time the frame's DataTime and its
    flag the data flag. Within a batch the last value of a key wins. Values of unregistered
    devices or of CNs without readings are counted as ignored."""
    if not frames:
        return StoreOutcome(0, 0, 0)
    rows: dict[tuple[str, str, datetime], ReadingRow] = {}
    ignored = 0
    received = frames[0].received_at
    for frame in frames:
        if frame.data_time.tzinfo is None:
            raise ValidationError("DataTime 须带时区 (naive DataTime)", field="data_time")
        received = max(received, frame.received_at)
        device = device_for(db, frame.mn)
        if device is None:
            ignored += len(frame.values)
            continue
        for value in frame.values:
            parameter = parameter_name(value.code, value.suffix, frame.cn)
            if parameter is None:
                ignored += 1
                continue
            key = (device.outlet_code, parameter, frame.data_time)
            rows[key] = ReadingRow(
                len(rows) + 1,
                device.outlet_code,
                parameter,
                frame.data_time,
                float(value.value),
                value.flag,
            )
    if not rows:
        return StoreOutcome(0, 0, 0, ignored)
    result = store.load(list(rows.values()), "hj212", RECEIVER_NAME, loaded_at=received)
    return StoreOutcome(result.inserted, result.unchanged, result.replaced, ignored, result.load_id)


def _insert_for(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def record_device_activity(
    db: Database, mn: str, counts: Mapping[str, int], last_frame_at: datetime | None
) -> None:
    """Add the receiver's counter deltas for an MN (registered or not): ``frames_ok``,
    ``frames_bad_crc``, ``frames_bad_format``, ``frames_duplicate``, ``frames_refused_auth``.
    ``last_frame_at`` is when the latest of these frames arrived; it becomes the device's
    last frame (the online clock) when the deltas hold an accepted frame (ok or duplicate),
    and its last attempt in any case."""
    unknown = set(counts) - set(ACTIVITY_COUNTERS)
    if unknown:
        raise ValidationError(f"未知计数项 {sorted(unknown)} (unknown counter)", field="counts")
    if last_frame_at is not None and last_frame_at.tzinfo is None:
        raise ValidationError("时间须带时区 (naive time)", field="last_frame_at")
    moment = last_frame_at or datetime.now().astimezone()
    accepted = counts.get("frames_ok", 0) + counts.get("frames_duplicate", 0) > 0
    with db.transaction() as session:
        insert = _insert_for(session)
        session.execute(
            insert(DeviceActivityRow)
            .values(
                mn=mn,
                first_seen_at=moment,
                last_attempt_at=moment,
                last_frame_at=None,
                **dict.fromkeys(ACTIVITY_COUNTERS, 0),
            )
            .on_conflict_do_nothing(index_elements=["mn"])
        )
        row = session.execute(
            select(DeviceActivityRow).where(DeviceActivityRow.mn == mn).with_for_update()
        ).scalar_one()
        values: dict[str, Any] = {
            name: getattr(DeviceActivityRow, name) + int(counts.get(name, 0))
            for name in ACTIVITY_COUNTERS
            if counts.get(name)
        }
        if row.last_attempt_at is None or moment > row.last_attempt_at:
            values["last_attempt_at"] = moment
        if accepted and (row.last_frame_at is None or moment > row.last_frame_at):
            values["last_frame_at"] = moment
        if values:
            session.execute(
                update(DeviceActivityRow).where(DeviceActivityRow.mn == mn).values(**values)
            )


def device_status(
    db: Database,
    actor: Actor,
    now: datetime,
    *,
    outlet_code: str | None = None,
    county_code: str | None = None,
    include_unregistered: bool = False,
) -> list[DeviceStatus]:
    """Devices the actor may see with online/offline (a frame within the device's timeout
    before ``now``) and their frame counters; with ``include_unregistered`` (all-seeing
    roles only) also MNs that tried to connect but are not registered."""
    scope = read_scope(actor)
    outlets = scoped_outlets(scope)
    if outlet_code:
        outlets = outlets.where(OutletRow.code == outlet_code)
    if county_code:
        outlets = outlets.where(OutletRow.county_code == county_code)
    sub = outlets.subquery()
    with db.reading() as session:
        found = session.execute(
            select(DeviceRow, sub.c.code, sub.c.name, sub.c.enterprise_uscc, sub.c.county_code)
            .join(sub, sub.c.id == DeviceRow.outlet_id)
            .order_by(sub.c.county_code, sub.c.code, DeviceRow.mn)
        ).all()
        activity = {a.mn: a for a in session.scalars(select(DeviceActivityRow))}
    firms = enterprise_names(db, [f[3] for f in found])
    statuses: list[DeviceStatus] = []
    for row, code, name, uscc, county in found:
        seen = activity.get(row.mn)
        last = seen.last_frame_at if seen else None
        statuses.append(
            DeviceStatus(
                mn=row.mn,
                registered=True,
                outlet_code=code,
                outlet_name=name,
                enterprise_uscc=uscc,
                enterprise_name=firms.get(uscc, uscc),
                county_code=county,
                active=row.active,
                online=is_online(last, row.online_timeout_minutes, now),
                online_timeout_minutes=row.online_timeout_minutes,
                last_frame_at=last,
                last_attempt_at=seen.last_attempt_at if seen else None,
                counters={n: getattr(seen, n) if seen else 0 for n in ACTIVITY_COUNTERS},
            )
        )
    if include_unregistered and scope.county_code is None and scope.enterprise_id is None:
        known = {s.mn for s in statuses}
        with db.reading() as session:
            registered = set(session.scalars(select(DeviceRow.mn)))
        for mn, seen in sorted(activity.items()):
            if mn in known or mn in registered:
                continue
            statuses.append(
                DeviceStatus(
                    mn=mn,
                    registered=False,
                    outlet_code="",
                    outlet_name="",
                    enterprise_uscc="",
                    enterprise_name="",
                    county_code="",
                    active=False,
                    online=False,
                    online_timeout_minutes=0,
                    last_frame_at=seen.last_frame_at,
                    last_attempt_at=seen.last_attempt_at,
                    counters={n: getattr(seen, n) for n in ACTIVITY_COUNTERS},
                )
            )
    return statuses


def is_online(last_frame_at: datetime | None, timeout_minutes: int, now: datetime) -> bool:
    """Online when the last frame came within the timeout before ``now``."""
    return last_frame_at is not None and now - last_frame_at <= timedelta(minutes=timeout_minutes)
