"""JSON API under /api/v1/waste: the registry of parties (facilities, licences, vehicles, crew,
plans, approvals), the ledger, manifests and their actions, planned routes, GPS fixes, tracks
and the transport map. Never public. Enterprise systems drive the whole flow with API tokens
of their users (or an administrator's token acting ``on_behalf_of`` a party); who may do what
to which unit is the services'."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query

from ecociv.adapters.db import Database
from ecociv.adapters.http import Id, PageNo, get_db, require
from ecociv.kernel import Actor, Permission, utc_now
from ecociv.kernel.clock import to_local
from ecociv.waste import services
from ecociv.waste.model import (
    CrewMember,
    Licence,
    ManagementPlan,
    TransferApproval,
    Vehicle,
)
from ecociv.waste.repository import manifest_json
from ecociv.waste.schemas import (
    ActionIn,
    CountsOut,
    DraftIn,
    FacilityIn,
    FacilityOut,
    FixCountsOut,
    FixesIn,
    LedgerIn,
    ManifestOut,
    ManifestPageOut,
    OnBehalfIn,
    RelayAcceptIn,
    RelayOfferIn,
    RouteIn,
    SavedOut,
    TrackOut,
    WarningActionIn,
)

router = APIRouter(prefix="/api/v1/waste", tags=["waste"])


def _manifest_out(view: services.ManifestView) -> dict[str, Any]:
    return {
        "id": view.id,
        "reference": view.reference,
        "manifest": manifest_json(view.manifest),
        "parties": {u: _facility(f) for u, f in view.parties.items()},
        "events": view.events,
        "versions": view.versions,
        "actions": view.actions,
        "route": view.route,
        "is_synthetic": view.is_synthetic,
    }


def _facility(f: services.Facility) -> dict[str, Any]:
    return {
        "uscc": f.uscc, "name": f.name, "kind": f.kind, "adcode": f.adcode,
        "address": f.address, "longitude": f.longitude, "latitude": f.latitude,
        "in_city": f.in_city, "is_synthetic": f.is_synthetic,
    }  # fmt: skip


# ---- registry ----------------------------------------------------------------------------------


@router.get("/facilities", response_model=list[FacilityOut])
def list_facilities(
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> Any:
    """Registered parties' sites (GCJ-02) with their administrative division."""
    return [_facility(f) for f in services.list_facilities(db, actor)]


@router.post("/facilities", response_model=FacilityOut)
def register_facility(
    body: FacilityIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_MANAGE)),
) -> Any:
    """Register or update a party's site (the bureau)."""
    return _facility(
        services.register_facility(db, actor, services.FacilityInput(**body.model_dump()))
    )


@router.post("/licences", response_model=SavedOut)
def save_licence(
    body: Licence,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_MANAGE)),
) -> Any:
    """Register or update a 危险废物经营许可证 (the bureau)."""
    return {"changed": services.save_licence(db, actor, body)}


@router.post("/approvals", response_model=SavedOut)
def save_approval(
    body: TransferApproval,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_MANAGE)),
) -> Any:
    """Record a cross-province transfer approval (the bureau)."""
    return {"changed": services.save_approval(db, actor, body)}


@router.post("/vehicles", response_model=SavedOut)
def save_vehicle(
    body: Vehicle,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_RECORD)),
) -> Any:
    """Register or update a dangerous-goods vehicle (its carrier, or the bureau)."""
    return {"changed": services.save_vehicle(db, actor, body)}


@router.post("/crew", response_model=SavedOut)
def save_crew(
    body: CrewMember,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_RECORD)),
) -> Any:
    """Register or update a driver or escort (the employer, or the bureau)."""
    return {"changed": services.save_crew(db, actor, body)}


@router.post("/plans", response_model=SavedOut)
def save_plan(
    body: ManagementPlan,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_RECORD)),
) -> Any:
    """File or update an annual management plan (the unit, or the bureau)."""
    return {"changed": services.save_plan(db, actor, body)}


@router.post("/ledger", response_model=CountsOut)
def record_ledger(
    body: LedgerIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_RECORD)),
) -> Any:
    """Record ledger entries (HJ 1259-2022 §6): all or nothing, each batch once."""
    result = services.record_ledger(db, actor, body.entries)
    return {"received": result.received, "inserted": result.inserted, "unchanged": result.unchanged}


@router.get("/ledger/{uscc}")
def ledger(
    uscc: str,
    start: date | None = None,
    end: date | None = None,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> Any:
    """A unit's ledger in time order, between local dates [start, end)."""
    entries = services.ledger_entries(db, actor, uscc, start_on=start, end_on=end)
    return [_entry(e) for e in entries]


def _entry(e: Any) -> dict[str, Any]:
    return {
        "unit_uscc": e.unit_uscc,
        "stage": e.stage.value,
        "batch_no": e.batch_no,
        "parent_batch_no": e.parent_batch_no,
        "code": e.code,
        "quantity_t": str(e.quantity_t),
        "occurred_at": e.occurred_at.isoformat(),
        "container_code": e.container_code,
        "manifest_no": e.manifest_no,
    }


# ---- manifests ---------------------------------------------------------------------------------


@router.get("/manifests", response_model=ManifestPageOut)
def search_manifests(
    party: str | None = None,
    code: str | None = None,
    county: str | None = None,
    state: str | None = None,
    kind: str | None = None,
    number: str | None = None,
    in_city: bool | None = None,
    submitted_from: date | None = None,
    submitted_to: date | None = None,
    page: PageNo = 1,
    page_size: int = Query(50, ge=1, le=500),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> Any:
    """Manifests within the caller's scope by any party, waste code, county (either end),
    state, kind, number, in-city or not, and local submission dates."""
    filters = services.ManifestFilter(
        party_uscc=party, code=code, county_code=county, state=state, waste_kind=kind,
        submitted_from=submitted_from, submitted_to=submitted_to, number=number, in_city=in_city,
    )  # fmt: skip
    result = services.search_manifests(db, actor, filters, page=page, page_size=page_size)
    return {
        "items": [_summary(i) for i in result.items],
        "total": result.total,
        "page": result.page,
        "page_size": result.page_size,
        "names": result.names,
    }


def _summary(i: services.ManifestSummary) -> dict[str, Any]:
    return {
        "id": i.id, "number": i.number, "reference": i.reference, "state": i.state,
        "waste_kind": i.waste_kind, "consignor_uscc": i.consignor_uscc,
        "consignor_adcode": i.consignor_adcode, "receiver_uscc": i.receiver_uscc,
        "receiver_adcode": i.receiver_adcode, "carrier_uscc": i.carrier_uscc,
        "vehicle_plate": i.vehicle_plate, "submitted_at": i.submitted_at,
        "delivered_at": i.delivered_at, "closed_at": i.closed_at, "shipped_t": i.shipped_t,
        "codes": i.codes, "is_synthetic": i.is_synthetic,
    }  # fmt: skip


@router.post("/manifests", response_model=ManifestOut, status_code=201)
def create_manifest(
    body: DraftIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_RECORD)),
) -> Any:
    """T1: draft a manifest as the consignor (checked against the filed plan and the
    receiver's licence). It has no number until submitted: refer to it as ``#id``."""
    view = services.create_draft(
        db, actor, body.draft, consignor_role=body.consignor_role, on_behalf_of=body.on_behalf_of
    )
    return _manifest_out(view)


@router.get("/manifests/{ref}", response_model=ManifestOut)
def get_manifest(
    ref: str,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> Any:
    """One manifest (its 14-digit number, or #id / id for a draft)."""
    return _manifest_out(services.get_manifest(db, actor, ref))


@router.post("/manifests/{ref}/actions/{action}", response_model=ManifestOut)
def act(
    ref: str,
    action: str,
    body: ActionIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_RECORD)),
) -> Any:
    """Take a legal action (T2–T11) as the party it belongs to: submit, cancel, depart,
    offer_relay, withdraw_relay, accept_relay, deliver, confirm_receipt, report_disposal,
    make_return_manifest, start_correction, finish_correction, complete_backfill, revise_draft.
    A refused action
    answers 403 (wrong party), 409 (wrong state) or 422 (bad input or a blocking rule, with the
    rule in the message) and changes nothing."""
    view = services.act(db, actor, ref, action, body.args(), on_behalf_of=body.on_behalf_of)
    return _manifest_out(view)


@router.get("/relay-offers", response_model=list[ManifestOut])
def relay_offers(
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> Any:
    """Relays offered to the caller's unit by name, waiting for it to take them over."""
    return [_manifest_out(v) for v in services.relay_offers(db, actor)]


@router.post("/manifests/{ref}/relay/offer", response_model=ManifestOut)
def offer_relay(
    ref: str,
    body: RelayOfferIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_RECORD)),
) -> Any:
    """T5: the current carrier or the consignor offers an in-transit manifest to a named next
    carrier (转移办法 第十七条). Anyone else: 403 or 404; a second offer: 409."""
    args = {"to_carrier_uscc": body.to_carrier_uscc, "place": body.place}
    view = services.act(db, actor, ref, "offer_relay", args, on_behalf_of=body.on_behalf_of)
    return _manifest_out(view)


@router.post("/manifests/{ref}/relay/withdraw", response_model=ManifestOut)
def withdraw_relay(
    ref: str,
    body: OnBehalfIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_RECORD)),
) -> Any:
    """T5: the unit that offered a relay withdraws the offer before it is accepted."""
    view = services.act(db, actor, ref, "withdraw_relay", {}, on_behalf_of=body.on_behalf_of)
    return _manifest_out(view)


@router.post("/manifests/{ref}/relay/accept", response_model=ManifestOut)
def accept_relay(
    ref: str,
    body: RelayAcceptIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_RECORD)),
) -> Any:
    """T5: the named next carrier takes the relay over with its vehicle and crew (W09). A
    carrier with no offer, or after the offer was withdrawn: 404; refusals are audited."""
    args = {"leg": body.leg}
    view = services.act(db, actor, ref, "accept_relay", args, on_behalf_of=body.on_behalf_of)
    return _manifest_out(view)


@router.get("/manifests/{ref}/versions/{version}")
def manifest_version(
    ref: str,
    version: Id,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> Any:
    """An earlier version of a manifest, exactly as it was."""
    return manifest_json(services.manifest_version(db, actor, ref, version))


@router.put("/manifests/{ref}/route")
def set_route(
    ref: str,
    body: RouteIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_RECORD)),
) -> Any:
    """File the planned route (WGS-84) and expected travel time of a submitted manifest."""
    return services.set_route(
        db, actor, ref, lon=body.lon, lat=body.lat, eta_minutes=body.eta_minutes
    )


@router.get("/manifests/{ref}/track", response_model=TrackOut)
def track(
    ref: str,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> Any:
    """The manifest's track for playback (GCJ-02), its stops and its planned route."""
    return services.manifest_track(db, actor, ref, utc_now())


@router.post("/fixes", response_model=FixCountsOut)
def ingest_fixes(
    body: FixesIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_RECORD)),
) -> Any:
    """GPS fixes of vehicles in bulk (up to 100,000): all or nothing, each (device, time)
    once; errors name the row and field."""
    fixes = [services.FixInput(**f.model_dump()) for f in body.fixes]
    result = services.ingest_fixes(db, actor, fixes)
    return {
        "received": result.received, "inserted": result.inserted,
        "unchanged": result.unchanged, "conflicting": result.conflicting,
    }  # fmt: skip


@router.get("/map")
def transport_map(
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> Any:
    """Facilities and vehicles in transit (last fix) as GeoJSON, GCJ-02."""
    return services.transport_map(db, actor, utc_now())


# ---- warnings and indicators ------------------------------------------------------------------


@router.get("/warnings")
def list_warnings(
    rule: str | None = None,
    state: str | None = None,
    severity: str | None = None,
    county: str | None = None,
    unit: str | None = None,
    manifest: str | None = None,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> Any:
    """Warnings W01–W21 within the caller's scope, newest first, with evidence and history."""
    filters = services.WarningFilter(
        rule=rule, state=state, severity=severity, county_code=county, unit_uscc=unit,
        manifest_no=manifest,
    )  # fmt: skip
    return [_warning(w) for w in services.list_warnings(db, actor, filters)]


def _warning(w: services.WasteWarning) -> dict[str, Any]:
    return {
        "id": w.id, "rule": w.rule, "rule_name_zh": w.rule_name[0], "rule_name_en": w.rule_name[1],
        "severity": w.severity, "subject_key": w.subject_key, "manifest_no": w.manifest_no,
        "unit_uscc": w.unit_uscc, "county_code": w.county_code, "message": w.message,
        "evidence": w.evidence, "first_seen_at": w.first_seen_at, "last_seen_at": w.last_seen_at,
        "count": w.count, "state": w.state.value, "handler": w.handler, "notes": w.notes,
        "cleared_at": w.cleared_at, "history": w.history,
    }  # fmt: skip


@router.post("/warnings/{warning_id}/actions")
def handle_warning(
    warning_id: Id,
    body: WarningActionIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_WARNING_HANDLE)),
) -> Any:
    """Acknowledge, resolve or mark as false positive (county officers: their county)."""
    return _warning(services.handle(db, actor, warning_id, body.action, body.notes))


@router.get("/indicators")
def indicators(
    year: int | None = Query(None, ge=2018, le=2100, description="default: this year"),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> Any:
    """I1–I12 (docs/modules/hazwaste.md §7) per county and for the city for a year, each with its
    numerator, denominator, formula and the plan targets it feeds (QZ-029–QZ-033); recomputed from
    the stored records on every call."""
    now = utc_now()
    table = services.indicator_table(db, actor, year or to_local(now).year, now)
    return {
        "year": table.year,
        "synthetic": table.synthetic,
        "areas": [
            {
                "area": a.area,
                "name_zh": a.name_zh,
                "indicators": {
                    k: {
                        "value": v.value,
                        "numerator": str(v.numerator),
                        "denominator": str(v.denominator),
                        "unit": v.unit,
                        "formula": v.formula,
                        "targets": list(v.targets),
                        "detail": dict(v.detail),
                    }  # fmt: skip
                    for k, v in a.values.items()
                },
            }
            for a in table.areas
        ],
    }
