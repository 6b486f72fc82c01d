"""A café runs: set up in the panel, phones join, rounds start and end, seats match the database."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.server import LiveClient, Server

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
NAMES = ["Ana", "Ben", "Chioma", "Dev", "Eun-ji", "Farid"]

# A phone whose clock is five minutes fast: Date.now() and new Date() both shifted.
SKEWED_CLOCK = """
(() => {
  const SHIFT = 300000;
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  class SkewedDate extends RealDate {
    constructor(...args) { if (args.length === 0) super(realNow() + SHIFT); else super(...args); }
    static now() { return realNow() + SHIFT; }
  }
  globalThis.Date = SkewedDate;
})();
"""


def seats_in_db(server: Server, code: str, number: int) -> dict[str, str]:
    """{participant name: table label} for round `number` of the café `code`, read from the database."""
    engine = sa.create_engine(server.env["CAFE_DATABASE_URL"])
    try:
        with engine.connect() as db:
            rows = db.execute(
                sa.text(
                    "SELECT p.display_name, t.label FROM seat s"
                    " JOIN round r ON r.id = s.round_id"
                    " JOIN participant p ON p.id = s.participant_id"
                    " JOIN cafe_table t ON t.id = s.table_id"
                    " JOIN cafe c ON c.id = r.cafe_id"
                    " WHERE c.code = :code AND r.number = :n"
                ),
                {"code": code, "n": number},
            ).all()
    finally:
        engine.dispose()
    return {name: label for name, label in rows}


def ends_at_in_db(server: Server, code: str) -> int | None:
    engine = sa.create_engine(server.env["CAFE_DATABASE_URL"])
    try:
        with engine.connect() as db:
            value = db.execute(sa.text("SELECT ends_at_ms FROM cafe WHERE code = :code"), {"code": code}).scalar()
    finally:
        engine.dispose()
    return value


def add_topic(panel: Any, name: str, colour: str, tables: int, capacity: int, count_after: int) -> None:
    panel.fill("#new-topic-name", name)
    panel.fill("#new-topic-description", f"What {name} needs next.")
    panel.fill("#new-topic-colour", colour)
    panel.fill("#new-topic-tables", str(tables))
    panel.fill("#new-topic-capacity", str(capacity))
    panel.get_by_role("button", name="Add topic").click()
    expect(panel.locator("#add-topic-msg")).to_contain_text(f"“{name}” added")
    expect(panel.locator("#topic-editor > li")).to_have_count(count_after)


def test_a_cafe_runs_two_rounds_from_the_panel(browser: Any, live_server: Server, shot: Any) -> None:
    fac_ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    panel = fac_ctx.new_page()

    # Create a café from the home page and open the panel link it shows.
    panel.goto(f"{live_server.url}/")
    panel.fill("#title", "Spring Gathering")
    panel.get_by_role("button", name="Create café").click()
    link = panel.locator(".secret-link a")
    expect(link).to_be_visible()
    panel.goto(
        link.get_attribute("href").replace(
            urlsplit(link.get_attribute("href")).netloc, urlsplit(live_server.url).netloc, 1
        )
    )
    panel.wait_for_selector("#panel:not([hidden])")
    code = panel.locator("body").get_attribute("data-code")
    expect(panel.locator("#phase-label")).to_contain_text("Draft")

    # Set up: 2 topics x 2 tables of 3, 2 rounds, no auto-advance.
    add_topic(panel, "Worker Co-ops", "#b03a2e", 2, 3, 1)
    add_topic(panel, "Land Trusts", "#1f618d", 2, 3, 2)
    expect(panel.locator("#table-count")).to_have_text("4")
    expect(panel.locator("#seat-count")).to_have_text("12")

    panel.fill("#round-count", "2")
    expect(panel.locator("#round-editor > li")).to_have_count(2)
    panel.fill("#round-1-question", "What is already working here?")
    panel.fill("#round-1-discuss", "1")
    panel.fill("#round-1-move", "10")
    panel.select_option("#round-1-move-unit", "s")
    panel.fill("#round-2-question", "What could we do together next year?")
    panel.fill("#round-2-discuss", "1")
    panel.fill("#round-2-move", "10")
    panel.select_option("#round-2-move-unit", "s")
    panel.get_by_role("button", name="Save rounds").click()
    expect(panel.locator("#rounds-msg")).to_have_text("Saved 2 rounds.")

    panel.uncheck("#auto-advance")
    panel.get_by_role("button", name="Save café").click()
    expect(panel.locator("#cafe-msg")).to_have_text("Saved.")
    shot(panel, "panel-setup-1440x900")

    panel.click("#btn-open")
    expect(panel.locator("#phase-label")).to_contain_text("Lobby")
    expect(panel.locator("#btn-start")).to_be_visible()

    # The join URL as the panel shows it (its host is the LAN address: reach it on loopback).
    join_path = urlsplit(panel.locator("a[href*='/j/']").first.get_attribute("href")).path
    boards = []
    for size in ((1920, 1080), (1280, 720)):
        ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
        page = ctx.new_page()
        page.goto(f"{live_server.url}/b/{code}")
        boards.append((ctx, page))
    phones = []
    for name in NAMES:
        ctx = browser.new_context(**PHONE)
        page = ctx.new_page()
        page.goto(f"{live_server.url}{join_path}")
        page.wait_for_selector("#join:not([hidden])")
        page.fill("#name", name)
        page.click("#join-button")
        page.wait_for_selector("#lobby:not([hidden])")
        phones.append((name, ctx, page))
    expect(panel.locator("#present-count")).to_have_text("6")

    # Ana hosts the first table: she stays there every round.
    panel.locator("#topic-editor select[id$='-host']").first.select_option(label="Ana")
    expect(panel.locator("#topic-editor .form-msg", has_text="Host set.")).to_have_count(1)
    host_table = panel.locator("#topic-editor input[id$='-label']").first.input_value()

    def head(name: str, label: str) -> str:
        return f"Stay at {label}" if name == "Ana" else f"Go to {label}"

    # Round 1: everyone gets a seat and the phone says where to go.
    panel.click("#btn-start")
    expect(panel.locator("#phase-label")).to_contain_text("Round 1 of 2 · Moving")
    for _, _, page in phones:
        expect(page.locator("#move-head")).to_contain_text("Table")
    seats = seats_in_db(live_server, code, 1)
    assert sorted(seats) == sorted(NAMES)
    assert seats["Ana"] == host_table
    for name, _, page in phones:
        expect(page.locator("#move-head")).to_have_text(head(name, seats[name]))
    expect(phones[0][2].locator("#move-host")).to_contain_text("You host")
    expect(panel.locator("#seated-count")).to_have_text("6")
    shot(phones[0][2], "phone-move-390x844")
    board_small = boards[1][1]
    expect(board_small.locator("#run-map .map-table")).to_have_count(4)
    shot(board_small, "board-move-1280x720")

    # Skip the move: each phone shows its table and a running countdown.
    panel.click("#btn-skip")
    expect(panel.locator("#phase-label")).to_contain_text("Round 1 of 2 · Discussion")
    for name, _, page in phones:
        expect(page.locator("#discuss")).to_be_visible()
        expect(page.locator("#discuss-table")).to_have_text(seats[name])
        expect(page.locator("#discuss-question")).to_have_text("What is already working here?")
        expect(page.locator("#countdown")).to_have_attribute("data-remaining-ms", _positive())
    expect(boards[0][1].locator("#countdown")).to_have_attribute("data-remaining-ms", _positive())
    panel.fill("#announce-text", "Coffee is on the back table.")
    panel.get_by_role("button", name="Send announcement").click()
    expect(phones[1][2].locator("#announcement-text")).to_have_text("Coffee is on the back table.")
    expect(boards[0][1].locator("#announcement")).to_have_text("Coffee is on the back table.")
    phones[1][2].click("#announcement-close")
    expect(phones[1][2].locator("#announcement")).to_be_hidden()
    shot(phones[1][2], "phone-discuss-390x844")
    shot(phones[0][2], "phone-discuss-host-390x844")
    shot(boards[0][1], "board-discuss-1920x1080")
    shot(panel, "panel-running-1440x900")

    # +1 min shows on the panel's countdown.
    before = int(panel.locator("#countdown").get_attribute("data-remaining-ms"))
    panel.click("#btn-plus")
    wait_until(lambda: int(panel.locator("#countdown").get_attribute("data-remaining-ms")) > before + 40_000)
    # −1 min takes the discussion under one minute: phones warn once.
    panel.click("#btn-minus")
    wait_until(lambda: int(panel.locator("#countdown").get_attribute("data-remaining-ms")) < 60_000)
    expect(phones[2][2].locator("#warning")).to_be_visible()
    expect(phones[2][2].locator("#warning-text")).to_contain_text("One minute left")

    # End the round (after a confirmation): the phones say where to go for round 2.
    panel.click("#btn-end")
    expect(panel.locator("#confirm")).to_be_visible()
    panel.click("#confirm-ok")
    expect(panel.locator("#phase-label")).to_contain_text("Round 2 of 2 · Moving")
    expect(panel.locator("#confirm")).to_be_hidden()
    seats2 = {}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(seats2) < len(NAMES):
        seats2 = seats_in_db(live_server, code, 2)
        time.sleep(0.1)
    assert sorted(seats2) == sorted(NAMES)
    assert seats2["Ana"] == host_table
    for name, _, page in phones:
        expect(page.locator("#move-head")).to_have_text(head(name, seats2[name]))
        expect(page.locator("#move-question")).to_have_text("What could we do together next year?")

    for _, ctx, _ in phones:
        ctx.close()
    for ctx, _ in boards:
        ctx.close()
    fac_ctx.close()


def _positive() -> Any:
    import re

    return re.compile(r"^[1-9]\d*$")


def wait_until(check: Any, timeout: float = 10.0) -> None:
    """Poll a Python-side condition (the page's CSP forbids string functions in the page)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def test_a_phone_with_a_wrong_clock_shows_the_same_countdown(browser: Any, live_server: Server) -> None:
    """Five minutes of clock skew change nothing: the countdown follows the server's deadline."""
    normal_ctx = browser.new_context(**PHONE)
    skewed_ctx = browser.new_context(**PHONE)
    skewed_ctx.add_init_script(SKEWED_CLOCK)
    pages = []
    for ctx, name in ((normal_ctx, "On Time"), (skewed_ctx, "Five Fast")):
        page = ctx.new_page()
        page.goto(f"{live_server.url}/j/{live_server.code}")
        page.wait_for_selector("#join:not([hidden])")
        page.fill("#name", name)
        page.click("#join-button")
        page.wait_for_selector("#lobby:not([hidden])")
        pages.append(page)
    skew = pages[1].evaluate("Date.now()") - time.time() * 1000
    assert 299_000 < skew < 301_000, skew

    facilitator = LiveClient(
        live_server, {"cafe": live_server.code, "role": "facilitator", "secret": live_server.secret}
    ).connect()
    try:
        assert facilitator.call("start_round", {})["ok"]
        assert facilitator.call("start_round", {})["ok"]  # skip the move: the discussion runs
    finally:
        facilitator.close()
    for page in pages:
        expect(page.locator("#discuss")).to_be_visible()
        expect(page.locator("#countdown")).to_have_attribute("data-remaining-ms", _positive())
    time.sleep(1.5)  # let both phones take their clock samples

    ends_at = ends_at_in_db(live_server, live_server.code)
    assert ends_at is not None
    for _ in range(3):
        readings = []
        for page in pages:
            shown = int(page.locator("#countdown").get_attribute("data-remaining-ms"))
            real = ends_at - time.time() * 1000
            readings.append((shown, real))
        for shown, real in readings:
            # The element is refreshed every 250 ms, so it may be up to one tick behind.
            assert abs(shown - real) <= 500, readings
        assert abs(readings[0][0] - readings[1][0]) <= 500, readings
        time.sleep(0.3)
    normal_ctx.close()
    skewed_ctx.close()


def test_a_host_picks_their_own_table_on_the_phone_when_the_panel_allows_it(
    browser: Any, live_server: Server, shot: Any
) -> None:
    panel_ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    panel = panel_ctx.new_page()
    panel.goto(f"{live_server.url}/f/{live_server.code}#{live_server.secret}")
    panel.wait_for_selector("#panel:not([hidden])")
    ctx = browser.new_context(**PHONE)
    phone = ctx.new_page()
    phone.goto(f"{live_server.url}/j/{live_server.code}")
    phone.fill("#name", "Rosa")
    phone.click("#join-button")
    phone.wait_for_selector("#lobby:not([hidden])")
    expect(phone.locator("#host-pick")).to_be_hidden()

    panel.check("#hosts-choose")
    panel.locator("#cafe-form button[type=submit]").click()
    expect(phone.locator("#host-pick")).to_be_visible()
    phone.click("#host-pick-save")  # nothing chosen yet: told what to do, nothing sent
    expect(phone.locator("#host-pick-error")).to_have_text("Choose the table you host first.")
    option = phone.locator("#host-pick-select option").nth(1)
    label, value = option.inner_text(), option.get_attribute("value")
    phone.select_option("#host-pick-select", value)
    phone.click("#host-pick-save")
    expect(phone.locator("#host-pick-mine")).to_contain_text(f"You host {label.split(' — ')[0]}")
    shot(phone, "phone-390x844-host-pick")

    fac = LiveClient(
        live_server, {"cafe": live_server.code, "role": "facilitator", "secret": live_server.secret}
    ).connect()
    try:
        rosa = next(p["id"] for p in fac.state()["participants"] if p["name"] == "Rosa")
        hosted = [t for t in fac.state()["tables"] if t["host_id"] == rosa]
        assert [str(t["id"]) for t in hosted] == [value]
    finally:
        fac.close()
    phone.click("#host-pick-stop")
    expect(phone.locator("#host-pick-mine")).to_be_hidden()
    ctx.close()
    panel_ctx.close()
