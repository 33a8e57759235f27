"""Annual task-book scoring (年度工作任务书 + 评分标准和细则),
docs/modules/indicators.md §3.4–3.5."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ecociv.assessment import (
    ItemInput,
    RuleKind,
    ScoringItem,
    ScoringScheme,
    score_item,
    score_sheet,
)
from ecociv.kernel import ValidationError

# A county scheme using every rule kind; full marks add up to 100 (bonus items carry 0).
ITEMS = (
    ScoringItem("B1", "生态文明建设规划制定实施", RuleKind.BINARY, 10),
    ScoringItem(
        "S1",
        "“美丽河湖”县建设",
        RuleKind.STATE_LADDER,
        10,
        {"ladder": {"建成": 1, "基本建成": 0.6, "开展": 0.3, "未开展": 0}},
    ),
    ScoringItem(
        "G1",
        "PM2.5 年均浓度",
        RuleKind.GAP_DEDUCTION,
        15,
        {"per_unit": 0.5, "comparator": "le", "unit": "µg/m³"},
    ),
    ScoringItem(
        "G2",
        "空气质量优良天数比例",
        RuleKind.GAP_DEDUCTION,
        10,
        {"per_unit": 0.25, "comparator": "ge", "step": 1, "unit": "个百分点"},
    ),
    ScoringItem("E1", "交接断面水质", RuleKind.EVENT_DEDUCTION, 15, {"per_event": 5}),
    ScoringItem(
        "M1",
        "跨界断面水质等级",
        RuleKind.GRADE_MAPPING,
        10,
        {"grades": {"优": 10, "良": 7.5, "中": 5, "差": 2.5, "劣": 0}},
    ),
    ScoringItem("R1", "新增造林面积", RuleKind.RATIO_TO_TARGET, 10, {"comparator": "ge"}),
    ScoringItem("R2", "单位 GDP 能耗", RuleKind.RATIO_TO_TARGET, 10, {"comparator": "le"}),
    ScoringItem("N1", "绿色发展指数", RuleKind.MIN_MAX, 10),
    ScoringItem("X1", "断面水质类别提升", RuleKind.BONUS, 0, {"per_event": 5, "cap": 20}),
    ScoringItem("X2", "其他加分", RuleKind.BONUS, 0),
    ScoringItem("V1", "因监管不力发生重大环境污染事件", RuleKind.VETO, 0),
    ScoringItem("C1", "发生特别重大生态破坏事件", RuleKind.GRADE_CAP, 0, {"cap": "良好"}),
)
SCHEME = ScoringScheme(
    code="QZ-2024-COUNTY",
    name="2024 年度生态文明建设目标责任书（县）",
    year=2024,
    items=ITEMS,
    grade_cutoffs=((90, "优秀"), (80, "良好"), (60, "合格"), (0, "不合格")),
    bonus_cap=10,
)
PEERS = (70.0, 75.0, 80.0, 85.0, 90.0, 95.0)

# 柯城区 (a made-up year):
COUNTY = {
    "B1": ItemInput(attained=True),  # 10
    "S1": ItemInput(state="基本建成"),  # 10 × 0.6 = 6
    "G1": ItemInput(value=38.0, target=35.0),  # gap 3.0 × 0.5 = 1.5; 15 − 1.5 = 13.5
    # gap 92.0 − 88.6 = 3.4 → 4 started points × 0.25 = 1.0; 10 − 1.0 = 9.0
    "G2": ItemInput(value=88.6, target=92.0),
    "E1": ItemInput(events=(5.0, 5.0)),  # 15 − (5 + 5) = 5
    "M1": ItemInput(grade="良"),  # 7.5
    "R1": ItemInput(value=8.5, target=10.0),  # 10 × min(8.5/10, 1) = 8.5
    "R2": ItemInput(value=0.52, target=0.50),  # 10 × min(0.50/0.52, 1) = 9.6153… → 9.62
    # min 70, max 95: 60 + 40 × (80 − 70)/(95 − 70) = 60 + 16 = 76 → 10 × 76/100 = 7.6
    "N1": ItemInput(value=80.0, peers=PEERS),
    "X1": ItemInput(event_count=1),  # bonus 1 × 5 = 5 (item cap 20)
    "V1": ItemInput(triggered=False),
    "C1": ItemInput(triggered=False),
}
# base  = 10 + 6 + 13.5 + 9 + 5 + 7.5 + 8.5 + 9.62 + 7.6 = 76.72
# bonus = 5 (X2 has no input: 0), under the scheme cap of 10 → 5
# total = 76.72 + 5 = 81.72 → 80 ≤ 81.72 < 90 → 良好


def test_a_county_scored_on_every_rule_kind_adds_up_by_hand() -> None:
    sheet = score_sheet(SCHEME, "柯城区", COUNTY)
    points = {item.code: item.points for item in sheet.items}
    assert points == {
        "B1": 10.0,
        "S1": 6.0,
        "G1": 13.5,
        "G2": 9.0,
        "E1": 5.0,
        "M1": 7.5,
        "R1": 8.5,
        "R2": 9.62,
        "N1": 7.6,
        "X1": 5.0,
        "X2": 0.0,
        "V1": 0.0,
        "C1": 0.0,
    }
    assert sheet.base_points == 76.72
    assert sheet.bonus_points == 5.0
    assert sheet.total == 81.72
    assert sheet.grade == "良好"
    assert not sheet.vetoed and sheet.capped_to is None
    assert sheet.scheme_code == "QZ-2024-COUNTY" and sheet.subject == "柯城区"
    assert "76.72" in sheet.explanation and "81.72" in sheet.explanation
    x2 = next(item for item in sheet.items if item.code == "X2")
    assert "无数据" in x2.explanation and "no data" in x2.explanation


def test_a_triggered_veto_fails_the_county_but_still_shows_its_total() -> None:
    sheet = score_sheet(SCHEME, "柯城区", {**COUNTY, "V1": ItemInput(triggered=True)})
    assert sheet.vetoed
    assert sheet.total == 81.72
    assert sheet.grade == "不合格"
    assert "一票否决" in sheet.explanation and "veto" in sheet.explanation


# 江山市 (a made-up year) scores 95:
STRONG = {
    "B1": ItemInput(attained=True),  # 10
    "S1": ItemInput(state="建成"),  # 10 × 1 = 10
    "G1": ItemInput(value=45.0, target=35.0),  # gap 10 × 0.5 = 5; 15 − 5 = 10
    "G2": ItemInput(value=92.5, target=92.0),  # no shortfall: 10
    "E1": ItemInput(events=(5.0,), waived=True),  # annual mean meets the target: 15
    "M1": ItemInput(grade="优"),  # 10
    "R1": ItemInput(value=10.0, target=10.0),  # 10 × min(1, 1) = 10
    "R2": ItemInput(value=0.48, target=0.50),  # 10 × min(0.50/0.48, 1) = 10
    "N1": ItemInput(value=95.0, peers=PEERS),  # the best: 60 + 40 = 100 → 10
}
# base = 10 + 10 + 10 + 10 + 15 + 10 + 10 + 10 + 10 = 95 → 优秀


def test_a_grade_cap_makes_a_95_point_county_no_better_than_good() -> None:
    plain = score_sheet(SCHEME, "江山市", STRONG)
    assert (plain.total, plain.grade) == (95.0, "优秀")
    capped = score_sheet(SCHEME, "江山市", {**STRONG, "C1": ItemInput(triggered=True)})
    assert capped.total == 95.0
    assert capped.grade == "良好" and capped.capped_to == "良好"
    assert not capped.vetoed
    assert "良好" in capped.explanation


def test_a_grade_cap_leaves_a_grade_already_below_it() -> None:
    # 柯城区 without its bonus: 76.72 → 合格, already worse than 良好.
    inputs = {**COUNTY, "X1": ItemInput(), "C1": ItemInput(triggered=True)}
    sheet = score_sheet(SCHEME, "柯城区", inputs)
    assert (sheet.total, sheet.grade, sheet.capped_to) == (76.72, "合格", None)


def test_a_veto_overrides_a_grade_cap() -> None:
    inputs = {**STRONG, "C1": ItemInput(triggered=True), "V1": ItemInput(triggered=True)}
    sheet = score_sheet(SCHEME, "江山市", inputs)
    assert sheet.grade == "不合格" and sheet.vetoed and sheet.capped_to is None


def test_bonus_is_capped_per_item_and_again_by_the_scheme() -> None:
    # X1: 5 events × 5 = 25 → item cap 20; X2: 3 + 2 = 5; together 25 → scheme cap 10.
    inputs = {**COUNTY, "X1": ItemInput(event_count=5), "X2": ItemInput(events=(3.0, 2.0))}
    sheet = score_sheet(SCHEME, "柯城区", inputs)
    points = {item.code: item.points for item in sheet.items}
    assert (points["X1"], points["X2"]) == (20.0, 5.0)
    assert sheet.bonus_points == 10.0
    assert sheet.total == 86.72  # 76.72 + 10
    assert "capped" in sheet.explanation


def test_bonus_just_under_the_scheme_cap_counts_in_full() -> None:
    inputs = {**COUNTY, "X2": ItemInput(events=(4.99,))}  # 5 + 4.99 = 9.99 < 10
    assert score_sheet(SCHEME, "柯城区", inputs).bonus_points == 9.99


def test_missing_inputs_score_as_no_data() -> None:
    sheet = score_sheet(SCHEME, "常山县", {})
    assert sheet.total == 0.0 and sheet.grade == "不合格" and not sheet.vetoed
    assert all("无数据" in item.explanation for item in sheet.items)


def test_inputs_for_unknown_items_are_rejected() -> None:
    with pytest.raises(ValidationError, match="Z9"):
        score_sheet(SCHEME, "柯城区", {"Z9": ItemInput(attained=True)})


def test_grade_cutoffs_hold_with_a_value_either_side() -> None:
    only = ScoringItem("A", "单项", RuleKind.RATIO_TO_TARGET, 100, {"comparator": "ge"})
    scheme = ScoringScheme("T", "阈值", 2024, (only,))
    grade = {
        v: score_sheet(scheme, "x", {"A": ItemInput(value=v, target=100.0)}).grade
        for v in (90.0, 89.99, 80.0, 79.99, 60.0, 59.99)
    }
    assert grade == {
        90.0: "优秀",
        89.99: "良好",
        80.0: "良好",
        79.99: "合格",
        60.0: "合格",
        59.99: "不合格",
    }


def test_schemes_with_bad_shape_are_rejected() -> None:
    item = ScoringItem("A", "单项", RuleKind.BINARY, 10)
    with pytest.raises(ValidationError, match="A"):
        score_sheet(replace(SCHEME, items=(item, item)), "x", {})
    with pytest.raises(ValidationError):
        score_sheet(replace(SCHEME, grade_cutoffs=((60, "合格"), (90, "优秀"))), "x", {})
    bad_cap = ScoringItem("C", "降级", RuleKind.GRADE_CAP, 0, {"cap": "良"})
    with pytest.raises(ValidationError, match="良"):
        score_sheet(replace(SCHEME, items=(bad_cap,)), "x", {})


# ---------------------------------------------------------------- single items, rule by rule


def item(kind: RuleKind, full: float = 10, **params: object) -> ScoringItem:
    return ScoringItem("I", "测试项", kind, full, params)


def test_binary_gives_full_marks_only_when_attained() -> None:
    binary = item(RuleKind.BINARY)
    assert score_item(binary, ItemInput(attained=True)).points == 10.0
    assert score_item(binary, ItemInput(attained=False)).points == 0.0
    assert "无数据" in score_item(binary, ItemInput()).explanation


def test_state_ladder_unknown_state_scores_zero_with_a_reason() -> None:
    ladder = item(RuleKind.STATE_LADDER, ladder={"建成": 1, "基本建成": 0.6})
    assert score_item(ladder, ItemInput(state="建成")).points == 10.0
    unknown = score_item(ladder, ItemInput(state="规划中"))
    assert unknown.points == 0.0 and "规划中" in unknown.explanation
    with pytest.raises(ValidationError):
        score_item(item(RuleKind.STATE_LADDER, ladder={"建成": 1.5}), ItemInput(state="建成"))


def test_gap_deduction_explains_its_arithmetic() -> None:
    pm25 = item(RuleKind.GAP_DEDUCTION, per_unit=0.5, comparator="le", unit="µg/m³")
    result = score_item(pm25, ItemInput(value=38.0, target=35.0))
    assert result.points == 8.5
    assert "差距 3.0 µg/m³ × 0.5 = 扣 1.5 分" in result.explanation
    assert "(gap 3.0 × 0.5 = −1.5" in result.explanation


@pytest.mark.parametrize(("value", "points"), [(35.0, 10.0), (34.9, 10.0), (35.1, 9.95)])
def test_gap_deduction_starts_at_the_target(value: float, points: float) -> None:
    # 35.1 − 35 = 0.1 µg/m³ × 0.5 = 0.05 → 9.95
    pm25 = item(RuleKind.GAP_DEDUCTION, per_unit=0.5, comparator="le")
    assert score_item(pm25, ItemInput(value=value, target=35.0)).points == points


@pytest.mark.parametrize(("value", "points"), [(89.01, 9.25), (89.0, 9.25), (88.99, 9.0)])
def test_gap_deduction_counts_started_steps(value: float, points: float) -> None:
    # Target 92, 0.25 per started percentage point:
    #   92 − 89.01 = 2.99 → 3 steps × 0.25 = 0.75 → 9.25
    #   92 − 89.00 = 3.00 → 3 steps × 0.25 = 0.75 → 9.25
    #   92 − 88.99 = 3.01 → 4 steps × 0.25 = 1.00 → 9.0
    good_days = item(RuleKind.GAP_DEDUCTION, per_unit=0.25, comparator="ge", step=1)
    assert score_item(good_days, ItemInput(value=value, target=92.0)).points == points


def test_gap_deduction_floors_at_zero() -> None:
    # 75 − 35 = 40 µg/m³ × 0.5 = 20 > 15 full marks → 0 ("扣完为止").
    pm25 = item(RuleKind.GAP_DEDUCTION, 15, per_unit=0.5, comparator="le")
    result = score_item(pm25, ItemInput(value=75.0, target=35.0))
    assert result.points == 0.0 and "扣完为止" in result.explanation
    # 65 → 30 × 0.5 = 15 = full marks → exactly 0 as well; 64.9 → 14.95 → 0.05.
    assert score_item(pm25, ItemInput(value=65.0, target=35.0)).points == 0.0
    assert score_item(pm25, ItemInput(value=64.9, target=35.0)).points == 0.05


def test_gap_deduction_may_take_its_target_from_the_item() -> None:
    good_days = item(RuleKind.GAP_DEDUCTION, per_unit=0.25, comparator="ge", target=92.0)
    assert score_item(good_days, ItemInput(value=91.0)).points == 9.75
    with pytest.raises(ValidationError, match="comparator"):
        score_item(item(RuleKind.GAP_DEDUCTION, per_unit=0.5), ItemInput(value=1.0, target=1.0))


def test_event_deduction_floors_at_zero_and_can_be_waived() -> None:
    sections = item(RuleKind.EVENT_DEDUCTION, 15, per_event=5)
    assert score_item(sections, ItemInput(events=(10.0, 10.0))).points == 0.0  # 15 − 20 → 0
    assert score_item(sections, ItemInput(event_count=2)).points == 5.0  # 15 − 2 × 5
    assert score_item(sections, ItemInput(event_count=3)).points == 0.0  # 15 − 15
    assert score_item(sections, ItemInput()).points == 15.0  # no events
    waived = score_item(sections, ItemInput(events=(10.0, 10.0), waived=True))
    assert waived.points == 15.0 and "免于扣分" in waived.explanation


def test_grade_mapping_looks_up_points_and_rejects_unknown_or_excess_grades() -> None:
    # 2020 美丽XX book: five levels → 60/45/30/10/0 on a 60-point block.
    cross = item(
        RuleKind.GRADE_MAPPING, 60, grades={"I": 60, "II": 45, "III": 30, "IV": 10, "V": 0}
    )
    assert score_item(cross, ItemInput(grade="II")).points == 45.0
    with pytest.raises(ValidationError, match="VI"):
        score_item(cross, ItemInput(grade="VI"))
    too_many = item(RuleKind.GRADE_MAPPING, 10, grades={"优": 12})
    with pytest.raises(ValidationError):
        score_item(too_many, ItemInput(grade="优"))


@pytest.mark.parametrize(
    ("comparator", "value", "points"),
    [
        ("ge", 8.0, 8.0),
        ("ge", 10.0, 10.0),
        ("ge", 12.0, 10.0),
        ("le", 0.4, 10.0),
        ("le", 0.5, 10.0),
        ("le", 0.625, 8.0),
        ("le", 0.0, 10.0),
    ],
)
def test_ratio_to_target_is_capped_at_full_marks(
    comparator: str, value: float, points: float
) -> None:
    # ge: 10 × min(8/10, 1) = 8; le: 10 × min(0.5/0.625, 1) = 8; a zero with le → full marks.
    target = 10.0 if comparator == "ge" else 0.5
    ratio = item(RuleKind.RATIO_TO_TARGET, comparator=comparator)
    assert score_item(ratio, ItemInput(value=value, target=target)).points == points


def test_min_max_normalises_between_60_and_100_and_inverts_for_negative_indicators() -> None:
    # peers 70..95: best 95 → 100 % of 10; worst 70 → 60 %; 80 → 76 % (see the sheet test).
    positive = item(RuleKind.MIN_MAX)
    assert score_item(positive, ItemInput(value=95.0, peers=PEERS)).points == 10.0
    assert score_item(positive, ItemInput(value=70.0, peers=PEERS)).points == 6.0
    # Inverted: 60 + 40 × (95 − 80)/(95 − 70) = 60 + 24 = 84 → 8.4
    negative = item(RuleKind.MIN_MAX, comparator="le")
    assert score_item(negative, ItemInput(value=80.0, peers=PEERS)).points == 8.4
    # A value outside the peers joins them: peers 70..95 plus 100 → 100 is the best.
    assert score_item(positive, ItemInput(value=100.0, peers=PEERS)).points == 10.0
    # All equal (or no peers) → full marks.
    assert score_item(positive, ItemInput(value=5.0, peers=(5.0, 5.0))).points == 10.0
    assert score_item(positive, ItemInput(value=5.0)).points == 10.0


def test_bonus_and_sheet_items_carry_zero_full_marks() -> None:
    with pytest.raises(ValidationError):
        score_item(item(RuleKind.BONUS, 5, per_event=1), ItemInput(event_count=1))
    with pytest.raises(ValidationError):
        score_item(item(RuleKind.VETO, 1), ItemInput(triggered=True))
    veto = score_item(item(RuleKind.VETO, 0), ItemInput(triggered=True))
    assert veto.points == 0.0 and "一票否决" in veto.explanation


def test_points_round_half_up_to_two_decimals() -> None:
    # 5.35 × 0.5 = 2.675 exactly in decimal → 2.68 (binary floats would give 2.67).
    ladder = item(RuleKind.STATE_LADDER, 5.35, ladder={"基本建成": 0.5})
    assert round(5.35 * 0.5, 2) == 2.67  # the float trap avoided
    assert score_item(ladder, ItemInput(state="基本建成")).points == 2.68
    # 10 × 0.1245 = 1.245 → 1.25; 10 × 0.1244 = 1.244 → 1.24.
    up = item(RuleKind.STATE_LADDER, ladder={"x": 0.1245})
    down = item(RuleKind.STATE_LADDER, ladder={"x": 0.1244})
    assert score_item(up, ItemInput(state="x")).points == 1.25
    assert score_item(down, ItemInput(state="x")).points == 1.24
