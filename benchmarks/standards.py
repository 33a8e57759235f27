"""Throughput of the standards engine on large arrays, against simple references.

Run: .venv/bin/python benchmarks/standards.py [--rows 10000000] [--reference-rows 100000]

In one process: GB 3838 classes of N water samples (nh3n, tp, do, codmn) and HJ 633 daily
AQI of N rows (seven pollutants), vectorised; compared with (a) the time NumPy needs to read
the same arrays once (a sum over each column: a floor no classifier can beat) and (b) a
straightforward per-row Python implementation timed on ``--reference-rows`` rows and scaled to
N. Peak memory of the process is printed after each step (resource.getrusage).
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date

import numpy as np

from ecociv.standards import air, water

DAY = date(2025, 6, 1)  # HJ 633-2012 edition
AIR = ("so2_24h", "no2_24h", "pm10_24h", "pm25_24h", "co_24h", "o3_1h", "o3_8h")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(function, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def water_per_row(columns: dict[str, np.ndarray], rows: int) -> list[str]:  # type: ignore[type-arg]
    """One sample at a time through the same function (what a row loop would do)."""
    return [
        water.water_class({k: float(v[i]) for k, v in columns.items()}).labels.item()
        for i in range(rows)
    ]


def aqi_per_row(columns: dict[str, np.ndarray], rows: int) -> list[float]:  # type: ignore[type-arg]
    return [
        float(air.daily_aqi({k: float(v[i]) for k, v in columns.items()}, DAY).aqi[0])
        for i in range(rows)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--reference-rows", type=int, default=20_000)
    args = parser.parse_args()
    n, r = args.rows, args.reference_rows
    rng = np.random.default_rng(3838)
    water_columns = {
        "nh3n": rng.gamma(2.0, 0.4, n),
        "tp": rng.gamma(2.0, 0.06, n),
        "do": rng.uniform(2, 10, n),
        "codmn": rng.gamma(3.0, 1.5, n),
    }
    air_columns = {
        "so2_24h": rng.uniform(2, 60, n).round(),
        "no2_24h": rng.uniform(5, 90, n).round(),
        "pm10_24h": rng.uniform(10, 250, n).round(),
        "pm25_24h": rng.uniform(5, 180, n).round(),
        "co_24h": rng.uniform(0.2, 3, n).round(1),
        "o3_1h": rng.uniform(20, 300, n).round(),
        "o3_8h": rng.uniform(10, 250, n).round(),
    }
    print(
        f"rows: {n:,}; per-row reference timed on {r:,} rows and scaled; "
        f"peak memory after data: {peak_mb():,.0f} MB"
    )

    read_w, _ = timed(lambda: [c.sum() for c in water_columns.values()])
    vec_w, result = timed(water.water_class, water_columns)
    assert result.water_class.shape == (n,)
    row_w, _ = timed(water_per_row, water_columns, r)
    print("GB 3838 water class")
    print(
        f"  NumPy reads the {len(water_columns)} columns once: {read_w:8.3f} s "
        f"({n / read_w:,.0f} rows/s)"
    )
    print(
        f"  vectorised water_class:          {vec_w:8.3f} s ({n / vec_w:,.0f} rows/s), "
        f"peak {peak_mb():,.0f} MB"
    )
    print(f"  per-row Python (scaled from {r:,}): {row_w / r * n:8.1f} s ({r / row_w:,.0f} rows/s)")

    read_a, _ = timed(lambda: [c.sum() for c in air_columns.values()])
    vec_a, report = timed(air.daily_aqi, air_columns, DAY)
    assert report.aqi.shape == (n,)
    row_a, _ = timed(aqi_per_row, air_columns, r)
    print("HJ 633-2012 daily AQI")
    print(
        f"  NumPy reads the {len(air_columns)} columns once: {read_a:8.3f} s "
        f"({n / read_a:,.0f} rows/s)"
    )
    print(
        f"  vectorised daily_aqi:             {vec_a:8.3f} s ({n / vec_a:,.0f} rows/s), "
        f"peak {peak_mb():,.0f} MB"
    )
    print(f"  per-row Python (scaled from {r:,}): {row_a / r * n:8.1f} s ({r / row_a:,.0f} rows/s)")


if __name__ == "__main__":
    main()
