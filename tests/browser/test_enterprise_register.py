"""A county officer registers an enterprise through the real form at /enterprises/new."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ecociv import orgs
from ecociv.adapters.db import Database
from ecociv.kernel import Actor, Role
from ecociv.kernel.errors import NotFoundError
from ecociv.kernel.uscc import CHARSET, check_char

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

KECHENG = "330802"
#: 17 characters: registration authority 9 (industry and commerce), category 1 (enterprise),
#: 柯城区's division code, then a 9-character organisation code not used by the demo data.
BODY = "91" + KECHENG + "MA2BR0W5E"
NAME = "衢州浏览器测试新材料有限公司"
READER = Actor(username="browser-test", role=Role.ADMIN, request_id="browser-test")


def wrong_check_char(first17: str) -> str:
    right = check_char(first17)
    return next(c for c in CHARSET if c != right)


def is_registered(db: Database, uscc: str) -> bool:
    try:
        orgs.get_enterprise(db, READER, uscc)
    except NotFoundError:
        return False
    return True


def enterprise_total(db: Database) -> int:
    return orgs.list_enterprises(db, READER, page_size=1).total


def fill_form(page: Page, uscc: str) -> None:
    form = page.locator("#enterprise-form")
    form.locator("input[name=uscc]").fill(uscc)
    form.locator("input[name=name]").fill(NAME)
    form.locator("input[name=address]").fill("衢州市柯城区测试路 1 号")
    form.locator("input[name=industry_code]").fill("C2614")


def submit(page: Page) -> None:
    with page.expect_navigation():
        page.locator("#enterprise-form button[type=submit]").click()


def test_register_enterprise_rejects_a_wrong_check_character_then_saves(
    page: Page,
    live_server: Any,
    log_in: Callable[..., None],
) -> None:
    good = BODY + check_char(BODY)
    bad = BODY + wrong_check_char(BODY)
    assert good != bad and len(good) == len(bad) == 18
    assert not is_registered(live_server.db, good)
    before = enterprise_total(live_server.db)
    log_in(page, "kecheng")

    # A wrong check character: the form comes back with the error list, nothing is stored.
    page.goto(live_server.url("/enterprises/new"))
    fill_form(page, bad)
    submit(page)
    assert page.url == live_server.url("/enterprises/new")
    errors = page.locator("#form-errors")
    expect(errors).to_be_visible()
    expect(errors.locator('li[data-field="uscc"]')).to_contain_text("校验码")
    expect(page.locator("#enterprise-form input[name=uscc]")).to_have_value(bad)
    expect(page.locator("#enterprise-form input[name=name]")).to_have_value(NAME)
    assert not is_registered(live_server.db, bad)
    assert not is_registered(live_server.db, good)
    assert enterprise_total(live_server.db) == before

    # The correct code: redirected to the enterprise's page, which shows its name.
    page.locator("#enterprise-form input[name=uscc]").fill(good)
    submit(page)
    assert page.url == live_server.url(f"/enterprises/{good}")
    expect(page.locator("h1")).to_contain_text(NAME)
    expect(page.locator("#form-errors")).to_have_count(0)
    expect(page.get_by_text(good, exact=True)).to_be_visible()
    assert is_registered(live_server.db, good)
    assert enterprise_total(live_server.db) == before + 1


def test_county_officer_may_register_only_in_their_own_county(
    page: Page,
    live_server: Any,
    log_in: Callable[..., None],
) -> None:
    log_in(page, "kecheng")
    page.goto(live_server.url("/enterprises/new"))
    options = page.locator("#enterprise-form select[name=county_code] option")
    expect(options).to_have_count(1)
    expect(options).to_have_attribute("value", KECHENG)
    expect(page.locator("#enterprise-form select[name=county_code]")).to_have_value(KECHENG)
