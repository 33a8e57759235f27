"""What the HJ 212 receiver calls: authenticate a device, store its frames in the readings
store, add to its frame counters; and the device status the pages show.

The receiver hands plain values (:class:`DeviceFrame`); nothing here knows the wire format.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingRow, ReadingsStore
from ecociv.kernel import Actor, NotFoundError, ValidationError
from ecociv.sources.model import (
    ACTIVITY_COUNTERS,
    UNREGISTERED_OTHERS,
    CrcPolicy,
    DeviceAuth,
    DeviceDetail,
    DeviceFrame,
    DevicePage,
    DeviceStatus,
    ProtocolEdition,
    RefusedFrame,
    StoreOutcome,
    UnregisteredRetention,
)
from ecociv.sources.rules import MN_PATTERN, hash_password, parameter_name, visible_text
from ecociv.sources.services.registry import (
    DEVICE_CACHE,
    DEVICE_CACHE_SECONDS,
    enterprise_names,
    read_scope,
    scoped_outlets,
)
from ecociv.sources.tables import DeviceActivityRow, DeviceRow, OutletRow, RefusedFrameRow

#: Compared against when the MN is unknown, so an unknown MN takes as long as a known one.
_DUMMY_HASH = hash_password("\x00unknown device\x00")
#: Who the readings store records as the loader of frames.
RECEIVER_NAME = "hj212-receiver"
#: Device lookups cached at most (unknown MNs included; the oldest go first).
DEVICE_CACHE_ENTRIES = 20_000
#: The largest page of a device list or of refused frames.
MAX_PAGE_SIZE = 500


def _lookup(db: Database, mn: str) -> tuple[DeviceAuth | None, str]:
    if not MN_PATTERN.match(mn):  # no registered MN looks like this (a NUL, say): no query
        return None, _DUMMY_HASH
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
    DEVICE_CACHE.pop(key, None)
    DEVICE_CACHE[key] = (time.monotonic(), auth, digest)
    while len(DEVICE_CACHE) > DEVICE_CACHE_ENTRIES:
        DEVICE_CACHE.pop(next(iter(DEVICE_CACHE)))
    return auth, digest


def authenticate_device(db: Database, mn: str, password: str) -> DeviceAuth | None:
    """The device if the MN is registered and the password matches (constant-time on the
    SHA-256 hashes), else None. An inactive device authenticates (``active`` false): the
    receiver decides what to do with it. Lookups are cached for a minute per MN."""
    auth, digest = _lookup(db, mn)
    matches = hmac.compare_digest(hash_password(password), digest)
    return auth if auth is not None and matches else None


def is_registered(db: Database, mn: str) -> bool:
    """Whether ``mn`` is a registered device (active or not), cached like
    :func:`authenticate_device`."""
    return _lookup(db, mn)[0] is not None


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
    db: Database,
    mn: str,
    counts: Mapping[str, int],
    last_frame_at: datetime | None,
    *,
    retention: UnregisteredRetention | None = None,
) -> None:
    """Add the receiver's counter deltas for one MN (see :func:`record_activity`)."""
    record_activity(
        db,
        {mn: counts},
        {mn: last_frame_at} if last_frame_at is not None else {},
        last_frame_at or datetime.now().astimezone(),
        retention=retention,
    )


def _check_counts(counts: Mapping[str, int], when: datetime | None) -> None:
    unknown = set(counts) - set(ACTIVITY_COUNTERS)
    if unknown:
        raise ValidationError(f"未知计数项 {sorted(unknown)} (unknown counter)", field="counts")
    if when is not None and when.tzinfo is None:
        raise ValidationError("时间须带时区 (naive time)", field="last_frame_at")


def _unregistered() -> Any:
    """Rows of MNs that are not registered devices."""
    return DeviceActivityRow.mn.not_in(select(DeviceRow.mn))


def record_activity(
    db: Database,
    counts: Mapping[str, Mapping[str, int]],
    last_seen: Mapping[str, datetime],
    now: datetime,
    *,
    retention: UnregisteredRetention | None = None,
) -> None:
    """Add the receiver's counter deltas per MN (registered or not), in one transaction:
    ``frames_ok``, ``frames_bad_crc``, ``frames_bad_format``, ``frames_duplicate``,
    ``frames_refused_auth``, ``frames_flagged`` and ``frames_split_incomplete``.

    ``last_seen[mn]`` (else ``now``) is when the latest of an MN's frames arrived; it becomes
    the device's last frame (the online clock) when the deltas hold an accepted frame (ok or
    duplicate), and its last attempt in any case.

    Unregistered MNs keep counters only for the ``retention.mns`` most recently seen; the
    counters of older ones are added into the :data:`UNREGISTERED_OTHERS` row and their own
    rows removed, so a flood of invented MNs adds a bounded number of rows. An MN is stored
    with its control characters escaped (:func:`~ecociv.sources.rules.visible_text`)."""
    if not counts:
        return
    retention = retention or UnregisteredRetention()
    _check_counts({}, now)
    for mn, deltas in counts.items():
        _check_counts(deltas, last_seen.get(mn))
    with db.transaction() as session:
        for mn in sorted(counts):
            if any(counts[mn].values()):
                _add_activity(session, _stored_mn(mn), counts[mn], last_seen.get(mn) or now)
        _fold_unregistered(session, retention.mns)


def _add_activity(session: Session, mn: str, counts: Mapping[str, int], moment: datetime) -> None:
    accepted = counts.get("frames_ok", 0) + counts.get("frames_duplicate", 0) > 0
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


def _fold_unregistered(session: Session, kept: int) -> None:
    named = (_unregistered(), DeviceActivityRow.mn != UNREGISTERED_OTHERS)
    total = session.scalar(select(func.count()).select_from(DeviceActivityRow).where(*named))
    if not total or total <= kept:
        return
    old = session.scalars(
        select(DeviceActivityRow)
        .where(*named)
        .order_by(DeviceActivityRow.last_attempt_at.desc(), DeviceActivityRow.mn)
        .offset(kept)
    ).all()
    sums = {name: sum(getattr(r, name) for r in old) for name in ACTIVITY_COUNTERS}
    latest = max(r.last_attempt_at for r in old)
    _add_activity(session, UNREGISTERED_OTHERS, sums, latest)
    session.execute(delete(DeviceActivityRow).where(DeviceActivityRow.mn.in_([r.mn for r in old])))


def _stored_mn(mn: str) -> str:
    """An MN as the receiver's tables hold it: control characters escaped, 40 characters."""
    return visible_text(mn)[:40]


#: Refused frames kept per MN (the oldest go first); counters keep the totals.
REFUSED_KEPT_PER_MN = 500
#: Characters of a refused frame kept (a valid HJ 212 packet is at most 1,037 bytes).
REFUSED_RAW_CHARS = 2048


def record_refused_frames(
    db: Database,
    frames: Sequence[RefusedFrame],
    *,
    retention: UnregisteredRetention | None = None,
) -> int:
    """Keep refused frames for inspection (their counters are kept by
    :func:`record_activity`); a frame logged again after a crash is stored once. A
    registered MN keeps its latest :data:`REFUSED_KEPT_PER_MN`; unregistered MNs keep at
    most ``retention.frames_per_mn`` each and ``retention.frames`` together (the newest;
    the rest of a batch is not even written). Returns how many were new.

    A frame's text and MN are stored with their control characters escaped
    (:func:`~ecociv.sources.rules.visible_text`; PostgreSQL cannot hold a NUL), and the
    SHA-256 is over the stored text."""
    if not frames:
        return 0
    retention = retention or UnregisteredRetention()
    for frame in frames:
        if frame.received_at.tzinfo is None:
            raise ValidationError("时间须带时区 (naive time)", field="received_at")
    added = 0
    with db.transaction() as session:
        mns = {_stored_mn(f.mn) for f in frames}
        registered = set(session.scalars(select(DeviceRow.mn).where(DeviceRow.mn.in_(mns))))
        kept: list[tuple[str, RefusedFrame]] = []
        per_mn: dict[str, int] = {}
        strangers = 0
        for frame in sorted(frames, key=lambda f: f.received_at, reverse=True):
            mn = _stored_mn(frame.mn)
            if mn not in registered:
                if strangers >= retention.frames or per_mn.get(mn, 0) >= retention.frames_per_mn:
                    continue
                strangers += 1
                per_mn[mn] = per_mn.get(mn, 0) + 1
            kept.append((mn, frame))
        insert = _insert_for(session)
        for mn, frame in kept:
            raw = visible_text(frame.raw[:REFUSED_RAW_CHARS])[:REFUSED_RAW_CHARS]
            result = session.execute(
                insert(RefusedFrameRow)
                .values(
                    mn=mn,
                    reason=frame.reason[:20],
                    received_at=frame.received_at,
                    raw=raw,
                    raw_sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
                )
                .on_conflict_do_nothing(index_elements=["mn", "received_at", "raw_sha256"])
                .returning(RefusedFrameRow.id)
            )
            added += result.first() is not None  # a row back: it was new
        for mn in sorted({m for m, _f in kept} & registered):
            _keep_newest(session, REFUSED_KEPT_PER_MN, RefusedFrameRow.mn == mn)
        if strangers:
            unregistered = RefusedFrameRow.mn.not_in(select(DeviceRow.mn))
            ranked = (
                select(
                    RefusedFrameRow.id,
                    func.row_number()
                    .over(
                        partition_by=RefusedFrameRow.mn,
                        order_by=(RefusedFrameRow.received_at.desc(), RefusedFrameRow.id.desc()),
                    )
                    .label("rank"),
                )
                .where(unregistered)
                .subquery()
            )
            session.execute(
                delete(RefusedFrameRow).where(
                    RefusedFrameRow.id.in_(
                        select(ranked.c.id).where(ranked.c.rank > retention.frames_per_mn)
                    )
                )
            )
            _keep_newest(session, retention.frames, unregistered)
    return added


def _keep_newest(session: Session, limit: int, condition: Any) -> None:
    """Delete the refused frames matching ``condition`` beyond the newest ``limit``."""
    count = session.scalar(select(func.count()).select_from(RefusedFrameRow).where(condition))
    if not count or count <= limit:
        return
    keep = (
        select(RefusedFrameRow.id)
        .where(condition)
        .order_by(RefusedFrameRow.received_at.desc(), RefusedFrameRow.id.desc())
        .limit(limit)
        .scalar_subquery()
    )
    session.execute(delete(RefusedFrameRow).where(condition, RefusedFrameRow.id.not_in(keep)))


def _page(page: int, page_size: int) -> tuple[int, int]:
    if page < 1:
        raise ValidationError("页码须大于 0 (page must be at least 1)", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError(
            f"每页条数须在 1 到 {MAX_PAGE_SIZE} 之间 (page_size 1-{MAX_PAGE_SIZE})",
            field="page_size",
        )
    return page, page_size


def device_detail(
    db: Database, actor: Actor, mn: str, now: datetime, *, page: int = 1, page_size: int = 100
) -> DeviceDetail:
    """One device's status, counters and one page of its refused frames (newest first). A
    registered device outside the actor's scope, or an unregistered MN for a scoped role, is
    not found (an unregistered MN that tried to connect is visible to all-seeing roles)."""
    page, page_size = _page(page, page_size)
    found = device_status(db, actor, now, mn=mn, include_unregistered=True)
    if not found:
        raise NotFoundError(f"没有设备 {mn} (no such device)", field="mn")
    with db.reading() as session:
        total = session.scalar(
            select(func.count()).select_from(RefusedFrameRow).where(RefusedFrameRow.mn == mn)
        )
        rows = session.scalars(
            select(RefusedFrameRow)
            .where(RefusedFrameRow.mn == mn)
            .order_by(RefusedFrameRow.received_at.desc(), RefusedFrameRow.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
    refused = [RefusedFrame(r.mn, r.reason, r.received_at, r.raw) for r in rows]
    return DeviceDetail(found[0], refused, total or 0, page, page_size)


def device_page(
    db: Database,
    actor: Actor,
    now: datetime,
    *,
    outlet_code: str | None = None,
    county_code: str | None = None,
    include_unregistered: bool = False,
    page: int = 1,
    page_size: int = 100,
) -> DevicePage:
    """One page of :func:`device_status` (registered devices by county, outlet and MN, then
    unregistered MNs)."""
    page, page_size = _page(page, page_size)
    statuses = device_status(
        db,
        actor,
        now,
        outlet_code=outlet_code,
        county_code=county_code,
        include_unregistered=include_unregistered,
    )
    first = (page - 1) * page_size
    return DevicePage(statuses[first : first + page_size], len(statuses), page, page_size)


def unregistered_devices(
    db: Database, actor: Actor, *, page: int = 1, page_size: int = 50
) -> DevicePage:
    """One page of the unregistered MNs that tried to connect, the latest attempt first
    (with the :data:`UNREGISTERED_OTHERS` row adding together those no longer kept); empty
    for scoped roles, who see only their own devices."""
    page, page_size = _page(page, page_size)
    scope = read_scope(actor)
    if scope.county_code is not None or scope.enterprise_id is not None:
        return DevicePage([], 0, page, page_size)
    with db.reading() as session:
        total = session.scalar(
            select(func.count()).select_from(DeviceActivityRow).where(_unregistered())
        )
        rows = session.scalars(
            select(DeviceActivityRow)
            .where(_unregistered())
            .order_by(DeviceActivityRow.last_attempt_at.desc(), DeviceActivityRow.mn)
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
    return DevicePage([_stranger(r) for r in rows], total or 0, page, page_size)


def _stranger(seen: DeviceActivityRow) -> DeviceStatus:
    return DeviceStatus(
        mn=seen.mn,
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


def device_status(
    db: Database,
    actor: Actor,
    now: datetime,
    *,
    mn: str | None = None,
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
    devices = select(DeviceRow, sub.c.code, sub.c.name, sub.c.enterprise_uscc, sub.c.county_code)
    seen_rows = select(DeviceActivityRow)
    if mn is not None:
        devices = devices.where(DeviceRow.mn == mn)
        seen_rows = seen_rows.where(DeviceActivityRow.mn == mn)
    with db.reading() as session:
        found = session.execute(
            devices.join(sub, sub.c.id == DeviceRow.outlet_id).order_by(
                sub.c.county_code, sub.c.code, DeviceRow.mn
            )
        ).all()
        activity = {a.mn: a for a in session.scalars(seen_rows)}
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
        for other, seen in sorted(activity.items()):
            if other in known or other in registered:
                continue
            statuses.append(_stranger(seen))
    return statuses


def is_online(last_frame_at: datetime | None, timeout_minutes: int, now: datetime) -> bool:
    """Online when the last frame came within the timeout before ``now``."""
    return last_frame_at is not None and now - last_frame_at <= timedelta(minutes=timeout_minutes)
