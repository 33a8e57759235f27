"""The waste API as enterprise systems use it: a generator drafts and submits over JSON, an
administrator's token acts for the carrier, GPS fixes arrive in bulk (all or nothing, each
once), the track and the map read them back; refusals change nothing; the public sees
nothing."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from ecociv import users
from ecociv.kernel import utc_now
from ecociv.kernel.clock import SHANGHAI
from tests.conftest import SYSTEM, sign_in
from tests.integration.waste.conftest import (
    CARRIER,
    GENERATOR,
    OIL,
    PACKAGING,
    RECEIVER,
    FixedClock,
    register_cast,
)


def _token(client: TestClient, username: str) -> dict[str, str]:
    db = client.app.state.db  # type: ignore[attr-defined]
    issued = users.create_token(db, SYSTEM, username=username, name=f"test {username}")
    return {"Authorization": f"Bearer {issued.secret}"}


DRAFT = {
    "draft": {
        "receiver_uscc": RECEIVER,
        "carrier_uscc": CARRIER,
        "lines": [
            {"code": OIL, "name": "废矿物油", "form": "液态", "packaging": "铁桶",
             "package_count": 20, "planned_t": "4", "dangerous_goods_class": "9"},
            {"code": PACKAGING, "name": "废包装桶", "form": "固态", "packaging": "吨袋",
             "package_count": 10, "planned_t": "2"},
        ],
    }
}  # fmt: skip


def test_a_generator_system_and_an_administrator_token_drive_a_transfer(
    client: TestClient,
) -> None:
    db = client.app.state.db  # type: ignore[attr-defined]
    register_cast(db, FixedClock(utc_now() - timedelta(days=1)))
    generator = _token(client, "enterprise")  # the demo enterprise user: the generator's
    admin = _token(client, "admin")

    made = client.post("/api/v1/waste/manifests", json=DRAFT, headers=generator)
    assert made.status_code == 201, made.text
    assert made.json()["reference"].startswith("#")  # a draft has no number yet
    assert made.json()["manifest"]["state"] == "draft"
    ref = made.json()["id"]  # a draft is addressed by its id until it is submitted
    bad = client.post(f"/api/v1/waste/manifests/{ref}/actions/submit",
                      json={"shipped_t": {"1": "-1", "2": "2"}}, headers=generator)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["field"] == "lines[1].shipped_t"
    submitted = client.post(
        f"/api/v1/waste/manifests/{ref}/actions/submit",
        json={"shipped_t": {"1": "4.02", "2": "2"}},
        headers=generator,
    )
    assert submitted.status_code == 200, submitted.text
    number = submitted.json()["reference"]
    assert len(number) == 14 and submitted.json()["manifest"]["lines"][0]["shipped_t"] == "4.02"

    leg = {"vehicle_plate": "浙H12345", "crew": ["D001", "E001"], "start_place": "柯城厂区",
           "labels_match": True}  # fmt: skip
    out_of_turn = client.post(f"/api/v1/waste/manifests/{number}/actions/depart",
                              json={"leg": leg}, headers=generator)  # fmt: skip
    assert out_of_turn.status_code == 403  # the generator is not the carrier
    as_carrier = {"end_place": "x", "on_behalf_of": CARRIER}
    early = client.post(
        f"/api/v1/waste/manifests/{number}/actions/deliver", json=as_carrier, headers=admin
    )
    assert early.status_code == 409  # not in transit yet
    route = client.put(
        f"/api/v1/waste/manifests/{number}/route",
        json={"lon": [118.81, 118.85, 118.80], "lat": [28.93, 28.99, 29.05], "eta_minutes": 40},
        headers=admin,
    )
    assert route.status_code == 200 and route.json()["distance_km"] > 10
    departed = client.post(
        f"/api/v1/waste/manifests/{number}/actions/depart",
        json={"leg": leg, "on_behalf_of": CARRIER},
        headers=admin,
    )
    assert departed.status_code == 200, departed.text
    assert departed.json()["manifest"]["state"] == "in_transit"
    relocked = client.put(
        f"/api/v1/waste/manifests/{number}/route",
        json={"lon": [118.81, 118.85], "lat": [28.93, 28.99], "eta_minutes": 400},
        headers=admin,
    )
    assert relocked.status_code == 409  # the route locked with the signed transport section
    assert relocked.json()["field"] == "route"

    # fixes of the trip so far: the first at departure, then every 50 ms (the trip began now)
    start = datetime.fromisoformat(departed.json()["manifest"]["departed_at"])
    fixes = [
        {"gps_device_id": "GPS-0001",
         "observed_at": (start + timedelta(milliseconds=50 * i)).isoformat(),
         "longitude": 118.81 + i * 0.002, "latitude": 28.93 + i * 0.004, "speed_kmh": 40}
        for i in range(10)
    ]  # fmt: skip
    wrong = [*fixes[:1], {**fixes[1], "gps_device_id": "NOBODY"}, *fixes[2:]]
    refused = client.post("/api/v1/waste/fixes", json={"fixes": wrong}, headers=admin)
    assert refused.status_code == 422
    assert any(e["field"] == "row 2: gps_device_id" for e in refused.json()["errors"])
    stored = client.post("/api/v1/waste/fixes", json={"fixes": fixes}, headers=admin).json()
    # the bad batch kept none
    assert stored == {"received": 10, "inserted": 10, "unchanged": 0, "conflicting": 0}
    again = client.post("/api/v1/waste/fixes", json={"fixes": fixes}, headers=admin).json()
    assert again == {"received": 10, "inserted": 0, "unchanged": 10, "conflicting": 0}

    while utc_now() <= start + timedelta(milliseconds=500):  # until the last fix is past
        time.sleep(0.05)
    track = client.get(f"/api/v1/waste/manifests/{number}/track", headers=generator).json()
    assert len(track["times"]) == 10 and track["datum"] == "GCJ-02"
    assert len(track["route_lon"]) == 3
    vehicles = client.get("/api/v1/waste/map", headers=admin).json()["vehicles"]["features"]
    assert [v["properties"]["manifest"] for v in vehicles] == [number]
    found = client.get("/api/v1/waste/manifests", params={"code": OIL}, headers=admin).json()
    assert found["total"] == 1 and found["items"][0]["shipped_t"] == "6.02"
    detail = client.get(f"/api/v1/waste/manifests/{number}", headers=generator).json()
    assert [e["transition"] for e in detail["events"]] == ["T1", "T2", "T4"]


def test_the_public_and_the_wrong_roles_are_refused(client: TestClient) -> None:
    for path in ("/api/v1/waste/manifests", "/api/v1/waste/map", "/api/v1/waste/facilities"):
        assert client.get(path).status_code == 401
    csrf = sign_in(client, "kecheng")
    licence = client.post("/api/v1/waste/licences", json={}, headers={"X-CSRF-Token": csrf})
    assert licence.status_code == 403
    draft = client.post("/api/v1/waste/manifests", json=DRAFT, headers={"X-CSRF-Token": csrf})
    assert draft.status_code == 403


def test_a_ledger_batch_is_all_or_nothing_and_reads_back_by_local_dates(
    client: TestClient,
) -> None:
    """HJ 1259-2022 §6.3: a store-in names the batch it comes from; a batch with one bad row
    stores nothing and names the row and field; the ledger reads back between local days."""
    db = client.app.state.db  # type: ignore[attr-defined]
    register_cast(db, FixedClock(utc_now() - timedelta(days=3)))
    generator = _token(client, "enterprise")
    made = (utc_now() - timedelta(days=2)).isoformat()
    generated = {"unit_uscc": GENERATOR, "stage": "generate", "batch_no": "G-001", "code": OIL,
                 "quantity_t": "1.2", "occurred_at": made}  # fmt: skip
    stored_in = {**generated, "stage": "store_in", "batch_no": "S-001", "parent_batch_no": "G-999"}
    bad = client.post("/api/v1/waste/ledger", json={"entries": [generated, stored_in]},
                      headers=generator)  # fmt: skip
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["row 2: parent_batch_no"]
    good = client.post(
        "/api/v1/waste/ledger",
        json={"entries": [generated, {**stored_in, "parent_batch_no": "G-001"}]},
        headers=generator,
    )
    assert good.json() == {"received": 2, "inserted": 2, "unchanged": 0}
    day = (utc_now() - timedelta(days=2)).astimezone(SHANGHAI).date()
    read = client.get(f"/api/v1/waste/ledger/{GENERATOR}",
                      params={"start": day.isoformat()}, headers=generator).json()  # fmt: skip
    assert [(e["stage"], e["batch_no"]) for e in read] == [("generate", "G-001"),
                                                           ("store_in", "S-001")]  # fmt: skip
    after = client.get(f"/api/v1/waste/ledger/{GENERATOR}",
                       params={"start": (day + timedelta(days=1)).isoformat()},
                       headers=generator).json()  # fmt: skip
    assert after == []
    other = _token(client, "jiangshan")
    assert client.get(f"/api/v1/waste/ledger/{GENERATOR}", headers=other).status_code == 404
