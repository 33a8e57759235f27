"""The parties of hazardous-waste transfers and what the rules check about them: facilities
(where a party is), operating licences, vehicles and crew, management plans and cross-province
approvals. Every write is audited; a write that changes nothing records nothing.

Who may write what: the bureau (``WASTE_MANAGE``) registers facilities, licences and
approvals; a carrier's own users (or the bureau) its vehicles and crew; a consignor's own users
(or the bureau) its management plan.

A record is keyed by its natural key (a plate, a qualification number, a licence number), so a
write with the key of a record that already exists is an update of that record: it is allowed
only to the users of the unit the record belongs to now (or the bureau), whatever unit the
write names. A refused attempt changes nothing and is kept in the audit log
(``<entity>.refused``). A GPS device belongs to one vehicle at a time: binding a device that is
already on another vehicle is refused (its fixes are accepted from that vehicle's carrier only,
:mod:`ecociv.waste.services.tracks`).

Natural keys are stored and looked up in one form (:func:`ecociv.waste.rules.registry.natural_key`:
NFKC, no white space, Latin letters upper case), so ``浙hq1001``, `` 浙H Q1001`` and
``浙ＨＱ1001`` are the one plate ``浙HQ1001`` and stay its unit's. Quantities, texts and
positions are bounded before anything is written (docs/inputs.md).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecociv import audit, orgs
from ecociv.adapters.db import Database
from ecociv.kernel import (
    Actor,
    Clock,
    ConflictError,
    EcocivError,
    NotFoundError,
    Permission,
    PermissionDeniedError,
    Role,
    SystemClock,
    ValidationError,
    can,
    ensure,
)
from ecociv.standards import waste as catalogue
from ecociv.waste.model import (
    CrewMember,
    Licence,
    ManagementPlan,
    PlanLine,
    TransferApproval,
    Vehicle,
)
from ecociv.waste.repository import (
    approval_of,
    crew_of,
    licence_of,
    plan_lines_json,
    plan_of,
    scopes_json,
    vehicle_of,
)
from ecociv.waste.rules.registry import (
    check_key,
    check_position,
    check_text,
    check_tonnes,
)
from ecociv.waste.tables import (
    ApprovalRow,
    CrewRow,
    FacilityRow,
    LicenceRow,
    PlanRow,
    ReportFilingRow,
    VehicleRow,
)

#: Quzhou's prefecture (GB/T 2260): adcodes 3308xx are inside the city (plan 二(三)4 不出市).
CITY_PREFIX = "3308"


@dataclass(frozen=True, slots=True)
class FacilityInput:
    """A party's site: Quzhou enterprises take name, county and location from the master
    record unless given; parties outside the city give them (``adcode``: GB/T 2260)."""

    uscc: str
    name: str = ""
    adcode: str = ""
    address: str = ""
    longitude: float | None = None  # GCJ-02
    latitude: float | None = None
    kind: str = "unit"  # unit, or service_area (a site where vehicles may stop, W07)
    management_class: str | None = None  # key, simplified, registration (HJ 1259-2022 §4.2)
    is_synthetic: bool = False


@dataclass(frozen=True, slots=True)
class Facility:
    uscc: str
    name: str
    kind: str
    adcode: str
    address: str
    longitude: float | None
    latitude: float | None
    enterprise_id: int | None
    is_synthetic: bool
    management_class: str | None = None

    @property
    def in_city(self) -> bool:
        return self.adcode.startswith(CITY_PREFIX)


def facility_of(row: FacilityRow) -> Facility:
    return Facility(
        uscc=row.uscc,
        name=row.name,
        kind=row.kind,
        adcode=row.adcode,
        address=row.address,
        longitude=row.longitude,
        latitude=row.latitude,
        enterprise_id=row.enterprise_id,
        is_synthetic=row.is_synthetic,
        management_class=row.management_class,
    )


def _snapshot(row: Any, fields: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(row, name)
        out[name] = str(value) if isinstance(value, Decimal | date) else value
    return out


def _upsert(
    session: Session,
    actor: Actor,
    clock: Clock,
    row: Any,
    model: type[Any],
    key: dict[str, Any],
    values: dict[str, Any],
    entity: str,
    entity_id: str,
) -> bool:
    """Create or update a registry row, audited; False when nothing changed."""
    now = clock.now()
    fields = list(values)
    if row is None:
        row = model(**key, **values, created_at=now, **_updated(model, now))
        session.add(row)
        session.flush()
        audit.record(
            session, actor, f"{entity}.create", entity, entity_id, None, _snapshot(row, fields),
            clock=clock,
        )  # fmt: skip
        return True
    before = _snapshot(row, fields)
    for name, value in values.items():
        setattr(row, name, value)
    after = _snapshot(row, fields)
    if before == after:
        return False
    if hasattr(row, "updated_at"):
        row.updated_at = now
    session.flush()
    audit.record(session, actor, f"{entity}.update", entity, entity_id, before, after, clock=clock)
    return True


def _updated(model: type[Any], now: Any) -> dict[str, Any]:
    return {"updated_at": now} if hasattr(model, "updated_at") else {}


def _uscc(value: str, field: str = "uscc") -> str:
    text = value.strip().upper()
    if len(text) != 18 or not text.isalnum():
        raise ValidationError(
            f"统一社会信用代码 “{value}” 应为 18 位字母数字 (USCC must be 18 characters)",
            field=field,
        )
    return text


# ---- facilities ---------------------------------------------------------------------------------


def register_facility(
    db: Database, actor: Actor, data: FacilityInput, clock: Clock | None = None
) -> Facility:
    """Register or update a party's site (the bureau only)."""
    ensure(actor, Permission.WASTE_MANAGE)
    clock = clock or SystemClock()
    uscc = _uscc(data.uscc)
    if data.kind not in ("unit", "service_area"):
        raise ValidationError("kind 应为 unit 或 service_area (unknown kind)", field="kind")
    if data.management_class not in (None, "key", "simplified", "registration"):
        raise ValidationError(
            "management_class 应为 key、simplified 或 registration (HJ 1259-2022 §4.2)",
            field="management_class",
        )
    check_position(data.longitude, data.latitude)
    with db.transaction() as session:
        enterprise_id: int | None = None
        name, adcode, address = data.name.strip(), data.adcode.strip(), data.address.strip()
        lon, lat = data.longitude, data.latitude
        try:
            enterprise_id = orgs.enterprise_id_for(session, uscc)
        except NotFoundError:
            enterprise_id = None
        if enterprise_id is not None:
            record = orgs.get_enterprise(db, _BUREAU, uscc)
            name = name or record.name
            adcode = adcode or record.county_code
            address = address or record.address
            lon = lon if lon is not None else record.longitude
            lat = lat if lat is not None else record.latitude
        if not name:
            raise ValidationError("缺少单位名称 (name is required)", field="name")
        if len(adcode) != 6 or not adcode.isdigit():
            raise ValidationError(
                f"行政区划代码 “{adcode}” 应为 6 位数字 (adcode: 6 digits, GB/T 2260)",
                field="adcode",
            )
        if adcode.startswith(CITY_PREFIX) and enterprise_id is None and data.kind == "unit":
            raise ValidationError(
                f"衢州市内单位须先建立企业档案 ({uscc}: register the enterprise first)",
                field="uscc",
            )
        row = session.scalar(select(FacilityRow).where(FacilityRow.uscc == uscc))
        values = {
            "name": name,
            "kind": data.kind,
            "adcode": adcode,
            "address": address,
            "longitude": lon,
            "latitude": lat,
            "enterprise_id": enterprise_id,
            "management_class": data.management_class,
            "is_synthetic": data.is_synthetic,
        }
        _upsert(
            session, actor, clock, row, FacilityRow, {"uscc": uscc}, values,
            "waste_facility", uscc,
        )  # fmt: skip
        stored = session.scalar(select(FacilityRow).where(FacilityRow.uscc == uscc))
        assert stored is not None
        return facility_of(stored)


#: Reads the master record on behalf of the bureau's registry.
_BUREAU = Actor(username="system:waste", role=Role.INSPECTOR)


def facilities(session: Session, usccs: Sequence[str] | None = None) -> dict[str, Facility]:
    """Facilities by USCC (all, or those asked for)."""
    stmt = select(FacilityRow)
    if usccs is not None:
        stmt = stmt.where(FacilityRow.uscc.in_(sorted(set(usccs))))
    return {r.uscc: facility_of(r) for r in session.scalars(stmt)}


def list_facilities(db: Database, actor: Actor) -> list[Facility]:
    """Registered sites: registry information every signed-in role may read."""
    ensure(actor, Permission.WASTE_READ)
    with db.reading() as session:
        return sorted(facilities(session).values(), key=lambda f: (f.adcode, f.uscc))


def unit_of(session: Session, actor: Actor) -> str | None:
    """The USCC an enterprise user acts for (its enterprise's facility), else None."""
    if actor.role is not Role.ENTERPRISE_USER or actor.enterprise_id is None:
        return None
    return session.scalar(
        select(FacilityRow.uscc).where(FacilityRow.enterprise_id == actor.enterprise_id)
    )


def _own_or_bureau(
    session: Session, actor: Actor, owner_uscc: str, what: str, field: str | None = None
) -> None:
    """Writes for a party's own records: its own users, or the bureau."""
    if can(actor, Permission.WASTE_MANAGE):
        return
    ensure(actor, Permission.WASTE_ACT)
    if unit_of(session, actor) != owner_uscc:
        raise PermissionDeniedError(
            f"只能登记本单位的{what} (only your own unit's {what} may be registered)", field=field
        )


def _owned_elsewhere(
    session: Session, actor: Actor, owner_uscc: str, what: str, key_field: str, key: str
) -> None:
    """An existing record belonging to ``owner_uscc`` may be changed only by that unit's users
    (or the bureau): another unit naming its key is refused, naming the key field."""
    if can(actor, Permission.WASTE_MANAGE):
        return
    ensure(actor, Permission.WASTE_ACT)
    if unit_of(session, actor) != owner_uscc:
        raise PermissionDeniedError(
            f"{key_field} {key} 已由其他单位登记，不能修改其他单位的{what} "
            f"({key_field} {key} is registered by another unit: only its own unit may change it)",
            field=key_field,
        )


def _refused(db: Database, actor: Actor, entity: str, key: str, error: EcocivError) -> None:
    """Keep a refused attempt on a registry record in the audit log (in a transaction of its
    own: the refused write itself changed nothing)."""
    with db.transaction() as session:
        audit.record(
            session, actor, f"{entity}.refused", entity, key, None,
            {"field": error.field or "", "reason": error.message}, only_changes=False,
        )  # fmt: skip


def _facility_required(session: Session, uscc: str, field: str) -> FacilityRow:
    row = session.scalar(select(FacilityRow).where(FacilityRow.uscc == uscc))
    if row is None:
        raise ValidationError(
            f"单位 {uscc} 未登记为危险废物相关单位 (unit not registered)", field=field
        )
    return row


# ---- licences, vehicles, crew, plans, approvals ----------------------------------------------


def save_licence(
    db: Database,
    actor: Actor,
    licence: Licence,
    clock: Clock | None = None,
    *,
    is_synthetic: bool = False,
) -> bool:
    """Register or update an operating licence (the bureau). True when something changed."""
    ensure(actor, Permission.WASTE_MANAGE)
    clock = clock or SystemClock()
    number = check_key(licence.number, "number", 60)
    check_text(licence.issuer, "issuer", 100)
    if licence.storage_capacity_t is not None:
        check_tonnes(licence.storage_capacity_t, "storage_capacity_t")
    for i, scope in enumerate(licence.scopes, start=1):
        check_tonnes(scope.annual_scale_t_a, f"scopes[{i}].annual_scale_t_a")
        for item in (*scope.codes, *scope.categories, *scope.methods):
            check_text(item, f"scopes[{i}]", 12)
    if licence.valid_until_on < licence.valid_from_on:
        raise ValidationError(
            "有效期止早于起 (valid until before valid from)", field="valid_until_on"
        )
    if not licence.scopes:
        raise ValidationError("许可证至少有一项经营范围 (a licence needs a scope)", field="scopes")
    with db.transaction() as session:
        _facility_required(session, licence.holder_uscc, "holder_uscc")
        row = session.scalar(select(LicenceRow).where(LicenceRow.number == number))
        values = {
            "holder_uscc": licence.holder_uscc,
            "kind": licence.kind.value,
            "valid_from_on": licence.valid_from_on,
            "valid_until_on": licence.valid_until_on,
            "scopes": scopes_json(licence.scopes),
            "storage_capacity_t": licence.storage_capacity_t,
            "issuer": licence.issuer,
            "is_synthetic": is_synthetic,
        }
        return _upsert(
            session, actor, clock, row, LicenceRow, {"number": number}, values,
            "waste_licence", number,
        )  # fmt: skip


def save_vehicle(
    db: Database,
    actor: Actor,
    vehicle: Vehicle,
    clock: Clock | None = None,
    *,
    is_synthetic: bool = False,
) -> bool:
    """Register or update a vehicle (its carrier's users, or the bureau). An existing plate
    stays its carrier's; a GPS device already on another vehicle is refused (one vehicle at a
    time: unbind it there first)."""
    clock = clock or SystemClock()
    vehicle = dataclasses.replace(
        vehicle,
        plate=check_key(vehicle.plate, "plate", 12),
        gps_device_id=check_key(vehicle.gps_device_id, "gps_device_id", 40, required=False),
        operating_certificate_no=check_key(
            vehicle.operating_certificate_no, "operating_certificate_no", 40, required=False
        ),
        owner_uscc=vehicle.owner_uscc.strip().upper(),
    )
    for i, cls in enumerate(vehicle.dangerous_goods_classes, start=1):
        check_text(cls, f"dangerous_goods_classes[{i}]", 8)
    try:
        return _save_vehicle(db, actor, vehicle, clock, is_synthetic=is_synthetic)
    except (PermissionDeniedError, ConflictError) as error:
        _refused(db, actor, "waste_vehicle", vehicle.plate, error)
        raise


def _save_vehicle(
    db: Database, actor: Actor, vehicle: Vehicle, clock: Clock, *, is_synthetic: bool
) -> bool:
    device = vehicle.gps_device_id
    with db.transaction() as session:
        _own_or_bureau(session, actor, vehicle.owner_uscc, "车辆", "owner_uscc")
        _facility_required(session, vehicle.owner_uscc, "owner_uscc")
        row = session.scalar(select(VehicleRow).where(VehicleRow.plate == vehicle.plate))
        if row is not None:
            _owned_elsewhere(session, actor, row.owner_uscc, "车辆", "plate", vehicle.plate)
        if device:
            holder = session.scalar(
                select(VehicleRow).where(
                    VehicleRow.gps_device_id == device, VehicleRow.plate != vehicle.plate
                )
            )
            if holder is not None:
                raise ConflictError(
                    f"GPS 设备 {device} 已绑定车辆 {holder.plate}，一个设备同一时间只属于一辆车 "
                    f"(gps_device_id {device} is bound to another vehicle: unbind it there "
                    "first)",
                    field="gps_device_id",
                )
        values = {
            "owner_uscc": vehicle.owner_uscc,
            "operating_certificate_no": vehicle.operating_certificate_no,
            "dangerous_goods_classes": list(vehicle.dangerous_goods_classes),
            "valid_from_on": vehicle.valid_from_on,
            "valid_until_on": vehicle.valid_until_on,
            "gps_device_id": device,
            "is_synthetic": is_synthetic,
        }
        return _upsert(
            session, actor, clock, row, VehicleRow, {"plate": vehicle.plate}, values,
            "waste_vehicle", vehicle.plate,
        )  # fmt: skip


def save_crew(
    db: Database,
    actor: Actor,
    member: CrewMember,
    clock: Clock | None = None,
    *,
    is_synthetic: bool = False,
) -> bool:
    """Register or update a driver or escort (the employer's users, or the bureau). A
    qualification number already registered stays with its employer: another unit naming it
    is refused."""
    clock = clock or SystemClock()
    member = dataclasses.replace(
        member,
        qualification_no=check_key(member.qualification_no, "qualification_no", 40),
        name=check_text(member.name.strip(), "name", 60),
        employer_uscc=member.employer_uscc.strip().upper(),
    )
    try:
        return _save_crew(db, actor, member, clock, is_synthetic=is_synthetic)
    except PermissionDeniedError as error:
        _refused(db, actor, "waste_crew", member.qualification_no, error)
        raise


def _save_crew(
    db: Database, actor: Actor, member: CrewMember, clock: Clock, *, is_synthetic: bool
) -> bool:
    with db.transaction() as session:
        if not member.employer_uscc:  # a unit's users register their own unit's crew
            member = dataclasses.replace(member, employer_uscc=unit_of(session, actor) or "")
        if not member.employer_uscc:
            raise ValidationError("缺少 employer_uscc (employer required)", field="employer_uscc")
        _own_or_bureau(session, actor, member.employer_uscc, "人员", "employer_uscc")
        _facility_required(session, member.employer_uscc, "employer_uscc")
        row = session.scalar(
            select(CrewRow).where(CrewRow.qualification_no == member.qualification_no)
        )
        if row is not None:
            _owned_elsewhere(
                session, actor, row.employer_uscc, "人员", "qualification_no",
                member.qualification_no,
            )  # fmt: skip
        values = {
            "name": member.name,
            "role": member.role.value,
            "valid_until_on": member.valid_until_on,
            "employer_uscc": member.employer_uscc,
            "is_synthetic": is_synthetic,
        }
        return _upsert(
            session, actor, clock, row, CrewRow, {"qualification_no": member.qualification_no},
            values, "waste_crew", member.qualification_no,
        )  # fmt: skip


def save_plan(
    db: Database,
    actor: Actor,
    plan: ManagementPlan,
    clock: Clock | None = None,
    *,
    is_synthetic: bool = False,
) -> bool:
    """File or update a unit's annual management plan (its own users, or the bureau)."""
    clock = clock or SystemClock()
    plan = dataclasses.replace(
        plan,
        filing_no=check_key(plan.filing_no, "filing_no", 60),
        lines=tuple(_plan_line(i, line) for i, line in enumerate(plan.lines, start=1)),
    )
    try:
        return _save_plan(db, actor, plan, clock, is_synthetic=is_synthetic)
    except ConflictError as error:
        _refused(db, actor, "waste_plan", f"{plan.consignor_uscc}:{plan.year}", error)
        raise


def _plan_line(index: int, line: PlanLine) -> PlanLine:
    """A plan line's code from the catalogue, its quantity and method code bounded."""
    prefix = f"lines[{index}]"
    check_text(line.code, f"{prefix}.code", 12)
    try:
        code = catalogue.validate_code(line.code)
    except catalogue.WasteCodeError as error:
        raise ValidationError(error.message, field=f"{prefix}.code") from None
    return dataclasses.replace(
        line,
        code=code,
        planned_t=check_tonnes(line.planned_t, f"{prefix}.planned_t"),
        method_code=check_text(line.method_code.strip(), f"{prefix}.method_code", 12),
        receiver_uscc=line.receiver_uscc.strip().upper(),
    )


def _save_plan(
    db: Database, actor: Actor, plan: ManagementPlan, clock: Clock, *, is_synthetic: bool
) -> bool:
    with db.transaction() as session:
        _own_or_bureau(session, actor, plan.consignor_uscc, "管理计划")
        taken = session.scalar(
            select(PlanRow.consignor_uscc).where(
                PlanRow.filing_no == plan.filing_no, PlanRow.consignor_uscc != plan.consignor_uscc
            )
        )
        if taken is not None:
            raise ConflictError(
                f"备案号 {plan.filing_no} 已由其他单位使用 "
                f"(filing_no {plan.filing_no} is another unit's)",
                field="filing_no",
            )
        _facility_required(session, plan.consignor_uscc, "consignor_uscc")
        for i, line in enumerate(plan.lines, start=1):
            _facility_required(session, line.receiver_uscc, f"lines[{i}].receiver_uscc")
        row = session.scalar(
            select(PlanRow).where(
                PlanRow.consignor_uscc == plan.consignor_uscc, PlanRow.year == plan.year
            )
        )
        values = {
            "filing_no": plan.filing_no,
            "filed_on": plan.filed_on,
            "lines": plan_lines_json(plan.lines),
            "is_synthetic": is_synthetic,
        }
        return _upsert(
            session, actor, clock, row, PlanRow,
            {"consignor_uscc": plan.consignor_uscc, "year": plan.year}, values,
            "waste_plan", f"{plan.consignor_uscc}:{plan.year}",
        )  # fmt: skip


def save_approval(
    db: Database, actor: Actor, approval: TransferApproval, clock: Clock | None = None
) -> bool:
    """Record a cross-province transfer approval (the bureau)."""
    ensure(actor, Permission.WASTE_MANAGE)
    clock = clock or SystemClock()
    number = check_key(approval.number, "number", 60)
    if approval.valid_until_on < approval.valid_from_on:
        raise ValidationError(
            "有效期止早于起 (valid until before valid from)", field="valid_until_on"
        )
    approved: dict[str, Decimal] = {}
    for code, t in approval.approved_t.items():
        check_text(code, "approved_t", 12)
        try:
            key = catalogue.validate_code(code)
        except catalogue.WasteCodeError as error:
            raise ValidationError(error.message, field=f"approved_t.{code}") from None
        approved[key] = check_tonnes(t, f"approved_t.{key}")
    approval = dataclasses.replace(approval, number=number, approved_t=approved)
    with db.transaction() as session:
        row = session.scalar(select(ApprovalRow).where(ApprovalRow.number == approval.number))
        values = {
            "consignor_uscc": approval.consignor_uscc,
            "receiver_uscc": approval.receiver_uscc,
            "valid_from_on": approval.valid_from_on,
            "valid_until_on": approval.valid_until_on,
            "approved_t": {k: str(v) for k, v in approval.approved_t.items()},
        }
        return _upsert(
            session, actor, clock, row, ApprovalRow, {"number": approval.number}, values,
            "waste_approval", approval.number,
        )  # fmt: skip


_PERIOD = {
    "monthly": re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"),
    "quarterly": re.compile(r"^\d{4}-Q[1-4]$"),
    "annual": re.compile(r"^\d{4}$"),
    "plan": re.compile(r"^\d{4}$"),
}


def file_report(
    db: Database,
    actor: Actor,
    unit_uscc: str,
    kind: str,
    period: str,
    filed_on: date,
    clock: Clock | None = None,
) -> bool:
    """Record that a unit filed a report (HJ 1259-2022 §7.2: ``monthly`` ``2025-03``,
    ``quarterly`` ``2025-Q1``, ``annual`` ``2025``; §5.2.2 ``plan`` ``2025``): its own users
    or the bureau. Filing the same period again keeps the first day (False)."""
    clock = clock or SystemClock()
    if kind not in _PERIOD:
        raise ValidationError(f"未知申报类型 “{kind}” (unknown report kind)", field="kind")
    if not _PERIOD[kind].match(period):
        raise ValidationError(f"申报期 “{period}” 格式不符 (bad period for {kind})", field="period")
    with db.transaction() as session:
        _own_or_bureau(session, actor, unit_uscc, "申报")
        _facility_required(session, unit_uscc, "unit_uscc")
        found = session.scalar(
            select(ReportFilingRow).where(
                ReportFilingRow.unit_uscc == unit_uscc,
                ReportFilingRow.kind == kind,
                ReportFilingRow.period == period,
            )
        )
        if found is not None:
            return False
        session.add(
            ReportFilingRow(
                unit_uscc=unit_uscc, kind=kind, period=period, filed_on=filed_on,
                created_at=clock.now(),
            )
        )  # fmt: skip
        session.flush()
        audit.record(
            session, actor, "waste_report.file", "waste_report", f"{unit_uscc}:{kind}:{period}",
            None, {"filed_on": filed_on.isoformat()}, clock=clock,
        )  # fmt: skip
        return True


# ---- reads used by the manifest services -------------------------------------------------------


def check_carrier(db: Database, uscc: str, day: date, field: str = "to_carrier_uscc") -> str:
    """The USCC of a registered carrier, else ValidationError naming ``field``.

    A carrier is a registered waste party that transports: a Quzhou enterprise tagged
    危险废物运输单位 (``hw_transporter``) in the bureau's master record; a unit outside the city
    (registered by the bureau, with no users of its own) holding a dangerous-goods vehicle
    registered and valid on ``day``. A unit's own vehicle registrations do not make it a
    carrier, so a generator cannot be named to take over a load.
    """
    key = uscc.strip().upper()
    with db.reading() as session:
        site = session.scalar(select(FacilityRow).where(FacilityRow.uscc == key))
        vehicles = vehicles_of(session, key) if site is not None else ()
    if site is None:
        raise ValidationError(
            f"后一承运人 {key} 未登记为危险废物相关单位 (the next carrier is not registered)",
            field=field,
        )
    if site.enterprise_id is not None:
        tags = orgs.get_enterprise(db, _BUREAU, key).tags
        carrier = orgs.EnterpriseTag.HW_TRANSPORTER in tags
    else:
        carrier = any(v.is_valid_on(day) for v in vehicles)
    if not carrier:
        raise ValidationError(
            f"{key} 不是登记的危险废物运输单位，不能接运 (the next carrier {key} is not a "
            "registered hazardous-waste carrier)",
            field=field,
        )
    return key


def licences_of(session: Session, holder_uscc: str) -> tuple[Licence, ...]:
    rows = session.scalars(select(LicenceRow).where(LicenceRow.holder_uscc == holder_uscc))
    return tuple(licence_of(r) for r in rows)


def vehicles_of(session: Session, owner_uscc: str) -> tuple[Vehicle, ...]:
    rows = session.scalars(select(VehicleRow).where(VehicleRow.owner_uscc == owner_uscc))
    return tuple(vehicle_of(r) for r in rows)


def crew_of_unit(session: Session, employer_uscc: str) -> tuple[CrewMember, ...]:
    rows = session.scalars(select(CrewRow).where(CrewRow.employer_uscc == employer_uscc))
    return tuple(crew_of(r) for r in rows)


def plan_for(session: Session, consignor_uscc: str, year: int) -> ManagementPlan | None:
    row = session.scalar(
        select(PlanRow).where(PlanRow.consignor_uscc == consignor_uscc, PlanRow.year == year)
    )
    return plan_of(row) if row is not None else None


def approval_for(
    session: Session, consignor_uscc: str, receiver_uscc: str, day: date
) -> TransferApproval | None:
    rows = session.scalars(
        select(ApprovalRow).where(
            ApprovalRow.consignor_uscc == consignor_uscc,
            ApprovalRow.receiver_uscc == receiver_uscc,
        )
    )
    valid = [approval_of(r) for r in rows if r.valid_from_on <= day <= r.valid_until_on]
    return valid[0] if valid else None
