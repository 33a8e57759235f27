"""Geodetic datums: GPS fixes are WGS-84, Chinese web maps (and our boundaries) GCJ-02.

The WGS-84 → GCJ-02 transform is the published reverse-engineered formula used by open
mapping libraries (e.g. eviltransform, coordtransform); it agrees with the official
obfuscation to well under a metre. Outside China the two datums coincide.
"""

from __future__ import annotations

import math
from enum import StrEnum

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by the transform
_EE = 0.00669342162296594323


class Datum(StrEnum):
    WGS84 = "WGS-84"
    GCJ02 = "GCJ-02"
    CGCS2000 = "CGCS2000"  # within a metre of WGS-84; treated as WGS-84


def _outside_china(lon: float, lat: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Shift a WGS-84 (or CGCS2000) point onto GCJ-02.

    Examples:
        >>> lon, lat = wgs84_to_gcj02(118.8593, 28.9700)  # Quzhou: shifted a few hundred metres
        >>> round(lon - 118.8593, 4), round(lat - 28.9700, 4)
        (0.0048, -0.0031)
    """
    if _outside_china(lon, lat):
        return lon, lat
    d_lat = _transform_lat(lon - 105.0, lat - 35.0)
    d_lon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lon + d_lon, lat + d_lat


def to_gcj02(lon: float, lat: float, datum: Datum) -> tuple[float, float]:
    """A point in any supported datum, expressed in GCJ-02 (the datum of our base map)."""
    if datum is Datum.GCJ02:
        return lon, lat
    return wgs84_to_gcj02(lon, lat)
