"""Air quality use cases against a real database (SQLite and PostgreSQL) and a DuckDB readings
store: station and area days, the annual assessment of a full year, and the county ranking."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from ecociv import monitoring
from ecociv.adapters.db import Database
from ecociv.adapters.readings import ReadingRow, ReadingsStore
from ecociv.kernel import (
    PUBLIC_ACTOR,
    NotFoundError,
    Permission,
    PermissionDeniedError,
    Role,
    ValidationError,
    access,
)
from ecociv.monitoring.rules import LOCAL_ZONE
from ecociv.monitoring.services import air
from ecociv.standards import air as standard
from tests.conftest import JIANGSHAN, KECHENG, SYSTEM

QUJIANG = "330803"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
CLEAN = {"so2": 10.0, "no2": 30.0, "pm10": 60.0, "pm25": 40.0, "co": 0.8, "o3": 120.0}


def station(code: str, county: str, *, synthetic: bool = False) -> dict[str, str]:
    return {
        "code": code,
        "name": f"{code} 空气监测站",
        "kind": "air_station",
        "county_code": county,
        "longitude": "",
        "latitude": "",
        "synthetic": "true" if synthetic else "",
    }


def air_stations(db: Database, county: str) -> int:
    """Air stations of a county, the demo's included (they have no readings in these tests)."""
    return len(monitoring.list_sites(db, SYSTEM, kind="air_station", county_code=county))


@pytest.fixture
def sites(db: Database) -> Database:
    """Three air stations in 柯城区 (two) and 江山市 (one), and a water section."""
    monitoring.import_sites(
        db,
        SYSTEM,
        [
            station("KC-1", KECHENG),
            station("KC-2", KECHENG),
            station("JS-1", JIANGSHAN),
            {
                "code": "W-1",
                "name": "衢江樟树潭断面",
                "kind": "water_section",
                "county_code": KECHENG,
                "river": "衢江",
                "target_class": "II",
            },
        ],
    )
    return db


@pytest.fixture
def store(tmp_path: Path) -> ReadingsStore:
    return ReadingsStore(tmp_path / "r.duckdb")


def hourly(
    site: str, day: date, levels: Mapping[str, float], hours: Iterable[int] = range(24)
) -> list[tuple[str, str, datetime, float]]:
    """Hourly readings of ``site`` on a local ``day`` (hour start, Asia/Shanghai)."""
    start = datetime(day.year, day.month, day.day, tzinfo=LOCAL_ZONE)
    wanted = list(hours)
    return [
        (site, parameter, start + timedelta(hours=h), value)
        for parameter, value in levels.items()
        for h in wanted
    ]


def load(store: ReadingsStore, readings: list[tuple[str, str, datetime, float]]) -> None:
    rows = [
        ReadingRow(i, site, parameter, observed_at, value)
        for i, (site, parameter, observed_at, value) in enumerate(readings, start=2)
    ]
    result = store.load(rows, "test.csv", "tester", loaded_at=NOW)
    assert result.applied and result.inserted == len(rows)


JUNE_1, JUNE_2 = date(2025, 6, 1), date(2025, 6, 2)


def test_station_days_apply_the_20_hour_rule_and_the_local_day(
    sites: Database, store: ReadingsStore
) -> None:
    readings = hourly("KC-1", JUNE_1, CLEAN)
    readings += hourly("KC-1", JUNE_2, {k: v for k, v in CLEAN.items() if k != "pm25"})
    readings += hourly("KC-1", JUNE_2, {"pm25": 40.0}, range(5, 24))  # 19 hours
    # just outside the range: 23:00 the evening before and 00:00 the morning after
    readings += hourly("KC-1", date(2025, 5, 31), {"pm25": 900.0}, [23])
    readings += hourly("KC-1", date(2025, 6, 3), {"pm25": 900.0}, [0])
    load(store, readings)

    days = air.station_days(sites, store, SYSTEM, site_code="KC-1", start_on=JUNE_1, end_on=JUNE_2)

    assert [d.day_on for d in days] == [JUNE_1, JUNE_2]
    first, second = days
    assert (first.code, first.scope, first.standard, first.edition) == (
        "KC-1",
        "station",
        "HJ 633-2012",
        "2012",
    )
    assert first.values["pm25_24h"] == 40.0 and first.hours["pm25_24h"] == 24
    assert first.values["o3_8h"] == 120.0 and first.windows_8h == 17
    # SO2 10, NO2 30, PM10 60, PM2.5 40, CO 0.8, O3 1-h 120, MDA8 120 → IAQI 10, 38, 55, 57,
    # 20, 38, 67: AQI 67 良, primary pollutant O3 (8-h)
    assert (first.aqi, first.level, first.category_zh, first.category_en) == (
        67,
        2,
        "良",
        "good",
    )
    assert first.primary_pollutants == ("o3_8h",)
    assert first.determined and first.good and first.over_range == ()
    assert second.values["pm25_24h"] is None and second.hours["pm25_24h"] == 19
    assert not second.determined and not second.good


def test_station_days_refuse_a_site_that_is_not_an_air_station(
    sites: Database, store: ReadingsStore
) -> None:
    with pytest.raises(ValidationError):
        air.station_days(sites, store, SYSTEM, site_code="W-1", start_on=JUNE_1, end_on=JUNE_1)
    with pytest.raises(NotFoundError):
        air.station_days(sites, store, SYSTEM, site_code="NOPE", start_on=JUNE_1, end_on=JUNE_1)
    with pytest.raises(ValidationError):
        air.station_days(sites, store, SYSTEM, site_code="KC-1", start_on=JUNE_2, end_on=JUNE_1)


def test_area_days_average_the_stations_of_a_county_and_of_the_city(
    sites: Database, store: ReadingsStore
) -> None:
    load(
        store,
        hourly("KC-1", JUNE_1, CLEAN)
        + hourly("KC-2", JUNE_1, CLEAN | {"pm25": 80.0})
        + hourly("JS-1", JUNE_1, CLEAN | {"pm25": 30.0}),
    )

    [county] = air.area_days(
        sites, store, SYSTEM, county_code=KECHENG, start_on=JUNE_1, end_on=JUNE_1
    )
    [city] = air.area_days(sites, store, SYSTEM, county_code=None, start_on=JUNE_1, end_on=JUNE_1)

    assert (county.code, county.scope) == (KECHENG, "county")
    assert county.values["pm25_24h"] == 60.0 and county.stations["pm25_24h"] == 2
    assert county.aqi == 82  # PM2.5 60 → 81.25 ↑ (HJ 633-2012)
    assert county.primary_pollutants == ("pm25_24h",)
    assert (city.code, city.scope) == ("330800", "city")
    assert city.values["pm25_24h"] == 50.0 and city.stations["pm25_24h"] == 3
    assert city.aqi == 69  # PM2.5 50 → 68.75 ↑, above MDA8's 67
    with pytest.raises(NotFoundError):
        air.area_days(sites, store, SYSTEM, county_code="999999", start_on=JUNE_1, end_on=JUNE_1)


def test_area_days_across_2026_03_01_switch_standard_on_that_day(
    sites: Database, store: ReadingsStore
) -> None:
    switch = [date(2026, 2, 28), date(2026, 3, 1)]
    load(store, [r for day in switch for r in hourly("JS-1", day, CLEAN | {"pm25": 70.0})])

    days = air.area_days(
        sites, store, SYSTEM, county_code=JIANGSHAN, start_on=switch[0], end_on=switch[1]
    )

    assert [d.standard for d in days] == ["HJ 633-2012", "HJ 633-2026"]
    assert [d.aqi for d in days] == [94, 110]  # PM2.5 70 under each edition
    assert [d.good for d in days] == [True, False]


def year_readings() -> tuple[list[tuple[str, str, datetime, float]], dict[str, np.ndarray]]:
    """A full synthetic 2025 at KC-1 and the daily values it should give.

    PM2.5 is 30 µg/m3, 80 on every tenth day; on 41 days it has only 19 hours (4 in each
    31-day month, 3 in each 30-day month, 1 in February), leaving 324 valid days, the minimum
    of GB 3095 Table 4. PM10 is missing on those days and on one more: 323 days, too few.
    """
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(365)]
    short: set[date] = set()
    for month in range(1, 13):
        in_month = [d for d in days if d.month == month]
        drop = {31: 4, 30: 3, 28: 1}[len(in_month)]
        short.update(in_month[1 : 1 + drop])
    gap = date(2025, 2, 21)
    assert len(short) == 41 and gap not in short
    others = {k: v for k, v in CLEAN.items() if k not in ("pm25", "pm10")}
    pm25 = [80.0 if i % 10 == 0 else 30.0 for i in range(365)]
    readings: list[tuple[str, str, datetime, float]] = []
    expected = {code: np.full(365, np.nan) for code in ("pm25_24h", "pm10_24h")}
    for i, day in enumerate(days):
        readings += hourly("KC-1", day, others)
        readings += hourly(
            "KC-1", day, {"pm25": pm25[i]}, range(5, 24) if day in short else range(24)
        )
        if day not in short:
            expected["pm25_24h"][i] = pm25[i]
            if day != gap:
                readings += hourly("KC-1", day, {"pm10": 60.0})
                expected["pm10_24h"][i] = 60.0
    return readings, expected


def test_annual_air_of_a_full_year_applies_the_324_day_rule(
    sites: Database, store: ReadingsStore
) -> None:
    readings, expected = year_readings()
    load(store, readings)

    result = air.annual_air(sites, store, SYSTEM, year=2025, county_code=KECHENG)

    assert (result.code, result.year, result.edition) == (KECHENG, 2025, "2012")
    assert result.stations == air_stations(sites, KECHENG) >= 2
    assert result.synthetic is False
    assert (result.limits_standard, result.assessment_standard) == ("GB 3095-2012", "HJ 663-2013")
    assert result.aqi_standards == ("HJ 633-2012",)
    stats = {(s.pollutant, s.statistic): s for s in result.statistics}
    pm25_mean, pm25_p95 = stats[("pm25", "annual_mean")], stats[("pm25", "p95_daily")]
    assert pm25_mean.valid_days == 324 and pm25_mean.valid
    valid_pm25 = expected["pm25_24h"][~np.isnan(expected["pm25_24h"])]
    assert pm25_mean.value == round(float(valid_pm25.mean()))
    assert pm25_p95.value == 80.0 and pm25_p95.attains is False  # more than 5 % of days at 80
    pm10_mean = stats[("pm10", "annual_mean")]
    assert pm10_mean.valid_days == 323 and not pm10_mean.valid and pm10_mean.value is None
    assert result.pollutant_attains["pm10"] is None
    assert result.pollutant_attains["so2"] is True
    assert result.attains is False
    # A day is determined when all seven indicators are valid (or its AQI is above 100):
    # 365 − 41 short days − 1 gap day.
    determined = 365 - 41 - 1
    polluted = int(np.sum(expected["pm25_24h"] == 80.0))  # PM2.5 80 → IAQI 107
    assert result.determined_days == determined
    assert result.good_days == determined - polluted
    assert result.good_day_ratio == pytest.approx((determined - polluted) / determined)
    assert result.days_with_data == 365
    assert result.primary_counts == {"o3": 365 - polluted, "pm25": polluted}
    # the statistics are those of the standards engine on the expected daily values
    engine = standard.annual_assessment(
        expected, np.arange("2025-01-01", "2026-01-01", dtype="datetime64[D]")
    )
    engine_stats = {(s.pollutant, s.statistic): s.value for s in engine.statistics}
    assert engine_stats[("pm25", "annual_mean")] == pm25_mean.value
    assert engine_stats[("pm25", "p95_daily")] == pm25_p95.value

    with pytest.raises(ValidationError):  # 2026 straddles the switch: the edition is required
        air.annual_air(sites, store, SYSTEM, year=2026, county_code=KECHENG)


def test_county_ranking_orders_by_good_days_then_pm25_and_lists_empty_counties_last(
    sites: Database, store: ReadingsStore
) -> None:
    monitoring.import_sites(sites, SYSTEM, [station("QJ-1", QUJIANG)])
    readings = []
    for day in (JUNE_1, JUNE_2):
        readings += hourly("JS-1", day, CLEAN | {"pm25": 30.0})
        readings += hourly("QJ-1", day, CLEAN | {"pm25": 50.0})
        readings += hourly("KC-1", day, CLEAN | {"pm25": 40.0 if day == JUNE_1 else 120.0})
    load(store, readings)  # KC-2 has no data

    ranking = air.county_ranking(sites, store, SYSTEM, start_on=JUNE_1, end_on=JUNE_2)

    assert [(r.county_code, r.rank) for r in ranking][:3] == [
        (JIANGSHAN, 1),
        (QUJIANG, 2),
        (KECHENG, 3),
    ]
    assert len(ranking) == 6
    # the other three counties have no readings (a demo station, if any, has none here)
    assert all(r.rank is None and r.determined_days == 0 for r in ranking[3:])
    assert all(r.good_day_ratio is None and r.pm25_mean is None for r in ranking[3:])
    assert [r.stations for r in ranking] == [air_stations(sites, r.county_code) for r in ranking]
    assert not any(r.synthetic for r in ranking)
    jiangshan, qujiang, kecheng = ranking[:3]
    assert jiangshan.county_name_zh == "江山市"
    assert (jiangshan.good_day_ratio, jiangshan.pm25_mean) == (1.0, 30.0)
    assert (qujiang.good_day_ratio, qujiang.pm25_mean) == (1.0, 50.0)
    assert (kecheng.days, kecheng.good_days) == (2, 1)
    assert kecheng.good_day_ratio == 0.5 and kecheng.pm25_mean == 80.0
    # day 1: PM2.5 40 → 57 under MDA8's 67 (O3); day 2: PM2.5 120 → 158 (PM2.5): a tie
    assert kecheng.primary_pollutant == ("pm25", "o3")
    assert kecheng.aqi_mean == pytest.approx((67 + 158) / 2)


def test_air_quality_is_public_and_every_use_case_checks_the_permission(
    sites: Database, store: ReadingsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(store, hourly("KC-1", JUNE_1, CLEAN))
    days = air.station_days(
        sites, store, PUBLIC_ACTOR, site_code="KC-1", start_on=JUNE_1, end_on=JUNE_1
    )
    assert days[0].aqi == 67
    # Every role holds MONITORING_READ today; withdraw it from the public to see each use
    # case refuse.
    monkeypatch.setitem(access.GRANTS, Permission.MONITORING_READ, frozenset(Role) - {Role.PUBLIC})
    calls = [
        lambda: air.station_days(
            sites, store, PUBLIC_ACTOR, site_code="KC-1", start_on=JUNE_1, end_on=JUNE_1
        ),
        lambda: air.area_days(
            sites, store, PUBLIC_ACTOR, county_code=None, start_on=JUNE_1, end_on=JUNE_1
        ),
        lambda: air.annual_air(sites, store, PUBLIC_ACTOR, year=2025, county_code=None),
        lambda: air.county_ranking(sites, store, PUBLIC_ACTOR, start_on=JUNE_1, end_on=JUNE_1),
    ]
    for call in calls:
        with pytest.raises(PermissionDeniedError):
            call()


def test_a_synthetic_station_with_data_marks_its_area_synthetic(
    sites: Database, store: ReadingsStore
) -> None:
    monitoring.import_sites(sites, SYSTEM, [station("QJ-DEMO", QUJIANG, synthetic=True)])
    load(store, hourly("QJ-DEMO", JUNE_1, CLEAN) + hourly("JS-1", JUNE_1, CLEAN))

    [qujiang] = air.area_days(
        sites, store, SYSTEM, county_code=QUJIANG, start_on=JUNE_1, end_on=JUNE_1
    )
    [jiangshan] = air.area_days(
        sites, store, SYSTEM, county_code=JIANGSHAN, start_on=JUNE_1, end_on=JUNE_1
    )
    [demo] = air.station_days(
        sites, store, SYSTEM, site_code="QJ-DEMO", start_on=JUNE_1, end_on=JUNE_1
    )

    assert qujiang.synthetic and demo.synthetic
    assert not jiangshan.synthetic
