"""The sources API and pages: scope by role, the registry import, the warning lifecycle over
HTTP (CSRF-protected forms), the outlet page's chart data and the programme figures."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from fastapi.testclient import TestClient

from ecociv import users
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel import Role, utc_now
from ecociv.sources import services
from ecociv.sources.demo import demo_devices, load_sources_demo
from ecociv.sources.model import DeviceFrame, FrameValue
from ecociv.sources.services import clear_device_cache
from tests.conftest import JIANGSHAN, KECHENG, SYSTEM, csrf_of, demo_enterprise, sign_in

PASSWORD = "Jiangshan-officer-pw-1"
HEADER = (
    "排放口编码,排放口名称,排放口类型,统一社会信用代码,设备MN号,设备密码,"
    "监测因子编码,均值周期,排放限值,单位,限值依据\n"
)


def _setup(client: TestClient) -> tuple[dict[str, str], ReadingsStore]:
    """The demo registry, and an exceedance at 柯城's first enterprise's outlet, evaluated."""
    clear_device_cache()
    db = client.app.state.db  # type: ignore[attr-defined]
    store: ReadingsStore = client.app.state.readings  # type: ignore[attr-defined]
    load_sources_demo(db, SYSTEM)
    d = next(x for x in demo_devices() if x["outlet_code"].startswith("330802-0929"))
    now = utc_now()
    last = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    frames = [
        DeviceFrame(d["mn"], "2061", last - timedelta(hours=h),
                    (FrameValue("w01018", "Avg", 140.0 + h),
                     FrameValue("w21003", "Avg", 5.0 + h / 3),
                     FrameValue("w21011", "Avg", 0.4 + h / 20)), now)
        for h in range(4)
    ]  # fmt: skip
    services.store_frames(db, store, frames)
    services.record_device_activity(db, d["mn"], {"frames_ok": 4}, now)
    services.evaluate_device(db, store, d["mn"], now)
    return d, store


def test_outlets_are_scoped_by_role(client: TestClient) -> None:
    _setup(client)
    assert client.get("/api/v1/sources/outlets").status_code == 401
    sign_in(client, "kecheng")
    counties = {o["county_code"] for o in client.get("/api/v1/sources/outlets").json()}
    assert counties == {KECHENG}
    client.post("/logout", headers={"X-CSRF-Token": csrf_of(client, "/account/password")})
    sign_in(client, "enterprise")
    outlets = client.get("/api/v1/sources/outlets").json()
    assert {o["enterprise_uscc"] for o in outlets} == {demo_enterprise(KECHENG)}
    devices = client.get("/api/v1/sources/devices").json()
    assert len(devices) == 1 and devices[0]["online"] is True
    assert devices[0]["counters"]["frames_ok"] == 4
    warnings = client.get("/api/v1/sources/warnings").json()
    assert warnings and all(w["outlet_code"] == outlets[0]["code"] for w in warnings)


def test_the_registry_import_is_all_or_nothing_over_http(client: TestClient) -> None:
    csrf = sign_in(client, "cityoffice")
    uscc = demo_enterprise(JIANGSHAN, 1)
    good = HEADER + f"JS-DW9,测试排口,废水,{uscc},TESTMN9,654321,w01018,小时,100,mg/L,实测\n"
    bad = good + f"JS-DW9,测试排口,废水,{uscc},,,w21003,小时,many,mg/L,实测\n"
    response = client.post(
        "/api/v1/sources/import",
        files={"file": ("registry.csv", bad.encode(), "text/csv")},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    assert any(e["field"] == "row 3: limit_value" for e in response.json()["errors"])
    assert client.get("/api/v1/sources/outlets", params={"county_code": JIANGSHAN}).json() == []
    for expected in (1, 0):
        response = client.post(
            "/api/v1/sources/import",
            files={"file": ("registry.csv", good.encode(), "text/csv")},
            headers={"X-CSRF-Token": csrf},
        )
        assert response.status_code == 200, response.text
        assert response.json()["outlets_created"] == expected
    db = client.app.state.db  # type: ignore[attr-defined]
    assert services.authenticate_device(db, "TESTMN9", "654321") is not None


def test_a_county_officer_handles_its_warning_and_not_another_county_s(client: TestClient) -> None:
    _setup(client)
    csrf = sign_in(client, "kecheng")
    warnings = client.get("/api/v1/sources/warnings", params={"rule": "exceedance"}).json()
    assert len(warnings) == 1
    wid = warnings[0]["id"]
    response = client.post(
        f"/api/v1/sources/warnings/{wid}/actions",
        json={"action": "acknowledge", "notes": "已电话通知"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200 and response.json()["state"] == "acknowledged"
    again = client.post(
        f"/api/v1/sources/warnings/{wid}/actions",
        json={"action": "acknowledge"},
        headers={"X-CSRF-Token": csrf},
    )
    assert again.status_code == 409
    no_csrf = client.post(f"/api/v1/sources/warnings/{wid}/actions", json={"action": "resolve"})
    assert no_csrf.status_code == 403
    # the page's form, with the session's CSRF token
    page = client.get("/sources/warnings")
    assert page.status_code == 200 and f'action="/sources/warnings/{wid}"' in page.text
    form = client.post(
        f"/sources/warnings/{wid}",
        data={"csrf_token": csrf, "action": "resolve", "notes": "已整改"},
        follow_redirects=False,
    )
    assert form.status_code == 303
    assert client.get(f"/api/v1/sources/warnings/{wid}").json()["state"] == "resolved"


def test_another_county_s_officer_neither_sees_nor_handles_the_warning(client: TestClient) -> None:
    _setup(client)
    db = client.app.state.db  # type: ignore[attr-defined]
    wid = services.list_warnings(db, SYSTEM)[0].id
    users.create_user(
        db, SYSTEM, username="js_officer", password=PASSWORD, role=Role.COUNTY_OFFICER,
        county_code=JIANGSHAN,
    )  # fmt: skip
    csrf = sign_in(client, "js_officer", PASSWORD)
    assert client.get("/api/v1/sources/warnings").json() == []
    assert client.get(f"/api/v1/sources/warnings/{wid}").status_code == 404
    refused = client.post(
        f"/api/v1/sources/warnings/{wid}/actions",
        json={"action": "acknowledge"},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 404
    form = client.post(
        f"/sources/warnings/{wid}", data={"csrf_token": csrf, "action": "acknowledge"},
        follow_redirects=False,
    )  # fmt: skip
    assert form.status_code == 303
    assert services.get_warning(db, SYSTEM, wid).state.value == "open"


def test_pages_show_compliance_programme_outlet_chart_and_warnings(client: TestClient) -> None:
    d, _ = _setup(client)
    sign_in(client, "cityoffice")
    overview = client.get("/sources")
    assert overview.status_code == 200
    assert 'id="programme-vocs"' in overview.text and 'id="compliance"' in overview.text
    assert 'id="synthetic-badge"' in overview.text
    page = client.get(f"/sources/outlets/{d['outlet_code']}")
    assert page.status_code == 200 and d["mn"] in page.text
    found = re.search(
        r'<script type="application/json" id="outlet-data">(.*?)</script>', page.text, re.S
    )
    assert found
    charts = {c["code"]: c for c in json.loads(found.group(1))["charts"]}
    assert charts["w01018"]["limit"] == 100.0 and len(charts["w01018"]["points"]) == 4
    assert 'class="exceed"' in page.text
    centre = client.get("/sources/warnings", params={"rule": "exceedance", "county": KECHENG})
    assert centre.status_code == 200 and d["outlet_code"] in centre.text
    programme = client.get("/api/v1/sources/programme").json()
    assert programme["vocs_total"] == 9 and programme["catering_total"] == 3
    compliance = client.get("/api/v1/sources/compliance").json()
    kecheng_water = next(
        r for r in compliance if r["county_code"] == KECHENG and r["kind"] == "wastewater"
    )
    assert kecheng_water["valid_hours"] > 0 and kecheng_water["rate"] < 1


def test_the_public_sees_nothing_of_this_domain(client: TestClient) -> None:
    for path in (
        "/api/v1/sources/outlets",
        "/api/v1/sources/warnings",
        "/api/v1/sources/programme",
    ):
        assert client.get(path).status_code == 401
    assert client.get("/sources", follow_redirects=False).status_code == 303
    assert "/sources" not in client.get("/").text.split("<main", 1)[0]
