"""Hazardous-waste vehicle tracks: W08 gaps, stops, W06 corridor deviation and I12 coverage.

Run: .venv/bin/python benchmarks/waste_tracks.py [--trips 100000] [--fixes 100] [--sample 0.01]

In one process: synthetic tracks (seeded; not real vehicles) of ``--trips`` trips × ``--fixes``
fixes around Quzhou, about one a minute, with parked spells, dropped-signal gaps, GPS noise,
reported speeds (some unknown) and, on one trip in twenty, a detour 1.5 km off the planned
route; plus 100 manifests without any fix. Each planned route is the trip's own path sampled
every fifth fix. Then the four rules of ``ecociv.waste.rules.tracks`` run over all trips at
once (the ``*_many`` functions, default thresholds): W08 gaps, stops, W06 corridor deviation,
I12 coverage. Compared with (a) the time NumPy needs to read the same arrays once (a sum over
each: a floor) and (b) the same four rules written as plain Python loops, run trip by trip on
``--sample`` of the trips (every n-th), timed and scaled to all trips. The two implementations
must agree on the sample; mismatches are printed per rule. Peak memory is printed after each
step.
"""

from __future__ import annotations

import argparse
import math
import resource
import time

import numpy as np

from ecociv.waste.rules import tracks

ORIGIN = (118.87, 28.94)  # Quzhou, WGS-84
START = np.datetime64("2025-01-01T00:00:00", "s")
EMPTY_TRIPS = 100
ROUTE_EVERY = 5
_A = 6_378_137.0  # WGS-84
_E2 = 0.00669437999014


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Fleet:
    """Concatenated synthetic tracks, planned routes and transit windows."""

    def __init__(self, trips: int, fixes: int, seed: int = 7) -> None:
        rng = np.random.default_rng(seed)
        shape = (trips, fixes)
        column = np.arange(fixes)
        step_s = 60 + rng.integers(-5, 6, size=shape)
        dropped = rng.random(shape) < 0.01  # signal lost for 5–25 minutes
        step_s = step_s + dropped * rng.integers(5 * 60, 25 * 60, size=shape)
        step_s[:, 0] = 0
        departure = rng.integers(0, 30 * 86_400, size=trips)
        seconds = departure[:, None] + np.cumsum(step_s, axis=1)

        parked = np.zeros(shape, dtype=bool)
        for _ in range(2):  # up to two parked spells of 3–45 minutes
            active = rng.random(trips) < 0.5
            first = rng.integers(0, fixes, size=trips)
            length = rng.integers(3, 46, size=trips)
            parked |= (
                active[:, None] & (column >= first[:, None]) & (column < (first + length)[:, None])
            )
        heading = rng.uniform(0, 2 * np.pi, size=(trips, 1)) + np.cumsum(
            rng.normal(0, 0.15, size=shape), axis=1
        )
        kmh = rng.uniform(30, 90, size=(trips, 1)) + rng.normal(0, 3, size=shape)
        metres = np.where(parked, 0.0, kmh / 3.6 * step_s)
        east = np.cumsum(metres * np.sin(heading), axis=1)
        north = np.cumsum(metres * np.cos(heading), axis=1)
        start_east = rng.uniform(-40_000, 40_000, size=(trips, 1))
        start_north = rng.uniform(-40_000, 40_000, size=(trips, 1))
        east += start_east
        north += start_north

        # the planned route: the path itself, every fifth fix and the last
        vertex = np.r_[np.arange(0, fixes, ROUTE_EVERY), fixes - 1]
        route_lon, route_lat = _to_degrees(east[:, vertex], north[:, vertex])

        detour = rng.random(trips) < 0.05
        detour_first = rng.integers(10, max(11, fixes - 30), size=trips)
        detour_length = rng.integers(5, 21, size=trips)
        off = (
            detour[:, None]
            & (column >= detour_first[:, None])
            & (column < (detour_first + detour_length)[:, None])
        )
        north = north + off * 1500.0 + rng.normal(0, 5, size=shape)
        east = east + rng.normal(0, 5, size=shape)
        lon, lat = _to_degrees(east, north)
        speed = np.where(parked, np.abs(rng.normal(0, 1, size=shape)), kmh)
        speed[rng.random(shape) < 0.01] = np.nan

        n = trips * fixes
        self.fixes = n
        self.trips = trips + EMPTY_TRIPS
        self.times = START + seconds.reshape(-1).astype("timedelta64[s]")
        self.lon = lon.reshape(-1)
        self.lat = lat.reshape(-1)
        self.speed = speed.reshape(-1)
        self.offsets = np.r_[np.arange(trips + 1) * fixes, np.full(EMPTY_TRIPS, n)]
        width = vertex.size
        self.route_width = width
        empty_lon, empty_lat = np.full(EMPTY_TRIPS, ORIGIN[0]), np.full(EMPTY_TRIPS, ORIGIN[1])
        self.route_lon = np.r_[route_lon.reshape(-1), empty_lon]
        self.route_lat = np.r_[route_lat.reshape(-1), empty_lat]
        self.route_offsets = np.r_[
            np.arange(trips + 1) * width, trips * width + 1 + np.arange(EMPTY_TRIPS)
        ]
        lead = rng.integers(0, 15 * 60, size=trips)
        trail = rng.integers(0, 15 * 60, size=trips)
        empty_start = rng.integers(0, 30 * 86_400, size=EMPTY_TRIPS)
        empty_length = rng.integers(10 * 60, 300 * 60, size=EMPTY_TRIPS)
        self.starts = START + np.r_[seconds[:, 0] - lead, empty_start].astype("timedelta64[s]")
        self.ends = START + np.r_[seconds[:, -1] + trail, empty_start + empty_length].astype(
            "timedelta64[s]"
        )


def _to_degrees(east: np.ndarray, north: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lat = ORIGIN[1] + np.degrees(north / tracks.EARTH_RADIUS_M)
    lon = ORIGIN[0] + np.degrees(east / (tracks.EARTH_RADIUS_M * math.cos(math.radians(ORIGIN[1]))))
    return lon, lat


# ---- the same rules, one trip at a time, in plain Python --------------------------------------


def py_gaps(t: list[int], start: int, end: int, limit_s: float) -> list[tuple[int, int, bool]]:
    inside = [v for v in t if start <= v <= end]
    if not inside:
        return [(start, end, True)]
    edges = [start, *inside, end]
    return [(a, b, False) for a, b in zip(edges[:-1], edges[1:], strict=True) if b - a > limit_s]


def py_coverage(t: list[int], start: int, end: int, limit_s: float) -> float:
    missing = sum(b - a for a, b, _ in py_gaps(t, start, end, limit_s))
    return (end - start - missing) / 60.0


def haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * tracks.EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


def py_stops(
    t: list[int], lon: list[float], lat: list[float], speed: list[float]
) -> list[tuple[int, int]]:
    radius, min_s = tracks.STOP_RADIUS_M, math.ceil(tracks.STOP_MIN_MINUTES * 60)
    moving = [v > tracks.STOP_MAX_SPEED_KMH for v in speed]  # NaN compares False: unknown
    stops, i, n = [], 0, len(t)
    while i < n:
        if moving[i]:
            i += 1
            continue
        j = i + 1
        while j < n and not moving[j] and haversine(lon[i], lat[i], lon[j], lat[j]) <= radius:
            j += 1
        if t[j - 1] - t[i] >= min_s:
            stops.append((i, j - 1))
            i = j
        else:
            i += 1
    return stops


def _radii(phi: float) -> tuple[float, float]:
    w = 1.0 - _E2 * math.sin(phi) ** 2
    return _A / math.sqrt(w) * math.cos(phi), _A * (1.0 - _E2) / (w * math.sqrt(w))


def py_offset(lon: float, lat: float, route_lon: list[float], route_lat: list[float]) -> float:
    phi, lam = math.radians(lat), math.radians(lon)
    east, north = _radii(phi)
    xs = [east * ((math.radians(v) - lam + math.pi) % (2 * math.pi) - math.pi) for v in route_lon]
    ys = [north * (math.radians(v) - phi) for v in route_lat]
    best, foot = math.inf, (xs[0], ys[0])
    for k in range(len(xs) - 1):
        x0, y0 = xs[k], ys[k]
        dx, dy = xs[k + 1] - x0, ys[k + 1] - y0
        length2 = dx * dx + dy * dy
        along = 0.0 if length2 <= 0 else min(1.0, max(0.0, -(x0 * dx + y0 * dy) / length2))
        px, py = x0 + along * dx, y0 + along * dy
        if px * px + py * py < best:
            best, foot = px * px + py * py, (px, py)
    d_lam, d_phi = foot[0] / east, foot[1] / north
    east_m, north_m = _radii(phi + d_phi / 2)
    return math.hypot(east_m * d_lam, north_m * d_phi)


def py_deviations(
    t: list[int], lon: list[float], lat: list[float], route_lon: list[float], route_lat: list[float]
) -> list[tuple[int, int, float]]:
    limit_m, limit_s = tracks.CORRIDOR_OFFSET_M, tracks.CORRIDOR_MINUTES * 60
    found, run = [], None
    for i in range(len(t) + 1):
        d = py_offset(lon[i], lat[i], route_lon, route_lat) if i < len(t) else 0.0
        if d > limit_m:
            run = (i, i, d) if run is None else (run[0], i, max(run[2], d))
        elif run is not None:
            if t[run[1]] - t[run[0]] > limit_s:
                found.append(run)
            run = None
    return found


# ---- run --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trips", type=int, default=100_000)
    parser.add_argument("--fixes", type=int, default=100)
    parser.add_argument("--sample", type=float, default=0.01)
    args = parser.parse_args()
    started = time.perf_counter()
    fleet = Fleet(args.trips, args.fixes)
    print(
        f"track fixes: {fleet.fixes:,} ({args.trips:,} trips × {args.fixes} fixes, synthetic; "
        f"plus {EMPTY_TRIPS} manifests without fixes); generated in "
        f"{time.perf_counter() - started:.1f} s; peak {peak_mb():.0f} MB"
    )

    started = time.perf_counter()
    arrays = (fleet.times.astype(np.int64), fleet.lon, fleet.lat, fleet.speed)
    checksum = sum(float(np.nansum(a)) for a in arrays)
    read_s = time.perf_counter() - started
    print(f"NumPy reads the arrays once (floor):  {read_s:8.2f} s  (checksum {checksum:.3e})")

    timings: dict[str, float] = {}
    started = time.perf_counter()
    gaps = tracks.gps_gaps_many(fleet.times, fleet.offsets, fleet.starts, fleet.ends)
    timings["W08 gaps"] = time.perf_counter() - started
    print(
        f"W08 gaps:                             {timings['W08 gaps']:8.2f} s; {len(gaps):,} gaps "
        f"({int(gaps.no_track.sum())} without any fix); peak {peak_mb():.0f} MB"
    )

    started = time.perf_counter()
    stops = tracks.derive_stops_many(fleet.times, fleet.lon, fleet.lat, fleet.offsets, fleet.speed)
    timings["stops"] = time.perf_counter() - started
    long_stops = int((stops.minutes > tracks.ABNORMAL_STOP_MINUTES).sum())
    print(
        f"stops:                                {timings['stops']:8.2f} s; {len(stops):,} stops "
        f"({long_stops:,} over 30 min); peak {peak_mb():.0f} MB"
    )

    started = time.perf_counter()
    deviations = tracks.corridor_deviation_many(
        fleet.lon,
        fleet.lat,
        fleet.times,
        fleet.offsets,
        fleet.route_lon,
        fleet.route_lat,
        fleet.route_offsets,
    )
    timings["W06 corridor"] = time.perf_counter() - started
    print(
        f"W06 corridor deviation:               {timings['W06 corridor']:8.2f} s; "
        f"{len(deviations):,} deviations on {np.unique(deviations.trip).size:,} trips "
        f"(route {fleet.route_width} vertices a trip); peak {peak_mb():.0f} MB"
    )

    started = time.perf_counter()
    coverage = tracks.tracking_coverage_many(fleet.times, fleet.offsets, fleet.starts, fleet.ends)
    timings["I12 coverage"] = time.perf_counter() - started
    city = coverage.covered_minutes.sum() / coverage.transit_minutes.sum()
    print(
        f"I12 coverage:                         {timings['I12 coverage']:8.2f} s; "
        f"city coverage {city:.2%}; peak {peak_mb():.0f} MB"
    )

    every = max(1, round(1 / args.sample))
    sample = list(range(0, fleet.trips, every))
    reference = dict.fromkeys(timings, 0.0)
    mismatches = dict.fromkeys(timings, 0)
    t_all = fleet.times.astype(np.int64)
    start_all, end_all = fleet.starts.astype(np.int64), fleet.ends.astype(np.int64)
    limit_s = tracks.GPS_GAP_MINUTES * 60
    for k in sample:
        a, b = int(fleet.offsets[k]), int(fleet.offsets[k + 1])
        ra, rb = int(fleet.route_offsets[k]), int(fleet.route_offsets[k + 1])

        clock = time.perf_counter()
        t = t_all[a:b].tolist()
        got_gaps = py_gaps(t, int(start_all[k]), int(end_all[k]), limit_s)
        reference["W08 gaps"] += time.perf_counter() - clock

        clock = time.perf_counter()
        t, lon, lat, speed = (x[a:b].tolist() for x in (t_all, fleet.lon, fleet.lat, fleet.speed))
        got_stops = py_stops(t, lon, lat, speed)
        reference["stops"] += time.perf_counter() - clock

        clock = time.perf_counter()
        t, lon, lat = (x[a:b].tolist() for x in (t_all, fleet.lon, fleet.lat))
        route_lon, route_lat = fleet.route_lon[ra:rb].tolist(), fleet.route_lat[ra:rb].tolist()
        got_deviations = py_deviations(t, lon, lat, route_lon, route_lat)
        reference["W06 corridor"] += time.perf_counter() - clock

        clock = time.perf_counter()
        t = t_all[a:b].tolist()
        got_coverage = py_coverage(t, int(start_all[k]), int(end_all[k]), limit_s)
        reference["I12 coverage"] += time.perf_counter() - clock

        rows = gaps.trip == k
        want_gaps = list(
            zip(
                gaps.start[rows].astype(np.int64).tolist(),
                gaps.end[rows].astype(np.int64).tolist(),
                gaps.no_track[rows].tolist(),
                strict=True,
            )
        )
        mismatches["W08 gaps"] += want_gaps != got_gaps
        rows = stops.trip == k
        want_stops = list(
            zip(
                (stops.first_fix[rows] - a).tolist(),
                (stops.last_fix[rows] - a).tolist(),
                strict=True,
            )
        )
        mismatches["stops"] += want_stops != got_stops
        rows = deviations.trip == k
        want_deviations = list(
            zip(
                (deviations.first_fix[rows] - a).tolist(),
                (deviations.last_fix[rows] - a).tolist(),
                deviations.max_offset_m[rows].tolist(),
                strict=True,
            )
        )
        mismatches["W06 corridor"] += len(want_deviations) != len(got_deviations) or any(
            w[:2] != g[:2] or abs(w[2] - g[2]) > 1e-6
            for w, g in zip(want_deviations, got_deviations, strict=False)
        )
        mismatches["I12 coverage"] += abs(coverage.covered_minutes[k] - got_coverage) > 1e-9

    scale = fleet.trips / len(sample)
    reference = {rule: seconds * scale for rule, seconds in reference.items()}
    print(
        f"per-trip Python reference:            {sum(reference.values()):8.2f} s (timed on "
        f"{len(sample):,} trips, every {every}th, scaled); mismatches "
        + ", ".join(f"{rule} {count}" for rule, count in mismatches.items())
    )

    print()
    print(f"{'rule':<14}{'vectorised fixes/s':>20}{'Python fixes/s':>18}{'ratio':>9}")
    for rule, seconds in timings.items():
        fast, slow = fleet.fixes / seconds, fleet.fixes / reference[rule]
        print(f"{rule:<14}{fast:>20,.0f}{slow:>18,.0f}{fast / slow:>8.0f}×")
    total = sum(timings.values())
    reference_total = sum(reference.values())
    print()
    print(f"vectorised: {fleet.fixes / total:14,.0f} fixes/s (gaps + stops + corridor + coverage)")
    print(f"floor:      {fleet.fixes / read_s:14,.0f} fixes/s (NumPy reading the arrays once)")
    print(f"reference:  {fleet.fixes / reference_total:14,.0f} fixes/s (Python loops, same rules)")
    print(f"peak memory: {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
