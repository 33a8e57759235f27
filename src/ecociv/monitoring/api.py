"""JSON API under /api/v1/monitoring: sites, readings (bulk JSON and files), loads and their
rejects, and the water and soil verdicts."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, File, Query, UploadFile

from ecociv.adapters.db import Database
from ecociv.adapters.http import Id, get_db, get_readings, require
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel import Actor, Permission
from ecociv.monitoring import excel, services
from ecociv.monitoring.rules.air import AirDay, AirYear, CountyAirRank
from ecociv.monitoring.schemas import (
    LoadOut,
    QualityFigureOut,
    ReadingsBatchIn,
    RejectOut,
    SectionResultOut,
    SectionTrendOut,
    SiteImportOut,
    SiteOut,
    SoilResultOut,
    SoilSummaryOut,
    WaterGroupOut,
)
from ecociv.monitoring.services import air, quality, soil, water

router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])


@router.get("/sites", response_model=list[SiteOut])
def list_sites(
    kind: str | None = None,
    county_code: str | None = None,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> Any:
    """Monitoring sites (public information), filtered by kind and county."""
    return services.list_sites(db, actor, kind=kind, county_code=county_code)


@router.get("/sites/{code}", response_model=SiteOut)
def get_site(
    code: str,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> Any:
    """One monitoring site by its code."""
    return services.get_site(db, actor, code)


@router.post("/sites/import", response_model=SiteImportOut)
def import_sites(
    file: UploadFile = File(...),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.MONITORING_WRITE)),
) -> Any:
    """Create or update sites from a UTF-8 CSV or an .xlsx workbook (columns as `ecociv
    monitoring import-sites`, or their Chinese names). All or nothing; errors name the row and
    field."""
    rows = excel.read_table(file.file.read(), services.SITE_COLUMNS, services.REQUIRED_SITE_COLUMNS)
    return services.import_sites(db, actor, rows)


def _load_out(loaded: services.ReadingImport) -> dict[str, Any]:
    result = loaded.result
    return {
        "load_id": result.load_id,
        "rows_in": result.rows_in,
        "inserted": result.inserted,
        "unchanged": result.unchanged,
        "replaced": result.replaced,
        "rejected": result.rejected,
        "applied": result.applied,
        "rejects": loaded.rejects,
    }


@router.post("/readings", response_model=LoadOut)
def post_readings(
    batch: ReadingsBatchIn,
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_WRITE)),
) -> Any:
    """Store a batch of readings, idempotent on (site, parameter, time). A batch with a bad
    reading stores nothing unless `accept_partial`; either way the attempt and every rejected
    reading (its 1-based position, field and reason) are recorded and returned."""
    rows = [
        {
            "site_code": r.site_code,
            "parameter": r.parameter,
            "observed_at": r.observed_at,
            "value": str(r.value),
            "flag": r.flag,
        }
        for r in batch.readings
    ]
    loaded = services.import_readings(
        db,
        store,
        actor,
        rows,
        source=batch.source,
        accept_partial=batch.accept_partial,
        first_row=1,
    )
    return _load_out(loaded)


@router.post("/readings/import", response_model=LoadOut)
def import_readings(
    file: UploadFile = File(...),
    accept_partial: bool = Query(False),
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_WRITE)),
) -> Any:
    """Load readings from a CSV or .xlsx file (site_code, parameter, observed_at, value, flag
    or 点位编码, 监测项目, 监测时间, 监测值, 数据标记); rows numbered as in the file."""
    rows = excel.read_table(
        file.file.read(), services.READING_COLUMNS, services.REQUIRED_READING_COLUMNS
    )
    loaded = services.import_readings(
        db,
        store,
        actor,
        rows,
        source=file.filename or "upload",
        accept_partial=accept_partial,
    )
    return _load_out(loaded)


@router.get("/loads")
def list_loads(
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_WRITE)),
) -> Any:
    """The latest 100 load attempts, newest first (refused ones have `applied` false)."""
    return services.list_loads(store, actor)


@router.get("/loads/{load_id}/rejects", response_model=list[RejectOut])
def load_rejects(
    load_id: Id,
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_WRITE)),
) -> Any:
    """The rows a load turned away and why."""
    return services.load_rejects(store, actor, load_id)


@router.get("/water/sections", response_model=list[SectionResultOut])
def water_sections(
    period: str = Query(..., description="YYYY or YYYY-MM"),
    kind: str | None = Query(None, description="water_section or drinking_water_source"),
    river: str | None = None,
    county_code: str | None = None,
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> Any:
    """Each section's GB 3838-2002 class for the period, attainment of its target, items over
    the target with their multiples, and main pollutants."""
    return water.section_verdicts(
        db, store, actor, period=period, kind=kind, river=river, county_code=county_code
    )


@router.get("/water/sections/{code}/trend", response_model=SectionTrendOut)
def water_trend(
    code: str,
    year: int = Query(..., ge=1990, le=2100),
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> Any:
    """A section's twelve monthly verdicts and its annual verdict."""
    return water.section_trend(db, store, actor, code, year=year)


@router.get("/water/summary", response_model=list[WaterGroupOut])
def water_summary(
    period: str = Query(..., description="YYYY or YYYY-MM"),
    by: str = Query("county", description="county or river"),
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> Any:
    """Shares of sections at class III or better, worse than V and attaining, per county or
    river, the city last."""
    return water.water_summary(db, store, actor, period=period, by=by)


@router.get("/soil/points", response_model=list[SoilResultOut])
def soil_points(
    county_code: str | None = None,
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> Any:
    """Each farmland soil point's GB 15618-2018 category from its latest sample."""
    return soil.soil_verdicts(db, store, actor, county_code=county_code)


@router.get("/soil/summary", response_model=list[SoilSummaryOut])
def soil_summary(
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> Any:
    """Farmland soil points per category in each county, the city last."""
    return soil.soil_summary(db, store, actor)


@router.get("/indicators", response_model=list[QualityFigureOut])
def quality_figures(
    year: int = Query(..., ge=1990, le=2100),
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> Any:
    """Figures computed from monitoring data for the indicators they inform (N2019-07 air,
    N2019-08 water, N2019-27 drinking water, QZ-005 farmland soil), per county and city."""
    return quality.quality_figures(db, store, actor, year=year)


@router.get("/air/days", response_model=list[AirDay])
def air_days(
    start: date,
    end: date,
    county_code: str | None = Query(None, description="a county; empty for the whole city"),
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> Any:
    """Daily values (GB 3095 validity), AQI, category and primary pollutants of a county or
    the city for each day from `start` to `end`; each day says which HJ 633 edition judged it."""
    return air.area_days(db, store, actor, county_code=county_code, start_on=start, end_on=end)


@router.get("/air/stations/{code}/days", response_model=list[AirDay])
def air_station_days(
    code: str,
    start: date,
    end: date,
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> Any:
    """Daily values with the hours each used, and the AQI, of one air station."""
    return air.station_days(db, store, actor, site_code=code, start_on=start, end_on=end)


@router.get("/air/annual", response_model=AirYear)
def air_annual(
    year: int = Query(..., ge=1990, le=2100),
    county_code: str | None = Query(None, description="a county; empty for the whole city"),
    edition: str | None = Query(None, description="2012 or 2026; needed for the year 2026"),
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> Any:
    """HJ 663 annual statistics against the GB 3095 limits, attainment and good-day ratio."""
    return air.annual_air(db, store, actor, year=year, county_code=county_code, edition=edition)


@router.get("/air/ranking", response_model=list[CountyAirRank])
def air_ranking(
    start: date,
    end: date,
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> Any:
    """The six counties ranked by good-day ratio, then PM2.5 mean, over the period."""
    return air.county_ranking(db, store, actor, start_on=start, end_on=end)
