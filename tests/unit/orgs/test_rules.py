"""Enterprise record rules and boundary geometry."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from shapely.geometry import box

from ecociv.kernel import ValidationError
from ecociv.kernel.uscc import check_char
from ecociv.orgs.model import EnterpriseDraft, EnterpriseTag
from ecociv.orgs.rules import geodesic_area_km2, label_point, validate_enterprise
from ecociv.standards import IndustryCodeError, validate_industry_code

#: Two square "counties" side by side (GCJ-02 degrees), hand drawn.
SHAPES = {"330802": box(118.0, 28.0, 119.0, 29.0), "330881": box(119.0, 28.0, 120.0, 29.0)}
BODY = "91330802MA28F1234"
USCC = BODY + check_char(BODY)


def draft(**overrides: object) -> EnterpriseDraft:
    values: dict[str, object] = {"uscc": USCC, "name": "示例化工有限公司", "county_code": "330802"}
    values.update(overrides)
    return EnterpriseDraft(**values)  # type: ignore[arg-type]


def test_a_complete_record_is_normalised() -> None:
    item = validate_enterprise(
        draft(
            uscc=USCC.lower(),
            industry_code="c2614",
            tags=["key_polluter", "key_polluter"],
            longitude=118.5,
            latitude=28.5,
        ),
        SHAPES,
    )
    assert item.uscc == USCC
    assert item.industry_code == "C2614"
    assert item.tags == (EnterpriseTag.KEY_POLLUTER,)
    assert (item.longitude, item.latitude) == (118.5, 28.5)


def test_every_error_is_listed_with_its_field() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_enterprise(
            draft(uscc="123", name="x", county_code="999999", industry_code="Z99", tags=["bad"]),
            SHAPES,
        )
    fields = [e["field"] for e in caught.value.errors]
    assert fields == ["uscc", "name", "county_code", "industry_code", "tags"]


def test_a_location_in_another_county_is_rejected() -> None:
    with pytest.raises(ValidationError, match="不在所选县") as caught:
        validate_enterprise(draft(longitude=119.5, latitude=28.5), SHAPES)
    assert caught.value.field == "longitude"


def test_a_location_just_outside_the_boundary_is_tolerated() -> None:
    validate_enterprise(draft(longitude=119.004, latitude=28.5), SHAPES)
    with pytest.raises(ValidationError):
        validate_enterprise(draft(longitude=119.006, latitude=28.5), SHAPES)


def test_a_wgs84_fix_is_stored_in_gcj02() -> None:
    item = validate_enterprise(draft(longitude=118.5, latitude=28.5, datum="WGS-84"), SHAPES)
    assert item.longitude is not None and item.longitude != 118.5


def test_half_a_location_is_an_error() -> None:
    with pytest.raises(ValidationError, match="同时"):
        validate_enterprise(draft(longitude=118.5), SHAPES)


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("C13", True),
        ("C12", False),
        ("C4399", True),
        ("C4411", False),
        ("D44", True),
        ("K70", True),
        ("K71", False),
        ("T98", True),
        ("U01", False),
        ("C", True),
        ("C1", False),
    ],
)
def test_industry_codes_follow_the_sections_of_gbt_4754_2017(code: str, ok: bool) -> None:
    if ok:
        assert validate_industry_code(code) == code
    else:
        with pytest.raises(IndustryCodeError):
            validate_industry_code(code)


def test_quzhou_area_matches_the_published_figure() -> None:
    """衢州市 reports 8,844.79 km² (statistical yearbook); the generalised boundary gives
    the same within half a percent."""
    text = resources.files("ecociv.orgs").joinpath("data/quzhou_city.geojson").read_text("utf-8")
    geometry = json.loads(text)["features"][0]["geometry"]
    assert geodesic_area_km2(geometry) == pytest.approx(8844.79, rel=0.005)


def test_label_point_lies_inside_the_shape() -> None:
    lon, lat = label_point(box(118.0, 28.0, 119.0, 29.0).__geo_interface__)
    assert 118.0 < lon < 119.0 and 28.0 < lat < 29.0
