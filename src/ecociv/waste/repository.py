"""Writes of the waste domain with their row ↔ model mapping.

A manifest version is kept whole as JSON (pydantic's validation of the model's dataclasses
reads it back exactly: Decimal tonnes as strings, aware instants as ISO 8601), beside the
columns the searches and rules need.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ecociv.waste.model import (
    CrewMember,
    CrewRole,
    LedgerEntry,
    LedgerStage,
    Licence,
    LicenceKind,
    LicenceScope,
    ManagementPlan,
    Manifest,
    ManifestEvent,
    PlanLine,
    TransferApproval,
    TransferType,
    Vehicle,
)
from ecociv.waste.rules import tracks
from ecociv.waste.tables import (
    ApprovalRow,
    CrewRow,
    LedgerRow,
    LicenceRow,
    ManifestEventRow,
    ManifestLineRow,
    ManifestRow,
    ManifestVersionRow,
    PlanRow,
    TrackPointRow,
    VehicleRow,
)

_MANIFEST = TypeAdapter(Manifest)


def manifest_json(manifest: Manifest) -> dict[str, Any]:
    """A manifest version as JSON-ready values."""
    data: dict[str, Any] = _MANIFEST.dump_python(manifest, mode="json")
    return data


def manifest_of(body: dict[str, Any]) -> Manifest:
    """A manifest version read back from its JSON."""
    return _MANIFEST.validate_python(body)


def carriers_key(manifest: Manifest) -> str:
    """Every carrier of a manifest as ``,uscc,uscc,`` (searchable with LIKE '%,uscc,%')."""
    usccs = sorted({manifest.carrier_uscc, *(leg.carrier_uscc for leg in manifest.legs)})
    return "," + ",".join(usccs) + ","


def _columns(manifest: Manifest, consignor_adcode: str, receiver_adcode: str) -> dict[str, Any]:
    leg = manifest.current_leg
    return {
        "number": manifest.number,
        "version": manifest.version,
        "state": manifest.state.value,
        "waste_kind": manifest.waste_kind.value,
        "consignor_uscc": manifest.consignor_uscc,
        "consignor_adcode": consignor_adcode,
        "receiver_uscc": manifest.receiver_uscc,
        "receiver_adcode": receiver_adcode,
        "carrier_uscc": manifest.carrier_uscc,
        "carriers": carriers_key(manifest),
        "parent_no": manifest.parent_no,
        "relay_to_uscc": manifest.relay_offer.to_carrier_uscc if manifest.relay_offer else None,
        "paper": manifest.paper,
        "created_at": manifest.created_at,
        "submitted_at": manifest.submitted_at,
        "departed_at": manifest.departed_at,
        "delivered_at": manifest.delivered_at,
        "accepted_at": manifest.accepted_at,
        "closed_at": manifest.closed_at,
        "disposed_at": manifest.disposed_at,
        "cancelled_at": manifest.cancelled_at,
        "receipt_due_on": manifest.receipt_due_on,
        "vehicle_plate": leg.vehicle_plate if leg else "",
    }


def save_manifest(
    session: Session,
    manifest: Manifest,
    event: ManifestEvent,
    *,
    row: ManifestRow | None,
    consignor_adcode: str,
    receiver_adcode: str,
    now: datetime,
    is_synthetic: bool = False,
) -> ManifestRow:
    """Store a new version (a new manifest when ``row`` is None): the current columns, the
    version kept unchanged, the current lines and the event. Returns the row."""
    body = manifest_json(manifest)
    values = _columns(manifest, consignor_adcode, receiver_adcode)
    if row is None:
        row = ManifestRow(body=body, updated_at=now, is_synthetic=is_synthetic, **values)
        session.add(row)
        session.flush()
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.body = body
        row.updated_at = now
        session.flush()
    existing = session.scalar(
        select(ManifestVersionRow).where(
            ManifestVersionRow.manifest_id == row.id,
            ManifestVersionRow.version == manifest.version,
        )
    )
    if existing is None:
        session.add(
            ManifestVersionRow(
                manifest_id=row.id, version=manifest.version, body=body, created_at=now
            )
        )
    else:  # the same version moved on (a state change within a version)
        existing.body = body
    session.execute(delete(ManifestLineRow).where(ManifestLineRow.manifest_id == row.id))
    session.add_all(
        ManifestLineRow(
            manifest_id=row.id,
            line_no=line.line_no,
            code=line.code,
            category=line.category,
            planned_t=line.planned_t,
            shipped_t=line.shipped_t,
            received_t=line.received_t,
            accepted_t=line.accepted_t,
            disposed_t=line.disposed_t,
            method_code=line.method_code,
            decision=line.decision.value if line.decision else None,
            discrepancy=line.discrepancy,
        )
        for line in manifest.lines
    )
    actor = event.actor
    session.add(
        ManifestEventRow(
            manifest_id=row.id,
            version=event.version,
            transition=event.transition,
            action=event.action,
            from_state=event.from_state.value if event.from_state else None,
            to_state=event.to_state.value,
            actor_role=actor.role.value if actor else "platform",
            actor_uscc=actor.uscc if actor else "",
            actor_user=actor.user if actor else "",
            at=event.at,
            data=TypeAdapter(dict[str, Any]).dump_python(dict(event.data), mode="json"),
        )
    )
    session.flush()
    return row


# ---- registry rows ↔ model ---------------------------------------------------------------------


def licence_of(row: LicenceRow) -> Licence:
    return Licence(
        number=row.number,
        holder_uscc=row.holder_uscc,
        kind=LicenceKind(row.kind),
        valid_from_on=row.valid_from_on,
        valid_until_on=row.valid_until_on,
        scopes=tuple(
            LicenceScope(
                annual_scale_t_a=Decimal(str(s["annual_scale_t_a"])),
                codes=tuple(s.get("codes", ())),
                categories=tuple(s.get("categories", ())),
                methods=tuple(s.get("methods", ())),
            )
            for s in row.scopes
        ),
        storage_capacity_t=row.storage_capacity_t,
        issuer=row.issuer,
    )


def scopes_json(scopes: Sequence[LicenceScope]) -> list[dict[str, Any]]:
    return [
        {
            "annual_scale_t_a": str(s.annual_scale_t_a),
            "codes": list(s.codes),
            "categories": list(s.categories),
            "methods": list(s.methods),
        }
        for s in scopes
    ]


def vehicle_of(row: VehicleRow) -> Vehicle:
    return Vehicle(
        plate=row.plate,
        owner_uscc=row.owner_uscc,
        operating_certificate_no=row.operating_certificate_no,
        dangerous_goods_classes=tuple(row.dangerous_goods_classes),
        valid_until_on=row.valid_until_on,
        gps_device_id=row.gps_device_id,
        valid_from_on=row.valid_from_on,
    )


def crew_of(row: CrewRow) -> CrewMember:
    return CrewMember(
        name=row.name,
        role=CrewRole(row.role),
        qualification_no=row.qualification_no,
        valid_until_on=row.valid_until_on,
        employer_uscc=row.employer_uscc,
    )


def plan_of(row: PlanRow) -> ManagementPlan:
    return ManagementPlan(
        year=row.year,
        consignor_uscc=row.consignor_uscc,
        filing_no=row.filing_no,
        filed_on=row.filed_on,
        lines=tuple(
            PlanLine(
                code=line["code"],
                planned_t=Decimal(str(line["planned_t"])),
                receiver_uscc=line["receiver_uscc"],
                method_code=line["method_code"],
                transfer_type=TransferType(line.get("transfer_type", "in_province")),
            )
            for line in row.lines
        ),
    )


def plan_lines_json(lines: Sequence[PlanLine]) -> list[dict[str, Any]]:
    return [
        {
            "code": line.code,
            "planned_t": str(line.planned_t),
            "receiver_uscc": line.receiver_uscc,
            "method_code": line.method_code,
            "transfer_type": line.transfer_type.value,
        }
        for line in lines
    ]


def approval_of(row: ApprovalRow) -> TransferApproval:
    return TransferApproval(
        number=row.number,
        consignor_uscc=row.consignor_uscc,
        receiver_uscc=row.receiver_uscc,
        valid_from_on=row.valid_from_on,
        valid_until_on=row.valid_until_on,
        approved_t={code: Decimal(str(t)) for code, t in row.approved_t.items()},
    )


def ledger_of(row: LedgerRow) -> LedgerEntry:
    return LedgerEntry(
        unit_uscc=row.unit_uscc,
        stage=LedgerStage(row.stage),
        batch_no=row.batch_no,
        code=row.code,
        quantity_t=row.quantity_t,
        occurred_at=row.occurred_at,
        parent_batch_no=row.parent_batch_no,
        container_code=row.container_code,
        container_type=row.container_type,
        package_count=row.package_count,
        facility_code=row.facility_code,
        staff=row.staff,
        manifest_no=row.manifest_no,
    )


def wgs84_of(rows: Sequence[TrackPointRow]) -> tuple[list[float], list[float]]:
    """Stored fixes in WGS-84 (fixes received in GCJ-02 converted back)."""
    lon = [r.longitude for r in rows]
    lat = [r.latitude for r in rows]
    gcj = [i for i, r in enumerate(rows) if r.datum == "GCJ-02"]
    if gcj:
        back_lon, back_lat = tracks.gcj02_to_wgs84([lon[i] for i in gcj], [lat[i] for i in gcj])
        for k, i in enumerate(gcj):
            lon[i], lat[i] = float(back_lon[k]), float(back_lat[k])
    return lon, lat
