"""Team links in a real browser: the facilitator makes a helper's link and a co-facilitator's; the
helper types their name at the door screen and checks a walk-in in; the co-facilitator's panel has
no way to delete the café or manage links; the activity log names who did what; closing the
helper's link stops their screen at once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import violations
from tests.browser.test_room_panel import LAPTOP, open_panel
from tests.server import Server

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def make_link(panel: Any, role: str, label: str) -> str:
    before = panel.locator("#team-new-text").inner_text()
    panel.select_option("#team-role", role)
    panel.fill("#team-label", label)
    panel.locator("#team-form").get_by_role("button", name="Make a link").click()
    expect(panel.locator("#team-msg")).to_have_text("Link made. Give it only to that person.")
    # The same message follows every link made: wait for this link, not the one before.
    expect(panel.locator("#team-new-text")).to_have_text(re.compile(r"^http.*/f/.*#"))
    if before:
        expect(panel.locator("#team-new-text")).not_to_have_text(before)
    url: str = panel.locator("#team-new-text").inner_text()
    return url


def test_a_helper_names_themselves_checks_someone_in_and_stops_when_the_link_is_closed(
    browser: Any, live_server: Server, shot: Any
) -> None:
    ctx, panel = open_panel(browser, live_server)
    door_ctx = browser.new_context(**PHONE, locale="ht-HT")
    co_ctx = browser.new_context(**LAPTOP)
    try:
        panel.locator("#team-links").scroll_into_view_if_needed()
        expect(panel.locator("#team-summary")).to_have_text("No team link is open.")
        helper_url = make_link(panel, "helper", "door team")
        assert "/door#" in helper_url
        expect(panel.locator("#team-summary")).to_have_text("1 helper link active")
        co_url = make_link(panel, "cofacilitator", "")
        expect(panel.locator("#team-summary")).to_have_text("1 co-facilitator link active · 1 helper link active")
        assert violations(panel, "panel team links") == []
        shot(panel, "panel-team-links-1280x800")

        door = door_ctx.new_page()
        door.goto(helper_url)
        expect(door.locator("#team-name")).to_be_visible()
        shot(door, "door-team-name-390x844")
        door.fill("#team-name-input", "Wilner")
        door.click("#team-name-go")
        expect(door.locator("#door")).to_be_visible()
        door.fill("#walk-in-name", "Nadège")
        door.click("#walk-in-add")
        expect(door.locator("#walk-in-msg")).to_contain_text("Nadège")

        co = co_ctx.new_page()
        co.goto(co_url)
        co.fill("#team-name-input", "Lucía")
        co.click("#team-name-go")
        expect(co.locator("#panel")).to_be_visible()
        expect(co.locator("body")).to_have_attribute("data-rights", "cofacilitator")
        expect(co.locator("#delete-form")).to_be_hidden()
        expect(co.locator("#team-links")).to_be_hidden()
        expect(co.locator("#rotate-link")).to_be_hidden()
        co.locator("#runbar").get_by_role("button", name="Start round 1").click()
        expect(panel.locator("#phase-label")).not_to_contain_text("Lobby")

        panel.locator("#activity summary").click()
        entries = panel.locator("#activity-list li")
        expect(entries.first).to_contain_text("Co-facilitator (Lucía) · start_round")
        expect(panel.locator("#activity-list")).to_contain_text("Helper (Wilner) · add_walk_in")
        panel.locator("#activity").scroll_into_view_if_needed()
        shot(panel, "panel-activity-log-1280x800")

        panel.locator("#team-list li", has_text="door team").get_by_role("button", name="Close this link").click()
        panel.locator("#confirm-ok").click()
        expect(panel.locator("#team-summary")).to_have_text("1 co-facilitator link active")
        expect(door.locator("#door-problem")).to_be_visible()
        expect(door.locator("#door")).to_be_hidden()
        shot(door, "door-link-closed-390x844")
    finally:
        co_ctx.close()
        door_ctx.close()
        ctx.close()
