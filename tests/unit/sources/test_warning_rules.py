"""Each warning rule at its threshold, with a value either side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecociv.sources.model import (
    AveragingPeriod,
    DeviceContext,
    EvaluationState,
    HourlyPoint,
    LimitBasis,
    PermitLimit,
    WarningRule,
)
from ecociv.sources.rules.warnings import WarningSettings, evaluate

NOW = datetime(2026, 3, 2, 12, 5, tzinfo=UTC)
LAST = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)  # the last complete hour
SETTINGS = WarningSettings()


def points(code: str, values: list[float], *, flag: str = "N", zs: list[float] | None = None,
           end: datetime = LAST) -> list[HourlyPoint]:  # fmt: skip
    """Hourly points of one parameter ending at ``end`` (the last value is the latest)."""
    n = len(values)
    return [
        HourlyPoint(code, end - timedelta(hours=n - 1 - i), v, zs[i] if zs else None, 1, flag)
        for i, v in enumerate(values)
    ]


def ramp(n: int, start: float = 10.0) -> list[float]:
    """Values that vary (no flat line, no zero variance)."""
    return [start + (i % 5) * 1.5 for i in range(n)]


def device(
    *limits: PermitLimit, last_frame_at: datetime | None = NOW, timeout: int = 60
) -> DeviceContext:
    return DeviceContext("MN1", timeout, last_frame_at, tuple(limits))


def limit(code: str = "w01018", value: float = 100.0, *, basis: LimitBasis = LimitBasis.MEASURED,
          period: AveragingPeriod = AveragingPeriod.HOUR) -> PermitLimit:  # fmt: skip
    return PermitLimit("OUT1", code, period, value, "mg/L", basis)


def fired(pts: list[HourlyPoint], dev: DeviceContext, settings: WarningSettings = SETTINGS,
          state: EvaluationState | None = None) -> set[tuple[str, str]]:  # fmt: skip
    _, findings, _ = evaluate(state or EvaluationState(), pts, NOW, device=dev, settings=settings)
    return {f.key for f in findings}


# ---- permit limit --------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(99.9, False), (100.0, False), (100.1, True)])
def test_an_hourly_mean_over_the_permit_limit_raises_exceedance(
    value: float, expected: bool
) -> None:
    pts = points("w01018", [*ramp(5, 50), value])
    assert (("exceedance", "w01018") in fired(pts, device(limit()))) is expected


@pytest.mark.parametrize(("zs", "expected"), [(34.9, False), (35.0, False), (35.1, True)])
def test_a_converted_limit_is_judged_on_the_zs_value_not_the_measured(
    zs: float, expected: bool
) -> None:
    # measured 50 is over 35, but the permit states a converted concentration
    pts = points("a21026", [20, 21, 50], zs=[20, 21, zs])
    dev = device(limit("a21026", 35.0, basis=LimitBasis.CONVERTED))
    assert (("exceedance", "a21026") in fired(pts, dev)) is expected


def test_an_hour_flagged_invalid_is_not_judged_against_the_limit() -> None:
    pts = points("w01018", [50, 52, 51]) + [
        HourlyPoint("w01018", LAST + timedelta(hours=0), 500, None, 1, "M")
    ]
    pts = [p for p in pts if not (p.hour == LAST and p.flag == "N")]
    assert ("exceedance", "w01018") not in fired(pts, device(limit()))


def test_a_daily_limit_is_judged_on_a_complete_day_with_enough_valid_hours() -> None:
    day_end = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # 2026-03-02 00:00 Beijing
    over = points("w01018", [120.0 + (i % 3) for i in range(24)], end=day_end - timedelta(hours=1))
    dev = device(limit(period=AveragingPeriod.DAY))
    assert ("exceedance", "w01018:day") in fired(over, dev)
    short = over[-(SETTINGS.min_valid_hours_per_day - 1) :]
    assert ("exceedance", "w01018:day") not in fired(short, dev)


def test_a_breach_between_two_evaluations_is_not_lost() -> None:
    pts = points("w01018", [50, 150, 51])  # over at 10:00, fine again at 11:00
    state = EvaluationState(last_hour=LAST - timedelta(hours=3))
    assert ("exceedance", "w01018") in fired(pts, device(limit()), state=state)
    seen = EvaluationState(last_hour=LAST)  # already evaluated: nothing new, not current
    assert ("exceedance", "w01018") not in fired(pts, device(limit()), state=seen)


# ---- offline -------------------------------------------------------------------------------


@pytest.mark.parametrize(("silent_minutes", "expected"), [(59, False), (60, False), (61, True)])
def test_a_device_silent_longer_than_its_timeout_is_offline(
    silent_minutes: int, expected: bool
) -> None:
    dev = device(last_frame_at=NOW - timedelta(minutes=silent_minutes), timeout=60)
    assert (("offline", "") in fired([], dev)) is expected


def test_a_device_that_never_reported_is_not_warned_offline() -> None:
    assert ("offline", "") not in fired([], device(last_frame_at=None))


# ---- missing data --------------------------------------------------------------------------


@pytest.mark.parametrize(("gap", "expected"), [(3, False), (4, True), (5, True)])
def test_consecutive_hours_without_data_raise_missing_data(gap: int, expected: bool) -> None:
    pts = points("w21003", ramp(12 - gap, 5.0), end=LAST - timedelta(hours=gap))
    assert (("missing_data", "w21003") in fired(pts, device())) is expected


def test_missing_data_is_not_raised_for_a_device_that_never_reported() -> None:
    assert not any(k[0] == "missing_data" for k in fired([], device(limit(), last_frame_at=None)))


def test_missing_data_is_not_raised_while_the_device_is_offline() -> None:
    pts = points("w21003", ramp(6, 5.0), end=LAST - timedelta(hours=6))
    dev = device(last_frame_at=NOW - timedelta(hours=7))
    assert ("missing_data", "w21003") not in fired(pts, dev)


# ---- flat line and zero variance -----------------------------------------------------------


@pytest.mark.parametrize(("hours", "expected"), [(5, False), (6, True), (7, True)])
def test_the_same_value_hours_running_is_a_flat_line(hours: int, expected: bool) -> None:
    pts = points("a21026", [*ramp(6), *([12.5] * hours)])
    assert (("flat_line", "a21026") in fired(pts, device())) is expected


@pytest.mark.parametrize(("spread", "expected"), [(0.05, True), (0.5, False)])
def test_values_barely_varying_over_a_day_have_zero_variance(spread: float, expected: bool) -> None:
    values = [100.0 + spread * (1 if i % 2 else -1) for i in range(24)]
    # coefficient of variation 0.0005 (below 0.001) and 0.005 (above)
    assert (("zero_variance", "a21026") in fired(points("a21026", values), device())) is expected


def test_zero_variance_threshold_either_side() -> None:
    settings = WarningSettings(zero_variance_max_cv=0.01)
    below = [100.0 + 0.9 * (1 if i % 2 else -1) for i in range(24)]  # cv 0.009
    above = [100.0 + 1.1 * (1 if i % 2 else -1) for i in range(24)]  # cv 0.011
    assert ("zero_variance", "a21026") in fired(points("a21026", below), device(), settings)
    assert ("zero_variance", "a21026") not in fired(points("a21026", above), device(), settings)


# ---- maintenance and calibration flags -----------------------------------------------------


@pytest.mark.parametrize(("flagged", "expected"), [(5, False), (6, False), (7, True)])
def test_too_many_maintenance_or_calibration_hours(flagged: int, expected: bool) -> None:
    # 24 hours, threshold 25 % = 6 hours: more than 6 fires
    good = points("w01018", ramp(24 - flagged, 50), end=LAST - timedelta(hours=flagged))
    bad = points("w01018", [50.0] * flagged, flag="M")
    bad = [HourlyPoint(p.code, p.hour, p.mean, None, 1, "MC"[i % 2]) for i, p in enumerate(bad)]
    assert (("maintenance_share", "w01018") in fired(good + bad, device())) is expected


# ---- physics -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(-0.01, True), (0.0, False), (0.01, False)])
def test_a_negative_concentration_is_out_of_range(value: float, expected: bool) -> None:
    pts = points("w21003", [*ramp(3, 2), value])
    assert (("out_of_range", "w21003") in fired(pts, device())) is expected


@pytest.mark.parametrize(("ph", "expected"), [(13.9, False), (14.0, False), (14.1, True)])
def test_a_ph_above_14_is_out_of_range(ph: float, expected: bool) -> None:
    assert (
        ("out_of_range", "w01001") in fired(points("w01001", [7.0, 7.2, ph]), device())
    ) is expected


@pytest.mark.parametrize(("flow", "expected"), [(4999.0, False), (5000.0, False), (5001.0, True)])
def test_an_absurd_flue_gas_flow_is_out_of_range(flow: float, expected: bool) -> None:
    assert (
        ("out_of_range", "a00000") in fired(points("a00000", [30.0, 31.0, flow]), device())
    ) is expected


def test_a_negative_static_pressure_is_physical() -> None:
    assert ("out_of_range", "a01013") not in fired(points("a01013", [-0.3, -0.2, -0.4]), device())


# ---- state ---------------------------------------------------------------------------------


def test_a_rule_that_stops_firing_is_cleared_and_the_state_remembers_the_last_hour() -> None:
    pts = points("w01018", [150, 40, 41])
    state = EvaluationState(
        last_hour=LAST - timedelta(hours=1), open_keys=frozenset({("exceedance", "w01018")})
    )
    new_state, findings, cleared = evaluate(state, pts, NOW, device=device(limit()))
    assert ("exceedance", "w01018") in cleared
    assert all(f.rule is not WarningRule.EXCEEDANCE for f in findings)
    assert new_state.last_hour == LAST


def test_only_complete_hours_are_judged() -> None:
    current = [HourlyPoint("w01018", NOW.replace(minute=0), 500.0, None, 1, "N")]
    assert ("exceedance", "w01018") not in fired(
        points("w01018", [50, 51]) + current, device(limit())
    )
