"""Ambient air from hourly readings: daily values per station with GB 3095 data validity,
area (county, city) daily values, the daily AQI, good-day ratios and the county ranking.

Pure: values in, values out. The standards engine (:mod:`ecociv.standards.air`) computes the
AQI and the annual statistics; this module turns hourly station series into the daily values
it expects and aggregates the results.

**Time.** Hours are Asia/Shanghai local clock hours labelled by their *start* (``00:00`` is
00:00–00:59), as the readings store returns them; a day is 00:00–24:00 local time. An hourly
grid starts at ``start_on`` 00:00 and holds ``24 × days`` hours.

**Data validity** (GB 3095-2012 Table 4 = GB 3095-2026 Table 4, docs/modules/standards.md §3
algorithm (c); a day failing it gives NaN, which the standards engine treats as missing):

* SO2, NO2, PM10, PM2.5, CO **24-h mean**: at least :data:`MIN_HOURS_DAILY_MEAN` (20) hourly
  values in the local day ("每日至少有20个小时平均浓度值").
* O3 **8-h moving average**: at least :data:`MIN_HOURS_8H` (6) hourly values in the 8 hours
  ("每8小时至少有6小时平均浓度值").
* O3 **daily maximum 8-h average** (MDA8): the largest of the 8-h averages that end at 08:00,
  09:00 … 24:00 of the day — 17 windows, the first covering 00:00–08:00 and the last
  16:00–24:00 (HJ 663-2013 §3 "一个自然日内8时至24时的所有8小时滑动平均浓度中的最大值";
  HJ 663-2013 Table A.1 labels an 8-h value X by its hourly values X−7 … X, each hourly value
  labelled by the end of its hour). It needs at least :data:`MIN_WINDOWS_MDA8` (14) valid
  8-h averages ("每日至少有14个有效8小时平均浓度值"); a day with fewer is still valid when its
  maximum already exceeds the grade-2 MDA8 limit of the day's GB 3095 edition (HJ 663-2013 and
  HJ 663-2026 §6.1.2 as quoted in docs/modules/standards.md §3): more data could only raise it.
  Because the first window starts at 00:00 of the day, no hour of the previous day is needed:
  the 8-h values ending 01:00 … 07:00, which do reach back, are real-time values (实时报), not
  part of the daily maximum.
* O3 **daily maximum 1-h** (``o3_1h``, a daily indicator of HJ 633-2012 only): GB 3095 sets no
  validity for a daily maximum of hourly values. The platform applies the daily rule, at least
  :data:`MIN_HOURS_O3_1H_MAX` (20) hourly values, since a maximum over a few hours says little
  about the day; as for MDA8, a maximum above the grade-2 1-h limit is valid with any number
  of hours, because it can only rise with more data.
* A **1-h value** needs at least 45 minutes of sampling (GB 3095 Table 4); the store holds one
  1-h mean per hour and cannot tell the minutes, so every stored hourly value counts as valid.

**Areas.** The daily value of a county or of the city is the arithmetic mean, over the area's
stations, of each station's valid daily value (HJ 663-2013 §5 city-scale assessment: the
concentration of a city with several assessment stations is the arithmetic mean of the
stations' concentrations — clause from memory, not re-read). The AQI of an area is then the
AQI of those mean values (not the mean of station AQIs). Stations with no valid value that
day are left out; with none, the area value is NaN.

**Ranking of counties** (a platform choice; no standard ranks counties by these two): by
good-day ratio descending, the headline indicator of the plan (优良天数比例), then by PM2.5
mean ascending, the other headline indicator; equal on both share a rank. Counties whose
ratio cannot be computed (no station, or no day with a determined AQI) are not ranked and are
listed last.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from ecociv.kernel import ValidationError
from ecociv.standards import air as standard

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DayArray = npt.NDArray[np.datetime64]

HOURS_PER_DAY = 24

#: GB 3095-2012 Table 4 / GB 3095-2026 Table 4: a 24-h mean needs 20 hourly values.
MIN_HOURS_DAILY_MEAN = 20
#: GB 3095-2012 Table 4 / GB 3095-2026 Table 4: an 8-h average needs 6 hourly values of 8.
MIN_HOURS_8H = 6
#: GB 3095-2012 Table 4 / GB 3095-2026 Table 4: MDA8 needs 14 valid 8-h averages in the day.
MIN_WINDOWS_MDA8 = 14
#: Platform choice (module docstring): the daily maximum 1-h O3 needs 20 hourly values.
MIN_HOURS_O3_1H_MAX = 20

#: Hours in an 8-h moving average.
WINDOW_HOURS = 8
#: HJ 663-2013 §3: MDA8 is the maximum of the 8-h averages ending at 08:00 … 24:00 of the day.
MDA8_FIRST_WINDOW_END = 8
MDA8_LAST_WINDOW_END = 24

#: Quzhou's ambient air is assessed against the grade-2 (二类区) limits.
GRADE = 2

#: Hourly parameter codes as stored (µg/m3; CO mg/m3).
HOURLY_PARAMETERS = ("so2", "no2", "pm10", "pm25", "co", "o3")
#: Daily indicators that are 24-h means, with the hourly parameter they average.
DAILY_MEANS = {
    "so2_24h": "so2",
    "no2_24h": "no2",
    "pm10_24h": "pm10",
    "pm25_24h": "pm25",
    "co_24h": "co",
}
#: Every daily indicator computed here (the union of both editions' daily report sets).
INDICATORS = ("so2_24h", "no2_24h", "pm10_24h", "pm25_24h", "co_24h", "o3_1h", "o3_8h")

#: ``AirDay.scope`` values.
SCOPE_STATION = "station"
SCOPE_COUNTY = "county"
SCOPE_CITY = "city"

#: (site code, parameter, local hour start (naive), hourly mean, values in the hour), as
#: :meth:`ecociv.adapters.readings.ReadingsStore.hourly` returns them.
HourlyRow = tuple[str, str, datetime, float, int]


# ----------------------------------------------------------------------------------------------
# Hourly grid
# ----------------------------------------------------------------------------------------------


def day_range(start_on: date, end_on: date) -> DayArray:
    """The days ``start_on`` … ``end_on`` inclusive as ``datetime64[D]``.

    Examples:
        >>> day_range(date(2026, 2, 28), date(2026, 3, 1)).tolist()
        [datetime.date(2026, 2, 28), datetime.date(2026, 3, 1)]
    """
    if end_on < start_on:
        raise ValidationError(
            f"结束日期 {end_on} 早于开始日期 {start_on} (end date before start date)",
            field="end_on",
        )
    return np.arange(
        np.datetime64(start_on, "D"), np.datetime64(end_on, "D") + 1, dtype="datetime64[D]"
    )


@dataclass(frozen=True, eq=False)
class HourlyGrid:
    """Hourly values of n sites over whole local days: ``values[parameter]`` is
    (n, 24 × days) with hour i = ``days[0]`` 00:00 + i hours; NaN where there is no value."""

    sites: tuple[str, ...]
    days: DayArray
    values: dict[str, FloatArray]


def hourly_grid(
    rows: Iterable[HourlyRow], sites: Sequence[str], start_on: date, end_on: date
) -> HourlyGrid:
    """Place hourly rows on a dense grid; rows of other sites, parameters or hours are
    ignored, and so are non-finite values.

    Examples:
        >>> rows = [("S1", "pm25", datetime(2024, 5, 1, 3), 12.0, 1)]
        >>> grid = hourly_grid(rows, ["S1"], date(2024, 5, 1), date(2024, 5, 1))
        >>> grid.values["pm25"].shape, float(grid.values["pm25"][0, 3])
        ((1, 24), 12.0)
    """
    listed = list(rows)
    if not listed:
        return hourly_grid_from_columns({}, sites, start_on, end_on)
    codes, parameters, hours, means, _counts = zip(*listed, strict=True)
    columns = {
        "site_code": np.array(codes, dtype=object),
        "parameter": np.array(parameters, dtype=object),
        "local_hour": np.array(hours, dtype="datetime64[h]"),
        "mean": np.array(means, dtype=np.float64),
    }
    return hourly_grid_from_columns(columns, sites, start_on, end_on)


def _indices(values: npt.NDArray[Any], codes: Sequence[str]) -> IntArray:
    """Position of each value in ``codes`` (−1 when absent), one lookup per distinct value."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    distinct, inverse = np.unique(values.astype(str), return_inverse=True)
    where = {code: i for i, code in enumerate(codes)}
    return np.array([where.get(str(v), -1) for v in distinct], dtype=np.int64)[inverse]


def hourly_grid_from_columns(
    columns: Mapping[str, npt.NDArray[Any]], sites: Sequence[str], start_on: date, end_on: date
) -> HourlyGrid:
    """:func:`hourly_grid` from columns (``site_code``, ``parameter``, ``local_hour``,
    ``mean``), as :meth:`ecociv.adapters.readings.ReadingsStore.hourly_columns` returns them."""
    days = day_range(start_on, end_on)
    n_hours = days.size * HOURS_PER_DAY
    cube = np.full((len(HOURLY_PARAMETERS), len(sites), n_hours), np.nan)
    if columns and sites and len(columns["mean"]):
        s = _indices(columns["site_code"], sites)
        p = _indices(columns["parameter"], HOURLY_PARAMETERS)
        origin = days[0].astype("datetime64[h]")
        h = (columns["local_hour"].astype("datetime64[h]") - origin).astype(np.int64)
        v = np.asarray(columns["mean"], dtype=np.float64)
        keep = (s >= 0) & (p >= 0) & (h >= 0) & (h < n_hours) & np.isfinite(v)
        cube[p[keep], s[keep], h[keep]] = v[keep]
    return HourlyGrid(
        sites=tuple(sites),
        days=days,
        values={code: cube[i] for i, code in enumerate(HOURLY_PARAMETERS)},
    )


# ----------------------------------------------------------------------------------------------
# Daily values with GB 3095 Table 4 validity
# ----------------------------------------------------------------------------------------------


def _by_day(hourly: FloatArray) -> FloatArray:
    if hourly.shape[-1] % HOURS_PER_DAY:
        raise ValidationError(
            "小时序列长度应为 24 的整数倍 (hourly series must cover whole days)", field="hourly"
        )
    return hourly.reshape(*hourly.shape[:-1], hourly.shape[-1] // HOURS_PER_DAY, HOURS_PER_DAY)


def _mean_where(values: FloatArray, minimum: int) -> tuple[FloatArray, IntArray]:
    """Mean over the last axis of the non-NaN values, NaN where fewer than ``minimum``."""
    present = ~np.isnan(values)
    count = present.sum(axis=-1).astype(np.int64)
    total = np.where(present, values, 0.0).sum(axis=-1)
    mean = np.divide(
        total, count, out=np.full(count.shape, np.nan), where=(count >= minimum) & (count > 0)
    )
    return mean, count


def daily_mean_24h(hourly: FloatArray) -> tuple[FloatArray, IntArray]:
    """24-h means of (…, 24 × days) hourly values → ((…, days) means, (…, days) hours).

    GB 3095-2012 / GB 3095-2026 Table 4: a 24-h mean needs at least 20 hourly values in the
    day; with fewer it is NaN.

    Examples:
        >>> hours = np.full(24, 10.0); hours[:4] = np.nan
        >>> mean, count = daily_mean_24h(hours)
        >>> mean.tolist(), count.tolist()
        ([10.0], [20])
        >>> hours[4] = np.nan
        >>> daily_mean_24h(hours)[0].tolist()
        [nan]
    """
    return _mean_where(_by_day(hourly), MIN_HOURS_DAILY_MEAN)


def moving_average_8h(hourly: FloatArray) -> tuple[FloatArray, IntArray]:
    """8-h moving averages of (…, H) hourly values, element i ending with hour i (the mean of
    hours i−7 … i, i.e. the value HJ 663-2013 Table A.1 labels by the end of hour i).

    GB 3095 Table 4: valid with at least 6 hourly values of the 8, else NaN. Hours before
    the start of the series count as missing. Returns (averages, hourly values per window).

    Examples:
        >>> avg, n = moving_average_8h(np.arange(1.0, 11.0))
        >>> avg[7:].tolist(), n[7:].tolist()
        ([4.5, 5.5, 6.5], [8, 8, 8])
        >>> bool(np.isnan(avg[4])), float(avg[5]), int(n[5])
        (True, 3.5, 6)
    """
    lead = np.full((*hourly.shape[:-1], WINDOW_HOURS - 1), np.nan)
    windows = sliding_window_view(np.concatenate([lead, hourly], axis=-1), WINDOW_HOURS, axis=-1)
    return _mean_where(windows, MIN_HOURS_8H)


def _mda8_windows(hourly: FloatArray) -> tuple[FloatArray, IntArray]:
    """(…, days, 17) 8-h averages ending 08:00 … 24:00 of each day, and their hour counts."""
    by_day = _by_day(hourly)
    windows = sliding_window_view(by_day, WINDOW_HOURS, axis=-1)  # (…, days, 17, 8)
    first = MDA8_FIRST_WINDOW_END - WINDOW_HOURS
    last = MDA8_LAST_WINDOW_END - WINDOW_HOURS
    return _mean_where(windows[..., first : last + 1, :], MIN_HOURS_8H)


def _max_where(values: FloatArray) -> FloatArray:
    """Maximum over the last axis of the non-NaN values (NaN where there are none)."""
    present = ~np.isnan(values)
    highest = np.where(present, values, -np.inf).max(axis=-1)
    return np.where(present.any(axis=-1), highest, np.nan)


def daily_max_8h(hourly: FloatArray, limits: FloatArray) -> tuple[FloatArray, IntArray]:
    """O3 daily maximum 8-h average (MDA8) of (…, 24 × days) hourly values → ((…, days)
    MDA8, (…, days) valid 8-h averages of the day).

    The windows end at 08:00 … 24:00 (HJ 663-2013 §3, Table A.1); each needs 6 hourly values
    and the day 14 valid windows (GB 3095 Table 4); with fewer the day is still valid when the
    maximum exceeds ``limits`` (one MDA8 limit per day, HJ 663 §6.1.2).

    Examples:
        >>> hours = np.zeros(24); hours[10:18] = 80.0
        >>> mda8, windows = daily_max_8h(hours, np.array([160.0]))
        >>> mda8.tolist(), windows.tolist()
        ([80.0], [17])
    """
    averages, _ = _mda8_windows(hourly)
    valid = (~np.isnan(averages)).sum(axis=-1).astype(np.int64)
    highest = _max_where(averages)
    keep = (valid >= MIN_WINDOWS_MDA8) | (highest > limits)
    return np.where(keep, highest, np.nan), valid


def daily_max_1h(hourly: FloatArray, limits: FloatArray) -> tuple[FloatArray, IntArray]:
    """O3 daily maximum 1-h value of (…, 24 × days) hourly values → ((…, days) maximum,
    (…, days) hours). Valid with 20 hourly values, or with any when above ``limits`` (the
    platform's rule; see the module docstring).

    Examples:
        >>> hours = np.full(24, np.nan); hours[:3] = [50.0, 210.0, 90.0]
        >>> daily_max_1h(hours, np.array([200.0]))[0].tolist()
        [210.0]
        >>> daily_max_1h(hours, np.array([250.0]))[0].tolist()
        [nan]
    """
    by_day = _by_day(hourly)
    count = (~np.isnan(by_day)).sum(axis=-1).astype(np.int64)
    highest = _max_where(by_day)
    keep = (count >= MIN_HOURS_O3_1H_MAX) | (highest > limits)
    return np.where(keep, highest, np.nan), count


def _limit_column(edition: str, day: np.datetime64) -> str:
    if edition == standard.EDITION_2012:
        return f"grade_{GRADE}"
    final = day >= np.datetime64(standard.GB3095_2026_FINAL_LIMITS_FROM, "D")
    return f"grade_{GRADE}_{'final' if final else 'transition'}"


def grade2_limits(days: DayArray, pollutant: str, averaging: str) -> FloatArray:
    """The GB 3095 grade-2 limit of ``pollutant``/``averaging`` in force on each day (the
    edition chosen by the day's date; GB 3095-2026 transition or final phase).

    Examples:
        >>> days = np.array(["2026-02-28", "2031-01-01"], dtype="datetime64[D]")
        >>> grade2_limits(days, "o3", "mda8").tolist(), grade2_limits(days, "pm25", "24h").tolist()
        ([160.0, 160.0], [75.0, 50.0])
    """
    editions = standard.editions_for(days)
    out = np.empty(days.size, dtype=np.float64)
    cache: dict[tuple[str, str], float] = {}
    for i, (edition, day) in enumerate(zip(editions.tolist(), days, strict=True)):
        column = _limit_column(edition, day)
        if (edition, column) not in cache:
            rows = [
                r
                for r in standard.limits_table(edition)
                if r["pollutant_code"] == pollutant and r["averaging_code"] == averaging
            ]
            if len(rows) != 1:  # pragma: no cover - the tables hold each pair once
                raise RuntimeError(f"no single {pollutant}/{averaging} limit in {edition}")
            cache[(edition, column)] = float(rows[0][column])
        out[i] = cache[(edition, column)]
    return out


@dataclass(frozen=True, eq=False)
class DailyValues:
    """Daily values of n sites over d days.

    ``values[indicator]`` is (n, d), NaN where the day fails validity; ``hours[indicator]`` is
    (n, d), the hourly values of the local day the indicator used (for ``o3_8h``, the hours of
    the day its windows read); ``windows_8h`` is (n, d), the valid 8-h averages of the day.
    """

    sites: tuple[str, ...]
    days: DayArray
    values: dict[str, FloatArray]
    hours: dict[str, IntArray]
    windows_8h: IntArray

    def reporting(self) -> frozenset[str]:
        """The sites with at least one valid daily value (those an area mean draws on)."""
        valid = np.zeros(len(self.sites), dtype=bool)
        for array in self.values.values():
            valid |= (~np.isnan(array)).any(axis=-1)
        return frozenset(code for code, flag in zip(self.sites, valid, strict=True) if flag)


def station_daily(grid: HourlyGrid) -> DailyValues:
    """Daily values of each station of ``grid`` with GB 3095 Table 4 validity.

    Examples:
        >>> start = date(2024, 5, 1)
        >>> rows = [("S1", "pm25", datetime(2024, 5, 1, h), 30.0, 1) for h in range(20)]
        >>> daily = station_daily(hourly_grid(rows, ["S1"], start, start))
        >>> daily.values["pm25_24h"].tolist(), daily.hours["pm25_24h"].tolist()
        ([[30.0]], [[20]])
    """
    values: dict[str, FloatArray] = {}
    hours: dict[str, IntArray] = {}
    for indicator, parameter in DAILY_MEANS.items():
        values[indicator], hours[indicator] = daily_mean_24h(grid.values[parameter])
    o3 = grid.values["o3"]
    values["o3_1h"], hours["o3_1h"] = daily_max_1h(o3, grade2_limits(grid.days, "o3", "1h"))
    values["o3_8h"], windows = daily_max_8h(o3, grade2_limits(grid.days, "o3", "mda8"))
    hours["o3_8h"] = hours["o3_1h"]
    return DailyValues(grid.sites, grid.days, values, hours, windows)


# ----------------------------------------------------------------------------------------------
# Areas
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AreaDaily:
    """Daily values of one area over d days: ``values[indicator]`` (d,) is the mean of the
    stations' valid daily values, ``stations[indicator]`` (d,) how many stations it averages."""

    days: DayArray
    values: dict[str, FloatArray]
    stations: dict[str, IntArray]


def area_daily(daily: DailyValues, members: Sequence[str] | None = None) -> AreaDaily:
    """The arithmetic mean over the area's stations of each valid daily value (HJ 663-2013
    §5, city-scale assessment); ``members`` are the area's site codes (None: all).

    Examples:
        >>> d = DailyValues(("A", "B", "C"), np.array(["2024-05-01"], dtype="datetime64[D]"),
        ...     {"pm25_24h": np.array([[30.0], [50.0], [np.nan]])}, {}, np.zeros((3, 1), int))
        >>> area = area_daily(d)
        >>> area.values["pm25_24h"].tolist(), area.stations["pm25_24h"].tolist()
        ([40.0], [2])
        >>> area_daily(d, ["C"]).values["pm25_24h"].tolist()
        [nan]
    """
    if members is None:
        rows = np.arange(len(daily.sites))
    else:
        index = {code: i for i, code in enumerate(daily.sites)}
        rows = np.array([index[code] for code in members if code in index], dtype=np.int64)
    values: dict[str, FloatArray] = {}
    stations: dict[str, IntArray] = {}
    for indicator, array in daily.values.items():
        mean, count = _mean_where(array[rows].T, 1)
        values[indicator], stations[indicator] = mean, count
    return AreaDaily(daily.days, values, stations)


# ----------------------------------------------------------------------------------------------
# Daily AQI
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AirDay:
    """The daily air quality of one station or area on one local day.

    ``values`` maps each daily indicator to its value (µg/m3, CO mg/m3) or None when the day
    fails validity; ``hours`` (stations) the hourly values each used; ``stations`` (areas) how
    many stations each averages. ``aqi`` is None when the standard does not publish it;
    ``level`` is 0 then. ``primary_pollutants`` and ``over_range`` are indicator codes.
    """

    code: str
    scope: str
    day_on: date
    values: dict[str, float | None]
    hours: dict[str, int]
    windows_8h: int | None
    stations: dict[str, int]
    aqi: int | None
    level: int
    category_zh: str | None
    category_en: str | None
    colour: str | None
    primary_pollutants: tuple[str, ...]
    edition: str
    standard: str
    determined: bool
    good: bool
    over_range: tuple[str, ...]
    synthetic: bool


def _value(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def air_days(
    code: str,
    scope: str,
    days: DayArray,
    values: Mapping[str, FloatArray],
    *,
    hours: Mapping[str, IntArray] | None = None,
    windows_8h: IntArray | None = None,
    stations: Mapping[str, IntArray] | None = None,
    synthetic: bool = False,
) -> list[AirDay]:
    """One :class:`AirDay` per day from (d,) daily values: the AQI of each day by its own
    edition (:func:`ecociv.standards.air.daily_aqi`, the days split by
    :func:`~ecociv.standards.air.editions_for` where the range straddles 2026-03-01).

    Examples:
        >>> days = np.array(["2026-02-28", "2026-03-01"], dtype="datetime64[D]")
        >>> out = air_days("X", "city", days, {"pm25_24h": np.array([70.0, 70.0])})
        >>> [(d.standard, d.aqi, d.category_zh) for d in out]
        [('HJ 633-2012', 94, '良'), ('HJ 633-2026', 110, '轻度污染')]
    """
    editions = standard.editions_for(days) if days.size else np.array([], dtype=str)
    indices_of = np.arange(days.size)
    result: list[AirDay | None] = [None] * days.size
    for edition in standard.EDITIONS:
        rows = indices_of[editions == edition]
        if not rows.size:
            continue
        report = standard.daily_aqi({c: v[rows] for c, v in values.items()}, days[rows])
        primary, over, good, determined = (
            report.primary,
            report.over_range,
            report.good,
            report.determined,
        )
        for j, i in enumerate(rows.tolist()):
            category = report.category(j)
            aqi = report.aqi[j]
            result[i] = AirDay(
                code=code,
                scope=scope,
                day_on=days[i].item(),
                values={c: _value(values[c][i]) if c in values else None for c in INDICATORS},
                hours={c: int(h[i]) for c, h in (hours or {}).items()},
                windows_8h=None if windows_8h is None else int(windows_8h[i]),
                stations={c: int(n[i]) for c, n in (stations or {}).items()},
                aqi=None if np.isnan(aqi) else int(aqi),
                level=int(report.level[j]),
                category_zh=None if category is None else category.category_zh,
                category_en=None if category is None else category.category_en,
                colour=None if category is None else category.hex,
                primary_pollutants=tuple(
                    ind for ind, flag in zip(report.indicators, primary[j], strict=True) if flag
                ),
                edition=edition,
                standard=report.standard,
                determined=bool(determined[j]),
                good=bool(good[j]),
                over_range=tuple(
                    ind for ind, flag in zip(report.indicators, over[j], strict=True) if flag
                ),
                synthetic=synthetic,
            )
    return [day for day in result if day is not None]


# ----------------------------------------------------------------------------------------------
# Periods, years and ranking
# ----------------------------------------------------------------------------------------------


def pollutant_of(indicator: str) -> str:
    """The pollutant code of a daily indicator (``o3_1h`` and ``o3_8h`` are both ``o3``).

    Examples:
        >>> pollutant_of("pm25_24h"), pollutant_of("o3_8h")
        ('pm25', 'o3')
    """
    return standard.breakpoint_table(standard.EDITION_2012)[indicator].pollutant


def primary_pollutant_counts(days: Iterable[AirDay]) -> dict[str, int]:
    """Days on which each pollutant was a primary pollutant, most frequent first (a day with
    two primary pollutants counts for both; O3 1-h and 8-h on one day count once).

    Examples:
        >>> days = air_days("X", "city", np.array(["2024-05-01", "2024-05-02"],
        ...     dtype="datetime64[D]"), {"pm10_24h": np.array([150.0, 20.0]),
        ...     "pm25_24h": np.array([75.0, 40.0])})
        >>> primary_pollutant_counts(days)
        {'pm25': 2, 'pm10': 1}
    """
    counts: Counter[str] = Counter()
    for day in days:
        counts.update({pollutant_of(code) for code in day.primary_pollutants})
    order = {p: i for i, p in enumerate(HOURLY_PARAMETERS)}
    return dict(sorted(counts.items(), key=lambda item: (-item[1], order.get(item[0], 99))))


@dataclass(frozen=True, slots=True)
class AirPeriod:
    """Good days and means of a run of :class:`AirDay` s of one station or area.

    ``good_day_ratio`` = good days / days with a determined AQI (HJ 633: 优良天 AQI ≤ 100);
    ``pm25_mean`` is the mean of the valid daily PM2.5 values, ``aqi_mean`` of the AQI of the
    determined days.
    """

    days: int
    determined_days: int
    good_days: int
    good_day_ratio: float | None
    pm25_mean: float | None
    aqi_mean: float | None
    primary_counts: dict[str, int]


def summarise(days: Sequence[AirDay]) -> AirPeriod:
    """The :class:`AirPeriod` of ``days``.

    Examples:
        >>> days = air_days("X", "city", np.array(["2024-05-01", "2024-05-02"],
        ...     dtype="datetime64[D]"), {c: np.array([1.0, 1.0]) for c in INDICATORS}
        ...     | {"pm25_24h": np.array([80.0, 30.0])})
        >>> s = summarise(days)
        >>> s.good_days, s.determined_days, s.good_day_ratio, s.pm25_mean
        (1, 2, 0.5, 55.0)
    """
    determined = [d for d in days if d.determined]
    pm25 = [v for d in days if (v := d.values.get("pm25_24h")) is not None]
    aqis = [d.aqi for d in determined if d.aqi is not None]
    good = sum(d.good for d in determined)
    return AirPeriod(
        days=len(days),
        determined_days=len(determined),
        good_days=good,
        good_day_ratio=good / len(determined) if determined else None,
        pm25_mean=sum(pm25) / len(pm25) if pm25 else None,
        aqi_mean=sum(aqis) / len(aqis) if aqis else None,
        primary_counts=primary_pollutant_counts(days),
    )


@dataclass(frozen=True, slots=True)
class AirYear:
    """HJ 663 annual assessment of one station or area for a calendar year, with the good
    days, primary pollutants and the standards that judged it."""

    code: str
    scope: str
    year: int
    edition: str
    limits_standard: str
    assessment_standard: str
    aqi_standards: tuple[str, ...]
    stations: int
    days_with_data: int
    good_days: int
    determined_days: int
    good_day_ratio: float | None
    statistics: tuple[standard.AnnualStatistic, ...]
    pollutant_attains: dict[str, bool | None]
    attains: bool | None
    primary_counts: dict[str, int]
    synthetic: bool


def air_year(
    code: str,
    scope: str,
    area: AreaDaily,
    days: Sequence[AirDay],
    *,
    edition: str | None = None,
    stations: int,
    synthetic: bool = False,
) -> AirYear:
    """Wrap :func:`ecociv.standards.air.annual_assessment` of one calendar year of daily
    values (``area.days`` must lie in one year; ``edition`` is required for 2026)."""
    assessment = standard.annual_assessment(area.values, area.days, edition=edition)
    with_data = np.zeros(area.days.size, dtype=bool)
    for array in area.values.values():
        with_data |= ~np.isnan(array)
    return AirYear(
        code=code,
        scope=scope,
        year=assessment.year,
        edition=assessment.edition,
        limits_standard=assessment.limits_standard,
        assessment_standard=assessment.assessment_standard,
        aqi_standards=assessment.aqi_standards,
        stations=stations,
        days_with_data=int(with_data.sum()),
        good_days=assessment.good_days,
        determined_days=assessment.determined_days,
        good_day_ratio=assessment.good_day_ratio,
        statistics=assessment.statistics,
        pollutant_attains=assessment.pollutant_attains,
        attains=assessment.attains,
        primary_counts=primary_pollutant_counts(days),
        synthetic=synthetic,
    )


@dataclass(frozen=True, slots=True)
class CountyAirRank:
    """One county's air quality over a period and its rank (None: not ranked)."""

    rank: int | None
    county_code: str
    county_name_zh: str
    stations: int
    days: int
    determined_days: int
    good_days: int
    good_day_ratio: float | None
    pm25_mean: float | None
    aqi_mean: float | None
    primary_pollutant: tuple[str, ...]
    """The pollutant(s) most often primary (ties all listed); empty when none was."""
    primary_counts: dict[str, int]
    synthetic: bool


def county_entry(
    county_code: str,
    county_name_zh: str,
    days: Sequence[AirDay],
    *,
    stations: int,
    synthetic: bool = False,
) -> CountyAirRank:
    """An unranked :class:`CountyAirRank` from the county's area days (empty: no station)."""
    period = summarise(days)
    top = max(period.primary_counts.values(), default=0)
    return CountyAirRank(
        rank=None,
        county_code=county_code,
        county_name_zh=county_name_zh,
        stations=stations,
        days=period.days,
        determined_days=period.determined_days,
        good_days=period.good_days,
        good_day_ratio=period.good_day_ratio,
        pm25_mean=period.pm25_mean,
        aqi_mean=period.aqi_mean,
        primary_pollutant=tuple(p for p, n in period.primary_counts.items() if n == top and top),
        primary_counts=period.primary_counts,
        synthetic=synthetic,
    )


def rank_counties(entries: Iterable[CountyAirRank]) -> list[CountyAirRank]:
    """Rank counties by good-day ratio descending, then PM2.5 mean ascending (a missing mean
    after any value); equal on both share a rank (1, 2, 2, 4). Counties without a ratio are
    not ranked (rank None) and come last, by code.

    Examples:
        >>> e = [county_entry(c, c, [], stations=0) for c in ("A", "B", "C", "D")]
        >>> e = [replace(e[0], good_day_ratio=0.9, pm25_mean=30.0),
        ...      replace(e[1], good_day_ratio=0.95, pm25_mean=35.0),
        ...      replace(e[2], good_day_ratio=0.9, pm25_mean=30.0), e[3]]
        >>> [(r.county_code, r.rank) for r in rank_counties(e)]
        [('B', 1), ('A', 2), ('C', 2), ('D', None)]
    """

    def key(entry: CountyAirRank) -> tuple[float, float]:
        assert entry.good_day_ratio is not None
        pm25 = np.inf if entry.pm25_mean is None else entry.pm25_mean
        return (-entry.good_day_ratio, pm25)

    listed = list(entries)
    ranked = sorted(
        (e for e in listed if e.good_day_ratio is not None), key=lambda e: (key(e), e.county_code)
    )
    unranked = sorted((e for e in listed if e.good_day_ratio is None), key=lambda e: e.county_code)
    out: list[CountyAirRank] = []
    for position, entry in enumerate(ranked, start=1):
        rank = out[-1].rank if out and key(out[-1]) == key(entry) else position
        out.append(replace(entry, rank=rank))
    return out + [replace(e, rank=None) for e in unranked]
