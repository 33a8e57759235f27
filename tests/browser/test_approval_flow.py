"""The annual report walks through the real pages: the county officer fills and submits, the
county head approves, the city office accepts, and the value is locked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from ecociv import indicators
from ecociv.kernel import Actor, Role

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

READER = Actor("browser-test", Role.ADMIN, request_id="browser-test")


def fresh_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    return context.new_page()


def test_report_goes_from_draft_to_accepted_through_the_pages(
    browser: Browser, live_server: Any, log_in: Callable[..., None]
) -> None:
    officer = fresh_page(browser)
    log_in(officer, "kecheng")
    officer.goto(live_server.url("/reports?year=2024"))
    with officer.expect_navigation():
        officer.locator("#open-report button").click()
    report_url = officer.url
    report_id = int(report_url.rsplit("/", 1)[1])
    expect(officer.locator("#report-state")).to_have_attribute("data-state", "draft")

    # a negative number is refused, with the field marked, and nothing is saved
    rows = officer.locator("tr[data-element]")
    codes = [rows.nth(i).get_attribute("data-element") for i in range(rows.count())]
    view = indicators.get_report(live_server.db, READER, report_id)
    officer.fill("input[name=v_coal_10kt]", "-1")
    with officer.expect_navigation():
        officer.click("#save")
    expect(officer.locator("#form-errors")).to_contain_text("coal_10kt")
    assert indicators.get_report(live_server.db, READER, report_id).values == {}

    # fill every field with last year's value and submit
    for code in codes:
        assert code is not None
        previous = view.previous.get(code)
        field = officer.locator(f"[name=v_{code}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(str(previous))
        else:
            field.fill(str(previous))
    with officer.expect_navigation():
        officer.click("#submit")
    expect(officer.locator("#report-state")).to_have_attribute("data-state", "submitted")

    head = fresh_page(browser)
    log_in(head, "kecheng_head")
    head.goto(report_url)
    with head.expect_navigation():
        head.click("#approve")
    expect(head.locator("#report-state")).to_have_attribute("data-state", "approved")

    city = fresh_page(browser)
    log_in(city, "cityoffice")
    city.goto(live_server.url("/reports?year=2024"))
    expect(city.locator('[data-queue="accept"]')).to_contain_text("柯城区")
    city.goto(report_url)
    with city.expect_navigation():
        city.click("#accept")
    expect(city.locator("#report-state")).to_have_attribute("data-state", "accepted")

    officer.goto(report_url)
    expect(officer.locator("#report-state")).to_have_attribute("data-state", "accepted")
    assert officer.locator("input[name=v_coal_10kt]").count() == 0  # locked: read-only
    stored = indicators.get_report(live_server.db, READER, report_id)
    assert stored.values["coal_10kt"] == view.previous["coal_10kt"]
    assert [e.to_state for e in stored.events] == ["submitted", "approved", "accepted"]


def test_a_return_shows_its_reason_to_the_officer(
    browser: Browser, live_server: Any, log_in: Callable[..., None]
) -> None:
    city = fresh_page(browser)
    log_in(city, "cityoffice")
    approved = next(
        r
        for r in indicators.list_reports(live_server.db, READER, 2023)
        if r.state is indicators.ReportState.APPROVED
    )
    city.goto(live_server.url(f"/reports/{approved.id}"))
    city.fill("#return-form input[name=reason]", "请补充湿地公园批复文件")
    with city.expect_navigation():
        city.click("#return")
    expect(city.locator("#report-state")).to_have_attribute("data-state", "returned")
    expect(city.locator("#returned-reason")).to_contain_text("请补充湿地公园批复文件")
