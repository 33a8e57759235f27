"""Pollution-source pages in a real browser: a county officer filters the warning centre,
acknowledges and resolves an exceedance with a note and keeps the filter; an outlet's live
chart draws real-time values and picks up a new frame without a reload."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ecociv.adapters.readings import ReadingsStore
from ecociv.config import Settings
from ecociv.kernel import utc_now
from ecociv.sources import services
from ecociv.sources.demo import demo_devices, load_sources_demo
from ecociv.sources.model import DeviceFrame, FrameValue
from tests.conftest import SYSTEM

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

FLUE_GAS_MN = "SYN33080200003"
FLUE_GAS_OUTLET = "330802-H572-DA001"


def _registry_and_store(live_server: Any, settings: Settings) -> ReadingsStore:
    services.clear_device_cache()
    load_sources_demo(live_server.db, SYSTEM)
    return ReadingsStore(settings.var_dir / "readings.duckdb")


def test_a_county_officer_acknowledges_and_resolves_an_exceedance_in_the_warning_centre(
    page: Page, live_server: Any, settings: Settings, log_in: Any
) -> None:
    store = _registry_and_store(live_server, settings)
    device = next(d for d in demo_devices() if d["outlet_code"] == "330802-0929-DW001")
    now = utc_now()
    hour = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    frames = [
        DeviceFrame(device["mn"], "2061", hour - timedelta(hours=h),
                    (FrameValue("w01018", "Avg", 150.0),), now)
        for h in range(3)
    ]  # fmt: skip
    services.store_frames(live_server.db, store, frames)
    services.record_device_activity(live_server.db, device["mn"], {"frames_ok": 3}, now)
    services.evaluate_device(live_server.db, store, device["mn"], now)

    log_in(page, "kecheng")
    page.goto(live_server.url("/sources/warnings"))
    filters = page.locator("#warning-filters")
    filters.locator("select[name=rule]").select_option("exceedance")
    filters.locator("select[name=state]").select_option("open")
    with page.expect_navigation():
        filters.locator("button[type=submit]").click()
    assert "rule=exceedance" in page.url
    rows = page.locator("#warnings tbody tr[data-id]")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("330802-0929-DW001")
    expect(row).to_contain_text("w01018")

    row.locator("input[name=notes]").fill("已电话通知企业排查")
    with page.expect_navigation():
        row.locator("button[value=acknowledge]").click()
    assert "rule=exceedance" in page.url and "state=open" in page.url  # the filter is kept
    expect(page.locator(".flash").first).to_contain_text("已更新")
    expect(page.locator("#warnings tbody tr[data-id]")).to_have_count(0)  # no longer open

    page.goto(live_server.url("/sources/warnings?rule=exceedance&state=acknowledged"))
    row = page.locator("#warnings tbody tr[data-id]").first
    expect(row).to_have_attribute("data-state", "acknowledged")
    expect(row).to_contain_text("kecheng")
    row.locator("input[name=notes]").fill("企业已整改，复测达标")
    with page.expect_navigation():
        row.locator("button[value=resolve]").click()
    page.goto(live_server.url("/sources/warnings?rule=exceedance&state=resolved"))
    resolved = page.locator("#warnings tbody tr[data-id]").first
    expect(resolved).to_have_attribute("data-state", "resolved")
    expect(resolved).to_contain_text("企业已整改，复测达标")


def test_the_live_chart_draws_real_time_values_and_picks_up_a_new_frame(
    page: Page, live_server: Any, settings: Settings, log_in: Any
) -> None:
    store = _registry_and_store(live_server, settings)
    now = utc_now().replace(microsecond=0)

    def send(minutes_ago: int, so2: float) -> None:
        at = now - timedelta(minutes=minutes_ago)
        frame = DeviceFrame(FLUE_GAS_MN, "2011", at,
                            (FrameValue("a21026", "Rtd", so2),
                             FrameValue("a21026", "ZsRtd", so2 * 1.2)), now)  # fmt: skip
        services.store_frames(live_server.db, store, [frame])

    for minutes_ago in (9, 6, 3):
        send(minutes_ago, 25.0)
    log_in(page, "kecheng")
    page.goto(live_server.url(f"/sources/outlets/{FLUE_GAS_OUTLET}"))
    live = page.locator("#live")
    expect(live).to_have_attribute("data-points", "3")
    chart = page.locator('#live-charts .chart[data-code="a21026"]')
    expect(chart.locator("canvas").first).to_be_visible()
    expect(page.locator("#live-status")).to_contain_text("3 个实时值")

    send(1, 40.0)  # the device sends again; the page asks without a reload
    page.evaluate("window.ecocivLive.poll()")
    expect(live).to_have_attribute("data-points", "4")
    expect(chart).to_have_attribute("data-points", "4")
