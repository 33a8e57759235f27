"""GB 15618-2018: farmland soil at or below the screening value is 优先保护, above it and at or
below the intervention value 安全利用, above the intervention value 严格管控 — by pH band
(ph_gt, ph_le] and land use. GB 36600-2018: construction-land soil against the screening and
intervention values of class 1 or class 2 land."""

from __future__ import annotations

import csv
from decimal import Decimal
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecociv.kernel.errors import ValidationError
from ecociv.standards.soil import (
    ABOVE_INTERVENTION,
    ABOVE_SCREENING,
    BELOW_SCREENING,
    NOT_JUDGED,
    construction_items,
    construction_land_check,
    farmland_class,
    farmland_items,
    item_code,
)

SHARED = Path(__file__).parents[3].parent / "shared" / "data" / "standards"
NAN = float("nan")
STEP = Decimal("0.000001")
PRIORITY, SAFE_USE, STRICT = "优先保护", "安全利用", "严格管控"


def _packaged(name: str) -> str:
    return resources.files("ecociv.standards").joinpath(f"data/{name}").read_text("utf-8")


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(_packaged(name).splitlines()))


@pytest.mark.parametrize("name", ["gb15618_2018_soil.csv", "gb36600_2018_screening.csv"])
def test_packaged_table_is_the_shared_table_unchanged(name: str) -> None:
    shared = SHARED / name
    if not shared.exists():
        pytest.skip(f"shared standards data not found at {SHARED}")
    assert _packaged(name) == shared.read_text("utf-8")


def test_tables_are_keyed_by_standard_edition_and_item() -> None:
    assert ("GB 15618", "2018", "cd") in farmland_items()
    assert ("GB 36600", "2018", "cd") in construction_items()
    assert len(construction_items()) == 45


# --- every row of GB 15618, at its value and either side, at both ends of its pH band ---------


def _ph_points(row: dict[str, str]) -> list[float]:
    """pH values inside the band (ph_gt, ph_le]: its upper end, and just above its lower end."""
    if not row["ph_gt"] and not row["ph_le"]:
        return [NAN, 7.0]  # Table 2: one value for every pH, even an unmeasured one
    points = []
    if row["ph_le"]:
        points.append(float(row["ph_le"]))
    if row["ph_gt"]:
        points.append(float(Decimal(row["ph_gt"]) + Decimal("0.01")))
    return points


def _requests(row: dict[str, str]) -> list[str]:
    """Land uses a farmer may declare that read this row."""
    if row["land_use"] == "all":
        return ["paddy", "other", "orchard"]
    if row["land_use"] == "other" and row["code"] == "cu":
        return ["other", "paddy"]  # a paddy field is "other" for copper
    if row["land_use"] == "other":
        return ["other", "orchard"]  # an orchard is "other" for Cd, Hg, As, Pb, Cr
    return [row["land_use"]]


SCREENING_ROWS = [r for r in _rows("gb15618_2018_soil.csv") if r["value_type"] == "screening"]
INTERVENTION_ROWS = [r for r in _rows("gb15618_2018_soil.csv") if r["value_type"] == "intervention"]


def _row_id(row: dict[str, str]) -> str:
    return f"{row['code']}-{row['value_type']}-{row['land_use']}-{row['ph_band']}"


@pytest.mark.parametrize("row", SCREENING_ROWS, ids=_row_id)
def test_each_screening_value_holds_on_the_value_and_not_just_above_it(
    row: dict[str, str],
) -> None:
    value = Decimal(row["value"])
    code = row["code"]
    for use in _requests(row):
        for ph in _ph_points(row):
            readings = [float(value * (1 - STEP)), float(value), float(value * (1 + STEP))]
            result = farmland_class({code: readings}, ph, land_use=use)
            levels = result.item_levels[code].tolist()
            assert levels[:2] == [BELOW_SCREENING, BELOW_SCREENING], (use, ph)
            assert levels[2] == ABOVE_SCREENING, (use, ph)
            assert result.screening[code].tolist() == [float(value)] * 3


@pytest.mark.parametrize("row", INTERVENTION_ROWS, ids=_row_id)
def test_each_intervention_value_holds_on_the_value_and_not_just_above_it(
    row: dict[str, str],
) -> None:
    value = Decimal(row["value"])
    code = row["code"]
    for use in ("paddy", "other", "orchard", "paddy_dry_rotation"):
        for ph in _ph_points(row):
            readings = [float(value * (1 - STEP)), float(value), float(value * (1 + STEP))]
            result = farmland_class({code: readings}, ph, land_use=use)
            assert result.labels.tolist() == [SAFE_USE, SAFE_USE, STRICT], (use, ph)


def test_copper_nickel_zinc_and_organics_have_no_intervention_value() -> None:
    with_intervention = {r["code"] for r in INTERVENTION_ROWS}
    assert with_intervention == {"cd", "hg", "as", "pb", "cr"}


# --- hand-computed vectors of the notes, §5 -----------------------------------------------------


def test_s1_paddy_ph_5_2_cadmium_0_35_is_safe_use() -> None:
    assert farmland_class({"cd": 0.35}, 5.2, land_use="paddy").labels.tolist() == SAFE_USE


def test_s2_paddy_ph_6_8_cadmium_0_35_is_priority_protection() -> None:
    assert farmland_class({"cd": 0.35}, 6.8, land_use="paddy").labels.tolist() == PRIORITY


def test_s3_dry_land_ph_8_lead_1200_is_strict_control() -> None:
    assert farmland_class({"pb": 1200}, 8.0, land_use="other").labels.tolist() == STRICT


def test_s4_dry_land_ph_8_lead_900_is_safe_use() -> None:
    assert farmland_class({"pb": 900}, 8.0, land_use="旱地").labels.tolist() == SAFE_USE


def test_s5_ph_5_5_is_in_the_first_band_and_5_51_in_the_second() -> None:
    result = farmland_class({"cd": [0.31, 0.31]}, [5.5, 5.51], land_use="paddy")
    assert result.screening["cd"].tolist() == [0.3, 0.4]
    assert result.labels.tolist() == [SAFE_USE, PRIORITY]


def test_s6_ph_6_5_is_in_the_second_band() -> None:
    result = farmland_class({"cd": 0.45}, 6.5, land_use="paddy")
    assert float(result.screening["cd"]) == 0.4
    assert result.labels.tolist() == SAFE_USE


def test_s7_copper_exceeding_screening_asks_for_monitoring_but_does_not_set_the_class() -> None:
    orchard = farmland_class({"cu": 120}, 5.0, land_use="orchard")
    paddy = farmland_class({"cu": 120}, 5.0, land_use="paddy")
    assert int(orchard.item_levels["cu"]) == BELOW_SCREENING
    assert not orchard.monitoring_needed
    assert int(paddy.item_levels["cu"]) == ABOVE_SCREENING  # paddy is "other" for Cu: 50
    assert paddy.monitoring_needed
    assert paddy.labels.tolist() == ""  # no deciding metal measured: not judged
    with_cd = farmland_class({"cu": 120, "cd": 0.1}, 5.0, land_use="paddy")
    assert with_cd.labels.tolist() == PRIORITY


def test_s8_arsenic_intervention_falls_with_ph() -> None:
    assert farmland_class({"as": 110}, 8.0, land_use="paddy").labels.tolist() == STRICT
    assert farmland_class({"as": 110}, 5.0, land_use="paddy").labels.tolist() == SAFE_USE


# --- land use, pH and missing values -------------------------------------------------------------


def test_the_worst_of_the_five_metals_sets_the_sample() -> None:
    result = farmland_class({"cd": 0.1, "hg": 0.1, "pb": 600}, 6.0, land_use="paddy")
    assert result.labels.tolist() == STRICT


def test_paddy_dry_rotation_takes_the_stricter_of_paddy_and_other() -> None:
    # pH 7.0: Cd paddy 0.6, other 0.3; Pb paddy 140, other 120
    result = farmland_class({"cd": 0.35, "pb": 130}, 7.0, land_use="paddy_dry_rotation")
    assert result.screening["cd"].tolist() == 0.3
    assert result.screening["pb"].tolist() == 120
    assert result.labels.tolist() == SAFE_USE


def test_land_use_and_ph_may_differ_per_sample() -> None:
    result = farmland_class(
        {"cd": [0.35, 0.35, 0.35]}, [6.8, 6.8, 7.6], land_use=["paddy", "other", "水田"]
    )
    assert result.labels.tolist() == [PRIORITY, SAFE_USE, PRIORITY]


def test_a_missing_reading_is_not_judged_and_the_others_still_count() -> None:
    result = farmland_class({"cd": [NAN, NAN], "pb": [NAN, 500]}, 6.0, land_use="paddy")
    assert result.item_levels["cd"].tolist() == [NOT_JUDGED, NOT_JUDGED]
    assert result.labels.tolist() == ["", SAFE_USE]


def test_a_missing_ph_leaves_ph_dependent_items_not_judged_but_not_table_2() -> None:
    result = farmland_class({"cd": 0.1, "bap": 0.6}, NAN, land_use="paddy")
    assert int(result.item_levels["cd"]) == NOT_JUDGED
    assert int(result.item_levels["bap"]) == ABOVE_SCREENING
    assert result.labels.tolist() == ""
    assert result.monitoring_needed


@pytest.mark.parametrize("ph", [-0.1, 14.5])
def test_an_impossible_ph_is_rejected(ph: float) -> None:
    with pytest.raises(ValidationError) as caught:
        farmland_class({"cd": 0.1}, ph, land_use="paddy")
    assert caught.value.field == "ph"


def test_an_unknown_land_use_is_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        farmland_class({"cd": 0.1}, 6.0, land_use="forest")
    assert caught.value.field == "land_use"


def test_a_construction_land_item_is_rejected_for_farmland_naming_it() -> None:
    with pytest.raises(ValidationError, match="cr6") as caught:
        farmland_class({"铬（六价）": 1.0}, 6.0, land_use="paddy")
    assert caught.value.field == "铬（六价）"


def test_negative_contents_are_rejected() -> None:
    with pytest.raises(ValidationError, match="cd"):
        farmland_class({"cd": -1.0}, 6.0, land_use="paddy")


# --- item codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row", _rows("gb15618_2018_soil.csv") + _rows("gb36600_2018_screening.csv"), ids=str
)
def test_every_code_and_chinese_name_names_its_item(row: dict[str, str]) -> None:
    assert item_code(row["code"]) == row["code"]
    assert item_code(row["name_zh"]) == row["code"]


def test_total_chromium_and_hexavalent_chromium_are_different_items() -> None:
    assert (item_code("铬"), item_code("铬（六价）")) == ("cr", "cr6")


def test_an_unknown_item_is_rejected_naming_it() -> None:
    with pytest.raises(ValidationError, match="钴") as caught:
        farmland_class({"钴": 10}, 6.0, land_use="paddy")
    assert caught.value.field == "钴"


# --- GB 36600 ----------------------------------------------------------------------------------


def _cases_36600() -> list[tuple[str, int, Decimal, Decimal]]:
    return [
        (
            row["code"],
            land,
            Decimal(row[f"screening_class{land}"]),
            Decimal(row[f"intervention_class{land}"]),
        )
        for row in _rows("gb36600_2018_screening.csv")
        for land in (1, 2)
    ]


@pytest.mark.parametrize(("code", "land", "screening", "intervention"), _cases_36600())
def test_each_construction_value_holds_on_the_value_and_not_just_above_it(
    code: str, land: int, screening: Decimal, intervention: Decimal
) -> None:
    readings = [screening * (1 - STEP), screening, screening * (1 + STEP)]
    readings += [intervention * (1 - STEP), intervention, intervention * (1 + STEP)]
    levels = construction_land_check(
        {code: [float(r) for r in readings]}, land_class=land
    ).item_levels[code]
    between = screening < intervention  # toluene, styrene…: the two values coincide
    expected = [BELOW_SCREENING, BELOW_SCREENING]
    expected += [ABOVE_SCREENING if between else ABOVE_INTERVENTION]
    expected += [ABOVE_SCREENING if between else BELOW_SCREENING] * 2
    expected += [ABOVE_INTERVENTION]
    assert levels.tolist() == expected


def test_class_1_land_is_stricter_than_class_2() -> None:
    result = construction_land_check({"pb": [500, 500]}, land_class=["第一类用地", "第二类用地"])
    assert result.labels.tolist() == ["超过筛选值", "不超过筛选值"]


def test_land_of_unclear_planned_use_is_assessed_as_class_1() -> None:
    unclear = construction_land_check({"pb": 500}, land_class="unclear")
    assert unclear.labels.tolist() == "超过筛选值"


def test_the_worst_item_sets_the_construction_land_outcome() -> None:
    result = construction_land_check({"pb": 100, "benzene": 50, "as": NAN}, land_class=2)
    assert result.labels.tolist() == "超过管制值"
    assert int(result.item_levels["as"]) == NOT_JUDGED


def test_arsenic_within_the_local_background_is_not_managed() -> None:
    result = construction_land_check({"as": [25, 25]}, land_class=1, background={"as": [30, 20]})
    assert result.item_levels["as"].tolist() == [BELOW_SCREENING, ABOVE_SCREENING]
    assert result.within_background["as"].tolist() == [True, False]


def test_the_background_exemption_is_for_arsenic_only() -> None:
    with pytest.raises(ValidationError) as caught:
        construction_land_check({"pb": 500}, land_class=1, background={"pb": 600})
    assert caught.value.field == "background"


@pytest.mark.parametrize("land_class", [3, "third", "industrial"])
def test_an_unknown_land_class_is_rejected(land_class: object) -> None:
    with pytest.raises(ValidationError) as caught:
        construction_land_check({"pb": 1}, land_class=land_class)  # type: ignore[arg-type]
    assert caught.value.field == "land_class"


def test_a_farmland_only_item_is_rejected_for_construction_land() -> None:
    with pytest.raises(ValidationError, match="zn"):
        construction_land_check({"锌": 100}, land_class=1)


# --- properties ---------------------------------------------------------------------------------

contents = st.floats(min_value=0, max_value=5000, allow_nan=False)
phs = st.floats(min_value=3.0, max_value=10.0, allow_nan=False)
uses = st.sampled_from(["paddy", "other", "orchard", "paddy_dry_rotation"])
METALS = ["cd", "hg", "as", "pb", "cr"]


@given(st.sampled_from(METALS), contents, contents, phs, uses)
def test_a_higher_metal_content_never_gives_a_better_category(
    code: str, a: float, b: float, ph: float, use: str
) -> None:
    low, high = sorted((a, b))
    category = farmland_class({code: [low, high]}, ph, land_use=use).category
    assert category[0] <= category[1]


@given(st.fixed_dictionaries(dict.fromkeys(METALS, contents)), phs, uses)
def test_the_sample_category_is_the_worst_of_its_metals(
    sample: dict[str, float], ph: float, use: str
) -> None:
    whole = farmland_class(sample, ph, land_use=use).category
    each = [
        farmland_class({code: value}, ph, land_use=use).category for code, value in sample.items()
    ]
    assert whole == max(each)


@given(st.sampled_from(sorted(r["code"] for r in _rows("gb36600_2018_screening.csv"))), contents)
def test_class_2_land_is_never_judged_more_severely_than_class_1(code: str, value: float) -> None:
    levels = construction_land_check({code: [value, value]}, land_class=[1, 2]).level
    assert levels[1] <= levels[0]


def test_results_are_arrays_of_the_samples_shape() -> None:
    result = farmland_class({"cd": np.full((2, 3), 0.1)}, 6.0, land_use="paddy")
    assert result.category.shape == (2, 3)
