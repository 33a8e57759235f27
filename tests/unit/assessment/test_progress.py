"""Progress toward dated targets: the Open SDG (Statistics Canada) method,
docs/modules/indicators.md §5.

Worked example used throughout: forest cover (森林覆盖率) of 60.0 % in the base year 2017 and
the plan's target of 69.85 % by 2022 (QZ-036).

    required growth CAGR_r = (69.85 / 60.0)^(1/(2022 − 2017)) − 1
                           = 1.164167^0.2 − 1
                           ln 1.164167 = 0.152006; / 5 = 0.030401; e^0.030401 = 1.030868
                           ≈ 0.030868 (3.09 % a year)

The value needed in 2020 (three years after the base) for R = 0.95 is
60 × (1 + 0.95 × 0.030868)³ = 60 × 1.029325³ ≈ 65.43, and for R = 0.6 it is
60 × (1 + 0.6 × 0.030868)³ = 60 × 1.018521³ ≈ 63.40; the cases below sit clearly between.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from ecociv.assessment import ProgressResult, ProgressStatus, derive_relative_target, progress
from ecociv.kernel import ValidationError

CAGR_R = 0.030868


def forest_progress(series: Mapping[int, float | None]) -> ProgressResult:
    """Forest cover, base 2017, at least 69.85 % by 2022 (higher is better)."""
    return progress(series, base_year=2017, direction=1, target_value=69.85, target_year=2022)


def forest(value_2020: float) -> dict[int, float]:
    return {2017: 60.0, 2018: 61.2, 2019: 62.5, 2020: value_2020}


def test_forest_cover_already_above_its_target_is_achieved_with_score_5() -> None:
    # 70.0 ≥ 69.85: the latest value meets the target → achieved, score 5.
    result = forest_progress(forest(70.0))
    assert result.status is ProgressStatus.TARGET_ACHIEVED
    assert result.score == 5.0
    assert result.current_year == 2020
    assert result.warning is False


def test_forest_cover_growing_fast_enough_is_on_track() -> None:
    # CAGR_o = (66.0 / 60.0)^(1/3) − 1 = 1.1^(1/3) − 1: ln 1.1 = 0.095310; /3 = 0.031770;
    #          e^0.031770 = 1.032280 → CAGR_o ≈ 0.032280
    # R = 0.032280 / 0.030868 ≈ 1.0457 ≥ 0.95 → substantial (on track)
    # score = 50/7 × 1.0457 − 30/7 = 7.4695 − 4.2857 ≈ 3.184
    result = forest_progress(forest(66.0))
    assert result.status is ProgressStatus.SUBSTANTIAL
    assert result.cagr_observed == pytest.approx(0.032280, abs=1e-6)
    assert result.cagr_required == pytest.approx(CAGR_R, abs=1e-6)
    assert result.ratio == pytest.approx(1.0457, abs=1e-4)
    assert result.score == pytest.approx(3.184, abs=1e-3)
    assert (result.base_year, result.base_value, result.current_value) == (2017, 60.0, 66.0)
    assert result.warning is False


def test_forest_cover_growing_too_slowly_needs_acceleration_and_warns() -> None:
    # CAGR_o = (64.5 / 60.0)^(1/3) − 1 = 1.075^(1/3) − 1: ln 1.075 = 0.072321; /3 = 0.024107;
    #          e^0.024107 = 1.024400 → CAGR_o ≈ 0.024400
    # R = 0.024400 / 0.030868 ≈ 0.7905, in [0.6, 0.95) → moderate (needs acceleration)
    # score = 50/7 × 0.7905 − 30/7 ≈ 1.360
    result = forest_progress(forest(64.5))
    assert result.status is ProgressStatus.MODERATE
    assert result.ratio == pytest.approx(0.7905, abs=1e-4)
    assert result.score == pytest.approx(1.360, abs=1e-3)
    assert result.warning is True  # 2020 < 2022 and not on track


def test_forest_cover_barely_growing_is_limited_progress() -> None:
    # CAGR_o = (61.0 / 60.0)^(1/3) − 1: ln 1.016667 = 0.016529; /3 = 0.005510;
    #          e^0.005510 = 1.005525 → CAGR_o ≈ 0.005525
    # R = 0.005525 / 0.030868 ≈ 0.1790, in [0, 0.6) → limited
    # score = 25/6 × 0.1790 − 2.5 = 0.7458 − 2.5 ≈ −1.754
    result = forest_progress(forest(61.0))
    assert result.status is ProgressStatus.LIMITED
    assert result.ratio == pytest.approx(0.1790, abs=1e-4)
    assert result.score == pytest.approx(-1.754, abs=1e-3)
    assert result.warning is True


def test_forest_cover_shrinking_is_deterioration() -> None:
    # CAGR_o = (59.0 / 60.0)^(1/3) − 1: ln 0.983333 = −0.016807; /3 = −0.005602;
    #          e^−0.005602 = 0.994413 → CAGR_o ≈ −0.005587
    # R = −0.005587 / 0.030868 ≈ −0.1810 < 0 → deterioration
    # score = 25/6 × (−0.1810) − 2.5 ≈ −3.254
    result = forest_progress(forest(59.0))
    assert result.status is ProgressStatus.DETERIORATION
    assert result.ratio == pytest.approx(-0.1810, abs=1e-4)
    assert result.score == pytest.approx(-3.254, abs=1e-3)
    assert result.warning is True


# A one-year series with base 100 and target 200 one year later has CAGR_r = 200/100 − 1 = 1,
# so R = CAGR_o = current/100 − 1: the thresholds can be held a hair either side.
@pytest.mark.parametrize(
    ("current", "status"),
    [
        (195.1, ProgressStatus.SUBSTANTIAL),  # R = 0.951
        (194.9, ProgressStatus.MODERATE),  # R = 0.949
        (160.1, ProgressStatus.MODERATE),  # R = 0.601
        (159.9, ProgressStatus.LIMITED),  # R = 0.599
        (100.1, ProgressStatus.LIMITED),  # R = 0.001
        (99.9, ProgressStatus.DETERIORATION),  # R = −0.001
        (200.0, ProgressStatus.TARGET_ACHIEVED),
    ],
)
def test_ratio_thresholds_are_095_06_and_0(current: float, status: ProgressStatus) -> None:
    result = progress(
        {2017: 100.0, 2018: current},
        base_year=2017,
        direction=1,
        target_value=200.0,
        target_year=2018,
    )
    assert result.status is status


#: base 100 in 2017, target 200 in 2027: CAGR_r = 2^(1/10) − 1 ≈ 0.071773
TEN_YEAR_CAGR = 2 ** (1 / 10) - 1


@pytest.mark.parametrize(
    ("ratio", "score"),
    [(0.95, 2.5), (0.6, 0.0), (0.0, -2.5), (1.3, 5.0), (2.0, 5.0), (-0.6, -5.0), (-3.0, -5.0)],
)
def test_score_lines_pass_through_the_band_edges_and_stay_within_5(
    ratio: float, score: float
) -> None:
    # 50/7·R − 30/7 is 0 at R = 0.6, 2.5 at 0.95 and reaches 5 at 1.3 (capped above);
    # 25/6·R − 2.5 is −2.5 at R = 0 and reaches −5 at −0.6 (floored below).
    # The 2018 value is chosen so that CAGR_o = R × CAGR_r.
    current = 100.0 * (1 + ratio * TEN_YEAR_CAGR)
    result = progress(
        {2017: 100.0, 2018: current},
        base_year=2017,
        direction=1,
        target_value=200.0,
        target_year=2027,
    )
    assert result.ratio == pytest.approx(ratio, abs=1e-9)
    assert result.score == pytest.approx(score, abs=1e-9)


def test_coal_consumption_must_fall_10_percent_from_2017_by_2021() -> None:
    # Target = 0.9 × 1000 = 900 (万吨标准煤), direction −1 (less is better).
    # CAGR_r = (900/1000)^(1/4) − 1 = 0.9^0.25 − 1: ln 0.9 = −0.105361; /4 = −0.026340;
    #          e^−0.026340 = 0.974004 → CAGR_r ≈ −0.025996
    # 2019 value 960: CAGR_o = 0.96^(1/2) − 1 = 0.979796 − 1 = −0.020204
    # R = s·d·CAGR_o/|CAGR_r| = 1 × (−1) × (−0.020204) / 0.025996 ≈ 0.7772 → moderate
    target = derive_relative_target(1000.0, -0.10)
    assert target == 900.0

    def coal(series: Mapping[int, float]) -> ProgressResult:
        return progress(series, base_year=2017, direction=-1, target_value=target, target_year=2021)

    result = coal({2017: 1000.0, 2019: 960.0})
    assert result.status is ProgressStatus.MODERATE
    assert result.cagr_required == pytest.approx(-0.025996, abs=1e-6)
    assert result.ratio == pytest.approx(0.7772, abs=1e-4)
    assert result.warning is True
    # 890 ≤ 900: a falling indicator achieves its target from below.
    done = coal({2017: 1000.0, 2021: 890.0})
    assert done.status is ProgressStatus.TARGET_ACHIEVED
    # Rising coal use is deterioration for a "must fall" indicator: R = −1 × 0.0247/0.026 < 0.
    worse = coal({2017: 1000.0, 2019: 1050.0})
    assert worse.status is ProgressStatus.DETERIORATION


def test_one_data_point_is_insufficient_data() -> None:
    result = forest_progress({2017: 60.0})
    assert result.status is ProgressStatus.INSUFFICIENT_DATA
    assert result.score is None and result.ratio is None
    assert "two" in result.note


def test_no_data_at_all_is_insufficient_and_does_not_warn() -> None:
    result = forest_progress({})
    assert result.status is ProgressStatus.INSUFFICIENT_DATA
    assert result.current_year is None and result.warning is False


def test_a_single_point_that_meets_the_target_is_achieved_as_in_sdg_build() -> None:
    # sdg-build checks "target achieved" before the two-point rule.
    result = forest_progress({2021: 70.1})
    assert result.status is ProgressStatus.TARGET_ACHIEVED


def test_missing_base_year_moves_to_the_first_later_year_with_data() -> None:
    # 2016 is before the base year and ignored; 2017 has no value → base 2018 (61.2).
    series = {2016: 58.0, 2017: None, 2018: 61.2, 2020: 64.5}
    result = forest_progress(series)
    assert (result.base_year, result.base_value) == (2018, 61.2)
    # CAGR_r = (69.85/61.2)^(1/4) − 1 ≈ 0.033621; CAGR_o = (64.5/61.2)^(1/2) − 1 ≈ 0.026617
    assert result.cagr_required == pytest.approx((69.85 / 61.2) ** 0.25 - 1)
    assert result.cagr_observed == pytest.approx((64.5 / 61.2) ** 0.5 - 1)


def test_values_of_opposite_sign_are_insufficient_data_without_crashing() -> None:
    result = progress({2017: 10.0, 2019: -5.0}, base_year=2017, direction=1)
    assert result.status is ProgressStatus.INSUFFICIENT_DATA
    assert "sign" in result.note


def test_a_zero_base_is_replaced_by_0001() -> None:
    result = progress({2017: 0.0, 2018: 1.0}, base_year=2017, direction=1)
    assert result.base_value == 0.001
    assert result.cagr_observed == pytest.approx(1.0 / 0.001 - 1)
    assert result.status is ProgressStatus.SUBSTANTIAL


def test_a_zero_target_is_replaced_by_0001() -> None:
    # Zero incidents wanted: 0 ≤ 0.001 → achieved.
    result = progress(
        {2017: 4.0, 2020: 0.0}, base_year=2017, direction=-1, target_value=0, target_year=2021
    )
    assert result.status is ProgressStatus.TARGET_ACHIEVED


def test_a_negative_base_flips_the_sign_of_growth() -> None:
    # −50 → −40 in one year is an improvement for "higher is better":
    # CAGR_o = (−40/−50) − 1 = −0.2; s·d·CAGR_o = (−1)(+1)(−0.2) = +0.2 ≥ 1.5 % → substantial.
    result = progress({2017: -50.0, 2018: -40.0}, base_year=2017, direction=1)
    assert result.status is ProgressStatus.SUBSTANTIAL


@pytest.mark.parametrize(
    ("current", "status"),
    [
        (101.51, ProgressStatus.SUBSTANTIAL),  # growth 1.51 % ≥ 1.5 %
        (101.49, ProgressStatus.MODERATE),  # 1.49 %
        (100.51, ProgressStatus.MODERATE),  # 0.51 % ≥ 0.5 %
        (100.49, ProgressStatus.LIMITED),  # 0.49 %
        (100.01, ProgressStatus.LIMITED),  # 0.01 % ≥ 0
        (99.99, ProgressStatus.DETERIORATION),  # −0.01 %
    ],
)
def test_without_a_target_growth_is_judged_against_15_05_and_0_percent(
    current: float, status: ProgressStatus
) -> None:
    result = progress({2017: 100.0, 2018: current}, base_year=2017, direction=1)
    assert result.status is status
    assert result.score is None and result.ratio is None and result.cagr_required is None


def test_near_a_natural_maximum_the_thresholds_shrink() -> None:
    # Base 90 % with a natural maximum of 100 %:
    # C = 1 − (90/100)^4.44: ln 0.9 = −0.105361 × 4.44 = −0.467801; e^−0.467801 = 0.626378;
    # C = 0.373622 → thresholds 1.5 % × C = 0.5604 %, 0.5 % × C = 0.1868 %.
    # 90 → 90.6: growth 0.6/90 = 0.667 % → substantial with the limit, moderate without.
    # 90 → 90.2: growth 0.2/90 = 0.222 % → moderate with the limit, limited without.
    # 90 → 90.15: growth 0.167 % < 0.1868 % → limited either way.
    for current, with_limit, without in [
        (90.6, ProgressStatus.SUBSTANTIAL, ProgressStatus.MODERATE),
        (90.2, ProgressStatus.MODERATE, ProgressStatus.LIMITED),
        (90.15, ProgressStatus.LIMITED, ProgressStatus.LIMITED),
    ]:
        series = {2017: 90.0, 2018: current}
        assert progress(series, base_year=2017, direction=1, natural_limit=100.0).status is (
            with_limit
        )
        assert progress(series, base_year=2017, direction=1).status is without


def test_a_base_at_the_natural_limit_that_holds_is_substantial() -> None:
    # C = 1 − (100/100)^4.44 = 0: every threshold is 0, so holding 100 % is substantial.
    result = progress({2017: 100.0, 2018: 100.0}, base_year=2017, direction=1, natural_limit=100.0)
    assert result.status is ProgressStatus.SUBSTANTIAL


def test_near_a_natural_minimum_the_coefficient_is_mirrored() -> None:
    # Minimum 10, direction −1, base 12: C = 1 − ((2×10 − 12)/10)^4.44 = 1 − 0.8^4.44
    #   ln 0.8 = −0.223144 × 4.44 = −0.990758; e^−0.990758 = 0.371295; C = 0.628705
    #   → thresholds 0.9431 % and 0.3144 %.
    # 12 → 11.88: s·d·CAGR_o = −(11.88/12 − 1) = 1.0 % → substantial (moderate without limit).

    def minimum(series: Mapping[int, float]) -> ProgressResult:
        return progress(
            series, base_year=2017, direction=-1, natural_limit=10.0, limit_is_max=False
        )

    series = {2017: 12.0, 2018: 11.88}
    assert minimum(series).status is ProgressStatus.SUBSTANTIAL
    assert progress(series, base_year=2017, direction=-1).status is ProgressStatus.MODERATE
    # Base 25 ≥ 2 × 10: C = 1, so 25 → 24.7 (1.2 %) is moderate as without a limit.
    far = minimum({2017: 25.0, 2018: 24.7})
    assert far.status is ProgressStatus.MODERATE


def test_a_base_beyond_a_maximum_limit_is_computed_but_noted() -> None:
    # Over the maximum sdg-build uses the mirrored branch:
    # C = 1 − ((2×100 − 100.5)/100)^4.44 = 1 − 0.995^4.44; ln 0.995 = −0.005013 × 4.44
    #   = −0.022256; e^−0.022256 = 0.977990 → C = 0.022010; thresholds 0.0330 %, 0.0110 %.
    # No growth (0 %) is ≥ 0 but below 0.0110 % → limited; 100.5 → 100.52 (0.0199 %) moderate.
    result = progress({2017: 100.5, 2018: 100.5}, base_year=2017, direction=1, natural_limit=100.0)
    assert result.status is ProgressStatus.LIMITED
    rising = progress({2017: 100.5, 2018: 100.52}, base_year=2017, direction=1, natural_limit=100.0)
    assert rising.status is ProgressStatus.MODERATE
    assert "maximum" in result.note


@pytest.mark.parametrize(("latest_year", "warning"), [(2021, True), (2022, False), (2023, False)])
def test_a_dated_target_off_track_warns_only_before_the_target_year(
    latest_year: int, warning: bool
) -> None:
    # Growth of 0.5 a year from 60 is far below the required 3.09 % → limited, not achieved.
    series = {2017: 60.0, latest_year: 60.0 + 0.5 * (latest_year - 2017)}
    result = forest_progress(series)
    assert result.status is ProgressStatus.LIMITED
    assert result.warning is warning


def test_an_on_track_or_achieved_target_never_warns() -> None:
    assert forest_progress(forest(66.0)).warning is False
    assert forest_progress(forest(70.0)).warning is False


def test_a_directional_target_with_a_year_also_warns_when_not_substantial() -> None:
    result = progress({2017: 100.0, 2018: 100.2}, base_year=2017, direction=1, target_year=2021)
    assert result.status is ProgressStatus.LIMITED and result.warning is True


def test_bad_configuration_is_rejected() -> None:
    with pytest.raises(ValidationError, match="direction"):
        progress({2017: 1.0}, base_year=2017, direction=0)
    with pytest.raises(ValidationError):
        progress({2017: 1.0}, base_year=2017, direction=1, target_value=2.0)
    with pytest.raises(ValidationError):
        progress({2017: 1.0}, base_year=2017, direction=1, target_value=2.0, target_year=2017)


def test_target_equal_to_base_with_the_value_moving_away_is_deterioration() -> None:
    # CAGR_r = (50/50)^(1/4) − 1 = 0: R is undefined; 48 < 50 moved away from the target.
    result = progress(
        {2017: 50.0, 2019: 48.0}, base_year=2017, direction=1, target_value=50.0, target_year=2021
    )
    assert result.status is ProgressStatus.DETERIORATION
    assert result.score == -5.0 and result.ratio is None
