"""Monitoring rules: site records, reading rows, and the aggregation definitions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from shapely.geometry import box

from ecociv.kernel import ValidationError
from ecociv.kernel.datum import Datum, to_gcj02
from ecociv.monitoring.model import ControlLevel, SiteDraft, SiteKind
from ecociv.monitoring.rules import (
    annual_means,
    check_readings,
    daily_means,
    monthly_means,
    parse_observed_at,
    validate_site,
)

#: Two square "counties" side by side (GCJ-02 degrees), hand drawn.
SHAPES = {"330802": box(118.0, 28.0, 119.0, 29.0), "330881": box(119.0, 28.0, 120.0, 29.0)}


def section(**changes: object) -> SiteDraft:
    fields: dict[str, object] = {
        "code": "QZ-W-01",
        "name": "衢江樟树潭断面",
        "kind": "water_section",
        "county_code": "330802",
        "river": "衢江",
        "control_level": "国控",
        "target_class": "III",
        "river_chief": "张三（县级河长）",
        "longitude": 118.5,
        "latitude": 28.5,
    }
    fields.update(changes)
    return SiteDraft(**fields)  # type: ignore[arg-type]


def fields_of(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {e["field"] for e in exc.value.errors}


def test_a_water_section_maps_its_chinese_control_level_and_roman_target_class() -> None:
    site = validate_site(section(), SHAPES)
    assert site.kind is SiteKind.WATER_SECTION
    assert site.control_level is ControlLevel.NATIONAL
    assert site.target_class == 3


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("国控", ControlLevel.NATIONAL),
        ("省控", ControlLevel.PROVINCIAL),
        ("市控", ControlLevel.MUNICIPAL),
        ("交接断面", ControlLevel.BOUNDARY),
        ("boundary", ControlLevel.BOUNDARY),
    ],
)
def test_every_control_level_is_accepted_by_its_chinese_name(
    text: str, level: ControlLevel
) -> None:
    assert validate_site(section(control_level=text), SHAPES).control_level is level


def test_an_unknown_control_level_is_named() -> None:
    with pytest.raises(ValidationError) as exc:
        validate_site(section(control_level="县控"), SHAPES)
    assert fields_of(exc) == {"control_level"}


@pytest.mark.parametrize(("text", "ok"), [("0", False), ("1", True), ("5", True), ("6", False)])
def test_target_class_is_one_to_five(text: str, ok: bool) -> None:
    if ok:
        assert validate_site(section(target_class=text), SHAPES).target_class == int(text)
    else:
        with pytest.raises(ValidationError) as exc:
            validate_site(section(target_class=text), SHAPES)
        assert fields_of(exc) == {"target_class"}


def test_a_water_section_needs_a_river_and_a_target_class() -> None:
    with pytest.raises(ValidationError) as exc:
        validate_site(section(river="", target_class=""), SHAPES)
    assert fields_of(exc) == {"river", "target_class"}


def test_only_water_sections_have_a_target_class() -> None:
    with pytest.raises(ValidationError) as exc:
        validate_site(section(kind="air_station", target_class="2"), SHAPES)
    assert fields_of(exc) == {"target_class"}
    station = validate_site(section(kind="air_station", target_class="", river=""), SHAPES)
    assert station.target_class is None


def test_an_unknown_kind_and_county_are_named() -> None:
    with pytest.raises(ValidationError) as exc:
        validate_site(section(kind="noise_point", county_code="999999"), SHAPES)
    assert {"kind", "county_code"} <= fields_of(exc)


def test_a_gps_fix_is_stored_in_gcj02() -> None:
    site = validate_site(section(longitude=118.5, latitude=28.5, datum="WGS-84"), SHAPES)
    lon, lat = to_gcj02(118.5, 28.5, Datum.WGS84)
    assert (site.longitude, site.latitude) == (round(lon, 6), round(lat, 6))


def test_a_point_outside_its_county_is_refused_like_an_enterprise() -> None:
    with pytest.raises(ValidationError) as exc:
        validate_site(section(longitude=119.5, latitude=28.5), SHAPES)
    assert fields_of(exc) == {"longitude"}


# ---- readings ----------------------------------------------------------------------------


def row(**changes: str) -> dict[str, str]:
    fields = {
        "site_code": "S1",
        "parameter": "pm25",
        "observed_at": "2024-03-01T08:00:00+08:00",
        "value": "35",
        "flag": "",
    }
    fields.update(changes)
    return fields


def test_a_time_without_zone_is_beijing_time() -> None:
    assert parse_observed_at("2024-03-01 08:00") == datetime(2024, 3, 1, 0, tzinfo=UTC)
    assert parse_observed_at("2024-03-01T00:00:00Z") == datetime(2024, 3, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"site_code": "NOPE"}, "site_code"),
        ({"parameter": " "}, "parameter"),
        ({"observed_at": "2024-03-01"}, "observed_at"),
        ({"observed_at": "yesterday"}, "observed_at"),
        ({"value": "abc"}, "value"),
        ({"value": "nan"}, "value"),
        ({"value": "inf"}, "value"),
        ({"value": ""}, "value"),
    ],
)
def test_a_bad_row_is_rejected_naming_its_row_and_field(
    changes: dict[str, str], field: str
) -> None:
    second = {"observed_at": "2024-03-01T09:00:00+08:00", **changes}
    check = check_readings([row(), row(**second)], {"S1"})
    assert len(check.readings) == 1
    assert [(r.row_number, r.field) for r in check.rejects] == [(3, field)]


def test_a_repeated_site_parameter_and_time_is_rejected() -> None:
    check = check_readings([row(), row(observed_at="2024-03-01 08:00", value="36")], {"S1"})
    assert [(r.row_number, r.field) for r in check.rejects] == [(3, "observed_at")]
    assert "row 2" in check.rejects[0].message


def test_flag_is_optional_and_value_may_be_negative_or_zero() -> None:
    check = check_readings([row(value="0", flag="H"), row(value="-1.5", parameter="t")], {"S1"})
    assert [(r.value, r.flag) for r in check.readings] == [(0.0, "H"), (-1.5, "")]


# ---- aggregation -------------------------------------------------------------------------

T0 = datetime(2024, 2, 28, 16, tzinfo=UTC)  # 2024-02-29 00:00 in Beijing


def test_a_local_day_runs_from_midnight_beijing_time_and_coverage_counts_hours() -> None:
    obs = [("S1", "pm25", T0 + timedelta(hours=h), float(h)) for h in range(24)]
    obs.append(("S1", "pm25", T0 - timedelta(hours=1), 100.0))  # 23:00 on the 28th, Beijing
    days = daily_means(obs)
    assert [(d.day_on, d.hours, d.coverage) for d in days] == [
        (date(2024, 2, 28), 1, 1 / 24),
        (date(2024, 2, 29), 24, 1.0),
    ]
    assert days[1].mean == pytest.approx(11.5)


def test_values_in_the_same_hour_are_averaged_first() -> None:
    obs = [
        ("S1", "pm25", T0, 10.0),
        ("S1", "pm25", T0 + timedelta(minutes=30), 20.0),
        ("S1", "pm25", T0 + timedelta(hours=1), 40.0),
    ]
    (day,) = daily_means(obs)
    assert (day.mean, day.hours) == (27.5, 2)


def test_month_and_year_coverage_count_days_in_a_leap_february() -> None:
    obs = [("S1", "pm25", T0 + timedelta(days=d), 10.0 * (d + 1)) for d in range(2)]
    days = daily_means(obs)  # 29 Feb and 1 Mar 2024
    months = monthly_means(days)
    assert [(m.month, m.days, m.coverage) for m in months] == [(2, 1, 1 / 29), (3, 1, 1 / 31)]
    (year,) = annual_means(days)
    assert (year.mean, year.days, year.coverage) == (15.0, 2, 2 / 366)
