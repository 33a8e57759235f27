"""The enterprise page that gathers an enterprise's outlets, the device page with its counters
and refused frames, and the live feed behind the outlet page's real-time chart: what each role
sees, and what it does not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from ecociv.kernel import utc_now
from ecociv.sources import services
from ecociv.sources.model import DeviceFrame, FrameValue, RefusedFrame, UnregisteredRetention
from ecociv.sources.services import ingest
from tests.conftest import KECHENG, csrf_of, demo_enterprise, sign_in
from tests.e2e.test_sources_api import _setup

FLUE_GAS_MN = "SYN33080200003"  # 330802-H572-DA001: SO2 limit 35 mg/m3, converted basis
FLUE_GAS_OUTLET = "330802-H572-DA001"


def _sign_out(client: TestClient) -> None:
    client.post("/logout", headers={"X-CSRF-Token": csrf_of(client, "/account/password")})


def test_the_enterprise_page_gathers_outlets_devices_compliance_and_warnings(
    client: TestClient,
) -> None:
    d, _ = _setup(client)
    uscc = demo_enterprise(KECHENG)
    sign_in(client, "enterprise")
    page = client.get(f"/sources/enterprises/{uscc}")
    assert page.status_code == 200
    row = page.text.split(f'<tr data-code="{d["outlet_code"]}">', 1)[1].split("</tr>", 1)[0]
    cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:]]
    # 4 hours × 3 limited parameters; COD (140–143) is over its 100 mg/L limit in all 4
    assert cells == ["12", "8", "66.7 %"]
    assert f'href="/sources/devices/{d["mn"]}"' in page.text
    assert 'id="enterprise-warnings"' in page.text and "超标排放" in page.text
    other = demo_enterprise(KECHENG, 1)
    assert client.get(f"/sources/enterprises/{other}").status_code == 404
    _sign_out(client)
    sign_in(client, "jiangshan")
    assert client.get(f"/sources/enterprises/{uscc}").status_code == 404


def test_the_device_page_shows_counters_and_the_frames_it_refused(client: TestClient) -> None:
    d, _ = _setup(client)
    db = client.app.state.db  # type: ignore[attr-defined]
    now = utc_now()
    raw = "##0101QN=20261129120000001;ST=32;CN=2061;PW=x;MN=<b>;CP=&&&&ABCD\r\n"
    frame = RefusedFrame(d["mn"], "bad_crc", now, raw)
    assert services.record_refused_frames(db, [frame]) == 1
    assert services.record_refused_frames(db, [frame]) == 0  # a replayed log adds nothing
    services.record_device_activity(
        db, d["mn"], {"frames_flagged": 2, "frames_split_incomplete": 1, "frames_bad_crc": 1}, now
    )
    sign_in(client, "kecheng")
    page = client.get(f"/sources/devices/{d['mn']}")
    assert page.status_code == 200
    assert "CRC 校验错误" in page.text and "MN=&lt;b&gt;" in page.text  # shown, escaped
    counters = page.text.split('id="device-counters"', 1)[1].split("</table>", 1)[0]
    assert '<td class="num">2</td>' in counters and '<td class="num">1</td>' in counters
    detail = client.get(f"/api/v1/sources/devices/{d['mn']}").json()
    assert detail["status"]["counters"]["frames_split_incomplete"] == 1
    assert [(f["reason"], f["raw"]) for f in detail["refused_frames"]] == [("bad_crc", raw)]

    services.record_device_activity(db, "STRANGER0001", {"frames_refused_auth": 2}, now)
    services.record_refused_frames(db, [RefusedFrame("STRANGER0001", "refused_auth", now, "##")])
    assert client.get("/sources/devices/STRANGER0001").status_code == 404  # county scope
    _sign_out(client)
    sign_in(client, "jiangshan")
    assert client.get(f"/sources/devices/{d['mn']}").status_code == 404
    assert client.get(f"/api/v1/sources/devices/{d['mn']}").status_code == 404
    _sign_out(client)
    sign_in(client, "cityoffice")
    stranger = client.get("/sources/devices/STRANGER0001")
    assert stranger.status_code == 200 and 'id="unregistered"' in stranger.text
    overview = client.get("/sources")
    assert 'id="strangers"' in overview.text and "/sources/devices/STRANGER0001" in overview.text


def test_refused_frames_keep_the_latest_per_device(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registered device keeps its latest ``REFUSED_KEPT_PER_MN`` refused frames; an
    unregistered MN keeps ``frames_per_mn`` of its retention budget."""
    d, _ = _setup(client)
    db = client.app.state.db  # type: ignore[attr-defined]
    monkeypatch.setattr(ingest, "REFUSED_KEPT_PER_MN", 3)
    now = utc_now()
    for mn in (d["mn"], "NOISY"):
        frames = [
            RefusedFrame(mn, "bad_format", now + timedelta(seconds=i), f"#{i}") for i in range(5)
        ]
        services.record_refused_frames(db, frames, retention=UnregisteredRetention(frames_per_mn=2))
        services.record_device_activity(db, mn, {"frames_bad_format": 5}, now)
    sign_in(client, "cityoffice")
    kept = client.get(f"/api/v1/sources/devices/{d['mn']}").json()
    assert [f["raw"] for f in kept["refused_frames"]] == ["#4", "#3", "#2"]
    assert kept["refused_total"] == 3
    noisy = client.get("/api/v1/sources/devices/NOISY").json()
    assert [f["raw"] for f in noisy["refused_frames"]] == ["#4", "#3"]


def test_refused_frames_and_unregistered_mns_are_listed_a_page_at_a_time(
    client: TestClient,
) -> None:
    """Pagination: the device page and its API list refused frames a page at a time, with
    the total; ``/sources`` lists unregistered MNs 50 to a page; a page size over 500 or a
    page number out of range is a 422, not a 500."""
    d, _ = _setup(client)
    db = client.app.state.db  # type: ignore[attr-defined]
    now = utc_now()
    frames = [
        RefusedFrame(d["mn"], "bad_crc", now + timedelta(seconds=i), f"#{i}") for i in range(120)
    ]
    assert services.record_refused_frames(db, frames) == 120
    services.record_activity(
        db, {f"STRANGER{i:04d}": {"frames_refused_auth": 1} for i in range(60)}, {}, now
    )
    sign_in(client, "cityoffice")
    second = client.get(f"/api/v1/sources/devices/{d['mn']}?page=2&page_size=50").json()
    assert second["refused_total"] == 120 and second["page"] == 2
    assert [f["raw"] for f in second["refused_frames"]][:2] == ["#69", "#68"]
    assert len(second["refused_frames"]) == 50
    assert client.get(f"/api/v1/sources/devices/{d['mn']}?page_size=501").status_code == 422
    assert client.get(f"/api/v1/sources/devices/{d['mn']}?page=0").status_code == 422
    assert client.get(f"/api/v1/sources/devices/{d['mn']}?page={2**64}").status_code == 422

    page = client.get(f"/sources/devices/{d['mn']}?page=3")
    assert page.status_code == 200 and 'id="refused-pager"' in page.text
    table = page.text.split('id="refused-frames"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr data-reason=") == 20  # 120 = 50 + 50 + 20
    assert "?page=2" in page.text and "?page=4" not in page.text

    overview = client.get("/sources")
    strangers = overview.text.split('id="strangers"', 1)[1].split("</section>", 1)[0]
    assert strangers.count("<tr data-mn=") == 50 and "?page=2#strangers" in strangers
    rest = client.get("/sources?page=2").text.split('id="strangers"', 1)[1]
    assert rest.split("</section>", 1)[0].count("<tr data-mn=") == 10
    devices = client.get("/api/v1/sources/devices?include_unregistered=true&page_size=7")
    assert devices.status_code == 200 and len(devices.json()) == 7
    assert int(devices.headers["X-Total-Count"]) >= 60
    assert client.get("/sources?page=0").status_code == 422


def test_the_live_feed_gives_real_time_values_against_the_hourly_limit(
    client: TestClient,
) -> None:
    _setup(client)
    db = client.app.state.db  # type: ignore[attr-defined]
    store = client.app.state.readings  # type: ignore[attr-defined]
    now = utc_now().replace(microsecond=0)
    frames = [
        DeviceFrame(FLUE_GAS_MN, "2011", now - timedelta(minutes=m),
                    (FrameValue("a21026", "Rtd", 30.0 + m), FrameValue("a21026", "ZsRtd", 40.0 + m),
                     FrameValue("a19001", "Rtd", 9.5)), now)
        for m in (10, 5)
    ] + [
        DeviceFrame(FLUE_GAS_MN, "2061", now - timedelta(minutes=30),
                    (FrameValue("a21026", "Avg", 99.0),), now)
    ]  # fmt: skip
    services.store_frames(db, store, frames)
    sign_in(client, "kecheng")
    live = client.get(f"/api/v1/sources/outlets/{FLUE_GAS_OUTLET}/live").json()
    series = {s["code"]: s for s in live["series"]}
    so2 = series["a21026"]
    assert so2["limit"] == 35.0 and so2["converted"] is True
    assert [p[1] for p in so2["points"]] == [50.0, 45.0]  # converted values, oldest first
    assert [p[1] for p in series["a19001"]["points"]] == [9.5, 9.5]
    assert series["a19001"]["limit"] is None
    recent = client.get(f"/api/v1/sources/outlets/{FLUE_GAS_OUTLET}/live", params={"minutes": 7})
    assert [p[1] for p in {s["code"]: s for s in recent.json()["series"]}["a21026"]["points"]] == [
        45.0
    ]
    bad = client.get(f"/api/v1/sources/outlets/{FLUE_GAS_OUTLET}/live", params={"minutes": 0})
    assert bad.status_code == 422
    page = client.get(f"/sources/outlets/{FLUE_GAS_OUTLET}")
    assert f'data-url="/api/v1/sources/outlets/{FLUE_GAS_OUTLET}/live?minutes=120"' in page.text
    _sign_out(client)
    sign_in(client, "jiangshan")
    other = client.get(f"/api/v1/sources/outlets/{FLUE_GAS_OUTLET}/live")
    assert other.status_code == 404
