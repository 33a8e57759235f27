"""Load and aggregation speed of the DuckDB readings store, against its Python reference.

Run: .venv/bin/python benchmarks/readings_store.py [--stations 20] [--days 365]

In one process, on a temporary store: hourly readings of six air parameters for N stations
over D days (20 × 365 × 24 × 6 = 1,051,200 rows by default) are loaded in one ``load`` call,
then loaded again (every row unchanged: the idempotent path); daily, monthly and annual means
are computed in SQL; the same daily means are computed by the Python reference
(``ecociv.monitoring.rules.daily_means``) on the same rows and both results are compared.
Peak memory of the process is printed at the end.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from ecociv.adapters.readings import ReadingRow, ReadingsStore
from ecociv.monitoring import rules

PARAMETERS = ("so2", "no2", "pm10", "pm25", "co", "o3")


def rows_for(stations: int, days: int) -> list[ReadingRow]:
    rng = np.random.default_rng(7)
    start = datetime(2025, 1, 1, tzinfo=UTC) - timedelta(hours=8)  # local midnight
    hours = [start + timedelta(hours=h) for h in range(days * 24)]
    out: list[ReadingRow] = []
    number = 1
    for s in range(stations):
        for parameter in PARAMETERS:
            values = rng.gamma(4.0, 10.0, size=len(hours)).round(1)
            for moment, value in zip(hours, values, strict=True):
                number += 1
                out.append(ReadingRow(number, f"AIR-{s:03d}", parameter, moment, float(value)))
    return out


def timed(label: str, function, *args, **kwargs):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = function(*args, **kwargs)
    elapsed = time.perf_counter() - started
    print(f"{label:<44} {elapsed:8.2f} s")
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    rows = rows_for(args.stations, args.days)
    n = len(rows)
    print(f"rows: {n:,} ({args.stations} stations × {args.days} days × 24 h × 6 parameters)")
    with tempfile.TemporaryDirectory() as folder:
        store = ReadingsStore(Path(folder) / "bench.duckdb")
        now = datetime.now(UTC)
        first, result = timed("load (all new)", store.load, rows, "bench", "bench", loaded_at=now)
        assert result.inserted == n
        again, result = timed(
            "load again (all unchanged)", store.load, rows, "b", "b", loaded_at=now
        )
        assert result.unchanged == n
        daily_s, daily = timed("daily means in SQL (DuckDB)", store.daily)
        timed("monthly means in SQL (DuckDB)", store.monthly)
        timed("annual means in SQL (DuckDB)", store.annual)
        observations = [(r.site_code, r.parameter, r.observed_at, r.value) for r in rows]
        reference_s, reference = timed(
            "daily means, Python reference", rules.daily_means, observations
        )
        assert len(daily) == len(reference)
        worst = max(abs(a[3] - b.mean) for a, b in zip(daily, reference, strict=True))
        print(f"daily rows: {len(daily):,}; largest difference SQL vs reference: {worst:.2e}")
    print()
    print(f"load:      {n / first:12,.0f} rows/s new, {n / again:12,.0f} rows/s unchanged")
    print(f"aggregate: {n / daily_s:12,.0f} rows/s SQL daily means")
    print(
        f"reference: {n / reference_s:12,.0f} rows/s Python daily means "
        f"(SQL is {reference_s / daily_s:.1f}× faster)"
    )
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
