"""Use cases of the registry: outlets, devices and permit limits, who may see them, and their
import from a spreadsheet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from ecociv import audit, orgs
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
    ensure,
)
from ecociv.sources.model import (
    AveragingPeriod,
    Device,
    LimitBasis,
    LimitRecord,
    Outlet,
    OutletKind,
    OutletRecord,
    PermitLimit,
    RegistryRow,
)
from ecociv.sources.rules import validate_registry_row
from ecociv.sources.tables import DeviceRow, OutletRow, PermitLimitRow

REGISTRY_COLUMNS = (
    "outlet_code",
    "outlet_name",
    "kind",
    "enterprise_uscc",
    "longitude",
    "latitude",
    "datum",
    "mn",
    "password",
    "password_sha256",
    "edition",
    "crc_policy",
    "online_timeout_minutes",
    "active",
    "parameter_code",
    "period",
    "limit_value",
    "unit",
    "basis",
    "permit_text",
    "synthetic",
)
REQUIRED_REGISTRY_COLUMNS = ("outlet_code", "outlet_name", "kind", "enterprise_uscc")


#: (database URL, MN) → (monotonic time of the lookup, the device as the receiver needs it,
#: its password hash): one cached lookup per device, refreshed after
#: :data:`DEVICE_CACHE_SECONDS` or any import.
DEVICE_CACHE: dict[tuple[str, str], tuple[float, Any, str]] = {}
DEVICE_CACHE_SECONDS = 60.0


def clear_device_cache() -> None:
    """Forget cached device lookups (after the registry changes)."""
    DEVICE_CACHE.clear()


# ---- scope -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scope:
    """What part of the registry an actor may read: everything (both None), one county, or
    one enterprise."""

    county_code: str | None = None
    enterprise_id: int | None = None

    def allows(self, county_code: str, enterprise_id: int) -> bool:
        if self.county_code is not None and county_code != self.county_code:
            return False
        return self.enterprise_id is None or enterprise_id == self.enterprise_id


def read_scope(actor: Actor) -> Scope:
    """Enterprise users read their own enterprise, county officers their own county, the
    other signed-in roles everything; the public nothing."""
    ensure(actor, Permission.SOURCE_READ)
    if actor.role is Role.ENTERPRISE_USER:
        return Scope(enterprise_id=actor.enterprise_id if actor.enterprise_id is not None else -1)
    if actor.role is Role.COUNTY_OFFICER:
        return Scope(county_code=actor.county_code or "-")
    return Scope()


def outlet_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    """Conditions on :class:`OutletRow` that keep to the scope."""
    conditions: list[ColumnElement[bool]] = []
    if scope.county_code is not None:
        conditions.append(OutletRow.county_code == scope.county_code)
    if scope.enterprise_id is not None:
        conditions.append(OutletRow.enterprise_id == scope.enterprise_id)
    return conditions


def scoped_outlets(scope: Scope) -> Select[OutletRow]:
    """Outlets the scope may see, as a statement to extend."""
    return select(OutletRow).where(*outlet_conditions(scope))


def county_names(session: Session) -> dict[str, str]:
    return {u.code: u.name_zh for u in orgs.list_org_units_in(session)}


def _to_record(row: OutletRow, names: Mapping[str, str], firms: Mapping[str, str]) -> OutletRecord:
    return OutletRecord(
        code=row.code,
        name=row.name,
        kind=OutletKind(row.kind),
        enterprise_uscc=row.enterprise_uscc,
        enterprise_name=firms.get(row.enterprise_uscc, row.enterprise_uscc),
        county_code=row.county_code,
        county_name_zh=names.get(row.county_code, row.county_code),
        longitude=row.longitude,
        latitude=row.latitude,
        is_synthetic=row.is_synthetic,
    )


def enterprise_names(db: Database, usccs: Sequence[str]) -> dict[str, str]:
    """Names of enterprises by credit code (read as the system: callers filter by scope)."""
    names: dict[str, str] = {}
    for uscc in sorted(set(usccs)):
        try:
            names[uscc] = orgs.get_enterprise(db, _READER, uscc).name
        except NotFoundError:
            names[uscc] = uscc
    return names


_READER = Actor(username="system:sources", role=Role.INSPECTOR)


def list_outlets(
    db: Database,
    actor: Actor,
    *,
    county_code: str | None = None,
    kind: str | None = None,
    enterprise_uscc: str | None = None,
) -> list[OutletRecord]:
    """Outlets the actor may see, filtered."""
    scope = read_scope(actor)
    stmt = select(OutletRow).where(*outlet_conditions(scope))
    if county_code:
        stmt = stmt.where(OutletRow.county_code == county_code)
    if kind:
        stmt = stmt.where(OutletRow.kind == kind)
    if enterprise_uscc:
        stmt = stmt.where(OutletRow.enterprise_uscc == enterprise_uscc.upper())
    with db.reading() as session:
        rows = session.scalars(
            stmt.order_by(OutletRow.county_code, OutletRow.enterprise_uscc, OutletRow.code)
        ).all()
        names = county_names(session)
    firms = enterprise_names(db, [r.enterprise_uscc for r in rows])
    return [_to_record(r, names, firms) for r in rows]


def get_outlet(db: Database, actor: Actor, code: str) -> OutletRecord:
    """One outlet by its code (not found when outside the actor's scope)."""
    scope = read_scope(actor)
    with db.reading() as session:
        row = session.scalar(
            select(OutletRow).where(*outlet_conditions(scope), OutletRow.code == code)
        )
        if row is None:
            raise NotFoundError(f"没有编码为 {code} 的排放口 (no such outlet)", field="code")
        names = county_names(session)
    return _to_record(row, names, enterprise_names(db, [row.enterprise_uscc]))


def list_limits(db: Database, actor: Actor, *, outlet_code: str | None = None) -> list[LimitRecord]:
    """Permit limits of the outlets the actor may see."""
    scope = read_scope(actor)
    outlets = scoped_outlets(scope).subquery()
    stmt = select(PermitLimitRow, outlets.c.code).join(
        outlets, outlets.c.id == PermitLimitRow.outlet_id
    )
    if outlet_code:
        stmt = stmt.where(outlets.c.code == outlet_code)
    with db.reading() as session:
        found = session.execute(
            stmt.order_by(outlets.c.code, PermitLimitRow.parameter_code, PermitLimitRow.period)
        ).all()
    return [
        LimitRecord(
            outlet_code=code,
            parameter_code=row.parameter_code,
            period=AveragingPeriod(row.period),
            limit_value=row.limit_value,
            unit=row.unit,
            basis=LimitBasis(row.basis),
            permit_text=row.permit_text,
        )
        for row, code in found
    ]


def limits_in(session: Session, outlet_id: int) -> tuple[PermitLimit, ...]:
    rows = session.scalars(
        select(PermitLimitRow)
        .where(PermitLimitRow.outlet_id == outlet_id)
        .order_by(PermitLimitRow.parameter_code, PermitLimitRow.period)
    ).all()
    code = session.scalar(select(OutletRow.code).where(OutletRow.id == outlet_id)) or ""
    return tuple(
        PermitLimit(
            outlet_code=code,
            parameter_code=r.parameter_code,
            period=AveragingPeriod(r.period),
            limit_value=r.limit_value,
            unit=r.unit,
            basis=LimitBasis(r.basis),
            permit_text=r.permit_text,
        )
        for r in rows
    )


# ---- import ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegistryImportResult:
    outlets_created: int
    outlets_updated: int
    devices_created: int
    devices_updated: int
    limits_created: int
    limits_updated: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class _Firm:
    id: int
    county_code: str


def _outlet_values(outlet: Outlet, firm: _Firm) -> dict[str, Any]:
    return {
        "name": outlet.name,
        "kind": outlet.kind.value,
        "enterprise_id": firm.id,
        "enterprise_uscc": outlet.enterprise_uscc,
        "county_code": firm.county_code,
        "longitude": outlet.longitude,
        "latitude": outlet.latitude,
        "is_synthetic": outlet.is_synthetic,
    }


def _outlet_snapshot(row: OutletRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "kind": row.kind,
        "enterprise_id": row.enterprise_id,
        "enterprise_uscc": row.enterprise_uscc,
        "county_code": row.county_code,
        "longitude": row.longitude,
        "latitude": row.latitude,
        "is_synthetic": row.is_synthetic,
    }


def _device_values(device: Device, outlet_id: int) -> dict[str, Any]:
    return {
        "outlet_id": outlet_id,
        "password_sha256": device.password_sha256,
        "edition": device.edition.value,
        "crc_policy": device.crc_policy.value,
        "online_timeout_minutes": device.online_timeout_minutes,
        "active": device.active,
        "is_synthetic": device.is_synthetic,
    }


def _device_snapshot(row: DeviceRow) -> dict[str, Any]:
    return {
        "outlet_id": row.outlet_id,
        "password_sha256": row.password_sha256,
        "edition": row.edition,
        "crc_policy": row.crc_policy,
        "online_timeout_minutes": row.online_timeout_minutes,
        "active": row.active,
        "is_synthetic": row.is_synthetic,
    }


def _audited(snapshot: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A device snapshot for the audit log: never the password hash (a six-digit password's
    hash is as good as the password), only a fingerprint of it."""
    if snapshot is None:
        return None
    shown = dict(snapshot)
    if "password_sha256" in shown:
        shown["password_sha256"] = str(shown["password_sha256"])[:8] + "…"
    return shown


def _limit_values(limit: PermitLimit) -> dict[str, Any]:
    return {
        "limit_value": limit.limit_value,
        "unit": limit.unit,
        "basis": limit.basis.value,
        "permit_text": limit.permit_text,
    }


def _limit_snapshot(row: PermitLimitRow) -> dict[str, Any]:
    return {
        "limit_value": row.limit_value,
        "unit": row.unit,
        "basis": row.basis,
        "permit_text": row.permit_text,
    }


def _check_rows(
    db: Database, rows: Sequence[Mapping[str, str | None]], synthetic: bool
) -> tuple[list[RegistryRow], dict[str, _Firm], list[dict[str, str]]]:
    errors: list[dict[str, str]] = []
    checked: list[RegistryRow] = []
    outlets: dict[str, tuple[int, Outlet]] = {}
    devices: dict[str, tuple[int, Device]] = {}
    limits: dict[tuple[str, str, str], tuple[int, PermitLimit]] = {}
    for number, raw in enumerate(rows, start=2):  # row 1 is the header
        row = {k: (v or "") for k, v in raw.items()}
        if not any(v.strip() for v in row.values()):
            continue
        try:
            item = validate_registry_row(number, row, synthetic=synthetic)
        except ValidationError as exc:
            errors.extend(
                {"field": f"row {number}: {e['field']}", "message": e["message"]}
                for e in exc.errors
            )
            continue

        def clash(field: str, first: int, number: int = number) -> None:
            errors.append(
                {
                    "field": f"row {number}: {field}",
                    "message": f"与第 {first} 行不一致 (differs from row {first})",
                }
            )

        ok = True
        seen = outlets.get(item.outlet.code)
        if seen is None:
            outlets[item.outlet.code] = (number, item.outlet)
        elif seen[1] != item.outlet:
            clash("outlet_code", seen[0])
            ok = False
        if item.device is not None:
            prior = devices.get(item.device.mn)
            if prior is None:
                devices[item.device.mn] = (number, item.device)
            elif prior[1] != item.device:
                clash("mn", prior[0])
                ok = False
        if item.limit is not None:
            key = (item.limit.outlet_code, item.limit.parameter_code, item.limit.period.value)
            earlier = limits.get(key)
            if earlier is None:
                limits[key] = (number, item.limit)
            elif earlier[1] != item.limit:
                clash("parameter_code", earlier[0])
                ok = False
        if ok:
            checked.append(item)
    firms: dict[str, _Firm] = {}
    for code, (number, outlet) in outlets.items():
        uscc = outlet.enterprise_uscc
        if uscc in firms:
            continue
        try:
            found = orgs.get_enterprise(db, _READER, uscc)
        except NotFoundError:
            errors.append(
                {
                    "field": f"row {number}: enterprise_uscc",
                    "message": f"排放口 {code} 的企业 {uscc} 不在企业名录中 (unknown enterprise)",
                }
            )
            continue
        firms[uscc] = _Firm(found.id, found.county_code)
    return checked, firms, errors


def import_registry(
    db: Database,
    actor: Actor,
    rows: Sequence[Mapping[str, str | None]],
    *,
    synthetic: bool = False,
    clock: Clock | None = None,
) -> RegistryImportResult:
    """Create or update outlets, devices and permit limits from a table (one row: an outlet,
    optionally a device and a limit). All rows are checked first; any error (each naming
    its row and field) imports nothing. Outlets are keyed by code, devices by MN, limits by
    (outlet, parameter, period): the same file twice changes nothing the second time. A
    device row without a password keeps the stored one. Every write is audited."""
    ensure(actor, Permission.SOURCE_MANAGE)
    clock = clock or SystemClock()
    checked, firms, errors = _check_rows(db, rows, synthetic)
    if errors:
        raise ValidationError(
            f"{len(errors)} 处错误，未导入任何数据 (nothing imported): "
            f"{errors[0]['field']}: {errors[0]['message']}",
            field=errors[0]["field"],
            errors=errors,
        )
    counts = dict.fromkeys(
        (
            "outlets_created",
            "outlets_updated",
            "devices_created",
            "devices_updated",
            "limits_created",
            "limits_updated",
            "unchanged",
        ),
        0,
    )
    with db.transaction() as session:
        now = clock.now()
        outlet_rows = {r.code: r for r in session.scalars(select(OutletRow))}
        device_rows = {r.mn: r for r in session.scalars(select(DeviceRow))}
        limit_rows = {
            (r.outlet_id, r.parameter_code, r.period): r
            for r in session.scalars(select(PermitLimitRow))
        }
        done_outlets: set[str] = set()
        done_devices: set[str] = set()
        for item in checked:
            outlet = item.outlet
            stored = outlet_rows.get(outlet.code)
            if outlet.code not in done_outlets:
                done_outlets.add(outlet.code)
                values = _outlet_values(outlet, firms[outlet.enterprise_uscc])
                if stored is None:
                    stored = OutletRow(code=outlet.code, created_at=now, updated_at=now, **values)
                    session.add(stored)
                    session.flush()
                    outlet_rows[outlet.code] = stored
                    audit.record(
                        session, actor, "source_outlet.import", "source_outlet", outlet.code,
                        None, _outlet_snapshot(stored), clock=clock,
                    )  # fmt: skip
                    counts["outlets_created"] += 1
                elif _outlet_snapshot(stored) != values:
                    before = _outlet_snapshot(stored)
                    for key, value in values.items():
                        setattr(stored, key, value)
                    stored.updated_at = now
                    session.flush()
                    audit.record(
                        session, actor, "source_outlet.update", "source_outlet", outlet.code,
                        before, _outlet_snapshot(stored), clock=clock,
                    )  # fmt: skip
                    counts["outlets_updated"] += 1
                else:
                    counts["unchanged"] += 1
            assert stored is not None
            if item.device is not None and item.device.mn not in done_devices:
                done_devices.add(item.device.mn)
                _save_device(session, actor, clock, item.device, stored.id, device_rows, counts)
            if item.limit is not None:
                _save_limit(session, actor, clock, item.limit, stored.id, limit_rows, counts)
    clear_device_cache()
    return RegistryImportResult(**counts)


def _save_device(
    session: Session,
    actor: Actor,
    clock: Clock,
    device: Device,
    outlet_id: int,
    device_rows: dict[str, DeviceRow],
    counts: dict[str, int],
) -> None:
    now = clock.now()
    values = _device_values(device, outlet_id)
    stored = device_rows.get(device.mn)
    if stored is None:
        stored = DeviceRow(mn=device.mn, created_at=now, updated_at=now, **values)
        session.add(stored)
        session.flush()
        device_rows[device.mn] = stored
        audit.record(
            session, actor, "source_device.import", "source_device", device.mn, None,
            _audited(_device_snapshot(stored)), clock=clock,
        )  # fmt: skip
        counts["devices_created"] += 1
        return
    before = _device_snapshot(stored)
    if before == values:
        counts["unchanged"] += 1
        return
    for key, value in values.items():
        setattr(stored, key, value)
    stored.updated_at = now
    session.flush()
    audit.record(
        session, actor, "source_device.update", "source_device", device.mn, _audited(before),
        _audited(_device_snapshot(stored)), clock=clock,
    )  # fmt: skip
    counts["devices_updated"] += 1


def _save_limit(
    session: Session,
    actor: Actor,
    clock: Clock,
    limit: PermitLimit,
    outlet_id: int,
    limit_rows: dict[tuple[int, str, str], PermitLimitRow],
    counts: dict[str, int],
) -> None:
    now = clock.now()
    key = (outlet_id, limit.parameter_code, limit.period.value)
    entity = f"{limit.outlet_code}/{limit.parameter_code}/{limit.period.value}"
    values = _limit_values(limit)
    stored = limit_rows.get(key)
    if stored is None:
        stored = PermitLimitRow(
            outlet_id=outlet_id,
            parameter_code=limit.parameter_code,
            period=limit.period.value,
            created_at=now,
            updated_at=now,
            **values,
        )
        session.add(stored)
        session.flush()
        limit_rows[key] = stored
        audit.record(
            session, actor, "source_limit.import", "source_permit_limit", entity, None,
            _limit_snapshot(stored), clock=clock,
        )  # fmt: skip
        counts["limits_created"] += 1
        return
    before = _limit_snapshot(stored)
    if before == values:
        counts["unchanged"] += 1
        return
    for name, value in values.items():
        setattr(stored, name, value)
    stored.updated_at = now
    session.flush()
    audit.record(
        session, actor, "source_limit.update", "source_permit_limit", entity, before,
        _limit_snapshot(stored), clock=clock,
    )  # fmt: skip
    counts["limits_updated"] += 1


def ensure_outlet_visible(scope: Scope, row: OutletRow) -> None:
    if not scope.allows(row.county_code, row.enterprise_id):
        raise PermissionDeniedError("无权查看该排放口 (outside this account's scope)")
