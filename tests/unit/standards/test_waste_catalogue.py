"""国家危险废物名录 (2021): 467 codes in 46 categories, the 900-000-XX rule of art. 6, the
exemption list and the method codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ecociv.standards import waste

SHARED = Path(__file__).parents[3].parent / "shared" / "data" / "waste"
PACKAGE_DATA = Path(waste.__file__).parent / "data" / "waste"
TABLES = ["hw_categories.csv", "hw_codes.csv", "hw_exemptions_2021.csv", "disposal_methods.csv"]


@pytest.mark.parametrize("name", TABLES)
def test_every_table_equals_the_shared_file(name: str) -> None:
    if not SHARED.is_dir():
        pytest.skip(f"shared waste data not present at {SHARED}")
    assert (PACKAGE_DATA / name).read_bytes() == (SHARED / name).read_bytes()


def test_the_2021_catalogue_lists_467_codes_in_46_categories() -> None:
    assert waste.CATALOGUE_EDITION == "2021"
    assert len(waste.codes()) == 467
    assert len(waste.categories()) == 46
    assert {record.edition for record in waste.codes().values()} == {"2021"}


def test_categories_are_hw01_to_hw40_and_hw45_to_hw50() -> None:
    expected = [f"HW{n:02d}" for n in [*range(1, 41), *range(45, 51)]]
    assert list(waste.categories()) == expected
    for unused in ("HW41", "HW42", "HW43", "HW44"):
        with pytest.raises(waste.WasteCodeError, match=unused):
            waste.category(unused)


def test_the_last_two_digits_of_every_code_equal_its_category() -> None:
    for code, record in waste.codes().items():
        assert re.fullmatch(r"\d{3}-\d{3}-\d{2}", code)
        assert record.category == f"HW{code[-2:]}"
        assert waste.category_of(code) == record.category


def test_each_category_holds_the_number_of_codes_it_declares() -> None:
    counts: dict[str, int] = {}
    for record in waste.codes().values():
        counts[record.category] = counts.get(record.category, 0) + 1
    for hw, category in waste.categories().items():
        assert counts[hw] == category.code_count, hw
    assert waste.categories()["HW08"].code_count == 32
    assert waste.categories()["HW11"].code_count == 85


def test_hazard_strings_are_kept_raw_and_use_only_t_c_i_r_in() -> None:
    assert waste.waste_code("900-052-31").hazard == "T,C"
    assert waste.waste_code("841-004-01").hazard == "T/C/I/R"
    assert waste.waste_code("841-004-01").characteristics == ("T", "C", "I", "R")
    for record in waste.codes().values():
        assert set(record.characteristics) <= {"T", "C", "I", "R", "In"}
    toxic_only = sum(1 for r in waste.codes().values() if r.hazard == "T")
    assert toxic_only == 364  # docs/modules/hazwaste.md §1.4: T 364 codes


def test_a_code_record_carries_industry_description_and_exemptions() -> None:
    record = waste.waste_code("772-003-18")
    assert record.category == "HW18"
    assert record.industry_code == "772"
    assert record.industry_source_zh
    assert record.description_zh
    assert record.exemption_seq == (13, 14, 15)
    assert not record.by_testing


@pytest.mark.parametrize("number", ["01", "08", "34", "49", "50"])
def test_900_000_xx_is_valid_for_every_existing_category(number: str) -> None:
    code = f"900-000-{number}"
    assert code not in waste.codes()
    assert waste.is_valid_code(code)
    record = waste.waste_code(code)
    assert record.by_testing and record.category == f"HW{number}" and record.hazard == ""


@pytest.mark.parametrize("number", ["00", "41", "44", "51", "99"])
def test_900_000_xx_is_refused_for_a_category_the_catalogue_lacks(number: str) -> None:
    code = f"900-000-{number}"
    assert not waste.is_valid_code(code)
    with pytest.raises(waste.WasteCodeError, match=f"HW{number}"):
        waste.waste_code(code)


@pytest.mark.parametrize(
    "bad",
    [
        "900-041-48",  # listed as -49; the category digits do not match a listed code
        "261-999-11",
        "123",
        "90004149X",
        "HW08",
        "",
    ],
)
def test_a_bad_code_is_refused_and_named_in_the_error(bad: str) -> None:
    assert not waste.is_valid_code(bad)
    with pytest.raises(waste.WasteCodeError) as caught:
        waste.validate_code(bad)
    assert f"“{bad}”" in caught.value.message
    assert caught.value.field == "code"


def test_a_code_without_dashes_is_normalised() -> None:
    assert waste.validate_code(" 90004149 ") == "900-041-49"
    assert waste.is_valid_code("90004149")


def test_category_lookup_accepts_hw_prefix_or_bare_number() -> None:
    assert waste.category("HW08") is waste.category("hw8") is waste.category("08")
    assert waste.category("HW49").name_zh == "其他废物"


def test_the_exemption_list_has_items_1_to_32_one_row_per_stage() -> None:
    rows = waste.exemptions()
    assert len(rows) == 57
    assert {row.seq for row in rows} == set(range(1, 33))


def test_lead_acid_batteries_are_exempt_in_transport_under_item_18() -> None:
    rows = waste.exemptions_for("900-052-31")
    assert [row.seq for row in rows] == [18]
    assert rows[0].stage_zh == "运输"


def test_category_level_exemptions_apply_to_every_code_of_the_category() -> None:
    acid_code = next(code for code, r in waste.codes().items() if r.category == "HW34")
    assert 20 in {row.seq for row in waste.exemptions_for(acid_code)}
    assert waste.exemptions_for("900-041-49") == tuple(
        row for row in waste.exemptions() if row.seq == 24
    )


def test_method_codes_keep_their_kind_and_the_unconfirmed_mark() -> None:
    methods = waste.methods()
    assert len(methods) == 27
    assert {m.kind for m in methods.values()} == waste.METHOD_KINDS
    assert waste.method("D10").name_zh == "焚烧"
    assert waste.method("c1").kind == "disposal"
    assert waste.method("Y10").medical_only
    unconfirmed = {code for code, m in methods.items() if m.unconfirmed}
    assert unconfirmed == {"G21", "G22", "G23", "G24", "G29"}
    assert not waste.is_valid_method("G21")
    assert waste.is_valid_method("G21", allow_unconfirmed=True)


def test_an_unknown_method_code_is_named_in_the_error() -> None:
    with pytest.raises(waste.WasteCodeError, match="“R12”"):
        waste.method("R12")
    assert not waste.is_valid_method("R12")
