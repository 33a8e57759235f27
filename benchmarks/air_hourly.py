"""From hourly air records to daily AQI: GB 3095 validity, O3 8-h windows and HJ 633 AQI.

Run: .venv/bin/python benchmarks/air_hourly.py [--records 10000000] [--reference-days 2000]

In one process: N hourly records (six parameters: SO2, NO2, PM10, PM2.5, CO, O3; about one
in fifty missing) for as many station-days as make N, placed on the hourly grid the services
use; then (1) daily values with validity (24-h means ≥ 20 hours, 8-h means ≥ 6 hours, daily
maximum 8-h ≥ 14 windows, daily maximum 1-h) by ``monitoring.rules.air.station_daily`` and
(2) the daily AQI of every station-day by ``standards.air.daily_aqi``. Compared with (a) the
time NumPy needs to read the same arrays once (a sum over each: a floor) and (b) a
straightforward per-station-day Python implementation of the same daily values timed on
``--reference-days`` station-days and scaled to N. Peak memory is printed after each step.
"""

from __future__ import annotations

import argparse
import math
import resource
import time
from datetime import date

import numpy as np

from ecociv.monitoring.rules import air as rules
from ecociv.standards import air as hj633

DAYS = 365
START = date(2025, 1, 1)  # HJ 633-2012 edition throughout


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def grid_for(records: int) -> rules.HourlyGrid:
    stations = max(1, round(records / (len(rules.HOURLY_PARAMETERS) * DAYS * 24)))
    rng = np.random.default_rng(3)
    days = rules.day_range(START, date(2025, 12, 31))
    shape = (stations, DAYS * 24)
    hour = np.arange(DAYS * 24) % 24
    values = {}
    for parameter in rules.HOURLY_PARAMETERS:
        base = rng.gamma(4.0, 10.0, size=shape)
        if parameter == "o3":
            base = base * (1.0 + 0.8 * np.sin((hour - 9) / 24 * 2 * math.pi).clip(0))
        if parameter == "co":
            base = base / 40
        base[rng.random(shape) < 0.02] = np.nan
        values[parameter] = base
    return rules.HourlyGrid(tuple(f"S{i:04d}" for i in range(stations)), days, values)


def python_daily(hourly: dict[str, list[float]]) -> dict[str, float]:
    """One station-day by plain loops: what a row-by-row implementation would do."""
    out: dict[str, float] = {}
    for parameter in ("so2", "no2", "pm10", "pm25", "co"):
        present = [v for v in hourly[parameter][24:48] if not math.isnan(v)]
        out[parameter] = sum(present) / len(present) if len(present) >= 20 else math.nan
    o3 = hourly["o3"]
    windows = []
    for end in range(24 + 7, 48):
        present = [v for v in o3[end - 7 : end + 1] if not math.isnan(v)]
        if len(present) >= 6:
            windows.append(sum(present) / len(present))
    out["o3_8h"] = max(windows) if len(windows) >= 14 else math.nan
    day = [v for v in o3[24:48] if not math.isnan(v)]
    out["o3_1h"] = max(day) if len(day) >= 20 else math.nan
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--reference-days", type=int, default=2000)
    args = parser.parse_args()
    grid = grid_for(args.records)
    n = len(grid.sites) * grid.days.size * 24 * len(rules.HOURLY_PARAMETERS)
    print(
        f"hourly records: {n:,} ({len(grid.sites)} stations × {DAYS} days × 24 h × "
        f"{len(rules.HOURLY_PARAMETERS)} parameters); peak {peak_mb():.0f} MB"
    )

    started = time.perf_counter()
    floor = sum(float(np.nansum(v)) for v in grid.values.values())
    read_s = time.perf_counter() - started
    print(f"NumPy reads the arrays once (floor):  {read_s:8.2f} s  (checksum {floor:.3e})")

    started = time.perf_counter()
    daily = rules.station_daily(grid)
    daily_s = time.perf_counter() - started
    print(f"daily values with validity:          {daily_s:8.2f} s; peak {peak_mb():.0f} MB")

    started = time.perf_counter()
    flat = {code: v.reshape(-1) for code, v in daily.values.items()}
    report = hj633.daily_aqi(flat, START)
    aqi_s = time.perf_counter() - started
    station_days = report.aqi.size
    print(
        f"daily AQI of {station_days:,} station-days:  {aqi_s:8.2f} s; "
        f"peak {peak_mb():.0f} MB; good days {int(report.good.sum()):,}"
    )

    sample = min(args.reference_days, station_days - len(grid.sites))
    started = time.perf_counter()
    mismatches = 0
    for k in range(sample):
        station, day = divmod(k, DAYS - 1)
        window = slice(day * 24, day * 24 + 48)  # the day before (unused) and the day
        hourly = {p: grid.values[p][station, window].tolist() for p in rules.HOURLY_PARAMETERS}
        got = python_daily(hourly)
        want = daily.values["pm25_24h"][station, day + 1]
        if not (math.isnan(got["pm25"]) and math.isnan(want)) and abs(got["pm25"] - want) > 1e-9:
            mismatches += 1
    reference_s = (time.perf_counter() - started) / max(sample, 1) * station_days
    print(
        f"per-station-day Python reference:    {reference_s:8.2f} s (timed on {sample:,} "
        f"station-days, scaled; PM2.5 mismatches {mismatches})"
    )
    total = daily_s + aqi_s
    print()
    print(f"vectorised: {n / total:14,.0f} hourly records/s (validity + daily AQI)")
    print(f"floor:      {n / read_s:14,.0f} records/s (NumPy reading the arrays once)")
    print(f"reference:  {n / reference_s:14,.0f} records/s (Python loops, daily values only)")
    print(f"peak memory: {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
