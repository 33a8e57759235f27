"""Use cases of warnings: evaluate a device's new data (one device at a time, under a lock on
its state row), evaluate every device on a schedule, list warnings within the actor's scope,
and move a warning through its lifecycle. New warnings can be posted to a webhook."""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ecociv import audit
from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel import (
    Actor,
    Clock,
    NotFoundError,
    Permission,
    Role,
    SystemClock,
    ensure,
    ensure_county_scope,
)
from ecociv.sources.model import (
    ACTIVE_STATES,
    DeviceContext,
    EvaluationState,
    Finding,
    Severity,
    WarningRecord,
    WarningRule,
    WarningState,
)
from ecociv.sources.rules import RawReading, hourly_points, next_state
from ecociv.sources.rules.warnings import WarningSettings, evaluate
from ecociv.sources.services.registry import limits_in, read_scope
from ecociv.sources.tables import (
    DeviceActivityRow,
    DeviceRow,
    EvaluationStateRow,
    OutletRow,
    SourceWarningRow,
)

log = logging.getLogger(__name__)

#: The actor warnings are raised and cleared by (the rules, not a person).
RULES_ACTOR = Actor(username="system:warning-rules", role=Role.ADMIN, request_id="warning-rules")

#: Called with a new warning's JSON after it is stored; must not raise.
Notifier = Callable[[dict[str, Any]], None]


class WebhookNotifier:
    """POST a new warning as JSON to a URL (from the settings, passed in by the composition
    root). Failures are logged and swallowed: a notification never blocks or undoes the
    warning, which is stored before anyone is told."""

    def __init__(self, url: str, *, timeout_s: float = 3.0) -> None:
        self.url = url
        self.timeout_s = timeout_s

    def __call__(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - the URL is an operator setting
            self.url,
            data=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
                response.read()
        except Exception as exc:  # noqa: BLE001 - any failure is logged, never raised
            log.warning("warning webhook %s failed: %s", self.url, exc)


def _to_record(row: SourceWarningRow) -> WarningRecord:
    return WarningRecord(
        id=row.id,
        rule=WarningRule(row.rule),
        severity=Severity(row.severity),
        device_mn=row.device_mn,
        outlet_code=row.outlet_code,
        enterprise_uscc=row.enterprise_uscc,
        county_code=row.county_code,
        parameter=row.parameter,
        evidence=dict(row.evidence or {}),
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        count=row.count,
        state=WarningState(row.state),
        handler=row.handler,
        notes=row.notes,
        cleared_at=row.cleared_at,
        history=list(row.history or []),
    )


def payload(record: WarningRecord) -> dict[str, Any]:
    """A warning as JSON (the webhook body and the API's shape)."""
    return {
        "id": record.id,
        "rule": record.rule.value,
        "severity": record.severity.value,
        "device_mn": record.device_mn,
        "outlet_code": record.outlet_code,
        "enterprise_uscc": record.enterprise_uscc,
        "county_code": record.county_code,
        "parameter": record.parameter,
        "evidence": record.evidence,
        "first_seen_at": record.first_seen_at.isoformat(),
        "last_seen_at": record.last_seen_at.isoformat(),
        "count": record.count,
        "state": record.state.value,
    }


def _snapshot(row: SourceWarningRow) -> dict[str, Any]:
    return {
        "rule": row.rule,
        "severity": row.severity,
        "device_mn": row.device_mn,
        "parameter": row.parameter,
        "state": row.state,
        "handler": row.handler,
        "notes": row.notes,
        "count": row.count,
        "cleared_at": row.cleared_at.isoformat() if row.cleared_at else None,
    }


# ---- evaluation ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvaluationOutcome:
    """What one evaluation did to the warnings."""

    raised: int = 0
    updated: int = 0
    cleared: int = 0
    raised_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class _Device:
    mn: str
    active: bool
    outlet_id: int
    outlet_code: str
    enterprise_uscc: str
    county_code: str
    context: DeviceContext


def _load_device(session: Session, mn: str) -> _Device:
    found = session.execute(
        select(DeviceRow, OutletRow)
        .join(OutletRow, OutletRow.id == DeviceRow.outlet_id)
        .where(DeviceRow.mn == mn)
    ).first()
    if found is None:
        raise NotFoundError(f"没有 MN 为 {mn} 的设备 (no such device)", field="mn")
    device, outlet = found
    activity = session.get(DeviceActivityRow, mn)
    return _Device(
        mn=mn,
        active=device.active,
        outlet_id=outlet.id,
        outlet_code=outlet.code,
        enterprise_uscc=outlet.enterprise_uscc,
        county_code=outlet.county_code,
        context=DeviceContext(
            mn=mn,
            online_timeout_minutes=device.online_timeout_minutes,
            last_frame_at=activity.last_frame_at if activity else None,
            limits=limits_in(session, outlet.id),
        ),
    )


def _recent_readings(store: ReadingsStore, outlet_code: str, since: datetime) -> list[RawReading]:
    return [
        RawReading(parameter, observed_at, value, flag)
        for _site, parameter, observed_at, value, flag, _load in store.readings(
            outlet_code, start=since
        )
    ]


def _lock_state(session: Session, mn: str) -> EvaluationStateRow:
    """The device's state row, created if missing and locked until the transaction ends
    (PostgreSQL: FOR UPDATE; SQLite: the transaction already holds the write lock)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(EvaluationStateRow)
        .values(mn=mn, last_hour=None, open_keys=[], evaluated_at=None)
        .on_conflict_do_nothing(index_elements=["mn"])
    )
    return session.execute(
        select(EvaluationStateRow)
        .where(EvaluationStateRow.mn == mn)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _live(session: Session, mn: str, rule: str, parameter: str) -> SourceWarningRow | None:
    return session.scalar(
        select(SourceWarningRow)
        .where(
            SourceWarningRow.device_mn == mn,
            SourceWarningRow.rule == rule,
            SourceWarningRow.parameter == parameter,
            SourceWarningRow.state.in_([s.value for s in ACTIVE_STATES]),
        )
        .with_for_update()
    )


def _event(at: datetime, event: str, who: str, **extra: Any) -> dict[str, Any]:
    return {"at": at.isoformat(), "event": event, "by": who, **extra}


def evaluate_device(
    db: Database,
    store: ReadingsStore,
    mn: str,
    now: datetime,
    *,
    settings: WarningSettings | None = None,
    notify: Notifier | None = None,
    clock: Clock | None = None,
) -> EvaluationOutcome:
    """Run the warning rules on a device's recent hourly data and write the result in one
    transaction: a finding whose rule, device and parameter already has a live warning
    updates it (last seen, count, evidence); another raises a new open warning; a live
    warning whose rule stopped firing is marked cleared (its handler still closes it).

    The device's state row is locked for the transaction, so evaluations of one device run
    one after the other; a unique index on live warnings backs this up. New warnings are
    passed to ``notify`` after the commit. An inactive device is not evaluated."""
    settings = settings or WarningSettings()
    clock = clock or SystemClock()
    with db.reading() as session:
        device = _load_device(session, mn)
    if not device.active:
        return EvaluationOutcome()
    since = now - timedelta(hours=settings.lookback_hours + 1)
    points = hourly_points(_recent_readings(store, device.outlet_code, since))
    raised: list[WarningRecord] = []
    updated = cleared_count = 0
    with db.transaction() as session:
        state_row = _lock_state(session, mn)
        device = _load_device(session, mn)  # fresh, under the lock
        state = EvaluationState(
            state_row.last_hour, frozenset(tuple(k) for k in state_row.open_keys or [])
        )
        new_state, findings, cleared = evaluate(
            state, points, now, device=device.context, settings=settings
        )
        for finding in findings:
            row = _live(session, mn, finding.rule.value, finding.parameter)
            if row is None:
                row = _raise(session, device, finding, now, clock)
                raised.append(_to_record(row))
            elif _update(row, finding, now):
                updated += 1
        for rule, parameter in cleared:
            row = _live(session, mn, rule, parameter)
            if row is not None and row.cleared_at is None:
                before = _snapshot(row)
                row.cleared_at = now
                row.history = [*row.history, _event(now, "cleared", RULES_ACTOR.username)]
                row.updated_at = now
                session.flush()
                audit.record(
                    session, RULES_ACTOR, "source_warning.clear", "source_warning", row.id,
                    before, _snapshot(row), clock=clock,
                )  # fmt: skip
                cleared_count += 1
        state_row.last_hour = new_state.last_hour
        state_row.open_keys = [list(k) for k in sorted(new_state.open_keys)]
        state_row.evaluated_at = now
    if notify is not None:
        for record in raised:
            try:
                notify(payload(record))
            except Exception:  # noqa: BLE001 - a notifier's failure never undoes a warning
                log.exception("warning notification failed for warning %s", record.id)
    return EvaluationOutcome(len(raised), updated, cleared_count, tuple(r.id for r in raised))


def _raise(
    session: Session, device: _Device, finding: Finding, now: datetime, clock: Clock
) -> SourceWarningRow:
    row = SourceWarningRow(
        rule=finding.rule.value,
        severity=finding.severity.value,
        device_mn=device.mn,
        outlet_code=device.outlet_code,
        enterprise_uscc=device.enterprise_uscc,
        county_code=device.county_code,
        parameter=finding.parameter,
        evidence=finding.evidence,
        first_seen_at=finding.first_seen,
        last_seen_at=finding.last_seen,
        count=1,
        state=WarningState.OPEN.value,
        handler="",
        notes="",
        cleared_at=None,
        history=[_event(now, "raised", RULES_ACTOR.username)],
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, RULES_ACTOR, "source_warning.raise", "source_warning", row.id, None,
        _snapshot(row), clock=clock,
    )  # fmt: skip
    return row


def _update(row: SourceWarningRow, finding: Finding, now: datetime) -> bool:
    """Fold a finding into its live warning; True when something new was seen."""
    changed = False
    if finding.last_seen > row.last_seen_at:
        row.last_seen_at = finding.last_seen
        row.count += 1
        changed = True
    if row.evidence != finding.evidence:
        row.evidence = finding.evidence
        changed = True
    if row.cleared_at is not None:
        row.cleared_at = None
        row.history = [*row.history, _event(now, "recurred", RULES_ACTOR.username)]
        changed = True
    if changed:
        row.updated_at = now
    return changed


@dataclass(frozen=True, slots=True)
class CheckSummary:
    """What a scheduled check of every device did."""

    devices: int
    raised: int
    updated: int
    cleared: int
    failed: dict[str, str] = field(default_factory=dict)


def evaluate_all(
    db: Database,
    store: ReadingsStore,
    now: datetime,
    *,
    settings: WarningSettings | None = None,
    notify: Notifier | None = None,
    clock: Clock | None = None,
) -> CheckSummary:
    """Evaluate every active device (for the schedule: the offline and missing-data rules
    fire without new data). A device that fails is reported and the others go on."""
    with db.reading() as session:
        mns = list(
            session.scalars(select(DeviceRow.mn).where(DeviceRow.active).order_by(DeviceRow.mn))
        )
    raised = updated = cleared = 0
    failed: dict[str, str] = {}
    for mn in mns:
        try:
            outcome = evaluate_device(
                db, store, mn, now, settings=settings, notify=notify, clock=clock
            )
        except Exception as exc:  # noqa: BLE001 - one device's failure must not stop the rest
            log.exception("evaluating device %s failed", mn)
            failed[mn] = str(exc)
            continue
        raised += outcome.raised
        updated += outcome.updated
        cleared += outcome.cleared
    return CheckSummary(len(mns), raised, updated, cleared, failed)


# ---- reading and handling --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WarningFilter:
    county_code: str | None = None
    enterprise_uscc: str | None = None
    outlet_code: str | None = None
    rule: str | None = None
    state: str | None = None
    severity: str | None = None
    since: datetime | None = None  # last seen at or after
    until: datetime | None = None  # first seen before


def _scoped(actor: Actor) -> Any:
    scope = read_scope(actor)
    stmt = select(SourceWarningRow)
    if scope.county_code is not None:
        stmt = stmt.where(SourceWarningRow.county_code == scope.county_code)
    if scope.enterprise_id is not None:
        own = select(OutletRow.code).where(OutletRow.enterprise_id == scope.enterprise_id)
        stmt = stmt.where(SourceWarningRow.outlet_code.in_(own))
    return stmt


def list_warnings(
    db: Database, actor: Actor, filters: WarningFilter | None = None, *, limit: int = 500
) -> list[WarningRecord]:
    """Warnings within the actor's scope, newest first, filtered."""
    f = filters or WarningFilter()
    stmt = _scoped(actor)
    if f.county_code:
        stmt = stmt.where(SourceWarningRow.county_code == f.county_code)
    if f.enterprise_uscc:
        stmt = stmt.where(SourceWarningRow.enterprise_uscc == f.enterprise_uscc.upper())
    if f.outlet_code:
        stmt = stmt.where(SourceWarningRow.outlet_code == f.outlet_code)
    if f.rule:
        stmt = stmt.where(SourceWarningRow.rule == f.rule)
    if f.state:
        stmt = stmt.where(SourceWarningRow.state == f.state)
    if f.severity:
        stmt = stmt.where(SourceWarningRow.severity == f.severity)
    if f.since:
        stmt = stmt.where(SourceWarningRow.last_seen_at >= f.since)
    if f.until:
        stmt = stmt.where(SourceWarningRow.first_seen_at < f.until)
    stmt = stmt.order_by(SourceWarningRow.last_seen_at.desc(), SourceWarningRow.id.desc())
    with db.reading() as session:
        rows = session.scalars(stmt.limit(max(1, min(limit, 5000)))).all()
        return [_to_record(r) for r in rows]


def get_warning(db: Database, actor: Actor, warning_id: int) -> WarningRecord:
    """One warning (not found when outside the actor's scope)."""
    with db.reading() as session:
        row = session.scalar(_scoped(actor).where(SourceWarningRow.id == warning_id))
        if row is None:
            raise NotFoundError(f"没有编号为 {warning_id} 的预警 (no such warning)", field="id")
        return _to_record(row)


def _transition(
    db: Database,
    actor: Actor,
    warning_id: int,
    action: str,
    notes: str,
    clock: Clock | None,
) -> WarningRecord:
    ensure(actor, Permission.WARNING_HANDLE)
    clock = clock or SystemClock()
    with db.transaction() as session:
        row = session.scalar(
            _scoped(actor).where(SourceWarningRow.id == warning_id).with_for_update()
        )
        if row is None:
            raise NotFoundError(f"没有编号为 {warning_id} 的预警 (no such warning)", field="id")
        ensure_county_scope(actor, row.county_code)
        target = next_state(WarningState(row.state), action)
        now = clock.now()
        before = _snapshot(row)
        row.state = target.value
        row.handler = actor.username
        text = notes.strip()
        if text:
            row.notes = f"{row.notes}\n{text}".strip() if row.notes else text
        row.history = [*row.history, _event(now, action, actor.username, notes=text)]
        row.updated_at = now
        session.flush()
        audit.record(
            session, actor, f"source_warning.{action}", "source_warning", row.id, before,
            _snapshot(row), clock=clock,
        )  # fmt: skip
        return _to_record(row)


def acknowledge(
    db: Database, actor: Actor, warning_id: int, notes: str = "", *, clock: Clock | None = None
) -> WarningRecord:
    """open → acknowledged: the handler has seen it and is on it."""
    return _transition(db, actor, warning_id, "acknowledge", notes, clock)


def resolve(
    db: Database, actor: Actor, warning_id: int, notes: str = "", *, clock: Clock | None = None
) -> WarningRecord:
    """open | acknowledged → resolved: the cause was dealt with (notes say how)."""
    return _transition(db, actor, warning_id, "resolve", notes, clock)


def mark_false_positive(
    db: Database, actor: Actor, warning_id: int, notes: str = "", *, clock: Clock | None = None
) -> WarningRecord:
    """open | acknowledged → false_positive: the data were right (notes say why)."""
    return _transition(db, actor, warning_id, "false_positive", notes, clock)


def handle(
    db: Database,
    actor: Actor,
    warning_id: int,
    action: str,
    notes: str = "",
    *,
    clock: Clock | None = None,
) -> WarningRecord:
    """Apply a lifecycle action by name (``acknowledge``, ``resolve``, ``false_positive``)."""
    return _transition(db, actor, warning_id, action, notes, clock)


def warning_counts(records: Sequence[WarningRecord]) -> dict[str, int]:
    """How many warnings per state."""
    counts = {s.value: 0 for s in WarningState}
    for r in records:
        counts[r.state.value] += 1
    return counts
