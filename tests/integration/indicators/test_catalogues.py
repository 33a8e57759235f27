"""Frameworks are data: catalogues load with their confirmation state, unverified rows are
never assessed, and a new version keeps the old one for the assessments that used it."""

from __future__ import annotations

import csv
import hashlib
import io
from importlib import resources

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from ecociv import assessment, indicators
from ecociv.adapters.db import Database
from ecociv.indicators import Confirmation
from ecociv.indicators.excel import read_catalogue
from ecociv.indicators.tables import TargetRow
from ecociv.kernel import ConflictError, ValidationError
from tests.conftest import SYSTEM

DATA = resources.files("ecociv.indicators").joinpath("data")


def rows_of(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(DATA.joinpath(name).read_text("utf-8"))))


def test_every_catalogue_row_loads_with_its_confirmation_state(db: Database) -> None:
    national = indicators.list_indicators(db, SYSTEM, "national_demo_2019")
    plan = indicators.list_indicators(db, SYSTEM, "quzhou_plan_2020")
    assert len(national) == len(rows_of("national_demo_2019.csv")) == 40
    assert len(plan) == len(rows_of("quzhou_plan_targets.csv")) == 62
    expected = {r["row_id"]: r["confirmation"] for r in rows_of("national_demo_2019.csv")}
    assert {i.code: i.confirmation.value for i in national} == expected
    assert sum(i.confirmation is Confirmation.UNVERIFIED for i in national) == 36
    assert all(i.confirmation is Confirmation.CONFIRMED for i in plan)


def test_unverified_national_rows_have_no_targets_and_are_never_assessed(db: Database) -> None:
    unconfirmed = {
        i.code
        for i in indicators.list_indicators(db, SYSTEM, "national_demo_2019")
        if i.confirmation is not Confirmation.CONFIRMED
    }
    targets = indicators.list_targets(db, SYSTEM)
    assert not [t for t in targets if t.indicator_code in unconfirmed]
    year = assessment.assess_year(db, SYSTEM, 2021)
    assessed = {i.indicator.code for u in year.units for i in u.items}
    assert "N2019-01" in assessed
    assert not assessed & unconfirmed


def test_targets_cannot_be_set_on_an_unconfirmed_row_until_it_is_confirmed(db: Database) -> None:
    change = [indicators.TargetChange("330800", 100.0)]
    with pytest.raises(ConflictError):
        indicators.set_targets(db, SYSTEM, "N2019-05", change, reason="试设")
    with pytest.raises(ValidationError, match="核实依据"):
        indicators.confirm_indicator(db, SYSTEM, "N2019-05", "")
    confirmed = indicators.confirm_indicator(
        db, SYSTEM, "N2019-05", "环生态〔2019〕76号 附件 第5项"
    )
    assert confirmed.confirmation is Confirmation.CONFIRMED
    assert confirmed.confirmation_citation.startswith("环生态")


def test_plan_targets_keep_their_source_words_and_relative_targets(db: Database) -> None:
    targets = {
        t.indicator_code: t
        for t in indicators.list_targets(db, SYSTEM)
        if t.org_unit_code == "330800"
    }
    forest = targets["QZ-036"]
    assert (forest.comparator.value, forest.value, forest.year) == ("ge", 69.85, 2022)
    coal = targets["QZ-013"]
    assert (coal.comparator.value, coal.baseline_year, coal.relative_change) == ("le", 2017, -0.1)
    meetings = targets["QZ-056"]
    assert meetings.recurring and meetings.year is None
    assert targets["QZ-016"].required_state == "建成" and targets["QZ-016"].wording == "建立健全"


def test_loading_catalogues_twice_changes_nothing(db: Database) -> None:
    counts = indicators.load_catalogues(db, SYSTEM)
    assert counts == {"frameworks": 0, "indicators": 0, "targets": 0, "elements": 0}


def _workbook(rows: list[dict[str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    header = list(rows[0])
    sheet.append(header)
    for row in rows:
        sheet.append([row[h] for h in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_uploaded_sheet_adds_a_version_and_keeps_the_old_one(db: Database) -> None:
    rows = rows_of("quzhou_plan_targets.csv")
    rows[35] = {**rows[35], "target": "70.5"}  # QZ-036 revised upwards
    data = _workbook(rows)
    result = indicators.load_framework_rows(
        db,
        SYSTEM,
        "quzhou_plan_2020",
        read_catalogue(data),
        source_file="plan-v2.xlsx",
        digest=hashlib.sha256(data).hexdigest(),
    )
    assert result["version"] == 2
    versions = [v for v in indicators.frameworks(db, SYSTEM) if v["code"] == "quzhou_plan_2020"]
    assert [(v["version"], v["current"]) for v in versions] == [(2, True), (1, False)]
    assert indicators.get_indicator(db, SYSTEM, "QZ-036").framework_version == 2


def test_a_bad_uploaded_sheet_names_row_and_column_and_adds_nothing(db: Database) -> None:
    rows = rows_of("quzhou_plan_targets.csv")
    rows[4] = {**rows[4], "code": "QZ5"}
    data = _workbook(rows)
    with db.reading() as session:
        before = session.scalar(select(func.count()).select_from(TargetRow))
    with pytest.raises(ValidationError) as caught:
        indicators.load_framework_rows(
            db, SYSTEM, "quzhou_plan_2020", read_catalogue(data), source_file="bad.xlsx", digest="x"
        )
    assert caught.value.field == "row 6: code"
    assert [
        v["version"] for v in indicators.frameworks(db, SYSTEM) if v["code"] == "quzhou_plan_2020"
    ] == [1]
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(TargetRow)) == before


def test_target_revisions_keep_history_with_the_reason(db: Database) -> None:
    before = [
        t
        for t in indicators.list_targets(db, SYSTEM, "QZ-036", history=True)
        if t.org_unit_code == "330802"
    ]
    indicators.set_targets(
        db,
        SYSTEM,
        "QZ-036",
        [indicators.TargetChange("330802", 53.0, year=2022)],
        reason="根据二调数据动态调整",
    )
    after = [
        t
        for t in indicators.list_targets(db, SYSTEM, "QZ-036", history=True)
        if t.org_unit_code == "330802"
    ]
    assert len(after) == len(before) + 1
    current = [t for t in after if t.is_current]
    assert len(current) == 1 and current[0].value == 53.0
    assert current[0].revision == before[-1].revision + 1
    assert current[0].reason == "根据二调数据动态调整"


def test_city_rates_are_the_sum_of_numerators_over_the_sum_of_denominators(db: Database) -> None:
    series = indicators.indicator_series(db, SYSTEM, "QZ-031", accepted_only=True)
    with db.reading() as session:
        observed = indicators.observed_values(session, accepted_only=True)
    counties = ["330802", "330803", "330822", "330824", "330825", "330881"]
    num = sum(observed.values[(c, 2021)]["hw_harmless_t"] for c in counties)  # type: ignore[misc]
    den = sum(observed.values[(c, 2021)]["hw_generated_t"] for c in counties)  # type: ignore[misc]
    assert series.values["330800"][2021] == pytest.approx(num / den * 100)
    mean = sum(series.values[c][2021] for c in counties) / 6  # type: ignore[misc]
    assert series.values["330800"][2021] != pytest.approx(mean)
