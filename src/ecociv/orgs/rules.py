"""Pure rules for organisations and enterprises: areas, label points, record validation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyproj import Geod
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from ecociv.kernel.datum import Datum, to_gcj02
from ecociv.kernel.errors import ValidationError
from ecociv.kernel.uscc import UsccError, validate_uscc
from ecociv.orgs.model import Enterprise, EnterpriseDraft, EnterpriseTag
from ecociv.standards import IndustryCodeError, validate_industry_code

_GEOD = Geod(ellps="WGS84")
#: Boundaries are generalised; a point this close outside its county (about 500 m) still counts.
BOUNDARY_TOLERANCE_DEG = 0.005


def geodesic_area_km2(geometry: Mapping[str, Any]) -> float:
    """Area of a GeoJSON polygon on the WGS-84 ellipsoid, in km² (never in degrees).

    Examples:
        >>> square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
        >>> round(geodesic_area_km2(square))
        12309
    """
    area_m2, _perimeter = _GEOD.geometry_area_perimeter(shape(geometry))
    return abs(float(area_m2)) / 1e6


def label_point(geometry: Mapping[str, Any]) -> tuple[float, float]:
    """A point guaranteed inside the shape, for its map label (lon, lat)."""
    point = shape(geometry).representative_point()
    return round(point.x, 6), round(point.y, 6)


def locate_in_county(
    longitude: float | None,
    latitude: float | None,
    datum: str,
    county_code: str,
    county_shapes: Mapping[str, BaseGeometry],
) -> tuple[float | None, float | None, list[dict[str, str]]]:
    """A location as entered, converted to GCJ-02 and checked to lie in its county.

    Returns ``(longitude, latitude, errors)``: the point in GCJ-02 rounded to 6 decimals (or
    ``None, None`` when no location was given) and a list of ``{"field", "message"}`` errors.
    Both coordinates or neither must be given; ``datum`` is WGS-84, CGCS2000 or GCJ-02. Shared
    by every record that carries a location (enterprises, monitoring sites).

    Examples:
        >>> locate_in_county(None, None, "GCJ-02", "330802", {})
        (None, None, [])
        >>> locate_in_county(118.9, None, "GCJ-02", "330802", {})[2][0]["field"]
        'latitude'
    """
    errors: list[dict[str, str]] = []

    def fail(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    lon, lat = longitude, latitude
    if (lon is None) != (lat is None):
        fail("latitude" if lat is None else "longitude", "经纬度需同时填写 (give both or neither)")
        lon = lat = None
    if lon is not None and lat is not None:
        try:
            parsed = Datum(datum)
        except ValueError:
            fail("datum", f"坐标系应为 WGS-84、CGCS2000 或 GCJ-02，而非 “{datum}”")
            parsed = Datum.GCJ02
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            fail("longitude", "经纬度超出范围 (coordinates out of range)")
        else:
            lon, lat = to_gcj02(lon, lat, parsed)
            county = county_shapes.get(county_code)
            if county is not None and county.distance(Point(lon, lat)) > BOUNDARY_TOLERANCE_DEG:
                fail(
                    "longitude",
                    f"位置 ({lon:.5f}, {lat:.5f}) 不在所选县（市、区）{county_code} 范围内 "
                    "(location is outside the chosen county)",
                )
            lon, lat = round(lon, 6), round(lat, 6)
    return lon, lat, errors


def validate_enterprise(
    draft: EnterpriseDraft,
    county_shapes: Mapping[str, BaseGeometry],
) -> Enterprise:
    """Check every field of an enterprise record; raise ValidationError listing all errors.

    ``county_shapes`` maps county codes to their boundaries (GCJ-02); the location, converted
    to GCJ-02, must lie in the chosen county.
    """
    errors: list[dict[str, str]] = []

    def fail(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    uscc = draft.uscc
    try:
        uscc = validate_uscc(draft.uscc)
    except UsccError as exc:
        fail("uscc", exc.message)
    name = draft.name.strip()
    if not 2 <= len(name) <= 200:
        fail("name", "企业名称应为 2–200 个字符 (name must be 2-200 characters)")
    if draft.county_code not in county_shapes:
        fail("county_code", f"未知的县（市、区）代码 “{draft.county_code}” (unknown county code)")
    industry = ""
    if draft.industry_code.strip():
        try:
            industry = validate_industry_code(draft.industry_code)
        except IndustryCodeError as exc:
            fail("industry_code", exc.message)
    tags: list[EnterpriseTag] = []
    for tag in draft.tags:
        try:
            tags.append(EnterpriseTag(tag))
        except ValueError:
            fail("tags", f"未知的企业标签 “{tag}” (unknown tag)")
    lon, lat, location_errors = locate_in_county(
        draft.longitude, draft.latitude, draft.datum, draft.county_code, county_shapes
    )
    errors.extend(location_errors)
    if errors:
        raise ValidationError(errors[0]["message"], field=errors[0]["field"], errors=errors)
    return Enterprise(
        uscc=uscc,
        name=name,
        county_code=draft.county_code,
        address=draft.address.strip(),
        industry_code=industry,
        longitude=lon,
        latitude=lat,
        tags=tuple(dict.fromkeys(tags)),
        is_synthetic=draft.is_synthetic,
    )


def grand_total(counts: Mapping[str, Mapping[str, int]]) -> int:
    """All enterprises over the counties of :func:`count_by_county_and_tag`.

    Examples:
        >>> grand_total({"330802": {"total": 2}, "330803": {"total": 1}})
        3
    """
    return sum(bucket.get("total", 0) for bucket in counts.values())


def count_by_county_and_tag(
    rows: Sequence[tuple[str, Sequence[str]]], county_codes: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Count enterprises per county, in total and per tag (for the dashboard chart).

    Examples:
        >>> count_by_county_and_tag([("330802", ["key_polluter"]), ("330802", [])], ["330802"])
        {'330802': {'total': 2, 'key_polluter': 1}}
    """
    counts: dict[str, dict[str, int]] = {code: {"total": 0} for code in county_codes}
    for county, tags in rows:
        bucket = counts.setdefault(county, {"total": 0})
        bucket["total"] += 1
        for tag in tags:
            bucket[tag] = bucket.get(tag, 0) + 1
    return counts
