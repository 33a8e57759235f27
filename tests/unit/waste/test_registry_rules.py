"""The registry's input rules (ecociv.waste.rules.registry): one natural key for every way of
writing it, quantities, positions and travel times within their bounds (each at, just below
and just above), and GPS fixes no later than a few minutes after the server's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ecociv.kernel import ValidationError
from ecociv.waste.rules.registry import (
    FUTURE_FIX_TOLERANCE,
    MAX_ETA_MINUTES,
    MAX_TONNES,
    check_eta,
    check_key,
    check_position,
    check_text,
    check_tonnes,
    fix_in_future,
    natural_key,
)


@pytest.mark.parametrize(
    ("variant", "key"),
    [
        ("浙hq1001", "浙HQ1001"),
        (" 浙HQ1001", "浙HQ1001"),
        ("浙H Q1001", "浙HQ1001"),
        ("浙Ｈｑ１００１", "浙HQ1001"),  # full width
        ("浙\u3000HQ1001\t", "浙HQ1001"),  # ideographic space, tab
        ("d330803101", "D330803101"),
        (" D330803101", "D330803101"),
        ("Ｄ330803101", "D330803101"),
        ("qzdemo-gps-102", "QZDEMO-GPS-102"),
    ],
)
def test_natural_key_variants_of_a_plate_crew_number_or_device_are_one_key(
    variant: str, key: str
) -> None:
    assert natural_key(variant) == key


def test_natural_key_blank_is_refused_where_required_naming_the_field() -> None:
    for blank in ("", " ", "\u3000"):
        with pytest.raises(ValidationError) as caught:
            check_key(blank, "number", 60)
        assert caught.value.field == "number"
    assert check_key(" ", "gps_device_id", 40, required=False) == ""


def test_text_length_bound_at_below_and_above_and_no_control_character() -> None:
    assert check_text("x" * 11, "code", 12) == "x" * 11
    assert check_text("x" * 12, "code", 12) == "x" * 12
    with pytest.raises(ValidationError) as caught:
        check_text("x" * 13, "code", 12)
    assert caught.value.field == "code"
    with pytest.raises(ValidationError, match="U\\+0000"):
        check_text("a\x00b", "method_code", 12)


def test_tonnes_bound_at_below_and_above_and_never_negative_or_infinite() -> None:
    assert Decimal(1_000_000) == MAX_TONNES
    assert check_tonnes("999999.999", "planned_t") == Decimal("999999.999")
    assert check_tonnes("1000000", "planned_t") == MAX_TONNES
    assert check_tonnes(0, "planned_t") == 0
    for bad in ("1000000.001", 1e308, "-0.001", "Infinity", "NaN"):
        with pytest.raises(ValidationError) as caught:
            check_tonnes(bad, "lines[1].planned_t")
        assert caught.value.field == "lines[1].planned_t"


@pytest.mark.parametrize(
    ("lon", "lat", "field"),
    [
        (135.9999, 28.9, None),
        (136.0, 28.9, None),
        (136.0001, 28.9, "longitude"),
        (73.0, 28.9, None),
        (72.9999, 28.9, "longitude"),
        (118.8, 54.0, None),
        (118.8, 54.0001, "latitude"),
        (118.8, 3.0, None),
        (118.8, 2.9999, "latitude"),
        (1e308, 28.9, "longitude"),
        (1.18e19, 28.9, "longitude"),
        (-1.18e19, 28.9, "longitude"),
        (118.8, 1e308, "latitude"),
        (118.8, None, "latitude"),
    ],
)
def test_a_sites_position_lies_in_chinas_box(lon: float, lat: float, field: str | None) -> None:
    if field is None:
        check_position(lon, lat)
        return
    with pytest.raises(ValidationError) as caught:
        check_position(lon, lat)
    assert caught.value.field == field


def test_eta_bound_at_below_and_above() -> None:
    assert MAX_ETA_MINUTES == 10_080
    assert check_eta(1) == 1
    assert check_eta(MAX_ETA_MINUTES - 1) == MAX_ETA_MINUTES - 1
    assert check_eta(MAX_ETA_MINUTES) == MAX_ETA_MINUTES
    for bad in (0, -1, MAX_ETA_MINUTES + 1, 2_147_483_648):
        with pytest.raises(ValidationError) as caught:
            check_eta(bad)
        assert caught.value.field == "eta_minutes"


def test_a_fix_may_be_at_most_ten_minutes_after_the_server_clock() -> None:
    now = datetime(2025, 9, 25, 1, 0, tzinfo=UTC)
    assert timedelta(minutes=10) == FUTURE_FIX_TOLERANCE
    assert not fix_in_future(now + FUTURE_FIX_TOLERANCE - timedelta(seconds=1), now)
    assert not fix_in_future(now + FUTURE_FIX_TOLERANCE, now)
    assert fix_in_future(now + FUTURE_FIX_TOLERANCE + timedelta(seconds=1), now)
    assert not fix_in_future(now - timedelta(days=1), now)
