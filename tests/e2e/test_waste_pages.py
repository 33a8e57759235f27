"""The hazardous-waste pages through their forms: each party takes its own step on the manifest
page and sees the result; a step out of turn or with bad input is refused with the reason
flashed and changes nothing; scope hides another county's manifests; the search filters; the
track page hands the fixes, stops and route to the map; the overview, the transport map and an
old version read as they should."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from ecociv import users
from ecociv.adapters.db import Database
from ecociv.kernel import Actor, Role, utc_now
from ecociv.kernel.clock import to_local
from ecociv.waste import (
    ManifestState,
    services,
)
from ecociv.waste.rules import DraftInput
from tests.conftest import SYSTEM, csrf_of, sign_in
from tests.integration.waste.conftest import (
    CARRIER,
    DRAFT,
    GENERATOR,
    LEG,
    LINES,
    OUTSIDE,
    PACKAGING,
    RECEIVER,
    FixedClock,
    beijing,
    user_of,
)
from tests.integration.waste.conftest import register_cast as register_parties

D = Decimal
S = ManifestState
#: Every step before the one a test takes through a page happens on this (past) day, inside
#: the years the working-day calendar knows; page steps happen now.
SETUP_AT = beijing(2026, 6, 1)
PASSWORD = "Waste-party-pw-2026"
CARRIER_USER, RECEIVER_USER = "carrier_desk", "receiver_desk"
GPS = "GPS-0001"


@dataclass
class Cast:
    db: Database
    clock: FixedClock
    generator: Actor
    carrier: Actor
    receiver: Actor


def register_cast(db: Database) -> Cast:
    """The parties of tests/integration/waste registered for the year of ``SETUP_AT``, with a
    sign-in for the carrier's and the receiver's desks (the generator's is the demo user
    ``enterprise``)."""
    clock = FixedClock(SETUP_AT)
    register_parties(db, clock)
    for username, uscc in ((CARRIER_USER, CARRIER), (RECEIVER_USER, RECEIVER)):
        users.create_user(
            db, SYSTEM, username=username, password=PASSWORD, role=Role.ENTERPRISE_USER,
            enterprise_uscc=uscc,
        )  # fmt: skip
    return Cast(
        db, clock, user_of(db, GENERATOR, "enterprise"), user_of(db, CARRIER, CARRIER_USER),
        user_of(db, RECEIVER, RECEIVER_USER),
    )  # fmt: skip


def drafted(cast: Cast, draft: DraftInput = DRAFT, *, synthetic: bool = False) -> int:
    view = services.create_draft(
        cast.db, cast.generator, draft, clock=cast.clock.advance(minutes=10),
        is_synthetic=synthetic,
    )  # fmt: skip
    return view.id


def submitted(cast: Cast, draft: DraftInput = DRAFT, *, synthetic: bool = False) -> str:
    ref = f"#{drafted(cast, draft, synthetic=synthetic)}"
    view = services.act(cast.db, cast.generator, ref, "submit", clock=cast.clock.advance(hours=1))
    assert view.manifest.number is not None
    return view.manifest.number


def departed(cast: Cast, *, synthetic: bool = False, route: dict[str, Any] | None = None) -> str:
    """A manifest in transit; ``route`` is filed before loading (it locks at departure)."""
    number = submitted(cast, synthetic=synthetic)
    if route is not None:
        services.set_route(cast.db, SYSTEM, number, **route)
    services.act(cast.db, cast.carrier, number, "depart", {"leg": LEG},
                 clock=cast.clock.advance(hours=1))  # fmt: skip
    return number


def delivered(cast: Cast) -> str:
    number = departed(cast)
    services.act(cast.db, cast.carrier, number, "deliver", {"end_place": "柯城处置厂"},
                 clock=cast.clock.advance(hours=2))  # fmt: skip
    return number


def sign_out(client: TestClient) -> None:
    client.post("/logout", headers={"X-CSRF-Token": csrf_of(client, "/account/password")})


def post(client: TestClient, path: str, csrf: str, **fields: str) -> str:
    """Post a step's form; return where the page sends the browser (a 303)."""
    response = client.post(path, data={"csrf_token": csrf, **fields}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def flashes(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<div class="flash flash-(\w+)" role="status">(.*?)</div>', html, re.S)


def refs(html: str, table: str = "manifests") -> list[str]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-ref="([^"]+)"', body)


def state_of(html: str) -> str:
    found = re.search(r'id="manifest-state"><span class="mstate[^"]*" data-state="(\w+)"', html)
    assert found, "no state badge"
    return found.group(1)


# ---- steps through the forms -----------------------------------------------------------------


def test_the_consignor_submits_its_draft_through_the_form_and_sees_the_number(
    client: TestClient,
) -> None:
    cast = register_cast(client.app.state.db)  # type: ignore[attr-defined]
    draft_id = drafted(cast)
    csrf = sign_in(client, "enterprise")
    page = client.get(f"/waste/manifests/{draft_id}")
    assert page.status_code == 200 and f"#{draft_id}" in page.text
    assert 'data-form="submit"' in page.text and 'name="shipped_t_1" value="4"' in page.text
    assert 'data-form="depart"' not in page.text  # not the consignor's step
    target = post(client, f"/waste/manifests/{draft_id}/actions/submit", csrf,
                  shipped_t_1="3.95", shipped_t_2="2")  # fmt: skip
    number = target.rsplit("/", 1)[1]
    assert re.fullmatch(rf"{to_local(utc_now()).year}3308\d{{6}}", number), target
    page = client.get(target)
    assert ("success", f"联单 {number}：提交联单已完成 (submit: done)") in flashes(page.text)
    assert f'id="manifest-ref">{number}<' in page.text and state_of(page.text) == "submitted"
    consignor = page.text.split('id="section-consignor"', 1)[1].split("</section>", 1)[0]
    assert 'data-locked="1"' in consignor and "enterprise" in consignor  # signed and locked
    stored = services.get_manifest(cast.db, SYSTEM, number).manifest
    assert [line.shipped_t for line in stored.lines] == [D("3.95"), D("2")]


def test_the_carrier_s_desk_departs_through_the_loading_check_form(client: TestClient) -> None:
    cast = register_cast(client.app.state.db)  # type: ignore[attr-defined]
    number = submitted(cast)
    csrf = sign_in(client, CARRIER_USER, PASSWORD)
    page = client.get(f"/waste/manifests/{number}")
    assert 'data-form="depart"' in page.text and 'data-form="submit"' not in page.text
    assert 'id="track-link"' not in page.text  # nothing to track before departure
    target = post(client, f"/waste/manifests/{number}/actions/depart", csrf,
                  vehicle_plate="浙H 12345", crew="D001，E001", start_place="柯城厂区",
                  labels_match="on")  # fmt: skip
    assert target == f"/waste/manifests/{number}"
    page = client.get(target)
    assert state_of(page.text) == "in_transit"
    done = f"联单 {number}：装车起运已完成 (load and depart: done)"
    assert ("success", done) in flashes(page.text)
    leg = page.text.split('data-leg="1"', 1)[1].split("</div>\n", 1)[0]
    assert "浙H12345" in leg and "D001, E001" in leg and 'data-locked="1"' in leg
    assert f'href="/waste/manifests/{number}/track"' in page.text


def test_a_step_by_the_wrong_party_is_refused_with_the_reason_and_changes_nothing(
    client: TestClient,
) -> None:
    cast = register_cast(client.app.state.db)  # type: ignore[attr-defined]
    number = submitted(cast)
    before = services.get_manifest(cast.db, SYSTEM, number)
    leg = {"vehicle_plate": "浙H12345", "crew": "D001 E001", "start_place": "柯城厂区"}
    csrf = sign_in(client, "enterprise")  # the consignor is not the carrier
    target = post(client, f"/waste/manifests/{number}/actions/depart", csrf,
                  labels_match="on", **leg)  # fmt: skip
    assert target == f"/waste/manifests/{number}"
    page = client.get(target)
    [(kind, message)] = flashes(page.text)
    assert kind == "error" and "只有本联单的承运人" in message
    assert state_of(page.text) == "submitted"
    sign_out(client)
    csrf = sign_in(client, CARRIER_USER, PASSWORD)  # the carrier, but the labels do not match
    page = client.get(post(client, f"/waste/manifests/{number}/actions/depart", csrf, **leg))
    [(kind, message)] = flashes(page.text)
    assert kind == "error" and "标志与联单不符，不予装载" in message
    after = services.get_manifest(cast.db, SYSTEM, number)
    assert after.manifest == before.manifest and len(after.events) == len(before.events)


def test_a_refused_step_names_the_line_and_the_draft_stays_a_draft(client: TestClient) -> None:
    cast = register_cast(client.app.state.db)  # type: ignore[attr-defined]
    draft_id = drafted(cast)
    csrf = sign_in(client, "enterprise")
    path = f"/waste/manifests/{draft_id}/actions/submit"
    page = client.get(post(client, path, csrf, shipped_t_1="4", shipped_t_2="0"))
    [(kind, message)] = flashes(page.text)
    assert kind == "error" and message.startswith("第 2 行转移量须大于 0 吨")
    page = client.get(post(client, path, csrf, shipped_t_1="四吨", shipped_t_2="2"))
    [(kind, message)] = flashes(page.text)
    assert kind == "error" and message.startswith("第 1 行转移量：")
    page = client.get(post(client, path, csrf, shipped_t_1="4"))  # line 2 left out
    assert "第 2 行：须填写计量称重的转移量" in flashes(page.text)[0][1]
    view = services.get_manifest(cast.db, SYSTEM, f"#{draft_id}")
    assert view.manifest.state is S.DRAFT and view.manifest.number is None
    assert [e.action for e in view.events] == ["create_draft"]


def test_the_receiver_confirms_a_partial_acceptance_and_a_late_confirmation_is_marked(
    client: TestClient,
) -> None:
    cast = register_cast(client.app.state.db)  # type: ignore[attr-defined]
    number = delivered(cast)
    csrf = sign_in(client, RECEIVER_USER, PASSWORD)
    page = client.get(f"/waste/manifests/{number}")
    assert 'data-form="confirm_receipt"' in page.text and 'list="method-codes"' in page.text
    path = f"/waste/manifests/{number}/actions/confirm_receipt"
    lines = {"received_t_1": "4", "method_code_1": "R9", "received_t_2": "2",
             "decision_2": "accept", "method_code_2": "D10"}  # fmt: skip
    page = client.get(post(client, path, csrf, decision_1="partial", note_1="部分桶渗漏", **lines))
    [(kind, message)] = flashes(page.text)  # a partial acceptance needs its quantity
    assert kind == "error" and message.startswith("第 1 行：部分接受须填写接受量")
    assert state_of(page.text) == "delivered"
    page = client.get(post(client, path, csrf, decision_1="partial", accepted_t_1="3",
                           note_1="部分桶渗漏", **lines))  # fmt: skip
    assert state_of(page.text) == "closed"  # partially accepted, then closed by the platform
    row = page.text.split('<tr data-line="1"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num" data-col="accepted">3</td>' in row and "部分接受" in row
    receipt = page.text.split('id="events-table"', 1)[1].split('data-action="confirm_receipt"')[1]
    assert 'data-late="1"' in receipt.split("</tr>", 1)[0]  # delivered in June: confirmed late
    assert 'data-form="report_disposal"' in page.text
    today = to_local(utc_now()).date().isoformat()
    page = client.get(post(client, f"/waste/manifests/{number}/actions/report_disposal", csrf,
                           disposed_t_1="3", disposed_on_1=today, disposed_t_2="2",
                           disposed_on_2=today))  # fmt: skip
    assert state_of(page.text) == "disposed"
    disposal = page.text.split('id="section-disposal"', 1)[1].split("</section>", 1)[0]
    assert 'data-locked="1"' in disposal and RECEIVER_USER in disposal


def test_a_correction_through_the_form_makes_a_version_and_the_old_one_reads_as_it_was(
    client: TestClient,
) -> None:
    cast = register_cast(client.app.state.db)  # type: ignore[attr-defined]
    number = submitted(cast)
    csrf = sign_in(client, "enterprise")
    path = f"/waste/manifests/{number}/actions/start_correction"
    page = client.get(post(client, path, csrf, reason=""))
    assert flashes(page.text)[0][0] == "error" and "更正须说明原因" in flashes(page.text)[0][1]
    page = client.get(post(client, path, csrf, reason="称重单位填错"))
    assert state_of(page.text) == "under_correction" and 'id="correction"' in page.text
    versions = re.findall(r'<li data-version="(\d+)"><a href="([^"]+)"', page.text)
    assert versions == [
        ("1", f"/waste/manifests/{number}/versions/1"),
        ("2", f"/waste/manifests/{number}/versions/2"),
    ]
    old = client.get(f"/waste/manifests/{number}/versions/1")
    assert old.status_code == 200 and 'id="read-only"' in old.text
    assert state_of(old.text) == "submitted" and 'data-form="' not in old.text  # no forms
    assert client.get(f"/waste/manifests/{number}/versions/9").status_code == 404


# ---- scope, search ---------------------------------------------------------------------------


def test_a_county_officer_of_another_county_gets_404_and_the_county_s_own_sees_it(
    client: TestClient,
) -> None:
    cast = register_cast(client.app.state.db)  # type: ignore[attr-defined]
    number = departed(cast)
    sign_in(client, "jiangshan")
    for path in ("", "/track", "/versions/1"):
        assert client.get(f"/waste/manifests/{number}{path}").status_code == 404
    assert refs(client.get("/waste/manifests").text) == []
    assert 'data-state="in_transit" data-count="0"' in client.get("/waste").text
    sign_out(client)
    sign_in(client, "kecheng")  # 柯城: both ends are in its county
    page = client.get(f"/waste/manifests/{number}")
    assert page.status_code == 200 and 'id="actions"' not in page.text  # reads, takes no step
    assert 'data-state="in_transit" data-count="1"' in client.get("/waste").text


def test_the_search_filters_by_receiver_city_code_state_number_party_county_and_date(
    client: TestClient,
) -> None:
    cast = register_cast(client.app.state.db)  # type: ignore[attr-defined]
    in_city = submitted(cast)
    outside = submitted(cast, DraftInput(OUTSIDE, CARRIER, (LINES[0],)))
    draft = f"#{drafted(cast, DraftInput(RECEIVER, CARRIER, (LINES[1],)))}"
    sign_in(client, "cityoffice")

    def found(query: str = "") -> set[str]:
        page = client.get(f"/waste/manifests?{query}")
        assert page.status_code == 200
        return set(refs(page.text))

    assert found() == {in_city, outside, draft}
    assert found("in_city=no") == {outside}
    assert found("in_city=yes") == {in_city, draft}
    assert found(f"code={PACKAGING}") == {in_city, draft}
    assert found("state=draft") == {draft}
    assert found("state=submitted&in_city=yes") == {in_city}
    assert found(f"number={outside[-6:]}") == {outside}
    assert found(f"party={OUTSIDE}") == {outside}
    assert found("county=330881") == set() and found("county=330802") == {in_city, outside, draft}
    assert found("submitted_from=2026-06-01&submitted_to=2026-06-01") == {in_city, outside}
    assert found("submitted_from=2026-06-02") == set()
    bad = client.get("/waste/manifests?submitted_from=June")
    assert 'id="search-errors"' in bad.text and "不是有效日期" in bad.text
    page = client.get("/waste/manifests?in_city=no")
    assert "南昌示例处置有限公司（合成）" in page.text and "市外" in page.text


# ---- track, map, overview --------------------------------------------------------------------


def track_fixes(departed_at: datetime) -> list[services.FixInput]:
    """A drive from the generator (柯城) north to the receiver in 3-minute fixes (WGS-84),
    with a 9-minute stop half way."""
    start, end = (118.809, 28.937), (118.796, 29.054)
    moments = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.5, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    return [
        services.FixInput(
            GPS,
            departed_at + timedelta(minutes=1 + 3 * i),
            start[0] + (end[0] - start[0]) * f,
            start[1] + (end[1] - start[1]) * f,
            speed_kmh=0.0 if 5 <= i <= 8 else 40.0,
        )
        for i, f in enumerate(moments)
    ]


def test_the_track_page_hands_the_fixes_stops_and_route_to_the_map_in_gcj02(
    client: TestClient,
) -> None:
    cast = register_cast(client.app.state.db)  # type: ignore[attr-defined]
    route = {"lon": [118.809, 118.80, 118.796], "lat": [28.937, 29.0, 29.054], "eta_minutes": 50}
    number = departed(cast, synthetic=True, route=route)
    departed_at = services.get_manifest(cast.db, SYSTEM, number).manifest.departed_at
    assert departed_at is not None
    fixes = track_fixes(departed_at)
    assert services.ingest_fixes(cast.db, SYSTEM, fixes).inserted == len(fixes)
    sign_in(client, "enterprise")
    page = client.get(f"/waste/manifests/{number}/track")
    assert page.status_code == 200 and 'id="synthetic-badge"' in page.text
    assert '<script src="/static/js/waste_track.js"></script>' in page.text
    block = re.search(r'<script type="application/json" id="track-data">(.*?)</script>', page.text)
    assert block is not None
    data = json.loads(block.group(1))
    assert data["reference"] == number and data["datum"] == "GCJ-02" and data["synthetic"]
    assert len(data["times"]) == len(data["lon"]) == len(data["lat"]) == len(fixes)
    assert data["times"][0] == int(fixes[0].observed_at.timestamp() * 1000)
    # GCJ-02 lies a few hundred metres east and south of WGS-84 around Quzhou
    assert 0.003 < data["lon"][0] - fixes[0].longitude < 0.008
    assert -0.004 < data["lat"][0] - fixes[0].latitude < 0.0
    [stop] = data["stops"]
    assert stop["minutes"] == 9.0
    assert len(data["route"]["lon"]) == 3 and {s["role"] for s in data["sites"]} == {
        "consignor",
        "receiver",
    }
    assert 'id="no-fixes"' not in page.text


def test_the_transport_map_shows_the_vehicle_in_transit_and_links_its_manifest(
    client: TestClient,
) -> None:
    cast = register_cast(client.app.state.db)  # type: ignore[attr-defined]
    number = departed(cast)
    departed_at = services.get_manifest(cast.db, SYSTEM, number).manifest.departed_at
    assert departed_at is not None
    services.ingest_fixes(cast.db, SYSTEM, track_fixes(departed_at)[:4])
    sign_in(client, "cityoffice")
    page = client.get("/waste/map")
    assert page.status_code == 200
    block = re.search(r'id="waste-map-data">(.*?)</script>', page.text)
    assert block is not None
    data = json.loads(block.group(1))
    [vehicle] = data["vehicles"]["features"]
    assert vehicle["properties"]["manifest"] == number
    facilities = {f["properties"]["uscc"]: f["properties"] for f in data["facilities"]["features"]}
    assert facilities[RECEIVER]["in_city"] and not facilities[OUTSIDE]["in_city"]
    row = page.text.split('<tr data-plate="浙H12345">', 1)[1].split("</tr>", 1)[0]
    assert f'href="/waste/manifests/{number}"' in row and f"/waste/manifests/{number}/track" in row


def test_the_overview_counts_manifests_by_state_and_lists_the_latest(client: TestClient) -> None:
    cast = register_cast(client.app.state.db)  # type: ignore[attr-defined]
    first = submitted(cast)
    second = submitted(cast)
    services.act(cast.db, cast.generator, second, "cancel", {"reason": "计划变更"},
                 clock=cast.clock.advance(minutes=5))  # fmt: skip
    draft = f"#{drafted(cast)}"
    sign_in(client, "enterprise")
    page = client.get("/waste")
    assert page.status_code == 200
    counts = dict(re.findall(r'data-state="(\w+)" data-count="(\d+)"', page.text))
    assert counts["submitted"] == "1" and counts["cancelled"] == "1" and counts["draft"] == "1"
    assert counts["closed"] == "0" and len(counts) == len(S)
    assert set(refs(page.text, "latest")) == {first, second, draft}
    assert 'href="/waste/manifests"' in page.text and 'href="/waste/map"' in page.text
    assert 'href="/waste/manifests?state=cancelled"' in page.text
    assert 'id="synthetic-badge"' not in page.text  # these manifests are not demo data
    english = client.get("/lang/en?next=/waste")  # English second: the same page reads in English
    assert "Manifests by state" in english.text and ">Cancelled</span>" in english.text
    detail = client.get(f"/waste/manifests/{second}")
    assert "Consignor section" in detail.text and "cancel" in detail.text


def test_the_pages_need_a_sign_in_and_a_step_needs_the_csrf_token(client: TestClient) -> None:
    cast = register_cast(client.app.state.db)  # type: ignore[attr-defined]
    draft_id = drafted(cast)
    for path in ("/waste", "/waste/manifests", "/waste/map", f"/waste/manifests/{draft_id}"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    sign_in(client, "enterprise")
    refused = client.post(f"/waste/manifests/{draft_id}/actions/submit",
                          data={"shipped_t_1": "4", "shipped_t_2": "2"})  # fmt: skip
    assert refused.status_code == 403
    sign_out(client)
    sign_in(client, "inspector")  # reads everything, takes no step
    assert client.get(f"/waste/manifests/{draft_id}").status_code == 200
    csrf = csrf_of(client, f"/waste/manifests/{draft_id}")
    forbidden = client.post(f"/waste/manifests/{draft_id}/actions/submit",
                            data={"csrf_token": csrf, "shipped_t_1": "4"})  # fmt: skip
    assert forbidden.status_code == 403
    assert services.get_manifest(cast.db, SYSTEM, f"#{draft_id}").manifest.state is S.DRAFT
