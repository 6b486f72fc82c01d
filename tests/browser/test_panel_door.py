"""The door of the room, from the panel: newcomers who wait until the facilitator lets them in
(their phone says so, in their language), and a flood of fake names removed in one go."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import violations
from tests.browser.test_room_panel import THIN_ROOM, join_room, open_panel
from tests.server import Server

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PHONE_WORDS = Path(__file__).resolve().parent.parent.parent / "static" / "i18n"


def test_newcomers_wait_on_a_translated_screen_until_the_facilitator_lets_them_in(
    browser: Any, live_server: Server, shot: Any
) -> None:
    join_room(live_server, THIN_ROOM[:3])
    ctx, panel = open_panel(browser, live_server)
    phone_ctx = browser.new_context(**PHONE, locale="es-ES")
    board_ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        board = board_ctx.new_page()
        board.goto(f"{live_server.url}/b/{live_server.code}")
        panel.check("#approve-joins")
        expect(panel.locator("#access-msg")).to_contain_text("wait until you let them in")
        expect(panel.locator("#waiting")).to_be_hidden()
        # Rosa's cousin joins on her phone, in Spanish: she waits, and is told so.
        phone = phone_ctx.new_page()
        phone.goto(f"{live_server.url}/j/{live_server.code}")
        phone.fill("#name", "Marisol")
        phone.click("#join-button")
        es = json.loads((PHONE_WORDS / "es.json").read_text("utf-8"))
        expect(phone.locator("#problem-title")).to_have_text(es["Waiting to be let in"])
        assert violations(phone, "phone waiting to be let in") == []
        shot(phone, "phone-waiting-to-be-let-in-es-390x844")
        # Someone nobody knows joins too (a script, from the HTTP API).
        join_room(live_server, [("Spam Bot", {})])
        expect(panel.locator("#waiting-title")).to_have_text("2 people waiting to be let in")
        expect(panel.locator("#waiting-list li")).to_have_count(2)
        # Waiting people are not counted or named on the board, and cannot be moved to a table.
        expect(board.locator("#names li", has_text="Marisol")).to_have_count(0)
        expect(board.locator("#present-count")).to_have_text("0")
        expect(panel.locator("#move-who option", has_text="Marisol")).to_have_count(0)
        assert violations(panel, "panel with people waiting") == []
        panel.locator("#live-h").scroll_into_view_if_needed()
        shot(panel, "panel-waiting-1280x800")
        panel.get_by_role("button", name="Let in: Marisol").click()
        expect(panel.locator("#waiting-title")).to_have_text("1 person waiting to be let in")
        # Her phone shows the café at once.
        expect(phone.locator("#problem")).to_be_hidden()
        expect(phone.locator("#lobby")).to_be_visible()
        expect(board.locator("#names li", has_text="Marisol")).to_have_count(1)
        # The other one is removed from the participants list.
        panel.get_by_role("checkbox", name="Select Spam Bot").check()
        panel.click("#remove-picked")
        panel.locator("#confirm-ok").click()
        expect(panel.locator("#waiting")).to_be_hidden()
        expect(panel.locator("#people td.p-name", has_text="Spam Bot")).to_have_count(0)
        expect(panel.locator("#people tr")).to_have_count(4)
    finally:
        board_ctx.close()
        phone_ctx.close()
        ctx.close()


def test_a_flood_of_fake_names_is_removed_in_one_go_and_the_rest_of_the_room_stays(
    browser: Any, live_server: Server, shot: Any
) -> None:
    ids = join_room(live_server, THIN_ROOM)
    join_room(live_server, [(f"Bot {i}", {}) for i in range(30)])
    ctx, panel = open_panel(browser, live_server)
    try:
        expect(panel.locator("#people tr")).to_have_count(len(THIN_ROOM) + 30)
        expect(panel.locator("#remove-picked")).to_be_disabled()
        # Select everyone, then keep the real people: what remains selected is the flood.
        panel.check("#pick-all")
        for name in ids:
            panel.locator(f"#pick-{ids[name]}").uncheck()
        expect(panel.locator("#remove-picked")).to_have_text("Remove 30 selected")
        assert panel.locator("#pick-all").evaluate("(box) => box.indeterminate") is True
        panel.click("#remove-picked")
        expect(panel.locator("#confirm-title")).to_have_text("Remove 30 people?")
        expect(panel.locator("#confirm-text")).to_contain_text("Bot 0")
        shot(panel, "panel-remove-flood-1280x800")
        panel.locator("#confirm-ok").click()
        # Thirty departures in one transaction, then thirty events to redraw: give a busy
        # machine longer than the default five seconds.
        expect(panel.locator("#people-msg")).to_have_text("30 people removed.", timeout=20_000)
        expect(panel.locator("#people tr")).to_have_count(len(THIN_ROOM))
        expect(panel.locator("#remove-picked")).to_be_disabled()
        # Starting a round now seats only the room as it is.
        panel.click("#btn-start")
        expect(panel.locator("#seat-round")).to_contain_text("1")
        assert violations(panel, "panel after removing a flood") == []
    finally:
        ctx.close()
