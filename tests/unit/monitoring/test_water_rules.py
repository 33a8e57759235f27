"""Section verdicts and river/county shares by GB 3838-2002 and the 2011 assessment method."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecociv.monitoring.rules import water
from ecociv.monitoring.rules.soil import point_verdict
from ecociv.monitoring.rules.soil import summarise as soil_summarise


@pytest.mark.parametrize(
    ("nh3n", "label", "attains"),
    [(0.99, "III", True), (1.0, "III", True), (1.01, "IV", False)],
)
def test_a_section_attains_its_target_at_the_limit_and_not_above(
    nh3n: float, label: str, attains: bool
) -> None:
    verdict = water.section_verdict("S", "2025-07", {"nh3n": nh3n, "do": 6.0}, target_class=3)
    assert (verdict.label, verdict.attains) == (label, attains)
    assert bool(verdict.over_target) is not attains


def test_items_over_the_target_carry_their_multiple() -> None:
    verdict = water.section_verdict(
        "S", "2025", {"nh3n": 1.5, "tp": 0.3, "codmn": 4.0}, target_class=2
    )
    # class II limits: NH3-N 0.5, TP 0.1, CODMn 4 (GB 3838-2002 Table 1)
    over = {e.item: round(e.multiple, 6) for e in verdict.over_target}
    assert over == {"nh3n": 2.0, "tp": 2.0}
    assert verdict.label == "IV" and verdict.deciding_items == ("nh3n", "tp")  # both class IV


def test_main_pollutants_are_the_three_worst_items_over_class_iii_when_worse_than_iii() -> None:
    means = {"nh3n": 3.0, "tp": 0.5, "codmn": 12.0, "bod5": 5.0, "cod": 21.0}
    verdict = water.section_verdict("S", "2025", means, target_class=3)
    assert verdict.label == "劣V"
    # multiples over class III: NH3-N 2.0, TP 1.5, CODMn 1.0, BOD5 0.25, COD 0.05
    assert [e.item for e in verdict.main_pollutants] == ["nh3n", "tp", "codmn"]
    good = water.section_verdict("S", "2025", {"nh3n": 0.9}, target_class=2)
    assert good.label == "III" and good.main_pollutants == ()


def test_phosphorus_is_judged_on_the_lake_column_at_a_reservoir() -> None:
    river = water.section_verdict("S", "2025", {"tp": 0.05}, target_class=2)
    at_limit = water.section_verdict(
        "S", "2025", {"tp": 0.05}, target_class=3, water_body="reservoir"
    )
    above = water.section_verdict(
        "S", "2025", {"tp": 0.051}, target_class=3, water_body="reservoir"
    )
    assert (river.label, at_limit.label, above.label) == ("II", "III", "IV")
    assert above.attains is False


def test_a_section_without_routine_data_has_no_class_and_no_verdict() -> None:
    verdict = water.section_verdict("S", "2025", {"flow": 12.0, "nh3n": math.nan}, target_class=3)
    assert (verdict.water_class, verdict.label, verdict.attains) == (0, "", None)
    assert verdict.colour == water.NO_CLASS_COLOUR and verdict.means == {}


def test_shares_count_only_sections_with_a_class() -> None:
    verdicts = [
        water.section_verdict("A", "2025", {"nh3n": 0.4}, target_class=2),  # II attains
        water.section_verdict("B", "2025", {"nh3n": 0.9}, target_class=2),  # III fails
        water.section_verdict("C", "2025", {"nh3n": 2.5}, target_class=3),  # 劣V fails
        water.section_verdict("D", "2025", {}, target_class=3),  # no data
    ]
    summary = water.summarise("衢江", verdicts)
    assert (summary.sections, summary.judged, summary.good, summary.worse_than_v) == (4, 3, 2, 1)
    assert summary.good_share == pytest.approx(2 / 3)
    assert summary.worse_than_v_share == pytest.approx(1 / 3)
    assert summary.attainment_share == pytest.approx(1 / 3)
    assert dict(summary.class_counts) == {"II": 1, "III": 1, "劣V": 1}
    empty = water.summarise("none", [verdicts[3]])
    assert empty.good_share is None and empty.attainment_share is None


@pytest.mark.parametrize("text", ["2025-13", "25", "2025-7-1", "year", ""])
def test_a_period_is_a_year_or_a_month(text: str) -> None:
    with pytest.raises(ValueError):
        water.parse_period(text)


@given(
    base=st.floats(min_value=0.0, max_value=5.0),
    extra=st.floats(min_value=0.0, max_value=5.0),
)
def test_more_ammonia_never_gives_a_better_class(base: float, extra: float) -> None:
    low = water.section_verdict("S", "2025", {"nh3n": base}, target_class=3)
    high = water.section_verdict("S", "2025", {"nh3n": base + extra}, target_class=3)
    assert high.water_class >= low.water_class


# ---- soil -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cd", "label"),
    [(0.3, "优先保护"), (0.31, "安全利用"), (1.5, "安全利用"), (1.51, "严格管控")],
)
def test_paddy_cadmium_at_ph_5_2_against_screening_0_3_and_intervention_1_5(
    cd: float, label: str
) -> None:
    verdict = point_verdict("P", {"cd": cd, "ph": 5.2}, "paddy")
    assert verdict.label == label
    assert bool(verdict.above_screening) is (cd > 0.3)
    assert bool(verdict.above_intervention) is (cd > 1.5)


def test_copper_above_screening_calls_for_monitoring_without_changing_the_category() -> None:
    verdict = point_verdict("P", {"cd": 0.1, "cu": 151.0, "ph": 5.2}, "other")
    assert verdict.label == "优先保护" and verdict.monitoring_needed
    assert [item for item, _v, _s in verdict.above_screening] == ["cu"]


def test_a_point_without_ph_or_items_is_not_judged_and_says_why() -> None:
    assert point_verdict("P", {"cd": 0.2}, "paddy").reason.startswith("缺少土壤 pH")
    assert "没有" in point_verdict("P", {"ph": 6.0}, "paddy").reason
    summary = soil_summarise(
        "x",
        [
            point_verdict("P", {"cd": 0.2}, "paddy"),
            point_verdict("Q", {"cd": 2.5, "ph": 6.0}, "paddy"),  # intervention 2.0
        ],
    )
    assert (summary.points, summary.judged, summary.counts["严格管控"]) == (2, 1, 1)


def test_reference_items_are_not_counted_as_over_the_target() -> None:
    # fecal coliform 18000/L is over the class III limit 10000/L, but it is a reference item of
    # the 2011 method: neither the class nor the items over the target include it
    verdict = water.section_verdict("S", "2025", {"nh3n": 0.3, "fcoli": 18000.0}, target_class=3)
    assert verdict.label == "II" and verdict.over_target == ()
    worse = water.section_verdict("S", "2025", {"nh3n": 2.5, "fcoli": 18000.0}, target_class=3)
    assert [e.item for e in worse.main_pollutants] == ["nh3n"]
