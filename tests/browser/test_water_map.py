"""The water environment map in a real browser: a member of the public on a phone taps a
section and reads its trend and river chief; on a PC the period filter recolours the markers."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

#: The boundary section whose June is 劣V; class III over 2025.
STORM_SECTION = "QZW15"
STORM_CHIEF = "江山港江山市段河长（演示）"
LONGITUDE, LATITUDE = 118.68, 28.85
PHONE_WIDTH, PHONE_HEIGHT = 390, 844
TOUCH_TARGET_PX = 44


def open_water_map(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector('#water-map[data-ready="1"]', state="attached")


def colour_of(page: Page, code: str) -> str:
    dot = page.locator(f'.wq-dot[data-code="{code}"]')
    colour: str = dot.evaluate("el => getComputedStyle(el).backgroundColor")
    return colour


def test_on_a_phone_the_public_taps_a_section_and_sees_its_trend_and_river_chief(
    phone_page: Page, live_server: Any, demo_readings: Any
) -> None:
    page = phone_page
    open_water_map(page, live_server.url("/water"))
    expect(page.locator("#login-link")).to_be_visible()  # not signed in
    expect(page.locator(".wq-dot")).to_have_count(30)
    marker_box = page.locator(".water-marker").first.bounding_box()
    assert marker_box is not None
    assert marker_box["width"] >= TOUCH_TARGET_PX and marker_box["height"] >= TOUCH_TARGET_PX
    # As a user would, zoom to the section so that its neighbours do not overlap it.
    page.evaluate(
        f"window.ecocivWaterMap.map.setView([{LATITUDE}, {LONGITUDE}], 11, {{animate: false}})"
    )
    page.locator(f'.wq-dot[data-code="{STORM_SECTION}"]').tap()

    sheet = page.locator("#water-detail")
    expect(sheet).to_be_visible()
    expect(sheet).to_have_attribute("data-ready", "1")
    expect(page.locator("#river-chief")).to_have_text(STORM_CHIEF)
    expect(page.locator('#water-trend[data-ready="1"] canvas').first).to_be_visible()
    expect(page.locator("#months-table tbody tr")).to_have_count(12)
    expect(page.locator('#months-table tr[data-period="2025-06"]')).to_contain_text("劣V")
    expect(page.locator("#synthetic-badge").first).to_be_visible()

    # The detail is a bottom sheet over the map, as wide as the phone.
    box = sheet.bounding_box()
    assert box is not None
    assert box["width"] >= PHONE_WIDTH - 2, box
    assert abs(box["y"] + box["height"] - PHONE_HEIGHT) <= 2, box
    close = page.locator("#water-detail-close")
    close_box = close.bounding_box()
    assert close_box is not None and close_box["width"] >= TOUCH_TARGET_PX
    close.tap()
    expect(sheet).to_be_hidden()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"page is {width}px wide on a {PHONE_WIDTH}px screen"


def test_on_a_pc_changing_the_period_recolours_the_markers(
    page: Page, live_server: Any, demo_readings: Any
) -> None:
    open_water_map(page, live_server.url("/water"))
    expect(page.locator("#filter-period")).to_have_value("2025")
    assert colour_of(page, STORM_SECTION) == "rgb(60, 180, 75)"  # class III, green
    with page.expect_navigation():
        page.locator("#filter-period").select_option("2025-06")
    page.wait_for_selector('#water-map[data-ready="1"]', state="attached")
    expect(page.locator("#filter-period")).to_have_value("2025-06")
    assert colour_of(page, STORM_SECTION) == "rgb(224, 32, 32)"  # 劣V, red
    row = page.locator(f'#sections-table tr[data-code="{STORM_SECTION}"]')
    expect(row).to_contain_text("劣V")

    # Clicking the section in the list opens the side panel next to the map.
    row.locator("a.section-link").click()
    panel = page.locator("#water-detail")
    expect(panel).to_have_attribute("data-ready", "1")
    expect(page.locator("#river-chief")).to_have_text(STORM_CHIEF)
    map_box = page.locator("#water-map").bounding_box()
    panel_box = panel.bounding_box()
    assert map_box is not None and panel_box is not None
    assert panel_box["x"] >= map_box["x"] + map_box["width"], (map_box, panel_box)
