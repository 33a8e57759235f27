"""Vehicle tracks of hazardous-waste transfers: datums, distances, stops, gaps, corridor, coverage.

Pure NumPy: arrays in, small frozen values out; no I/O, no clock (the service passes "now").
The rules served here (docs/modules/hazwaste.md):

* **T4–T6** (§2.1): the track opens at loading (T4, ``IN_TRANSIT``), legs hand over (T5), and
  delivery (T6) needs the GPS end inside the receiver's geofence (:func:`inside_geofence`).
* **W03** transit too long (:func:`transit_too_long`): in transit longer than route ETA × 1.5
  + 2 h. Both numbers are PARAM (local policy).
* **W06** route deviation (:func:`corridor_deviation`): the track is more than 1 km off the
  planned corridor for more than 10 min. Both PARAM. The restricted-zone half of W06 needs zone
  polygons and is not decided here.
* **W07** abnormal stop (:func:`abnormal_stops`): a stop longer than 30 min (PARAM) outside the
  whitelisted sites (consignor, receiver, approved service areas).
* **W08** GPS missing (:func:`gps_gaps`): no fix for more than 10 min (PARAM) while in transit,
  or a manifest with no fix at all.
* **W13** long-distance transfer (:func:`long_distance`): route distance over 100 km (PARAM).
* **I11** mean transfer distance and long-haul share (:func:`transfer_distance`), **I12**
  tracking coverage (:func:`tracking_coverage`).

Every threshold is a keyword parameter whose default is the value of docs/modules/hazwaste.md §6;
the module constants below name them. Rules that are exempted for a waste (docs/modules/hazwaste.md
§6: e.g. 900-052-31 in transport) are filtered by the caller before these functions run.

**Datums.** GPS fixes are WGS-84 (CGCS2000 is the same at metre level); the platform's
boundaries and site points are GCJ-02. Every function here computes on WGS-84 coordinates.
Reference geometry (planned route, geofence centre, whitelisted sites) takes a ``*_datum``
keyword, default WGS-84; pass :attr:`Datum.GCJ02 <ecociv.kernel.datum.Datum.GCJ02>` for points
taken from the base map and they are converted first (in Quzhou the two datums are about 500 m
apart, half the W06 corridor). A track recorded in GCJ-02 is converted by the caller with
:func:`gcj02_to_wgs84`. :func:`wgs84_to_gcj02` is the published open formula (the one in
eviltransform, coordtransform and prcoords, Krasovsky ellipsoid ``a = 6378245``), vectorised;
like them it leaves points outside a rough China box (lon 72.004–137.8347, lat 0.8293–55.8271)
unchanged. :func:`gcj02_to_wgs84` inverts it by fixed-point iteration until the forward
transform reproduces the input to 1e-9° (a few iterations).

**Distances.** Two methods, each where it fits:

* :func:`haversine_m` and everything built on it (steps between fixes, distance to a point,
  route length, stop radius, geofence, whitelist): great circle on a sphere of the IUGG mean
  radius 6,371,008.8 m. Against the WGS-84 ellipsoidal geodesic it errs by −0.33 % … +0.47 %
  over China (latitude 18°–54°), −0.20 % … +0.34 % around Quzhou — a metre or two at the
  radii used, far below GPS noise.
* :func:`distance_to_route_m` (W06 corridor): each fix is put at the origin of a local plane
  with the WGS-84 radii of curvature at its latitude (east = N·cos φ·Δλ, north = M·Δφ); the
  route's segments, straight in longitude/latitude as a map draws them, are straight lines in
  that plane, so the nearest point of each segment is exact there. The fix-to-nearest-point
  step is then measured again with the radii at the mid latitude of the two, which removes the
  first-order scale error. Against the WGS-84 geodesic distance to the same segment (pyproj,
  3,000 random cases over China, latitude 18°–55°) the error is below **1 mm** for offsets up
  to 5 km on segments up to 20 km, and below 5 cm for offsets up to 20 km on segments up to
  50 km; a test holds it under 1 cm. So 999 m and 1,001 m are told apart. (A segment straight
  in longitude/latitude is not a geodesic: a 10 km east–west segment at 29° bows about 1 m
  away from one. That is the route's definition, not an error of the measure.) Not for use
  across the antimeridian or near the poles. Cost: O(fixes × route vertices), in chunks of
  bounded memory; simplify long routes before calling.

**Time.** Instants are ``numpy.datetime64`` in UTC (any unit; read at whole seconds). Use
:func:`utc_instant` / :func:`utc_instants` to turn timezone-aware ``datetime`` objects into
them. Fixes must be sorted by time (equal times are allowed); otherwise
:class:`TrackInputError` names the first out-of-order index. Durations are reported in minutes.

**Many trips at once.** Each per-trip function has a ``*_many`` twin that takes the fixes of
many trips concatenated, with ``trip_offsets`` (CSR style: trip *k* is rows
``trip_offsets[k]:trip_offsets[k+1]``), and returns column tables. The per-trip functions call
the same kernels, so both give the same answers. Rows in a table are ordered by trip, then time;
``first_fix``/``last_fix`` are positions in the arrays passed in.

**Definitions** (platform choices where the reference gives only a threshold):

* *Gap* (W08): an interval of the in-transit window ``[start, end]`` with no fix, bounded by
  ``start``, consecutive fixes inside the window, and ``end``; it is a gap when it lasts **more
  than** ``max_gap_minutes``. Fixes outside the window are ignored. A window without any fix is
  one gap flagged ``no_track``, reported whatever its length (the second clause of W08); a
  service evaluating a manifest that departed a moment ago may wait for the threshold first.
* *Coverage* (I12): in-transit minutes minus the minutes inside gaps, over in-transit minutes.
  An interval between fixes no longer than the gap threshold counts as covered: a device that
  reports every 2 minutes covers the whole trip.
* *Stop*: the classic stay-point definition. Scanning the fixes in order, a fix anchors a stop
  when every following fix, up to the first one ``min_minutes`` or more after it, stays within
  ``radius_m`` of it; the stop then runs to the last fix before the first one outside the
  radius, and scanning resumes there. When ``speed`` (km/h, as the devices report it) is
  given, a fix faster than ``max_speed_kmh`` counts as moving and ends a stop; NaN speed means
  unknown. The centre is the mean position of the stop's fixes; duration is last fix − first
  fix. A stop that spans a reporting gap keeps counting (the vehicle was still there at both
  ends; W08 reports the gap).
* *Deviation* (W06): a run of consecutive fixes each farther than ``max_offset_m`` from the
  route, lasting (last fix − first fix of the run) **more than** ``min_minutes``.
* Comparisons follow the reference's wording: "more than" is strict (a gap of exactly 10 min, a stop
  of exactly 30 min, a 1,000 m offset do not trigger); "within" a radius includes it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from ecociv.kernel import ValidationError
from ecociv.kernel.datum import Datum

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
TimeArray = npt.NDArray[np.datetime64]

# ---- thresholds (docs/modules/hazwaste.md §6; PARAM = local policy, a keyword parameter) -----

#: W08: no fix for more than 10 minutes while IN_TRANSIT (art. 11(3); PARAM).
GPS_GAP_MINUTES = 10.0
#: W06: more than 1 km off the planned corridor (arts. 5, 8, 11(3); PARAM) ...
CORRIDOR_OFFSET_M = 1000.0
#: ... for more than 10 minutes (PARAM).
CORRIDOR_MINUTES = 10.0
#: W07: a stop longer than 30 minutes outside whitelisted sites (PARAM).
ABNORMAL_STOP_MINUTES = 30.0
#: W03: in transit longer than route ETA × 1.5 (PARAM) ...
TRANSIT_ETA_FACTOR = 1.5
#: ... + 2 hours (PARAM).
TRANSIT_SLACK_MINUTES = 120.0
#: W13: route distance over 100 km (PARAM).
LONG_DISTANCE_KM = 100.0
#: Stop detection; not in the reference (platform choice): the 200 m radius of the stay-point
#: literature, a 5-minute minimum well below W07's 30 minutes, and 5 km/h for "moving".
STOP_RADIUS_M = 200.0
STOP_MIN_MINUTES = 5.0
STOP_MAX_SPEED_KMH = 5.0

# ---- geodesy constants ------------------------------------------------------------------------

#: IUGG mean Earth radius (R1), metres: the sphere of the haversine distances.
EARTH_RADIUS_M = 6_371_008.8
_WGS84_A = 6_378_137.0
_WGS84_E2 = 0.00669437999014
#: Krasovsky 1940 semi-major axis and eccentricity² used by the GCJ-02 formula.
_GCJ_A = 6_378_245.0
_GCJ_EE = 0.00669342162296594323
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)
#: Route vertices × fixes evaluated at once by the corridor kernel: bounds its memory and keeps
#: the working arrays in cache (measured fastest between 30,000 and 100,000).
_CORRIDOR_CHUNK = 65_536
#: Fixes handled at once by the stop scanner, for the same reason.
_SCAN_CHUNK = 65_536
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


class TrackInputError(ValidationError, ValueError):
    """Track input that cannot be judged: unsorted times, mismatched lengths, bad values.

    A :class:`ValidationError` for the services and a ``ValueError`` for plain callers;
    ``field`` names the array and the first offending index.
    """


# ---- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Gap:
    """An interval of the in-transit window without any fix (W08)."""

    start: np.datetime64
    end: np.datetime64
    no_track: bool  # no fix in the whole window

    @property
    def minutes(self) -> float:
        return _minutes(self.start, self.end)


@dataclass(frozen=True, slots=True)
class Stop:
    """The vehicle staying within a radius; centre WGS-84, mean of the stop's fixes."""

    start: np.datetime64
    end: np.datetime64
    lon: float
    lat: float
    first_fix: int
    last_fix: int

    @property
    def minutes(self) -> float:
        return _minutes(self.start, self.end)

    @property
    def centre(self) -> tuple[float, float]:
        return (self.lon, self.lat)


@dataclass(frozen=True, slots=True)
class Deviation:
    """A run of fixes off the planned corridor (W06); ``max_offset_m`` is the farthest fix."""

    start: np.datetime64
    end: np.datetime64
    max_offset_m: float
    first_fix: int
    last_fix: int

    @property
    def minutes(self) -> float:
        return _minutes(self.start, self.end)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Tracking coverage of one trip (I12). Sum both minutes over trips to aggregate."""

    covered_minutes: float
    transit_minutes: float

    @property
    def ratio(self) -> float | None:
        """Covered / in-transit minutes; ``None`` for a trip of no duration."""
        if self.transit_minutes <= 0:
            return None
        return self.covered_minutes / self.transit_minutes


@dataclass(frozen=True, slots=True)
class TransferDistance:
    """I11 over a set of manifests: tonne-weighted mean distance and long-haul shares."""

    manifests: int
    tonnes: float
    mean_km: float | None  # Σ km·t / Σ t
    long_haul_share_tonnes: float | None  # t of manifests over the W13 threshold / Σ t
    long_haul_share_manifests: float | None  # manifests over the threshold / manifests


@dataclass(frozen=True, slots=True, eq=False)
class GapTable:
    """Gaps of many trips, one row each (see :func:`gps_gaps_many`)."""

    trip: IntArray
    start: TimeArray
    end: TimeArray
    no_track: BoolArray

    def __len__(self) -> int:
        return int(self.trip.size)

    @property
    def minutes(self) -> FloatArray:
        return _minutes_array(self.start, self.end)

    def rows(self) -> tuple[Gap, ...]:
        return tuple(
            Gap(s, e, bool(n)) for s, e, n in zip(self.start, self.end, self.no_track, strict=True)
        )


@dataclass(frozen=True, slots=True, eq=False)
class StopTable:
    """Stops of many trips, one row each (see :func:`derive_stops_many`)."""

    trip: IntArray
    start: TimeArray
    end: TimeArray
    lon: FloatArray
    lat: FloatArray
    first_fix: IntArray
    last_fix: IntArray

    def __len__(self) -> int:
        return int(self.trip.size)

    @property
    def minutes(self) -> FloatArray:
        return _minutes_array(self.start, self.end)

    def rows(self) -> tuple[Stop, ...]:
        return tuple(
            Stop(self.start[k], self.end[k], float(self.lon[k]), float(self.lat[k]), int(f), int(g))
            for k, (f, g) in enumerate(zip(self.first_fix, self.last_fix, strict=True))
        )


@dataclass(frozen=True, slots=True, eq=False)
class DeviationTable:
    """Corridor deviations of many trips, one row each (see :func:`corridor_deviation_many`)."""

    trip: IntArray
    start: TimeArray
    end: TimeArray
    max_offset_m: FloatArray
    first_fix: IntArray
    last_fix: IntArray

    def __len__(self) -> int:
        return int(self.trip.size)

    @property
    def minutes(self) -> FloatArray:
        return _minutes_array(self.start, self.end)

    def rows(self) -> tuple[Deviation, ...]:
        return tuple(
            Deviation(self.start[k], self.end[k], float(self.max_offset_m[k]), int(f), int(g))
            for k, (f, g) in enumerate(zip(self.first_fix, self.last_fix, strict=True))
        )


@dataclass(frozen=True, slots=True, eq=False)
class CoverageTable:
    """Tracking coverage of many trips, one entry per trip (see :func:`tracking_coverage_many`)."""

    covered_minutes: FloatArray
    transit_minutes: FloatArray

    def __len__(self) -> int:
        return int(self.covered_minutes.size)


# ---- time -------------------------------------------------------------------------------------


def utc_instant(instant: datetime) -> np.datetime64:
    """A timezone-aware ``datetime`` as ``datetime64[s]`` UTC (whole seconds, floored).

    Examples:
        >>> from datetime import timezone
        >>> utc_instant(datetime(2025, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=8))))
        np.datetime64('2025-03-01T00:00:00')
    """
    return np.datetime64(_epoch_seconds(instant, "instant"), "s")


def utc_instants(instants: Iterable[datetime]) -> TimeArray:
    """Timezone-aware ``datetime`` objects as a ``datetime64[s]`` UTC array."""
    seconds = [_epoch_seconds(d, f"instants[{i}]") for i, d in enumerate(instants)]
    return np.array(seconds, dtype=np.int64).astype("datetime64[s]")


def _epoch_seconds(instant: datetime, name: str) -> int:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise TrackInputError(
            f"{name} 缺少时区 ({name} must be timezone-aware; store instants in UTC)", field=name
        )
    return (instant - _EPOCH) // _SECOND


def _seconds(times: Any, name: str) -> IntArray:
    """Instants (``datetime64``, any shape) as int64 seconds since the epoch, NaT refused."""
    arr = np.asarray(times)
    if arr.dtype.kind != "M":
        raise TrackInputError(
            f"{name} 须为 numpy datetime64 (UTC) ({name} must be numpy datetime64 in UTC, "
            f"got {arr.dtype}; see utc_instants)",
            field=name,
        )
    nat = np.isnat(arr)
    if nat.any():
        first = int(np.argmax(nat.reshape(-1)))
        raise TrackInputError(
            f"{name}[{first}] 时间缺失 ({name}[{first}] is NaT)", field=f"{name}[{first}]"
        )
    return arr.astype("datetime64[s]").astype(np.int64)


def _to_times(seconds: IntArray) -> TimeArray:
    return np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")


def _minutes(start: np.datetime64, end: np.datetime64) -> float:
    return float((end - start) / np.timedelta64(1, "s")) / 60.0


def _minutes_array(start: TimeArray, end: TimeArray) -> FloatArray:
    seconds = (end - start).astype("timedelta64[s]").astype(np.float64)
    return seconds / 60.0


# ---- validation -------------------------------------------------------------------------------


def _vector(values: Any, name: str, n: int | None = None) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise TrackInputError(f"{name} 须为一维数组 ({name} must be one-dimensional)", field=name)
    if n is not None and arr.size != n:
        raise TrackInputError(
            f"{name} 长度 {arr.size} 与时间 {n} 不符 ({name} has {arr.size} values, times {n})",
            field=name,
        )
    return arr


def _coordinates(
    lon: Any, lat: Any, n: int | None, name: str = ""
) -> tuple[FloatArray, FloatArray]:
    lon_a = _vector(lon, f"{name}lon", n)
    lat_a = _vector(lat, f"{name}lat", lon_a.size)
    bad = ~np.isfinite(lon_a) | ~np.isfinite(lat_a) | (np.abs(lat_a) > 90) | (np.abs(lon_a) > 180)
    if bad.any():
        i = int(np.argmax(bad))
        raise TrackInputError(
            f"坐标无效：{name}lon[{i}]={lon_a[i]}, {name}lat[{i}]={lat_a[i]} "
            f"(invalid coordinate at index {i})",
            field=f"{name}lon[{i}]",
        )
    return lon_a, lat_a


def _offsets(offsets: Any, n: int, name: str) -> IntArray:
    arr = np.asarray(offsets)
    if arr.ndim != 1 or arr.size < 1 or arr.dtype.kind not in "iu":
        raise TrackInputError(
            f"{name} 须为一维整数数组 ({name} must be a one-dimensional integer array)", field=name
        )
    out = arr.astype(np.int64)
    if out[0] != 0 or out[-1] != n or np.any(np.diff(out) < 0):
        raise TrackInputError(
            f"{name} 须从 0 单调不减至 {n} ({name} must rise from 0 to {n} without decreasing)",
            field=name,
        )
    return out


def _check_sorted(t: IntArray, offsets: IntArray, name: str) -> None:
    """Raise on the first fix earlier than the one before it in the same trip."""
    if t.size < 2:
        return
    back = t[1:] < t[:-1]
    inner = offsets[1:-1]
    inner = inner[(inner > 0) & (inner < t.size)]
    back[inner - 1] = False  # a new trip may start earlier than the last one ended
    if back.any():
        i = int(np.argmax(back)) + 1
        earlier, later = _to_times(t[i : i + 1])[0], _to_times(t[i - 1 : i])[0]
        raise TrackInputError(
            f"轨迹点未按时间排序：{name}[{i}] ({earlier}) 早于 {name}[{i - 1}] ({later}) "
            f"(fixes must be sorted by time; first out-of-order index {i})",
            field=f"{name}[{i}]",
        )


def _positive(value: float, name: str) -> float:
    if not value > 0:
        raise TrackInputError(f"{name} 须大于 0 ({name} must be > 0)", field=name)
    return float(value)


def _windows(starts: Any, ends: Any, trips: int) -> tuple[IntArray, IntArray]:
    start_s = _seconds(starts, "start").reshape(-1)
    end_s = _seconds(ends, "end").reshape(-1)
    if start_s.size != trips or end_s.size != trips:
        raise TrackInputError(
            f"每个行程须有一个起止时间 (one start and one end per trip; {trips} trips, "
            f"{start_s.size} starts, {end_s.size} ends)",
            field="start",
        )
    back = end_s < start_s
    if back.any():
        k = int(np.argmax(back))
        raise TrackInputError(
            f"行程 {k} 的结束时间早于开始时间 (trip {k} ends before it starts)", field=f"end[{k}]"
        )
    return start_s, end_s


def _trip_of(offsets: IntArray) -> IntArray:
    return np.repeat(np.arange(offsets.size - 1, dtype=np.int64), np.diff(offsets))


def _single(n: int) -> IntArray:
    return np.array([0, n], dtype=np.int64)


# ---- datums -----------------------------------------------------------------------------------


def _gcj_shift(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lon - 105.0
    y = lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    d_lat += common
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    d_lon += common
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * np.pi
    magic = 1 - _GCJ_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_GCJ_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def _in_china(lon: FloatArray, lat: FloatArray) -> BoolArray:
    return (
        (lon >= _CHINA_LON[0])
        & (lon <= _CHINA_LON[1])
        & (lat >= _CHINA_LAT[0])
        & (lat <= _CHINA_LAT[1])
    )


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[FloatArray, FloatArray]:
    """WGS-84 (or CGCS2000) longitudes and latitudes shifted onto GCJ-02, any shape.

    Points outside the China box are returned unchanged, as the published formula does.

    Examples:
        >>> lon, lat = wgs84_to_gcj02([116.404, 0.0], [39.915, 0.0])
        >>> [round(float(v), 9) for v in lon], [round(float(v), 9) for v in lat]
        ([116.410244499, 0.0], [39.916404282, 0.0])
    """
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    d_lon, d_lat = _gcj_shift(lon_a, lat_a)
    inside = _in_china(lon_a, lat_a)
    return np.where(inside, lon_a + d_lon, lon_a), np.where(inside, lat_a + d_lat, lat_a)


def gcj02_to_wgs84(
    lon: Any, lat: Any, *, tolerance_deg: float = 1e-9, max_iterations: int = 30
) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 points back to WGS-84, by iterating until the forward shift reproduces them.

    Converges in a handful of iterations to ``tolerance_deg`` (1e-9° ≈ 0.1 mm). Within a
    kilometre of the China box edge the inverse is ambiguous and the last iterate is returned.

    Examples:
        >>> lon, lat = gcj02_to_wgs84(116.41024449916938, 39.91640428150164)
        >>> round(float(lon), 7), round(float(lat), 7)
        (116.404, 39.915)
    """
    g_lon = np.asarray(lon, dtype=np.float64)
    g_lat = np.asarray(lat, dtype=np.float64)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(max_iterations):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        r_lon = g_lon - f_lon
        r_lat = g_lat - f_lat
        w_lon = w_lon + r_lon
        w_lat = w_lat + r_lat
        # NaN compares False: a NaN input is carried through without blocking convergence
        if not (np.any(np.abs(r_lon) > tolerance_deg) or np.any(np.abs(r_lat) > tolerance_deg)):
            break
    return w_lon, w_lat


def _as_wgs84(
    lon: FloatArray, lat: FloatArray, datum: Datum | str
) -> tuple[FloatArray, FloatArray]:
    if Datum(datum) is Datum.GCJ02:
        return gcj02_to_wgs84(lon, lat)
    return lon, lat


# ---- distances --------------------------------------------------------------------------------


def haversine_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> FloatArray:
    """Great-circle distance in metres between points (arrays broadcast).

    Examples:
        >>> round(float(haversine_m(118.87, 28.0, 118.87, 29.0)))  # one degree of latitude
        111195
    """
    phi1 = np.radians(np.asarray(lat1, dtype=np.float64))
    phi2 = np.radians(np.asarray(lat2, dtype=np.float64))
    d_lam = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    h = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(d_lam / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))), np.float64)


def step_distances_m(lon: Any, lat: Any) -> FloatArray:
    """Distance in metres from each fix to the next (one fewer than the fixes)."""
    lon_a, lat_a = _coordinates(lon, lat, None)
    return haversine_m(lon_a[:-1], lat_a[:-1], lon_a[1:], lat_a[1:])


def distances_to_point_m(
    lon: Any, lat: Any, point: tuple[float, float], *, point_datum: Datum | str = Datum.WGS84
) -> FloatArray:
    """Distance in metres from each fix to ``point`` (lon, lat)."""
    lon_a, lat_a = _coordinates(lon, lat, None)
    p_lon, p_lat = _as_wgs84(*_point(point), point_datum)
    return haversine_m(lon_a, lat_a, p_lon, p_lat)


def route_length_km(lon: Any, lat: Any) -> float:
    """Length in km of the polyline through the fixes (or route vertices), in order.

    Examples:
        >>> round(route_length_km([118.0, 118.0, 118.0], [28.0, 28.5, 29.0]), 1)
        111.2
    """
    return float(step_distances_m(lon, lat).sum()) / 1000.0


def _point(point: tuple[float, float]) -> tuple[FloatArray, FloatArray]:
    arr = np.asarray(point, dtype=np.float64).reshape(-1)
    if arr.size != 2 or not np.all(np.isfinite(arr)):
        raise TrackInputError("点须为 (经度, 纬度) (a point is (lon, lat))", field="point")
    return arr[:1], arr[1:]


def distance_to_route_m(
    lon: Any,
    lat: Any,
    route_lon: Any,
    route_lat: Any,
    *,
    route_datum: Datum | str = Datum.WGS84,
) -> FloatArray:
    """Distance in metres from each fix to the route polyline (see the module docstring).

    A route of one vertex is a point.

    Examples:
        >>> d = distance_to_route_m([118.9], [28.99], [118.8, 119.0], [29.0, 29.0])
        >>> round(float(d[0]))  # 0.01° of latitude south of an east-west route
        1108
    """
    lon_a, lat_a = _coordinates(lon, lat, None)
    r_lon, r_lat = _coordinates(route_lon, route_lat, None, "route_")
    if r_lon.size == 0:
        raise TrackInputError("计划路线为空 (the planned route has no vertex)", field="route_lon")
    r_lon, r_lat = _as_wgs84(r_lon, r_lat, route_datum)
    trip_of = np.zeros(lon_a.size, dtype=np.int64)
    return _route_distances(lon_a, lat_a, trip_of, r_lon, r_lat, _single(r_lon.size))


def _route_distances(
    lon: FloatArray,
    lat: FloatArray,
    trip_of: IntArray,
    route_lon: FloatArray,
    route_lat: FloatArray,
    route_offsets: IntArray,
) -> FloatArray:
    """Distance of each fix to the route of its trip, in the fix's local ellipsoidal plane."""
    counts = np.diff(route_offsets)
    width = int(counts.max()) if counts.size else 1
    # every route padded to the same width by repeating its last vertex (zero-length segments)
    column = np.arange(width, dtype=np.int64)
    source = route_offsets[:-1, None] + np.minimum(column[None, :], counts[:, None] - 1)
    v_phi = np.radians(route_lat)[source]
    v_lam = np.radians(route_lon)[source]
    phi = np.radians(lat)
    lam = np.radians(lon)
    east_all, north_all = _radii(phi)
    out = np.empty(lon.size, dtype=np.float64)
    chunk = max(1, _CORRIDOR_CHUNK // width)
    for begin in range(0, lon.size, chunk):
        part = slice(begin, begin + chunk)
        trip = trip_of[part]
        east = east_all[part]
        north = north_all[part]
        x = v_lam[trip]  # fancy indexing copies: the operations below work in place
        x -= lam[part, None]
        x *= east[:, None]
        y = v_phi[trip]
        y -= phi[part, None]
        y *= north[:, None]
        if width == 1:
            foot_x, foot_y = x[:, 0], y[:, 0]
        else:
            dx = x[:, 1:] - x[:, :-1]
            dy = y[:, 1:] - y[:, :-1]
            length2 = dx * dx
            length2 += dy * dy
            # along = clip(-(P0·D) / |D|², 0, 1); a zero-length segment has P0·D = 0 and keeps 0
            along = x[:, :-1] * dx
            along += y[:, :-1] * dy
            np.negative(along, out=along)
            np.divide(along, length2, out=along, where=length2 > 0.0)
            np.clip(along, 0.0, 1.0, out=along)
            px = along * dx
            px += x[:, :-1]
            py = along * dy
            py += y[:, :-1]
            distance2 = px * px
            distance2 += py * py
            nearest = np.argmin(distance2, axis=1)
            rows = np.arange(nearest.size)
            foot_x, foot_y = px[rows, nearest], py[rows, nearest]
        # the foot on the nearest segment, back in radians, measured again with the radii of
        # curvature at the mean latitude of fix and foot (removes the first-order scale error)
        foot_lam = foot_x / east
        foot_phi = foot_y / north
        out[part] = _local_metres(phi[part] + foot_phi / 2, foot_lam, foot_phi)
    return out


def _radii(phi: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Metres per radian of longitude (N·cos φ) and of latitude (M) on the WGS-84 ellipsoid."""
    sin_phi = np.sin(phi)
    w = 1.0 - _WGS84_E2 * sin_phi * sin_phi
    east = _WGS84_A / np.sqrt(w) * np.cos(phi)
    north = _WGS84_A * (1.0 - _WGS84_E2) / (w * np.sqrt(w))
    return np.asarray(east, dtype=np.float64), np.asarray(north, dtype=np.float64)


def _local_metres(phi: FloatArray, d_lam: FloatArray, d_phi: FloatArray) -> FloatArray:
    """Length of a short (Δλ, Δφ) step at latitude ``phi`` on the WGS-84 ellipsoid."""
    east, north = _radii(phi)
    return np.asarray(np.hypot(east * d_lam, north * d_phi), dtype=np.float64)


# ---- W08 gaps and I12 coverage ----------------------------------------------------------------


def gps_gaps(
    times: Any,
    start: np.datetime64,
    end: np.datetime64,
    *,
    max_gap_minutes: float = GPS_GAP_MINUTES,
) -> tuple[Gap, ...]:
    """W08: intervals of the in-transit window ``[start, end]`` without a fix for more than
    ``max_gap_minutes`` (PARAM, docs/modules/hazwaste.md §6), or the whole window when it has no fix
    at all.

    ``start`` is loading (T4), ``end`` delivery (T6) or, while in transit, the service's now.
    """
    t = _seconds(times, "times").reshape(-1)
    return gps_gaps_many(
        _to_times(t), _single(t.size), [start], [end], max_gap_minutes=max_gap_minutes
    ).rows()


def gps_gaps_many(
    times: Any,
    trip_offsets: Any,
    starts: Any,
    ends: Any,
    *,
    max_gap_minutes: float = GPS_GAP_MINUTES,
) -> GapTable:
    """:func:`gps_gaps` of many trips at once (module docstring, "Many trips at once")."""
    t = _seconds(times, "times").reshape(-1)
    offsets = _offsets(trip_offsets, t.size, "trip_offsets")
    _check_sorted(t, offsets, "times")
    start_s, end_s = _windows(starts, ends, offsets.size - 1)
    limit = _positive(max_gap_minutes, "max_gap_minutes") * 60.0
    trip, low, high, no_track = _gaps(t, offsets, start_s, end_s, limit)
    order = np.lexsort((low, trip))
    return GapTable(trip[order], _to_times(low[order]), _to_times(high[order]), no_track[order])


def _gaps(
    t: IntArray, offsets: IntArray, start_s: IntArray, end_s: IntArray, limit_s: float
) -> tuple[IntArray, IntArray, IntArray, BoolArray]:
    """The fix-free intervals of each window longer than ``limit_s`` (start → first fix,
    fix → fix, last fix → end), and each window without fixes, flagged no_track. Unordered."""
    trips = offsets.size - 1
    trip_of = _trip_of(offsets)
    inside = (t >= start_s[trip_of]) & (t <= end_s[trip_of])
    tw = t[inside]
    kw = trip_of[inside]
    count = np.bincount(kw, minlength=trips)
    has = count > 0
    first = np.cumsum(count) - count
    last = first + count - 1
    between = np.flatnonzero((kw[1:] == kw[:-1]) & (np.diff(tw) > limit_s))
    with_fix = np.flatnonzero(has)
    lead = with_fix[tw[first[with_fix]] - start_s[with_fix] > limit_s]
    trail = with_fix[end_s[with_fix] - tw[last[with_fix]] > limit_s]
    without = np.flatnonzero(~has)
    trip = np.concatenate([lead, kw[between + 1], trail, without]).astype(np.int64)
    low = np.concatenate([start_s[lead], tw[between], tw[last[trail]], start_s[without]])
    high = np.concatenate([tw[first[lead]], tw[between + 1], end_s[trail], end_s[without]])
    no_track = np.zeros(trip.size, dtype=np.bool_)
    no_track[trip.size - without.size :] = True
    return trip, low, high, no_track


def tracking_coverage(
    times: Any,
    start: np.datetime64,
    end: np.datetime64,
    *,
    max_gap_minutes: float = GPS_GAP_MINUTES,
) -> Coverage:
    """I12: in-transit minutes covered by fixes, and in-transit minutes, of one trip.

    Covered = in transit minus the W08 gaps (module docstring, "Coverage").
    """
    t = _seconds(times, "times").reshape(-1)
    table = tracking_coverage_many(
        _to_times(t), _single(t.size), [start], [end], max_gap_minutes=max_gap_minutes
    )
    return Coverage(float(table.covered_minutes[0]), float(table.transit_minutes[0]))


def tracking_coverage_many(
    times: Any,
    trip_offsets: Any,
    starts: Any,
    ends: Any,
    *,
    max_gap_minutes: float = GPS_GAP_MINUTES,
) -> CoverageTable:
    """:func:`tracking_coverage` of many trips at once."""
    gaps = gps_gaps_many(times, trip_offsets, starts, ends, max_gap_minutes=max_gap_minutes)
    start_s, end_s = _windows(starts, ends, np.asarray(trip_offsets).size - 1)
    transit = (end_s - start_s).astype(np.float64)
    missing = np.bincount(gaps.trip, weights=gaps.minutes * 60.0, minlength=transit.size).astype(
        np.float64
    )
    return CoverageTable((transit - missing) / 60.0, transit / 60.0)


# ---- stops and W07 ----------------------------------------------------------------------------


def derive_stops(
    times: Any,
    lon: Any,
    lat: Any,
    speed: Any = None,
    *,
    radius_m: float = STOP_RADIUS_M,
    min_minutes: float = STOP_MIN_MINUTES,
    max_speed_kmh: float = STOP_MAX_SPEED_KMH,
) -> tuple[Stop, ...]:
    """Stops of one trip: the vehicle staying within ``radius_m`` for at least ``min_minutes``
    (module docstring, "Stop"; platform defaults, not in the reference). ``speed`` in km/h."""
    t = _seconds(times, "times").reshape(-1)
    return derive_stops_many(
        _to_times(t),
        lon,
        lat,
        _single(t.size),
        speed,
        radius_m=radius_m,
        min_minutes=min_minutes,
        max_speed_kmh=max_speed_kmh,
    ).rows()


def derive_stops_many(
    times: Any,
    lon: Any,
    lat: Any,
    trip_offsets: Any,
    speed: Any = None,
    *,
    radius_m: float = STOP_RADIUS_M,
    min_minutes: float = STOP_MIN_MINUTES,
    max_speed_kmh: float = STOP_MAX_SPEED_KMH,
) -> StopTable:
    """:func:`derive_stops` of many trips at once."""
    t = _seconds(times, "times").reshape(-1)
    lon_a, lat_a = _coordinates(lon, lat, t.size)
    offsets = _offsets(trip_offsets, t.size, "trip_offsets")
    _check_sorted(t, offsets, "times")
    radius = _positive(radius_m, "radius_m")
    min_s = math.ceil(_positive(min_minutes, "min_minutes") * 60.0)  # times are whole seconds
    if speed is None:
        moving = np.zeros(t.size, dtype=np.bool_)
    else:
        moving = _vector(speed, "speed", t.size) > max_speed_kmh  # NaN: unknown, not moving
    anchor, stop = _stays(t, lon_a, lat_a, offsets, moving, radius, min_s)
    last = stop - 1
    # mean position of each stop's fixes: stops are disjoint and sorted, so one reduceat
    bounds = np.empty(2 * anchor.size, dtype=np.int64)
    bounds[0::2], bounds[1::2] = anchor, stop
    fixes = (stop - anchor).astype(np.float64)
    mean_lon, mean_lat = lon_a[:0], lat_a[:0]
    if anchor.size:
        mean_lon = np.add.reduceat(np.append(lon_a, 0.0), bounds)[0::2] / fixes
        mean_lat = np.add.reduceat(np.append(lat_a, 0.0), bounds)[0::2] / fixes
    return StopTable(
        _trip_of(offsets)[anchor],
        _to_times(t[anchor]),
        _to_times(t[last]),
        mean_lon,
        mean_lat,
        anchor,
        last,
    )


def _stays(
    t: IntArray,
    lon: FloatArray,
    lat: FloatArray,
    offsets: IntArray,
    moving: BoolArray,
    radius_m: float,
    min_s: int,
) -> tuple[IntArray, IntArray]:
    """Stay points: (anchor, end-exclusive) per stop, sorted.

    The sequential definition — at anchor ``i``, if every fix up to the first one at least
    ``min_s`` later stays within the radius of ``i``, emit the stop ``i .. J-1`` (``J`` the
    first fix outside) and resume at ``J``, else resume at ``i + 1`` — computed in three
    vectorised steps: (1) candidates: a fix can anchor only if the next fix of its trip is
    within the radius (one pass over neighbours settles every moving fix), and ``K(i)``, the
    fix that completes the minimum time, by one ``searchsorted``; (2) which candidates stay
    within the radius up to ``K(i)``, by a ragged doubling scan; (3) the chain of emitted
    stops, one step per stop across all trips at once.
    """
    n = t.size
    empty = np.zeros(0, dtype=np.int64)
    if n < 2:
        return empty, empty
    trip_of = _trip_of(offsets)
    trip_end = offsets[1:][trip_of]
    scan = _Scanner(lon, lat, moving, radius_m)
    # (1) candidates, and K(i): the first fix of the same trip at or after t_i + min_s
    next_in_trip = np.arange(1, n) < trip_end[:-1]
    candidate = np.flatnonzero(next_in_trip & ~moving[:-1] & scan.next_within()).astype(np.int64)
    base = int(t.min())
    span = int(t.max()) - base + min_s + 1
    if span * (offsets.size - 1) >= 2**62:
        raise TrackInputError("时间跨度过大 (time span too large)", field="times")
    key = trip_of * span + (t - base)  # one sorted key keeps the trips apart
    complete = np.searchsorted(key, key[candidate] + min_s, side="left").astype(np.int64)
    reachable = complete < trip_end[candidate]
    candidate, complete = candidate[reachable], complete[reachable]
    # (2) anchors: the fixes after the next one, up to K(i), all stay within the radius
    first_out = scan.first_break(candidate, candidate + 2, complete + 1)
    is_anchor = first_out > complete
    anchors, complete = candidate[is_anchor], complete[is_anchor]
    if anchors.size == 0:
        return empty, empty
    # (3) the emitted chain: first anchor of each trip, then the first anchor at or after J
    anchor_trip = trip_of[anchors]
    current = np.flatnonzero(np.r_[True, anchor_trip[1:] != anchor_trip[:-1]])
    found_anchor: list[IntArray] = []
    found_stop: list[IntArray] = []
    while current.size:  # positions in ``anchors``
        anchor = anchors[current]
        stop = scan.first_break(anchor, complete[current] + 1, trip_end[anchor])
        found_anchor.append(anchor)
        found_stop.append(stop)
        following = np.minimum(np.searchsorted(anchors, stop), anchors.size - 1)
        valid = (anchors[following] >= stop) & (anchor_trip[following] == anchor_trip[current])
        current = following[valid]
    anchor = np.concatenate(found_anchor)
    stop = np.concatenate(found_stop)
    order = np.argsort(anchor, kind="stable")
    return anchor[order], stop[order]


class _Scanner:
    """Finds, for anchors, the first fix in a range that leaves the radius or moves.

    Distances are compared as chords between unit vectors: the haversine term is exactly
    h = sin²(d / 2R) = chord² / 4, so d > r ⇔ chord² > 4·sin²(r / 2R) — the same great-circle
    test without trigonometry per pair (rounding ~1e-9 m at these distances).
    """

    def __init__(self, lon: FloatArray, lat: FloatArray, moving: BoolArray, radius_m: float):
        self.x = np.empty(lon.size, dtype=np.float64)
        self.y = np.empty(lon.size, dtype=np.float64)
        self.z = np.empty(lon.size, dtype=np.float64)
        for begin in range(0, lon.size, _SCAN_CHUNK):  # in cache-sized pieces
            part = slice(begin, begin + _SCAN_CHUNK)
            phi = np.radians(lat[part])
            lam = np.radians(lon[part])
            cos_phi = np.cos(phi)
            np.multiply(cos_phi, np.cos(lam), out=self.x[part])
            np.multiply(cos_phi, np.sin(lam), out=self.y[part])
            np.sin(phi, out=self.z[part])
        self.moving = moving
        self.limit = 4 * math.sin(min(radius_m / (2 * EARTH_RADIUS_M), math.pi / 2)) ** 2

    def next_within(self) -> BoolArray:
        """Whether each fix's successor in the arrays is within the radius and not moving."""
        chord2 = np.zeros(self.x.size - 1, dtype=np.float64)
        for c in (self.x, self.y, self.z):
            step = c[1:] - c[:-1]
            step *= step
            chord2 += step
        return np.asarray((chord2 <= self.limit) & ~self.moving[1:], dtype=np.bool_)

    def first_break(self, anchor: IntArray, begin: IntArray, end: IntArray) -> IntArray:
        """First index in ``[begin, end)`` outside the radius of ``anchor`` or moving; ``end``
        when there is none. Scans blocks of 1, 2, 4, … fixes so a short stay costs one pass
        and a long one a few; anchors go in slices so the working arrays stay in cache."""
        result = end.copy()
        step = max(1, _SCAN_CHUNK // 8)
        for first in range(0, anchor.size, step):
            part = slice(first, first + step)
            result[part] = self._first_break(anchor[part], begin[part], end[part])
        return result

    def _first_break(self, anchor: IntArray, begin: IntArray, end: IntArray) -> IntArray:
        result = end.copy()
        position = begin.copy()
        pending = np.flatnonzero(position < end)
        block = 1
        while pending.size:
            low = position[pending]
            high = np.minimum(low + block, end[pending])
            length = high - low
            owner = np.repeat(np.arange(pending.size), length)
            index = np.arange(owner.size) - np.repeat(np.cumsum(length) - length, length)
            index += np.repeat(low, length)
            a = anchor[pending][owner]
            chord2 = np.zeros(index.size, dtype=np.float64)
            for c in (self.x, self.y, self.z):
                step = c[index] - c[a]
                step *= step
                chord2 += step
            hit = np.flatnonzero((chord2 > self.limit) | self.moving[index])
            hit_owner = owner[hit]
            first = np.r_[True, hit_owner[1:] != hit_owner[:-1]] if hit.size else hit.astype(bool)
            found = hit_owner[first]
            result[pending[found]] = index[hit[first]]
            done = high >= end[pending]
            done[found] = True
            position[pending] = high
            pending = pending[~done]
            block *= 2
        return result


def abnormal_stops(
    stops: Sequence[Stop],
    whitelist_points: Any,
    whitelist_radius_m: Any,
    *,
    min_minutes: float = ABNORMAL_STOP_MINUTES,
    whitelist_datum: Datum | str = Datum.WGS84,
) -> tuple[Stop, ...]:
    """W07: stops longer than ``min_minutes`` (PARAM 30) whose centre is outside every
    whitelisted site (consignor, receiver, approved service areas).

    ``whitelist_points`` is a sequence of (lon, lat) in ``whitelist_datum``;
    ``whitelist_radius_m`` one radius or one per point; on the radius is inside.
    """
    long_stops = [s for s in stops if s.minutes > min_minutes]
    points = np.asarray(whitelist_points, dtype=np.float64).reshape(-1, 2)
    if not long_stops or points.shape[0] == 0:
        return tuple(long_stops)
    w_lon, w_lat = _coordinates(points[:, 0], points[:, 1], None, "whitelist_")
    w_lon, w_lat = _as_wgs84(w_lon, w_lat, whitelist_datum)
    radius = np.broadcast_to(np.asarray(whitelist_radius_m, dtype=np.float64), w_lon.shape)
    c_lon = np.array([s.lon for s in long_stops])[:, None]
    c_lat = np.array([s.lat for s in long_stops])[:, None]
    distance = haversine_m(c_lon, c_lat, w_lon[None, :], w_lat[None, :])
    inside: BoolArray = np.any(distance <= radius[None, :], axis=1)
    return tuple(s for s, whitelisted in zip(long_stops, inside, strict=True) if not whitelisted)


def inside_geofence(
    lon: Any,
    lat: Any,
    centre: tuple[float, float],
    radius_m: float,
    *,
    centre_datum: Datum | str = Datum.WGS84,
) -> BoolArray:
    """T6: whether each fix lies within ``radius_m`` of ``centre`` (lon, lat); on the circle is
    inside. Pass the last fix to check an arrival."""
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    c_lon, c_lat = _as_wgs84(*_point(centre), centre_datum)
    return np.asarray(haversine_m(lon_a, lat_a, c_lon[0], c_lat[0]) <= radius_m, dtype=np.bool_)


# ---- W06 corridor -----------------------------------------------------------------------------


def corridor_deviation(
    lon: Any,
    lat: Any,
    times: Any,
    route_lon: Any,
    route_lat: Any,
    *,
    max_offset_m: float = CORRIDOR_OFFSET_M,
    min_minutes: float = CORRIDOR_MINUTES,
    route_datum: Datum | str = Datum.WGS84,
) -> tuple[Deviation, ...]:
    """W06: runs of fixes more than ``max_offset_m`` (PARAM 1 km) from the planned route for
    more than ``min_minutes`` (PARAM 10). The route is in ``route_datum``."""
    t = _seconds(times, "times").reshape(-1)
    r_lon = _vector(route_lon, "route_lon")
    return corridor_deviation_many(
        lon,
        lat,
        _to_times(t),
        _single(t.size),
        r_lon,
        route_lat,
        _single(r_lon.size),
        max_offset_m=max_offset_m,
        min_minutes=min_minutes,
        route_datum=route_datum,
    ).rows()


def corridor_deviation_many(
    lon: Any,
    lat: Any,
    times: Any,
    trip_offsets: Any,
    route_lon: Any,
    route_lat: Any,
    route_offsets: Any,
    *,
    max_offset_m: float = CORRIDOR_OFFSET_M,
    min_minutes: float = CORRIDOR_MINUTES,
    route_datum: Datum | str = Datum.WGS84,
) -> DeviationTable:
    """:func:`corridor_deviation` of many trips; route *k* is vertices
    ``route_offsets[k]:route_offsets[k+1]`` (at least one each)."""
    t = _seconds(times, "times").reshape(-1)
    lon_a, lat_a = _coordinates(lon, lat, t.size)
    offsets = _offsets(trip_offsets, t.size, "trip_offsets")
    _check_sorted(t, offsets, "times")
    r_lon, r_lat = _coordinates(route_lon, route_lat, None, "route_")
    r_offsets = _offsets(route_offsets, r_lon.size, "route_offsets")
    if r_offsets.size != offsets.size:
        raise TrackInputError(
            "每个行程须有一条计划路线 (one planned route per trip)", field="route_offsets"
        )
    if np.any(np.diff(r_offsets) < 1):
        k = int(np.argmax(np.diff(r_offsets) < 1))
        raise TrackInputError(
            f"行程 {k} 的计划路线为空 (the planned route of trip {k} has no vertex)",
            field=f"route_offsets[{k}]",
        )
    limit_m = _positive(max_offset_m, "max_offset_m")
    limit_s = _positive(min_minutes, "min_minutes") * 60.0
    r_lon, r_lat = _as_wgs84(r_lon, r_lat, route_datum)
    trip_of = _trip_of(offsets)
    distance = _route_distances(lon_a, lat_a, trip_of, r_lon, r_lat, r_offsets)
    off = distance > limit_m
    trip_start = np.zeros(t.size, dtype=np.bool_)
    trip_start[offsets[:-1][offsets[:-1] < t.size]] = True
    continues = off & np.r_[False, off[:-1]] & ~trip_start
    run_first = np.flatnonzero(off & ~continues).astype(np.int64)
    run_last = np.flatnonzero(off & ~np.r_[continues[1:], False]).astype(np.int64)
    keep = (t[run_last] - t[run_first]) > limit_s
    run_first, run_last = run_first[keep], run_last[keep]
    bounds = np.empty(2 * run_first.size, dtype=np.int64)
    bounds[0::2], bounds[1::2] = run_first, run_last + 1
    if run_first.size:
        farthest = np.maximum.reduceat(np.append(distance, 0.0), bounds)[0::2]
    else:
        farthest = distance[:0]
    return DeviationTable(
        trip_of[run_first],
        _to_times(t[run_first]),
        _to_times(t[run_last]),
        farthest,
        run_first,
        run_last,
    )


# ---- W03, W13, I11 ----------------------------------------------------------------------------


def transit_too_long(
    departed: Any,
    delivered_or_now: Any,
    eta_minutes: Any,
    *,
    factor: float = TRANSIT_ETA_FACTOR,
    slack_minutes: float = TRANSIT_SLACK_MINUTES,
) -> BoolArray:
    """W03: in transit longer than ``eta_minutes × factor + slack_minutes`` (PARAM 1.5, 120).

    Scalars or arrays (broadcast); ``delivered_or_now`` is the delivery (T6) or, while in
    transit, the service's now.

    Examples:
        >>> t0 = np.datetime64("2025-05-01T08:00:00")
        >>> bool(transit_too_long(t0, t0 + np.timedelta64(211, "m"), 60))  # limit 210 min
        True
    """
    begin = _seconds(departed, "departed")
    finish = _seconds(delivered_or_now, "delivered_or_now")
    elapsed = np.asarray(finish - begin, dtype=np.float64)
    if np.any(elapsed < 0):
        raise TrackInputError(
            "送达或当前时间早于出发时间 (delivered_or_now is before departed)",
            field="delivered_or_now",
        )
    eta = np.asarray(eta_minutes, dtype=np.float64)
    return np.asarray(elapsed > (eta * factor + slack_minutes) * 60.0, dtype=np.bool_)


def long_distance(route_km: Any, *, threshold_km: float = LONG_DISTANCE_KM) -> BoolArray:
    """W13: route distance over ``threshold_km`` (PARAM 100 km). NaN is not over.

    Examples:
        >>> long_distance([99.9, 100.0, 100.1]).tolist()
        [False, False, True]
    """
    return np.asarray(np.asarray(route_km, dtype=np.float64) > threshold_km, dtype=np.bool_)


def transfer_distance(
    route_km: Any, tonnes: Any, *, threshold_km: float = LONG_DISTANCE_KM
) -> TransferDistance:
    """I11: the tonne-weighted mean route distance of a set of manifests and the share over
    the W13 threshold, by tonnes and by manifests. Shares and mean are ``None`` when empty.

    Examples:
        >>> transfer_distance([50.0, 150.0], [3.0, 1.0])
        TransferDistance(manifests=2, tonnes=4.0, mean_km=75.0,
                         long_haul_share_tonnes=0.25, long_haul_share_manifests=0.5)
    """
    km = _vector(route_km, "route_km")
    t = _vector(tonnes, "tonnes", km.size)
    bad = ~np.isfinite(km) | ~np.isfinite(t) | (km < 0) | (t < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise TrackInputError(
            f"第 {i} 张联单的距离或吨数无效 (route_km or tonnes invalid at index {i})",
            field=f"route_km[{i}]",
        )
    total = float(t.sum())
    over = long_distance(km, threshold_km=threshold_km)
    return TransferDistance(
        manifests=int(km.size),
        tonnes=total,
        mean_km=float((km * t).sum()) / total if total > 0 else None,
        long_haul_share_tonnes=float(t[over].sum()) / total if total > 0 else None,
        long_haul_share_manifests=float(over.mean()) if km.size else None,
    )
