"""No cross-tenant write in the hazardous-waste registry and manifests: a record keyed by a
natural key stays its unit's, a GPS device belongs to one vehicle at a time and its fixes come
from its carrier only, a relay is taken over only by the carrier it is offered to, and the
planned route locks with the signed transport section. Every refusal changes nothing; the
refused registry writes and relay steps are kept in the audit log."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from ecociv import audit
from ecociv.adapters import migrate
from ecociv.adapters.db import Database
from ecociv.audit.tables import AuditRow
from ecociv.kernel import ConflictError, NotFoundError, PermissionDeniedError
from ecociv.waste import CrewMember, CrewRole, Vehicle, services
from ecociv.waste.rules import LegInput
from ecociv.waste.tables import CrewRow, ManifestRow, TrackPointRow, VehicleRow
from tests.conftest import SYSTEM
from tests.integration.waste.conftest import CARRIER, DRAFT, LEG, Cast, user_of

RIVAL = "91330822MA7A2B9B8P"  # 常山示例危险货物运输（合成）: another carrier
STRANGER = "91330803MA717C7843"  # 衢江示例汽车零部件（合成）: no party to the manifests


def _rows(db: Database, model: Any) -> list[dict[str, Any]]:
    with db.reading() as session:
        return [
            {c.name: getattr(r, c.name) for c in model.__table__.columns}
            for r in session.scalars(select(model).order_by(model.id))
        ]


def _refusals(db: Database, action: str) -> list[dict[str, Any]]:
    with db.reading() as session:
        return [
            {"actor": r.actor, "entity_id": r.entity_id, **json.loads(r.after)}
            for r in session.scalars(
                select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.seq)
            )
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


# ---- item 1: upserts by natural key -------------------------------------------------------------


@pytest.mark.parametrize("employer", [RIVAL, CARRIER])
def test_a_carrier_cannot_take_over_another_carriers_driver_by_the_number(
    cast: Cast, employer: str
) -> None:
    """The driver D001 is the carrier's: the rival writing D001 under its own name or under the
    carrier's is refused (403 naming the field), audited, and the driver is unchanged."""
    rival = _rival(cast)
    before = _rows(cast.db, CrewRow)
    taken = CrewMember("冒名", CrewRole.DRIVER, "D001", date(2031, 1, 1), employer)
    with pytest.raises(PermissionDeniedError) as caught:
        services.save_crew(cast.db, rival, taken)
    assert caught.value.field == ("qualification_no" if employer == RIVAL else "employer_uscc")
    assert _rows(cast.db, CrewRow) == before
    refused = _refusals(cast.db, "waste_crew.refused")
    assert [(r["actor"], r["entity_id"]) for r in refused] == [("他方调度", "D001")]
    assert audit.verify_chain(cast.db).first_break is None


def test_a_carrier_still_updates_its_own_driver_and_the_bureau_any(cast: Cast) -> None:
    mine = CrewMember("王驾驶", CrewRole.DRIVER, "D001", date(2031, 6, 30), CARRIER)
    assert services.save_crew(cast.db, cast.carrier_user, mine) is True
    _rival(cast)
    moved = CrewMember("王驾驶", CrewRole.DRIVER, "D001", date(2031, 6, 30), RIVAL)
    assert services.save_crew(cast.db, SYSTEM, moved) is True  # the bureau corrects a record
    assert _refusals(cast.db, "waste_crew.refused") == []


def test_a_carrier_cannot_rewrite_another_carriers_vehicle_by_the_plate(cast: Cast) -> None:
    rival = _rival(cast)
    before = _rows(cast.db, VehicleRow)
    plate = Vehicle("浙H12345", RIVAL, "伪造", ("9",), date(2031, 1, 1), "GPS-X")
    with pytest.raises(PermissionDeniedError) as caught:
        services.save_vehicle(cast.db, rival, plate)
    assert caught.value.field == "plate"
    assert _rows(cast.db, VehicleRow) == before
    assert [r["field"] for r in _refusals(cast.db, "waste_vehicle.refused")] == ["plate"]


# ---- item 3: GPS devices ------------------------------------------------------------------------


def test_a_gps_device_belongs_to_one_vehicle_at_a_time(cast: Cast) -> None:
    """GPS-0001 is on the carrier's 浙H12345: the rival binding it to its own vehicle is
    refused (409 naming gps_device_id), and so is the carrier binding it to a second vehicle;
    once unbound, it may be bound elsewhere."""
    rival = _rival(cast)
    before = _rows(cast.db, VehicleRow)
    stolen = Vehicle("浙H67890", RIVAL, "浙交运管衢字330800067890", ("9",), date(2030, 12, 31),
                     "GPS-0001")  # fmt: skip
    with pytest.raises(ConflictError) as caught:
        services.save_vehicle(cast.db, rival, stolen)
    assert caught.value.field == "gps_device_id"
    second = Vehicle("浙H12399", CARRIER, "浙交运管衢字330800012399", ("9",), date(2030, 12, 31),
                     " GPS-0001 ")  # fmt: skip
    with pytest.raises(ConflictError):
        services.save_vehicle(cast.db, cast.carrier_user, second)
    assert _rows(cast.db, VehicleRow) == before
    unbound = Vehicle("浙H12345", CARRIER, "浙交运管衢字330800012345", ("3", "6", "9"),
                      date(2030, 12, 31), "")  # fmt: skip
    assert services.save_vehicle(cast.db, cast.carrier_user, unbound)
    assert services.save_vehicle(cast.db, cast.carrier_user, second)


def test_the_database_refuses_a_second_vehicle_with_the_same_device(cast: Cast) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), cast.db.transaction() as session:
        session.execute(
            text("UPDATE waste_vehicle SET gps_device_id = 'GPS-0001' WHERE plate <> '浙H12345'")
        )
        session.add(
            VehicleRow(plate="浙H00001", owner_uscc=CARRIER, operating_certificate_no="x",
                       dangerous_goods_classes=[], valid_until_on=date(2030, 1, 1),
                       gps_device_id="GPS-0001", created_at=cast.clock.now(),
                       updated_at=cast.clock.now())
        )  # fmt: skip
        session.flush()


def test_fixes_of_a_device_come_only_from_its_vehicles_carrier(cast: Cast) -> None:
    """A rival cannot post fixes of the carrier's device (nothing stored), so the carrier's
    real fixes at those times are all stored, none dropped as unchanged."""
    rival = _rival(cast)
    start = cast.clock.now()
    fixes = [
        services.FixInput("GPS-0001", start + timedelta(minutes=m), 118.8, 28.9 + m * 0.001)
        for m in range(5)
    ]
    from ecociv.kernel import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.ingest_fixes(cast.db, rival, fixes)
    assert caught.value.field == "row 1: gps_device_id"
    assert _rows(cast.db, TrackPointRow) == []
    stored = services.ingest_fixes(cast.db, cast.carrier_user, fixes)
    assert (stored.inserted, stored.unchanged) == (5, 0)
    assert {r["vehicle_plate"] for r in _rows(cast.db, TrackPointRow)} == {"浙H12345"}


def test_migration_0011_stops_on_a_device_shared_by_two_vehicles(tmp_path: Path) -> None:
    """An upgraded database with one device on two vehicles is not guessed at: the upgrade
    stops naming the device and its plates, and runs once the device is unbound."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0010")
    engine = create_engine(url)
    insert = text(
        "INSERT INTO waste_vehicle (plate, owner_uscc, operating_certificate_no, "
        "dangerous_goods_classes, valid_until_on, gps_device_id, is_synthetic, created_at, "
        "updated_at) VALUES (:plate, 'A', 'c', '[]', '2030-01-01', 'GPS-9', 0, "
        "'2025-01-01 00:00:00', '2025-01-01 00:00:00')"
    )
    with engine.begin() as conn:
        conn.execute(insert, [{"plate": "浙H1"}, {"plate": "浙H2"}])
    with pytest.raises(RuntimeError, match="GPS-9: 浙H1, 浙H2"):
        migrate.upgrade(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE waste_vehicle SET gps_device_id = '' WHERE plate = '浙H2'"))
    engine.dispose()
    migrate.upgrade(url)
    migrate.check(url)


# ---- item 2: relay offer → accept ---------------------------------------------------------------


def _in_transit(cast: Cast) -> str:
    draft = services.create_draft(cast.db, cast.generator_user, DRAFT, clock=cast.clock)
    number = services.act(cast.db, cast.generator_user, f"#{draft.id}", "submit", {},
                          clock=cast.clock.advance(hours=1)).manifest.number  # fmt: skip
    assert number is not None
    services.act(cast.db, cast.carrier_user, number, "depart", {"leg": LEG},
                 clock=cast.clock.advance(hours=1))  # fmt: skip
    return number


RIVAL_LEG = LegInput("浙H67890", ("D002", "E002"), "衢州中转站", True)


def _manifest_row(db: Database, number: str) -> dict[str, Any]:
    with db.reading() as session:
        row = session.scalar(select(ManifestRow).where(ManifestRow.number == number))
        assert row is not None
        return {c.name: getattr(row, c.name) for c in ManifestRow.__table__.columns}


def test_relay_a_stranger_carrier_can_neither_read_nor_take_over(cast: Cast) -> None:
    """The issue's attack: any carrier with a vehicle taking an in-transit manifest by its
    number. Without an offer naming it, it cannot find the manifest (404): audited, nothing
    changes."""
    rival = _rival(cast)
    number = _in_transit(cast)
    before = _manifest_row(cast.db, number)
    with pytest.raises(NotFoundError):
        services.get_manifest(cast.db, rival, number)
    with pytest.raises(NotFoundError):
        services.act(cast.db, rival, number, "accept_relay", {"leg": RIVAL_LEG}, clock=cast.clock)
    assert _manifest_row(cast.db, number) == before
    refused = _refusals(cast.db, "waste_manifest.refused")
    assert [(r["entity_id"], r["action"]) for r in refused] == [(number, "accept_relay")]


def test_relay_only_the_named_carrier_accepts_and_a_withdrawn_offer_is_gone(cast: Cast) -> None:
    rival = _rival(cast)
    third = user_of(cast.db, STRANGER, "外单位")
    services.register_facility(cast.db, SYSTEM, services.FacilityInput(uscc=STRANGER))
    number = _in_transit(cast)
    with pytest.raises(PermissionDeniedError):  # the receiver may not offer the relay
        services.act(cast.db, cast.receiver_user, number, "offer_relay",
                     {"to_carrier_uscc": RIVAL}, clock=cast.clock)  # fmt: skip
    services.act(cast.db, cast.generator_user, number, "offer_relay",
                 {"to_carrier_uscc": RIVAL, "place": "衢州中转站"},
                 clock=cast.clock.advance(minutes=10))  # fmt: skip
    assert services.get_manifest(cast.db, rival, number).manifest.relay_offer is not None
    offered = _manifest_row(cast.db, number)
    assert offered["relay_to_uscc"] == RIVAL
    with pytest.raises(NotFoundError):  # another unit, not named
        services.act(cast.db, third, number, "accept_relay", {"leg": RIVAL_LEG},
                     clock=cast.clock)  # fmt: skip
    with pytest.raises(PermissionDeniedError):  # the named carrier did not offer it
        services.act(cast.db, rival, number, "withdraw_relay", {}, clock=cast.clock)
    with pytest.raises(PermissionDeniedError):  # the carrier did not offer it either
        services.act(cast.db, cast.carrier_user, number, "withdraw_relay", {}, clock=cast.clock)
    assert _manifest_row(cast.db, number) == offered
    services.act(cast.db, cast.generator_user, number, "withdraw_relay", {},
                 clock=cast.clock.advance(minutes=10))  # fmt: skip
    withdrawn = _manifest_row(cast.db, number)
    assert withdrawn["relay_to_uscc"] is None
    with pytest.raises(NotFoundError):  # the withdrawn offer: the rival no longer sees it
        services.act(cast.db, rival, number, "accept_relay", {"leg": RIVAL_LEG},
                     clock=cast.clock.advance(minutes=10))  # fmt: skip
    assert _manifest_row(cast.db, number) == withdrawn
    refused = [r["action"] for r in _refusals(cast.db, "waste_manifest.refused")]
    assert refused == [
        "offer_relay", "accept_relay", "withdraw_relay", "withdraw_relay", "accept_relay"
    ]  # fmt: skip
    assert audit.verify_chain(cast.db).first_break is None


def test_relay_the_named_carriers_vehicle_and_crew_are_checked_on_acceptance(cast: Cast) -> None:
    rival = _rival(cast)
    number = _in_transit(cast)
    services.act(cast.db, cast.carrier_user, number, "offer_relay", {"to_carrier_uscc": RIVAL},
                 clock=cast.clock.advance(minutes=10))  # fmt: skip
    before = _manifest_row(cast.db, number)
    from ecociv.waste.rules import TransferBlockedError

    borrowed = LegInput("浙H12345", ("D002", "E002"), "衢州中转站", True)  # not its vehicle
    with pytest.raises(TransferBlockedError) as caught:
        services.act(cast.db, rival, number, "accept_relay", {"leg": borrowed}, clock=cast.clock)
    assert caught.value.rule == "W09"
    assert _manifest_row(cast.db, number) == before
    view = services.act(cast.db, rival, number, "accept_relay", {"leg": RIVAL_LEG},
                        clock=cast.clock.advance(minutes=10))  # fmt: skip
    assert [leg.carrier_uscc for leg in view.manifest.legs] == [CARRIER, RIVAL]


# ---- item 4: planning data lock with the transport section --------------------------------------


def test_the_planned_route_locks_when_the_transport_section_is_signed(cast: Cast) -> None:
    draft = services.create_draft(cast.db, cast.generator_user, DRAFT, clock=cast.clock)
    number = services.act(cast.db, cast.generator_user, f"#{draft.id}", "submit", {},
                          clock=cast.clock.advance(hours=1)).manifest.number  # fmt: skip
    assert number is not None
    route = {"lon": [118.8, 118.9], "lat": [28.9, 29.0]}
    services.set_route(cast.db, cast.carrier_user, number, eta_minutes=60, **route)
    assert services.set_route(cast.db, cast.generator_user, number, eta_minutes=70, **route)
    services.act(cast.db, cast.carrier_user, number, "depart", {"leg": LEG},
                 clock=cast.clock.advance(hours=1))  # fmt: skip
    before = _manifest_row(cast.db, number)
    for who in (cast.carrier_user, cast.generator_user, SYSTEM):
        with pytest.raises(ConflictError) as caught:
            services.set_route(cast.db, who, number, eta_minutes=600, **route)
        assert caught.value.field == "route"
    assert _manifest_row(cast.db, number) == before
    assert before["route"]["eta_minutes"] == 70


def test_relay_is_offered_only_to_a_registered_unit(cast: Cast) -> None:
    from ecociv.kernel import ValidationError

    number = _in_transit(cast)
    before = _manifest_row(cast.db, number)
    unknown = "91330881MA2B9X0Y1Z"
    with pytest.raises(ValidationError) as caught:
        services.act(cast.db, cast.carrier_user, number, "offer_relay",
                     {"to_carrier_uscc": unknown}, clock=cast.clock.advance(minutes=5))  # fmt: skip
    assert caught.value.field == "to_carrier_uscc"
    assert _manifest_row(cast.db, number) == before
