"""Browser fixtures: the app served by uvicorn in a thread, and Debian's headless Chromium.

Browser tests run on SQLite only: each test gets a fresh copy of the demo template database.
Every test module here sets ``pytestmark = [pytest.mark.browser,
pytest.mark.xdist_group("browser")]``, so under ``-n 2 --dist loadgroup`` one worker runs them
all with one browser.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from ecociv.adapters.db import Database
from ecociv.config import Settings
from ecociv.demo import DEMO_PASSWORD
from tests.conftest import TEST_AUDIT_KEY

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Playwright's default timeout is 30 s; pages here are local, so fail sooner.
TIMEOUT_MS = 15_000
SERVER_START_SECONDS = 20.0
LOGIN_URL = re.compile(r"/login(\?|$)")


class LiveServer:
    """The application served over real HTTP on 127.0.0.1."""

    def __init__(self, base_url: str, db: Database) -> None:
        self.base_url = base_url
        self.db = db

    def url(self, path: str = "/") -> str:
        return self.base_url + path


@pytest.fixture
def browser_db(templates: dict[str, Any], tmp_path: Path) -> Iterator[Database]:
    """A fresh copy of the SQLite demo template (browser tests never use PostgreSQL)."""
    target = tmp_path / "browser.db"
    shutil.copyfile(templates["sqlite"].name, target)
    database = Database(f"sqlite:///{target}", audit_key=TEST_AUDIT_KEY)
    yield database
    database.dispose()


@pytest.fixture
def live_server(settings: Settings, browser_db: Database) -> Iterator[LiveServer]:
    """uvicorn serving create_app(settings, db) in a background thread on a free port."""
    from ecociv.web.app import create_app

    app = create_app(settings, db=browser_db)
    # Bind the socket here (port 0: the kernel picks a free port) and hand it to uvicorn, so
    # no other process can take the port between choosing it and listening on it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",  # no websockets import (and none of its deprecation warnings)
        http="h11",
        loop="asyncio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-browser", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + SERVER_START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(5)
            sock.close()
            pytest.fail(f"uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", browser_db)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        reason = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("ECOCIV_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + "; ECOCIV_REQUIRE_BROWSER=1 is set", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """Headless Debian Chromium, launched once per worker."""
    launched = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield launched
    launched.close()


def _new_context(browser: Browser, **options: Any) -> BrowserContext:
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


class PageErrors:
    """Uncaught JavaScript errors of a page; a test asserts there were none."""

    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        page.on("pageerror", lambda error: self.messages.append(str(error)))


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) at a desktop viewport."""
    made = _new_context(browser, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield made
    made.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    opened = context.new_page()
    errors = PageErrors(opened)
    yield opened
    assert errors.messages == [], f"JavaScript errors on the page: {errors.messages}"


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    """A page at a phone viewport (390×844, touch, mobile)."""
    made = _new_context(
        browser,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    opened = made.new_page()
    errors = PageErrors(opened)
    yield opened
    made.close()
    assert errors.messages == [], f"JavaScript errors on the page: {errors.messages}"


@pytest.fixture
def log_in(live_server: LiveServer) -> Callable[..., None]:
    """Sign in through the real login form; wait for the redirect away from /login."""

    def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
        page.goto(live_server.url("/login"))
        form = page.locator("#login-form")
        form.locator("input[name=username]").fill(username)
        form.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert not LOGIN_URL.search(page.url), f"still on the login page: {page.url}"

    return sign_in
