"""The cheapest phone on weak Wi-Fi: everything the phone page transfers, compressed, from the
first request to sitting in the lobby, measured in Chromium's own network log."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_tablecloth import PHONE
from tests.server import Server

pytestmark = pytest.mark.browser

BUDGET_BYTES = 60 * 1024


def test_the_phone_page_transfers_at_most_60_kb_compressed(browser: Any, live_server: Server) -> None:
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    fonts: list[str] = []
    page.on("request", lambda r: fonts.append(r.url) if r.resource_type == "font" else None)
    try:
        page.goto(f"{live_server.url}/j/{live_server.code}")
        expect(page.locator("#join")).to_be_visible()
        page.fill("#name", "Ana")
        page.click("#join-button")
        expect(page.locator("#lobby")).to_be_visible()
        expect(page.locator("#present-count")).not_to_have_text("0")
        page.wait_for_load_state("networkidle")
        total = sum(sizes.values())
        for request_id, size in sorted(sizes.items(), key=lambda item: -item[1]):
            print(f"  {size / 1024:6.1f} KB  {urls.get(request_id, '?').replace(live_server.url, '')}")
        print(f"phone page weight: {total / 1024:.1f} KB transferred ({len(sizes)} requests)")
        assert not fonts, f"the phone needs no web fonts: {fonts}"
        assert total <= BUDGET_BYTES, f"{total / 1024:.1f} KB > {BUDGET_BYTES / 1024:.0f} KB"
    finally:
        ctx.close()
