"""Ways around the waste registry's ownership, closed: a look-alike of another unit's key
(case, spaces, full-width) is that unit's key; a relay is taken over only with the accepting
carrier's own vehicle and crew and offered only to a carrier; GPS fixes from the future are
refused and another vehicle's earlier fixes on a device never displace this vehicle's; a fix
contradicting a stored one is a conflict, not "unchanged". Every refusal changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from ecociv.adapters import migrate
from ecociv.adapters.db import Database
from ecociv.kernel import ConflictError, PermissionDeniedError, ValidationError
from ecociv.waste import CrewMember, CrewRole, ManagementPlan, PlanLine, Vehicle, services
from ecociv.waste.rules import LegInput, TransferBlockedError
from ecociv.waste.tables import (
    CrewRow,
    ManifestRow,
    PlanRow,
    TrackPointRow,
    VehicleRow,
    WasteWarningRow,
)
from tests.conftest import SYSTEM
from tests.integration.waste.conftest import (
    CARRIER,
    DRAFT,
    GENERATOR,
    LEG,
    OIL,
    OUTSIDE,
    RECEIVER,
    Cast,
    user_of,
)

RIVAL = "91330822MA7A2B9B8P"  # 常山示例危险货物运输（合成）: another carrier
STRANGER = "91330803MA717C7843"  # 衢江示例汽车零部件（合成）: a generator, no carrier
RIVAL_LEG = LegInput("浙H67890", ("D002", "E002"), "衢州中转站", True)


def _rows(db: Database, model: Any) -> list[dict[str, Any]]:
    with db.reading() as session:
        return [
            {c.name: getattr(r, c.name) for c in model.__table__.columns}
            for r in session.scalars(select(model).order_by(model.id))
        ]


def _rival(cast: Cast) -> Any:
    services.register_facility(cast.db, SYSTEM, services.FacilityInput(uscc=RIVAL), cast.clock)
    truck = Vehicle("浙H67890", RIVAL, "浙交运管衢字330800067890", ("9",), date(2030, 12, 31))
    services.save_vehicle(cast.db, SYSTEM, truck, cast.clock)
    for member in (
        CrewMember("赵驾驶", CrewRole.DRIVER, "D002", date(2030, 12, 31), RIVAL),
        CrewMember("钱押运", CrewRole.ESCORT, "E002", date(2030, 12, 31), RIVAL),
    ):
        services.save_crew(cast.db, SYSTEM, member, cast.clock)
    return user_of(cast.db, RIVAL, "他方调度")


def _in_transit(cast: Cast) -> str:
    draft = services.create_draft(cast.db, cast.generator_user, DRAFT, clock=cast.clock)
    number = services.act(cast.db, cast.generator_user, f"#{draft.id}", "submit", {},
                          clock=cast.clock.advance(hours=1)).manifest.number  # fmt: skip
    assert number is not None
    services.act(cast.db, cast.carrier_user, number, "depart", {"leg": LEG},
                 clock=cast.clock.advance(hours=1))  # fmt: skip
    return number


def _manifest_row(db: Database, number: str) -> dict[str, Any]:
    with db.reading() as session:
        row = session.scalar(select(ManifestRow).where(ManifestRow.number == number))
        assert row is not None
        return {c.name: getattr(row, c.name) for c in ManifestRow.__table__.columns}


# ---- defect 1: key variants -----------------------------------------------------------------


@pytest.mark.parametrize("plate", ["浙h12345", " 浙H12345", "浙H 12345", "浙Ｈ１２３４５"])
def test_key_variant_of_another_carriers_plate_is_that_plate_and_refused(
    cast: Cast, plate: str
) -> None:
    rival = _rival(cast)
    before = _rows(cast.db, VehicleRow)
    variant = Vehicle(plate, RIVAL, "伪造", ("9",), date(2031, 1, 1))
    with pytest.raises(PermissionDeniedError) as caught:
        services.save_vehicle(cast.db, rival, variant)
    assert caught.value.field == "plate"
    assert _rows(cast.db, VehicleRow) == before


@pytest.mark.parametrize("number", ["d001", " D001", "D 001", "Ｄ001"])
def test_key_variant_of_another_carriers_crew_number_is_that_number_and_refused(
    cast: Cast, number: str
) -> None:
    rival = _rival(cast)
    before = _rows(cast.db, CrewRow)
    taken = CrewMember("冒名", CrewRole.DRIVER, number, date(2031, 1, 1), RIVAL)
    with pytest.raises(PermissionDeniedError) as caught:
        services.save_crew(cast.db, rival, taken)
    assert caught.value.field == "qualification_no"
    assert _rows(cast.db, CrewRow) == before


@pytest.mark.parametrize("device", ["gps-0001", " GPS-0001", "GPS- 0001", "ＧＰＳ-0001"])
def test_key_variant_of_another_carriers_gps_device_is_that_device_and_refused(
    cast: Cast, device: str
) -> None:
    rival = _rival(cast)
    before = _rows(cast.db, VehicleRow)
    bound = Vehicle("浙H67890", RIVAL, "浙交运管衢字330800067890", ("9",), date(2030, 12, 31),
                    device)  # fmt: skip
    with pytest.raises(ConflictError) as caught:
        services.save_vehicle(cast.db, rival, bound)
    assert caught.value.field == "gps_device_id"
    assert _rows(cast.db, VehicleRow) == before


def test_keys_are_stored_normalised_and_found_by_any_variant(cast: Cast) -> None:
    own = Vehicle(" 浙h 55555", CARRIER, "浙交运管衢字330800055555", ("9",), date(2030, 12, 31),
                  "gps-0555")  # fmt: skip
    services.save_vehicle(cast.db, cast.carrier_user, own)
    member = CrewMember("孙押运", CrewRole.ESCORT, "ｅ0005 ", date(2030, 12, 31), CARRIER)
    services.save_crew(cast.db, cast.carrier_user, member)
    plates = {r["plate"]: r["gps_device_id"] for r in _rows(cast.db, VehicleRow)}
    assert plates["浙H55555"] == "GPS-0555"
    assert "E0005" in {r["qualification_no"] for r in _rows(cast.db, CrewRow)}
    number = _in_transit(cast)  # departs with 浙H12345, D001, E001
    assert number


def test_relay_accept_refuses_another_carriers_vehicle_or_crew_nothing_changes_and_kept(
    cast: Cast,
) -> None:
    """The tester's path: the named next carrier gives the current carrier's exact plate (or
    its crew). Refused as W09 before anything is written; the refusal is kept as a warning."""
    rival = _rival(cast)
    number = _in_transit(cast)
    services.act(cast.db, cast.carrier_user, number, "offer_relay", {"to_carrier_uscc": RIVAL},
                 clock=cast.clock.advance(minutes=10))  # fmt: skip
    before = _manifest_row(cast.db, number)
    for leg, field in (
        (LegInput("浙H12345", ("D002", "E002"), "衢州中转站", True), "vehicle_plate"),
        (LegInput("浙H67890", ("D001", "E002"), "衢州中转站", True), "crew"),
        (LegInput("浙H67890", ("d002", "Ｅ001"), "衢州中转站", True), "crew"),
    ):
        with pytest.raises(TransferBlockedError) as caught:
            services.act(cast.db, rival, number, "accept_relay", {"leg": leg}, clock=cast.clock)
        assert (caught.value.rule, caught.value.field) == ("W09", field)
        assert _manifest_row(cast.db, number) == before
    kept = [r for r in _rows(cast.db, WasteWarningRow) if r["rule"] == "W09"]
    assert kept and all(r["evidence"]["blocked"] for r in kept)
    variant = LegInput(" 浙h 67890", ("d002", "Ｅ002"), "衢州中转站", True)
    view = services.act(cast.db, rival, number, "accept_relay", {"leg": variant},
                        clock=cast.clock.advance(minutes=10))  # fmt: skip
    leg = view.manifest.legs[-1]
    assert (leg.carrier_uscc, leg.vehicle_plate, leg.crew) == (RIVAL, "浙H67890", ("D002", "E002"))


def test_migration_0011_normalises_keys_and_stops_on_keys_that_would_collide(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0010")
    engine = create_engine(url)
    vehicle = text(
        "INSERT INTO waste_vehicle (plate, owner_uscc, operating_certificate_no, "
        "dangerous_goods_classes, valid_until_on, gps_device_id, is_synthetic, created_at, "
        "updated_at) VALUES (:plate, :owner, 'c', '[]', '2030-01-01', :gps, 0, "
        "'2025-01-01 00:00:00', '2025-01-01 00:00:00')"
    )
    point = text(
        "INSERT INTO waste_track_point (gps_device_id, vehicle_plate, observed_at, longitude, "
        "latitude, datum, received_at) VALUES ('qz-gps-1', '浙hq1001', '2025-01-01 00:00:00', "
        "118.8, 28.9, 'WGS-84', '2025-01-01 00:00:00')"
    )
    with engine.begin() as conn:
        conn.execute(vehicle, [
            {"plate": "浙hq1001", "owner": "A", "gps": "qz-gps-1"},
            {"plate": " 浙HQ1001", "owner": "B", "gps": ""},
        ])  # fmt: skip
        conn.execute(point)
    with pytest.raises(RuntimeError, match="waste_vehicle.plate 浙HQ1001: .*浙hq1001"):
        migrate.upgrade(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM waste_vehicle WHERE owner_uscc = 'B'"))
    engine.dispose()
    migrate.upgrade(url)
    migrate.check(url)
    with create_engine(url).begin() as conn:
        assert conn.execute(text("SELECT plate, gps_device_id FROM waste_vehicle")).all() == [
            ("浙HQ1001", "QZ-GPS-1")
        ]
        assert conn.execute(
            text("SELECT vehicle_plate, gps_device_id FROM waste_track_point")
        ).all() == [("浙HQ1001", "QZ-GPS-1")]


# ---- defect 2: the next carrier must be a carrier ----------------------------------------------


def test_relay_is_offered_only_to_a_registered_carrier(cast: Cast) -> None:
    """A generator (the tester's auto-parts unit) is refused even with a vehicle it registered
    itself; a unit outside the city counts as a carrier only with a vehicle valid today."""
    _rival(cast)
    services.register_facility(cast.db, SYSTEM, services.FacilityInput(uscc=STRANGER))
    stranger = user_of(cast.db, STRANGER, "外单位")
    own = Vehicle("浙H70001", STRANGER, "x", ("9",), date(2030, 12, 31))
    services.save_vehicle(cast.db, stranger, own)
    number = _in_transit(cast)
    before = _manifest_row(cast.db, number)
    for to in (STRANGER, GENERATOR, OUTSIDE):
        with pytest.raises(ValidationError) as caught:
            services.act(cast.db, cast.carrier_user, number, "offer_relay",
                         {"to_carrier_uscc": to}, clock=cast.clock)  # fmt: skip
        assert caught.value.field == "to_carrier_uscc"
        assert _manifest_row(cast.db, number) == before
    today = cast.clock.now().date()
    expired = Vehicle("赣A00001", OUTSIDE, "赣交运", ("9",), today - timedelta(days=1))
    services.save_vehicle(cast.db, SYSTEM, expired)
    with pytest.raises(ValidationError):
        services.act(cast.db, cast.carrier_user, number, "offer_relay",
                     {"to_carrier_uscc": OUTSIDE}, clock=cast.clock)  # fmt: skip
    valid = Vehicle("赣A00001", OUTSIDE, "赣交运", ("9",), today + timedelta(days=1))
    services.save_vehicle(cast.db, SYSTEM, valid)
    view = services.act(cast.db, cast.carrier_user, number, "offer_relay",
                        {"to_carrier_uscc": OUTSIDE},
                        clock=cast.clock.advance(minutes=5))  # fmt: skip
    assert view.manifest.relay_offer is not None
    assert view.manifest.relay_offer.to_carrier_uscc == OUTSIDE
    services.act(cast.db, cast.carrier_user, number, "withdraw_relay", {},
                 clock=cast.clock.advance(minutes=5))  # fmt: skip
    view = services.act(cast.db, cast.carrier_user, number, "offer_relay",
                        {"to_carrier_uscc": RIVAL},
                        clock=cast.clock.advance(minutes=5))  # fmt: skip
    assert view.manifest.relay_offer is not None


# ---- defect 3: GPS fixes ----------------------------------------------------------------------


def test_fixes_more_than_ten_minutes_ahead_of_the_server_are_refused_naming_the_row(
    cast: Cast,
) -> None:
    now = cast.clock.now()
    fix = services.FixInput
    at, below, above = (now + timedelta(minutes=10), now + timedelta(minutes=9, seconds=59),
                        now + timedelta(minutes=10, seconds=1))  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        services.ingest_fixes(
            cast.db, cast.carrier_user,
            [fix("GPS-0001", below, 118.8, 28.9), fix("GPS-0001", above, 118.8, 28.9)],
            clock=cast.clock,
        )  # fmt: skip
    assert caught.value.field == "row 2: observed_at"
    assert _rows(cast.db, TrackPointRow) == []
    stored = services.ingest_fixes(
        cast.db, cast.carrier_user,
        [fix("GPS-0001", below, 118.8, 28.9), fix("GPS-0001", at, 118.8, 28.9)], clock=cast.clock,
    )  # fmt: skip
    assert (stored.inserted, stored.unchanged, stored.conflicting) == (2, 0, 0)


def test_another_vehicles_earlier_fixes_on_a_device_never_displace_the_owners(
    cast: Cast,
) -> None:
    """The tester's path: the rival binds an unused device, posts fixes, unbinds; the carrier
    binds the device and posts its real fixes for the same times: all stored, on its vehicle."""
    rival = _rival(cast)
    times = [cast.clock.now() + timedelta(minutes=m) for m in (1, 2)]
    mine = Vehicle("浙H12345", CARRIER, "浙交运管衢字330800012345", ("3", "6", "9"),
                   date(2030, 12, 31), "")  # fmt: skip
    services.save_vehicle(cast.db, cast.carrier_user, mine)  # GPS-0001 off, GPS-999 unused
    theirs = Vehicle("浙H67890", RIVAL, "浙交运管衢字330800067890", ("9",), date(2030, 12, 31))
    services.save_vehicle(
        cast.db, rival, Vehicle(**{**_fields(theirs), "gps_device_id": "GPS-999"})
    )
    pre = [services.FixInput("GPS-999", t, 118.0, 28.0) for t in times]
    services.ingest_fixes(cast.db, rival, pre, clock=cast.clock.advance(minutes=5))
    services.save_vehicle(cast.db, rival, theirs)  # unbound
    services.save_vehicle(cast.db, cast.carrier_user,
                          Vehicle(**{**_fields(mine), "gps_device_id": "GPS-999"}))  # fmt: skip
    real = [services.FixInput("gps-999", t, 118.8, 28.9) for t in times]
    stored = services.ingest_fixes(cast.db, cast.carrier_user, real, clock=cast.clock)
    assert (stored.inserted, stored.unchanged, stored.conflicting) == (2, 0, 0)
    points = {(r["vehicle_plate"], r["longitude"]) for r in _rows(cast.db, TrackPointRow)}
    assert points == {("浙H67890", 118.0), ("浙H12345", 118.8)}


def _fields(vehicle: Vehicle) -> dict[str, Any]:
    return {name: getattr(vehicle, name) for name in Vehicle.__dataclass_fields__}


def test_a_fix_contradicting_a_stored_one_is_a_conflict_not_unchanged(cast: Cast) -> None:
    at = cast.clock.now()
    first = services.FixInput("GPS-0001", at, 118.8, 28.9)
    assert services.ingest_fixes(cast.db, cast.carrier_user, [first], clock=cast.clock).inserted
    same = services.ingest_fixes(cast.db, cast.carrier_user, [first], clock=cast.clock)
    assert (same.inserted, same.unchanged, same.conflicting) == (0, 1, 0)
    moved = services.FixInput("GPS-0001", at, 118.81, 28.9)
    other = services.ingest_fixes(cast.db, cast.carrier_user, [moved], clock=cast.clock)
    assert (other.inserted, other.unchanged, other.conflicting) == (0, 0, 1)
    assert [r["longitude"] for r in _rows(cast.db, TrackPointRow)] == [118.8]


# ---- defect 4 and the minor ones: bounds, blank numbers, defaults -----------------------------


def test_a_plan_line_is_bounded_and_its_code_is_the_catalogues(cast: Cast) -> None:
    year = cast.clock.now().year
    before = _rows(cast.db, PlanRow)

    def plan(line: PlanLine, filing: str = "330802-2025-0042") -> ManagementPlan:
        return ManagementPlan(year, GENERATOR, filing, (line,))

    from decimal import Decimal as D

    for line, field in (
        (PlanLine(OIL, D("1000000.001"), RECEIVER, "R9"), "lines[1].planned_t"),
        (PlanLine(OIL, D("1e308"), RECEIVER, "R9"), "lines[1].planned_t"),
        (PlanLine(OIL, D("-1"), RECEIVER, "R9"), "lines[1].planned_t"),
        (PlanLine("9" * 100_000, D(1), RECEIVER, "R9"), "lines[1].code"),
        (PlanLine("a\x00b", D(1), RECEIVER, "R9"), "lines[1].code"),
        (PlanLine("900-999-99", D(1), RECEIVER, "R9"), "lines[1].code"),
        (PlanLine(OIL, D(1), RECEIVER, "R\x009"), "lines[1].method_code"),
    ):
        with pytest.raises(ValidationError) as caught:
            services.save_plan(cast.db, cast.generator_user, plan(line))
        assert caught.value.field == field
    for blank in ("", " "):
        with pytest.raises(ValidationError) as caught:
            services.save_plan(cast.db, cast.generator_user,
                               plan(PlanLine(OIL, D(1), RECEIVER, "R9"), blank))  # fmt: skip
        assert caught.value.field == "filing_no"
    assert _rows(cast.db, PlanRow) == before
    top = PlanLine(OIL, D(1_000_000), RECEIVER, "R9")
    assert services.save_plan(cast.db, cast.generator_user, plan(top))


def test_a_filing_number_of_another_unit_is_refused(cast: Cast) -> None:
    services.register_facility(cast.db, SYSTEM, services.FacilityInput(uscc=STRANGER))
    stranger = user_of(cast.db, STRANGER, "外单位")
    before = _rows(cast.db, PlanRow)
    from decimal import Decimal as D

    taken = ManagementPlan(cast.clock.now().year, STRANGER, " 330802-2025-0042",
                           (PlanLine(OIL, D(1), RECEIVER, "R9"),))  # fmt: skip
    with pytest.raises(ConflictError) as caught:
        services.save_plan(cast.db, stranger, taken)
    assert caught.value.field == "filing_no"
    assert _rows(cast.db, PlanRow) == before


def test_a_carriers_crew_without_employer_is_its_own(cast: Cast) -> None:
    member = CrewMember("周驾驶", CrewRole.DRIVER, "D009", date(2030, 12, 31))
    assert services.save_crew(cast.db, cast.carrier_user, member)
    rows = {r["qualification_no"]: r["employer_uscc"] for r in _rows(cast.db, CrewRow)}
    assert rows["D009"] == CARRIER
