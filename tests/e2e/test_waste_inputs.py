"""Out-of-range and malformed values on the waste API are a 422 naming the field and store
nothing (docs/inputs.md): positions outside China's box, tonnages beyond 1,000,000 t or not
finite, codes not in the catalogue, over-long or NUL-holding texts, blank numbers, an expected
travel time beyond seven days. Each bound is tried at, just below and just above."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ecociv import users
from ecociv.kernel import utc_now
from ecociv.waste import services
from tests.conftest import SYSTEM
from tests.integration.waste.conftest import (
    DRAFT,
    GENERATOR,
    OIL,
    OUTSIDE,
    RECEIVER,
    FixedClock,
    register_cast,
)


def _token(client: TestClient, username: str) -> dict[str, str]:
    db = client.app.state.db  # type: ignore[attr-defined]
    issued = users.create_token(db, SYSTEM, username=username, name=f"test {username}")
    return {"Authorization": f"Bearer {issued.secret}"}


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    register_cast(client.app.state.db, FixedClock(utc_now() - timedelta(days=1)))  # type: ignore[attr-defined]
    return _token(client, "admin")


def _facility(lon: Any, lat: Any) -> dict[str, Any]:
    return {"uscc": OUTSIDE, "name": "南昌示例", "adcode": "360100", "longitude": lon,
            "latitude": lat}  # fmt: skip


@pytest.mark.parametrize(
    ("lon", "lat", "field"),
    [
        (1e308, 28.68, "longitude"),
        (1.18e19, 28.68, "longitude"),
        (-1.18e19, 28.68, "longitude"),
        (136.0001, 28.68, "longitude"),
        (115.86, 54.0001, "latitude"),
        (115.86, 1e308, "latitude"),
        (181, 28.68, "longitude"),
        (115.86, -91, "latitude"),
    ],
)
def test_a_facility_position_outside_china_is_refused_naming_the_field(
    client: TestClient, admin: dict[str, str], lon: float, lat: float, field: str
) -> None:
    before = client.get("/api/v1/waste/map", headers=admin).json()
    answer = client.post("/api/v1/waste/facilities", json=_facility(lon, lat), headers=admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field
    assert client.get("/api/v1/waste/map", headers=admin).json() == before


def test_a_facility_position_at_the_box_edges_is_stored(
    client: TestClient, admin: dict[str, str]
) -> None:
    for lon, lat in ((136.0, 54.0), (73.0, 3.0), (135.9999, 53.9999)):
        answer = client.post("/api/v1/waste/facilities", json=_facility(lon, lat), headers=admin)
        assert answer.status_code == 200, answer.text
        assert (answer.json()["longitude"], answer.json()["latitude"]) == (lon, lat)


def _plan(**line: Any) -> dict[str, Any]:
    year = utc_now().year
    return {"year": year, "consignor_uscc": GENERATOR, "filing_no": "330802-2025-0042",
            "lines": [{"code": OIL, "planned_t": "4", "receiver_uscc": RECEIVER,
                       "method_code": "R9", **line}]}  # fmt: skip


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"planned_t": 1e308}, "lines[1].planned_t"),
        ({"planned_t": "1000000.001"}, "lines[1].planned_t"),
        ({"code": "9" * 100_000}, "lines[1].code"),
        ({"code": "a\u0000b"}, "lines[1].code"),
        ({"method_code": "R\u00009"}, "lines[1].method_code"),
    ],
)
def test_a_plan_line_out_of_range_is_a_422_naming_the_field(
    client: TestClient, admin: dict[str, str], line: dict[str, Any], field: str
) -> None:
    answer = client.post("/api/v1/waste/plans", json=_plan(**line), headers=admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


def test_a_plan_line_at_the_tonnage_bound_is_stored(
    client: TestClient, admin: dict[str, str]
) -> None:
    for t in ("999999.999", "1000000"):
        answer = client.post("/api/v1/waste/plans", json=_plan(planned_t=t), headers=admin)
        assert answer.status_code == 200, answer.text


def _approval(number: str, t: Any) -> dict[str, Any]:
    return {"number": number, "consignor_uscc": GENERATOR, "receiver_uscc": OUTSIDE,
            "valid_from_on": "2025-01-01", "valid_until_on": "2025-12-31",
            "approved_t": {OIL: t}}  # fmt: skip


@pytest.mark.parametrize(
    ("number", "t", "field"),
    [
        ("赣批 2025-01", 1e308, f"approved_t.{OIL}"),
        ("赣批 2025-01", "1000000.001", f"approved_t.{OIL}"),
        ("", "10", "number"),
        (" ", "10", "number"),
        ("赣批\u00002025", "10", "number"),
    ],
)
def test_an_approval_out_of_range_or_without_number_is_refused(
    client: TestClient, admin: dict[str, str], number: str, t: Any, field: str
) -> None:
    answer = client.post("/api/v1/waste/approvals", json=_approval(number, t), headers=admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


def test_an_approval_at_the_bound_is_stored_under_its_normalised_number(
    client: TestClient, admin: dict[str, str]
) -> None:
    answer = client.post(
        "/api/v1/waste/approvals", json=_approval(" 赣批 2025-01", "1000000"), headers=admin
    )
    assert answer.status_code == 200, answer.text
    again = client.post(
        "/api/v1/waste/approvals", json=_approval("赣批2025-01", "1000000"), headers=admin
    )
    assert again.json() == {"changed": False}  # the same approval, not a second one


@pytest.mark.parametrize(
    ("eta", "status"),
    [(0, 422), (1, 200), (10_079, 200), (10_080, 200), (10_081, 422), (2_147_483_648, 422)],
)
def test_a_routes_expected_travel_time_is_one_minute_to_seven_days(
    client: TestClient, admin: dict[str, str], eta: int, status: int
) -> None:
    db = client.app.state.db  # type: ignore[attr-defined]
    generator = _token(client, "enterprise")
    made = client.post("/api/v1/waste/manifests", json={"draft": {
        "receiver_uscc": DRAFT.receiver_uscc, "carrier_uscc": DRAFT.carrier_uscc,
        "lines": [{"code": OIL, "name": "废矿物油", "form": "液态", "packaging": "铁桶",
                   "package_count": 20, "planned_t": "4", "dangerous_goods_class": "9"}]}},
        headers=generator)  # fmt: skip
    assert made.status_code == 201, made.text
    submitted = client.post(f"/api/v1/waste/manifests/{made.json()['id']}/actions/submit",
                            json={}, headers=generator)  # fmt: skip
    number = submitted.json()["manifest"]["number"]
    route = {"lon": [118.8, 118.9], "lat": [28.9, 29.0], "eta_minutes": eta}
    answer = client.put(f"/api/v1/waste/manifests/{number}/route", json=route, headers=admin)
    assert answer.status_code == status, answer.text
    if status == 422:
        assert answer.json()["field"] == "eta_minutes"
        assert services.get_manifest(db, SYSTEM, number).route is None


def test_a_nul_inside_a_leg_is_a_422_naming_the_field(
    client: TestClient, admin: dict[str, str]
) -> None:
    leg = {"vehicle_plate": "浙H12345", "crew": ["D001", "E001"], "start_place": "厂\u0000区",
           "labels_match": True}  # fmt: skip
    answer = client.post("/api/v1/waste/manifests/20253308000001/actions/depart",
                         json={"leg": leg}, headers=admin)  # fmt: skip
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "leg"
    assert "start_place" in answer.json()["errors"][0]["message"]


def test_a_carriers_crew_without_employer_is_registered_as_its_own(client: TestClient) -> None:
    db = client.app.state.db  # type: ignore[attr-defined]
    register_cast(db, FixedClock(utc_now() - timedelta(days=1)))
    from ecociv.kernel import Role
    from tests.conftest import DEMO_PASSWORD
    from tests.integration.waste.conftest import CARRIER

    users.create_user(db, SYSTEM, username="carrier", password=DEMO_PASSWORD,
                      role=Role.ENTERPRISE_USER, enterprise_uscc=CARRIER)  # fmt: skip
    member = {"name": "周驾驶", "role": "driver", "qualification_no": "d009",
              "valid_until_on": "2030-12-31"}  # fmt: skip
    answer = client.post("/api/v1/waste/crew", json=member, headers=_token(client, "carrier"))
    assert answer.status_code == 200, answer.text
