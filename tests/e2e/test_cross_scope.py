"""Every route that takes an object — by id, number, natural key or an upsert body — refuses a
user of another county, department, enterprise or party, and the refused request changes
nothing: every domain table is compared before and after.

Beside the route × role table of ``test_route_permissions.py``: that one asks whether a role
may use a route at all, this one whether a user who may use it can reach another tenant's
object through it. The cases are a table: a later domain adds its objects to ``_world`` and its
rows to ``CASES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ecociv import indicators, users
from ecociv.adapters.db import Base, Database
from ecociv.kernel import Role
from ecociv.migrations import metadata_tables  # noqa: F401  (every table in the metadata)
from ecociv.sources.demo import load_sources_demo
from ecociv.sources.services.registry import list_outlets
from ecociv.sources.tables import DeviceRow, OutletRow
from ecociv.waste import CrewMember, CrewRole, Vehicle, services
from ecociv.waste.rules import LegInput, TransferBlockedError
from ecociv.waste.tables import WasteWarningRow
from tests.conftest import DEMO_PASSWORD, JIANGSHAN, KECHENG, SYSTEM, demo_enterprise, sign_in
from tests.integration.waste.conftest import (
    CARRIER,
    DRAFT,
    GENERATOR,
    LEG,
    RECEIVER,
    FixedClock,
    beijing,
    register_cast,
)

RIVAL = "91330822MA7A2B9B8P"  # 常山示例危险货物运输（合成）: another carrier
STRANGER = "91330803MA717C7843"  # 衢江示例汽车零部件（合成）: party to no manifest
#: Tables that a sign-in or the audit of a refusal may change; every other table must not.
NOT_DOMAIN = ("audit_log", "user_", "api_token", "session")

ROUTE = {"lon": [118.8, 118.9], "lat": [28.9, 29.0], "eta_minutes": 60}
RIVAL_LEG = {"vehicle_plate": "浙H67890", "crew": ["D002", "E002"], "start_place": "中转站",
             "labels_match": True}  # fmt: skip


@dataclass(frozen=True)
class Case:
    """One attempt: who (a demo or test account), the request (``{name}`` placeholders are
    filled from the world), and the refusals accepted (403, 404 …, or 409/422 where the
    request names another tenant's key in its body)."""

    id: str
    user: str
    method: str
    path: str
    refused: tuple[int, ...]
    body: dict[str, Any] | None = None
    form: dict[str, str] | None = None


CASES: tuple[Case, ...] = (
    # ---- orgs: enterprises (county scope; enterprise users their own) -----------------------
    Case(
        "enterprise-update-other-county",
        "kecheng",
        "PATCH",
        "/api/v1/enterprises/{js_firm}",
        (403,),
        body={"name": "改名（越权）"},
    ),  # fmt: skip
    Case(
        "enterprise-move-into-other-county",
        "kecheng",
        "PATCH",
        "/api/v1/enterprises/{kc_firm}",
        (403,),
        body={"county_code": JIANGSHAN},
    ),  # fmt: skip
    Case(
        "enterprise-page-update-other-county",
        "kecheng",
        "POST",
        "/enterprises/{js_firm}",
        (403,),
        form={"county_code": JIANGSHAN, "name": "改名（越权）"},
    ),  # fmt: skip
    Case(
        "enterprise-create-in-other-county",
        "kecheng",
        "POST",
        "/api/v1/enterprises",
        (403,),
        body={"uscc": "91330881MA2B9X0Y1Z", "name": "越权新建", "county_code": JIANGSHAN},
    ),  # fmt: skip
    Case(
        "enterprise-read-another", "enterprise", "GET", "/api/v1/enterprises/{kc_other}", (403, 404)
    ),  # fmt: skip
    # ---- indicators: reports (a county or department its own) -------------------------------
    Case(
        "report-values-other-county",
        "jiangshan",
        "PUT",
        "/api/v1/reports/{kc_report}/values",
        (403,),
        body={"values": {}, "comments": {}},
    ),  # fmt: skip
    Case(
        "report-action-other-county",
        "jiangshan",
        "POST",
        "/api/v1/reports/{kc_report}/actions",
        (403,),
        body={"action": "submit"},
    ),  # fmt: skip
    Case("report-read-other-county", "jiangshan", "GET", "/api/v1/reports/{kc_report}", (403,)),
    Case(
        "report-values-department-on-county",
        "eco_bureau",
        "PUT",
        "/api/v1/reports/{kc_report}/values",
        (403,),
        body={"values": {}},
    ),  # fmt: skip
    Case(
        "report-values-county-on-department",
        "kecheng",
        "PUT",
        "/api/v1/reports/{dept_report}/values",
        (403,),
        body={"values": {}},
    ),  # fmt: skip
    # ---- monitoring: sites (the city registers them) ----------------------------------------
    Case(
        "monitoring-site-import-county",
        "kecheng",
        "POST",
        "/api/v1/monitoring/sites/import",
        (403,),
        body={},
    ),  # fmt: skip
    # ---- sources: outlets and devices (an enterprise its own, a county its county) -----------
    Case(
        "outlet-read-another-enterprise",
        "enterprise",
        "GET",
        "/api/v1/sources/outlets/{other_outlet}",
        (403, 404),
    ),  # fmt: skip
    Case(
        "outlet-live-another-enterprise",
        "enterprise",
        "GET",
        "/api/v1/sources/outlets/{other_outlet}/live",
        (403, 404),
    ),  # fmt: skip
    Case(
        "device-read-another-enterprise",
        "enterprise",
        "GET",
        "/api/v1/sources/devices/{other_device}",
        (403, 404),
    ),  # fmt: skip
    Case(
        "outlet-read-other-county",
        "jiangshan",
        "GET",
        "/api/v1/sources/outlets/{own_outlet}",
        (403, 404),
    ),  # fmt: skip
    Case(
        "sources-registry-import-county",
        "kecheng",
        "POST",
        "/api/v1/sources/import",
        (403,),
        body={},
    ),  # fmt: skip
    # ---- waste: the registry (issue 11 item 1, 3) --------------------------------------------
    Case(
        "crew-overwrite-another-carriers-driver",
        "rival",
        "POST",
        "/api/v1/waste/crew",
        (403,),
        body={
            "name": "冒名",
            "role": "driver",
            "qualification_no": "D001",
            "valid_until_on": "2031-01-01",
            "employer_uscc": RIVAL,
        },
    ),  # fmt: skip
    Case(
        "crew-write-for-another-carrier",
        "rival",
        "POST",
        "/api/v1/waste/crew",
        (403,),
        body={
            "name": "冒名",
            "role": "driver",
            "qualification_no": "D001",
            "valid_until_on": "2031-01-01",
            "employer_uscc": CARRIER,
        },
    ),  # fmt: skip
    Case(
        "vehicle-overwrite-another-carriers-plate",
        "rival",
        "POST",
        "/api/v1/waste/vehicles",
        (403,),
        body={
            "plate": "浙H12345",
            "owner_uscc": RIVAL,
            "operating_certificate_no": "x",
            "dangerous_goods_classes": ["9"],
            "valid_until_on": "2031-01-01",
        },
    ),  # fmt: skip
    Case(
        "vehicle-bind-another-carriers-gps",
        "rival",
        "POST",
        "/api/v1/waste/vehicles",
        (409,),
        body={
            "plate": "浙H67890",
            "owner_uscc": RIVAL,
            "operating_certificate_no": "浙交运管衢字330800067890",
            "dangerous_goods_classes": ["9"],
            "valid_until_on": "2030-12-31",
            "gps_device_id": "GPS-0001",
        },
    ),  # fmt: skip
    Case(
        "fixes-of-another-carriers-device",
        "rival",
        "POST",
        "/api/v1/waste/fixes",
        (422,),
        body={
            "fixes": [
                {
                    "gps_device_id": "GPS-0001",
                    "observed_at": "2025-09-25T09:00:00+08:00",
                    "longitude": 118.8,
                    "latitude": 28.9,
                }
            ]
        },
    ),  # fmt: skip
    Case(
        "vehicle-variant-of-another-carriers-plate",
        "rival",
        "POST",
        "/api/v1/waste/vehicles",
        (403,),
        body={
            "plate": " 浙h 12345",
            "owner_uscc": RIVAL,
            "operating_certificate_no": "x",
            "dangerous_goods_classes": ["9"],
            "valid_until_on": "2031-01-01",
        },
    ),  # fmt: skip
    Case(
        "crew-variant-of-another-carriers-driver",
        "rival",
        "POST",
        "/api/v1/waste/crew",
        (403,),
        body={
            "name": "冒名",
            "role": "driver",
            "qualification_no": "Ｄ001",
            "valid_until_on": "2031-01-01",
            "employer_uscc": RIVAL,
        },
    ),  # fmt: skip
    Case(
        "vehicle-bind-variant-of-another-carriers-gps",
        "rival",
        "POST",
        "/api/v1/waste/vehicles",
        (409,),
        body={
            "plate": "浙H67890",
            "owner_uscc": RIVAL,
            "operating_certificate_no": "浙交运管衢字330800067890",
            "dangerous_goods_classes": ["9"],
            "valid_until_on": "2030-12-31",
            "gps_device_id": " gps-0001",
        },
    ),  # fmt: skip
    Case(
        "fixes-pre-posted-in-the-future",
        "carrier",
        "POST",
        "/api/v1/waste/fixes",
        (422,),
        body={
            "fixes": [
                {
                    "gps_device_id": "GPS-0001",
                    "observed_at": "2099-01-01T09:00:00+08:00",
                    "longitude": 118.8,
                    "latitude": 28.9,
                }
            ]
        },
    ),  # fmt: skip
    Case(
        "plan-with-another-units-filing-number",
        "stranger",
        "POST",
        "/api/v1/waste/plans",
        (409,),
        body={
            "year": 2025,
            "consignor_uscc": STRANGER,
            "filing_no": "330802-2025-0042",
            "lines": [],
        },
    ),  # fmt: skip
    Case(
        "licence-by-an-enterprise",
        "rival",
        "POST",
        "/api/v1/waste/licences",
        (403,),
        body={
            "number": "浙危废经第3308001号",
            "holder_uscc": RIVAL,
            "kind": "comprehensive",
            "valid_from_on": "2025-01-01",
            "valid_until_on": "2030-01-01",
            "scopes": [],
        },
    ),  # fmt: skip
    Case(
        "facility-by-an-enterprise",
        "rival",
        "POST",
        "/api/v1/waste/facilities",
        (403,),
        body={"uscc": GENERATOR, "name": "改名"},
    ),  # fmt: skip
    Case(
        "plan-for-another-unit",
        "rival",
        "POST",
        "/api/v1/waste/plans",
        (403,),
        body={"year": 2025, "consignor_uscc": GENERATOR, "filing_no": "x", "lines": []},
    ),  # fmt: skip
    Case(
        "ledger-write-for-another-unit",
        "rival",
        "POST",
        "/api/v1/waste/ledger",
        (422,),
        body={
            "entries": [
                {
                    "unit_uscc": GENERATOR,
                    "stage": "generate",
                    "batch_no": "B-1",
                    "code": "900-249-08",
                    "quantity_t": "1",
                    "occurred_at": "2025-09-25T09:00:00+08:00",
                }
            ]
        },
    ),  # fmt: skip
    Case(
        "ledger-read-another-unit", "rival", "GET", "/api/v1/waste/ledger/{generator}", (403, 404)
    ),  # fmt: skip
    # ---- waste: manifests (item 2: relay offer → accept; item 4: planning locks) -------------
    Case(
        "manifest-read-by-a-stranger-carrier",
        "rival",
        "GET",
        "/api/v1/waste/manifests/{moving}",
        (404,),
    ),  # fmt: skip
    Case(
        "manifest-page-by-a-stranger-carrier", "rival", "GET", "/waste/manifests/{moving}", (404,)
    ),  # fmt: skip
    Case(
        "manifest-track-by-a-stranger-carrier",
        "rival",
        "GET",
        "/api/v1/waste/manifests/{moving}/track",
        (404,),
    ),  # fmt: skip
    Case(
        "manifest-version-by-a-stranger-carrier",
        "rival",
        "GET",
        "/api/v1/waste/manifests/{moving}/versions/1",
        (404,),
    ),  # fmt: skip
    Case(
        "manifest-read-other-county", "jiangshan", "GET", "/api/v1/waste/manifests/{moving}", (404,)
    ),  # fmt: skip
    Case(
        "relay-take-without-offer",
        "rival",
        "POST",
        "/api/v1/waste/manifests/{moving}/relay/accept",
        (404,),
        body={"leg": RIVAL_LEG},
    ),  # fmt: skip
    Case(
        "relay-take-via-the-action-route",
        "rival",
        "POST",
        "/api/v1/waste/manifests/{moving}/actions/accept_relay",
        (404,),
        body={"leg": RIVAL_LEG},
    ),  # fmt: skip
    Case(
        "relay-take-offer-to-another",
        "stranger",
        "POST",
        "/api/v1/waste/manifests/{offered}/relay/accept",
        (404,),
        body={"leg": RIVAL_LEG},
    ),  # fmt: skip
    Case(
        "relay-withdraw-by-the-named-carrier",
        "rival",
        "POST",
        "/api/v1/waste/manifests/{offered}/relay/withdraw",
        (403,),
        body={},
    ),  # fmt: skip
    Case(
        "relay-offer-by-the-receiver",
        "receiver",
        "POST",
        "/api/v1/waste/manifests/{moving}/relay/offer",
        (403,),
        body={"to_carrier_uscc": RIVAL},
    ),  # fmt: skip
    Case(
        "relay-offer-by-a-stranger",
        "rival",
        "POST",
        "/api/v1/waste/manifests/{moving}/relay/offer",
        (404,),
        body={"to_carrier_uscc": RIVAL},
    ),  # fmt: skip
    Case(
        "relay-offer-to-a-unit-that-is-no-carrier",
        "carrier",
        "POST",
        "/api/v1/waste/manifests/{moving}/relay/offer",
        (422,),
        body={"to_carrier_uscc": STRANGER},
    ),  # fmt: skip
    Case(
        "relay-take-withdrawn-offer",
        "rival",
        "POST",
        "/api/v1/waste/manifests/{withdrawn}/relay/accept",
        (404,),
        body={"leg": RIVAL_LEG},
    ),  # fmt: skip
    Case(
        "manifest-step-by-a-stranger",
        "rival",
        "POST",
        "/api/v1/waste/manifests/{moving}/actions/deliver",
        (404,),
        body={"end_place": "别处"},
    ),  # fmt: skip
    Case(
        "manifest-page-step-by-a-stranger",
        "rival",
        "POST",
        "/waste/manifests/{moving}/actions/deliver",
        (404,),
        form={"end_place": "别处"},
    ),  # fmt: skip
    Case(
        "route-by-a-stranger",
        "rival",
        "PUT",
        "/api/v1/waste/manifests/{submitted}/route",
        (404,),
        body=ROUTE,
    ),  # fmt: skip
    Case(
        "route-after-departure-by-its-carrier",
        "carrier",
        "PUT",
        "/api/v1/waste/manifests/{moving}/route",
        (409,),
        body=ROUTE,
    ),  # fmt: skip
    Case(
        "route-after-departure-by-the-bureau",
        "cityoffice",
        "PUT",
        "/api/v1/waste/manifests/{moving}/route",
        (409,),
        body=ROUTE,
    ),  # fmt: skip
    # ---- waste: warnings (a county officer its county) ---------------------------------------
    Case(
        "waste-warning-other-county",
        "jiangshan",
        "POST",
        "/api/v1/waste/warnings/{kc_warning}/actions",
        (403, 404),
        body={"action": "acknowledge", "notes": "越权"},
    ),  # fmt: skip
)


def _domain_tables() -> list[Any]:
    return [
        t for name, t in sorted(Base.metadata.tables.items()) if not name.startswith(NOT_DOMAIN)
    ]


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every domain table, in key order."""
    with db.reading() as session:
        return {
            t.name: [tuple(r) for r in session.execute(select(t).order_by(*t.primary_key))]
            for t in _domain_tables()
        }


def _add_user(db: Database, username: str, uscc: str) -> None:
    users.create_user(db, SYSTEM, username=username, password=DEMO_PASSWORD,
                      role=Role.ENTERPRISE_USER, enterprise_uscc=uscc)  # fmt: skip


def _world(db: Database) -> dict[str, str]:
    """Two tenants of every kind, with objects of each: enterprises and reports of 柯城 and
    江山 and a department, outlets and devices of two enterprises, and in hazardous waste the
    demo generator's manifests carried by one carrier, a rival carrier and a unit that is no
    party, with manifests submitted, in transit, offered to the rival and withdrawn."""
    clock = FixedClock(beijing(2025, 9, 25))
    cast = register_cast(db, clock)
    load_sources_demo(db, SYSTEM)
    services.register_facility(db, SYSTEM, services.FacilityInput(uscc=RIVAL))
    services.register_facility(db, SYSTEM, services.FacilityInput(uscc=STRANGER))
    services.save_vehicle(db, SYSTEM, Vehicle("浙H67890", RIVAL, "浙交运管衢字330800067890",
                                              ("9",), date(2030, 12, 31)))  # fmt: skip
    for member in (
        CrewMember("赵驾驶", CrewRole.DRIVER, "D002", date(2030, 12, 31), RIVAL),
        CrewMember("钱押运", CrewRole.ESCORT, "E002", date(2030, 12, 31), RIVAL),
    ):
        services.save_crew(db, SYSTEM, member)
    for username, uscc in (
        ("carrier", CARRIER), ("rival", RIVAL), ("stranger", STRANGER), ("receiver", RECEIVER)
    ):  # fmt: skip
        _add_user(db, username, uscc)

    def submitted() -> str:
        draft = services.create_draft(db, cast.generator_user, DRAFT, clock=clock)
        number = services.act(db, cast.generator_user, f"#{draft.id}", "submit", {},
                              clock=clock.advance(minutes=10)).manifest.number  # fmt: skip
        assert number is not None
        return number

    def moving() -> str:
        number = submitted()
        services.set_route(db, cast.carrier_user, number, **ROUTE)
        services.act(db, cast.carrier_user, number, "depart", {"leg": LEG},
                     clock=clock.advance(minutes=10))  # fmt: skip
        return number

    offered, withdrawn = moving(), moving()
    for number in (offered, withdrawn):
        services.act(db, cast.carrier_user, number, "offer_relay", {"to_carrier_uscc": RIVAL},
                     clock=clock.advance(minutes=10))  # fmt: skip
    services.act(db, cast.carrier_user, withdrawn, "withdraw_relay", {},
                 clock=clock.advance(minutes=10))  # fmt: skip
    blocked = submitted()  # W09: a crew without an escort is refused and kept as a warning
    alone = LegInput("浙H12345", ("D001",), "柯城厂区", True)
    with pytest.raises(TransferBlockedError):
        services.act(db, cast.carrier_user, blocked, "depart", {"leg": alone}, clock=clock)
    with db.reading() as session:
        warning = session.scalar(
            select(WasteWarningRow.id).where(WasteWarningRow.county_code == KECHENG)
        )
    assert warning is not None
    reports = indicators.list_reports(db, SYSTEM, 2023)
    devices = _devices(db)
    owners = {o.code: o.enterprise_uscc for o in list_outlets(db, SYSTEM)}
    own = next(c for c in devices if owners[c] == GENERATOR)
    other = next(c for c in devices if owners[c] != GENERATOR)
    return {
        "js_firm": demo_enterprise(JIANGSHAN),
        "kc_firm": demo_enterprise(KECHENG),
        "kc_other": demo_enterprise(KECHENG, 1),
        "kc_report": str(next(r.id for r in reports if r.ref.org_unit_code == KECHENG)),
        "dept_report": str(next(r.id for r in reports if r.ref.department_code)),
        "own_outlet": own,
        "other_outlet": other,
        "other_device": devices[other],
        "generator": GENERATOR,
        "submitted": submitted(),
        "moving": moving(),
        "offered": offered,
        "withdrawn": withdrawn,
        "kc_warning": str(warning),
    }


def _devices(db: Database) -> dict[str, str]:
    """A device of each outlet that has one: outlet code → MN."""
    with db.reading() as session:
        rows = session.execute(
            select(OutletRow.code, DeviceRow.mn)
            .join(DeviceRow, DeviceRow.outlet_id == OutletRow.id)
            .order_by(DeviceRow.mn)
        ).all()
    return {str(code): str(mn) for code, mn in reversed(rows)}


def _send(client: TestClient, case: Case, world: dict[str, str], csrf: str) -> Any:
    path = case.path.format(**world)
    if case.form is not None:
        return client.post(path, data={"csrf_token": csrf, **case.form}, follow_redirects=False)
    headers = {"X-CSRF-Token": csrf}
    return client.request(case.method, path, json=case.body, headers=headers,
                          follow_redirects=False)  # fmt: skip


def test_no_user_reaches_another_tenants_object_and_a_refusal_changes_nothing(
    client: TestClient,
) -> None:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    world = _world(db)
    wrong: list[str] = []
    for case in CASES:
        client.cookies.clear()
        csrf = sign_in(client, case.user)
        before = snapshot(db)
        response = _send(client, case, world, csrf)
        after = snapshot(db)
        if response.status_code not in case.refused:
            wrong.append(f"{case.id}: {response.status_code} {response.text[:200]}")
        changed = [t for t in before if before[t] != after[t]]
        if changed:
            wrong.append(f"{case.id}: changed {changed}")
    assert wrong == []


def test_the_cases_name_every_kind_of_object() -> None:
    """The table covers each domain with scoped objects (a new domain adds its rows)."""
    prefixes = {c.path.split("/")[3] if c.path.startswith("/api/") else c.path.split("/")[1]
                for c in CASES}  # fmt: skip
    assert {"enterprises", "reports", "monitoring", "sources", "waste"} <= prefixes
    assert len({c.id for c in CASES}) == len(CASES)
