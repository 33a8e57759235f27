"""A registered cast of parties for the waste services: a 柯城 generator (the demo enterprise
user's own enterprise), a 衢江 carrier with a qualified vehicle and crew, a 柯城 licensed
receiver, and a receiver outside the city (南昌, 江西) — all synthetic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from ecociv import orgs
from ecociv.adapters.db import Database
from ecociv.kernel import Actor, Role
from ecociv.kernel.clock import SHANGHAI
from ecociv.waste import (
    CrewMember,
    CrewRole,
    Licence,
    LicenceKind,
    LicenceScope,
    ManagementPlan,
    PlanLine,
    Vehicle,
    services,
)
from ecociv.waste.rules import DraftInput, LegInput, LineInput
from tests.conftest import SYSTEM

GENERATOR = "91330802MA75C10929"  # 柯城示例汽车零部件（合成）: the demo enterprise user's
CARRIER = "91330803MAGA145GBC"  # 衢江示例危险货物运输（合成）
RECEIVER = "91330802MAF1BHEH6G"  # 柯城示例环保科技（危废处置）（合成）
OUTSIDE = "91360100MA35X00045"  # a receiver in 南昌 (synthetic, not in the master record)
OIL, PACKAGING = "900-249-08", "900-041-49"
D = Decimal


class FixedClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> FixedClock:
        self.moment += timedelta(**delta)
        return self


@dataclass
class Cast:
    db: Database
    clock: FixedClock
    generator_user: Actor
    carrier_user: Actor
    receiver_user: Actor


def beijing(y: int, mo: int, d: int, h: int = 9, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)


def user_of(db: Database, uscc: str, name: str) -> Actor:
    record = orgs.get_enterprise(db, SYSTEM, uscc)
    return Actor(username=name, role=Role.ENTERPRISE_USER, enterprise_id=record.id)


LINES = (
    LineInput(OIL, "废矿物油", "液态", "铁桶", 20, D("4"), dangerous_goods_class="9"),
    LineInput(PACKAGING, "废包装桶", "固态", "吨袋", 10, D("2")),
)
DRAFT = DraftInput(receiver_uscc=RECEIVER, carrier_uscc=CARRIER, lines=LINES)
LEG = LegInput(
    vehicle_plate="浙H12345", crew=("D001", "E001"), start_place="柯城厂区", labels_match=True
)


@pytest.fixture
def cast(db: Database) -> Cast:
    return register_cast(db, FixedClock(beijing(2025, 9, 25)))


def register_cast(db: Database, clock: FixedClock) -> Cast:
    """Register the parties, licences, plan, vehicle and crew (as the test administrator)."""
    for uscc in (GENERATOR, CARRIER, RECEIVER):
        services.register_facility(db, SYSTEM, services.FacilityInput(uscc=uscc), clock)
    services.register_facility(
        db, SYSTEM,
        services.FacilityInput(uscc=OUTSIDE, name="南昌示例处置有限公司（合成）", adcode="360100",
                               longitude=115.86, latitude=28.68, is_synthetic=True),
        clock,
    )  # fmt: skip
    scopes = (
        LicenceScope(annual_scale_t_a=D(1000), categories=("HW08",)),
        LicenceScope(annual_scale_t_a=D(100), codes=(PACKAGING,)),
    )
    for holder, number in ((RECEIVER, "浙危废经第3308001号"), (OUTSIDE, "赣危废经第3601001号")):
        services.save_licence(
            db, SYSTEM,
            Licence(number, holder, LicenceKind.COMPREHENSIVE, date(2023, 1, 1),
                    date(2030, 12, 31), scopes, D(200)),
            clock,
        )  # fmt: skip
    services.save_plan(
        db, SYSTEM,
        ManagementPlan(clock.now().astimezone(SHANGHAI).year, GENERATOR, "330802-2025-0042",
                       (PlanLine(OIL, D(50), RECEIVER, "R9"),
                        PlanLine(PACKAGING, D(20), RECEIVER, "D10"),
                        PlanLine(OIL, D(10), OUTSIDE, "R9"))),
        clock,
    )  # fmt: skip
    services.save_vehicle(
        db, SYSTEM,
        Vehicle("浙H12345", CARRIER, "浙交运管衢字330800012345", ("3", "6", "9"),
                date(2030, 12, 31), "GPS-0001"),
        clock,
    )  # fmt: skip
    for member in (
        CrewMember("王驾驶", CrewRole.DRIVER, "D001", date(2030, 12, 31), CARRIER),
        CrewMember("李押运", CrewRole.ESCORT, "E001", date(2030, 12, 31), CARRIER),
    ):
        services.save_crew(db, SYSTEM, member, clock)
    return Cast(
        db, clock,
        user_of(db, GENERATOR, "产废员"), user_of(db, CARRIER, "调度员"),
        user_of(db, RECEIVER, "收货员"),
    )  # fmt: skip
