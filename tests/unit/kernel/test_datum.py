"""GPS fixes (WGS-84) are shifted onto GCJ-02 before they meet our boundaries."""

from __future__ import annotations

import math

from ecociv.kernel.datum import Datum, to_gcj02, wgs84_to_gcj02


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    dx = (a[0] - b[0]) * 111_320 * math.cos(lat)
    dy = (a[1] - b[1]) * 110_574
    return math.hypot(dx, dy)


def test_shift_in_quzhou_is_a_few_hundred_metres() -> None:
    fix = (118.8593, 28.9700)
    shifted = wgs84_to_gcj02(*fix)
    assert 300 < metres(fix, shifted) < 800


def test_points_outside_china_are_not_shifted() -> None:
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_gcj02_input_is_kept_and_cgcs2000_is_treated_as_wgs84() -> None:
    point = (118.8593, 28.9700)
    assert to_gcj02(*point, Datum.GCJ02) == point
    assert to_gcj02(*point, Datum.CGCS2000) == wgs84_to_gcj02(*point)
