"""At a phone viewport (390×844) the public pages render and the nav hides behind the burger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_fits_the_phone(page: Page) -> None:
    """Nothing makes the page scroll sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px screen"


def test_public_home_on_a_phone(phone_page: Page, live_server: Any, tmp_path: Path) -> None:
    page = phone_page
    page.goto(live_server.url("/"))
    expect(page.locator("h1")).to_contain_text("衢州")
    expect(page.locator("#login-link")).to_be_visible()
    # The public sees the county-area chart, and no enterprise figures.
    expect(page.locator("#chart-areas canvas").first).to_be_visible()
    expect(page.locator("#chart-enterprises")).to_have_count(0)
    expect(page.locator("a.button[href='/map']")).to_be_visible()
    assert_fits_the_phone(page)

    # The navigation is collapsed behind the burger until it is tapped.
    burger = page.locator("label.nav-burger")
    nav = page.locator(".mainnav")
    expect(burger).to_be_visible()
    expect(nav).to_be_hidden()
    burger.click()
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="首页", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="一张图", exact=True)).to_be_visible()
    burger.click()
    expect(nav).to_be_hidden()

    shot = tmp_path / "home-phone.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert len(data) > 1000
    assert data.startswith(PNG_SIGNATURE)


def test_public_map_on_a_phone(phone_page: Page, live_server: Any) -> None:
    page = phone_page
    page.goto(live_server.url("/map"))
    page.wait_for_selector('#map[data-ready="1"]', state="attached")
    expect(page.locator(".leaflet-tooltip.county-label")).to_have_count(6)
    box = page.locator("#map").bounding_box()
    assert box is not None
    assert box["width"] <= 390 and box["width"] > 300, box
    assert box["height"] >= 400, box
    # The county shapes were drawn as SVG paths inside the map.
    assert page.locator("#map path.leaflet-interactive").count() >= 6
    expect(page.locator("label.nav-burger")).to_be_visible()
    expect(page.locator(".mainnav")).to_be_hidden()
    assert_fits_the_phone(page)

    # Through the burger the menu opens and leads back to the dashboard.
    page.locator("label.nav-burger").click()
    with page.expect_navigation():
        page.locator(".mainnav").get_by_role("link", name="首页", exact=True).click()
    assert page.url == live_server.url("/")
    expect(page.locator(".mainnav")).to_be_hidden()
