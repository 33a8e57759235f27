"""Registry rows, hourly points from raw readings, compliance and the warning lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecociv.kernel import ConflictError, ValidationError
from ecociv.sources.model import (
    AveragingPeriod,
    CrcPolicy,
    LimitBasis,
    OutletKind,
    PermitLimit,
    WarningState,
)
from ecociv.sources.rules import (
    RawReading,
    compliance,
    hash_password,
    hour_flag,
    hourly_points,
    next_state,
    parameter_name,
    validate_registry_row,
)

ROW = {
    "outlet_code": "DW001",
    "outlet_name": "废水总排口",
    "kind": "废水",
    "enterprise_uscc": "91330802ma75c10929",
    "mn": "MN0001",
    "password": "123456",
    "crc_policy": "宽容",
    "parameter_code": "W01018",
    "period": "小时",
    "limit_value": "100",
    "unit": "mg/L",
    "basis": "折算",
}


def test_a_registry_row_names_outlet_device_and_limit_and_hashes_the_password() -> None:
    row = validate_registry_row(2, ROW)
    assert row.outlet.kind is OutletKind.WASTEWATER
    assert row.outlet.enterprise_uscc == "91330802MA75C10929"
    assert row.device is not None and row.device.crc_policy is CrcPolicy.TOLERANT
    assert row.device.password_sha256 == hash_password("123456") != "123456"
    assert row.limit is not None and row.limit.parameter_code == "w01018"
    assert row.limit.basis is LimitBasis.CONVERTED and row.limit.period is AveragingPeriod.HOUR


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "噪声"),
        ("limit_value", "abc"),
        ("limit_value", "0"),
        ("period", "week"),
        ("online_timeout_minutes", "0"),
        ("password", ""),
        ("outlet_code", "bad code!"),
    ],
)
def test_a_bad_field_is_named(field: str, value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_registry_row(7, {**ROW, field: value})
    assert field in {e["field"] for e in caught.value.errors}
    assert "第 7 行" in caught.value.message


def test_minute_and_daily_data_get_their_own_series() -> None:
    assert parameter_name("a21026", "Avg", "2061") == "a21026-Avg"
    assert parameter_name("a21026", "Rtd", "2011") == "a21026-Rtd"
    assert parameter_name("a21026", "Avg", "2051") == "a21026-Avg-minute"
    assert parameter_name("a21026", "Avg", "2031") == "a21026-Avg-day"
    assert parameter_name("i12001", "Info", "3020") is None


@pytest.mark.parametrize(
    ("flags", "expected"),
    [(["N"] * 3 + ["M"], "N"), (["N"] * 2 + ["M"] * 2, "M"), (["C", "C", "D"], "C")],
)
def test_an_hour_is_valid_when_three_quarters_of_its_values_are(
    flags: list[str], expected: str
) -> None:
    assert hour_flag(flags) == expected


def test_hourly_points_prefer_the_hourly_value_and_take_zs_alongside() -> None:
    t = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    raw = [
        RawReading("a21026-Rtd", t + timedelta(minutes=5), 10.0, "N"),
        RawReading("a21026-Rtd", t + timedelta(minutes=35), 20.0, "N"),
        RawReading("a21026-ZsRtd", t + timedelta(minutes=5), 30.0, "N"),
        RawReading("w01018-Avg", t, 55.0, "N"),
        RawReading("w01018-Rtd", t + timedelta(minutes=1), 999.0, "N"),
        RawReading("w01018-Avg-day", t, 1.0, "N"),
    ]
    found = {p.code: p for p in hourly_points(raw)}
    assert found["a21026"].mean == 15.0 and found["a21026"].zs_mean == 30.0
    assert found["w01018"].mean == 55.0


def test_compliance_counts_valid_hours_within_the_hourly_limit() -> None:
    t = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    raw = [RawReading("w01018-Avg", t + timedelta(hours=h), v, f)
           for h, (v, f) in enumerate([(90, "N"), (100, "N"), (101, "N"), (500, "M")])]  # fmt: skip
    limit = PermitLimit("DW001", "w01018", AveragingPeriod.HOUR, 100.0, "mg/L", LimitBasis.MEASURED)
    judged = compliance(hourly_points(raw), [limit])
    assert (judged.valid_hours, judged.within_hours) == (3, 2)


def test_the_warning_lifecycle() -> None:
    assert next_state(WarningState.OPEN, "acknowledge") is WarningState.ACKNOWLEDGED
    assert next_state(WarningState.ACKNOWLEDGED, "resolve") is WarningState.RESOLVED
    assert next_state(WarningState.OPEN, "false_positive") is WarningState.FALSE_POSITIVE
    assert next_state(WarningState.OPEN, "resolve") is WarningState.RESOLVED
    for closed in (WarningState.RESOLVED, WarningState.FALSE_POSITIVE):
        for action in ("acknowledge", "resolve", "false_positive"):
            with pytest.raises(ConflictError):
                next_state(closed, action)
    with pytest.raises(ConflictError):
        next_state(WarningState.ACKNOWLEDGED, "acknowledge")
    with pytest.raises(ValidationError):
        next_state(WarningState.OPEN, "delete")
