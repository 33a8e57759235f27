"""Air rules: GB 3095 Table 4 data validity of daily values, MDA8, area means, the AQI by
edition, good-day ratios and the county ranking (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecociv.kernel import ValidationError
from ecociv.monitoring.rules.air import (
    INDICATORS,
    MIN_HOURS_8H,
    MIN_HOURS_DAILY_MEAN,
    MIN_HOURS_O3_1H_MAX,
    MIN_WINDOWS_MDA8,
    AirDay,
    DailyValues,
    HourlyRow,
    air_days,
    area_daily,
    county_entry,
    daily_max_1h,
    daily_max_8h,
    daily_mean_24h,
    day_range,
    hourly_grid,
    moving_average_8h,
    primary_pollutant_counts,
    rank_counties,
    station_daily,
    summarise,
)
from ecociv.standards import air as standard

NAN = np.nan
LIMIT_MDA8 = np.array([160.0])  # GB 3095-2012 grade 2, O3 daily max 8-h
LIMIT_1H = np.array([200.0])  # GB 3095-2012 grade 2, O3 1-h


def hour_of(day: date, hour: int) -> datetime:
    """A naive local clock hour, as the readings store labels hours."""
    return datetime.combine(day, time(hour))


def day_with(hours_present: int, value: float = 40.0) -> np.ndarray:
    """24 hourly values of which the first ``hours_present`` are ``value``, the rest missing."""
    hours = np.full(24, NAN)
    hours[:hours_present] = value
    return hours


# ---- 24-h means: GB 3095 Table 4, at least 20 hourly values -------------------------------


def test_the_thresholds_are_those_of_gb3095_table_4() -> None:
    assert (MIN_HOURS_DAILY_MEAN, MIN_HOURS_8H, MIN_WINDOWS_MDA8) == (20, 6, 14)
    assert MIN_HOURS_O3_1H_MAX == 20


@pytest.mark.parametrize(("hours", "valid"), [(19, False), (20, True), (21, True)])
def test_a_24h_mean_needs_20_hourly_values(hours: int, valid: bool) -> None:
    mean, count = daily_mean_24h(day_with(hours, 35.0))
    assert count.tolist() == [hours]
    assert (mean.tolist() == [35.0]) is valid
    assert bool(np.isnan(mean[0])) is not valid


def test_a_24h_mean_is_the_mean_of_the_hours_present() -> None:
    hours = np.arange(24, dtype=float)
    hours[[0, 23]] = NAN  # 22 values: 1 … 22
    mean, count = daily_mean_24h(hours)
    assert mean.tolist() == [11.5] and count.tolist() == [22]


def test_a_24h_mean_counts_hours_of_its_own_local_day_only() -> None:
    two_days = np.concatenate([day_with(24, 10.0), day_with(19, 90.0)])
    mean, count = daily_mean_24h(two_days)
    assert count.tolist() == [24, 19]
    assert mean[0] == 10.0 and np.isnan(mean[1])


def test_a_series_of_partial_days_is_refused() -> None:
    with pytest.raises(ValidationError):
        daily_mean_24h(np.zeros(30))


# ---- 8-h averages: at least 6 hourly values of 8 ------------------------------------------


@pytest.mark.parametrize(("present", "valid"), [(5, False), (6, True), (7, True)])
def test_an_8h_average_needs_6_hourly_values(present: int, valid: bool) -> None:
    hours = np.full(8, NAN)
    hours[:present] = 80.0
    averages, counts = moving_average_8h(hours)
    assert counts[-1] == present
    assert bool(averages[-1] == 80.0) is valid


def test_an_8h_average_is_the_mean_of_the_8_hours_ending_with_its_hour() -> None:
    averages, _ = moving_average_8h(np.array([8.0, 16, 24, 32, 40, 48, 56, 64, 72]))
    assert averages[7] == 36.0  # (8 + … + 64) / 8
    assert averages[8] == 44.0  # (16 + … + 72) / 8


# ---- MDA8: windows ending 08:00 … 24:00, at least 14 valid --------------------------------


@pytest.mark.parametrize(
    ("hours_present", "windows", "valid"),
    [
        # hours 00 … m−1 present: the window over hours k … k+7 has m − k values, so it is
        # valid for k ≤ m − 6, i.e. m − 5 of the 17 windows.
        (18, 13, False),
        (19, 14, True),
        (20, 15, True),
    ],
)
def test_mda8_needs_14_valid_8h_averages(hours_present: int, windows: int, valid: bool) -> None:
    mda8, counted = daily_max_8h(day_with(hours_present, 90.0), LIMIT_MDA8)
    assert counted.tolist() == [windows]
    assert (mda8.tolist() == [90.0]) is valid


@pytest.mark.parametrize(("value", "valid"), [(160.0, False), (161.0, True)])
def test_mda8_from_13_windows_still_counts_when_it_exceeds_the_limit(
    value: float, valid: bool
) -> None:
    mda8, counted = daily_max_8h(day_with(18, value), LIMIT_MDA8)
    assert counted.tolist() == [13]
    assert (mda8.tolist() == [value]) is valid


def test_mda8_on_a_hand_computed_day_reads_no_hour_of_the_days_around_it() -> None:
    before = np.full(24, 30.0)
    before[17:] = 500.0  # a previous evening that a window reaching back would catch
    day = np.full(24, 40.0)
    day[3] = NAN
    day[12:16] = 200.0
    day[16] = 120.0
    day[23] = 400.0
    after = np.full(24, 30.0)
    after[0] = 1000.0  # a next-day 00:00 hour that a window ending at 01:00 would catch
    mda8, windows = daily_max_8h(np.concatenate([before, day, after]), np.full(3, 160.0))
    # Windows over hours 9–16 … 12–19 hold 200 × 4 + 120 + 40 × 3 = 1040 → 130; the last
    # window (16–23) is (120 + 40 × 6 + 400) / 8 = 95; the windows over hour 3 keep 7 values.
    assert mda8[1] == 130.0
    assert windows.tolist() == [17, 17, 17]
    assert mda8[0] == pytest.approx((30 * 1 + 500 * 7) / 8)  # window 16–23 of the first day


# ---- O3 daily max 1-h ---------------------------------------------------------------------


@pytest.mark.parametrize(("hours", "valid"), [(19, False), (20, True)])
def test_o3_daily_max_1h_needs_20_hourly_values(hours: int, valid: bool) -> None:
    peak = day_with(hours, 50.0)
    peak[0] = 150.0
    highest, count = daily_max_1h(peak, LIMIT_1H)
    assert count.tolist() == [hours]
    assert (highest.tolist() == [150.0]) is valid


@pytest.mark.parametrize(("peak", "valid"), [(200.0, False), (201.0, True)])
def test_o3_daily_max_1h_above_the_limit_counts_with_few_hours(peak: float, valid: bool) -> None:
    hours = day_with(3, 50.0)
    hours[1] = peak
    assert (daily_max_1h(hours, LIMIT_1H)[0].tolist() == [peak]) is valid


# ---- the hourly grid and station days -----------------------------------------------------


def test_the_grid_places_rows_by_local_hour_and_ignores_the_rest() -> None:
    rows = [
        ("S1", "pm25", hour_of(date(2024, 5, 1), 0), 10.0, 1),
        ("S1", "pm25", hour_of(date(2024, 5, 2), 23), 20.0, 1),
        ("S1", "pm25", hour_of(date(2024, 4, 30), 23), 99.0, 1),  # before the first day
        ("S1", "pm25", hour_of(date(2024, 5, 3), 0), 99.0, 1),  # after the last day
        ("S9", "pm25", hour_of(date(2024, 5, 1), 5), 99.0, 1),  # not a requested site
        ("S1", "nox", hour_of(date(2024, 5, 1), 5), 99.0, 1),  # not an air parameter
    ]
    grid = hourly_grid(rows, ["S1"], date(2024, 5, 1), date(2024, 5, 2))
    pm25 = grid.values["pm25"][0]
    assert pm25.shape == (48,)
    assert pm25[0] == 10.0 and pm25[47] == 20.0
    assert int(np.sum(~np.isnan(pm25))) == 2
    assert all(np.isnan(v).all() for k, v in grid.values.items() if k != "pm25")


def test_a_range_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError):
        day_range(date(2024, 5, 2), date(2024, 5, 1))


def full_day_rows(site: str, day: date, levels: dict[str, float]) -> list[HourlyRow]:
    start = hour_of(day, 0)
    return [
        (site, parameter, start + timedelta(hours=h), value, 1)
        for parameter, value in levels.items()
        for h in range(24)
    ]


CLEAN = {"so2": 10.0, "no2": 30.0, "pm10": 60.0, "pm25": 40.0, "co": 0.8, "o3": 120.0}


def test_station_days_give_every_indicator_and_the_hours_used() -> None:
    day = date(2025, 6, 1)
    rows = [r for r in full_day_rows("S1", day, CLEAN) if not (r[1] == "pm25" and r[2].hour < 5)]
    daily = station_daily(hourly_grid(rows, ["S1"], day, day))
    values = {code: daily.values[code][0, 0] for code in INDICATORS}
    assert np.isnan(values.pop("pm25_24h"))  # 19 hours
    assert values == pytest.approx(
        {
            "so2_24h": 10.0,
            "no2_24h": 30.0,
            "pm10_24h": 60.0,
            "co_24h": 0.8,
            "o3_1h": 120.0,
            "o3_8h": 120.0,
        }
    )
    assert daily.hours["pm25_24h"].tolist() == [[19]]
    assert daily.hours["so2_24h"].tolist() == [[24]]
    assert daily.windows_8h.tolist() == [[17]]


# ---- areas and AQI ------------------------------------------------------------------------


def daily_of(days: list[str], **columns: list[list[float]]) -> DailyValues:
    values = {code: np.array(rows, dtype=float) for code, rows in columns.items()}
    n = len(next(iter(values.values())))
    return DailyValues(
        tuple(f"S{i + 1}" for i in range(n)),
        np.array(days, dtype="datetime64[D]"),
        values,
        {},
        np.zeros((n, len(days)), dtype=np.int64),
    )


def test_an_area_value_is_the_mean_of_its_stations_valid_values() -> None:
    daily = daily_of(
        ["2025-06-01", "2025-06-02"], pm25_24h=[[20.0, NAN], [100.0, NAN], [NAN, 50.0]]
    )
    area = area_daily(daily)
    assert area.values["pm25_24h"].tolist() == [60.0, 50.0]
    assert area.stations["pm25_24h"].tolist() == [2, 1]
    assert area_daily(daily, ["S1"]).values["pm25_24h"].tolist()[0] == 20.0
    assert np.isnan(area_daily(daily, []).values["pm25_24h"]).all()


def test_the_area_aqi_is_that_of_the_mean_not_the_mean_of_station_aqis() -> None:
    daily = daily_of(["2025-06-01"], pm25_24h=[[20.0], [100.0]])
    area = area_daily(daily)
    [day] = air_days("330800", "city", area.days, area.values, stations=area.stations)
    # PM2.5 60 → 50 + 50 × 25/40 = 81.25 → 82 (HJ 633-2012); the station AQIs 29 and 132
    # would average 80.5.
    assert day.aqi == 82
    assert day.stations["pm25_24h"] == 2
    assert (day.standard, day.category_zh, day.colour) == ("HJ 633-2012", "良", "#FFFF00")
    assert day.primary_pollutants == ("pm25_24h",)


def test_a_range_straddling_2026_03_01_is_judged_day_by_day() -> None:
    days = np.array(["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"], dtype="datetime64[D]")
    values = {code: np.full(4, 1.0) for code in INDICATORS} | {"pm25_24h": np.full(4, 70.0)}
    out = air_days("330800", "city", days, values)
    assert [d.day_on for d in out] == [date(2026, 2, 27), date(2026, 2, 28)] + [
        date(2026, 3, 1),
        date(2026, 3, 2),
    ]
    assert [d.standard for d in out] == ["HJ 633-2012"] * 2 + ["HJ 633-2026"] * 2
    assert [d.edition for d in out] == ["2012", "2012", "2026", "2026"]
    # PM2.5 70: 50 + 50 × 35/40 = 93.75 → 94 (2012); 100 + 50 × 10/55 = 109.1 → 110 (2026)
    assert [d.aqi for d in out] == [94, 94, 110, 110]
    assert [d.good for d in out] == [True, True, False, False]
    assert [d.level for d in out] == [2, 2, 3, 3]


def test_an_incomplete_day_is_not_determined_unless_already_over_100() -> None:
    days = np.array(["2025-06-01", "2025-06-02"], dtype="datetime64[D]")
    out = air_days("X", "city", days, {"pm25_24h": np.array([40.0, 120.0])})
    assert [d.determined for d in out] == [False, True]
    assert [d.good for d in out] == [False, False]
    assert out[0].values["so2_24h"] is None and out[0].values["pm25_24h"] == 40.0


def test_a_value_above_the_last_breakpoint_is_flagged() -> None:
    days = np.array(["2025-06-01"], dtype="datetime64[D]")
    [day] = air_days("X", "city", days, {"pm25_24h": np.array([600.0])})
    assert day.over_range == ("pm25_24h",)
    assert day.aqi == 500


# ---- periods and ranking ------------------------------------------------------------------


def period_days(pm25: list[float], pm10: list[float] | None = None) -> list[AirDay]:
    n = len(pm25)
    days = np.arange(np.datetime64("2025-06-01"), np.datetime64("2025-06-01") + n)
    values = {code: np.full(n, 1.0) for code in INDICATORS}
    values["pm25_24h"] = np.array(pm25)
    if pm10 is not None:
        values["pm10_24h"] = np.array(pm10)
    return air_days("X", "county", days, values)


def test_the_good_day_ratio_counts_determined_days_only() -> None:
    days = period_days([30.0, 80.0, NAN, 40.0])
    period = summarise(days)
    assert (period.days, period.determined_days, period.good_days) == (4, 3, 2)
    assert period.good_day_ratio == pytest.approx(2 / 3)
    assert period.pm25_mean == 50.0  # (30 + 80 + 40) / 3
    assert period.aqi_mean == pytest.approx((43 + 107 + 57) / 3)


def test_primary_pollutants_are_counted_per_pollutant_and_ties_count_for_both() -> None:
    days = period_days([75.0, 40.0, 10.0], pm10=[150.0, 10.0, 10.0])
    assert [d.primary_pollutants for d in days] == [("pm10_24h", "pm25_24h"), ("pm25_24h",), ()]
    assert primary_pollutant_counts(days) == {"pm25": 2, "pm10": 1}
    entry = county_entry("330802", "柯城区", days, stations=1)
    assert entry.primary_pollutant == ("pm25",)


def test_counties_rank_by_good_day_ratio_then_pm25_and_those_without_data_last() -> None:
    base = county_entry("0", "", [], stations=0)
    entries = [
        replace(base, county_code="A", good_day_ratio=0.90, pm25_mean=31.0),
        replace(base, county_code="B", good_day_ratio=0.95, pm25_mean=40.0),
        replace(base, county_code="C", good_day_ratio=0.90, pm25_mean=30.0),
        replace(base, county_code="D", good_day_ratio=0.90, pm25_mean=30.0),
        replace(base, county_code="E"),
        replace(base, county_code="F", good_day_ratio=0.80, pm25_mean=None),
    ]
    ranked = rank_counties(entries)
    assert [(e.county_code, e.rank) for e in ranked] == [
        ("B", 1),
        ("C", 2),
        ("D", 2),
        ("A", 4),
        ("F", 5),
        ("E", None),
    ]


def test_a_county_without_stations_has_no_values() -> None:
    entry = county_entry("330822", "常山县", [], stations=0)
    assert (entry.good_day_ratio, entry.pm25_mean, entry.aqi_mean, entry.days) == (
        None,
        None,
        None,
        0,
    )
    assert entry.primary_pollutant == ()


# ---- property: more PM2.5 never makes an area cleaner ------------------------------------

hour_value = st.one_of(st.none(), st.floats(min_value=0, max_value=400, allow_nan=False))


@settings(max_examples=150, deadline=None)
@given(
    first=st.lists(hour_value, min_size=24, max_size=24),
    second=st.lists(hour_value, min_size=24, max_size=24),
    station=st.integers(0, 1),
    hour=st.integers(0, 23),
    increase=st.floats(min_value=0.001, max_value=500, allow_nan=False),
    day=st.sampled_from([date(2025, 7, 1), date(2026, 7, 1)]),
)
def test_raising_one_stations_hourly_pm25_never_lowers_the_area_aqi(
    first: list[float | None],
    second: list[float | None],
    station: int,
    hour: int,
    increase: float,
    day: date,
) -> None:
    def area_aqi(series: list[list[float | None]]) -> int | None:
        rows = full_day_rows("S1", day, {k: v for k, v in CLEAN.items() if k != "pm25"})
        rows += full_day_rows("S2", day, {k: v for k, v in CLEAN.items() if k != "pm25"})
        start = hour_of(day, 0)
        for site, values in zip(("S1", "S2"), series, strict=True):
            rows += [
                (site, "pm25", start + timedelta(hours=h), v, 1)
                for h, v in enumerate(values)
                if v is not None
            ]
        area = area_daily(station_daily(hourly_grid(rows, ["S1", "S2"], day, day)))
        [result] = air_days("X", "city", area.days, area.values)
        return result.aqi

    series = [list(first), list(second)]
    before = area_aqi(series)
    if series[station][hour] is None:
        series[station][hour] = 0.0
        # a new hour can make a day valid; compare with the same hours present
        before = area_aqi(series)
    value = series[station][hour]
    assert value is not None
    series[station][hour] = value + increase
    after = area_aqi(series)
    if before is not None:
        assert after is not None and after >= before


def test_the_standard_engine_is_what_judges_area_days() -> None:
    # The same values through the engine directly give the same AQI.
    days = np.array(["2025-06-01"], dtype="datetime64[D]")
    values = {"so2_24h": 10, "no2_24h": 30, "pm10_24h": 60, "pm25_24h": 40}
    values |= {"co_24h": 0.8, "o3_1h": 150, "o3_8h": 120}
    [day] = air_days("X", "city", days, {k: np.array([float(v)]) for k, v in values.items()})
    report = standard.daily_aqi(values, date(2025, 6, 1))
    assert day.aqi == int(report.aqi[0]) == 67
    assert day.primary_pollutants == report.primary_pollutants(0) == ("o3_8h",)
