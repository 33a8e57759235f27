"""Hazardous-waste pages in a real browser: the receiver confirms receipt through the form and
the manifest reads 已办结 with the receipt section locked; the track page plays the vehicle
along its fixes (play, pause, the slider); the transport map draws the vehicle in transit with
a link to its manifest; the manifest page fits a phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ecociv.waste import services
from tests.conftest import SYSTEM
from tests.e2e.test_waste_pages import (
    PASSWORD,
    RECEIVER_USER,
    delivered,
    departed,
    register_cast,
    track_fixes,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_receiver_confirms_receipt_through_the_form_and_the_manifest_is_closed(
    page: Page, live_server: Any, log_in: Any
) -> None:
    cast = register_cast(live_server.db)
    number = delivered(cast)
    log_in(page, RECEIVER_USER, PASSWORD)
    page.goto(live_server.url(f"/waste/manifests/{number}"))
    expect(page.locator("#manifest-state")).to_contain_text("已送达")
    expect(page.locator("#section-receipt [data-locked]")).to_have_attribute("data-locked", "0")
    form = page.locator('form[data-form="confirm_receipt"]')
    expect(form).to_be_visible()
    form.locator("input[name=received_t_1]").fill("3.98")
    form.locator("input[name=method_code_1]").fill("R9")
    form.locator("input[name=method_code_2]").fill("D10")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".flash").first).to_contain_text("确认接收已完成")
    expect(page.locator("#manifest-state")).to_contain_text("已办结")
    expect(page.locator("#section-receipt h2 [data-locked]")).to_have_attribute("data-locked", "1")
    expect(page.locator('#lines-table tr[data-line="1"] td[data-col="received"]')).to_have_text(
        "3.98"
    )
    expect(page.locator('form[data-form="confirm_receipt"]')).to_have_count(0)
    expect(page.locator('form[data-form="report_disposal"]')).to_have_count(1)
    assert services.get_manifest(cast.db, SYSTEM, number).manifest.state.value == "closed"


def test_the_track_playback_moves_the_vehicle_along_the_fixes(
    page: Page, live_server: Any, log_in: Any
) -> None:
    cast = register_cast(live_server.db)
    number = departed(cast, synthetic=True)
    departed_at = services.get_manifest(cast.db, SYSTEM, number).manifest.departed_at
    assert departed_at is not None
    fixes = track_fixes(departed_at)
    services.ingest_fixes(cast.db, SYSTEM, fixes)
    log_in(page, "enterprise")
    page.goto(live_server.url(f"/waste/manifests/{number}"))
    with page.expect_navigation():
        page.locator("#track-link").click()
    track = page.locator("#track-map")
    expect(track).to_have_attribute("data-ready", "1")
    expect(page.locator("#synthetic-badge")).to_be_visible()
    marker = page.locator(".vehicle-marker")
    expect(marker).to_have_count(1)
    start_time = track.get_attribute("data-time")
    start_box = marker.bounding_box()
    assert start_time == str(int(fixes[0].observed_at.timestamp() * 1000))
    assert track.get_attribute("data-index") == "0"

    page.locator("#track-speed").select_option("600")
    page.locator("#track-play").click()
    expect(track).to_have_attribute("data-playing", "1")
    expect(page.locator("#track-play")).to_have_text("暂停")
    expect(track).not_to_have_attribute("data-time", start_time)
    expect(track).not_to_have_attribute("data-index", "0", timeout=10_000)
    moved_box = marker.bounding_box()
    assert start_box is not None and moved_box is not None
    assert (moved_box["x"], moved_box["y"]) != (start_box["x"], start_box["y"])

    page.locator("#track-play").click()  # pause
    expect(track).to_have_attribute("data-playing", "0")
    paused = track.get_attribute("data-time")
    page.wait_for_timeout(400)
    assert track.get_attribute("data-time") == paused  # a paused vehicle stays put

    slider = page.locator("#track-slider")
    slider.fill(slider.get_attribute("max") or "0")  # drag to the end: the last fix
    expect(track).to_have_attribute("data-index", str(len(fixes) - 1))
    expect(track).to_have_attribute("data-lat", f"{_last_lat(page):.6f}")


def _last_lat(page: Page) -> float:
    data = page.evaluate("JSON.parse(document.getElementById('track-data').textContent)")
    return float(data["lat"][-1])


def test_the_transport_map_draws_the_vehicle_in_transit_with_a_link_to_its_manifest(
    page: Page, live_server: Any, log_in: Any
) -> None:
    cast = register_cast(live_server.db)
    number = departed(cast)
    departed_at = services.get_manifest(cast.db, SYSTEM, number).manifest.departed_at
    assert departed_at is not None
    services.ingest_fixes(cast.db, SYSTEM, track_fixes(departed_at)[:3])
    log_in(page, "cityoffice")
    page.goto(live_server.url("/waste/map"))
    the_map = page.locator("#waste-map")
    expect(the_map).to_have_attribute("data-ready", "1")
    expect(the_map).to_have_attribute("data-vehicles", "1")
    assert int(the_map.get_attribute("data-facilities") or "0") >= 4
    page.locator(".vehicle-marker").click()
    link = page.locator(f'.leaflet-popup a[href="/waste/manifests/{number}"]')
    expect(link).to_be_visible()
    with page.expect_navigation():
        link.click()
    expect(page.locator("#manifest-ref")).to_have_text(number)


def test_the_manifest_page_and_its_step_form_fit_a_phone(
    phone_page: Page, live_server: Any, log_in: Any
) -> None:
    cast = register_cast(live_server.db)
    number = delivered(cast)
    log_in(phone_page, RECEIVER_USER, PASSWORD)
    phone_page.goto(live_server.url(f"/waste/manifests/{number}"))
    expect(phone_page.locator('form[data-form="confirm_receipt"]')).to_be_visible()
    overflow = phone_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    button = phone_page.locator('form[data-form="confirm_receipt"] button[type=submit]')
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb-sized target
