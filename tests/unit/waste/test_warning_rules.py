"""Warning rules W01–W21 (notes/hazwaste.md §6). Each rule is held at its threshold with a value
either side; working-day rules are run across the 2025 National Day holiday (10-01 to 10-08
off, Sunday 09-28 and Saturday 10-11 worked). The vectorised scan must agree with the
per-manifest rules on random manifests. Times are Beijing time unless said otherwise."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecociv.kernel.errors import ValidationError
from ecociv.waste.model import (
    Correction,
    CrewMember,
    CrewRole,
    LedgerEntry,
    LedgerStage,
    Licence,
    LicenceKind,
    LicenceScope,
    ManagementPlan,
    Manifest,
    ManifestLine,
    ManifestState,
    Party,
    PartyRole,
    PlanLine,
    TransferApproval,
    TransferType,
    TransportLeg,
    Vehicle,
    WasteKind,
)
from ecociv.waste.rules import warnings as w
from ecociv.waste.rules.warnings import (
    COLUMN_RULES,
    Departure,
    ManagementClass,
    ManifestFacts,
    ReceivedDescription,
    ReportFiling,
    ReportKind,
    Severity,
    TrackFacts,
    UnitFacts,
    WarningRule,
    WarningSettings,
)

S = ManifestState
D = Decimal
R = WarningRule
SETTINGS = WarningSettings()

GEN = "91330802MA28F1234L"  # 柯城区 generator
OTHER_GEN = "91330803MA28G0002X"  # 衢江区 generator
CARRIER = "91330803MA28C0001W"
RECEIVER = "91330881MA29R00026"  # 江山市 licensed facility
OIL, PACKAGING, BATTERY, MEDICAL = "900-249-08", "900-041-49", "900-052-31", "841-001-01"
NUMBER = "20253308000123"
PLATE = "浙H12345"
SECOND = timedelta(seconds=1)


def beijing(mo: int, d: int, h: int = 10, mi: int = 0, s: int = 0, y: int = 2025) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC) - timedelta(hours=8)


def line(**changes: Any) -> ManifestLine:
    base = ManifestLine(
        line_no=1,
        code=OIL,
        name="废矿物油",
        category="HW08",
        hazard="T,I",
        form="液态",
        packaging="铁桶",
        package_count=10,
        planned_t=D(10),
        dangerous_goods_class="3",
        shipped_t=D(10),
        catalogue_edition="2021",
    )
    return dataclasses.replace(base, **changes)


def leg(started_at: datetime, **changes: Any) -> TransportLeg:
    base = TransportLeg(
        order=1,
        carrier_uscc=CARRIER,
        vehicle_plate=PLATE,
        operating_certificate_no="330800001234",
        crew=("Q-DRIVER", "Q-ESCORT"),
        start_place="柯城区厂区",
        started_at=started_at,
    )
    return dataclasses.replace(base, **changes)


def manifest(state: ManifestState = S.SUBMITTED, **changes: Any) -> Manifest:
    base = Manifest(
        number=NUMBER,
        version=1,
        state=state,
        waste_kind=WasteKind.HAZARDOUS,
        consignor_uscc=GEN,
        consignor_role=PartyRole.GENERATOR,
        receiver_uscc=RECEIVER,
        carrier_uscc=CARRIER,
        lines=(line(),),
        created_at=beijing(9, 25, 9),
        submitted_at=beijing(9, 26, 8),
    )
    return dataclasses.replace(base, **changes)


def facts(m: Manifest, **changes: Any) -> ManifestFacts:
    base = ManifestFacts(m, consignor_adcode="330802", receiver_adcode="330881")
    return dataclasses.replace(base, **changes)


def rules_of(found: list[w.Finding]) -> list[tuple[str, bool]]:
    return [(f.rule.value, f.pre_warning) for f in found]


# ---- W01 storage -------------------------------------------------------------------------------

STORED_AT = beijing(1, 10, 10, y=2024)


def stored(code: str = OIL, at: datetime = STORED_AT, qty: str = "2") -> LedgerEntry:
    return LedgerEntry(GEN, LedgerStage.STORE_IN, "IN-1", code, D(qty), at)


def days_after(at: datetime, days: int, hour: int = 12) -> datetime:
    local = at + timedelta(hours=8)
    day = local.date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


@pytest.mark.parametrize(
    ("age_days", "expected"),
    [(334, []), (335, [("W01a", True)]), (365, [("W01a", True)]), (366, [("W01a", False)])],
)
def test_w01a_licensed_operator_stores_at_most_365_days_pre_warned_from_335(age_days, expected):
    unit = UnitFacts(GEN, ledger=(stored(),), licence_kind=LicenceKind.COMPREHENSIVE)
    found = w.storage_overdue(unit, days_after(STORED_AT, age_days), SETTINGS)
    assert rules_of(found) == expected
    if found:
        assert found[0].subject_key == f"batch:{GEN}:IN-1"
        assert found[0].severity is Severity.HIGH
        assert found[0].evidence["age_days"] == age_days


@pytest.mark.parametrize(
    ("age_days", "expected"),
    [(334, []), (335, [("W01b", True)]), (365, [("W01b", True)]), (366, [("W01b", False)])],
)
def test_w01b_producer_limit_is_a_365_day_param_pre_warned_30_days_before(age_days, expected):
    unit = UnitFacts(GEN, ledger=(stored(),))
    found = w.storage_overdue(unit, days_after(STORED_AT, age_days), SETTINGS)
    assert rules_of(found) == expected
    assert all(f.severity is Severity.MEDIUM for f in found)


@pytest.mark.parametrize(
    ("age_days", "expected"), [(149, []), (150, [("W01b", True)]), (181, [("W01b", False)])]
)
def test_w01b_follows_a_local_producer_limit(age_days, expected):
    local = WarningSettings(producer_storage_days=180)
    unit = UnitFacts(GEN, ledger=(stored(),))
    assert rules_of(w.storage_overdue(unit, days_after(STORED_AT, age_days), local)) == expected


def test_w01_a_batch_partly_stored_out_is_still_held_and_a_cleared_one_is_not():
    out_part = LedgerEntry(GEN, LedgerStage.STORE_OUT, "OUT-1", OIL, D("1.5"), STORED_AT, "IN-1")
    out_rest = LedgerEntry(GEN, LedgerStage.STORE_OUT, "OUT-2", OIL, D("0.5"), STORED_AT, "IN-1")
    now = days_after(STORED_AT, 400)
    partly = w.storage_overdue(UnitFacts(GEN, ledger=(stored(), out_part)), now, SETTINGS)
    assert rules_of(partly) == [("W01b", False)]
    assert partly[0].evidence["remaining_t"] == "0.5"
    cleared = UnitFacts(GEN, ledger=(stored(), out_part, out_rest))
    assert w.storage_overdue(cleared, now, SETTINGS) == []


@pytest.mark.parametrize(
    ("held", "fires"), [(timedelta(days=2), False), (timedelta(days=2) + SECOND, True)]
)
def test_w01c_medical_waste_is_held_at_most_2_days_and_collected_every_2_days(held, fires):
    at = beijing(3, 1, 8)
    unit = UnitFacts(GEN, ledger=(stored(MEDICAL, at, "0.05"),))
    found = w.storage_overdue(unit, at + held, SETTINGS)
    if not fires:
        assert found == []
        return
    assert [f.rule for f in found] == [R.W01C, R.W01C]
    assert {f.subject_key for f in found} == {
        f"batch:{GEN}:IN-1",
        f"unit:{GEN}:medical-collection",
    }


def test_w01c_a_recent_collection_leaves_only_the_batch_warning():
    at = beijing(3, 1, 8)
    collected = LedgerEntry(GEN, LedgerStage.HAND_OVER, "H-1", MEDICAL, D("0.1"), beijing(3, 3, 9))
    unit = UnitFacts(GEN, ledger=(stored(MEDICAL, at, "0.05"), collected))
    found = w.storage_overdue(unit, beijing(3, 3, 10), SETTINGS)
    assert [f.subject_key for f in found] == [f"batch:{GEN}:IN-1"]


def test_w01_a_local_solid_waste_code_is_not_medical_waste():
    unit = UnitFacts(GEN, ledger=(stored("SW01", beijing(3, 1, 8)),))
    assert w.storage_overdue(unit, beijing(3, 10), SETTINGS) == []  # not the 2-day rule


# 2025-05-27 + 90 working days = 2025-09-30; 10-01 to 10-08 are the National Day holiday.
@pytest.mark.parametrize(
    ("now", "fires"),
    [(beijing(9, 30, 12), False), (beijing(10, 8, 12), False), (beijing(10, 9, 12), True)],
)
def test_w01d_collection_only_licence_passes_waste_on_within_90_working_days(now, fires):
    unit = UnitFacts(
        GEN, ledger=(stored(OIL, beijing(5, 27, 10)),), licence_kind=LicenceKind.COLLECTION
    )
    found = w.storage_overdue(unit, now, SETTINGS)
    assert rules_of(found) == ([("W01d", False)] if fires else [])
    if fires:
        assert found[0].evidence["held_workdays"] == 91


# ---- W02 receipt -------------------------------------------------------------------------------

DELIVERED = beijing(9, 26, 15)  # Friday; working days after: 09-28, 09-29, 09-30, 10-09, 10-10


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (beijing(9, 30, 12), []),  # 3rd working day
        (beijing(10, 5, 12), []),  # holiday, still the 3rd
        (beijing(10, 9, 0, 1), [("W02", True)]),  # 4th working day: pre-warning
        (beijing(10, 10, 23, 59), [("W02", True)]),  # 5th: the deadline day is in time
        (beijing(10, 11, 0, 1), [("W02", False)]),  # Saturday worked: 6th working day
    ],
)
def test_w02_receipt_is_confirmed_within_5_working_days_pre_warned_on_the_4th(now, expected):
    m = manifest(S.DELIVERED, delivered_at=DELIVERED)
    found = w.receipt_not_confirmed(facts(m), now, SETTINGS)
    assert rules_of(found) == expected
    if found:
        assert found[0].unit_uscc == RECEIVER
        assert found[0].evidence["receipt_due_on"] == "2025-10-10"
        assert found[0].evidence["prewarn_on"] == "2025-10-09"


def test_w02_is_not_raised_once_the_receipt_is_confirmed():
    m = manifest(S.ACCEPTED, delivered_at=DELIVERED, accepted_at=beijing(10, 20))
    assert w.receipt_not_confirmed(facts(m), beijing(10, 21), SETTINGS) == []


def test_w02_a_manifest_under_correction_is_judged_in_the_state_it_returns_to():
    fixing = Correction("称重更正", Party(PartyRole.GENERATOR, GEN), DELIVERED, S.DELIVERED)
    m = manifest(S.UNDER_CORRECTION, delivered_at=DELIVERED, correction=fixing)
    assert rules_of(w.receipt_not_confirmed(facts(m), beijing(10, 13), SETTINGS)) == [
        ("W02", False)
    ]


# ---- W03 transit -------------------------------------------------------------------------------

DEPARTED = beijing(9, 26, 9)


def in_transit(*codes: str) -> Manifest:
    lines = tuple(line(line_no=i + 1, code=c) for i, c in enumerate(codes or (OIL,)))
    return manifest(S.IN_TRANSIT, lines=lines, departed_at=DEPARTED, legs=(leg(DEPARTED),))


@pytest.mark.parametrize(
    ("elapsed", "fires"), [(timedelta(minutes=210), False), (timedelta(minutes=210) + SECOND, True)]
)
def test_w03_transit_longer_than_eta_times_1_5_plus_2_hours(elapsed, fires):
    found = w.transit_too_long(facts(in_transit(), eta_minutes=60), DEPARTED + elapsed, SETTINGS)
    assert rules_of(found) == ([("W03", False)] if fires else [])
    if fires:
        assert found[0].unit_uscc == CARRIER
        assert found[0].evidence["limit_minutes"] == 210.0


def test_w03_needs_an_eta_and_is_not_raised_for_transport_exempt_waste():
    late = DEPARTED + timedelta(hours=10)
    assert w.transit_too_long(facts(in_transit()), late, SETTINGS) == []
    exempt = facts(in_transit(BATTERY), eta_minutes=60)  # exemption list item 18
    assert w.transit_too_long(exempt, late, SETTINGS) == []
    mixed = facts(in_transit(BATTERY, OIL), eta_minutes=60)
    assert rules_of(w.transit_too_long(mixed, late, SETTINGS)) == [("W03", False)]
    checked = facts(in_transit(BATTERY), eta_minutes=60, exempt_transport=False)
    assert rules_of(w.transit_too_long(checked, late, SETTINGS)) == [("W03", False)]


# ---- W04, W05 receipt differences --------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "count", "fires"),
    [
        ("11", 10, False),  # exactly 10 % over
        ("11.001", 10, True),
        ("9", 10, False),  # exactly 10 % under
        ("8.999", 10, True),
        ("10", 9, True),  # any difference in the package count
        ("10", None, False),  # not counted
    ],
)
def test_w04_received_weight_differs_by_more_than_10_percent_or_the_count_differs(
    received, count, fires
):
    m = manifest(S.ACCEPTED, lines=(line(received_t=D(received), received_count=count),))
    found = w.quantity_mismatch(facts(m), beijing(10, 1), SETTINGS)
    assert rules_of(found) == ([("W04", False)] if fires else [])


def test_w04_is_not_judged_before_the_receiver_weighs():
    assert w.quantity_mismatch(facts(manifest(S.DELIVERED)), beijing(10, 1), SETTINGS) == []


def test_w05_a_different_form_or_a_flag_without_a_weight_difference_is_a_type_mismatch():
    now = beijing(10, 1)
    same = manifest(S.ACCEPTED, lines=(line(received_t=D(10)),))
    seen = {1: ReceivedDescription(code=OIL, form="液态", packaging="铁桶")}
    assert w.type_mismatch(facts(same, received=seen), now, SETTINGS) == []
    other = {1: ReceivedDescription(form="半固态")}
    found = w.type_mismatch(facts(same, received=other), now, SETTINGS)
    assert rules_of(found) == [("W05", False)]
    assert found[0].evidence["lines"][0]["differs"] == {
        "form": {"manifest": "液态", "received": "半固态"}
    }
    flagged = manifest(S.ACCEPTED, lines=(line(received_t=D(10), discrepancy=True),))
    assert rules_of(w.type_mismatch(facts(flagged), now, SETTINGS)) == [("W05", False)]
    weight = manifest(S.ACCEPTED, lines=(line(received_t=D(5), discrepancy=True),))
    assert w.type_mismatch(facts(weight), now, SETTINGS) == []  # W04's


# ---- W06–W08 tracks ----------------------------------------------------------------------------

T0 = beijing(5, 1, 8)
LAT = 28.94
LON0 = 118.80
METRES_PER_DEG_LAT = 110_800.0  # near 29° N, enough for offsets far from the threshold


def track(
    minutes: list[float],
    lon: list[float],
    lat: list[float],
    *,
    route: bool = True,
    whitelist: tuple[tuple[float, float], ...] = (),
    codes: tuple[str, ...] = (OIL,),
    end: datetime | None = None,
) -> TrackFacts:
    times = np.datetime64(int(T0.timestamp()), "s") + np.round(np.asarray(minutes) * 60).astype(
        "timedelta64[s]"
    )
    return TrackFacts(
        manifest_no=NUMBER,
        carrier_uscc=CARRIER,
        departed_at=T0,
        times=times,
        lon=lon,
        lat=lat,
        delivered_at=end or (T0 + timedelta(minutes=max(minutes, default=0))),
        route_lon=[LON0, LON0 + 0.5] if route else [],
        route_lat=[LAT, LAT],
        whitelist_points=whitelist,
        codes=codes,
    )


def moving(n: int, start: float = 0.0) -> tuple[list[float], list[float], list[float]]:
    """Fixes every minute along the route at about 1 km a minute."""
    minutes = [start + k for k in range(n)]
    return minutes, [LON0 + 0.01 * (start + k) for k in range(n)], [LAT] * n


@pytest.mark.parametrize(("run", "fires"), [(11, False), (12, True)])
def test_w06_more_than_1_km_off_the_corridor_for_more_than_10_minutes(run, fires):
    minutes, lon, lat = moving(40)
    off = 1_200 / METRES_PER_DEG_LAT
    lat = [
        la + off if 10 <= k < 10 + run else la for k, la in enumerate(lat)
    ]  # run fixes 1 min apart
    found = w.route_deviation(track(minutes, lon, lat), T0 + timedelta(hours=1), SETTINGS)
    assert rules_of(found) == ([("W06", False)] if fires else [])
    if fires:
        assert found[0].evidence["deviations"][0]["minutes"] == 11.0
        assert found[0].severity is Severity.HIGH


def test_w06_an_offset_within_1_km_is_on_the_corridor():
    minutes, lon, lat = moving(40)
    lat = [la + 800 / METRES_PER_DEG_LAT for la in lat]
    assert w.route_deviation(track(minutes, lon, lat), T0 + timedelta(hours=1), SETTINGS) == []


def parked(fixes: int) -> tuple[list[float], list[float], list[float]]:
    """Drive 10 minutes, park for ``fixes`` fixes a minute apart, drive on 10 minutes."""
    m1, lon1, lat1 = moving(10)
    stop_lon = lon1[-1] + 0.01
    m2 = [10.0 + k for k in range(fixes)]
    m3, lon3, lat3 = moving(10, start=10.0 + fixes)
    lon3 = [stop_lon + 0.01 * (k + 1) for k in range(10)]
    return m1 + m2 + m3, lon1 + [stop_lon] * fixes + lon3, lat1 + [LAT] * fixes + lat3


@pytest.mark.parametrize(("fixes", "fires"), [(31, False), (32, True)])  # 30 and 31 minutes
def test_w07_a_stop_longer_than_30_minutes_outside_whitelisted_sites(fixes, fires):
    minutes, lon, lat = parked(fixes)
    found = w.abnormal_stop(track(minutes, lon, lat), T0 + timedelta(hours=2), SETTINGS)
    assert rules_of(found) == ([("W07", False)] if fires else [])
    if fires:
        assert found[0].evidence["stops"][0]["minutes"] == 31.0


def test_w07_a_long_stop_at_a_whitelisted_site_is_normal():
    minutes, lon, lat = parked(60)
    site = ((lon[10], LAT),)
    facts_ = track(minutes, lon, lat, whitelist=site)
    assert w.abnormal_stop(facts_, T0 + timedelta(hours=2), SETTINGS) == []


@pytest.mark.parametrize(("gap_s", "fires"), [(600, False), (601, True)])
def test_w08_no_fix_for_more_than_10_minutes_in_transit(gap_s, fires):
    minutes, lon, lat = moving(30)
    minutes = [m if m <= 10 else m - 1 + gap_s / 60 for m in minutes]  # fix 10 → fix 11: gap_s
    found = w.gps_missing(track(minutes, lon, lat), T0 + timedelta(hours=2), SETTINGS)
    assert rules_of(found) == ([("W08", False)] if fires else [])


@pytest.mark.parametrize(
    ("window", "fires"), [(timedelta(minutes=10), False), (timedelta(minutes=10, seconds=1), True)]
)
def test_w08_a_trip_without_any_fix_is_reported_once_longer_than_the_gap_threshold(window, fires):
    empty = track([], [], [], end=T0 + window)
    found = w.gps_missing(empty, T0 + window, SETTINGS)
    assert rules_of(found) == ([("W08", False)] if fires else [])
    if fires:
        assert found[0].evidence["no_track"] is True


def test_w06_to_w08_still_in_transit_runs_to_now_and_exempt_waste_is_not_tracked():
    minutes, lon, lat = moving(5)
    open_trip = dataclasses.replace(track(minutes, lon, lat), delivered_at=None)
    assert rules_of(w.gps_missing(open_trip, T0 + timedelta(minutes=20), SETTINGS)) == [
        ("W08", False)
    ]
    exempt = dataclasses.replace(open_trip, codes=(BATTERY,))
    assert w.evaluate_track(exempt, T0 + timedelta(minutes=20)) == []


# ---- W09, W10, W11 -----------------------------------------------------------------------------

VEHICLE = Vehicle(PLATE, CARRIER, "330800001234", ("3", "8"), date(2025, 9, 26))
CREW = (
    CrewMember("张师傅", CrewRole.DRIVER, "Q-DRIVER", date(2026, 1, 1), CARRIER),
    CrewMember("李押运", CrewRole.ESCORT, "Q-ESCORT", date(2026, 1, 1), CARRIER),
)


@pytest.mark.parametrize(
    ("valid_until", "fires"), [(date(2025, 9, 26), False), (date(2025, 9, 25), True)]
)
def test_w09_the_vehicle_certificate_is_valid_on_the_day_of_loading(valid_until, fires):
    vehicle = dataclasses.replace(VEHICLE, valid_until_on=valid_until)
    f = facts(in_transit(), vehicles=(vehicle,), crew=CREW)
    found = w.unqualified_carrier(f, beijing(9, 26, 12), SETTINGS)
    assert rules_of(found) == ([("W09", False)] if fires else [])
    if fires:
        assert found[0].subject_key == f"manifest:{NUMBER}:leg:1"
        assert found[0].unit_uscc == CARRIER


def test_w09_a_crew_without_a_valid_escort_or_a_class_not_covered_is_unqualified():
    now = beijing(9, 26, 12)
    expired = (CREW[0], dataclasses.replace(CREW[1], valid_until_on=date(2025, 9, 1)))
    assert rules_of(
        w.unqualified_carrier(facts(in_transit(), vehicles=(VEHICLE,), crew=expired), now, SETTINGS)
    ) == [("W09", False)]
    toxic = dataclasses.replace(in_transit(), lines=(line(dangerous_goods_class="6.1"),))
    assert rules_of(
        w.unqualified_carrier(facts(toxic, vehicles=(VEHICLE,), crew=CREW), now, SETTINGS)
    ) == [("W09", False)]


def licence(**changes: Any) -> Licence:
    base = Licence(
        number="浙危废经第3308001号",
        holder_uscc=RECEIVER,
        kind=LicenceKind.COMPREHENSIVE,
        valid_from_on=date(2023, 1, 1),
        valid_until_on=date(2027, 12, 31),
        scopes=(LicenceScope(annual_scale_t_a=D(100), categories=("HW08",)),),
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    ("valid_until", "fires"), [(date(2025, 9, 26), False), (date(2025, 9, 25), True)]
)
def test_w10_the_receiver_licence_is_valid_on_the_day_of_submission(valid_until, fires):
    f = facts(manifest(), receiver_licences=(licence(valid_until_on=valid_until),))
    found = w.unlicensed_receiver(f, beijing(9, 27), SETTINGS)
    assert rules_of(found) == ([("W10", False)] if fires else [])
    if fires:
        assert found[0].unit_uscc == GEN
        assert found[0].evidence["licences"][0]["valid_until_on"] == "2025-09-25"


def test_w10_a_scope_without_the_code_warns_a_draft_in_advance_and_general_waste_is_exempt():
    other_scope = licence(scopes=(LicenceScope(D(100), categories=("HW17",)),))
    draft = manifest(S.DRAFT, number=None, submitted_at=None)
    found = w.unlicensed_receiver(
        facts(draft, receiver_licences=(other_scope,)), beijing(9, 25), SETTINGS
    )
    assert rules_of(found) == [("W10", True)]
    assert found[0].subject_key.startswith(f"manifest:draft:{GEN}:")
    general = manifest(waste_kind=WasteKind.GENERAL_SOLID)
    assert w.unlicensed_receiver(facts(general), beijing(9, 27), SETTINGS) == []
    # a capacity problem is W11's, not W10's
    full = licence(scopes=(LicenceScope(D(5), categories=("HW08",)),))
    assert (
        w.unlicensed_receiver(
            facts(manifest(), receiver_licences=(full,)), beijing(9, 27), SETTINGS
        )
        == []
    )


def test_w10_a_back_entered_paper_manifest_is_judged_on_the_day_it_departed():
    paper = manifest(
        S.PAPER_BACKFILL,
        paper=True,
        submitted_at=None,
        departed_at=beijing(9, 26, 9),
        delivered_at=DELIVERED,
        created_at=beijing(10, 9),
    )
    expired = licence(valid_until_on=date(2025, 9, 25))
    found = w.unlicensed_receiver(
        facts(paper, receiver_licences=(expired,)), beijing(10, 9), SETTINGS
    )
    assert rules_of(found) == [("W10", False)]
    assert found[0].evidence["day"] == "2025-09-26"


@pytest.mark.parametrize(
    ("received", "expected", "severity"),
    [
        ("89.999", [], None),
        ("90", [("W11", True)], Severity.MEDIUM),
        ("100", [("W11", True)], Severity.MEDIUM),
        ("100.001", [("W11", False)], Severity.HIGH),
        ("120", [("W11", False)], Severity.HIGH),
        ("120.001", [("W11", False)], Severity.HIGH),
    ],
)
def test_w11_receiver_takes_90_100_and_120_percent_of_its_approved_scale(
    received, expected, severity
):
    unit = UnitFacts(RECEIVER, licences=(licence(),), received_year_t={OIL: D(received)})
    found = w.receiver_capacity(unit, beijing(11, 1), SETTINGS)
    assert rules_of(found) == expected
    if found:
        assert found[0].severity is severity
        assert found[0].subject_key == f"unit:{RECEIVER}:2025:浙危废经第3308001号:HW08"
        assert ("重新申请" in found[0].message) is (received == "120.001")


# ---- W12, W13 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "receiver", "expected"),
    [
        (WasteKind.HAZARDOUS, "330881", []),  # 江山市, in the city
        (WasteKind.HAZARDOUS, "330702", [("W12", False)]),  # 金华市婺城区
        (WasteKind.GENERAL_SOLID, "330802", []),  # same county
        (WasteKind.GENERAL_SOLID, "330881", [("W12", False)]),  # another county of the city
        (WasteKind.HAZARDOUS, "", []),  # unknown: not judged
    ],
)
def test_w12_hazardous_waste_stays_in_the_city_and_solid_waste_in_the_county(
    kind, receiver, expected
):
    f = facts(manifest(waste_kind=kind), receiver_adcode=receiver)
    assert rules_of(w.out_of_city(f, beijing(9, 27), SETTINGS)) == expected


def test_w12_a_draft_is_pre_warned_and_a_local_approval_silences_it():
    draft = facts(manifest(S.DRAFT, number=None, submitted_at=None), receiver_adcode="330702")
    assert rules_of(w.out_of_city(draft, beijing(9, 27), SETTINGS)) == [("W12", True)]
    approved = facts(
        manifest(), receiver_adcode="330702", out_of_city_approval_no="衢环函〔2025〕1号"
    )
    assert w.out_of_city(approved, beijing(9, 27), SETTINGS) == []


@pytest.mark.parametrize(
    ("km", "receiver", "expected", "severity"),
    [
        (100.0, "330881", [], None),
        (100.1, "330881", [("W13", False)], Severity.INFO),
        (50.0, "361102", [], None),  # 上饶市, a neighbour
        (50.0, "320102", [("W13", False)], Severity.MEDIUM),  # 南京市, beyond the neighbours
        (None, "330881", [], None),
    ],
)
def test_w13_a_route_over_100_km_or_a_receiver_beyond_quzhou_and_its_neighbours(
    km, receiver, expected, severity
):
    f = facts(manifest(), route_km=km, receiver_adcode=receiver)
    found = w.long_distance(f, beijing(9, 27), SETTINGS)
    assert rules_of(found) == expected
    if found:
        assert found[0].severity is severity


# ---- W14, W15 ----------------------------------------------------------------------------------

JIANGXI_RECEIVER = "91360100MA35X00045"


def approval(**changes: Any) -> TransferApproval:
    base = TransferApproval(
        "浙跨转〔2025〕0001",
        GEN,
        JIANGXI_RECEIVER,
        date(2025, 1, 1),
        date(2025, 12, 31),
        {OIL: D(100)},
    )
    return dataclasses.replace(base, **changes)


def cross(**changes: Any) -> ManifestFacts:
    m = manifest(receiver_uscc=JIANGXI_RECEIVER, transfer_type=TransferType.CROSS_PROVINCE)
    return dataclasses.replace(facts(m, receiver_adcode="360102"), **changes)


@pytest.mark.parametrize(
    ("changes", "fires"),
    [
        ({"approval": None}, True),
        ({"approval": approval(), "approval_used_t": {OIL: D(90)}}, False),  # 90 + 10 = 100
        ({"approval": approval(), "approval_used_t": {OIL: D("90.001")}}, True),
        ({"approval": approval(valid_until_on=date(2025, 9, 26))}, False),
        ({"approval": approval(valid_until_on=date(2025, 9, 25))}, True),
    ],
)
def test_w14_cross_province_needs_a_valid_approval_with_quantity_left(changes, fires):
    found = w.cross_province_without_approval(cross(**changes), beijing(9, 27), SETTINGS)
    assert rules_of(found) == ([("W14", False)] if fires else [])


def test_w14_a_receiver_in_another_province_is_cross_province_whatever_the_plan_says():
    m = manifest(receiver_uscc=JIANGXI_RECEIVER)  # typed in-province
    f = facts(m, receiver_adcode="360102")
    assert rules_of(w.cross_province_without_approval(f, beijing(9, 27), SETTINGS)) == [
        ("W14", False)
    ]
    assert w.cross_province_without_approval(facts(manifest()), beijing(9, 27), SETTINGS) == []


PLAN = ManagementPlan(
    2025, GEN, "330802-2025-001", (PlanLine(OIL, D(100), RECEIVER, "R9"),), date(2025, 3, 1)
)


@pytest.mark.parametrize(("before", "fires"), [("100", False), ("100.001", True)])
def test_w15_cumulative_transfer_above_the_planned_quantity_times_1_1(before, fires):
    f = facts(manifest(), plan=PLAN, plan_transferred_t={OIL: D(before)})  # + 10 t
    found = w.not_in_plan(f, beijing(9, 27), SETTINGS)
    assert rules_of(found) == ([("W15", False)] if fires else [])
    if fires:
        assert found[0].evidence["codes"][0]["limit_t"] == "110"


def test_w15_a_code_outside_the_plan_or_no_plan_at_all():
    other = manifest(lines=(line(code=PACKAGING, category="HW49"),))
    assert rules_of(w.not_in_plan(facts(other, plan=PLAN), beijing(9, 27), SETTINGS)) == [
        ("W15", False)
    ]
    assert rules_of(w.not_in_plan(facts(manifest()), beijing(9, 27), SETTINGS)) == [("W15", False)]
    general = manifest(waste_kind=WasteKind.GENERAL_SOLID)
    assert w.not_in_plan(facts(general), beijing(9, 27), SETTINGS) == []


# ---- W16, W17 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entered", "fires"),
    [
        (beijing(10, 8, 12), False),  # holiday
        (beijing(10, 16, 17), False),  # the 10th working day after 09-26
        (beijing(10, 17, 9), True),
    ],
)
def test_w16_paper_manifest_is_entered_within_10_working_days(entered, fires):
    m = manifest(S.PAPER_BACKFILL, paper=True, delivered_at=DELIVERED, created_at=entered)
    found = w.backfill_late(facts(m), beijing(10, 20), SETTINGS)
    assert rules_of(found) == ([("W16", False)] if fires else [])
    if fires:
        assert found[0].evidence["backfill_due_on"] == "2025-10-16"
        assert found[0].evidence["workdays_late"] == 1


def key_unit(*filings: ReportFiling, since: date = date(2025, 4, 1)) -> UnitFacts:
    return UnitFacts(
        GEN, management_class=ManagementClass.KEY, reports=filings, reporting_since_on=since
    )


@pytest.mark.parametrize(
    ("filings", "now", "expected"),
    [
        ((), beijing(4, 15, 23), []),  # the 15th is still in time
        ((), beijing(4, 16, 0, 1), [("2025-03", None)]),
        ((ReportFiling(ReportKind.MONTHLY, "2025-03", date(2025, 4, 15)),), beijing(4, 20), []),
        (
            (ReportFiling(ReportKind.MONTHLY, "2025-03", date(2025, 4, 16)),),
            beijing(4, 20),
            [("2025-03", "2025-04-16")],
        ),
    ],
)
def test_w17_a_key_unit_reports_monthly_by_the_15th_of_the_next_month(filings, now, expected):
    found = w.reporting_late(key_unit(*filings), now, SETTINGS)
    assert [(f.evidence["period"], f.evidence["filed_on"]) for f in found] == expected
    assert all(f.subject_key == f"report:{GEN}:monthly:2025-03" for f in found)


@pytest.mark.parametrize(("filed", "fires"), [(date(2025, 3, 31), False), (date(2025, 4, 1), True)])
def test_w17_the_plan_is_filed_by_31_march(filed, fires):
    plan = dataclasses.replace(PLAN, filed_on=filed)
    annual = ReportFiling(ReportKind.ANNUAL, "2024", date(2025, 3, 20))
    unit = UnitFacts(GEN, plan=plan, reports=(annual,), reporting_since_on=date(2025, 3, 1))
    found = w.reporting_late(unit, beijing(4, 2), SETTINGS)
    assert [f.evidence["kind"] for f in found] == (["plan"] if fires else [])


def test_w17_a_simplified_unit_reports_quarterly():
    unit = UnitFacts(
        GEN, management_class=ManagementClass.SIMPLIFIED, reporting_since_on=date(2025, 4, 1)
    )
    found = w.reporting_late(unit, beijing(4, 16), SETTINGS)
    assert [(f.evidence["kind"], f.evidence["period"]) for f in found] == [("quarterly", "2025-Q1")]


# ---- W18 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ledger_t", "fires"), [("10.001", False), ("9.999", False), ("10.002", True)]
)
def test_w18_hand_over_records_add_up_to_the_manifest_within_1_kg(ledger_t, fires):
    handed = LedgerEntry(
        GEN, LedgerStage.HAND_OVER, "H-1", OIL, D(ledger_t), beijing(9, 26, 8), manifest_no=NUMBER
    )
    out = LedgerEntry(GEN, LedgerStage.STORE_OUT, "O-1", OIL, D(ledger_t), beijing(9, 26, 8))
    gen = LedgerEntry(GEN, LedgerStage.GENERATE, "G-1", OIL, D(ledger_t), beijing(9, 1))
    store = LedgerEntry(GEN, LedgerStage.STORE_IN, "I-1", OIL, D(ledger_t), beijing(9, 1))
    unit = UnitFacts(GEN, ledger=(gen, store, out, handed), manifests=(manifest(),))
    found = w.ledger_mismatch(unit, beijing(10, 1), SETTINGS)
    assert rules_of(found) == ([("W18", False)] if fires else [])


def test_w18_the_mass_balance_holds_against_the_counted_stock():
    entries = (
        LedgerEntry(GEN, LedgerStage.GENERATE, "G-1", OIL, D(5), beijing(9, 1)),
        LedgerEntry(GEN, LedgerStage.STORE_IN, "I-1", OIL, D(5), beijing(9, 1)),
        LedgerEntry(GEN, LedgerStage.STORE_OUT, "O-1", OIL, D(2), beijing(9, 2), "I-1"),
        LedgerEntry(GEN, LedgerStage.HAND_OVER, "H-1", OIL, D(2), beijing(9, 2), "O-1"),
    )
    now = beijing(10, 1)
    assert w.ledger_mismatch(UnitFacts(GEN, ledger=entries), now, SETTINGS) == []
    counted = UnitFacts(GEN, ledger=entries, closing_stock_t={OIL: D("2.998")})
    found = w.ledger_mismatch(counted, now, SETTINGS)
    assert rules_of(found) == [("W18", False)]
    assert found[0].subject_key == f"unit:{GEN}:2025:{OIL}"
    assert found[0].evidence["book_closing_t"] == "3"
    exact = UnitFacts(GEN, ledger=entries, closing_stock_t={OIL: D("2.999")})
    assert w.ledger_mismatch(exact, now, SETTINGS) == []


# ---- W19, W20, W21 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("consignor", "apart", "fires"),
    [
        (OTHER_GEN, timedelta(minutes=30), True),
        (OTHER_GEN, timedelta(minutes=30) + SECOND, False),
        (OTHER_GEN, -timedelta(minutes=30), True),
        (GEN, timedelta(minutes=1), False),  # the same consignor's other manifest
    ],
)
def test_w19_one_vehicle_trip_shared_by_several_consignors(consignor, apart, fires):
    other = Departure("20253308000124", consignor, DEPARTED + apart)
    f = facts(in_transit(), same_vehicle_departures=(other,))
    found = w.shared_trip(f, beijing(9, 26, 12), SETTINGS)
    assert rules_of(found) == ([("W19", False)] if fires else [])
    if fires:
        assert found[0].severity is Severity.LOW


@pytest.mark.parametrize(
    ("after", "fires"), [(timedelta(days=90), False), (timedelta(days=90) + SECOND, True)]
)
def test_w20_closed_without_a_disposal_result_for_more_than_90_days(after, fires):
    closed = beijing(9, 29, 10)
    m = manifest(S.CLOSED, closed_at=closed)
    found = w.disposal_not_reported(facts(m), closed + after, SETTINGS)
    assert rules_of(found) == ([("W20", False)] if fires else [])
    disposed = manifest(S.DISPOSED, closed_at=closed)
    assert w.disposal_not_reported(facts(disposed), closed + 2 * after, SETTINGS) == []


@pytest.mark.parametrize(
    ("after", "fires"), [(timedelta(days=30), False), (timedelta(days=30) + SECOND, True)]
)
def test_w21_a_manifest_is_closed_within_30_days_of_submission(after, fires):
    submitted = beijing(9, 26, 8)
    found = w.not_closed(facts(manifest(S.DELIVERED)), submitted + after, SETTINGS)
    assert rules_of(found) == ([("W21", False)] if fires else [])


def test_w21_closed_cancelled_or_returned_manifests_are_settled():
    late = beijing(12, 31)
    for state in (S.CLOSED, S.DISPOSED, S.CANCELLED):
        assert w.not_closed(facts(manifest(state)), late, SETTINGS) == []
    rejected = manifest(S.REJECTED)
    assert rules_of(w.not_closed(facts(rejected), late, SETTINGS)) == [("W21", False)]
    assert w.not_closed(facts(rejected, has_return_manifest=True), late, SETTINGS) == []


# ---- evaluation --------------------------------------------------------------------------------


def test_evaluate_manifest_runs_every_manifest_rule_and_keys_are_stable():
    m = manifest(S.DELIVERED, delivered_at=DELIVERED, departed_at=DEPARTED, legs=(leg(DEPARTED),))
    f = facts(
        m,
        receiver_adcode="330702",
        route_km=150.0,
        plan=PLAN,
        receiver_licences=(licence(),),
        vehicles=(VEHICLE,),
        crew=CREW,
    )
    found = w.evaluate_manifest(f, beijing(10, 28))
    assert sorted(rules_of(found)) == [
        ("W02", False),
        ("W12", False),
        ("W13", False),
        ("W21", False),
    ]
    assert {x.key for x in found} == {
        f"{r}|manifest:{NUMBER}" for r in ("W02", "W12", "W13", "W21")
    }
    assert all(x.message and "(" in x.message for x in found)  # Chinese, then English


def test_evaluate_unit_runs_storage_capacity_reporting_and_ledger_rules():
    # a receiver holding a batch for 400 days, at 95 % of its scale, whose ledger has a
    # store-in without the generation record behind it
    unit = UnitFacts(
        RECEIVER,
        ledger=(dataclasses.replace(stored(), unit_uscc=RECEIVER),),
        licences=(licence(),),
        received_year_t={OIL: D(95)},
        reporting_since_on=date(2025, 1, 1),
    )
    found = w.evaluate_unit(unit, days_after(STORED_AT, 400))  # 2025-02-13: nothing due yet
    assert sorted(rules_of(found)) == [("W01a", False), ("W11", True), ("W18", False)]


def test_every_rule_has_names_a_source_and_a_default_threshold():
    assert set(w.WARNING_RULE_NAMES) == set(WarningRule) == set(w.WARNING_RULE_SOURCES)
    assert SETTINGS.operator_storage_days == 365 and SETTINGS.operator_prewarn_days == 335
    assert SETTINGS.receipt_workdays == 5 and SETTINGS.backfill_workdays == 10
    assert SETTINGS.collection_only_workdays == 90 and SETTINGS.medical_storage_days == 2
    assert SETTINGS.quantity_mismatch_ratio == D("0.10") and SETTINGS.city_prefix == "3308"
    assert (
        SETTINGS.capacity_warn_ratio,
        SETTINGS.capacity_breach_ratio,
        SETTINGS.capacity_reapply_ratio,
    ) == (D("0.9"), D(1), D("1.2"))
    assert (SETTINGS.disposal_report_days, SETTINGS.closure_days) == (90, 30)


# ---- vectorised == reference -------------------------------------------------------------------

NOW = beijing(10, 20, 14)
CONSIGNORS = (GEN, OTHER_GEN, "91330881MA2B00007R")
ADCODES = ("330802", "330881", "330702", "361102", "320102", "360102", "")
PLATES = ("浙H00001", "浙H00002")
NOT_UNDER_CORRECTION = [s for s in ManifestState if s is not S.UNDER_CORRECTION]


def near(base: timedelta, *, spread: int = 2) -> st.SearchStrategy[timedelta]:
    """Around a threshold: exactly, a second or two either side, or anywhere up to twice it."""
    return st.one_of(
        st.integers(-spread, spread).map(lambda s: base + timedelta(seconds=s)),
        st.integers(0, int(base.total_seconds()) * 2).map(lambda s: timedelta(seconds=s)),
    )


@st.composite
def manifest_lines(draw: st.DrawFn) -> tuple[ManifestLine, ...]:
    lines = []
    for k in range(draw(st.integers(1, 3))):
        shipped_g = draw(st.integers(1, 50_000_000))
        tenth = shipped_g // 10
        received_g = draw(
            st.one_of(
                st.none(),
                st.sampled_from([shipped_g, shipped_g + tenth, shipped_g - tenth]),
                st.sampled_from([shipped_g + tenth + 1, shipped_g - tenth - 1]),
                st.integers(0, 2 * shipped_g),
            )
        )
        count = draw(st.integers(1, 20))
        counted = draw(st.one_of(st.none(), st.just(count), st.integers(0, 20)))
        lines.append(
            line(
                line_no=k + 1,
                code=draw(st.sampled_from([OIL, PACKAGING, BATTERY])),
                shipped_t=D(shipped_g).scaleb(-6),
                received_t=None if received_g is None else D(received_g).scaleb(-6),
                package_count=count,
                received_count=counted,
            )
        )
    return tuple(lines)


@st.composite
def random_manifest(draw: st.DrawFn, index: int) -> ManifestFacts:
    state = draw(
        st.one_of(
            st.sampled_from([S.DELIVERED, S.IN_TRANSIT, S.CLOSED]),
            st.sampled_from(NOT_UNDER_CORRECTION),
        )
    )
    correction = None
    if draw(st.booleans()) and state not in (S.DRAFT, S.CANCELLED, S.PAPER_BACKFILL):
        correction = Correction("更正", Party(PartyRole.GENERATOR, GEN), NOW, state)
    submitted = draw(st.one_of(st.none(), near(timedelta(days=30)).map(lambda d: NOW - d)))
    delivered = draw(
        st.one_of(
            st.none(),
            st.integers(0, 25 * 86_400).map(lambda s: NOW - timedelta(seconds=s)),
            # around the 4th and 5th working days before NOW (Monday 10-20)
            st.integers(4 * 86_400, 9 * 86_400).map(lambda s: NOW - timedelta(seconds=s)),
        )
    )
    due = None
    if delivered is None and draw(st.booleans()):
        due = date(2025, 10, 15) + timedelta(days=draw(st.integers(0, 10)))
    departed = draw(st.one_of(st.none(), near(timedelta(minutes=210)).map(lambda d: NOW - d)))
    plate = draw(st.sampled_from(PLATES)) if departed is not None and draw(st.booleans()) else None
    closed = draw(st.one_of(st.none(), near(timedelta(days=90)).map(lambda d: NOW - d)))
    m = manifest(
        S.UNDER_CORRECTION if correction else state,
        number=f"2025330800{index:04d}",
        waste_kind=draw(st.sampled_from(list(WasteKind))),
        consignor_uscc=draw(st.sampled_from(CONSIGNORS)),
        lines=draw(manifest_lines()),
        submitted_at=submitted,
        delivered_at=delivered,
        receipt_due_on=due,
        departed_at=departed,
        legs=(leg(departed, vehicle_plate=plate),) if plate and departed else (),
        closed_at=closed,
        correction=correction,
    )
    return ManifestFacts(
        m,
        consignor_adcode=draw(st.sampled_from(ADCODES)),
        receiver_adcode=draw(st.sampled_from(ADCODES)),
        route_km=draw(st.sampled_from([None, 99.9, 100.0, 100.1, 250.0])),
        eta_minutes=draw(st.sampled_from([None, 60.0, 45.5, 0.0])),
        exempt_transport=draw(st.sampled_from([None, True, False])),
        out_of_city_approval_no=draw(st.sampled_from(["", "衢环函〔2025〕1号"])),
        has_return_manifest=draw(st.booleans()),
    )


def with_departures(batch: list[ManifestFacts]) -> list[ManifestFacts]:
    """Give each manifest the other departures of its vehicle, as the service loads them."""

    def key(f: ManifestFacts) -> str | None:
        m = f.manifest
        ok = m.legs and m.departed_at and w.effective_state(m) is not S.CANCELLED
        return m.legs[0].vehicle_plate if ok else None

    out = []
    for f in batch:
        others = tuple(
            Departure(g.manifest.number or "", g.manifest.consignor_uscc, g.manifest.departed_at)
            for g in batch
            if g is not f and key(g) is not None and key(g) == key(f) and g.manifest.departed_at
        )
        out.append(dataclasses.replace(f, same_vehicle_departures=others))
    return out


@st.composite
def manifest_batches(draw: st.DrawFn) -> list[ManifestFacts]:
    n = draw(st.integers(1, 12))
    batch = [draw(random_manifest(i)) for i in range(n)]
    if draw(st.booleans()):  # crowd departures of one vehicle around 30 minutes apart
        base = NOW - timedelta(hours=3)
        for i, f in enumerate(batch):
            m = f.manifest
            at = base + timedelta(seconds=draw(st.sampled_from([0, 1799, 1800, 1801, 3600])) * i)
            m = dataclasses.replace(m, departed_at=at, legs=(leg(at, vehicle_plate=PLATES[0]),))
            batch[i] = dataclasses.replace(f, manifest=m)
    return with_departures(batch)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    manifest_batches(),
    st.sampled_from(["0.10", "0.05", "0.125"]),
    st.sampled_from([30.0, 0.0, 59.5]),
)
def test_the_vectorised_scan_agrees_with_the_per_manifest_rules(batch, ratio, trip_minutes):
    s = WarningSettings(quantity_mismatch_ratio=D(ratio), shared_trip_minutes=trip_minutes)
    got = w.evaluate_manifest_columns(w.manifest_columns(batch, s), NOW, s)
    assert set(got) == set(COLUMN_RULES)
    for i, f in enumerate(batch):
        want = w.manifest_column_flags(f, NOW, s)
        assert {k: bool(got[k][i]) for k in COLUMN_RULES} == want, f.manifest


def test_the_vectorised_scan_handles_no_manifests_and_refuses_a_missing_column():
    empty = w.manifest_columns([], SETTINGS)
    assert all(v.size == 0 for v in w.evaluate_manifest_columns(empty, NOW).values())
    broken = dict(w.manifest_columns([facts(manifest())], SETTINGS))
    del broken["closed_s"]
    with pytest.raises(ValidationError, match="closed_s"):
        w.evaluate_manifest_columns(broken, NOW)
