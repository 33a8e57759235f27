"""JSON API under /api/v1/sources: outlets, devices with their status, permit limits, the
registry import, warnings and their lifecycle, the county compliance summary and the VOCs /
catering programme. Never public; county and enterprise scope are the services'."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile

from ecociv.adapters.db import Database
from ecociv.adapters.http import Id, get_db, get_readings, require
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel import Actor, Permission, ValidationError, utc_now
from ecociv.kernel.clock import SHANGHAI
from ecociv.sources import excel, services
from ecociv.sources.schemas import (
    ComplianceOut,
    DeviceDetailOut,
    DeviceStatusOut,
    LimitOut,
    LiveOut,
    OutletOut,
    ProgrammeOut,
    RegistryImportOut,
    WarningActionIn,
    WarningOut,
)

router = APIRouter(prefix="/api/v1/sources", tags=["sources"])

#: The highest page number a list accepts (a larger one is a 422, not a database error).
MAX_PAGE = 1_000_000


@router.get("/outlets", response_model=list[OutletOut])
def list_outlets(
    county_code: str | None = None,
    kind: str | None = None,
    enterprise_uscc: str | None = None,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> Any:
    """Outlets within the caller's scope (enterprise users: their own; county officers: their
    county), filtered."""
    return services.list_outlets(
        db, actor, county_code=county_code, kind=kind, enterprise_uscc=enterprise_uscc
    )


@router.get("/outlets/{code}", response_model=OutletOut)
def get_outlet(
    code: str,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> Any:
    """One outlet by its code."""
    return services.get_outlet(db, actor, code)


#: The longest window the live feed returns.
LIVE_MAX_MINUTES = 24 * 60


@router.get("/outlets/{code}/live", response_model=LiveOut)
def outlet_live(
    code: str,
    minutes: int = Query(120, ge=1, le=LIVE_MAX_MINUTES),
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> Any:
    """Real-time values (CN 2011 Rtd, else CN 2051 minute means) of the outlet's parameters
    over the last ``minutes``, with the hourly limit as a reference line: what the outlet
    page's live chart polls."""
    end = utc_now()
    start = end - timedelta(minutes=minutes)
    series = services.outlet_live_series(db, store, actor, code, start=start, end=end)
    return {
        "outlet_code": code,
        "start": start,
        "end": end,
        "series": [
            {
                "code": s.code,
                "name_zh": s.name[0],
                "name_en": s.name[1],
                "unit": s.unit,
                "limit": s.limit,
                "converted": s.converted,
                "points": s.points,
            }
            for s in series
        ],
    }


@router.get("/devices/{mn}", response_model=DeviceDetailOut)
def get_device(
    mn: str,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(100, ge=1, le=500),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> Any:
    """One device's status and frame counters with one page of the frames it had refused
    (unknown MN, wrong password, bad CRC, malformed), newest first, as received;
    ``refused_total`` counts them all."""
    detail = services.device_detail(db, actor, mn, utc_now(), page=page, page_size=page_size)
    return {
        "status": detail.status,
        "refused_frames": detail.refused,
        "refused_total": detail.refused_total,
        "page": detail.page,
        "page_size": detail.page_size,
    }


@router.get("/devices", response_model=list[DeviceStatusOut])
def list_devices(
    response: Response,
    outlet_code: str | None = None,
    county_code: str | None = None,
    include_unregistered: bool = False,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(500, ge=1, le=500),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> Any:
    """One page of devices with online/offline and frame counters; ``include_unregistered``
    adds MNs that tried to connect without being registered (city-wide roles only). The
    ``X-Total-Count`` header gives the number over all pages."""
    result = services.device_page(
        db,
        actor,
        utc_now(),
        outlet_code=outlet_code,
        county_code=county_code,
        include_unregistered=include_unregistered,
        page=page,
        page_size=page_size,
    )
    response.headers["X-Total-Count"] = str(result.total)
    return result.devices


@router.get("/limits", response_model=list[LimitOut])
def list_limits(
    outlet_code: str | None = None,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> Any:
    """Permit limits of the outlets within the caller's scope."""
    return services.list_limits(db, actor, outlet_code=outlet_code)


@router.post("/import", response_model=RegistryImportOut)
def import_registry(
    file: UploadFile = File(...),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SOURCE_MANAGE)),
) -> Any:
    """Create or update outlets, devices and limits from a UTF-8 CSV or .xlsx (columns as
    `ecociv sources import`, or their Chinese names). All or nothing; errors name the row and
    field; safe to repeat."""
    rows = excel.read_registry(
        file.file.read(), services.REGISTRY_COLUMNS, services.REQUIRED_REGISTRY_COLUMNS
    )
    return services.import_registry(db, actor, rows)


def _instant(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"“{value}” 不是 ISO 8601 时间 (not a time)", field=field) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment


@router.get("/warnings", response_model=list[WarningOut])
def list_warnings(
    county_code: str | None = None,
    enterprise_uscc: str | None = None,
    outlet_code: str | None = None,
    rule: str | None = None,
    state: str | None = None,
    severity: str | None = None,
    since: str | None = Query(None, description="last seen at or after (ISO 8601)"),
    until: str | None = Query(None, description="first seen before (ISO 8601)"),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> Any:
    """Warnings within the caller's scope, newest first."""
    filters = services.WarningFilter(
        county_code=county_code,
        enterprise_uscc=enterprise_uscc,
        outlet_code=outlet_code,
        rule=rule,
        state=state,
        severity=severity,
        since=_instant(since, "since"),
        until=_instant(until, "until"),
    )
    return services.list_warnings(db, actor, filters)


@router.get("/warnings/{warning_id}", response_model=WarningOut)
def get_warning(
    warning_id: Id,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> Any:
    """One warning with its evidence and history."""
    return services.get_warning(db, actor, warning_id)


@router.post("/warnings/{warning_id}/actions", response_model=WarningOut)
def act_on_warning(
    warning_id: Id,
    body: WarningActionIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WARNING_HANDLE)),
) -> Any:
    """acknowledge (open → acknowledged), resolve or false_positive (open | acknowledged →
    resolved | false_positive). County officers handle their own county's warnings only."""
    return services.handle(db, actor, warning_id, body.action, body.notes)


@router.get("/compliance", response_model=list[ComplianceOut])
def compliance(
    days: int = Query(30, ge=1, le=366, description="the period: the last N days"),
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> Any:
    """Share of valid hours within the hourly permit limits per county and outlet kind."""
    end = utc_now()
    rows = services.compliance_summary(db, store, actor, start=end - timedelta(days=days), end=end)
    return [
        ComplianceOut(
            county_code=r.county_code,
            county_name_zh=r.county_name_zh,
            kind=r.kind,
            outlets=r.outlets,
            valid_hours=r.valid_hours,
            within_hours=r.within_hours,
            rate=r.rate,
        )
        for r in rows
    ]


@router.get("/programme", response_model=ProgrammeOut)
def programme(
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> Any:
    """Key VOCs enterprises and restaurants, connected (an active device reported in the last
    24 hours) or not: the figures behind plan targets QZ-019 and QZ-025."""
    found = services.vocs_catering_programme(db, actor, utc_now())
    return {
        "vocs_total": len(found.vocs),
        "vocs_connected": found.vocs_connected,
        "catering_total": len(found.catering),
        "catering_connected": found.catering_connected,
        "vocs": [_entry(e) for e in found.vocs],
        "catering": [_entry(e) for e in found.catering],
    }


def _entry(entry: services.ProgrammeEntry) -> dict[str, Any]:
    return {
        "enterprise_uscc": entry.enterprise_uscc,
        "enterprise_name": entry.enterprise_name,
        "county_code": entry.county_code,
        "county_name_zh": entry.county_name_zh,
        "outlet_codes": list(entry.outlet_codes),
        "connected": entry.connected,
        "last_frame_at": entry.last_frame_at,
    }
