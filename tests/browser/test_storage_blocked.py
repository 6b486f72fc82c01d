"""A browser whose storage throws (storage turned off, some private modes, a full quota) still
gets a working phone and board: every read and write of localStorage goes through
static/js/storage.js, which never lets an exception reach the page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_tablecloth import PHONE, facilitator, start_discussion
from tests.server import Server

pytestmark = pytest.mark.browser

# Reading `window.localStorage` itself throws, as it does when the browser blocks site data.
BLOCKED = """
Object.defineProperty(window, 'localStorage', {
  configurable: true,
  get() { throw new DOMException('The operation is insecure.', 'SecurityError'); },
});
"""
# The storage is there, but full: every write throws.
FULL = """
Storage.prototype.setItem = function () { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };
"""


def open_page(browser: Any, url: str, script: str, **context: Any) -> tuple[Any, Any, list[str]]:
    """A page whose storage behaves as `script` makes it, and the script errors it throws."""
    ctx = browser.new_context(**context)
    ctx.add_init_script(script)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return ctx, page, errors


@pytest.mark.parametrize("script", [BLOCKED, FULL], ids=["blocked", "full"])
def test_a_phone_whose_storage_throws_joins_and_follows_the_cafe(
    browser: Any, live_server: Server, script: str
) -> None:
    ctx, page, errors = open_page(browser, f"{live_server.url}/j/{live_server.code}", script, **PHONE)
    try:
        page.wait_for_selector("#join:not([hidden])")
        page.click("#text-size")
        expect(page.locator("html")).to_have_attribute("data-text", "large")
        page.fill("#name", "Ines")
        page.click("#join-button")
        expect(page.locator("#lobby")).to_be_visible()
        expect(page.locator("#me-name")).to_have_text("Ines")

        fac = facilitator(live_server)
        start_discussion(fac)
        fac.close()
        expect(page.locator("#discuss")).to_be_visible()
        expect(page.locator("#countdown")).to_have_text(re.compile(r"^\d+:\d\d$"))
        expect(page.locator("#cloth")).to_be_visible()
        # A note this phone cannot keep is not taken silently: the composer says so and keeps it.
        page.click("#write")
        page.fill("#note-text", "Kept in the composer")
        page.click("#post")
        expect(page.locator("#composer-error")).to_be_visible()
        expect(page.locator("#note-text")).to_have_value("Kept in the composer")
        assert not errors, errors
    finally:
        ctx.close()


def test_a_board_whose_storage_throws_still_shows_the_cafe(browser: Any, live_server: Server) -> None:
    ctx, page, errors = open_page(
        browser, f"{live_server.url}/b/{live_server.code}", BLOCKED, viewport={"width": 1280, "height": 720}
    )
    try:
        expect(page.locator("#topics li")).to_have_count(5)
        page.click("#bell-on")
        assert not errors, errors
    finally:
        ctx.close()
