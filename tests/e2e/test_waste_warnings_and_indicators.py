"""The hazardous-waste warning centre and indicator pages: a county officer filters, handles a
warning and keeps the filter; another county sees nothing; the enterprise sees its warning but
cannot handle it; the indicators for a county equal the manifests behind them."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient

from ecociv.waste import services
from tests.conftest import KECHENG, SYSTEM, csrf_of, sign_in
from tests.integration.waste.conftest import DRAFT, LEG, FixedClock, beijing, register_cast

D = Decimal


def _late_receipt(client: TestClient) -> str:
    """A manifest delivered on 2025-09-25 and not confirmed by 2025-10-10 (W02)."""
    db = client.app.state.db  # type: ignore[attr-defined]
    cast = register_cast(db, FixedClock(beijing(2025, 9, 25)))
    draft = services.create_draft(db, cast.generator_user, DRAFT, clock=cast.clock)
    number = services.act(db, cast.generator_user, f"#{draft.id}", "submit", {},
                          clock=cast.clock.advance(hours=1)).manifest.number  # fmt: skip
    assert number is not None
    services.act(db, cast.carrier_user, number, "depart", {"leg": LEG},
                 clock=cast.clock.advance(hours=1))  # fmt: skip
    services.act(db, cast.carrier_user, number, "deliver", {"end_place": "处置厂"},
                 clock=cast.clock.advance(hours=2))  # fmt: skip
    services.evaluate_all(db, beijing(2025, 10, 10, 12))
    return number


def _sign_out(client: TestClient) -> None:
    client.post("/logout", headers={"X-CSRF-Token": csrf_of(client, "/account/password")})


def test_a_county_officer_handles_a_warning_and_keeps_the_filter(client: TestClient) -> None:
    number = _late_receipt(client)
    csrf = sign_in(client, "kecheng")
    page = client.get("/waste/warnings", params={"rule": "W02", "state": "open"})
    assert page.status_code == 200
    rows = re.findall(r'<tr data-id="(\d+)" data-rule="(W\w+)" data-state="(\w+)">', page.text)
    assert [(r, s) for _i, r, s in rows] == [("W02", "open")] and number in page.text
    warning_id = rows[0][0]
    done = client.post(
        f"/waste/warnings/{warning_id}",
        data={"csrf_token": csrf, "action": "acknowledge", "notes": "已督促接受单位",
              "back": "rule=W02&state=open&evil=1"},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    assert done.headers["location"] == "/waste/warnings?rule=W02&state=open"
    after = client.get("/waste/warnings", params={"rule": "W02"}).text
    assert f'<tr data-id="{warning_id}" data-rule="W02" data-state="acknowledged">' in after
    assert "已督促接受单位" in after
    _sign_out(client)
    sign_in(client, "jiangshan")
    assert 'data-rule="W02"' not in client.get("/waste/warnings").text
    _sign_out(client)
    sign_in(client, "enterprise")  # the generator: sees its manifest's warning, no form
    mine = client.get("/waste/warnings", params={"rule": "W02"}).text
    assert (
        f'data-id="{warning_id}"' in mine and f'action="/waste/warnings/{warning_id}"' not in mine
    )


def test_the_indicators_of_a_county_follow_its_manifests(client: TestClient) -> None:
    number = _late_receipt(client)
    sign_in(client, "kecheng")
    data = client.get("/api/v1/waste/indicators", params={"year": 2025}).json()
    areas = {a["area"]: a for a in data["areas"]}
    assert set(areas) == {KECHENG, "330800"}  # a county officer: its county and the city
    in_city = areas[KECHENG]["indicators"]["I4"]
    assert in_city["value"] == 100.0 and D(in_city["numerator"]) == D(6)  # 4 t + 2 t, in city
    assert "QZ-029" in in_city["targets"]
    receipt = areas[KECHENG]["indicators"]["I2"]  # delivered, confirmed late: 0 of 1 on time
    assert receipt["value"] == 0.0 and D(receipt["denominator"]) == 1
    page = client.get("/waste/indicators", params={"year": 2025})
    assert page.status_code == 200 and 'data-indicator="I12"' in page.text
    target = client.get("/indicators/QZ-029")
    assert target.status_code == 200 and "I4" in target.text and number
    _sign_out(client)
    sign_in(client, "enterprise")
    assert client.get("/api/v1/waste/indicators", params={"year": 2025}).status_code == 403


def test_a_silent_vehicle_and_a_detour_show_on_the_playback_page(client: TestClient) -> None:
    """W08 (no fix for over 10 minutes) and W06 (over 1 km off the planned route for over
    10 minutes) are raised from the fixes, and the playback page lists them."""
    db = client.app.state.db  # type: ignore[attr-defined]
    cast = register_cast(db, FixedClock(beijing(2025, 9, 25)))
    draft = services.create_draft(db, cast.generator_user, DRAFT, clock=cast.clock)
    number = services.act(db, cast.generator_user, f"#{draft.id}", "submit", {},
                          clock=cast.clock.advance(hours=1)).manifest.number  # fmt: skip
    assert number is not None
    services.set_route(db, SYSTEM, number, lon=[118.80, 118.80], lat=[28.90, 29.10],
                       eta_minutes=60)  # fmt: skip
    departed = services.act(db, cast.carrier_user, number, "depart", {"leg": LEG},
                            clock=cast.clock.advance(hours=1)).manifest.departed_at  # fmt: skip
    assert departed is not None
    # on the route for 10 minutes, then 0.03° (about 2.9 km) east of it for 20 minutes
    fixes = [
        services.FixInput("GPS-0001", departed + timedelta(minutes=m),
                          118.80 + (0.03 if m >= 10 else 0.0), 28.90 + m * 0.002)
        for m in range(0, 31)
    ]  # fmt: skip
    services.ingest_fixes(db, SYSTEM, fixes, clock=cast.clock.advance(minutes=31))
    services.evaluate_all(db, departed + timedelta(minutes=60))  # silent since minute 30
    sign_in(client, "kecheng")
    page = client.get(f"/waste/manifests/{number}/track")
    assert page.status_code == 200
    section = page.text.split('id="track-warnings"', 1)[1].split("</section>", 1)[0]
    assert 'data-rule="W06"' in section and 'data-rule="W08"' in section
    assert 'data-rule="W06"' in client.get(f"/waste/manifests/{number}").text
