"""Track rules of hazardous-waste transfers (notes/hazwaste.md §2.1 T4–T6; §6 W03, W06, W07,
W08, W13; §7 I11, I12). Each threshold is held with a value either side."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from ecociv.kernel import datum as kernel_datum
from ecociv.kernel.datum import Datum
from ecociv.waste.rules import tracks

GEOD = Geod(ellps="WGS84")
T0 = np.datetime64("2025-05-01T00:00:00", "s")  # 08:00 in Quzhou
QUZHOU = (118.87, 28.94)  # WGS-84


def at_minutes(*minutes: float) -> np.ndarray:
    return T0 + np.round(np.asarray(minutes, dtype=np.float64) * 60).astype("timedelta64[s]")


def moved(point: tuple[float, float], azimuth: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` along the WGS-84 geodesic from ``point`` at ``azimuth``."""
    lon, lat, _ = GEOD.fwd(point[0], point[1], azimuth, metres)
    return float(lon), float(lat)


def geodesic_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


# ---- GCJ-02 -----------------------------------------------------------------------------------

# (WGS-84 lon, lat) → (GCJ-02 lon, lat), as published in the test suites of eviltransform
# (Shanghai, Shenzhen, Beijing) and coordtransform (Beijing).
REFERENCE_PAIRS = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE_PAIRS)
def test_wgs84_to_gcj02_reproduces_published_pairs(wgs, gcj):
    lon, lat = tracks.wgs84_to_gcj02(wgs[0], wgs[1])
    assert float(lon) == pytest.approx(gcj[0], abs=1e-9)
    assert float(lat) == pytest.approx(gcj[1], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE_PAIRS)
def test_gcj02_to_wgs84_inverts_published_pairs_to_1e_7_degree(wgs, gcj):
    lon, lat = tracks.gcj02_to_wgs84(gcj[0], gcj[1])
    assert abs(float(lon) - wgs[0]) < 1e-7
    assert abs(float(lat) - wgs[1]) < 1e-7


def test_quzhou_is_shifted_by_hundreds_of_metres():
    lon, lat = tracks.wgs84_to_gcj02(*QUZHOU)
    shift = geodesic_m(QUZHOU, (float(lon), float(lat)))
    assert 400 < shift < 700


@pytest.mark.parametrize("point", [(139.69, 35.69), (-0.1276, 51.5072), (151.21, -33.87)])
def test_points_outside_china_are_unchanged(point):
    assert tuple(map(float, tracks.wgs84_to_gcj02(*point))) == point
    assert tuple(map(float, tracks.gcj02_to_wgs84(*point))) == point


def test_vectorised_transform_agrees_with_the_kernel_scalar_one():
    lon, lat = np.meshgrid(np.linspace(73.5, 134.5, 41), np.linspace(18.5, 53.5, 31))
    got_lon, got_lat = tracks.wgs84_to_gcj02(lon, lat)
    assert got_lon.shape == lon.shape
    for i, j in np.ndindex(lon.shape):
        want = kernel_datum.wgs84_to_gcj02(float(lon[i, j]), float(lat[i, j]))
        assert abs(got_lon[i, j] - want[0]) < 1e-12
        assert abs(got_lat[i, j] - want[1]) < 1e-12


def test_round_trip_wgs_gcj_wgs_is_within_half_a_metre():
    lon, lat = np.meshgrid(np.linspace(73.5, 134.5, 123), np.linspace(18.5, 53.5, 71))
    g_lon, g_lat = tracks.wgs84_to_gcj02(lon, lat)
    back_lon, back_lat = tracks.gcj02_to_wgs84(g_lon, g_lat)
    error = tracks.haversine_m(lon, lat, back_lon, back_lat)
    assert error.max() < 0.5
    assert error.max() < 0.001  # the iteration goes far beyond the requirement
    again_lon, again_lat = tracks.wgs84_to_gcj02(back_lon, back_lat)
    assert np.abs(again_lon - g_lon).max() < 1e-7
    assert np.abs(again_lat - g_lat).max() < 1e-7


# ---- distances --------------------------------------------------------------------------------


def test_haversine_of_one_degree_of_latitude_is_the_mean_radius_arc():
    d = tracks.haversine_m(118.87, 28.0, 118.87, 29.0)
    assert float(d) == pytest.approx(tracks.EARTH_RADIUS_M * math.pi / 180, rel=1e-12)


def test_haversine_is_within_half_a_percent_of_the_ellipsoid_over_china():
    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(74, 134, 5000), rng.uniform(18, 54, 5000)
    length = rng.uniform(10, 300_000, 5000)
    lon2, lat2, _ = GEOD.fwd(lon, lat, rng.uniform(0, 360, 5000), length)
    relative = tracks.haversine_m(lon, lat, lon2, lat2) / length - 1
    assert np.abs(relative).max() < 0.005


china_lon = st.floats(70, 140, allow_nan=False)
china_lat = st.floats(0, 56, allow_nan=False)
china_point = st.tuples(china_lon, china_lat)


@settings(max_examples=300, deadline=None)
@given(china_point, china_point, china_point)
def test_distance_is_symmetric_and_obeys_the_triangle_inequality(a, b, c):
    ab = float(tracks.haversine_m(a[0], a[1], b[0], b[1]))
    ba = float(tracks.haversine_m(b[0], b[1], a[0], a[1]))
    bc = float(tracks.haversine_m(b[0], b[1], c[0], c[1]))
    ac = float(tracks.haversine_m(a[0], a[1], c[0], c[1]))
    assert ab == pytest.approx(ba, abs=1e-6)
    assert ac <= ab + bc + 1e-6
    assert float(tracks.haversine_m(a[0], a[1], a[0], a[1])) == 0.0


def test_steps_route_length_and_distance_to_a_point():
    lon = [118.0, 118.0, 118.0]
    lat = [28.0, 28.5, 29.0]
    steps = tracks.step_distances_m(lon, lat)
    assert steps.shape == (2,)
    assert steps == pytest.approx([55_597.5, 55_597.5], abs=0.1)
    assert tracks.route_length_km(lon, lat) == pytest.approx(111.195, abs=0.001)
    assert tracks.distances_to_point_m(lon, lat, (118.0, 28.0)) == pytest.approx(
        [0.0, 55_597.5, 111_195.1], abs=0.1
    )


def _geodesic_to_segment(p, a, b) -> float:
    """Brute force: geodesic distance from p to the segment a–b straight in lon/lat."""
    low, high = 0.0, 1.0
    for _ in range(4):
        u = np.linspace(low, high, 401)
        lon = a[0] + u * (b[0] - a[0])
        lat = a[1] + u * (b[1] - a[1])
        d = GEOD.inv(np.full(u.size, p[0]), np.full(u.size, p[1]), lon, lat)[2]
        k = int(np.argmin(d))
        step = (high - low) / 400
        low, high = max(0.0, u[k] - step), min(1.0, u[k] + step)
    return float(d.min())


def test_distance_to_route_is_within_a_centimetre_of_the_ellipsoidal_geodesic():
    rng = np.random.default_rng(11)
    worst = 0.0
    for _ in range(150):
        a = (rng.uniform(75, 134), rng.uniform(18, 55))
        b = moved(a, rng.uniform(0, 360), rng.uniform(10, 20_000))
        s = rng.uniform(-0.2, 1.2)
        base = (a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1]))
        p = moved(base, rng.uniform(0, 360), rng.uniform(0, 5_000))
        got = float(tracks.distance_to_route_m([p[0]], [p[1]], [a[0], b[0]], [a[1], b[1]])[0])
        worst = max(worst, abs(got - _geodesic_to_segment(p, a, b)))
    assert worst < 0.01


def test_distance_to_a_one_vertex_route_is_the_distance_to_that_point():
    p = moved(QUZHOU, 37.0, 1234.5)
    got = tracks.distance_to_route_m([p[0]], [p[1]], [QUZHOU[0]], [QUZHOU[1]])
    assert float(got[0]) == pytest.approx(1234.5, abs=0.01)


# ---- input checks -----------------------------------------------------------------------------


def test_unsorted_times_raise_naming_the_first_out_of_order_index():
    times = at_minutes(0, 1, 2, 1.5, 1)
    lon = np.full(5, QUZHOU[0])
    lat = np.full(5, QUZHOU[1])
    calls = [
        lambda: tracks.gps_gaps(times, times[0], times[2]),
        lambda: tracks.tracking_coverage(times, times[0], times[2]),
        lambda: tracks.derive_stops(times, lon, lat),
        lambda: tracks.corridor_deviation(lon, lat, times, [118.8, 119.0], [28.94, 28.94]),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="index 3") as raised:
            call()
        assert raised.value.field == "times[3]"  # type: ignore[attr-defined]


def test_a_new_trip_may_start_before_the_last_one_ended_but_not_go_back_inside():
    times = at_minutes(10, 20, 30, 0, 5, 4)
    offsets = [0, 3, 6]
    with pytest.raises(tracks.TrackInputError, match="index 5"):
        tracks.gps_gaps_many(times, offsets, times[[0, 3]], times[[2, 4]])
    tracks.gps_gaps_many(times[:5], [0, 3, 5], times[[0, 3]], times[[2, 4]])


def test_times_must_be_datetime64_and_instants_aware():
    with pytest.raises(tracks.TrackInputError, match="datetime64"):
        tracks.gps_gaps(["2025-05-01T00:00"], T0, T0)
    with pytest.raises(tracks.TrackInputError, match="timezone"):
        tracks.utc_instant(datetime(2025, 5, 1, 8))  # noqa: DTZ001 - naive on purpose
    assert tracks.utc_instants([datetime(2025, 5, 1, tzinfo=UTC)])[0] == T0


def test_lengths_and_coordinates_are_checked():
    times = at_minutes(0, 1)
    with pytest.raises(tracks.TrackInputError, match="lon"):
        tracks.derive_stops(times, [118.0], [28.0, 28.0])
    with pytest.raises(tracks.TrackInputError, match="index 1"):
        tracks.derive_stops(times, [118.0, math.nan], [28.0, 28.0])


# ---- W08 GPS missing --------------------------------------------------------------------------


@pytest.mark.parametrize(("gap", "flagged"), [(9, False), (10, False), (11, True)])
def test_no_fix_for_more_than_10_minutes_in_transit_is_a_gap(gap, flagged):
    times = at_minutes(0, 1, 2, 2 + gap, 3 + gap)
    gaps = tracks.gps_gaps(times, times[0], times[-1])
    assert len(gaps) == int(flagged)
    if flagged:
        assert gaps[0].start == times[2]
        assert gaps[0].end == times[3]
        assert gaps[0].minutes == gap
        assert not gaps[0].no_track


def test_silence_after_departure_and_before_delivery_are_gaps():
    times = at_minutes(11, 12, 13)
    gaps = tracks.gps_gaps(times, at_minutes(0)[0], at_minutes(22)[0])
    assert [(g.minutes, g.no_track) for g in gaps] == [(11.0, False)]  # 13 → 22 is 9 min
    assert gaps[0].start == at_minutes(0)[0]
    gaps = tracks.gps_gaps(times, at_minutes(2)[0], at_minutes(24)[0])
    assert [g.minutes for g in gaps] == [11.0]
    assert gaps[0].start == times[-1]


def test_a_manifest_with_no_fixes_is_one_gap_whatever_its_length():
    no_times = np.array([], dtype="datetime64[s]")
    for length in (3, 90):
        gaps = tracks.gps_gaps(no_times, T0, at_minutes(length)[0])
        assert len(gaps) == 1
        assert gaps[0].no_track
        assert gaps[0].minutes == length


def test_fixes_outside_the_transit_window_do_not_cover_it():
    times = at_minutes(-30, -1, 5, 30)
    gaps = tracks.gps_gaps(times, at_minutes(0)[0], at_minutes(20)[0])
    assert [(g.minutes, g.no_track) for g in gaps] == [(15.0, False)]
    gaps = tracks.gps_gaps(at_minutes(-5, 25), at_minutes(0)[0], at_minutes(20)[0])
    assert [(g.minutes, g.no_track) for g in gaps] == [(20.0, True)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(0, 30 * 60), max_size=12),
        min_size=1,
        max_size=6,
    ),
    st.integers(-600, 600),
    st.integers(0, 7200),
)
def test_many_trips_at_once_give_what_each_trip_gives_alone(steps, lead, length):
    trips = [np.cumsum(np.asarray(s, dtype=np.int64)) for s in steps]
    times = np.concatenate([t.astype("datetime64[s]") for t in trips])
    offsets = np.cumsum([0] + [t.size for t in trips])
    starts = np.full(len(trips), np.datetime64(lead, "s"))
    ends = starts + np.timedelta64(length, "s")
    table = tracks.gps_gaps_many(times, offsets, starts, ends)
    alone = [
        g
        for k in range(len(trips))
        for g in tracks.gps_gaps(times[offsets[k] : offsets[k + 1]], starts[k], ends[k])
    ]
    assert table.rows() == tuple(alone)
    assert alone == [g for k, t in enumerate(trips) for g in _reference_gaps(t, lead, length)]


def _reference_gaps(t: np.ndarray, lead: int, length: int) -> list[tracks.Gap]:
    inside = [int(v) for v in t if lead <= v <= lead + length]
    if not inside:
        return [tracks.Gap(_s(lead), _s(lead + length), True)]
    edges = [lead, *inside, lead + length]
    return [
        tracks.Gap(_s(a), _s(b), False)
        for a, b in zip(edges[:-1], edges[1:], strict=True)
        if b - a > 600
    ]


def _s(seconds: int) -> np.datetime64:
    return np.datetime64(seconds, "s")


# ---- I12 tracking coverage --------------------------------------------------------------------


def test_coverage_is_transit_minutes_less_the_gaps():
    times = at_minutes(*range(0, 21), *range(40, 61))  # silent from minute 20 to 40
    coverage = tracks.tracking_coverage(times, times[0], times[-1])
    assert coverage.transit_minutes == 60
    assert coverage.covered_minutes == 40
    assert coverage.ratio == pytest.approx(2 / 3)


def test_fixes_every_9_minutes_cover_the_trip_and_every_11_do_not():
    every_9 = at_minutes(*range(0, 64, 9))
    assert tracks.tracking_coverage(every_9, every_9[0], every_9[-1]).ratio == 1.0
    every_11 = at_minutes(*range(0, 67, 11))
    assert tracks.tracking_coverage(every_11, every_11[0], every_11[-1]).ratio == 0.0


def test_coverage_without_fixes_is_zero_and_of_no_duration_undefined():
    no_times = np.array([], dtype="datetime64[s]")
    assert tracks.tracking_coverage(no_times, T0, at_minutes(5)[0]).ratio == 0.0
    assert tracks.tracking_coverage(no_times, T0, T0).ratio is None


def test_coverage_of_many_trips_sums_to_the_city_figure():
    times = at_minutes(0, 5, 30, 0, 5)
    table = tracks.tracking_coverage_many(
        times, [0, 3, 5, 5], times[[0, 3, 3]], at_minutes(30, 10, 10)
    )
    assert table.covered_minutes.tolist() == [5.0, 10.0, 0.0]
    assert table.transit_minutes.tolist() == [30.0, 10.0, 10.0]
    assert table.covered_minutes.sum() / table.transit_minutes.sum() == pytest.approx(15 / 50)


# ---- stops ------------------------------------------------------------------------------------


def drive_park_drive(park_minutes: int, *, jitter_m: float = 15.0, seed: int = 0):
    """Ten minutes east at 60 km/h, parked with GPS jitter, ten minutes on: one fix a minute."""
    rng = np.random.default_rng(seed)
    points = [moved(QUZHOU, 90.0, 1000.0 * k) for k in range(10)]
    park = moved(QUZHOU, 90.0, 10_000.0)
    points += [
        moved(park, rng.uniform(0, 360), rng.uniform(0, jitter_m)) for _ in range(park_minutes + 1)
    ]
    points += [moved(park, 90.0, 1000.0 * k) for k in range(1, 11)]
    lon, lat = (np.array(c) for c in zip(*points, strict=True))
    return at_minutes(*range(len(points))), lon, lat, park


def test_staying_within_the_radius_for_the_minimum_time_is_a_stop():
    times, lon, lat, park = drive_park_drive(31)
    stops = tracks.derive_stops(times, lon, lat)
    assert len(stops) == 1
    stop = stops[0]
    assert (stop.first_fix, stop.last_fix) == (10, 41)
    assert stop.start == times[10]
    assert stop.minutes == 31
    assert geodesic_m(stop.centre, park) < 15


@pytest.mark.parametrize(("minutes", "found"), [(4, False), (5, True), (6, True)])
def test_a_pause_shorter_than_the_minimum_is_not_a_stop(minutes, found):
    times, lon, lat, _ = drive_park_drive(minutes)
    assert len(tracks.derive_stops(times, lon, lat, min_minutes=5)) == int(found)


def test_drifting_out_of_the_radius_ends_the_stop():
    times = at_minutes(*range(21))
    points = [QUZHOU] * 10 + [moved(QUZHOU, 0.0, 150.0 * k) for k in range(1, 12)]
    lon, lat = (np.array(c) for c in zip(*points, strict=True))
    stops = tracks.derive_stops(times, lon, lat, radius_m=200, min_minutes=5)
    assert [(s.first_fix, s.last_fix) for s in stops] == [(0, 10)]


def test_a_fix_reported_moving_ends_the_stop():
    times = at_minutes(*range(21))
    lon, lat = np.full(21, QUZHOU[0]), np.full(21, QUZHOU[1])
    speed = np.zeros(21)
    speed[10] = 30.0  # km/h
    stops = tracks.derive_stops(times, lon, lat, speed, min_minutes=5)
    assert [(s.first_fix, s.last_fix) for s in stops] == [(0, 9), (11, 20)]
    speed[10] = math.nan  # unknown speed: the position decides
    assert len(tracks.derive_stops(times, lon, lat, speed, min_minutes=5)) == 1


def _reference_stops(t, lon, lat, moving, radius_m, min_s):
    """The sequential stay-point scan, written plainly."""
    stops, i, n = [], 0, len(t)
    while i < n:
        if moving[i]:
            i += 1
            continue
        j = i + 1
        while j < n and not moving[j] and _hav(lon[i], lat[i], lon[j], lat[j]) <= radius_m:
            j += 1
        if t[j - 1] - t[i] >= min_s:
            stops.append((i, j - 1))
            i = j
        else:
            i += 1
    return stops


def _hav(lon1, lat1, lon2, lat2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * tracks.EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


step = st.tuples(
    st.sampled_from([0, 20, 60, 60, 60, 120, 900]),  # seconds to the next fix
    st.floats(0, 360),  # heading
    st.sampled_from([0.0, 5.0, 30.0, 80.0, 150.0, 1000.0]),  # metres moved
    st.sampled_from([0.0, 0.0, 3.0, 40.0, math.nan]),  # reported speed, km/h
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(step, max_size=40), min_size=1, max_size=4), st.booleans())
def test_vectorised_stops_equal_the_sequential_scan(trips, with_speed):
    times, lon, lat, speed, offsets = [], [], [], [], [0]
    for trip in trips:
        t, point = 0, QUZHOU
        for seconds, heading, metres, kmh in trip:
            t += seconds
            point = moved(point, heading, metres)
            times.append(t)
            lon.append(point[0])
            lat.append(point[1])
            speed.append(kmh)
        offsets.append(len(times))
    t_s = np.asarray(times, dtype=np.int64)
    table = tracks.derive_stops_many(
        t_s.astype("datetime64[s]"),
        lon,
        lat,
        offsets,
        speed if with_speed else None,
        radius_m=100,
        min_minutes=5,
    )
    moving = np.asarray(speed) > 5 if with_speed else np.zeros(len(times), dtype=bool)
    want = []
    for k in range(len(trips)):
        a, b = offsets[k], offsets[k + 1]
        found = _reference_stops(t_s[a:b], lon[a:b], lat[a:b], moving[a:b], 100, 300)
        want += [(k, a + i, a + j) for i, j in found]
    got = list(
        zip(table.trip.tolist(), table.first_fix.tolist(), table.last_fix.tolist(), strict=True)
    )
    assert got == want
    for row, (_, i, j) in zip(table.rows(), want, strict=True):
        assert row.lon == pytest.approx(np.mean(lon[i : j + 1]), abs=1e-9)
        assert row.lat == pytest.approx(np.mean(lat[i : j + 1]), abs=1e-9)


# ---- W07 abnormal stop ------------------------------------------------------------------------

RECEIVER = moved(QUZHOU, 45.0, 25_000.0)


def stop_of(minutes: float, where: tuple[float, float]) -> tracks.Stop:
    return tracks.Stop(T0, at_minutes(minutes)[0], where[0], where[1], 0, 1)


@pytest.mark.parametrize(("minutes", "flagged"), [(29, False), (30, False), (31, True)])
def test_a_stop_over_30_minutes_outside_the_whitelist_is_abnormal(minutes, flagged):
    roadside = moved(RECEIVER, 180.0, 5_000.0)
    stops = [stop_of(minutes, roadside)]
    assert len(tracks.abnormal_stops(stops, [RECEIVER], 500.0)) == int(flagged)


def test_a_long_stop_inside_a_whitelisted_site_is_not_abnormal():
    at_gate = moved(RECEIVER, 300.0, 490.0)
    beyond = moved(RECEIVER, 300.0, 510.0)
    stops = [stop_of(120, at_gate), stop_of(120, beyond)]
    assert tracks.abnormal_stops(stops, [RECEIVER], 500.0) == (stops[1],)
    service_area = moved(QUZHOU, 0.0, 40_000.0)
    far = [stop_of(45, moved(service_area, 10.0, 900.0))]
    assert tracks.abnormal_stops(far, [RECEIVER, service_area], [500.0, 1000.0]) == ()
    assert tracks.abnormal_stops(far, [RECEIVER, service_area], [500.0, 800.0]) == tuple(far)
    assert tracks.abnormal_stops(far, [], 500.0) == tuple(far)


def test_a_whitelist_from_the_base_map_is_converted_from_gcj02():
    site = moved(QUZHOU, 200.0, 15_000.0)
    site_on_map = tuple(float(v) for v in tracks.wgs84_to_gcj02(*site))
    stops = [stop_of(60, site)]
    assert tracks.abnormal_stops(stops, [site_on_map], 200.0, whitelist_datum=Datum.GCJ02) == ()
    # the same GCJ-02 point read as WGS-84 lies ~550 m away: the datum matters
    assert tracks.abnormal_stops(stops, [site_on_map], 200.0) == tuple(stops)


# ---- T6 geofence ------------------------------------------------------------------------------


def test_arrival_is_inside_the_receivers_geofence():
    inside = moved(RECEIVER, 300.0, 490.0)  # away from the GCJ-02 shift (south-east here)
    outside = moved(RECEIVER, 300.0, 510.0)
    got = tracks.inside_geofence([inside[0], outside[0]], [inside[1], outside[1]], RECEIVER, 500)
    assert got.tolist() == [True, False]
    on_map = tuple(float(v) for v in tracks.wgs84_to_gcj02(*RECEIVER))
    assert bool(tracks.inside_geofence(inside[0], inside[1], on_map, 500, centre_datum="GCJ-02"))
    assert not bool(tracks.inside_geofence(inside[0], inside[1], on_map, 500))


# ---- W06 route deviation ----------------------------------------------------------------------

ROUTE_LON = [118.60, 118.90, 119.20]
ROUTE_LAT = [28.94, 28.94, 28.94]


def corridor_track(offset_m: float, held_minutes: int):
    """One fix a minute along the route; from minute 5 the vehicle runs ``offset_m`` north of it
    for ``held_minutes``, then returns."""
    points = []
    for k in range(5 + held_minutes + 1 + 5):
        on_route = (118.62 + 0.01 * k, 28.94)
        off = 5 <= k <= 5 + held_minutes
        points.append(moved(on_route, 0.0, offset_m) if off else on_route)
    lon, lat = (np.array(c) for c in zip(*points, strict=True))
    return at_minutes(*range(len(points))), lon, lat


@pytest.mark.parametrize(
    ("offset_m", "held", "flagged"),
    [(999, 11, False), (1001, 10, False), (1001, 11, True), (5000, 10, False)],
)
def test_more_than_1_km_off_the_corridor_for_more_than_10_minutes_is_a_deviation(
    offset_m, held, flagged
):
    times, lon, lat = corridor_track(offset_m, held)
    found = tracks.corridor_deviation(lon, lat, times, ROUTE_LON, ROUTE_LAT)
    assert len(found) == int(flagged)
    if flagged:
        (deviation,) = found
        assert (deviation.first_fix, deviation.last_fix) == (5, 16)
        assert deviation.minutes == 11
        assert deviation.max_offset_m == pytest.approx(1001, abs=0.01)


def test_a_planned_route_from_the_base_map_is_converted_from_gcj02():
    times, lon, lat = corridor_track(0.0, 0)
    route_lon, route_lat = tracks.wgs84_to_gcj02(ROUTE_LON, ROUTE_LAT)
    kwargs = {"max_offset_m": 100.0, "min_minutes": 1.0}
    converted = tracks.corridor_deviation(
        lon, lat, times, route_lon, route_lat, route_datum=Datum.GCJ02, **kwargs
    )
    assert converted == ()
    assert len(tracks.corridor_deviation(lon, lat, times, route_lon, route_lat, **kwargs)) == 1


def test_deviations_of_many_trips_do_not_run_across_trips():
    times, lon, lat = corridor_track(2000, 11)
    # trip 0 ends while off the corridor, trip 1 starts off it: two runs, neither long enough
    head, tail = slice(0, 11), slice(11, None)
    cut = tracks.corridor_deviation_many(
        np.r_[lon[head], lon[tail]],
        np.r_[lat[head], lat[tail]],
        np.r_[times[head], times[tail]],
        [0, 11, times.size],
        ROUTE_LON * 2,
        ROUTE_LAT * 2,
        [0, 3, 6],
    )
    assert len(cut) == 0
    whole = tracks.corridor_deviation_many(
        lon, lat, times, [0, times.size], ROUTE_LON, ROUTE_LAT, [0, 3]
    )
    assert whole.first_fix.tolist() == [5]
    assert whole.rows() == tracks.corridor_deviation(lon, lat, times, ROUTE_LON, ROUTE_LAT)


def test_corridor_distances_do_not_depend_on_the_chunk_size(monkeypatch):
    rng = np.random.default_rng(3)
    lon = QUZHOU[0] + rng.uniform(-0.3, 0.3, 500)
    lat = QUZHOU[1] + rng.uniform(-0.3, 0.3, 500)
    whole = tracks.distance_to_route_m(lon, lat, ROUTE_LON, ROUTE_LAT)
    monkeypatch.setattr(tracks, "_CORRIDOR_CHUNK", 7)
    assert np.array_equal(tracks.distance_to_route_m(lon, lat, ROUTE_LON, ROUTE_LAT), whole)


# ---- W03, W13, I11 ----------------------------------------------------------------------------


@pytest.mark.parametrize(("elapsed", "late"), [(209, False), (210, False), (211, True)])
def test_transit_longer_than_eta_times_1_5_plus_2_hours_is_too_long(elapsed, late):
    assert bool(tracks.transit_too_long(T0, at_minutes(elapsed)[0], 60)) is late


def test_transit_too_long_works_on_arrays_and_refuses_time_running_backwards():
    got = tracks.transit_too_long(np.array([T0, T0]), at_minutes(100, 430), [10, 200])
    assert got.tolist() == [False, True]  # limits 135 and 420 minutes
    with pytest.raises(tracks.TrackInputError):
        tracks.transit_too_long(at_minutes(5)[0], T0, 60)


@pytest.mark.parametrize(("km", "long_haul"), [(99.9, False), (100.0, False), (100.1, True)])
def test_a_route_over_100_km_is_long_distance(km, long_haul):
    assert bool(tracks.long_distance(km)) is long_haul


def test_transfer_distance_is_weighted_by_tonnes():
    got = tracks.transfer_distance([20.0, 120.0, 80.0], [6.0, 1.0, 3.0])
    assert got.manifests == 3
    assert got.tonnes == 10.0
    assert got.mean_km == pytest.approx((120 + 120 + 240) / 10)
    assert got.long_haul_share_tonnes == pytest.approx(0.1)
    assert got.long_haul_share_manifests == pytest.approx(1 / 3)
    empty = tracks.transfer_distance([], [])
    assert (empty.mean_km, empty.long_haul_share_tonnes, empty.long_haul_share_manifests) == (
        None,
        None,
        None,
    )
