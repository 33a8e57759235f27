"""Warnings W01–W21 (docs/modules/hazwaste.md §6) as the data arrive and on a schedule, and their
handling.

A manifest's rules run inside the transaction that saves each of its versions (the hook of
:func:`ecociv.waste.services.manifests.on_saved`), its track rules whenever fixes of its
vehicle arrive, and everything again from ``ecociv waste check-warnings`` (cron): the rules
that fire because time passes (receipt not confirmed, storage overdue, manifest not closed…)
need the schedule. The rules are pure (:mod:`ecociv.waste.rules.warnings`); this module loads
their facts, keeps one live warning per rule and subject (a finding again updates it, a rule
that stops firing clears it) and runs the lifecycle (``ecociv.kernel.alerts``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, or_, select
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
    ensure,
)
from ecociv.kernel.alerts import ACTIVE_ALERT_STATES, AlertState, next_alert_state
from ecociv.kernel.clock import SHANGHAI
from ecociv.kernel.datum import Datum
from ecociv.waste.model import Manifest, ManifestState
from ecociv.waste.repository import ledger_of, manifest_of, wgs84_of
from ecociv.waste.rules import tracks as geo
from ecociv.waste.rules import warnings as rules
from ecociv.waste.rules.manifest import TransferBlockedError
from ecociv.waste.services.manifests import on_blocked, on_saved
from ecociv.waste.services.registry import (
    Facility,
    approval_for,
    crew_of_unit,
    facilities,
    licences_of,
    plan_for,
    unit_of,
    vehicles_of,
)
from ecociv.waste.tables import (
    LedgerRow,
    ManifestLineRow,
    ManifestRow,
    ReportFilingRow,
    TrackPointRow,
    WasteWarningRow,
)

#: The actor warnings are raised and cleared by (the rules, not a person).
RULES_ACTOR = Actor(username="system:waste-rules", role=Role.ADMIN, request_id="waste-rules")
#: The rules evaluated per manifest (its own and its track's) and per unit.
_TRACK_RULES = frozenset({"W06", "W07", "W08"})
_MANIFEST_RULES = _TRACK_RULES | {
    "W02", "W03", "W04", "W05", "W09", "W10", "W12", "W13", "W14", "W15", "W16", "W19", "W20",
    "W21",
}  # fmt: skip
#: Subject keys of refused steps: a person closes them, no rule clears them.
BLOCKED = "blocked:"
_UNIT_RULES = ("W01a", "W01b", "W01c", "W01d", "W11", "W17", "W18")
#: States whose manifests the schedule still looks at (the others are settled).
_WATCHED = tuple(
    s.value
    for s in ManifestState
    if s not in (ManifestState.DISPOSED, ManifestState.CANCELLED, ManifestState.DRAFT)
)


@dataclass(frozen=True, slots=True)
class CheckSummary:
    manifests: int
    units: int
    raised: int
    updated: int
    cleared: int


@dataclass(frozen=True, slots=True)
class WasteWarning:
    id: int
    rule: str
    rule_name: tuple[str, str]
    severity: str
    subject_key: str
    manifest_no: str | None
    unit_uscc: str
    county_code: str
    message: str
    evidence: dict[str, Any]
    first_seen_at: datetime
    last_seen_at: datetime
    count: int
    state: AlertState
    handler: str
    notes: str
    cleared_at: datetime | None
    history: list[dict[str, Any]]


# ---- facts -------------------------------------------------------------------------------------


def _year_start(now: datetime) -> datetime:
    return datetime(now.astimezone(SHANGHAI).year, 1, 1, tzinfo=SHANGHAI)


def _plan_transferred(
    session: Session, m: Manifest, row_id: int, year_start: datetime
) -> dict[str, Decimal]:
    rows = session.execute(
        select(ManifestLineRow.code, ManifestLineRow.shipped_t)
        .join(ManifestRow, ManifestRow.id == ManifestLineRow.manifest_id)
        .where(
            ManifestRow.consignor_uscc == m.consignor_uscc,
            ManifestRow.receiver_uscc == m.receiver_uscc,
            ManifestRow.id != row_id,
            ManifestRow.state.not_in(("draft", "cancelled")),
            ManifestRow.submitted_at >= year_start,
            ManifestRow.submitted_at < (m.submitted_at or datetime.max.replace(tzinfo=SHANGHAI)),
        )
    ).all()
    totals: dict[str, Decimal] = {}
    for code, t in rows:
        totals[code] = totals.get(code, Decimal(0)) + (t or Decimal(0))
    return totals


def _departures(session: Session, row: ManifestRow, m: Manifest) -> tuple[rules.Departure, ...]:
    if m.departed_at is None or not row.vehicle_plate:
        return ()
    window = timedelta(hours=12)
    others = session.execute(
        select(ManifestRow.number, ManifestRow.consignor_uscc, ManifestRow.departed_at).where(
            ManifestRow.vehicle_plate == row.vehicle_plate,
            ManifestRow.id != row.id,
            ManifestRow.departed_at >= m.departed_at - window,
            ManifestRow.departed_at <= m.departed_at + window,
        )
    ).all()
    return tuple(rules.Departure(n or "", c, d) for n, c, d in others if d is not None)


def manifest_facts(session: Session, row: ManifestRow, m: Manifest) -> rules.ManifestFacts:
    """What the manifest rules need besides the manifest itself."""
    route = row.route or {}
    carriers = sorted({m.carrier_uscc, *(leg.carrier_uscc for leg in m.legs)})
    vehicles = tuple(v for c in carriers for v in vehicles_of(session, c))
    crew = tuple(c for u in carriers for c in crew_of_unit(session, u))
    day = (m.submitted_at or m.created_at).astimezone(SHANGHAI).date()
    approval = approval_for(session, m.consignor_uscc, m.receiver_uscc, day)
    has_return = session.scalar(
        select(ManifestRow.id).where(
            ManifestRow.parent_no == m.number, ManifestRow.state != "cancelled"
        )
    )
    return rules.ManifestFacts(
        manifest=m,
        consignor_adcode=row.consignor_adcode,
        receiver_adcode=row.receiver_adcode,
        route_km=route.get("distance_km"),
        eta_minutes=route.get("eta_minutes"),
        vehicles=vehicles,
        crew=crew,
        receiver_licences=licences_of(session, m.receiver_uscc),
        plan=plan_for(session, m.consignor_uscc, day.year),
        plan_transferred_t=_plan_transferred(
            session, m, row.id, datetime(day.year, 1, 1, tzinfo=SHANGHAI)
        ),
        approval=approval,
        received={
            line.line_no: rules.ReceivedDescription(
                line.found_code, line.found_form, line.found_packaging
            )
            for line in m.lines
            if line.found_code or line.found_form or line.found_packaging
        },
        same_vehicle_departures=_departures(session, row, m),
        has_return_manifest=m.number is not None and has_return is not None,
    )


def track_facts(session: Session, row: ManifestRow, m: Manifest) -> rules.TrackFacts | None:
    """A departed manifest's fixes (WGS-84), planned route and whitelisted sites."""
    if m.departed_at is None or not m.legs:
        return None
    plates = sorted({leg.vehicle_plate for leg in m.legs})
    end = m.delivered_at
    stmt = select(TrackPointRow).where(
        TrackPointRow.vehicle_plate.in_(plates), TrackPointRow.observed_at >= m.departed_at
    )
    if end is not None:
        stmt = stmt.where(TrackPointRow.observed_at <= end)
    fixes = list(session.scalars(stmt.order_by(TrackPointRow.observed_at, TrackPointRow.id)))
    lon, lat = wgs84_of(fixes)
    sites = facilities(session)
    whitelist = [
        (f.longitude, f.latitude)
        for f in sites.values()
        if f.longitude is not None
        and f.latitude is not None
        and (f.uscc in (m.consignor_uscc, m.receiver_uscc) or f.kind == "service_area")
    ]
    route = row.route or {}
    return rules.TrackFacts(
        manifest_no=m.number or f"#{row.id}",
        carrier_uscc=m.carrier_uscc,
        departed_at=m.departed_at,
        delivered_at=m.delivered_at,
        times=geo.utc_instants([f.observed_at for f in fixes]),
        lon=lon,
        lat=lat,
        speed_kmh=[f.speed_kmh if f.speed_kmh is not None else float("nan") for f in fixes],
        route_lon=route.get("lon", ()),
        route_lat=route.get("lat", ()),
        whitelist_points=whitelist,
        whitelist_datum=Datum.GCJ02,
        codes=tuple(line.code for line in m.lines),
        waste_kind=m.waste_kind,
    )


def unit_facts(session: Session, uscc: str, now: datetime) -> rules.UnitFacts:
    """A unit's ledger (two years), plan, licences, receipts this year, filings, manifests."""
    since = now - timedelta(days=730)
    ledger = tuple(
        ledger_of(r)
        for r in session.scalars(
            select(LedgerRow)
            .where(LedgerRow.unit_uscc == uscc, LedgerRow.occurred_at >= since)
            .order_by(LedgerRow.occurred_at, LedgerRow.id)
        )
    )
    local_year = now.astimezone(SHANGHAI).year
    received = session.execute(
        select(ManifestLineRow.code, ManifestLineRow.accepted_t)
        .join(ManifestRow, ManifestRow.id == ManifestLineRow.manifest_id)
        .where(
            ManifestRow.receiver_uscc == uscc,
            ManifestRow.accepted_at >= _year_start(now),
            ManifestRow.state.in_(("accepted", "partially_accepted", "closed", "disposed")),
        )
    ).all()
    received_t: dict[str, Decimal] = {}
    for code, t in received:
        received_t[code] = received_t.get(code, Decimal(0)) + (t or Decimal(0))
    filings = [
        rules.ReportFiling(rules.ReportKind(r.kind), r.period, r.filed_on)
        for r in session.scalars(select(ReportFilingRow).where(ReportFilingRow.unit_uscc == uscc))
    ]
    plan = plan_for(session, uscc, local_year)
    if plan is not None and plan.filed_on is not None:
        filings.append(rules.ReportFiling(rules.ReportKind.PLAN, str(local_year), plan.filed_on))
    manifests = tuple(  # the hand-over is booked at loading: W18 judges departed manifests
        manifest_of(r.body)
        for r in session.scalars(
            select(ManifestRow).where(
                ManifestRow.consignor_uscc == uscc,
                ManifestRow.state.not_in(("draft", "cancelled")),
                ManifestRow.submitted_at >= since,
                ManifestRow.departed_at.is_not(None),
            )
        )
    )
    site = facilities(session, [uscc]).get(uscc)
    cls = site.management_class if site else None
    return rules.UnitFacts(
        uscc=uscc,
        ledger=ledger,
        plan=plan,
        licences=licences_of(session, uscc),
        received_year_t=received_t,
        management_class=rules.ManagementClass(cls) if cls else None,
        reports=tuple(filings),
        reporting_since_on=date(local_year, 1, 1),
        manifests=manifests,
    )


# ---- keeping warnings in step with findings ------------------------------------------------------


def _event(at: datetime, event: str, who: str, **extra: Any) -> dict[str, Any]:
    return {"at": at.isoformat(), "event": event, "by": who, **extra}


def _sync(
    session: Session,
    findings: Sequence[rules.Finding],
    scope: ColumnElement[bool],
    *,
    manifest_id: int | None,
    county_code: str,
    now: datetime,
) -> tuple[int, int, int]:
    """Raise new warnings, update the live ones found again and clear the live ones in
    ``scope`` that no longer fire. Returns (raised, updated, cleared)."""
    live = {
        (w.rule, w.subject_key): w
        for w in session.scalars(
            select(WasteWarningRow).where(
                scope, WasteWarningRow.state.in_([s.value for s in ACTIVE_ALERT_STATES])
            )
        )
    }
    raised = updated = cleared = 0
    seen: set[tuple[str, str]] = set()
    for f in findings:
        key = (f.rule.value, f.subject_key)
        if key in seen:
            continue
        seen.add(key)
        evidence = {**dict(f.evidence), "pre_warning": f.pre_warning}
        if f.manifest_no:
            evidence.setdefault("manifest_no", f.manifest_no)
        row = live.get(key)
        if row is None:
            row = WasteWarningRow(
                rule=f.rule.value,
                severity=f.severity.value,
                subject_key=f.subject_key,
                manifest_id=manifest_id,
                unit_uscc=f.unit_uscc,
                county_code=county_code,
                message=f.message,
                evidence=evidence,
                first_seen_at=now,
                last_seen_at=now,
                count=1,
                state=AlertState.OPEN.value,
                history=[_event(now, "raised", RULES_ACTOR.username)],
            )
            session.add(row)
            session.flush()
            audit.record(
                session, RULES_ACTOR, "waste_warning.raise", "waste_warning", row.id, None,
                {"rule": row.rule, "subject": row.subject_key, "severity": row.severity},
            )  # fmt: skip
            raised += 1
            continue
        changed = row.severity != f.severity.value or row.message != f.message or row.cleared_at
        row.last_seen_at = now
        row.evidence = evidence
        if changed:
            row.severity = f.severity.value
            row.message = f.message
            if row.cleared_at is not None:
                row.cleared_at = None
                row.history = [*row.history, _event(now, "fired_again", RULES_ACTOR.username)]
            row.count = row.count + 1
            updated += 1
    for key, row in live.items():
        if key not in seen and row.cleared_at is None:
            row.cleared_at = now
            row.history = [*row.history, _event(now, "cleared", RULES_ACTOR.username)]
            cleared += 1
    session.flush()
    return raised, updated, cleared


def evaluate_manifest_in(
    session: Session,
    row: ManifestRow,
    now: datetime,
    settings: rules.WarningSettings | None = None,
    *,
    tracks_too: bool = True,
) -> tuple[int, int, int]:
    """The manifest's rules (and its track's) inside the caller's transaction."""
    m = manifest_of(row.body)
    settings = settings or rules.WarningSettings()
    findings = (
        []
        if m.state is ManifestState.DRAFT
        else rules.evaluate_manifest(manifest_facts(session, row, m), now, settings)
    )
    rule_set = _MANIFEST_RULES if tracks_too else _MANIFEST_RULES - _TRACK_RULES
    if tracks_too:
        facts = track_facts(session, row, m)
        if facts is not None:
            findings += rules.evaluate_track(facts, now, settings)
    scope = (
        (WasteWarningRow.manifest_id == row.id)
        & WasteWarningRow.rule.in_(sorted(rule_set))
        & ~WasteWarningRow.subject_key.startswith(BLOCKED)
    )
    return _sync(
        session, findings, scope, manifest_id=row.id, county_code=row.consignor_adcode, now=now
    )


def evaluate_unit_in(
    session: Session, uscc: str, now: datetime, settings: rules.WarningSettings | None = None
) -> tuple[int, int, int]:
    """A unit's rules (storage, capacity, reporting, ledger) inside the caller's transaction."""
    site = facilities(session, [uscc]).get(uscc)
    facts = unit_facts(session, uscc, now)
    findings = rules.evaluate_unit(facts, now, settings)
    if not reports_owed(site, facts):
        findings = [f for f in findings if f.rule is not rules.WarningRule.W17]
    scope = (
        (WasteWarningRow.unit_uscc == uscc)
        & WasteWarningRow.manifest_id.is_(None)
        & WasteWarningRow.rule.in_(_UNIT_RULES)
        & ~WasteWarningRow.subject_key.startswith(BLOCKED)
    )
    return _sync(
        session, findings, scope, manifest_id=None,
        county_code=site.adcode if site else "", now=now,
    )  # fmt: skip


def reports_owed(site: Facility | None, facts: rules.UnitFacts) -> bool:
    """Whether a unit owes this city's waste reports (W17): a unit in the city that generates
    or handles hazardous waste — it has a management plan, ledger records or an operating
    licence (HJ 1259-2022 §4.1). Carriers, service areas and units outside the city do not."""
    if site is None or site.kind != "unit" or not site.in_city:
        return False
    return bool(facts.plan or facts.ledger or facts.licences)


def _after_save(session: Session, manifest_id: int, manifest: Manifest, now: datetime) -> None:
    row = session.get(ManifestRow, manifest_id)
    if row is not None:
        evaluate_manifest_in(session, row, now)


on_saved(_after_save)


def _blocked(
    session: Session,
    error: TransferBlockedError,
    action: str,
    manifest_id: int | None,
    consignor_uscc: str,
    now: datetime,
) -> None:
    """A step a blocking rule refused (W09 unqualified vehicle or crew, W10 unlicensed
    receiver, W11 over the approved scale, W14 no cross-province approval, W15 not in the
    plan) is kept as a warning: the step changed nothing, but the bureau sees the attempt."""
    try:
        rule = rules.WarningRule(error.rule)
    except ValueError:
        return
    row = session.get(ManifestRow, manifest_id) if manifest_id is not None else None
    site = facilities(session, [consignor_uscc]).get(consignor_uscc)
    subject = f"{BLOCKED}{row.number or row.id if row else consignor_uscc}:{action}"
    finding = rules.Finding(
        rule=rule,
        severity=rules.Severity.HIGH,
        subject_key=subject[:120],
        unit_uscc=consignor_uscc,
        manifest_no=row.number if row else None,
        message=f"已拒绝：{error.message}",
        evidence={"action": action, "field": error.field or "", "blocked": True},
    )
    scope = (WasteWarningRow.rule == rule.value) & (WasteWarningRow.subject_key == subject[:120])
    _sync(
        session, [finding], scope, manifest_id=manifest_id,
        county_code=row.consignor_adcode if row else (site.adcode if site else ""), now=now,
    )  # fmt: skip


on_blocked(_blocked)


def evaluate_vehicles_in(session: Session, plates: Iterable[str], now: datetime) -> None:
    """After fixes arrive: the track rules of the manifests those vehicles carry now."""
    wanted = sorted(set(plates))
    if not wanted:
        return
    for row in session.scalars(
        select(ManifestRow).where(
            ManifestRow.vehicle_plate.in_(wanted), ManifestRow.state == "in_transit"
        )
    ):
        evaluate_manifest_in(session, row, now)


def evaluate_all(
    db: Database, now: datetime, settings: rules.WarningSettings | None = None
) -> CheckSummary:
    """Every watched manifest and every registered unit, each in its own transaction (for
    cron; safe to run twice: the second run changes nothing but ``last_seen_at``)."""
    with db.reading() as session:
        ids = list(session.scalars(select(ManifestRow.id).where(ManifestRow.state.in_(_WATCHED))))
        units = sorted(u for u, f in facilities(session).items() if f.kind == "unit")
    totals = [0, 0, 0]
    for manifest_id in ids:
        with db.transaction() as session:
            row = session.get(ManifestRow, manifest_id)
            if row is not None:
                for i, n in enumerate(evaluate_manifest_in(session, row, now, settings)):
                    totals[i] += n
    for uscc in units:
        with db.transaction() as session:
            for i, n in enumerate(evaluate_unit_in(session, uscc, now, settings)):
                totals[i] += n
    return CheckSummary(len(ids), len(units), *totals)


# ---- reading and handling ----------------------------------------------------------------------


def _conditions(session: Session, actor: Actor) -> list[ColumnElement[bool]]:
    ensure(actor, Permission.WASTE_READ)
    if actor.role is Role.ENTERPRISE_USER:
        uscc = unit_of(session, actor) or "-"
        mine = select(ManifestRow.id).where(
            or_(
                ManifestRow.consignor_uscc == uscc,
                ManifestRow.receiver_uscc == uscc,
                ManifestRow.carriers.like(f"%,{uscc},%"),
            )
        )
        return [or_(WasteWarningRow.unit_uscc == uscc, WasteWarningRow.manifest_id.in_(mine))]
    if actor.role is Role.COUNTY_OFFICER:
        return [WasteWarningRow.county_code == (actor.county_code or "-")]
    return []


def _numbers(session: Session, rows: Sequence[WasteWarningRow]) -> dict[int, str | None]:
    """The manifest numbers of the warnings' manifests."""
    wanted = sorted({r.manifest_id for r in rows if r.manifest_id})
    if not wanted:
        return {}
    found = session.execute(
        select(ManifestRow.id, ManifestRow.number).where(ManifestRow.id.in_(wanted))
    ).all()
    return {int(i): n for i, n in found}


def _record(row: WasteWarningRow, numbers: dict[int, str | None]) -> WasteWarning:
    rule = rules.WarningRule(row.rule)
    return WasteWarning(
        id=row.id,
        rule=row.rule,
        rule_name=rules.WARNING_RULE_NAMES[rule],
        severity=row.severity,
        subject_key=row.subject_key,
        manifest_no=numbers.get(row.manifest_id) if row.manifest_id else None,
        unit_uscc=row.unit_uscc,
        county_code=row.county_code,
        message=row.message,
        evidence=dict(row.evidence or {}),
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        count=row.count,
        state=AlertState(row.state),
        handler=row.handler,
        notes=row.notes,
        cleared_at=row.cleared_at,
        history=list(row.history or []),
    )


@dataclass(frozen=True, slots=True)
class WarningFilter:
    rule: str | None = None
    state: str | None = None
    severity: str | None = None
    county_code: str | None = None
    unit_uscc: str | None = None
    manifest_no: str | None = None


def list_warnings(
    db: Database, actor: Actor, filters: WarningFilter | None = None, *, limit: int = 500
) -> list[WasteWarning]:
    """Warnings within the actor's scope, newest first."""
    f = filters or WarningFilter()
    with db.reading() as session:
        conditions = _conditions(session, actor)
        if f.rule:
            conditions.append(WasteWarningRow.rule == f.rule)
        if f.state:
            conditions.append(WasteWarningRow.state == f.state)
        if f.severity:
            conditions.append(WasteWarningRow.severity == f.severity)
        if f.county_code:
            conditions.append(WasteWarningRow.county_code == f.county_code)
        if f.unit_uscc:
            conditions.append(WasteWarningRow.unit_uscc == f.unit_uscc)
        if f.manifest_no:
            ids = select(ManifestRow.id).where(ManifestRow.number == f.manifest_no)
            conditions.append(WasteWarningRow.manifest_id.in_(ids))
        rows = session.scalars(
            select(WasteWarningRow)
            .where(*conditions)
            .order_by(WasteWarningRow.last_seen_at.desc(), WasteWarningRow.id.desc())
            .limit(limit)
        ).all()
        numbers = _numbers(session, rows)
        return [_record(r, numbers) for r in rows]


def handle(
    db: Database,
    actor: Actor,
    warning_id: int,
    action: str,
    notes: str = "",
    clock: Clock | None = None,
) -> WasteWarning:
    """Acknowledge, resolve or mark a warning as a false positive (the bureau anywhere, a
    county officer in its county), with a handler and notes, audited."""
    ensure(actor, Permission.WASTE_WARNING_HANDLE)
    now = (clock or SystemClock()).now()
    with db.transaction() as session:
        row = session.scalar(
            select(WasteWarningRow)
            .where(WasteWarningRow.id == warning_id, *_conditions(session, actor))
            .with_for_update()
        )
        if row is None:
            raise NotFoundError(f"没有预警 {warning_id} (no such warning)", field="warning_id")
        if actor.role is Role.COUNTY_OFFICER and row.county_code != actor.county_code:
            raise PermissionDeniedError("只能处置本县预警 (only your county's warnings)")
        target = next_alert_state(AlertState(row.state), action)
        before = {"state": row.state, "handler": row.handler, "notes": row.notes}
        row.state = target.value
        row.handler = actor.username
        row.notes = notes.strip()
        row.history = [*row.history, _event(now, action, actor.username, notes=row.notes)]
        session.flush()
        audit.record(
            session, actor, f"waste_warning.{action}", "waste_warning", row.id, before,
            {"state": row.state, "handler": row.handler, "notes": row.notes},
        )  # fmt: skip
        return _record(row, _numbers(session, [row]))
