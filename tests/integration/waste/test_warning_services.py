"""Warnings through the services: raised as data arrive (a manifest saved, fixes received) and
on the schedule, one live warning per rule and subject however often the rules run, cleared
when the rule stops firing, handled through the lifecycle within the handler's county."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from ecociv.kernel import Actor, ConflictError, NotFoundError, Role
from ecociv.waste import LineDecision, services
from ecociv.waste.rules import LineReceipt, TransferBlockedError
from tests.conftest import JIANGSHAN, KECHENG, SYSTEM
from tests.integration.waste.conftest import (
    CARRIER,
    DRAFT,
    GENERATOR,
    LEG,
    OUTSIDE,
    Cast,
    beijing,
)

D = Decimal


def _delivered(cast: Cast) -> str:
    draft = services.create_draft(cast.db, cast.generator_user, DRAFT, clock=cast.clock)
    number = services.act(cast.db, cast.generator_user, f"#{draft.id}", "submit", {},
                          clock=cast.clock.advance(hours=1)).manifest.number  # fmt: skip
    assert number is not None
    services.act(cast.db, cast.carrier_user, number, "depart", {"leg": LEG},
                 clock=cast.clock.advance(hours=1))  # fmt: skip
    services.act(cast.db, cast.carrier_user, number, "deliver", {"end_place": "处置厂"},
                 clock=cast.clock.advance(hours=2))  # fmt: skip
    return number


def _rules(cast: Cast, number: str) -> list[tuple[str, str]]:
    found = services.list_warnings(cast.db, SYSTEM, services.WarningFilter(manifest_no=number))
    return sorted((w.rule, w.state.value) for w in found if w.cleared_at is None)


def test_receipt_not_confirmed_is_raised_once_by_the_schedule_and_cleared_by_the_receipt(
    cast: Cast,
) -> None:
    number = _delivered(cast)  # delivered Thursday 2025-09-25 13:00; due 5 working days later
    # working days 9-26, 9-28 (an adjusted Sunday), 9-29: the third, still in time
    on_time = services.evaluate_all(cast.db, beijing(2025, 9, 29, 12))
    assert ("W02", "open") not in _rules(cast, number) and on_time.manifests == 1
    services.evaluate_all(cast.db, beijing(2025, 9, 30, 12))  # the fourth: a pre-warning
    pre = [w for w in services.list_warnings(cast.db, SYSTEM) if w.rule == "W02"]
    assert len(pre) == 1 and pre[0].evidence["pre_warning"] is True
    late = beijing(2025, 10, 10, 12)  # after National Day: past the fifth working day
    services.evaluate_all(cast.db, late)
    services.evaluate_all(cast.db, late)  # the schedule running twice adds nothing
    w02 = [w for w in services.list_warnings(cast.db, SYSTEM) if w.rule == "W02"]
    assert len(w02) == 1 and w02[0].manifest_no == number and w02[0].county_code == KECHENG
    assert w02[0].evidence["pre_warning"] is False  # the same warning, now past the deadline
    receipts = (
        LineReceipt(1, D("4"), LineDecision.ACCEPT, "R9"),
        LineReceipt(2, D("2"), LineDecision.ACCEPT, "D10"),
    )
    cast.clock.moment = late
    services.act(cast.db, cast.receiver_user, number, "confirm_receipt", {"receipts": receipts},
                 clock=cast.clock)  # fmt: skip
    after = [w for w in services.list_warnings(cast.db, SYSTEM) if w.rule == "W02"]
    assert after[0].cleared_at is not None and after[0].state.value == "open"


def test_a_manifest_to_a_receiver_outside_the_city_warns_when_it_is_submitted(cast: Cast) -> None:
    outside = replace(DRAFT, receiver_uscc=OUTSIDE, lines=DRAFT.lines[:1])
    draft = services.create_draft(cast.db, cast.generator_user, outside, clock=cast.clock)
    assert _rules(cast, f"#{draft.id}") == []  # a draft warns nobody
    number = services.act(cast.db, cast.generator_user, f"#{draft.id}", "submit", {},
                          clock=cast.clock.advance(hours=1)).manifest.number  # fmt: skip
    assert number is not None
    assert ("W12", "open") in _rules(cast, number)


def test_a_vehicle_gone_silent_in_transit_warns_and_fixes_do_not_repeat_it(cast: Cast) -> None:
    draft = services.create_draft(cast.db, cast.generator_user, DRAFT, clock=cast.clock)
    number = services.act(cast.db, cast.generator_user, f"#{draft.id}", "submit", {},
                          clock=cast.clock.advance(hours=1)).manifest.number  # fmt: skip
    assert number is not None
    departed = services.act(cast.db, cast.carrier_user, number, "depart", {"leg": LEG},
                            clock=cast.clock.advance(hours=1)).manifest.departed_at  # fmt: skip
    assert departed is not None
    fixes = [
        services.FixInput("GPS-0001", departed.replace(minute=m), 118.81 + m * 1e-3, 28.93)
        for m in (1, 2, 3)
    ]
    services.ingest_fixes(cast.db, SYSTEM, fixes, clock=cast.clock.advance(minutes=5))
    assert ("W08", "open") not in _rules(cast, number)
    services.evaluate_all(cast.db, departed.replace(minute=40))  # 37 minutes without a fix
    assert ("W08", "open") in _rules(cast, number)
    services.evaluate_all(cast.db, departed.replace(minute=45))
    assert [r for r in _rules(cast, number) if r[0] == "W08"] == [("W08", "open")]


def test_warnings_are_handled_through_the_lifecycle_within_the_county(cast: Cast) -> None:
    number = _delivered(cast)
    services.evaluate_all(cast.db, beijing(2025, 10, 10, 12))
    warning = next(w for w in services.list_warnings(cast.db, SYSTEM) if w.rule == "W02")
    jiangshan = Actor(username="jiangshan", role=Role.COUNTY_OFFICER, county_code=JIANGSHAN)
    kecheng = Actor(username="kecheng", role=Role.COUNTY_OFFICER, county_code=KECHENG)
    assert services.list_warnings(cast.db, jiangshan) == []
    with pytest.raises(NotFoundError):
        services.handle(cast.db, jiangshan, warning.id, "acknowledge")
    done = services.handle(cast.db, kecheng, warning.id, "acknowledge", "已电话督促接受单位")
    assert done.state.value == "acknowledged" and done.handler == "kecheng"
    with pytest.raises(ConflictError):
        services.handle(cast.db, kecheng, warning.id, "acknowledge")
    closed = services.handle(cast.db, kecheng, warning.id, "resolve", "已确认接收")
    assert closed.state.value == "resolved"
    assert [h["event"] for h in closed.history] == ["raised", "acknowledge", "resolve"]
    mine = services.list_warnings(cast.db, cast.generator_user)
    assert warning.id in {w.id for w in mine}
    assert all(w.unit_uscc == GENERATOR or w.manifest_no == number for w in mine)


def test_a_refused_loading_is_kept_as_a_warning_and_changes_nothing(cast: Cast) -> None:
    """W09 blocks the loading of a vehicle whose permit has expired; the manifest stays as
    it was and the bureau sees the attempt, which no later evaluation clears."""
    from datetime import date

    from ecociv.waste import Vehicle

    draft = services.create_draft(cast.db, cast.generator_user, DRAFT, clock=cast.clock)
    number = services.act(cast.db, cast.generator_user, f"#{draft.id}", "submit", {},
                          clock=cast.clock.advance(hours=1)).manifest.number  # fmt: skip
    assert number is not None
    services.save_vehicle(
        cast.db, SYSTEM,
        Vehicle("浙H12345", CARRIER, "浙交运管衢字330800012345", ("3", "6", "9"),
                date(2025, 9, 1), "GPS-0001"),
    )  # fmt: skip
    before = services.get_manifest(cast.db, SYSTEM, number)
    with pytest.raises(TransferBlockedError) as caught:
        services.act(cast.db, cast.carrier_user, number, "depart", {"leg": LEG},
                     clock=cast.clock.advance(hours=1))  # fmt: skip
    assert caught.value.rule == "W09"
    after = services.get_manifest(cast.db, SYSTEM, number)
    assert after.manifest == before.manifest and len(after.events) == len(before.events)
    services.evaluate_all(cast.db, cast.clock.advance(minutes=5).now())
    blocked = [w for w in services.list_warnings(cast.db, SYSTEM) if w.rule == "W09"]
    assert len(blocked) == 1 and blocked[0].manifest_no == number
    assert blocked[0].cleared_at is None and blocked[0].evidence["action"] == "depart"
