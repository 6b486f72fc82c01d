"""The harvest in a real browser: a phone gives its harvest dots and joins a working group, the
facilitator's panel follows live and downloads the exports, the printable report fits A4, Day 2
is one click, deleting a café reaches every screen; and the room's passcode and lock."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.server import LiveClient, Server

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1440, "height": 900}, "accept_downloads": True}
XSS = '<img src=x onerror="document.body.dataset.pwned=1">'


def facilitator(server: Server, secret: str | None = None) -> LiveClient:
    return LiveClient(server, {"cafe": server.code, "role": "facilitator", "secret": secret or server.secret}).connect()


def open_phone(browser: Any, server: Server) -> tuple[Any, Any]:
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    page.goto(f"{server.url}/j/{server.code}")
    page.wait_for_selector("#join:not([hidden])")
    return ctx, page


def join_phone(browser: Any, server: Server, name: str) -> tuple[Any, Any]:
    ctx, page = open_phone(browser, server)
    page.fill("#name", name)
    page.click("#join-button")
    expect(page.locator("#lobby")).to_be_visible()
    return ctx, page


def open_panel(browser: Any, server: Server) -> tuple[Any, Any]:
    ctx = browser.new_context(**LAPTOP)
    page = ctx.new_page()
    page.goto(f"{server.url}/f/{server.code}#{server.secret}")
    expect(page.locator("#panel")).to_be_visible()
    expect(page.locator("#tally tr")).to_have_count(6)  # five topics and the total
    return ctx, page


def person_id(fac: LiveClient, name: str) -> int:
    return next(p["id"] for p in fac.state()["participants"] if p["name"] == name)


def add_note(
    client: LiveClient, table_id: int, text: str, colour: str = "yellow", anonymous: bool = False
) -> dict[str, Any]:
    ack = client.call(
        "add_note",
        {
            "id": str(uuid.uuid4()),
            "table_id": table_id,
            "round": 1,
            "text": text,
            "colour": colour,
            "anonymous": anonymous,
        },
    )
    assert ack["ok"], ack
    note: dict[str, Any] = ack["note"]
    return note


def download(panel: Any, button: str) -> tuple[str, str]:
    with panel.expect_download() as info:
        panel.click(button)
    got = info.value
    return got.suggested_filename, Path(got.path()).read_text(encoding="utf-8")


# --- the harvest ------------------------------------------------------------------------------


def test_a_phone_votes_and_signs_up_in_the_harvest_and_the_panel_follows_live(
    browser: Any, live_server: Server, shot: Any
) -> None:
    server = live_server
    phone_ctx, phone = join_phone(browser, server, "Ana")
    ben = server.join("Ben")
    ben_client = LiveClient(server, {"cafe": server.code, "role": "phone", "token": ben["token"]}).connect()
    fac = facilitator(server)
    board_ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    board = board_ctx.new_page()
    board.goto(f"{server.url}/b/{server.code}")
    try:
        assert fac.call("start_round", {})["ok"]
        assert fac.call("start_round", {})["ok"]
        state = fac.state()
        ben_id = person_id(fac, "Ben")
        ben_table = int(state["seating"]["seats"][str(ben_id)])
        tables = {t["id"]: t for t in state["tables"]}
        topic = next(t for t in state["topics"] if t["id"] == tables[ben_table]["topic_id"])
        first = add_note(ben_client, ben_table, "A shared bulk-buying fund for the food co-ops", "green")
        second = add_note(ben_client, ben_table, XSS, "pink", anonymous=True)
        add_note(ben_client, ben_table, "Map who already sells to whom, county by county", "blue")
        assert ben_client.call("vote", {"note_id": first["id"]})["ok"]
        assert fac.call("set_host", {"table_id": ben_table, "participant_id": ben_id})["ok"]
        assert ben_client.call(
            "write_summary",
            {
                "table_id": ben_table,
                "round": 1,
                "text": "We kept coming back to money: a fund the co-ops own together.",
            },
        )["ok"]

        # The panel's harvest card works before the harvest too.
        panel_ctx, panel = open_panel(browser, server)
        row = panel.locator(f"#tally-{topic['id']}")
        expect(row.locator(".t-notes")).to_have_text("3")
        expect(row.locator(".t-votes")).to_have_text("1")
        expect(row.locator(".t-harvest")).to_have_text("0")
        expect(panel.locator("#harvest-when")).to_contain_text("available at any time")

        assert fac.call("start_harvest", {})["ok"]
        expect(phone.locator("#harvest")).to_be_visible()
        expect(phone.locator("#harvest-dots")).to_have_text("● 5 of 5 dots left")
        section = phone.locator(f"#harvest-topic-{topic['id']}")
        # The area's number (its place among the areas) stands beside its name.
        number = state["topics"].index(topic) + 1
        expect(section.locator(".harvest-name")).to_have_text(f"{number}{topic['name']}")
        expect(section.locator(".harvest-name .area-n")).to_have_text(str(number))
        expect(section.locator(".notes > li")).to_have_count(3)
        expect(section.locator(".summary-text")).to_have_text(
            "We kept coming back to money: a fund the co-ops own together."
        )
        # Markup typed in a note is shown as typed, never run.
        expect(section.locator(f"li[data-id='{second['id']}'] .note-text")).to_have_text(XSS)
        assert phone.locator("body").get_attribute("data-pwned") is None

        # A harvest dot: the phone's budget and the panel's tally move together, without a reload.
        phone.click(f"#hdot-{first['id']}")
        expect(phone.locator(f"#hdot-{first['id']}")).to_have_attribute("aria-pressed", "true")
        expect(phone.locator("#harvest-dots")).to_have_text("● 4 of 5 dots left")
        expect(row.locator(".t-harvest")).to_have_text("1")
        expect(panel.locator(f"#harvest-card-{topic['id']} .top-notes li").first).to_contain_text(
            "A shared bulk-buying fund"
        )
        expect(panel.locator("#harvest-when")).to_contain_text("harvesting now")

        # Joining the working group: the name comes from the phone, the contact goes to the server only.
        expect(section.locator(f"#harvest-{topic['id']}-name")).to_have_value("Ana")
        phone.locator(f"#harvest-{topic['id']}-form").scroll_into_view_if_needed()
        # The contact is asked for only with a yes, and the form says how long it is kept.
        expect(section.locator(f"#harvest-{topic['id']}-contact")).to_be_hidden()
        expect(section.locator(f"#harvest-{topic['id']}-privacy")).to_contain_text("deleted 30 days after you sign up")
        section.locator(f"#harvest-{topic['id']}-consent").check()
        shot(phone, "harvest-phone-390-form")
        section.locator(f"#harvest-{topic['id']}-contact").fill("ana@example.org")
        section.locator(f"#harvest-{topic['id']}-join").click()
        expect(section.locator(f"#harvest-{topic['id']}-in")).to_be_visible()
        expect(section.locator(f"#harvest-{topic['id']}-in")).to_contain_text("You’re in")
        expect(section.locator(f"#harvest-{topic['id']}-form")).to_be_hidden()
        expect(row.locator(".t-signups")).to_have_text("1")
        expect(panel.locator(f"#harvest-card-{topic['id']} .signups li")).to_have_text(["Ana"])
        assert "ana@example.org" not in panel.content()
        assert "ana@example.org" not in phone.content()

        phone.evaluate("() => window.scrollTo(0, 0)")
        shot(phone, "harvest-phone-390")
        section.locator(".notes").scroll_into_view_if_needed()
        shot(phone, "harvest-phone-390-notes")
        panel.evaluate("() => document.getElementById('harvest-card').scrollIntoView({block: 'start'})")
        shot(panel, "harvest-panel")

        # Out of dots: the refusal is said to the person, in plain words.
        assert fac.call("update_cafe", {"settings": {"harvest_dots": 1}})["ok"]
        expect(phone.locator("#harvest-dots")).to_contain_text("All 1 dot given")
        phone.click(f"#hdot-{second['id']}")
        expect(phone.locator("#toast")).to_contain_text("You have used your only dot in the harvest")
        expect(phone.locator(f"#hdot-{second['id']}")).to_have_attribute("aria-pressed", "false")

        # The exports, each downloaded from the panel with the secret in a header.
        name, text = download(panel, "#export-notes-csv")
        assert name == f"{server.code}-notes.csv"
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 3
        name, text = download(panel, "#export-cafe-json")
        assert name == f"{server.code}-cafe.json"
        assert "ana@example.org" in text and json.loads(text)
        name, text = download(panel, "#export-report-md")
        assert "A shared bulk-buying fund" in text
        name, text = download(panel, "#export-report-html")
        assert name == f"{server.code}-report.html" and "<html" in text and "Ana — ana@example.org" in text
        name, text = download(panel, "#export-template-json")
        assert json.loads(text)
        expect(panel.locator("#export-msg")).to_have_text(f"Downloaded {server.code}-template.json.")
        # The convener's part: their group alone, with the contact given with a yes.
        name, text = download(panel, f"#harvest-card-{topic['id']} [data-kind='group-{topic['id']}.md']")
        assert name == f"{server.code}-group-{topic['id']}.md"
        assert "## People who may be contacted" in text and "Ana — ana@example.org" in text

        # The printable report, as it prints on A4 portrait.
        report_ctx = browser.new_context(
            viewport={"width": 794, "height": 1123}, extra_http_headers={"Authorization": f"Bearer {server.secret}"}
        )
        report = report_ctx.new_page()
        report.goto(f"{server.url}/f/{server.code}/export/report.html")
        report.emulate_media(media="print")
        expect(report.locator("h1")).to_be_visible()
        # Its stylesheet is allowed by hash: the page really is styled (A4 width, sans-serif).
        assert report.evaluate("() => getComputedStyle(document.body).maxWidth") != "none"
        shot(report, "harvest-report-a4")
        report_ctx.close()

        # Leaving the working group.
        phone.locator(f"#harvest-{topic['id']}-leave").click()
        expect(section.locator(f"#harvest-{topic['id']}-form")).to_be_visible()
        expect(row.locator(".t-signups")).to_have_text("0")

        # Day 2 from Day 1, then the café is deleted: every screen says so.
        panel.fill("#carry-notes", "2")
        panel.click("#duplicate-button")
        expect(panel.locator("#duplicate-links")).to_be_visible()
        expect(panel.locator("#duplicate-link")).to_have_attribute("href", re.compile(r"/f/[A-Z0-9]+#.+"))
        panel.fill("#delete-confirm", "WRONG")
        panel.click("#delete-button")
        expect(panel.locator("#delete-msg")).to_contain_text(f"type the café code {server.code}")
        panel.fill("#delete-confirm", server.code.lower())
        panel.click("#delete-button")
        expect(panel.get_by_role("heading", name="This café has been deleted")).to_be_visible()
        expect(phone.locator("#problem-title")).to_have_text("This café has been deleted")
        expect(board.get_by_role("heading", name="This café has been deleted")).to_be_visible()
        assert phone.evaluate("() => localStorage.length") == 0
        panel_ctx.close()
    finally:
        fac.close()
        ben_client.close()
        phone_ctx.close()
        board_ctx.close()


# --- who can join ------------------------------------------------------------------------------


def test_a_passcode_and_the_lock_set_from_the_panel_guard_the_door(
    browser: Any, live_server: Server, shot: Any
) -> None:
    server = live_server
    panel_ctx, panel = open_panel(browser, server)
    other_ctx, other_panel = open_panel(browser, server)
    try:
        panel.fill("#passcode-input", "12ab")
        panel.click("#passcode-form button[type=submit]")
        expect(panel.locator("#access-msg")).to_contain_text("6 to 12 digits")
        panel.fill("#passcode-input", "432187")
        panel.click("#passcode-form button[type=submit]")
        expect(panel.locator("#access-msg")).to_contain_text("Passcode set")

        ctx, phone = open_phone(browser, server)
        phone.fill("#name", "Chidi")
        phone.click("#join-button")
        expect(phone.locator("#passcode-row")).to_be_visible()
        # Digits or words: the phone's ordinary keyboard, no capitals forced on the first letter.
        expect(phone.locator("#passcode")).to_have_attribute("autocapitalize", "none")
        expect(phone.locator("#join-error")).to_have_text("Type the passcode the facilitator gave the room.")
        phone.fill("#passcode", "111111")
        phone.click("#join-button")
        expect(phone.locator("#join-error")).to_have_text("That passcode is not right. Check it with the facilitator.")
        shot(phone, "passcode-phone-390")
        phone.fill("#passcode", "432187")
        phone.click("#join-button")
        expect(phone.locator("#lobby")).to_be_visible()
        ctx.close()

        panel.check("#lock-cafe")
        expect(panel.locator("#access-msg")).to_contain_text("Locked")
        ctx, phone = open_phone(browser, server)
        phone.fill("#name", "Dana")
        phone.click("#join-button")
        expect(phone.locator("#join-error")).to_have_text(
            "This café is not taking new people right now. Ask the facilitator."
        )
        expect(phone.locator("#lobby")).to_be_hidden()
        ctx.close()

        # A new facilitator link: this panel carries on with it; the other one is told.
        panel.click("#rotate-link")
        panel.click("#confirm-ok")
        expect(panel.locator("#new-link")).to_be_visible()
        new_url = panel.locator("#new-link-text").inner_text()
        new_secret = new_url.split("#", 1)[1]
        assert new_secret != server.secret and f"/f/{server.code}#" in new_url
        expect(other_panel.locator("#link-replaced")).to_be_visible()
        expect(other_panel.locator("#link-replaced")).to_contain_text("This link was replaced; open the new link")
        assert panel.evaluate("() => location.hash.slice(1)") == new_secret
        panel.evaluate("() => document.getElementById('access-block').scrollIntoView({block: 'center'})")
        shot(panel, "panel-access")
        shot(other_panel, "panel-link-replaced")
        panel.uncheck("#lock-cafe")
        expect(panel.locator("#access-msg")).to_contain_text("Unlocked")
        name, _ = download(panel, "#export-template-json")
        assert name.endswith("template.json")
        panel.reload()
        expect(panel.locator("#panel")).to_be_visible()
        expect(panel.locator("#lock-cafe")).not_to_be_checked()
        expect(panel.locator("#passcode-input")).to_have_value("432187")
    finally:
        panel_ctx.close()
        other_ctx.close()
