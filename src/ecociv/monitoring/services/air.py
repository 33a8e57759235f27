"""Use cases for ambient air quality: daily AQI of a station, a county or the city, the annual
HJ 663 assessment and the ranking of the counties, computed from the hourly readings.

Each use case reads the air stations from the database and the hourly values from the
readings store in one ``store.hourly`` call bounded by [first day 00:00, day after the last
00:00) Asia/Shanghai time, then applies the pure rules of
:mod:`ecociv.monitoring.rules.air`. The O3 daily maximum 8-h windows end at 08:00 … 24:00
and so lie inside the day: no hour before the first day is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ecociv import orgs
from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel import Actor, NotFoundError, Permission, ValidationError, ensure
from ecociv.monitoring.model import SiteKind, SiteRecord
from ecociv.monitoring.rules import LOCAL_ZONE
from ecociv.monitoring.rules.air import (
    HOURLY_PARAMETERS,
    SCOPE_CITY,
    SCOPE_COUNTY,
    SCOPE_STATION,
    AirDay,
    AirYear,
    CountyAirRank,
    DailyValues,
    air_days,
    air_year,
    area_daily,
    county_entry,
    hourly_grid_from_columns,
    rank_counties,
    station_daily,
)
from ecociv.monitoring.services import get_site, list_sites

__all__ = [
    "AirDay",
    "AirYear",
    "CountyAirRank",
    "MAX_DAYS",
    "annual_air",
    "area_days",
    "county_ranking",
    "station_days",
]

#: The longest period one request may cover (ten years of days).
MAX_DAYS = 3660


def _check_period(start_on: date, end_on: date) -> None:
    if end_on >= date.max:  # the day after it, where the period ends, is not a date
        raise ValidationError(f"结束日期 {end_on} 超出范围 (end date out of range)", field="end_on")
    if end_on < start_on:
        raise ValidationError(
            f"结束日期 {end_on} 早于开始日期 {start_on} (end date before start date)",
            field="end_on",
        )
    if (end_on - start_on).days + 1 > MAX_DAYS:
        raise ValidationError(
            f"时段不能超过 {MAX_DAYS} 天 (a period may span at most {MAX_DAYS} days)",
            field="end_on",
        )


def _daily(
    store: ReadingsStore, sites: Sequence[SiteRecord], start_on: date, end_on: date
) -> DailyValues:
    """Daily values of ``sites`` from one read of the store."""
    codes = [site.code for site in sites]
    start = datetime.combine(start_on, time(), LOCAL_ZONE)
    end = datetime.combine(end_on + timedelta(days=1), time(), LOCAL_ZONE)
    columns = store.hourly_columns(codes, HOURLY_PARAMETERS, start=start, end=end)
    return station_daily(hourly_grid_from_columns(columns, codes, start_on, end_on))


def _area_stations(
    db: Database, actor: Actor, county_code: str | None
) -> tuple[str, str, list[SiteRecord]]:
    """(area code, scope, air stations) of a county, or of the city when None."""
    if county_code is not None:
        with db.reading() as session:
            if not orgs.is_county(session, county_code):
                raise NotFoundError(
                    f"没有代码为 {county_code} 的县（市、区）(no such county)", field="county_code"
                )
    sites = list_sites(db, actor, kind=SiteKind.AIR_STATION.value, county_code=county_code)
    if county_code is None:
        return orgs.CITY_CODE, SCOPE_CITY, sites
    return county_code, SCOPE_COUNTY, sites


def _synthetic(daily: DailyValues, sites: Sequence[SiteRecord]) -> bool:
    """Whether any synthetic (demo) station contributed a value."""
    reporting = daily.reporting()
    return any(site.is_synthetic and site.code in reporting for site in sites)


def _area_days(
    code: str, scope: str, daily: DailyValues, sites: Sequence[SiteRecord]
) -> list[AirDay]:
    area = area_daily(daily, [site.code for site in sites])
    return air_days(
        code,
        scope,
        area.days,
        area.values,
        stations=area.stations,
        synthetic=_synthetic(daily, sites),
    )


def station_days(
    db: Database,
    store: ReadingsStore,
    actor: Actor,
    *,
    site_code: str,
    start_on: date,
    end_on: date,
) -> list[AirDay]:
    """Daily values and AQI of one air station for each day ``start_on`` … ``end_on``."""
    ensure(actor, Permission.MONITORING_READ)
    _check_period(start_on, end_on)
    site = get_site(db, actor, site_code)
    if site.kind is not SiteKind.AIR_STATION:
        raise ValidationError(
            f"点位 {site_code} 不是空气监测站 (site is not an air station)", field="site_code"
        )
    daily = _daily(store, [site], start_on, end_on)
    return air_days(
        site.code,
        SCOPE_STATION,
        daily.days,
        {code: values[0] for code, values in daily.values.items()},
        hours={code: hours[0] for code, hours in daily.hours.items()},
        windows_8h=daily.windows_8h[0],
        synthetic=site.is_synthetic,
    )


def area_days(
    db: Database,
    store: ReadingsStore,
    actor: Actor,
    *,
    county_code: str | None,
    start_on: date,
    end_on: date,
) -> list[AirDay]:
    """Daily values (means over the area's air stations) and AQI of a county, or of the
    whole city (衢州市, all air stations) when ``county_code`` is None."""
    ensure(actor, Permission.MONITORING_READ)
    _check_period(start_on, end_on)
    code, scope, sites = _area_stations(db, actor, county_code)
    return _area_days(code, scope, _daily(store, sites, start_on, end_on), sites)


def annual_air(
    db: Database,
    store: ReadingsStore,
    actor: Actor,
    *,
    year: int,
    county_code: str | None,
    edition: str | None = None,
) -> AirYear:
    """The HJ 663 annual assessment of a county (or of the city when None) for a calendar
    year, from the area's daily values. ``edition`` ("2012" or "2026") must be given for 2026,
    the year the standards changed on 1 March."""
    ensure(actor, Permission.MONITORING_READ)
    _check_year(year)
    code, scope, sites = _area_stations(db, actor, county_code)
    daily = _daily(store, sites, date(year, 1, 1), date(year, 12, 31))
    return _air_year(code, scope, daily, sites, year, edition)


def _check_year(year: int) -> None:
    if not 1970 <= year <= 2100:
        raise ValidationError(f"年份 {year} 超出范围 (year out of range 1970–2100)", field="year")


def _air_year(
    code: str,
    scope: str,
    daily: DailyValues,
    sites: Sequence[SiteRecord],
    year: int,
    edition: str | None,
) -> AirYear:
    area = area_daily(daily, [site.code for site in sites])
    synthetic = _synthetic(daily, sites)
    days = air_days(
        code, scope, area.days, area.values, stations=area.stations, synthetic=synthetic
    )
    return air_year(
        code, scope, area, days, edition=edition, stations=len(sites), synthetic=synthetic
    )


def county_ranking(
    db: Database, store: ReadingsStore, actor: Actor, *, start_on: date, end_on: date
) -> list[CountyAirRank]:
    """The counties of 衢州 ranked by good-day ratio, then PM2.5 mean (see
    :func:`ecociv.monitoring.rules.air.rank_counties`); counties without stations are listed
    last with no values."""
    ensure(actor, Permission.MONITORING_READ)
    _check_period(start_on, end_on)
    sites = list_sites(db, actor, kind=SiteKind.AIR_STATION.value)
    return _ranking(db, _daily(store, sites, start_on, end_on), sites)


def _ranking(db: Database, daily: DailyValues, sites: Sequence[SiteRecord]) -> list[CountyAirRank]:
    with db.reading() as session:
        counties = [
            unit for unit in orgs.list_org_units_in(session) if unit.level is orgs.OrgLevel.COUNTY
        ]
    entries = []
    for county in counties:
        members = [site for site in sites if site.county_code == county.code]
        days = _area_days(county.code, SCOPE_COUNTY, daily, members) if members else []
        entries.append(
            county_entry(
                county.code,
                county.name_zh,
                days,
                stations=len(members),
                synthetic=_synthetic(daily, members),
            )
        )
    return rank_counties(entries)


@dataclass(frozen=True, slots=True)
class AirOverview:
    """A year of air quality for a county or the city, with the county ranking: what the air
    page shows, computed from one read of every station's hourly values."""

    days: list[AirDay]
    annual: AirYear
    ranking: list[CountyAirRank]


def air_overview(
    db: Database,
    store: ReadingsStore,
    actor: Actor,
    *,
    year: int,
    county_code: str | None,
    edition: str | None = None,
) -> AirOverview:
    """Daily AQI of the area through ``year``, its annual assessment and the ranking of the
    counties for the year (the same definitions as :func:`area_days`, :func:`annual_air` and
    :func:`county_ranking`)."""
    ensure(actor, Permission.MONITORING_READ)
    _check_year(year)
    code, scope, members = _area_stations(db, actor, county_code)
    everyone = list_sites(db, actor, kind=SiteKind.AIR_STATION.value)
    daily = _daily(store, everyone, date(year, 1, 1), date(year, 12, 31))
    return AirOverview(
        days=_area_days(code, scope, daily, members),
        annual=_air_year(code, scope, daily, members, year, edition),
        ranking=_ranking(db, daily, everyone),
    )
