"""Ambient air: HJ 633 AQI and GB 3095 / HJ 663 annual attainment, editions 2012 and 2026.

Vectors A1–A16 and P1–P3 are those of notes/standards.md §5, written out by hand.
"""

from __future__ import annotations

import csv
import math
from datetime import date
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecociv.kernel.errors import ValidationError
from ecociv.standards import air

SHARED = Path(__file__).parents[3].parent / "shared" / "data" / "standards"
PACKAGE_DATA = Path(air.__file__).parent / "data"
TABLES = [
    "hj633_2012_iaqi.csv",
    "hj633_2012_aqi_categories.csv",
    "hj633_2026_iaqi.csv",
    "hj633_2026_aqi_categories.csv",
    "hj633_2026_sensitive_groups.csv",
    "gb3095_2012_limits.csv",
    "gb3095_2026_limits.csv",
    "hj663_annual_assessment.csv",
]
OLD_DAY, NEW_DAY = date(2026, 2, 28), date(2026, 3, 1)


def one(parameter: str, value: float, edition: str, substitute: float | None = None) -> float:
    return float(air.iaqi(parameter, value, edition=edition, substitute=substitute)[0])


# --- the tables are the project's shared tables, unchanged ----------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_every_table_equals_the_shared_file(name: str) -> None:
    if not SHARED.is_dir():
        pytest.skip(f"shared standards data not present at {SHARED}")
    assert (PACKAGE_DATA / name).read_bytes() == (SHARED / name).read_bytes()


def test_the_switch_date_is_the_one_the_shared_readme_states() -> None:
    if not (SHARED / "README.md").is_file():
        pytest.skip(f"shared standards README not present at {SHARED}")
    readme = (SHARED / "README.md").read_text(encoding="utf-8")
    assert "in force until 2026-02-28" in readme
    assert "in force from 2026-03-01" in readme
    assert date(2026, 3, 1) == air.EDITION_2026_EFFECTIVE_ON


def test_annual_limits_agree_with_gb3095_of_each_edition() -> None:
    columns = {
        "2012": {"gb3095_2012_grade_1": "grade_1", "gb3095_2012_grade_2": "grade_2"},
        "2026": {
            "gb3095_2026_transition_grade_1": "grade_1_transition",
            "gb3095_2026_transition_grade_2": "grade_2_transition",
            "gb3095_2026_final_grade_1": "grade_1_final",
            "gb3095_2026_final_grade_2": "grade_2_final",
        },
    }
    for row in air.annual_statistics_table():
        for edition, pairs in columns.items():
            limit_row = next(
                r
                for r in air.limits_table(edition)
                if r["pollutant_code"] == row["pollutant_code"]
                and r["averaging_code"] == row["compare_with_averaging"]
            )
            for ours, theirs in pairs.items():
                assert Fraction(row[ours]) == Fraction(limit_row[theirs]), (row, ours)


# --- edition by date of the data ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "edition"),
    [
        (date(2018, 1, 1), "2012"),
        (date(2026, 2, 28), "2012"),
        (date(2026, 3, 1), "2026"),
        (date(2031, 1, 1), "2026"),
    ],
)
def test_edition_is_chosen_by_the_date_of_the_data(day: date, edition: str) -> None:
    assert air.edition_for(day) == edition


def test_the_same_reading_on_either_side_of_the_switch_gets_each_editions_aqi() -> None:
    reading = {"pm25_24h": 75}
    before, after = air.daily_aqi(reading, OLD_DAY), air.daily_aqi(reading, NEW_DAY)
    assert (before.edition, before.standard, before.aqi.tolist()) == ("2012", "HJ 633-2012", [100])
    assert (after.edition, after.standard, after.aqi.tolist()) == ("2026", "HJ 633-2026", [114])


def test_rows_straddling_the_switch_must_be_split() -> None:
    days = np.array(["2026-02-28", "2026-03-01"], dtype="datetime64[D]")
    with pytest.raises(ValidationError, match="2026-03-01") as caught:
        air.daily_aqi({"pm25_24h": [75, 75]}, days)
    assert caught.value.field == "on"


# --- every breakpoint, with a value either side ---------------------------------------------------


def _rows(edition: str) -> list[dict[str, str]]:
    with (PACKAGE_DATA / f"hj633_{edition}_iaqi.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _segments(row: dict[str, str]) -> list[tuple[Fraction, int]]:
    return [
        (Fraction(row[name]), int(name.removeprefix("iaqi_")))
        for name in row
        if name.startswith("iaqi_") and row[name].strip()
    ]


def _by_formula(points: list[tuple[Fraction, int]], c: Fraction) -> int:
    """HJ 633 §4.2 with BP_Lo < C ≤ BP_Hi, rounded up, in exact fractions."""
    if c == 0:
        return 0
    for (lo, ilo), (hi, ihi) in zip(points, points[1:], strict=False):
        if lo < c <= hi:
            return math.ceil(ilo + Fraction(ihi - ilo) * (c - lo) / (hi - lo))
    raise AssertionError("beyond the table")


BREAKPOINTS = [
    pytest.param(edition, row["code"], i, id=f"{edition}-{row['code']}-{level}")
    for edition in air.EDITIONS
    for row in _rows(edition)
    for i, (_, level) in enumerate(_segments(row))
]


@pytest.mark.parametrize(("edition", "code", "i"), BREAKPOINTS)
def test_every_breakpoint_gives_its_iaqi_and_neighbours_fall_in_the_adjacent_segments(
    edition: str, code: str, i: int
) -> None:
    row = next(r for r in _rows(edition) if r["code"] == code)
    points = _segments(row)
    bp, level = points[i]
    step = Fraction(1, 10) if row["unit"] == "mg/m3" else Fraction(1)  # 2026 rounding unit
    assert one(code, float(bp), edition) == level
    if i > 0:
        below = one(code, float(bp - step), edition)
        assert below == _by_formula(points, bp - step)
        assert points[i - 1][1] < below <= level or (i == 1 and below == 0 == bp - step)
    if i < len(points) - 1:
        above = one(code, float(bp + step), edition)
        assert above == _by_formula(points, bp + step)
        assert level < above <= points[i + 1][1]


# --- above the last breakpoint --------------------------------------------------------------------


def test_2012_so2_1h_above_800_takes_the_iaqi_of_the_24h_mean() -> None:  # A14
    assert one("so2_1h", 800, "2012", substitute=300) == 200
    assert one("so2_1h", 801, "2012", substitute=300) == 124
    assert one("so2_1h", 900, "2012", substitute=300) == 124
    assert math.isnan(one("so2_1h", 900, "2012"))  # no 24-h mean given: unknown


def test_2026_so2_1h_above_800_is_200() -> None:  # A14
    assert one("so2_1h", 800, "2026") == 200
    assert one("so2_1h", 801, "2026") == 200
    assert one("so2_1h", 900, "2026", substitute=300) == 200


def test_2012_o3_8h_above_800_takes_the_iaqi_of_the_1h_value() -> None:  # A15
    assert one("o3_8h", 800, "2012", substitute=900) == 300
    assert one("o3_8h", 850, "2012", substitute=900) == 350


def test_2026_o3_8h_above_800_is_300() -> None:  # A15
    assert one("o3_8h", 800, "2026") == 300
    assert one("o3_8h", 850, "2026", substitute=900) == 300


def test_2012_daily_o3_8h_above_800_ties_both_o3_indicators_as_primary() -> None:
    report = air.daily_aqi({"o3_8h": 850, "o3_1h": 900, "pm25_24h": 35}, OLD_DAY)
    assert report.aqi.tolist() == [350]
    assert report.primary_pollutants(0) == ("o3_1h", "o3_8h")
    assert report.over_range[0].tolist() == [False] * 6 + [True]


@pytest.mark.parametrize("edition", air.EDITIONS)
@pytest.mark.parametrize(("code", "top"), [("pm25_24h", 500), ("co_24h", 60), ("no2_1h", 3840)])
def test_beyond_a_silent_table_the_iaqi_is_capped_at_500_and_flagged(
    edition: str, code: str, top: float
) -> None:
    assert one(code, top, edition) == 500
    assert one(code, top * 2, edition) == 500
    assert one(code, math.inf, edition) == 500
    if code.endswith("24h"):
        report = air.daily_aqi(
            {code: [top, top * 2]}, date(2025 if edition == "2012" else 2027, 1, 1)
        )
        column = report.indicators.index(code)
        assert report.over_range[:, column].tolist() == [False, True]
        assert report.aqi.tolist() == [500, 500]
        assert [report.category(r).category_zh for r in (0, 1)] == ["严重污染", "严重污染"]  # type: ignore[union-attr]


# --- hand-computed vectors (docs/modules/standards.md §5) ----------------------------------------


@pytest.mark.parametrize(
    ("vector", "code", "value", "iaqi_2012", "iaqi_2026"),
    [
        ("A1", "pm25_24h", 80, 107, 119),
        ("A2", "pm25_24h", 35, 50, 50),
        ("A3", "pm25_24h", 36, 52, 52),
        ("A4", "pm25_24h", 75, 100, 114),
        ("A5", "pm25_24h", 60, 82, 100),
        ("A6", "pm10_24h", 130, 90, 104),
        ("A7", "o3_8h", 170, 110, 110),
        ("A8", "so2_24h", 200, 108, 108),
        ("A9", "no2_1h", 250, 105, 105),
        ("A10", "co_24h", 1.2, 30, 30),
        ("A11", "co_24h", 2.2, 55, 55),
        ("A16a", "pm25_24h", 115, 150, 150),
        ("A16b", "pm25_24h", 150, 200, 200),
        ("A16c", "pm25_24h", 250, 300, 300),
        ("A16d", "pm25_24h", 300, 350, 350),
    ],
)
def test_hand_computed_iaqi_vectors(
    vector: str, code: str, value: float, iaqi_2012: int, iaqi_2026: int
) -> None:
    assert one(code, value, "2012") == iaqi_2012, vector
    assert one(code, value, "2026") == iaqi_2026, vector


def test_iaqi_is_rounded_up_exactly_not_through_binary_floats() -> None:
    naive = math.ceil(50 + (100 - 50) / (4 - 2) * (2.2 - 2))  # what float arithmetic gives
    assert naive == 56
    assert one("co_24h", 2.2, "2012") == 55  # A11
    assert one("co_1h", 65.4, "2012") == 218  # pitfall P5


def test_a1_pm25_80_is_lightly_polluted_under_2012() -> None:
    report = air.daily_aqi({"pm25_24h": 80}, OLD_DAY)
    category = report.category(0)
    assert category is not None
    assert (category.level, category.category_zh, category.hex) == (3, "轻度污染", "#FF7E00")
    assert report.primary_pollutants(0) == ("pm25_24h",)


A12 = {
    "so2_24h": 10,
    "no2_24h": 30,
    "pm10_24h": 60,
    "pm25_24h": 40,
    "co_24h": 0.8,
    "o3_1h": 150,
    "o3_8h": 120,
}


def test_a12_daily_aqi_2012_uses_seven_indicators_including_o3_1h() -> None:
    report = air.daily_aqi(A12, OLD_DAY)
    assert report.indicators == (
        "so2_24h",
        "no2_24h",
        "pm10_24h",
        "pm25_24h",
        "co_24h",
        "o3_1h",
        "o3_8h",
    )
    assert report.iaqi[0].tolist() == [10, 38, 55, 57, 20, 47, 67]
    assert report.aqi.tolist() == [67]
    assert report.category(0).category_zh == "良"  # type: ignore[union-attr]
    assert report.primary_pollutants(0) == ("o3_8h",)
    assert report.complete.tolist() == [True]


def test_a12_daily_aqi_2026_uses_six_indicators_without_o3_1h() -> None:
    report = air.daily_aqi(A12, NEW_DAY)
    assert report.indicators == ("so2_24h", "no2_24h", "pm10_24h", "pm25_24h", "co_24h", "o3_8h")
    assert report.iaqi[0].tolist() == [10, 38, 58, 60, 20, 67]
    assert report.aqi.tolist() == [67]
    assert report.primary_pollutants(0) == ("o3_8h",)


LOW = {"so2_24h": 5, "no2_24h": 10, "co_24h": 0.4, "o3_1h": 50, "o3_8h": 40}


def test_a13_tied_maximum_names_both_primary_pollutants_in_2012() -> None:
    report = air.daily_aqi({**LOW, "pm10_24h": 150, "pm25_24h": 75}, OLD_DAY)
    assert report.aqi.tolist() == [100]
    assert report.primary_pollutants(0) == ("pm10_24h", "pm25_24h")


def test_a13_the_same_day_has_one_primary_pollutant_in_2026() -> None:
    report = air.daily_aqi({**LOW, "pm10_24h": 150, "pm25_24h": 75}, NEW_DAY)
    assert report.iaqi[0, 2:4].tolist() == [112, 114]
    assert report.aqi.tolist() == [114]
    assert report.primary_pollutants(0) == ("pm25_24h",)


@pytest.mark.parametrize(("pm25", "aqi", "primary"), [(35, 50, ()), (36, 52, ("pm25_24h",))])
def test_a2_a3_no_primary_pollutant_unless_aqi_is_above_50(
    pm25: float, aqi: int, primary: tuple[str, ...]
) -> None:
    report = air.daily_aqi({**LOW, "pm10_24h": 20, "pm25_24h": pm25}, OLD_DAY)
    assert report.aqi.tolist() == [aqi]
    assert report.primary_pollutants(0) == primary
    assert report.category(0).category_zh == ("优" if aqi <= 50 else "良")  # type: ignore[union-attr]


@pytest.mark.parametrize("edition", air.EDITIONS)
def test_zero_concentration_gives_iaqi_0_in_both_editions(edition: str) -> None:  # P11
    assert one("pm25_24h", 0, edition) == 0


# --- 2026 rounds concentrations first (GB/T 8170, half to even) -----------------------------------


@pytest.mark.parametrize(
    ("code", "value", "as_rounded"),
    [
        ("pm25_24h", 60.4, 60),
        ("pm25_24h", 60.5, 60),
        ("pm25_24h", 61.5, 62),
        ("pm25_24h", 60.6, 61),
        ("co_24h", 2.25, 2.2),
        ("co_24h", 2.35, 2.4),
    ],
)
def test_2026_rounds_concentrations_half_to_even_before_the_iaqi(
    code: str, value: float, as_rounded: float
) -> None:
    assert one(code, value, "2026") == one(code, as_rounded, "2026")


def test_2012_does_not_round_concentrations() -> None:
    assert one("pm25_24h", 75.4, "2012") == 101  # 100.25 rounded up
    assert one("pm25_24h", 75.4, "2026") == one("pm25_24h", 75, "2026")


# --- missing values -------------------------------------------------------------------------------


def test_a_missing_concentration_gives_a_missing_iaqi() -> None:
    assert np.isnan(air.iaqi("pm25_24h", [np.nan, 40], edition="2012")).tolist() == [True, False]


def test_2026_with_a_pollutant_missing_publishes_the_aqi_only_above_100() -> None:
    partial = {k: [v, v] for k, v in A12.items() if k not in ("so2_24h", "o3_1h")}
    partial["pm25_24h"] = [40, 80]
    report = air.daily_aqi(partial, NEW_DAY)
    assert report.complete.tolist() == [False, False]
    assert np.isnan(report.aqi[0]) and report.level[0] == 0 and report.category(0) is None
    assert report.iaqi[0, 3] == 60  # the individual IAQIs are still published
    assert report.aqi[1] == 119
    assert report.determined.tolist() == [False, True]
    assert report.good.tolist() == [False, False]


def test_2012_with_a_pollutant_missing_takes_the_maximum_present_but_is_not_determined() -> None:
    report = air.daily_aqi({"pm25_24h": [40, 80]}, OLD_DAY)
    assert report.aqi.tolist() == [57, 107]
    assert report.complete.tolist() == [False, False]
    assert report.determined.tolist() == [False, True]


@pytest.mark.parametrize("day", [OLD_DAY, NEW_DAY])
def test_a_row_with_every_value_missing_has_no_aqi(day: date) -> None:
    report = air.daily_aqi({"pm25_24h": [np.nan]}, day)
    assert np.isnan(report.aqi[0]) and report.primary_pollutants(0) == ()


# --- names, units, bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("pm25_24h", "pm25_24h"),
        ("PM10_24H", "pm10_24h"),
        ("颗粒物（粒径小于等于2.5µm）24小时平均", "pm25_24h"),
        ("细颗粒物 24小时平均", "pm25_24h"),
        ("可吸入颗粒物日平均", "pm10_24h"),
        ("二氧化硫1小时平均", "so2_1h"),
        ("臭氧8小时滑动平均", "o3_8h"),
        ("臭氧日最大8小时平均", "o3_8h"),
        ("一氧化碳24小时平均", "co_24h"),
    ],
)
def test_chinese_table_names_are_accepted_as_aliases(name: str, code: str) -> None:
    assert air.parameter_code(name) == code


def test_an_unknown_column_is_rejected_by_name() -> None:
    with pytest.raises(ValidationError, match="PM2.5浓度") as caught:
        air.daily_aqi({"PM2.5浓度": 30}, OLD_DAY)
    assert caught.value.field == "PM2.5浓度"


def test_two_columns_for_one_parameter_are_rejected() -> None:
    with pytest.raises(ValidationError, match="pm25_24h"):
        air.daily_aqi({"pm25_24h": 30, "细颗粒物24小时平均": 30}, OLD_DAY)


def test_a_negative_concentration_is_rejected_naming_column_and_row() -> None:
    with pytest.raises(ValidationError, match="第 2 个") as caught:
        air.iaqi("pm10_24h", [10, -1], edition="2012")
    assert caught.value.field == "pm10_24h"


def test_co_is_in_mg_per_m3() -> None:
    assert air.breakpoint_table("2012")["co_24h"].unit == "mg/m3"
    assert one("co_24h", 4, "2012") == 100  # 4 mg/m3, not 4 µg/m3


# --- categories and advice ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edition", "aqi_value", "level"),
    [("2012", 0, 1), ("2012", 50, 1), ("2012", 51, 2), ("2012", 100, 2), ("2012", 101, 3)]
    + [("2026", 300, 5), ("2026", 301, 6), ("2012", 500, 6)],
)
def test_category_levels_follow_the_table(edition: str, aqi_value: int, level: int) -> None:
    # pm25 concentrations whose IAQI is exactly aqi_value do not always exist: use CO's 0–2
    # segment (IAQI = 25·C) and the 300/301 boundary of PM2.5
    day = OLD_DAY if edition == "2012" else NEW_DAY
    report = air.daily_aqi({"pm25_24h": _pm25_for(aqi_value, edition)}, day)
    assert report.aqi.tolist() == [aqi_value]
    assert report.level.tolist() == [level]


def _pm25_for(target: int, edition: str) -> float:
    for c in np.arange(0, 500.01, 0.1 if edition == "2012" else 1):
        if one("pm25_24h", round(float(c), 1), edition) == target:
            return round(float(c), 1)
    raise AssertionError(target)


def test_2026_lists_sensitive_groups_for_pollutants_above_iaqi_100() -> None:
    report = air.daily_aqi({**LOW, "pm10_24h": 150, "pm25_24h": 75}, NEW_DAY)
    groups = report.sensitive_groups(0)
    assert [g.pollutant for g in groups] == ["pm10", "pm25"]
    assert "青少年儿童" in groups[0].groups_zh
    assert report.category(0).advice_zh.startswith("青少年儿童")  # type: ignore[union-attr]
    assert (
        air.daily_aqi({**LOW, "pm10_24h": 150, "pm25_24h": 75}, OLD_DAY).sensitive_groups(0) == ()
    )


def test_2012_marks_pollutants_above_iaqi_100_as_exceeding() -> None:
    report = air.daily_aqi({**LOW, "pm10_24h": 150, "pm25_24h": 80}, OLD_DAY)
    assert [c for c, f in zip(report.indicators, report.exceeding[0], strict=True) if f] == [
        "pm25_24h"
    ]


# --- monotonicity ---------------------------------------------------------------------------------

MONOTONE = [
    (edition, code)
    for edition in air.EDITIONS
    for code in air.breakpoint_table(edition)
    if not (edition == "2012" and code == "so2_1h")
]


@pytest.mark.parametrize(("edition", "code"), MONOTONE)
@given(a=st.floats(0, 1.2, allow_nan=False), b=st.floats(0, 1.2, allow_nan=False))
def test_a_higher_concentration_never_gives_a_lower_iaqi(
    edition: str, code: str, a: float, b: float
) -> None:
    top = float(air.breakpoint_table(edition)[code].top)
    low, high = sorted((a * top, b * top))
    # the 2012 O3 8-h rule falls back to the 1-h value, which is never below the 8-h average
    assert one(code, low, edition, substitute=low) <= one(code, high, edition, substitute=high)


def test_the_2012_so2_1h_rule_is_not_monotone_by_the_standards_own_design() -> None:
    # A14: above 800 the 24-h mean decides, which can give less than the 200 at 800
    assert one("so2_1h", 900, "2012", substitute=300) < one("so2_1h", 800, "2012", substitute=300)


@pytest.mark.parametrize("day", [OLD_DAY, NEW_DAY])
@given(
    base=st.lists(st.floats(0, 600, allow_nan=False), min_size=7, max_size=7),
    which=st.integers(0, 6),
    extra=st.floats(0, 600, allow_nan=False),
)
def test_a_higher_concentration_never_gives_a_lower_aqi(
    day: date, base: list[float], which: int, extra: float
) -> None:
    codes = air.DAILY_INDICATORS["2012"]
    scale = {"co_24h": 0.1}
    reading = {c: v * scale.get(c, 1.0) for c, v in zip(codes, base, strict=True)}
    reading["o3_1h"] = max(reading["o3_1h"], reading["o3_8h"])
    higher = dict(reading)
    higher[codes[which]] += extra * scale.get(codes[which], 1.0)
    higher["o3_1h"] = max(higher["o3_1h"], higher["o3_8h"])
    assert air.daily_aqi(reading, day).aqi[0] <= air.daily_aqi(higher, day).aqi[0]


# --- annual assessment (HJ 663) -------------------------------------------------------------------


def test_p1_percentile_90_of_ten_values() -> None:
    assert air.percentile([50, 60, 70, 80, 90, 100, 110, 120, 130, 170], 90) == 134


def test_p2_percentiles_of_one_to_365() -> None:
    assert air.percentile(np.arange(1, 366), 95) == 346.8
    assert air.percentile(np.arange(1, 366), 98) == 357.72


def test_percentile_ignores_missing_values() -> None:
    assert air.percentile([np.nan, 1, 2, np.nan, 3], 50) == 2


def _year(year: int) -> np.ndarray:
    return np.arange(f"{year}-01-01", f"{year + 1}-01-01", dtype="datetime64[D]")


def _pm25_mean_33_p95_74(n: int) -> np.ndarray:
    # 35 days at 74 fill ranks 331–365, so p95 (k = 346.8) is 74; the rest at 28.65 give mean 33
    assert n == 365
    return np.array([28.65] * 330 + [74.0] * 35)


def _clean(n: int) -> dict[str, np.ndarray]:
    return {
        "so2_24h": np.full(n, 8.0),
        "no2_24h": np.full(n, 25.0),
        "pm10_24h": np.full(n, 45.0),
        "co_24h": np.full(n, 0.7),
        "o3_8h": np.full(n, 110.0),
        "o3_1h": np.full(n, 140.0),
    }


def _pm25(result: air.AnnualAssessment) -> list[tuple[str, float | None, float]]:
    return [(s.statistic, s.value, s.limit) for s in result.statistics if s.pollutant == "pm25"]


def test_p3_mean_33_p95_74_attains_gb3095_2012_grade_2() -> None:
    days = _year(2025)
    result = air.annual_assessment({**_clean(365), "pm25_24h": _pm25_mean_33_p95_74(365)}, days)
    assert (result.edition, result.limits_standard, result.assessment_standard) == (
        "2012",
        "GB 3095-2012",
        "HJ 663-2013",
    )
    assert _pm25(result) == [("annual_mean", 33, 35), ("p95_daily", 74, 75)]
    assert result.pollutant_attains["pm25"] is True
    assert result.attains is True


def test_p3_the_same_year_does_not_attain_gb3095_2026_transition_limits() -> None:
    days = _year(2027)
    result = air.annual_assessment({**_clean(365), "pm25_24h": _pm25_mean_33_p95_74(365)}, days)
    assert result.limits_column == "gb3095_2026_transition_grade_2"
    assert _pm25(result) == [("annual_mean", 33, 30), ("p95_daily", 74, 60)]
    assert result.pollutant_attains["pm25"] is False
    assert result.attains is False


def test_from_2031_the_final_gb3095_2026_limits_apply() -> None:
    result = air.annual_assessment({**_clean(365), "pm25_24h": np.full(365, 20.0)}, _year(2031))
    assert result.limits_column == "gb3095_2026_final_grade_2"
    assert _pm25(result) == [("annual_mean", 20, 25), ("p95_daily", 20, 50)]


def test_each_pollutant_uses_the_statistics_of_hj663() -> None:
    result = air.annual_assessment({**_clean(365), "pm25_24h": np.full(365, 20.0)}, _year(2025))
    assert [(s.pollutant, s.statistic) for s in result.statistics] == [
        ("so2", "annual_mean"),
        ("so2", "p98_daily"),
        ("no2", "annual_mean"),
        ("no2", "p98_daily"),
        ("pm10", "annual_mean"),
        ("pm10", "p95_daily"),
        ("pm25", "annual_mean"),
        ("pm25", "p95_daily"),
        ("co", "p95_daily"),
        ("o3", "p90_mda8"),
    ]
    co = next(s for s in result.statistics if s.pollutant == "co")
    assert (co.value, co.limit, co.unit) == (0.7, 4, "mg/m3")


def test_a_statistic_equal_to_the_limit_attains_and_rounding_is_half_to_even() -> None:
    pm25 = np.array([35.5, 34.5] * 182 + [35.0])  # mean 35.0 exactly
    result = air.annual_assessment({**_clean(365), "pm25_24h": pm25}, _year(2025))
    mean = next(
        s for s in result.statistics if s.statistic == "annual_mean" and s.pollutant == "pm25"
    )
    assert (mean.value, mean.attains) == (35, True)
    above = air.annual_assessment({**_clean(365), "pm25_24h": np.full(365, 35.5)}, _year(2025))
    assert _pm25(above)[0] == ("annual_mean", 36, 35)  # 35.5 → 36 (half to even)
    below = air.annual_assessment({**_clean(365), "pm25_24h": np.full(365, 36.5)}, _year(2025))
    assert _pm25(below)[0] == ("annual_mean", 36, 35)  # 36.5 → 36


@pytest.mark.parametrize(("valid_days", "valid"), [(323, False), (324, True)])
def test_annual_statistics_need_324_valid_days(valid_days: int, valid: bool) -> None:
    # every month keeps 27 days (above its own minimum); February keeps 27 or 26
    days = _year(2025)
    months = days.astype("datetime64[M]").astype(int) % 12
    rank = np.arange(365) - np.searchsorted(months, months)
    keep = np.where(months == 1, 27 - (324 - valid_days), 27)
    pm25 = np.where(rank < keep, 20.0, np.nan)
    result = air.annual_assessment({**_clean(365), "pm25_24h": pm25}, _year(2025))
    stats = [s for s in result.statistics if s.pollutant == "pm25"]
    assert [s.valid for s in stats] == [valid, valid]
    assert stats[0].valid_days == valid_days
    assert result.pollutant_attains["pm25"] is (True if valid else None)
    assert result.attains is (True if valid else None)


@pytest.mark.parametrize(
    ("month", "kept", "valid"),
    [(3, 26, False), (3, 27, True), (2, 24, False), (2, 25, True)],
)
def test_each_month_needs_27_valid_days_and_february_25(month: int, kept: int, valid: bool) -> None:
    days = _year(2025)
    pm25 = np.full(365, 20.0)
    in_month = np.flatnonzero(days.astype("datetime64[M]") == np.datetime64(f"2025-{month:02d}"))
    pm25[in_month[kept:]] = np.nan
    result = air.annual_assessment({**_clean(365), "pm25_24h": pm25}, days)
    assert [s.valid for s in result.statistics if s.pollutant == "pm25"] == [valid, valid]


def test_the_good_day_ratio_counts_aqi_up_to_100_over_determined_days() -> None:
    days = _year(2025)
    data = {**_clean(365), "pm25_24h": np.full(365, 30.0)}
    data["pm25_24h"][:73] = 80.0  # 73 polluted days (IAQI 107)
    data["pm25_24h"][73:83] = np.nan  # 10 days whose AQI cannot be determined
    result = air.annual_assessment(data, days)
    assert (result.good_days, result.determined_days) == (282, 355)
    assert result.good_day_ratio == pytest.approx(282 / 355)
    assert result.aqi_standards == ("HJ 633-2012",)


def test_the_split_year_2026_needs_the_edition_stated() -> None:
    days = _year(2026)
    data = {**_clean(365), "pm25_24h": np.full(365, 75.0)}
    with pytest.raises(ValidationError, match="2026-03-01") as caught:
        air.annual_assessment(data, days)
    assert caught.value.field == "edition"
    result = air.annual_assessment(data, days, edition="2026")
    assert result.limits_column == "gb3095_2026_transition_grade_2"
    # each day's AQI keeps its own edition: 59 days of 2012 (PM2.5 75 → 100, good),
    # 306 days of 2026 (PM2.5 75 → 114, not good)
    assert result.aqi_standards == ("HJ 633-2012", "HJ 633-2026")
    assert (result.good_days, result.determined_days) == (59, 365)


def test_an_annual_assessment_covers_one_calendar_year_one_row_per_day() -> None:
    days = np.array(["2025-12-31", "2026-01-01"], dtype="datetime64[D]")
    with pytest.raises(ValidationError, match="同一年"):
        air.annual_assessment({"pm25_24h": [1, 2]}, days)
    with pytest.raises(ValidationError, match="one row per distinct day"):
        air.annual_assessment({"pm25_24h": [1, 2]}, np.array(["2025-01-01"] * 2, dtype="M8[D]"))
