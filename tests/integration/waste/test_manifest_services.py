"""Manifests through the services, on SQLite and PostgreSQL: the generator's, carrier's and
receiver's own users walk a manifest to closed and disposed; every version stays; a party
acting out of turn changes nothing; numbers are issued in order; scope by role."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ecociv.kernel import (
    Actor,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    Role,
    ValidationError,
)
from ecociv.waste import LineDecision, ManifestState, services
from ecociv.waste.rules import LineDisposal, LineReceipt
from ecociv.waste.tables import ManifestEventRow, ManifestVersionRow
from tests.conftest import JIANGSHAN, KECHENG, SYSTEM
from tests.integration.waste.conftest import (
    CARRIER,
    DRAFT,
    GENERATOR,
    LEG,
    OIL,
    RECEIVER,
    Cast,
)

S = ManifestState
D = Decimal


def _walk_to_delivered(cast: Cast) -> str:
    draft = services.create_draft(cast.db, cast.generator_user, DRAFT, clock=cast.clock)
    assert draft.manifest.state is S.DRAFT and draft.manifest.number is None
    ref = f"#{draft.id}"
    submitted = services.act(
        cast.db, cast.generator_user, ref, "submit",
        {"shipped_t": {1: D("4.00"), 2: D("2.00")}}, clock=cast.clock.advance(hours=1),
    )  # fmt: skip
    number = submitted.manifest.number
    assert number == "20253308000001"
    services.act(cast.db, cast.carrier_user, number, "depart", {"leg": LEG},
                 clock=cast.clock.advance(hours=1))  # fmt: skip
    services.act(cast.db, cast.carrier_user, number, "deliver", {"end_place": "柯城处置厂"},
                 clock=cast.clock.advance(hours=2))  # fmt: skip
    return number


def test_the_parties_walk_a_manifest_to_closed_and_disposed(cast: Cast) -> None:
    number = _walk_to_delivered(cast)
    receipts = (
        LineReceipt(1, D("3.98"), LineDecision.ACCEPT, "R9"),
        LineReceipt(2, D("2.01"), LineDecision.ACCEPT, "D10"),
    )
    view = services.act(cast.db, cast.receiver_user, number, "confirm_receipt",
                        {"receipts": receipts}, clock=cast.clock.advance(days=1))  # fmt: skip
    assert view.manifest.state is S.CLOSED  # T8 follows the full acceptance
    disposals = (
        LineDisposal(1, D("3.98"), date(2025, 10, 15)),
        LineDisposal(2, D("2.01"), date(2025, 10, 16)),
    )
    view = services.act(cast.db, cast.receiver_user, number, "report_disposal",
                        {"disposals": disposals}, clock=cast.clock.advance(days=25))  # fmt: skip
    assert view.manifest.state is S.DISPOSED
    assert [e.transition for e in view.events] == ["T1", "T2", "T4", "T6", "T7", "T8", "T9"]
    assert [e.actor_user for e in view.events][:3] == ["产废员", "产废员", "调度员"]
    assert view.manifest.lines[0].accepted_t == D("3.98")
    assert view.parties[RECEIVER].adcode == KECHENG
    with cast.db.reading() as session:
        versions = session.scalar(select(func.count()).select_from(ManifestVersionRow))
        events = session.scalar(select(func.count()).select_from(ManifestEventRow))
    assert versions == 1 and events == 7  # one version (no correction), seven events


def test_a_party_acting_out_of_turn_changes_nothing(cast: Cast) -> None:
    number = _walk_to_delivered(cast)
    before = services.get_manifest(cast.db, SYSTEM, number)
    receipts = (LineReceipt(1, D("4"), LineDecision.ACCEPT, "R9"),)
    with pytest.raises(PermissionDeniedError):  # the generator is not the receiver
        services.act(cast.db, cast.generator_user, number, "confirm_receipt",
                     {"receipts": receipts}, clock=cast.clock)  # fmt: skip
    with pytest.raises(ConflictError):  # delivered already: no second departure
        services.act(cast.db, cast.carrier_user, number, "depart", {"leg": LEG}, clock=cast.clock)
    after = services.get_manifest(cast.db, SYSTEM, number)
    assert after.manifest == before.manifest and len(after.events) == len(before.events)


def test_a_correction_is_a_new_version_and_the_old_one_stays(cast: Cast) -> None:
    number = _walk_to_delivered(cast)
    view = services.act(cast.db, cast.generator_user, number, "start_correction",
                        {"reason": "称重单位填错"}, clock=cast.clock.advance(hours=1))  # fmt: skip
    assert view.manifest.state is S.UNDER_CORRECTION and view.manifest.version == 2
    old = services.manifest_version(cast.db, SYSTEM, number, 1)
    assert old.state is S.DELIVERED and old.version == 1
    assert [v for v, _at, _s in view.versions] == [1, 2]


def test_numbers_are_issued_in_order_and_a_refused_submission_takes_none(cast: Cast) -> None:
    first = services.create_draft(cast.db, cast.generator_user, DRAFT, clock=cast.clock)
    second = services.create_draft(cast.db, cast.generator_user, DRAFT, clock=cast.clock)
    with pytest.raises(ValidationError):  # a shipped quantity that is not positive
        services.act(cast.db, cast.generator_user, f"#{first.id}", "submit",
                     {"shipped_t": {1: D("0"), 2: D("2")}}, clock=cast.clock)  # fmt: skip
    numbers = [
        services.act(
            cast.db, cast.generator_user, f"#{m.id}", "submit", {}, clock=cast.clock
        ).manifest.number
        for m in (second, first)
    ]
    assert numbers == ["20253308000001", "20253308000002"]


def test_scope_enterprise_sees_its_own_county_officer_its_county(cast: Cast) -> None:
    number = _walk_to_delivered(cast)
    kecheng = Actor(username="kecheng", role=Role.COUNTY_OFFICER, county_code=KECHENG)
    jiangshan = Actor(username="jiangshan", role=Role.COUNTY_OFFICER, county_code=JIANGSHAN)
    assert services.get_manifest(cast.db, kecheng, number).manifest.number == number
    with pytest.raises(NotFoundError):
        services.get_manifest(cast.db, jiangshan, number)
    page = services.search_manifests(cast.db, cast.carrier_user, services.ManifestFilter())
    assert [i.number for i in page.items] == [number]
    assert page.items[0].shipped_t == D("6.00") and page.items[0].codes == ("900-041-49", OIL)
    assert page.names[GENERATOR].startswith("柯城示例")
    by_code = services.search_manifests(
        cast.db, SYSTEM, services.ManifestFilter(code="900-041-49", county_code=KECHENG)
    )
    assert by_code.total == 1
    assert (
        services.search_manifests(cast.db, SYSTEM, services.ManifestFilter(in_city=False)).total
        == 0
    )


def test_an_enterprise_user_cannot_draft_for_another_unit(cast: Cast) -> None:
    with pytest.raises(PermissionDeniedError):
        services.create_draft(cast.db, cast.generator_user, DRAFT, on_behalf_of=CARRIER,
                              clock=cast.clock)  # fmt: skip
    officer = Actor(username="cityoffice", role=Role.CITY_OFFICE)
    with pytest.raises(PermissionDeniedError):
        services.create_draft(cast.db, officer, DRAFT, clock=cast.clock)


RELAY = "91330822MA7A2B9B8P"  # 常山示例危险货物运输（合成）: the second carrier of a relay


def test_a_relay_carrier_takes_over_an_offered_relay_and_then_sees_the_manifest(
    cast: Cast,
) -> None:
    """转移办法 第十七条: the next carrier is not on the manifest until the current carrier
    offers it the relay by name; it then sees the manifest, accepts with its vehicle and crew,
    and afterwards both carriers see the manifest. A unit not named cannot find it."""
    from ecociv.waste import CrewMember, CrewRole, Vehicle
    from ecociv.waste.rules import LegInput
    from tests.integration.waste.conftest import user_of

    services.register_facility(cast.db, SYSTEM, services.FacilityInput(uscc=RELAY), cast.clock)
    truck = Vehicle("浙H67890", RELAY, "浙交运管衢字330800067890", ("9",), date(2030, 12, 31))
    services.save_vehicle(cast.db, SYSTEM, truck)
    for member in (
        CrewMember("赵驾驶", CrewRole.DRIVER, "D002", date(2030, 12, 31), RELAY),
        CrewMember("钱押运", CrewRole.ESCORT, "E002", date(2030, 12, 31), RELAY),
    ):
        services.save_crew(cast.db, SYSTEM, member)
    relay = user_of(cast.db, RELAY, "二程调度")
    draft = services.create_draft(cast.db, cast.generator_user, DRAFT, clock=cast.clock)
    number = services.act(cast.db, cast.generator_user, f"#{draft.id}", "submit", {},
                          clock=cast.clock.advance(hours=1)).manifest.number  # fmt: skip
    assert number is not None
    services.act(cast.db, cast.carrier_user, number, "depart", {"leg": LEG},
                 clock=cast.clock.advance(hours=1))  # fmt: skip
    assert services.search_manifests(cast.db, relay, services.ManifestFilter()).total == 0
    leg = LegInput("浙H67890", ("D002", "E002"), "衢州中转站", True)
    with pytest.raises(NotFoundError):  # no offer yet: the manifest is not the relay's to see
        services.act(cast.db, relay, number, "accept_relay", {"leg": leg}, clock=cast.clock)
    offered = services.act(cast.db, cast.carrier_user, number, "offer_relay",
                           {"to_carrier_uscc": RELAY, "place": "衢州中转站"},
                           clock=cast.clock.advance(minutes=30))  # fmt: skip
    assert offered.manifest.relay_offer is not None
    assert services.relay_offers(cast.db, relay)[0].manifest.number == number
    assert services.get_manifest(cast.db, relay, number).actions == ["accept_relay"]
    view = services.act(cast.db, relay, number, "accept_relay", {"leg": leg},
                        clock=cast.clock.advance(minutes=30))  # fmt: skip
    assert [x.carrier_uscc for x in view.manifest.legs] == [CARRIER, RELAY]
    assert view.manifest.relay_offer is None and services.relay_offers(cast.db, relay) == []
    assert services.search_manifests(cast.db, relay, services.ManifestFilter()).total == 1
    assert (
        services.search_manifests(cast.db, cast.carrier_user, services.ManifestFilter()).total == 1
    )
    done = services.act(cast.db, relay, number, "deliver", {"end_place": "处置厂"},
                        clock=cast.clock.advance(hours=1))  # fmt: skip
    assert done.manifest.state is S.DELIVERED
