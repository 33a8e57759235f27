"""A county officer's walk through the real pages: sign in, dashboard, map, English, sign out."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ecociv.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

COUNTIES_ZH = {"柯城区", "衢江区", "常山县", "开化县", "龙游县", "江山市"}
COUNTIES_EN = {
    "Kecheng District",
    "Qujiang District",
    "Changshan County",
    "Kaihua County",
    "Longyou County",
    "Jiangshan City",
}
KECHENG = "330802"
LOGIN_PAGE = re.compile(r"/login(\?.*)?$")


def county_labels(page: Page) -> list[str]:
    """The texts of the map's permanent county tooltips, once the map says it is ready."""
    page.wait_for_selector('#map[data-ready="1"]', state="attached")
    labels = page.locator(".leaflet-tooltip.county-label")
    expect(labels).to_have_count(6)
    return [text.strip() for text in labels.all_inner_texts()]


def test_county_officer_walk(
    page: Page,
    live_server: Any,
    log_in: Callable[..., None],
) -> None:
    # Sign in through the form; the officer lands on the dashboard, in Chinese by default.
    log_in(page, "kecheng")
    assert page.url == live_server.url("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    nav = page.locator("nav.mainnav")
    expect(nav.get_by_role("link", name="首页", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="一张图", exact=True)).to_be_visible()
    expect(page.locator(".whoami")).to_contain_text("kecheng")

    # Both ECharts charts drew a canvas (the officer may read enterprises, so both exist).
    for chart in ("#chart-areas", "#chart-enterprises"):
        canvas = page.locator(f"{chart} canvas").first
        expect(canvas).to_be_visible()
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100, (chart, box)

    # The one map: six permanent county labels, with the six Chinese names.
    nav.get_by_role("link", name="一张图", exact=True).click()
    page.wait_for_url(live_server.url("/map"))
    names = county_labels(page)
    assert sorted(names) == sorted(COUNTIES_ZH)
    assert len(names) == len(set(names)) == 6

    # Switch to English with the language link: the labels and the navigation follow.
    with page.expect_navigation():
        page.locator('a.lang[data-lang="en"]').click()
    page.wait_for_url(live_server.url("/map"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert sorted(county_labels(page)) == sorted(COUNTIES_EN)
    expect(page.locator(".county-label", has_text="Kecheng District")).to_be_visible()
    expect(nav.get_by_role("link", name="Dashboard", exact=True)).to_be_visible()
    expect(page.locator('a.lang[data-lang="zh_CN"]')).to_be_visible()

    # Sign out with the button: back on the sign-in page (still in English).
    with page.expect_navigation():
        page.locator("#logout").click()
    expect(page).to_have_url(LOGIN_PAGE)
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#logout")).to_have_count(0)
    expect(page.locator("#login-link")).to_be_visible()

    # Signed out, the enterprise register sends the browser to the sign-in page.
    page.goto(live_server.url("/enterprises"))
    expect(page).to_have_url(re.compile(r"/login\?next=/enterprises$"))
    expect(page.locator("#login-form")).to_be_visible()


def sign_in_on_the_form(page: Page, username: str) -> None:
    """Fill in the sign-in form the browser was sent to, and submit it."""
    form = page.locator("#login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_sign_in_from_the_redirect_returns_to_the_page_asked_for(
    page: Page,
    live_server: Any,
) -> None:
    page.goto(live_server.url("/enterprises"))
    assert page.url == live_server.url("/login?next=/enterprises")
    sign_in_on_the_form(page, "kecheng")
    assert page.url == live_server.url("/enterprises")
    expect(page.locator("#enterprise-list")).to_be_visible()


def test_sign_in_from_the_redirect_keeps_the_filters(
    page: Page,
    live_server: Any,
) -> None:
    page.goto(live_server.url(f"/enterprises?county_code={KECHENG}&q=%E8%A1%A2"))
    expect(page.locator("#login-form")).to_be_visible()
    sign_in_on_the_form(page, "kecheng")
    assert page.url == live_server.url(f"/enterprises?county_code={KECHENG}&q=%E8%A1%A2")
    assert page.locator("select[name=county_code]").input_value() == KECHENG


def test_language_switch_keeps_the_filters(
    page: Page,
    live_server: Any,
    log_in: Callable[..., None],
) -> None:
    log_in(page, "kecheng")
    filtered = live_server.url(f"/enterprises?county_code={KECHENG}&q=%E8%A1%A2")
    page.goto(filtered)
    assert page.locator("select[name=county_code]").input_value() == KECHENG
    with page.expect_navigation():
        page.locator('a.lang[data-lang="en"]').click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url == filtered
    assert page.locator("select[name=county_code]").input_value() == KECHENG
