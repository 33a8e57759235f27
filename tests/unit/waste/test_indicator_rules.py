"""Indicators I1–I12 of hazardous-waste supervision (notes/hazwaste.md §7). Each is checked
against a hand calculation for the city (330800) and a county (330802 柯城区), and the plan
targets QZ-029–QZ-033 against the rows of the plan-target table."""

from __future__ import annotations

import csv
import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import ecociv
from ecociv.waste.model import (
    LedgerEntry,
    LedgerStage,
    Licence,
    LicenceKind,
    LicenceScope,
    Manifest,
    ManifestLine,
    ManifestState,
    PartyRole,
    WasteKind,
)
from ecociv.waste.rules import indicators as ind
from ecociv.waste.rules.indicators import (
    AlertRecord,
    Indicator,
    Period,
    TrackCoverage,
    TransferRecord,
)
from ecociv.waste.rules.warnings import (
    ManagementClass,
    ManifestFacts,
    ReportFiling,
    ReportKind,
    UnitFacts,
)

S = ManifestState
D = Decimal
CITY, KECHENG, JIANGSHAN = "330800", "330802", "330881"
GEN, OTHER_GEN, RECEIVER = "91330802MA28F1234L", "91330803MA28G0002X", "91330881MA29R00026"
UNITS = {GEN: KECHENG, OTHER_GEN: "330803", RECEIVER: JIANGSHAN}
YEAR = Period.year(2025)
OCTOBER = Period.month(2025, 10)


def beijing(mo: int, d: int, h: int = 10, y: int = 2025) -> datetime:
    return datetime(y, mo, d, h, tzinfo=UTC) - timedelta(hours=8)


def entry(
    unit: str, stage: LedgerStage, qty: str, at: datetime, code: str = "900-249-08"
) -> LedgerEntry:
    return LedgerEntry(unit, stage, f"{unit[-4:]}-{stage.value}-{at.isoformat()}", code, D(qty), at)


def disposed(qty: str, method: str, on: date, no: int = 1) -> ManifestLine:
    return ManifestLine(
        line_no=no,
        code="900-249-08",
        name="废矿物油",
        category="HW08",
        hazard="T,I",
        form="液态",
        packaging="铁桶",
        package_count=1,
        planned_t=D(qty),
        shipped_t=D(qty),
        accepted_t=D(qty),
        method_code=method,
        disposed_t=D(qty),
        disposed_on=on,
    )


def record(**changes: Any) -> TransferRecord:
    base = TransferRecord(
        number="20253308000001",
        state=S.CLOSED,
        waste_kind=WasteKind.HAZARDOUS,
        consignor_adcode=KECHENG,
        receiver_adcode=JIANGSHAN,
        shipped_t=D(10),
        submitted_at=beijing(10, 10),
    )
    return dataclasses.replace(base, **changes)


def test_periods_and_areas():
    assert OCTOBER.start_on == date(2025, 10, 1) and OCTOBER.end_on == date(2025, 10, 31)
    assert OCTOBER.end_instant == datetime(2025, 10, 31, 16, tzinfo=UTC)  # 11-01 00:00 Beijing
    assert OCTOBER.has(datetime(2025, 9, 30, 16, 0, tzinfo=UTC))  # 10-01 00:00 Beijing
    assert not OCTOBER.has(datetime(2025, 9, 30, 15, 59, tzinfo=UTC))
    assert ind.area_prefix(CITY) == "3308" and ind.area_prefix("330000") == "33"
    assert ind.in_area(KECHENG, CITY) and not ind.in_area("330702", CITY)


# ---- I1 ----------------------------------------------------------------------------------------

LEDGER = (
    entry(GEN, LedgerStage.GENERATE, "100", beijing(3, 1)),
    entry(OTHER_GEN, LedgerStage.GENERATE, "50", beijing(4, 1)),
    entry(GEN, LedgerStage.OWN_DISPOSE, "10", beijing(5, 1)),
    entry(GEN, LedgerStage.GENERATE, "999", beijing(12, 31, 10, y=2024)),  # last year
)
DISPOSALS = (
    record(
        lines=(
            disposed("30", "R9", date(2025, 6, 1), 1),  # utilised
            disposed("20", "D10", date(2025, 7, 1), 2),  # disposed
            disposed("5", "R15", date(2025, 8, 1), 3),  # counted, needs a check
            disposed("3", "G21", date(2025, 8, 1), 4),  # unconfirmed method: not counted
            disposed("7", "D10", date(2024, 12, 31), 5),  # last year
        )
    ),
    record(consignor_adcode="330702", lines=(disposed("40", "D1", date(2025, 6, 1)),)),
)


def test_i1_harmless_rate_is_utilised_plus_disposed_over_generated_in_the_city():
    value = ind.harmless_rate(
        CITY,
        YEAR,
        ledger=LEDGER,
        unit_adcodes=UNITS,
        transfers=DISPOSALS,
        opening_stock_t={GEN: D(10), OTHER_GEN: D(5)},
    )
    # (30 + 20 + 5 + own 10) / (100 + 50)
    assert (value.numerator, value.denominator) == (D(65), D(150))
    assert value.value == pytest.approx(65 / 150 * 100)
    assert value.unit == "%" and value.targets == ("QZ-031",)
    assert value.detail["reported_definition"] == "generated"
    # the alternative definition: / (generated + opening stock) = 65 / 165
    assert value.detail["alternative_value"] == pytest.approx(65 / 165 * 100)
    assert value.detail["needs_check_t"] == "5" and value.detail["unclassified_t"] == "3"


def test_i1_in_one_county():
    value = ind.harmless_rate(
        KECHENG,
        YEAR,
        ledger=LEDGER,
        unit_adcodes=UNITS,
        transfers=DISPOSALS,
        opening_stock_t={GEN: D(10), OTHER_GEN: D(5)},
    )
    assert (value.numerator, value.denominator, value.value) == (D(65), D(100), 65.0)
    assert value.detail["alternative_value"] == pytest.approx(65 / 110 * 100)


def test_i1_without_generation_has_no_value():
    value = ind.harmless_rate("330824", YEAR, ledger=LEDGER, unit_adcodes=UNITS, transfers=())
    assert value.value is None and value.denominator == 0


# ---- I2, I3 ------------------------------------------------------------------------------------


def test_i2_on_time_receipt_rate_excludes_deliveries_still_within_their_deadline():
    records = [
        record(
            delivered_at=beijing(10, 9),
            receipt_due_on=date(2025, 10, 16),
            confirmed_at=beijing(10, 16, 20),
        ),
        record(
            delivered_at=beijing(10, 9),
            receipt_due_on=date(2025, 10, 16),
            confirmed_at=beijing(10, 17, 9),
        ),
        record(
            delivered_at=beijing(10, 20), receipt_due_on=date(2025, 10, 27)
        ),  # unconfirmed, late
        record(delivered_at=beijing(10, 30), receipt_due_on=date(2025, 11, 6)),  # pending
        record(delivered_at=beijing(9, 30), receipt_due_on=date(2025, 10, 14)),  # September
    ]
    value = ind.on_time_receipt_rate(CITY, OCTOBER, records, as_of=date(2025, 11, 1))
    assert (value.numerator, value.denominator, value.value) == (1, 3, pytest.approx(100 / 3))
    assert value.detail["pending"] == 1 and value.detail["late"] == 2


def test_i2_takes_the_deadline_w02_computes():
    delivered = beijing(9, 26, 15)  # Friday before the National Day holiday
    m = Manifest(
        number="20253308000123",
        version=1,
        state=S.DELIVERED,
        waste_kind=WasteKind.HAZARDOUS,
        consignor_uscc=GEN,
        consignor_role=PartyRole.GENERATOR,
        receiver_uscc=RECEIVER,
        carrier_uscc=OTHER_GEN,
        lines=(disposed("10", "R9", date(2025, 9, 30)),),
        created_at=beijing(9, 25),
        submitted_at=beijing(9, 26, 8),
        delivered_at=delivered,
    )
    r = TransferRecord.of(ManifestFacts(m, KECHENG, JIANGSHAN, route_km=42.0))
    assert r.receipt_due_on == date(2025, 10, 10)
    assert (r.state, r.shipped_t, r.route_km, r.consignor_adcode) == (
        S.DELIVERED,
        D(10),
        42.0,
        KECHENG,
    )


def test_i3_closed_loop_rate_counts_closed_and_disposed_over_submitted_not_cancelled():
    records = [
        record(state=S.CLOSED),
        record(state=S.DISPOSED),
        record(state=S.DELIVERED),
        record(state=S.REJECTED),
        record(state=S.CANCELLED),
        record(state=S.DRAFT, submitted_at=None),
        record(state=S.CLOSED, submitted_at=beijing(11, 1)),  # November
    ]
    value = ind.closed_loop_rate(CITY, OCTOBER, records)
    assert (value.numerator, value.denominator, value.value) == (2, 4, 50.0)
    assert value.targets == ("QZ-032",)


# ---- I4, I5 ------------------------------------------------------------------------------------


def test_i4_in_city_share_of_transferred_tonnes():
    records = [
        record(shipped_t=D(10)),  # to 江山市
        record(shipped_t=D(5), receiver_adcode="330702"),  # to 金华
        record(shipped_t=D(2), receiver_adcode=""),  # unknown receiver: not in the city
        record(shipped_t=D(100), waste_kind=WasteKind.GENERAL_SOLID),
        record(shipped_t=D(100), state=S.CANCELLED),
        record(shipped_t=D(100), consignor_adcode="330702"),  # not a Quzhou consignor
    ]
    value = ind.in_city_share(CITY, OCTOBER, records)
    assert (value.numerator, value.denominator) == (D(10), D(17))
    assert value.value == pytest.approx(1000 / 17)
    assert value.detail["out_of_city_t"] == "5" and value.detail["unknown_receiver_t"] == "2"
    assert value.targets == ("QZ-029",)


def test_i5_in_county_share_of_general_solid_waste():
    ledger = (
        entry(GEN, LedgerStage.GENERATE, "100", beijing(10, 2), code="SW01"),
        entry(GEN, LedgerStage.OWN_DISPOSE, "20", beijing(10, 3), code="SW01"),
    )
    general = WasteKind.GENERAL_SOLID
    records = [
        record(waste_kind=general, shipped_t=D(30), receiver_adcode=KECHENG),
        record(waste_kind=general, shipped_t=D(25), receiver_adcode=JIANGSHAN),
        record(shipped_t=D(50), receiver_adcode=KECHENG),  # hazardous: not I5's
    ]
    value = ind.in_county_share(
        KECHENG, OCTOBER, ledger=ledger, unit_adcodes=UNITS, transfers=records
    )
    assert (value.numerator, value.denominator, value.value) == (D(50), D(100), 50.0)
    assert value.detail["out_of_county_t"] == "25"
    assert value.targets == ("QZ-030",)


# ---- I6, I7, I8 --------------------------------------------------------------------------------


def test_i6_electronic_share_counts_paper_backfills_in_the_denominator():
    records = [
        record(),
        record(),
        record(),
        record(paper=True, submitted_at=None, delivered_at=beijing(10, 5)),
        record(state=S.CANCELLED, paper=True),
    ]
    value = ind.electronic_share(CITY, OCTOBER, records)
    assert (value.numerator, value.denominator, value.value) == (3, 4, 75.0)


def test_i7_on_time_reporting_rate():
    key = UnitFacts(
        GEN,
        management_class=ManagementClass.KEY,
        reports=(
            ReportFiling(ReportKind.MONTHLY, "2025-03", date(2025, 4, 15)),
            ReportFiling(ReportKind.MONTHLY, "2025-04", date(2025, 5, 16)),
        ),
    )
    simplified = UnitFacts(
        RECEIVER,
        management_class=ManagementClass.SIMPLIFIED,
        reports=(ReportFiling(ReportKind.QUARTERLY, "2025-Q1", date(2025, 4, 10)),),
    )
    q2 = Period(date(2025, 4, 1), date(2025, 6, 30), "2025-Q2")
    # due in Q2: monthly 03 (04-15), 04 (05-15), 05 (06-15); quarterly Q1 (04-15)
    county = ind.on_time_reporting_rate(KECHENG, q2, [key, simplified], UNITS, date(2025, 7, 1))
    assert (county.numerator, county.denominator) == (1, 3)
    city = ind.on_time_reporting_rate(CITY, q2, [key, simplified], UNITS, date(2025, 7, 1))
    assert (city.numerator, city.denominator, city.value) == (2, 4, 50.0)
    early = ind.on_time_reporting_rate(CITY, q2, [key, simplified], UNITS, date(2025, 6, 15))
    assert early.denominator == 3  # the May report is due that very day


def test_i8_overdue_storage_at_the_end_of_the_period():
    old = LedgerEntry(GEN, LedgerStage.STORE_IN, "A", "900-249-08", D(2), beijing(1, 1, 10, y=2024))
    new = LedgerEntry(GEN, LedgerStage.STORE_IN, "B", "900-249-08", D(3), beijing(6, 1))
    unit = UnitFacts(GEN, ledger=(old, new), licence_kind=LicenceKind.COMPREHENSIVE)
    value = ind.overdue_storage(CITY, YEAR, [unit], UNITS)
    assert (value.value, value.numerator, value.denominator) == (2.0, D(2), D(5))
    assert value.detail["units"] == 1 and value.detail["share_of_stock"] == 40.0
    assert value.unit == "t"


# ---- I9–I12 ------------------------------------------------------------------------------------


def test_i9_alert_handling_within_7_days_median_time_and_rate_per_100_manifests():
    def alert(
        opened: datetime, closed: datetime | None, state: str, rule: str = "W02"
    ) -> AlertRecord:
        return AlertRecord(rule, GEN, KECHENG, opened, closed, state)

    alerts = [
        alert(beijing(10, 1), beijing(10, 3), "resolved"),  # 48 h: in time
        alert(beijing(10, 2), beijing(10, 12), "resolved", "W21"),  # 240 h: late
        alert(beijing(10, 5), None, "open"),  # 15 days open: late
        alert(beijing(10, 18), None, "acknowledged"),  # 2 days old: not judged yet
        alert(beijing(10, 6), beijing(10, 6, 11), "false_positive"),  # 1 h
    ]
    records = [record(), record(), record(), record(state=S.CANCELLED)]
    value = ind.alert_handling(CITY, OCTOBER, alerts, records, as_of=beijing(10, 20))
    assert (value.numerator, value.denominator, value.value) == (2, 4, 50.0)
    assert value.detail["median_hours"] == 48.0
    assert value.detail["per_100_manifests"] == pytest.approx(5 * 100 / 3)
    assert value.detail["by_rule"] == {"W02": 4, "W21": 1}


def test_i10_capacity_match_per_category():
    licence = Licence(
        "浙危废经第3308001号",
        RECEIVER,
        LicenceKind.COMPREHENSIVE,
        date(2023, 1, 1),
        date(2027, 12, 31),
        (
            LicenceScope(D(365), categories=("HW08",)),
            LicenceScope(D(73), codes=("900-041-49",)),
        ),
    )
    ledger = (
        entry(GEN, LedgerStage.GENERATE, "200", beijing(3, 1)),
        entry(GEN, LedgerStage.GENERATE, "100", beijing(3, 1), code="900-041-49"),
        entry(GEN, LedgerStage.GENERATE, "50", beijing(3, 1), code="336-064-17"),
    )
    value = ind.capacity_match(
        CITY, YEAR, licences=[licence], holder_adcodes=UNITS, ledger=ledger, unit_adcodes=UNITS
    )
    # min(365, 200) + min(73, 100) + min(0, 50) = 273 of 350
    assert (value.numerator, value.denominator) == (D(273), D(350))
    assert value.value == pytest.approx(78.0)
    assert value.detail["by_category"]["HW17"]["capacity_t"] == "0"
    county = ind.capacity_match(
        KECHENG, YEAR, licences=[licence], holder_adcodes=UNITS, ledger=ledger, unit_adcodes=UNITS
    )
    assert county.numerator == 0  # the facility is in 江山市


def test_i11_tonne_weighted_mean_distance_and_long_haul_share():
    records = [
        record(route_km=50.0, shipped_t=D(3)),
        record(route_km=150.0, shipped_t=D(1)),
        record(),
    ]
    value = ind.transfer_distance(CITY, OCTOBER, records)
    assert value.value == pytest.approx(75.0) and value.unit == "km"
    assert (value.numerator, value.denominator) == (pytest.approx(300.0), pytest.approx(4.0))
    assert value.detail["long_haul_share_tonnes"] == pytest.approx(0.25)
    assert value.detail["no_route"] == 1


def test_i12_tracking_coverage_over_in_transit_minutes():
    coverages = [
        TrackCoverage("1", KECHENG, beijing(10, 2), 50.0, 60.0),
        TrackCoverage("2", JIANGSHAN, beijing(10, 3), 30.0, 30.0),
        TrackCoverage("3", "330702", beijing(10, 3), 10.0, 100.0),
        TrackCoverage("4", KECHENG, beijing(11, 3), 0.0, 100.0),
    ]
    value = ind.tracking_coverage(CITY, OCTOBER, coverages)
    assert (value.numerator, value.denominator) == (80.0, 90.0)
    assert value.value == pytest.approx(80 / 90 * 100)


# ---- plan targets ------------------------------------------------------------------------------


def test_every_indicator_has_a_name_and_a_formula():
    assert set(ind.INDICATOR_NAMES) == set(Indicator) == set(ind.INDICATOR_FORMULAS)


def test_plan_targets_qz029_to_qz033_match_the_rows_of_the_plan_target_table():
    table = Path(ecociv.__file__).parent / "indicators" / "data" / "quzhou_plan_targets.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    rows = {row["code"]: row for row in csv.DictReader(lines)}
    assert {c: t.indicators for c, t in ind.PLAN_TARGETS.items()} == {
        "QZ-029": (Indicator.I4,),
        "QZ-030": (Indicator.I5,),
        "QZ-031": (Indicator.I1,),
        "QZ-032": (Indicator.I3,),
        "QZ-033": (Indicator.I12, Indicator.I9, Indicator.I6, Indicator.I7),
    }
    for code, target in ind.PLAN_TARGETS.items():
        row = rows[code]
        assert row["quote"] == target.quote and row["name_zh"] == target.name_zh
        line_no = int(target.source_row.rsplit(" ", 1)[1])
        assert lines[line_no - 1].startswith(f"{code},")
        assert row["plan_section"] == "二(三)4"
    assert ind.PLAN_TARGETS["QZ-031"].year == 2021 and ind.PLAN_TARGETS["QZ-033"].year == 2025
