"""Relay transport on the pages (转移办法 第十七条): the carrier offers the relay to a named next
carrier on the manifest page, the named carrier finds it among the relays offered to it on the
overview and takes it over there; an offer can be withdrawn, and then it is gone."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from ecociv import users
from ecociv.kernel import Role
from ecociv.waste import CrewMember, CrewRole, Vehicle, services
from tests.conftest import SYSTEM, sign_in
from tests.e2e.test_waste_pages import (
    CARRIER_USER,
    PASSWORD,
    departed,
    post,
    register_cast,
    sign_out,
)

RIVAL = "91330822MA7A2B9B8P"  # 常山示例危险货物运输（合成）: the next carrier
RIVAL_USER = "relay_desk"


def _next_carrier(client: TestClient) -> None:
    db = client.app.state.db  # type: ignore[attr-defined]
    services.register_facility(db, SYSTEM, services.FacilityInput(uscc=RIVAL))
    services.save_vehicle(db, SYSTEM, Vehicle("浙H67890", RIVAL, "浙交运管衢字330800067890",
                                              ("9",), date(2030, 12, 31)))  # fmt: skip
    for member in (
        CrewMember("赵驾驶", CrewRole.DRIVER, "D002", date(2030, 12, 31), RIVAL),
        CrewMember("钱押运", CrewRole.ESCORT, "E002", date(2030, 12, 31), RIVAL),
    ):
        services.save_crew(db, SYSTEM, member)
    users.create_user(db, SYSTEM, username=RIVAL_USER, password=PASSWORD,
                      role=Role.ENTERPRISE_USER, enterprise_uscc=RIVAL)  # fmt: skip


def test_a_relay_is_offered_on_the_manifest_page_and_taken_over_from_the_overview(
    client: TestClient,
) -> None:
    cast = register_cast(client.app.state.db)  # type: ignore[attr-defined]
    _next_carrier(client)
    number = departed(cast)
    base = f"/waste/manifests/{number}"

    csrf = sign_in(client, RIVAL_USER, PASSWORD)
    assert client.get(base).status_code == 404  # not offered yet: not the rival's to see
    overview = client.get("/waste").text
    assert 'id="no-offers"' in overview and f'id="offer-{number}"' not in overview
    sign_out(client)

    csrf = sign_in(client, CARRIER_USER, PASSWORD)
    page = client.get(base).text
    assert 'id="form-offer_relay"' in page and 'id="form-accept_relay"' not in page
    assert post(client, f"{base}/actions/offer_relay", csrf, to_carrier_uscc=RIVAL,
                place="衢州中转站") == base  # fmt: skip
    page = client.get(base).text
    assert f'id="relay-offer" data-to="{RIVAL}"' in page and 'id="form-withdraw_relay"' in page
    sign_out(client)

    csrf = sign_in(client, RIVAL_USER, PASSWORD)
    overview = client.get("/waste").text
    assert f'id="offer-{number}"' in overview and 'value="衢州中转站"' in overview
    assert client.get(base).status_code == 200  # the named carrier checks the manifest
    refused = post(client, f"{base}/actions/accept_relay", csrf, back="/waste",
                   vehicle_plate="浙H12345", crew="D002, E002", start_place="衢州中转站",
                   labels_match="1")  # fmt: skip
    assert refused == "/waste"  # a vehicle not its own: refused, back to the overview
    assert "车辆 浙H12345 未登记" in client.get("/waste").text  # W09, flashed
    assert services.get_manifest(cast.db, SYSTEM, number).manifest.relay_offer is not None
    assert post(client, f"{base}/actions/accept_relay", csrf, back="/waste",
                vehicle_plate="浙H67890", crew="D002, E002", start_place="衢州中转站",
                labels_match="1") == base  # fmt: skip
    m = services.get_manifest(cast.db, SYSTEM, number).manifest
    assert [leg.carrier_uscc for leg in m.legs] == [m.carrier_uscc, RIVAL]
    assert m.relay_offer is None and 'id="no-offers"' in client.get("/waste").text


def test_a_withdrawn_relay_offer_is_gone_for_the_named_carrier(client: TestClient) -> None:
    cast = register_cast(client.app.state.db)  # type: ignore[attr-defined]
    _next_carrier(client)
    number = departed(cast)
    base = f"/waste/manifests/{number}"
    csrf = sign_in(client, CARRIER_USER, PASSWORD)
    post(client, f"{base}/actions/offer_relay", csrf, to_carrier_uscc=RIVAL)
    assert post(client, f"{base}/actions/withdraw_relay", csrf) == base
    assert 'id="relay-offer"' not in client.get(base).text
    sign_out(client)
    csrf = sign_in(client, RIVAL_USER, PASSWORD)
    assert 'id="no-offers"' in client.get("/waste").text
    taken = client.post(f"{base}/actions/accept_relay",
                        data={"csrf_token": csrf, "vehicle_plate": "浙H67890",
                              "crew": "D002, E002", "start_place": "中转站", "labels_match": "1"},
                        follow_redirects=False)  # fmt: skip
    assert taken.status_code == 404
    assert len(services.get_manifest(cast.db, SYSTEM, number).manifest.legs) == 1
