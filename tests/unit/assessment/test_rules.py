"""Attainment (创建达标), relative targets, rates over counties and the ranking of sheets."""

from __future__ import annotations

import pytest

from ecociv.assessment import (
    AttainmentStatus,
    Comparator,
    ScoreSheet,
    assess_attainment,
    derive_relative_target,
    rank,
    state_rank,
)
from ecociv.kernel import ValidationError

ATTAINED, NOT_ATTAINED = AttainmentStatus.ATTAINED, AttainmentStatus.NOT_ATTAINED
SCALE = ("未开展", "开展", "基本建成", "建成")


@pytest.mark.parametrize(
    ("value", "status", "gap"),
    [(69.86, ATTAINED, 0.0), (69.85, ATTAINED, 0.0), (69.84, NOT_ATTAINED, 0.01)],
)
def test_at_least_a_target_means_value_not_below_it(
    value: float, status: AttainmentStatus, gap: float
) -> None:
    # Forest cover ≥ 69.85 % (QZ-036); the gap is the shortfall in percentage points.
    result = assess_attainment(value, Comparator.GE, 69.85)
    assert (result.status, result.gap) == (status, gap)
    assert result.target == 69.85


@pytest.mark.parametrize(
    ("value", "status", "gap"),
    [(34.9, ATTAINED, 0.0), (35.0, ATTAINED, 0.0), (35.1, NOT_ATTAINED, 0.1)],
)
def test_at_most_a_target_means_value_not_above_it(
    value: float, status: AttainmentStatus, gap: float
) -> None:
    # PM2.5 annual mean ≤ 35 µg/m³; the gap is the excess in µg/m³.
    result = assess_attainment(value, "le", 35)
    assert (result.status, result.gap) == (status, gap)


@pytest.mark.parametrize(
    ("value", "status", "gap"),
    [(19.9, NOT_ATTAINED, 0.1), (20.0, ATTAINED, 0.0), (20.1, NOT_ATTAINED, 0.1)],
)
def test_equal_to_a_target_allows_only_the_tolerance(
    value: float, status: AttainmentStatus, gap: float
) -> None:
    # "稳定在20%" read as equality (docs/modules/indicators.md §7.5 leaves "at least" open).
    result = assess_attainment(value, "eq", 20.0)
    assert (result.status, result.gap) == (status, gap)


def test_the_tolerance_absorbs_floating_point_noise() -> None:
    assert assess_attainment(0.1 + 0.2, "le", 0.3).status is ATTAINED
    assert assess_attainment(0.3 - 1e-12, "ge", 0.3).gap == 0.0
    assert assess_attainment(20.05, "eq", 20.0, tolerance=0.1).status is ATTAINED


@pytest.mark.parametrize(
    ("comparator", "value", "status"),
    [
        ("increase", 30.1, ATTAINED),
        ("increase", 30.0, NOT_ATTAINED),
        ("increase", 29.9, NOT_ATTAINED),
        ("decrease", 29.9, ATTAINED),
        ("decrease", 30.0, NOT_ATTAINED),
        ("decrease", 30.1, NOT_ATTAINED),
    ],
)
def test_increase_and_decrease_compare_with_the_baseline(
    comparator: str, value: float, status: AttainmentStatus
) -> None:
    # 提高 gas/electricity share (QZ-012) has no number: it must rise above the baseline.
    result = assess_attainment(value, comparator, baseline=30.0)
    assert result.status is status
    assert result.gap is None and result.target == 30.0


def test_increase_without_a_baseline_is_no_data() -> None:
    result = assess_attainment(31.0, Comparator.INCREASE)
    assert result.status is AttainmentStatus.NO_DATA
    assert "baseline" in result.note


@pytest.mark.parametrize(
    ("state", "status", "gap"),
    [
        ("建成", ATTAINED, 0.0),
        ("基本建成", ATTAINED, 0.0),
        ("开展", NOT_ATTAINED, 1.0),
        ("未开展", NOT_ATTAINED, 2.0),
    ],
)
def test_reaching_a_state_counts_steps_on_the_ordinal_scale(
    state: str, status: AttainmentStatus, gap: float
) -> None:
    result = assess_attainment(state, "reach", required_state="基本建成", scale=SCALE)
    assert (result.status, result.gap) == (status, gap)
    assert result.target == "基本建成"


def test_a_state_target_may_be_given_as_the_target_string() -> None:
    assert assess_attainment("建成", "reach", "建成", scale=SCALE).status is ATTAINED


def test_an_unknown_state_is_an_error_naming_it() -> None:
    with pytest.raises(ValidationError, match="规划中"):
        assess_attainment("规划中", "reach", required_state="建成", scale=SCALE)
    with pytest.raises(ValidationError, match="已完成"):
        state_rank("已完成", SCALE)
    assert state_rank("未开展", SCALE) == 0


def test_not_applicable_is_distinct_from_no_data() -> None:
    # Coastal rows for inland Quzhou (docs/modules/indicators.md §1.2): not applicable even if a
    # value was filed.
    filed = assess_attainment(95.0, "ge", 100.0, applicable=False)
    assert filed.status is AttainmentStatus.NOT_APPLICABLE and filed.gap is None
    assert assess_attainment(None, "ge", 100.0, applicable=False).status is (
        AttainmentStatus.NOT_APPLICABLE
    )
    missing = assess_attainment(None, "ge", 100.0)
    assert missing.status is AttainmentStatus.NO_DATA and missing.gap is None
    assert assess_attainment(float("nan"), "ge", 1.0).status is AttainmentStatus.NO_DATA
    assert assess_attainment("  ", "reach", "建成", scale=SCALE).status is (
        AttainmentStatus.NO_DATA
    )


def test_a_numeric_comparison_needs_a_target() -> None:
    with pytest.raises(ValidationError, match="target"):
        assess_attainment(1.0, "ge")
    with pytest.raises(ValueError):
        assess_attainment(1.0, "more", 2.0)


def test_coal_target_is_derived_from_the_2017_baseline() -> None:
    # Coal consumption −10 % or more vs 2017 (QZ-013): target = 0.9 × baseline.
    target = derive_relative_target(1013.7, -0.10)
    assert target == 912.33  # 1013.7 × 0.9 = 912.33
    assert assess_attainment(912.33, "le", target).status is ATTAINED
    over = assess_attainment(912.43, "le", target)
    assert over.status is NOT_ATTAINED and over.gap == 0.1
    assert derive_relative_target(60.0, 0.05) == 63.0


def sheet(subject: str, total: float, vetoed: bool = False) -> ScoreSheet:
    return ScoreSheet("T", subject, (), total, 0.0, total, "", vetoed, None, "")


def test_ranking_is_by_total_with_ties_sharing_a_rank() -> None:
    sheets = [sheet("常山县", 85), sheet("柯城区", 90), sheet("江山市", 95), sheet("开化县", 90)]
    ranked = [(r, s.subject) for r, s in rank(sheets)]
    # "1224": two counties on 90 share 2nd, the next is 4th.
    assert ranked == [(1, "江山市"), (2, "柯城区"), (2, "开化县"), (4, "常山县")]


def test_vetoed_sheets_rank_after_all_others_whatever_their_total() -> None:
    sheets = [
        sheet("衢江区", 99, vetoed=True),
        sheet("柯城区", 60),
        sheet("龙游县", 80, vetoed=True),
        sheet("常山县", 80, vetoed=True),
    ]
    ranked = [(r, s.subject) for r, s in rank(sheets)]
    assert ranked == [(1, "柯城区"), (2, "衢江区"), (3, "龙游县"), (3, "常山县")]
    assert rank([]) == []
