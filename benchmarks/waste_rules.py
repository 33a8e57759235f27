"""Hazardous-waste warning rules at scale: the manifest scan (W02, W03, W04, W12, W13, W19, W20,
W21) and the track rules (W06, W07, W08).

Run: .venv/bin/python benchmarks/waste_rules.py [--manifests 1000000] [--fixes 10000000]
     [--fixes-per-trip 100] [--budget 120] [--track-sample 0.01]

In one process, all data synthetic and seeded (not real units or vehicles):

1. ``--manifests`` manifests as column arrays (states, times over the 120 days before "now",
   1–3 lines each with weighed quantities in grams, county adcodes, planned routes, 5,000
   vehicles, 20,000 consignors), evaluated at once by
   ``warnings.evaluate_manifest_columns``. Compared with the per-manifest reference
   (``warnings.manifest_column_flags``: the plain-Python rule functions on ``ManifestFacts``),
   run manifest by manifest: first on a random 2 % sample; if that projects the reference's
   evaluation of all manifests under ``--budget`` seconds the rest follows, otherwise the
   sample's time is scaled to all manifests. Building the facts objects (what a loader does)
   is timed apart from evaluating them and not counted as the reference's time. Every manifest
   the reference sees is compared rule by rule with the vectorised result.
2. ``--fixes`` GPS fixes (trips of ``--fixes-per-trip`` fixes about a minute apart, with
   dropped-signal gaps, parked spells and, on one trip in twenty, a detour 1.5 km off the
   planned route), evaluated for all trips at once with the ``*_many`` functions of
   ``waste.rules.tracks`` (W08 gaps, stops → W07 against each trip's two whitelisted sites,
   W06 corridor). Compared with ``warnings.evaluate_track`` trip by trip on
   ``--track-sample`` of the trips (every n-th), timed and scaled; the two must agree.

A floor (NumPy reading the arrays once) is printed for each part; peak memory after each step.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from ecociv.waste.model import (
    Manifest,
    ManifestLine,
    ManifestState,
    PartyRole,
    TransportLeg,
    WasteKind,
)
from ecociv.waste.rules import tracks
from ecociv.waste.rules import warnings as w
from ecociv.waste.rules.workdays import CHINA_CALENDAR

S = ManifestState
NOW = datetime(2025, 10, 20, 6, 0, tzinfo=UTC)  # 14:00 in Quzhou
NOW_S = int(NOW.timestamp())
DAY = 86_400
LOCAL = 8 * 3600
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
VEHICLES = 5_000
CONSIGNORS = 20_000
COUNTIES = np.array([330802, 330803, 330822, 330824, 330825, 330881])
NEIGHBOURS = np.array([330702, 330106, 331102, 341002, 350702, 361102])
FAR = np.array([320102, 360102, 310101])
HAZARDOUS_CODES = ("900-249-08", "900-041-49", "900-052-31", "772-002-18", "336-064-17")
GENERAL_CODES = ("SW01", "SW07")
STATES = (
    (S.DRAFT, 0.03),
    (S.SUBMITTED, 0.05),
    (S.IN_TRANSIT, 0.05),
    (S.DELIVERED, 0.07),
    (S.ACCEPTED, 0.05),
    (S.PARTIALLY_ACCEPTED, 0.01),
    (S.REJECTED, 0.01),
    (S.CLOSED, 0.30),
    (S.DISPOSED, 0.38),
    (S.CANCELLED, 0.03),
    (S.PAPER_BACKFILL, 0.02),
)
ORIGIN = (118.87, 28.94)  # Quzhou, WGS-84
ROUTE_EVERY = 5


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def code(state: ManifestState) -> int:
    return w.STATE_CODE[state]


# ---- part 1: manifests -------------------------------------------------------------------------


class Workdays:
    """Working days as a sorted array of day numbers, to add working days to many days."""

    def __init__(self, first: int, last: int) -> None:
        days = np.arange(first, last + 1)
        worked = [
            CHINA_CALENDAR.is_workday(date(1970, 1, 1) + timedelta(days=int(d))) for d in days
        ]
        self.days = days[np.array(worked, dtype=bool)]

    def add(self, day: np.ndarray, n: int) -> np.ndarray:
        """The n-th working day after each day (n ≥ 1)."""
        return self.days[np.searchsorted(self.days, day, side="right") + n - 1]


class Manifests:
    """Synthetic manifests as the columns of ``warnings.MANIFEST_COLUMNS``."""

    def __init__(self, n: int, seed: int = 11) -> None:
        rng = np.random.default_rng(seed)
        self.n = n
        names, weights = zip(*STATES, strict=True)
        pick = rng.choice(len(names), size=n, p=np.array(weights) / sum(weights))
        state = np.array([code(names[k]) for k in range(len(names))])[pick]
        self.state = state.astype(np.int8)
        is_ = {s: state == code(s) for s, _ in STATES}
        self.kind = (rng.random(n) < 0.08).astype(np.int8)  # general solid waste

        # each manifest's latest event lies ``age`` before now; the earlier ones step back
        level = np.full(n, 0)
        age = rng.integers(0, 40 * DAY, size=n)  # submitted, cancelled
        level[is_[S.DRAFT]] = -1
        for states, lvl, oldest in (
            ((S.IN_TRANSIT,), 1, 8 * 3600),
            ((S.DELIVERED,), 2, 12 * DAY),
            ((S.ACCEPTED, S.PARTIALLY_ACCEPTED, S.REJECTED, S.PAPER_BACKFILL), 2, 60 * DAY),
            ((S.CLOSED,), 3, 150 * DAY),
            ((S.DISPOSED,), 3, 120 * DAY),
        ):
            rows = np.isin(state, [code(x) for x in states])
            level[rows] = lvl
            age[rows] = rng.integers(0, oldest, size=int(rows.sum()))
        anchor = NOW_S - age
        t2 = np.where(level == 3, anchor - rng.integers(3600, 5 * DAY, size=n), anchor)
        t1 = np.where(level >= 2, t2 - rng.integers(1800, 6 * 3600, size=n), anchor)
        t0 = np.where(level >= 1, t1 - rng.integers(3600, 3 * DAY, size=n), anchor)
        none = np.full(n, w.NO_TIME, dtype=np.int64)
        self.submitted = np.where(level >= 0, t0, none)
        self.departed = np.where(level >= 1, t1, none)
        self.delivered = np.where(level >= 2, t2, none)
        self.closed = np.where(level == 3, anchor, none)
        arrived = level >= 2

        table = Workdays(int((NOW_S + LOCAL) // DAY) - 200, int((NOW_S + LOCAL) // DAY) + 40)
        local_day = (self.delivered + LOCAL) // DAY
        has = arrived
        self.due = none.copy()
        self.prewarn = none.copy()
        self.due[has] = table.add(local_day[has], 5)
        self.prewarn[has] = table.add(local_day[has], 4)

        self.eta = np.where(rng.random(n) < 0.05, np.nan, rng.uniform(20, 240, size=n))
        km = rng.lognormal(np.log(40), 0.7, size=n)
        self.route_km = np.where(rng.random(n) < 0.03, np.nan, np.round(km, 1))
        self.consignor_ad = np.where(
            rng.random(n) < 0.95, rng.choice(COUNTIES, n), rng.choice(NEIGHBOURS, n)
        )
        r = rng.random(n)
        receiver = np.where(r < 0.85, rng.choice(COUNTIES, n), rng.choice(NEIGHBOURS, n))
        receiver = np.where(r > 0.93, rng.choice(FAR, n), receiver)
        self.receiver_ad = np.where(r > 0.97, 0, receiver)
        self.approved = rng.random(n) < 0.01
        self.has_return = is_[S.REJECTED] & (rng.random(n) < 0.5)
        self.vehicle = np.where(level >= 1, rng.integers(0, VEHICLES, n), -1)
        self.consignor = rng.integers(0, CONSIGNORS, n)

        lines = rng.integers(1, 4, size=n)
        self.line_manifest = np.repeat(np.arange(n), lines)
        m = self.line_manifest.size
        hazardous = self.kind[self.line_manifest] == 0
        self.line_code = np.where(
            hazardous,
            rng.integers(0, len(HAZARDOUS_CODES), m),
            rng.integers(0, len(GENERAL_CODES), m),
        )
        shipped = rng.integers(50_000, 30_000_000, size=m)  # 0.05 t to 30 t, in grams
        received = np.round(shipped * (1 + rng.normal(0, 0.045, size=m))).astype(np.int64)
        edge = rng.random(m)
        received = np.where(edge < 0.01, shipped + shipped // 10, received)  # exactly +10 %
        received = np.where((edge >= 0.01) & (edge < 0.02), shipped - shipped // 10, received)
        weighed = np.isin(
            self.state[self.line_manifest],
            [code(s) for s in (S.ACCEPTED, S.PARTIALLY_ACCEPTED, S.REJECTED, S.CLOSED, S.DISPOSED)],
        )
        self.line_shipped = shipped
        self.line_received = np.where(weighed, np.maximum(received, 0), -1)
        self.line_count = rng.integers(1, 41, size=m)
        counted = np.where(rng.random(m) < 0.02, self.line_count + 1, self.line_count)
        self.line_counted = np.where(weighed & (rng.random(m) < 0.7), counted, -1)
        exempt_code = np.array(
            [w.transport_exempt([c], WasteKind.HAZARDOUS) for c in HAZARDOUS_CODES]
        )
        line_exempt = hazardous & exempt_code[np.where(hazardous, self.line_code, 0)]
        self.exempt = np.bincount(self.line_manifest, weights=~line_exempt, minlength=n) == 0
        self.line_start = np.r_[0, np.cumsum(lines)]

    def columns(self) -> dict[str, np.ndarray]:
        return {
            "state": self.state,
            "waste_kind": self.kind,
            "submitted_s": self.submitted,
            "departed_s": self.departed,
            "closed_s": self.closed,
            "receipt_prewarn_day": self.prewarn,
            "receipt_due_day": self.due,
            "eta_min": self.eta,
            "route_km": self.route_km,
            "transport_exempt": self.exempt,
            "consignor_adcode": self.consignor_ad,
            "receiver_adcode": self.receiver_ad,
            "out_of_city_approved": self.approved,
            "has_return": self.has_return,
            "vehicle": self.vehicle,
            "consignor": self.consignor,
            "line_manifest": self.line_manifest,
            "line_shipped_g": self.line_shipped,
            "line_received_g": self.line_received,
            "line_count": self.line_count,
            "line_received_count": self.line_counted,
        }

    def neighbours(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For W19 facts: departures sorted by (vehicle, time), and each row's window of
        same-vehicle departures within a day (positions in that order)."""
        ok = np.flatnonzero((self.vehicle >= 0) & (self.departed != w.NO_TIME))
        key = self.vehicle[ok] * (1 << 40) + (self.departed[ok] - NOW_S + (1 << 39))
        order = np.argsort(key, kind="stable")
        rows, key = ok[order], key[order]
        lo = np.full(self.n, 0, dtype=np.int64)
        hi = np.full(self.n, 0, dtype=np.int64)
        lo[rows] = np.searchsorted(key, key - DAY, side="left")
        hi[rows] = np.searchsorted(key, key + DAY, side="right")
        return rows, lo, hi


def instant(seconds: int) -> datetime | None:
    return None if seconds == w.NO_TIME else EPOCH + timedelta(seconds=int(seconds))


def number(i: int) -> str:
    return f"{2024 + i // 999_999}3308{i % 999_999 + 1:06d}"


def uscc(k: int) -> str:
    return f"91330800MA{k:08d}"


STATE_OF = {code(s): s for s in ManifestState}
KIND_OF = {v: k for k, v in w.WASTE_KIND_CODE.items()}


def facts_of(
    data: Manifests, i: int, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> w.ManifestFacts:
    """Row ``i`` as the facts a service would load."""
    kind = KIND_OF[int(data.kind[i])]
    codes = HAZARDOUS_CODES if kind is WasteKind.HAZARDOUS else GENERAL_CODES
    lines = []
    for k, j in enumerate(range(int(data.line_start[i]), int(data.line_start[i + 1]))):
        received = int(data.line_received[j])
        counted = int(data.line_counted[j])
        lines.append(
            ManifestLine(
                line_no=k + 1,
                code=codes[int(data.line_code[j])],
                name="废物",
                category="",
                hazard="",
                form="固态",
                packaging="吨袋",
                package_count=int(data.line_count[j]),
                planned_t=Decimal(int(data.line_shipped[j])).scaleb(-6),
                shipped_t=Decimal(int(data.line_shipped[j])).scaleb(-6),
                received_t=None if received < 0 else Decimal(received).scaleb(-6),
                received_count=None if counted < 0 else counted,
            )
        )
    departed = instant(data.departed[i])
    vehicle = int(data.vehicle[i])
    legs = ()
    if departed is not None and vehicle >= 0:
        legs = (
            TransportLeg(1, "91330803MA28C0001W", f"浙H{vehicle:05d}", "C", (), "厂区", departed),
        )
    m = Manifest(
        number=number(i),
        version=1,
        state=STATE_OF[int(data.state[i])],
        waste_kind=kind,
        consignor_uscc=uscc(int(data.consignor[i])),
        consignor_role=PartyRole.GENERATOR,
        receiver_uscc="91330881MA29R00026",
        carrier_uscc="91330803MA28C0001W",
        lines=tuple(lines),
        created_at=NOW - timedelta(days=200),
        submitted_at=instant(data.submitted[i]),
        departed_at=departed,
        delivered_at=instant(data.delivered[i]),
        closed_at=instant(data.closed[i]),
        legs=legs,
    )
    others = []
    if legs and m.state is not S.CANCELLED:
        for j in rows[lo[i] : hi[i]]:
            if (
                j != i
                and data.vehicle[j] == vehicle
                and STATE_OF[int(data.state[j])] is not S.CANCELLED
            ):
                others.append(
                    w.Departure(
                        number(int(j)), uscc(int(data.consignor[j])), instant(data.departed[j])
                    )
                )
    eta = float(data.eta[i])
    km = float(data.route_km[i])
    return w.ManifestFacts(
        m,
        consignor_adcode=str(int(data.consignor_ad[i])) if data.consignor_ad[i] else "",
        receiver_adcode=str(int(data.receiver_ad[i])) if data.receiver_ad[i] else "",
        route_km=None if np.isnan(km) else km,
        eta_minutes=None if np.isnan(eta) else eta,
        same_vehicle_departures=tuple(others),
        out_of_city_approval_no="衢环函〔2025〕1号" if data.approved[i] else "",
        has_return_manifest=bool(data.has_return[i]),
    )


def run_manifests(n: int, budget: float) -> None:
    started = time.perf_counter()
    data = Manifests(n)
    columns = data.columns()
    lines = data.line_manifest.size
    print(
        f"manifests: {n:,} with {lines:,} lines (synthetic, seeded); built in "
        f"{time.perf_counter() - started:.1f} s; peak {peak_mb():.0f} MB"
    )
    started = time.perf_counter()
    floor = sum(float(np.nansum(v.astype(np.float64))) for v in columns.values())
    read_s = time.perf_counter() - started
    print(f"NumPy reads the columns once (floor):   {read_s:8.3f} s  (checksum {floor:.3e})")

    settings = w.WarningSettings()
    started = time.perf_counter()
    got = w.evaluate_manifest_columns(columns, NOW, settings)
    vector_s = time.perf_counter() - started
    fired = ", ".join(f"{k} {int(v.sum()):,}" for k, v in got.items())
    print(f"vectorised scan, 8 rules:                {vector_s:8.3f} s; peak {peak_mb():.0f} MB")
    print(f"  fired: {fired}")

    rows, lo, hi = data.neighbours()
    rng = np.random.default_rng(5)
    order = rng.permutation(n)
    sample = max(1, n // 50)
    build_s = eval_s = 0.0
    mismatches = 0
    done = 0
    mismatch_rules: dict[str, int] = {}

    def reference(batch: np.ndarray) -> None:
        nonlocal build_s, eval_s, mismatches, done
        for i in batch:
            t0 = time.perf_counter()
            f = facts_of(data, int(i), rows, lo, hi)
            t1 = time.perf_counter()
            want = w.manifest_column_flags(f, NOW, settings)
            t2 = time.perf_counter()
            build_s += t1 - t0
            eval_s += t2 - t1
            done += 1
            for key, value in want.items():
                if bool(got[key][i]) != value:
                    mismatches += 1
                    mismatch_rules[key] = mismatch_rules.get(key, 0) + 1

    reference(order[:sample])
    projected = eval_s / done * n
    if projected <= budget:
        reference(order[sample:])
        how = f"all {n:,} manifests"
        eval_total, build_total = eval_s, build_s
    else:
        how = f"a random {done:,}-manifest sample ({done / n:.0%}), scaled to {n:,}"
        eval_total, build_total = eval_s / done * n, build_s / done * n
    print(
        f"per-manifest Python reference:          {eval_total:8.2f} s evaluating + "
        f"{build_total:.2f} s building facts ({how}; projected {projected:.0f} s against a "
        f"{budget:.0f} s budget)"
    )
    print(
        f"  compared {done:,} manifests × {len(w.COLUMN_RULES)} keys: mismatches {mismatches}"
        + (f" {mismatch_rules}" if mismatch_rules else "")
    )
    print()
    print(f"vectorised: {n / vector_s:14,.0f} manifests/s (8 rules)")
    print(f"floor:      {n / read_s:14,.0f} manifests/s (NumPy reading the columns once)")
    print(
        f"reference:  {n / eval_total:14,.0f} manifests/s (Python rule functions, evaluation only)"
    )
    print(f"speed-up:   {eval_total / vector_s:14,.0f} × over the reference")
    print(f"peak memory: {peak_mb():.0f} MB")


# ---- part 2: tracks ----------------------------------------------------------------------------


def to_degrees(east: np.ndarray, north: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lat0 = np.radians(ORIGIN[1])
    lon = ORIGIN[0] + np.degrees(east / (6_378_137.0 * np.cos(lat0)))
    lat = ORIGIN[1] + np.degrees(north / 6_356_752.0)
    return lon, lat


class Fleet:
    """Synthetic trips: fixes, planned routes (every fifth fix and the last), windows and each
    trip's two whitelisted sites (its first and last fix)."""

    def __init__(self, trips: int, fixes: int, seed: int = 7) -> None:
        rng = np.random.default_rng(seed)
        shape = (trips, fixes)
        step = 60 + rng.integers(-5, 6, size=shape)
        dropped = rng.random(shape) < 0.01
        step = step + dropped * rng.integers(5 * 60, 25 * 60, size=shape)
        step[:, 0] = 0
        start = NOW_S - rng.integers(0, 30 * DAY, size=trips)
        seconds = start[:, None] + np.cumsum(step, axis=1)
        column = np.arange(fixes)
        parked = np.zeros(shape, dtype=bool)
        for _ in range(2):
            active = rng.random(trips) < 0.5
            first = rng.integers(1, fixes - 1, size=trips)
            length = rng.integers(3, 46, size=trips)
            parked |= (
                active[:, None] & (column >= first[:, None]) & (column < (first + length)[:, None])
            )
        heading = rng.uniform(0, 2 * np.pi, size=(trips, 1)) + np.cumsum(
            rng.normal(0, 0.15, size=shape), axis=1
        )
        kmh = rng.uniform(30, 90, size=(trips, 1)) + rng.normal(0, 3, size=shape)
        metres = np.where(parked, 0.0, kmh / 3.6 * step)
        east = np.cumsum(metres * np.sin(heading), axis=1) + rng.uniform(
            -40_000, 40_000, (trips, 1)
        )
        north = np.cumsum(metres * np.cos(heading), axis=1) + rng.uniform(
            -40_000, 40_000, (trips, 1)
        )
        vertex = np.r_[np.arange(0, fixes, ROUTE_EVERY), fixes - 1]
        route_lon, route_lat = to_degrees(east[:, vertex], north[:, vertex])
        detour = rng.random(trips) < 0.05
        d_first = rng.integers(10, fixes - 30, size=trips)
        d_len = rng.integers(5, 25, size=trips)
        off = detour[:, None] & (column >= d_first[:, None]) & (column < (d_first + d_len)[:, None])
        east = east + off * 1_500.0 * np.cos(heading)
        north = north - off * 1_500.0 * np.sin(heading)
        noise = rng.normal(0, 8, size=(2, *shape))
        lon, lat = to_degrees(east + noise[0], north + noise[1])
        speed = np.where(parked, rng.uniform(0, 2, size=shape), kmh)
        speed[rng.random(shape) < 0.02] = np.nan

        self.trips = trips
        self.fixes = fixes
        self.times = seconds.reshape(-1).astype("datetime64[s]")
        self.lon = lon.reshape(-1)
        self.lat = lat.reshape(-1)
        self.speed = speed.reshape(-1)
        self.offsets = np.arange(0, trips * fixes + 1, fixes, dtype=np.int64)
        self.route_lon = route_lon.reshape(-1)
        self.route_lat = route_lat.reshape(-1)
        self.route_offsets = np.arange(0, trips * vertex.size + 1, vertex.size, dtype=np.int64)
        self.starts = self.times[self.offsets[:-1]]
        self.ends = self.times[self.offsets[1:] - 1]
        self.sites_lon = np.stack([lon[:, 0], lon[:, -1]], axis=1)
        self.sites_lat = np.stack([lat[:, 0], lat[:, -1]], axis=1)


def track_flags(fleet: Fleet, s: w.WarningSettings) -> dict[str, np.ndarray]:
    """W06, W07, W08 of every trip with the ``*_many`` functions of ``tracks``."""
    gaps = tracks.gps_gaps_many(
        fleet.times, fleet.offsets, fleet.starts, fleet.ends, max_gap_minutes=s.gps_gap_minutes
    )
    keep = ~gaps.no_track | (gaps.minutes > s.gps_gap_minutes)
    w08 = np.bincount(gaps.trip[keep], minlength=fleet.trips) > 0
    stops = tracks.derive_stops_many(
        fleet.times,
        fleet.lon,
        fleet.lat,
        fleet.offsets,
        fleet.speed,
        radius_m=s.stop_radius_m,
        min_minutes=s.stop_min_minutes,
        max_speed_kmh=s.stop_max_speed_kmh,
    )
    long_stop = stops.minutes > s.abnormal_stop_minutes
    near = (
        tracks.haversine_m(
            stops.lon[:, None],
            stops.lat[:, None],
            fleet.sites_lon[stops.trip],
            fleet.sites_lat[stops.trip],
        )
        <= s.whitelist_radius_m
    )
    abnormal = long_stop & ~near.any(axis=1)
    w07 = np.bincount(stops.trip[abnormal], minlength=fleet.trips) > 0
    runs = tracks.corridor_deviation_many(
        fleet.lon,
        fleet.lat,
        fleet.times,
        fleet.offsets,
        fleet.route_lon,
        fleet.route_lat,
        fleet.route_offsets,
        max_offset_m=s.corridor_offset_m,
        min_minutes=s.corridor_minutes,
    )
    w06 = np.bincount(runs.trip, minlength=fleet.trips) > 0
    return {"W06": w06, "W07": w07, "W08": w08}


def trip_facts(fleet: Fleet, k: int) -> w.TrackFacts:
    a, b = int(fleet.offsets[k]), int(fleet.offsets[k + 1])
    ra, rb = int(fleet.route_offsets[k]), int(fleet.route_offsets[k + 1])
    sites = tuple(zip(fleet.sites_lon[k].tolist(), fleet.sites_lat[k].tolist(), strict=True))
    return w.TrackFacts(
        manifest_no=number(k),
        carrier_uscc="91330803MA28C0001W",
        departed_at=fleet.starts[k],
        delivered_at=fleet.ends[k],
        times=fleet.times[a:b],
        lon=fleet.lon[a:b],
        lat=fleet.lat[a:b],
        speed_kmh=fleet.speed[a:b],
        route_lon=fleet.route_lon[ra:rb],
        route_lat=fleet.route_lat[ra:rb],
        whitelist_points=sites,
    )


def run_tracks(fixes: int, per_trip: int, sample: float) -> None:
    trips = max(1, fixes // per_trip)
    started = time.perf_counter()
    fleet = Fleet(trips, per_trip)
    print(
        f"fixes: {trips * per_trip:,} ({trips:,} trips × {per_trip} fixes; synthetic, seeded); "
        f"built in {time.perf_counter() - started:.1f} s; peak {peak_mb():.0f} MB"
    )
    started = time.perf_counter()
    floor = float(fleet.lon.sum() + fleet.lat.sum() + np.nansum(fleet.speed)) + float(
        fleet.times.astype(np.int64).sum()
    )
    read_s = time.perf_counter() - started
    print(f"NumPy reads the arrays once (floor):    {read_s:8.3f} s  (checksum {floor:.3e})")
    s = w.WarningSettings()
    started = time.perf_counter()
    flags = track_flags(fleet, s)
    vector_s = time.perf_counter() - started
    fired = ", ".join(f"{k} {int(v.sum()):,} trips" for k, v in flags.items())
    print(f"tracks *_many (W06, W07, W08):          {vector_s:8.2f} s; peak {peak_mb():.0f} MB")
    print(f"  fired: {fired}")

    every = max(1, round(1 / sample))
    picked = range(0, trips, every)
    mismatches = 0
    started = time.perf_counter()
    for k in picked:
        found = {f.rule.value for f in w.evaluate_track(trip_facts(fleet, k), NOW, s)}
        mismatches += sum(bool(flags[r][k]) != (r in found) for r in flags)
    reference_s = (time.perf_counter() - started) / len(picked) * trips
    print(
        f"per-trip evaluate_track:               {reference_s:8.2f} s (timed on {len(picked):,} "
        f"trips, every {every}-th, scaled; mismatches {mismatches})"
    )
    print()
    print(f"vectorised: {trips * per_trip / vector_s:14,.0f} fixes/s (three track rules)")
    print(f"floor:      {trips * per_trip / read_s:14,.0f} fixes/s (NumPy reading the arrays once)")
    print(f"reference:  {trips * per_trip / reference_s:14,.0f} fixes/s (evaluate_track per trip)")
    print(f"peak memory: {peak_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--manifests", type=int, default=1_000_000)
    parser.add_argument("--fixes", type=int, default=10_000_000)
    parser.add_argument("--fixes-per-trip", type=int, default=100)
    parser.add_argument("--budget", type=float, default=120.0, help="seconds for the reference")
    parser.add_argument("--track-sample", type=float, default=0.01)
    args: Any = parser.parse_args()
    print(f"now = {NOW.isoformat()} (14:00 in Quzhou); default WarningSettings")
    print()
    run_manifests(args.manifests, args.budget)
    print()
    run_tracks(args.fixes, args.fixes_per_trip, args.track_sample)


if __name__ == "__main__":
    main()
