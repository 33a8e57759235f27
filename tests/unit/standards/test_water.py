"""GB 3838-2002 Table 1 and the 2011 assessment method (环办〔2011〕22号): a sample's class is
the worst of its 21 routine items; C on a limit takes the better class; DO is "not less than";
pH outside 6–9 is 劣V; lakes and reservoirs use their own phosphorus limits; a period's class
is the class of the item means; the over-limit multiple is (C − L) / L."""

from __future__ import annotations

import csv
import math
from decimal import Decimal
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecociv.kernel.errors import ValidationError
from ecociv.standards import water
from ecociv.standards.water import (
    NO_CLASS,
    class_labels,
    class_status,
    exceedances,
    item_code,
    period_class,
    period_means,
    substitute_non_detects,
    to_table_units,
    ug_per_l_to_mg_per_l,
    water_class,
    water_items,
)

SHARED = Path(__file__).parents[3].parent / "shared" / "data" / "standards"
NAN = float("nan")
I, II, III, IV, V, WORSE_THAN_V = 1, 2, 3, 4, 5, 6  # noqa: E741 (class I)
#: A step far below any reported precision and far above float noise.
STEP = Decimal("0.000001")

ITEMS = {code: item for (_, _, code), item in water_items().items()}
ROUTINE = [code for code, item in ITEMS.items() if item.routine]


def _packaged(name: str) -> str:
    return resources.files("ecociv.standards").joinpath(f"data/{name}").read_text("utf-8")


@pytest.mark.parametrize("name", ["gb3838_2002_basic.csv", "gb3838_class_status.csv"])
def test_packaged_table_is_the_shared_table_unchanged(name: str) -> None:
    shared = SHARED / name
    if not shared.exists():
        pytest.skip(f"shared standards data not found at {SHARED}")
    assert _packaged(name) == shared.read_text("utf-8")


def test_tables_are_keyed_by_standard_edition_and_item() -> None:
    assert ("GB 3838", "2002", "nh3n") in water_items()
    assert len(water_items()) == 24


def test_the_2011_method_assesses_21_routine_items_and_not_wt_tn_or_fecal_coliform() -> None:
    assert len(ROUTINE) == 21
    assert {"wt", "tn", "fcoli"}.isdisjoint(ROUTINE)


@pytest.mark.parametrize("code", [c for c, i in ITEMS.items() if i.direction in {"max", "min"}])
def test_limits_run_from_strict_to_lenient(code: str) -> None:
    item = ITEMS[code]
    for limits in (item.limits, item.lake_limits):
        present = [limit for limit in limits if limit is not None]
        ordered = sorted(present, reverse=item.direction == "min")
        assert present == ordered


# --- every limit of Table 1, with the limit and a value either side ---------------------------


def _rule(limits: tuple[Decimal | None, ...], direction: str, reading: Decimal) -> int:
    """The regulation as written: the best class whose limit the reading meets, else 劣V."""
    for rank, limit in enumerate(limits, start=1):
        assert limit is not None
        meets = reading <= limit if direction == "max" else reading >= limit
        if meets:
            return rank
    return WORSE_THAN_V


def _limit_cases() -> list[tuple[str, str, int, Decimal]]:
    cases = []
    for code, item in ITEMS.items():
        if item.direction not in {"max", "min"} or item.limits[0] is None:
            continue
        bodies = ["lake"] + ([] if item.lake_only else ["river"])
        for body in bodies:
            for rank, limit in enumerate(item.limits_at(lake=body == "lake"), start=1):
                assert limit is not None
                cases.append((code, body, rank, limit))
    return cases


@pytest.mark.parametrize(("code", "body", "rank", "limit"), _limit_cases())
def test_each_limit_holds_on_the_limit_and_not_just_beyond_it(
    code: str, body: str, rank: int, limit: Decimal
) -> None:
    item = ITEMS[code]
    limits = item.limits_at(lake=body == "lake")
    worse, better = (STEP, -STEP) if item.direction == "max" else (-STEP, STEP)
    for reading in (limit, limit * (1 + worse), limit * (1 + better)):
        got = water_class({code: float(reading)}, water_body=body).item_classes[code]
        assert int(got) == _rule(limits, item.direction, reading), reading
    on_limit = water_class({code: float(limit)}, water_body=body).item_classes[code]
    assert int(on_limit) <= rank


def test_a_value_on_a_limit_shared_by_two_classes_gets_the_better_one() -> None:
    result = water_class({"cod": [14, 15, 15.01], "hg": [0.00005, 0.00005, 0.00005]})
    assert result.item_classes["cod"].tolist() == [I, I, III]  # W5
    assert result.item_classes["hg"].tolist() == [I, I, I]


# --- hand-computed vectors of the notes, §5 -----------------------------------------------------

W1 = {
    "ph": 7.2,
    "do": 6.5,
    "codmn": 3.1,
    "cod": 12,
    "bod5": 2.1,
    "nh3n": 0.42,
    "tp": 0.12,
    # the other 14 routine items at trace level
    **{c: 0.0 for c in ROUTINE if c not in {"ph", "do", "codmn", "cod", "bod5", "nh3n", "tp"}},
}


def test_w1_river_is_class_iii_set_by_phosphorus() -> None:
    result = water_class(W1)
    assert result.labels.tolist() == "III"
    assert result.deciding_items.tolist() == ("tp",)
    assert {code: int(result.item_classes[code]) for code in ("do", "codmn", "nh3n")} == {
        "do": II,
        "codmn": II,
        "nh3n": II,
    }


def test_w1_at_a_lake_is_class_v_under_the_lake_phosphorus_limits() -> None:
    assert water_class(W1, water_body="lake").labels.tolist() == "V"
    assert water_class(W1, water_body="reservoir").labels.tolist() == "V"


def test_w2_ammonia_2_35_is_worse_than_v_and_1_35_times_over_class_iii() -> None:
    assert water_class({"nh3n": 2.35}).labels.tolist() == "劣V"
    assert float(exceedances({"nh3n": 2.35}, "III")["nh3n"]) == pytest.approx(1.35)


def test_w3_lake_phosphorus_0_12_is_1_4_times_over_class_iii() -> None:
    multiple = exceedances({"tp": 0.12}, "III", water_body="lake")["tp"]
    assert float(multiple) == pytest.approx(1.4)


def test_w4_dissolved_oxygen_is_not_less_than_its_limit() -> None:
    result = water_class({"do": [7.5, 7.49, 5.0, 4.99, 2.5, 1.8]})
    assert result.labels.tolist() == ["I", "II", "III", "IV", "V", "劣V"]


def test_w6_mercury_and_copper() -> None:
    result = water_class({"hg": 0.00006, "cu": 0.5})
    assert int(result.item_classes["hg"]) == III
    assert int(result.item_classes["cu"]) == II


def test_w7_ph_outside_6_to_9_is_worse_than_v_and_inside_puts_no_constraint() -> None:
    result = water_class({"ph": [9.2, 6.0, 9.0, 5.99, 9.01, 7.0]})
    assert result.labels.tolist() == ["劣V", "I", "I", "劣V", "劣V", "I"]


def test_w8_a_period_takes_the_class_of_the_mean_not_of_the_worst_sample() -> None:
    samples = {"nh3n": [0.8, 1.2, 1.3]}
    assert water_class(samples).labels.tolist() == ["III", "IV", "IV"]
    assert float(period_means(samples)["nh3n"]) == 1.1
    assert period_class(samples).labels.tolist() == "IV"


def test_w9_over_limit_multiples_of_cod_and_codmn_against_class_iii() -> None:
    multiples = exceedances({"cod": 21.5, "codmn": 6.9}, III)
    assert float(multiples["cod"]) == pytest.approx(0.075)
    assert float(multiples["codmn"]) == pytest.approx(0.15)


# --- missing values, water bodies, reference items -----------------------------------------------


def test_missing_readings_are_ignored_item_by_item() -> None:
    result = water_class({"nh3n": [NAN, 1.2], "tp": [0.3, NAN]})
    assert result.labels.tolist() == ["IV", "IV"]
    assert result.deciding_items.tolist() == [("tp",), ("nh3n",)]


def test_a_sample_with_no_assessable_item_has_no_class() -> None:
    result = water_class({"nh3n": [NAN, 0.1], "tn": [3.0, NAN], "wt": [20.0, 20.0]})
    assert result.water_class.tolist() == [NO_CLASS, I]
    assert result.labels.tolist() == ["", "I"]
    assert result.deciding_items.tolist() == [(), ("nh3n",)]


def test_phosphorus_limits_follow_the_water_body_of_each_sample() -> None:
    result = water_class({"tp": [0.05, 0.05, 0.05]}, water_body=["river", "lake", "reservoir"])
    assert result.labels.tolist() == ["II", "III", "III"]


def test_total_nitrogen_is_graded_at_lakes_only_and_never_sets_the_class() -> None:
    result = water_class({"tn": [3.0, 3.0], "nh3n": [0.1, 0.1]}, water_body=["river", "lake"])
    assert result.item_classes["tn"].tolist() == [NO_CLASS, WORSE_THAN_V]
    assert result.labels.tolist() == ["I", "I"]
    multiples = exceedances({"tn": [3.0, 3.0]}, III, water_body=["river", "lake"])["tn"]
    assert math.isnan(multiples[0])
    assert multiples[1] == pytest.approx(2.0)


def test_fecal_coliform_is_graded_but_does_not_set_the_class() -> None:
    result = water_class({"fcoli": 50000, "do": 8.0})
    assert int(result.item_classes["fcoli"]) == WORSE_THAN_V
    assert result.labels.tolist() == "I"


def test_unknown_water_body_is_rejected() -> None:
    with pytest.raises(ValidationError, match="sea") as caught:
        water_class({"tp": 0.1}, water_body="sea")
    assert caught.value.field == "water_body"


def test_negative_concentrations_are_rejected_naming_the_item() -> None:
    with pytest.raises(ValidationError, match="nh3n") as caught:
        water_class({"氨氮": [0.1, -0.2]})
    assert caught.value.field == "氨氮"


# --- item codes and names ---------------------------------------------------------------------


@pytest.mark.parametrize("code", list(ITEMS))
def test_every_code_chinese_name_and_hj212_code_names_its_item(code: str) -> None:
    item = ITEMS[code]
    assert item_code(code) == code
    assert item_code(code.upper()) == code
    assert item_code(item.name_zh) == code
    assert item_code(item.hj212_code) == code


def test_chinese_names_without_their_bracket_are_accepted() -> None:
    assert [item_code(n) for n in ("氨氮", "总磷", "化学需氧量", "铬")] == [
        "nh3n",
        "tp",
        "cod",
        "cr6",
    ]


def test_an_unknown_item_is_rejected_naming_it() -> None:
    with pytest.raises(ValidationError, match="叶绿素a") as caught:
        water_class({"nh3n": 0.1, "叶绿素a": 0.01})
    assert caught.value.field == "叶绿素a"


def test_the_same_item_given_twice_is_rejected() -> None:
    with pytest.raises(ValidationError, match="nh3n"):
        water_class({"nh3n": 0.1, "氨氮": 0.2})


# --- over-limit multiples -----------------------------------------------------------------------


def test_no_multiple_is_computed_for_temperature_ph_or_do() -> None:
    multiples = exceedances({"wt": 30, "ph": 10, "do": 1, "nh3n": 1.0}, III)
    assert set(multiples) == {"nh3n"}
    assert float(multiples["nh3n"]) == 0.0  # on the limit: not exceeded


def test_multiples_use_each_sections_own_target_class() -> None:
    multiples = exceedances({"nh3n": [1.2, 1.2]}, ["II", "IV"])["nh3n"]
    assert multiples.tolist() == pytest.approx([1.4, 0.0])


def test_a_missing_reading_has_no_multiple() -> None:
    assert math.isnan(float(exceedances({"nh3n": NAN}, III)["nh3n"]))


@pytest.mark.parametrize("target", ["劣V", 6, 0, "VI"])
def test_a_target_must_be_a_class_with_limits(target: object) -> None:
    with pytest.raises(ValidationError):
        exceedances({"nh3n": 1.0}, target)  # type: ignore[arg-type]


# --- periods, detection limits, units -----------------------------------------------------------


def test_period_means_ignore_missing_samples_and_all_missing_gives_no_class() -> None:
    samples = {"nh3n": [[0.8, NAN, 1.3], [NAN, NAN, NAN]]}
    assert period_means(samples)["nh3n"].tolist()[0] == pytest.approx(1.05)
    assert period_class(samples).labels.tolist() == ["IV", ""]


def test_a_mean_that_lands_on_a_limit_is_not_pushed_over_it_by_float_noise() -> None:
    # 0.1 + 0.2 + 0.3 over 3 is 0.20000000000000004 in floats; the mean is 0.2, class III
    assert period_class({"tp": [0.1, 0.2, 0.3]}).labels.tolist() == "III"


def test_non_detects_are_put_at_their_detection_limit_by_default() -> None:
    values = substitute_non_detects({"hg": [NAN, 0.0002]}, {"hg": [0.00004, NAN]})
    assert water_class(values).labels.tolist() == ["I", "IV"]


def test_non_detects_at_a_chosen_fraction_of_the_detection_limit() -> None:
    values = substitute_non_detects({}, {"hg": [0.00008]}, fraction=0.5)
    assert values["hg"].tolist() == [0.00004]
    with pytest.raises(ValidationError):
        substitute_non_detects({}, {"hg": [0.00008]}, fraction=2)


def test_micrograms_per_litre_are_converted_to_milligrams_exactly() -> None:
    assert float(ug_per_l_to_mg_per_l(0.05)) == 0.00005
    converted = to_table_units({"hg": 0.05, "pb": 10.0}, {"hg": "µg/L", "pb": "ug/L"})
    assert water_class(converted).labels.tolist() == "I"


def test_fecal_coliform_per_100_ml_is_converted_to_per_litre() -> None:
    assert to_table_units({"fcoli": 20}, {"fcoli": "MPN/100mL"})["fcoli"].tolist() == 200.0


@pytest.mark.parametrize(("code", "unit"), [("hg", "ppm"), ("fcoli", "mg/L"), ("hg", "个/L")])
def test_unknown_or_mismatched_units_are_rejected_naming_the_item(code: str, unit: str) -> None:
    with pytest.raises(ValidationError, match=code):
        to_table_units({code: 1.0}, {code: unit})


# --- status and colour ----------------------------------------------------------------------------


def _status_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(_packaged("gb3838_class_status.csv").splitlines()))


@pytest.mark.parametrize("row", _status_rows(), ids=lambda row: row["class"])
def test_each_class_has_its_status_and_colour(row: dict[str, str]) -> None:
    for key in (row["class"], int(row["class_rank"])):
        status = class_status(key)
        assert (status.status_zh, status.color_zh) == (row["status_zh"], row["color_zh"])


def test_class_labels_cover_i_to_worse_than_v_and_no_class() -> None:
    assert class_labels(range(7)).tolist() == ["", "I", "II", "III", "IV", "V", "劣V"]
    with pytest.raises(ValidationError):
        class_labels([7])


def test_status_words_of_the_2011_method() -> None:
    assert [class_status(r).status_zh for r in range(1, 7)] == [
        "优",
        "优",
        "良好",
        "轻度污染",
        "中度污染",
        "重度污染",
    ]


# --- properties ---------------------------------------------------------------------------------

concentrations = st.floats(min_value=0, max_value=1e5, allow_nan=False)
MAX_ITEMS = [code for code in ROUTINE if ITEMS[code].direction == "max"]


@given(
    st.sampled_from(MAX_ITEMS), concentrations, concentrations, st.sampled_from(["river", "lake"])
)
def test_a_higher_pollutant_reading_never_gives_a_better_class(
    code: str, a: float, b: float, body: str
) -> None:
    low, high = sorted((a, b))
    classes = water_class({code: [low, high]}, water_body=body).water_class
    assert classes[0] <= classes[1]


@given(concentrations, concentrations)
def test_a_lower_dissolved_oxygen_never_gives_a_better_class(a: float, b: float) -> None:
    low, high = sorted((a, b))
    classes = water_class({"do": [high, low]}).water_class
    assert classes[0] <= classes[1]


@given(
    st.fixed_dictionaries(dict.fromkeys(MAX_ITEMS, concentrations)),
    st.sampled_from(MAX_ITEMS),
    st.floats(min_value=0, max_value=1e3, allow_nan=False),
    st.floats(min_value=0, max_value=20, allow_nan=False),
)
def test_making_one_reading_of_a_sample_worse_never_improves_the_sample(
    sample: dict[str, float], worsened: str, extra: float, oxygen: float
) -> None:
    before = dict(sample, do=oxygen)
    after = dict(before, **{worsened: before[worsened] + extra}, do=oxygen / 2)
    assert water_class(after).water_class >= water_class(before).water_class


@given(st.lists(st.one_of(concentrations, st.just(NAN)), min_size=1, max_size=5))
def test_missing_readings_never_change_the_class_of_the_others(readings: list[float]) -> None:
    with_missing = water_class({"nh3n": readings, "tp": [NAN] * len(readings)})
    alone = water_class({"nh3n": readings})
    assert with_missing.water_class.tolist() == alone.water_class.tolist()
    valid = [r for r in readings if not math.isnan(r)]
    assert (with_missing.water_class == NO_CLASS).sum() == len(readings) - len(valid)


def test_module_cites_its_standard() -> None:
    assert water.STANDARD == "GB 3838" and water.EDITION == "2002"
    assert np.all(water_class({"ph": [7.0]}).water_class == I)
