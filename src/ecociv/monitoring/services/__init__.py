"""Use cases for monitoring sites and their readings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecociv import audit, orgs
from ecociv.adapters.db import Database
from ecociv.adapters.readings import LoadResult, ReadingRow, ReadingsStore, RejectRow
from ecociv.kernel import (
    Actor,
    Clock,
    NotFoundError,
    Permission,
    SystemClock,
    ValidationError,
    ensure,
)
from ecociv.monitoring.model import (
    AnnualMean,
    ControlLevel,
    DailyMean,
    LandUse,
    MonthlyMean,
    RejectedRow,
    Site,
    SiteDraft,
    SiteKind,
    SiteRecord,
    WaterBody,
)
from ecociv.monitoring.rules import check_readings, validate_site
from ecociv.monitoring.tables import MonitoringSiteRow

SITE_COLUMNS = (
    "code",
    "name",
    "kind",
    "county_code",
    "river",
    "control_level",
    "target_class",
    "river_chief",
    "water_body",
    "land_use",
    "longitude",
    "latitude",
    "datum",
)
READING_COLUMNS = ("site_code", "parameter", "observed_at", "value", "flag")
REQUIRED_SITE_COLUMNS = ("code", "name", "kind", "county_code")
REQUIRED_READING_COLUMNS = ("site_code", "parameter", "observed_at", "value")


def _to_record(row: MonitoringSiteRow, names: Mapping[str, str]) -> SiteRecord:
    return SiteRecord(
        code=row.code,
        name=row.name,
        kind=SiteKind(row.kind),
        county_code=row.county_code,
        county_name_zh=names.get(row.county_code, row.county_code),
        river=row.river,
        control_level=ControlLevel(row.control_level) if row.control_level else None,
        target_class=row.target_class,
        river_chief=row.river_chief,
        water_body=WaterBody(row.water_body) if row.water_body else None,
        land_use=LandUse(row.land_use) if row.land_use else None,
        longitude=row.longitude,
        latitude=row.latitude,
        is_synthetic=row.is_synthetic,
    )


def _county_names(session: Session) -> dict[str, str]:
    return {u.code: u.name_zh for u in orgs.list_org_units_in(session)}


def _values(site: Site) -> dict[str, Any]:
    return {
        "name": site.name,
        "kind": site.kind.value,
        "county_code": site.county_code,
        "river": site.river,
        "control_level": site.control_level.value if site.control_level else None,
        "target_class": site.target_class,
        "river_chief": site.river_chief,
        "water_body": site.water_body.value if site.water_body else None,
        "land_use": site.land_use.value if site.land_use else None,
        "longitude": site.longitude,
        "latitude": site.latitude,
        "is_synthetic": site.is_synthetic,
    }


def _snapshot(row: MonitoringSiteRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "kind": row.kind,
        "county_code": row.county_code,
        "river": row.river,
        "control_level": row.control_level,
        "target_class": row.target_class,
        "river_chief": row.river_chief,
        "water_body": row.water_body,
        "land_use": row.land_use,
        "longitude": row.longitude,
        "latitude": row.latitude,
        "is_synthetic": row.is_synthetic,
    }


def list_sites(
    db: Database, actor: Actor, *, kind: str | None = None, county_code: str | None = None
) -> list[SiteRecord]:
    """Monitoring sites, filtered by kind and county (public information)."""
    ensure(actor, Permission.MONITORING_READ)
    conditions = []
    if kind:
        conditions.append(MonitoringSiteRow.kind == kind)
    if county_code:
        conditions.append(MonitoringSiteRow.county_code == county_code)
    with db.reading() as session:
        rows = session.scalars(
            select(MonitoringSiteRow)
            .where(*conditions)
            .order_by(MonitoringSiteRow.kind, MonitoringSiteRow.county_code, MonitoringSiteRow.code)
        ).all()
        names = _county_names(session)
        return [_to_record(r, names) for r in rows]


def get_site(db: Database, actor: Actor, code: str) -> SiteRecord:
    """One monitoring site by its code."""
    ensure(actor, Permission.MONITORING_READ)
    with db.reading() as session:
        row = session.scalar(select(MonitoringSiteRow).where(MonitoringSiteRow.code == code))
        if row is None:
            raise NotFoundError(f"没有编码为 {code} 的监测点位 (no such site)", field="code")
        return _to_record(row, _county_names(session))


@dataclass(frozen=True, slots=True)
class SiteImportResult:
    created: int
    updated: int
    unchanged: int


def _row_to_draft(row: Mapping[str, str | None], synthetic: bool) -> SiteDraft:
    def text(field: str) -> str:
        return (row.get(field) or "").strip()

    def number_or_none(field: str) -> float | None:
        value = text(field)
        if not value:
            return None
        try:
            return float(value)
        except ValueError:
            raise ValidationError(f"“{value}” 不是数字 (not a number)", field=field) from None

    return SiteDraft(
        code=text("code"),
        name=text("name"),
        kind=text("kind"),
        county_code=text("county_code"),
        river=text("river"),
        control_level=text("control_level"),
        target_class=text("target_class"),
        river_chief=text("river_chief"),
        water_body=text("water_body"),
        land_use=text("land_use"),
        longitude=number_or_none("longitude"),
        latitude=number_or_none("latitude"),
        datum=text("datum") or "GCJ-02",
        is_synthetic=synthetic or text("synthetic").lower() == "true",
    )


def import_sites(
    db: Database,
    actor: Actor,
    rows: Sequence[Mapping[str, str | None]],
    *,
    synthetic: bool = False,
    clock: Clock | None = None,
) -> SiteImportResult:
    """Create or update many sites at once: all rows are checked first and nothing is written
    if any row is bad (every error names its row and field). A site is keyed by its code: a
    row equal to the stored site changes nothing, a different one updates it, so running the
    same file twice changes nothing the second time."""
    ensure(actor, Permission.MONITORING_WRITE)
    clock = clock or SystemClock()
    errors: list[dict[str, str]] = []
    with db.transaction() as session:
        shapes = orgs.county_shapes_in(session)
        valid: list[Site] = []
        seen: dict[str, int] = {}
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            try:
                site = validate_site(_row_to_draft(row, synthetic), shapes)
            except ValidationError as exc:
                errors.extend(
                    {"field": f"row {number}: {e['field']}", "message": e["message"]}
                    for e in exc.errors
                )
                continue
            if site.code in seen:
                errors.append(
                    {
                        "field": f"row {number}: code",
                        "message": f"与第 {seen[site.code]} 行重复 (duplicate of row "
                        f"{seen[site.code]})",
                    }
                )
                continue
            seen[site.code] = number
            valid.append(site)
        if errors:
            raise ValidationError(
                f"{len(errors)} 处错误，未导入任何数据 (nothing imported): "
                f"{errors[0]['field']}: {errors[0]['message']}",
                field=errors[0]["field"],
                errors=errors,
            )
        existing = {r.code: r for r in session.scalars(select(MonitoringSiteRow))}
        now = clock.now()
        created = updated = 0
        for site in valid:
            values = _values(site)
            stored = existing.get(site.code)
            if stored is None:
                stored = MonitoringSiteRow(code=site.code, created_at=now, updated_at=now, **values)
                session.add(stored)
                session.flush()
                audit.record(
                    session,
                    actor,
                    "monitoring_site.import",
                    "monitoring_site",
                    site.code,
                    None,
                    _snapshot(stored),
                    clock=clock,
                )
                created += 1
                continue
            before = _snapshot(stored)
            if before == values:
                continue
            for key, value in values.items():
                setattr(stored, key, value)
            stored.updated_at = now
            session.flush()
            audit.record(
                session,
                actor,
                "monitoring_site.update",
                "monitoring_site",
                site.code,
                before,
                _snapshot(stored),
                clock=clock,
            )
            updated += 1
        return SiteImportResult(created, updated, len(valid) - created - updated)


def site_codes(db: Database) -> set[str]:
    """The codes of every known site."""
    with db.reading() as session:
        return set(session.scalars(select(MonitoringSiteRow.code)))


# ---- readings ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReadingImport:
    """What a readings import did, and the rows it turned away."""

    result: LoadResult
    rejects: list[RejectedRow]


def import_readings(
    db: Database,
    store: ReadingsStore,
    actor: Actor,
    rows: Sequence[Mapping[str, str | None]],
    *,
    source: str,
    accept_partial: bool = False,
    first_row: int = 2,
    clock: Clock | None = None,
) -> ReadingImport:
    """Load readings (site_code, parameter, observed_at, value, flag) into the store.

    Idempotent on (site, parameter, time). By default a file with any bad row loads nothing;
    with ``accept_partial`` the good rows load. Either way the attempt and every rejected row
    (number, field, reason) are recorded in the store, and the load in the audit log.
    ``first_row`` is the number of the first row (2 for a file with a header, 1 for a batch).
    """
    ensure(actor, Permission.MONITORING_WRITE)
    clock = clock or SystemClock()
    check = check_readings(rows, site_codes(db), first_row=first_row)
    result = store.load(
        [
            ReadingRow(r.row_number, r.site_code, r.parameter, r.observed_at, r.value, r.flag)
            for r in check.readings
        ],
        source,
        actor.username,
        loaded_at=clock.now(),
        rejects=[RejectRow(r.row_number, r.field, r.message, r.raw) for r in check.rejects],
        rows_in=len(rows),
        accept_partial=accept_partial,
    )
    with db.transaction() as session:
        audit.record(
            session,
            actor,
            "readings.load",
            "readings_load",
            str(result.load_id),
            None,
            {
                "source": source,
                "rows_in": result.rows_in,
                "inserted": result.inserted,
                "unchanged": result.unchanged,
                "replaced": result.replaced,
                "rejected": result.rejected,
                "applied": result.applied,
            },
            clock=clock,
        )
    return ReadingImport(result, check.rejects)


def daily_means(
    store: ReadingsStore,
    actor: Actor,
    *,
    site_code: str | None = None,
    parameter: str | None = None,
) -> list[DailyMean]:
    """Daily means with hourly coverage (local days, Asia/Shanghai), computed in SQL."""
    ensure(actor, Permission.MONITORING_READ)
    return [DailyMean(*row) for row in store.daily(site_code, parameter)]


def monthly_means(
    store: ReadingsStore,
    actor: Actor,
    *,
    site_code: str | None = None,
    parameter: str | None = None,
) -> list[MonthlyMean]:
    """Monthly means of daily means with daily coverage, computed in SQL."""
    ensure(actor, Permission.MONITORING_READ)
    return [MonthlyMean(*row) for row in store.monthly(site_code, parameter)]


def annual_means(
    store: ReadingsStore,
    actor: Actor,
    *,
    site_code: str | None = None,
    parameter: str | None = None,
) -> list[AnnualMean]:
    """Annual means of daily means with daily coverage, computed in SQL."""
    ensure(actor, Permission.MONITORING_READ)
    return [AnnualMean(*row) for row in store.annual(site_code, parameter)]


def list_loads(store: ReadingsStore, actor: Actor, *, limit: int = 100) -> list[dict[str, Any]]:
    """The latest load attempts (including refused ones), newest first."""
    ensure(actor, Permission.MONITORING_WRITE)
    return store.loads()[:limit]


def load_rejects(store: ReadingsStore, actor: Actor, load_id: int) -> list[RejectRow]:
    """The rows one load turned away, with their number, field and reason."""
    ensure(actor, Permission.MONITORING_WRITE)
    if not any(load["id"] == load_id for load in store.loads()):
        raise NotFoundError(f"没有编号为 {load_id} 的导入记录 (no such load)", field="load_id")
    return store.rejects(load_id)
