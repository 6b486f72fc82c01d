"""The projected board through a whole café: lobby, move, discussion with live notes, a
spotlit note, hidden notes vanishing, 300 notes that stay readable, and the harvest; at
1920x1080 and 1280x720, with legibility (text size, contrast, countdown) measured in Chromium."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.server import LiveClient, Server, close_all, facilitator_and_phones

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (1280, 720)]
XSS = '<img src=x onerror="window.pwned=1"> & <b>bold?</b>'
IDEAS = [
    "Shared commercial kitchens for food co-ops",
    "A revolving loan fund run by the members themselves",
    "Map every worker co-op in Worcester County and who supplies them",
    "Popular education circles in Spanish and Portuguese, evenings, with childcare",
    "Land trusts buy the triple-deckers before the speculators do",
    "Link the CSA farms to the school kitchens",
    "Talk to the unions about conversions when owners retire",
    "Youth organisers on the working group, not just invited",
    "A directory of solidarity economy businesses people can actually find",
    "Ten-year agenda: one city council resolution per year",
]


# --- driving a café from Python over sockets ---------------------------------------------------


class Cafe:
    """A facilitator and phones on sockets, driving the demo café of a real server."""

    def __init__(self, server: Server, people: int) -> None:
        self.server = server
        self.fac, self.ids, self.phones = facilitator_and_phones(server, people)
        self.posted = 0

    def ok(self, command: str, payload: dict[str, Any], client: LiveClient | None = None) -> dict[str, Any]:
        ack = (client or self.fac).call(command, payload)
        assert ack["ok"], (command, ack)
        return ack

    def seats(self) -> dict[int, int]:
        return {int(k): v for k, v in self.fac.state()["seating"]["seats"].items()}

    def post(self, count: int) -> list[dict[str, Any]]:
        """`count` notes, round-robin over the phones (so over every topic), at their tables."""
        seats, state = self.seats(), self.fac.state()
        written = []
        for k in range(count):
            i = (self.posted + k) % len(self.phones)
            n = self.posted + k
            text = XSS if n == 3 else f"{IDEAS[n % len(IDEAS)]} (#{n + 1})"
            ack = self.ok(
                "add_note",
                {
                    "id": str(uuid.uuid4()),
                    "table_id": seats[self.ids[i]],
                    "round": state["cafe"]["current_round"],
                    "text": text,
                    "colour": ["yellow", "pink", "blue", "green", "orange", "purple"][n % 6],
                },
                self.phones[i],
            )
            written.append(ack["note"])
        self.posted += count
        return written

    def close(self) -> None:
        close_all([self.fac, *self.phones])


@pytest.fixture
def server(roomy_server: Server) -> Server:
    """The demo café with its budgets opened up (tests/browser/conftest.py)."""
    return roomy_server


def boards(browser: Any, server: Server) -> list[tuple[Any, Any, str]]:
    out = []
    for width, height in SIZES:
        ctx = browser.new_context(viewport={"width": width, "height": height})
        page = ctx.new_page()
        page.goto(f"{server.url}/b/{server.code}")
        expect(page.locator("body")).to_have_attribute("data-view", re.compile(r"\w+"))  # the live state is in
        out.append((ctx, page, f"{width}x{height}"))
    return out


# --- what the eye sees, measured ---------------------------------------------------------------

MEASURE_JS = """(selector) => {
  const rgba = (s) => { const m = s.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const out = [];
  for (const node of document.querySelectorAll(selector)) {
    const r = node.getBoundingClientRect();
    if (!r.width || !r.height || node.closest('[hidden]')) continue;
    let fg = rgba(getComputedStyle(node).color);
    let opacity = 1;
    const layers = [];
    for (let n = node; n; n = n.parentElement) {
      const cs = getComputedStyle(n);
      opacity *= Number(cs.opacity);
      const bg = rgba(cs.backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    out.push({ text: node.textContent.slice(0, 40), font: parseFloat(getComputedStyle(node).fontSize),
               fg, opacity, layers, rect: [r.left, r.top, r.right, r.bottom] });
  }
  return out;
}"""


def _lum(rgb: list[float]) -> float:
    def ch(v: float) -> float:
        v = v / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * ch(rgb[0]) + 0.7152 * ch(rgb[1]) + 0.0722 * ch(rgb[2])


def _over(top: list[float], under: list[float]) -> list[float]:
    a = top[3]
    return [top[i] * a + under[i] * (1 - a) for i in range(3)] + [1.0]


def contrast(item: dict[str, Any]) -> float:
    """WCAG contrast of an element's text on what is behind it (alpha and opacity blended)."""
    bg = [255.0, 255.0, 255.0, 1.0]
    for layer in reversed(item["layers"]):
        bg = _over(layer, bg)
    fg = list(item["fg"])
    fg[3] *= item["opacity"]
    fg = _over(fg, bg)
    hi, lo = sorted([_lum(fg), _lum(bg)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def measure(page: Any, selector: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = page.evaluate(MEASURE_JS, selector)
    return items


def settle(page: Any, timeout: float = 5.0) -> None:
    """Wait for the arrival animations to end (a note fading in is not yet at full contrast)."""
    deadline = time.monotonic() + timeout
    while page.evaluate("document.getAnimations().filter((a) => a.playState === 'running').length"):
        assert time.monotonic() < deadline, "animations still running"
        time.sleep(0.05)


def assert_legible(page: Any, selectors: list[str], min_note_px: float) -> None:
    """Every visible text in `selectors` has AA contrast; note text is at least `min_note_px`."""
    settle(page)
    for selector in selectors:
        items = measure(page, selector)
        assert items, f"nothing visible for {selector}"
        for item in items:
            assert contrast(item) >= 4.5, (selector, item["text"], round(contrast(item), 2))
    for item in measure(page, ".board-note-text, .spot-text, .harvest-summary-text"):
        assert item["font"] >= min_note_px, (item["text"], item["font"])


def assert_fits(page: Any) -> None:
    """No scrollbar, nothing off screen, no list spilling out of its box, nothing under the QR code."""
    size = page.viewport_size
    assert page.evaluate("document.documentElement.scrollHeight") <= size["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    spill = page.evaluate("""() => [...document.querySelectorAll('.notes-col-list, .harvest-list')]
      .filter((l) => l.offsetParent && l.scrollHeight > l.clientHeight + 1).length""")
    assert spill == 0
    qr = page.locator(".run-join").bounding_box()
    for item in measure(page, ".board-note, .harvest-summary, .spot-card, .map-table"):
        left, top, right, bottom = item["rect"]
        assert right <= size["width"] + 1 and bottom <= size["height"] + 1, item["text"]
        if qr:
            apart = (
                right <= qr["x"] or left >= qr["x"] + qr["width"] or bottom <= qr["y"] or top >= qr["y"] + qr["height"]
            )
            assert apart, ("under the QR code", item["text"])


def assert_countdown_big(page: Any) -> None:
    height = page.viewport_size["height"]
    box = page.locator("#countdown").bounding_box()
    font = page.evaluate("parseFloat(getComputedStyle(document.getElementById('countdown')).fontSize)")
    assert box and font >= 0.1 * height, (font, height)


CLOCK_TEXT = ["#phase-label", "#countdown", "#run-question", ".run-join-code", "#cafe-title"]


# --- the café, phase by phase, with 10 notes -----------------------------------------------------


def test_the_board_follows_a_cafe_from_lobby_to_harvest(browser: Any, server: Server, shot: Any) -> None:
    shown = boards(browser, server)
    cafe = Cafe(server, people=14)
    try:
        for _, page, size in shown:
            expect(page.locator("#topics li")).to_have_count(5)
            expect(page.locator("#present-count")).to_have_text("14")
            assert page.locator("#join-code").inner_text() == server.code
            assert_legible(page, ["#present-count", ".people-label", ".topic-chip", "#question", ".join-code"], 0)
            shot(page, f"board-lobby-{size}")

        # Move: tables grouped by topic, with who goes there.
        cafe.ok("start_round", {})
        for _, page, size in shown:
            expect(page.locator("#run-map")).to_be_visible()
            expect(page.locator("#run-map .map-table")).to_have_count(14)
            expect(page.locator("#run-map")).to_contain_text("Person 1")
            assert_countdown_big(page)
            assert_fits(page)
            assert_legible(page, CLOCK_TEXT + [".map-topic-name", ".map-table-label"], 0)
            shot(page, f"board-move-{size}")

        # Discussion: notes arrive live, without a reload; typed markup stays text.
        cafe.ok("start_round", {})
        for _, page, _size in shown:
            expect(page.locator("#countdown")).to_be_visible()
        notes = cafe.post(10)
        for _, page, size in shown:
            expect(page.locator("#run-notes .board-note")).to_have_count(10)
            expect(page.locator("#run-notes")).to_contain_text(XSS)
            assert page.evaluate("window.pwned") is None
            assert page.locator("#run-notes img").count() == 0
            assert_countdown_big(page)
            assert_fits(page)
            min_px = 24 if size == "1920x1080" else 16
            assert_legible(page, CLOCK_TEXT + [".notes-col-name", ".board-note-text", ".board-note-meta"], min_px)
            shot(page, f"board-discuss-10-{size}")

        # A hidden note vanishes at once.
        hidden = notes[0]
        cafe.ok("hide_note", {"id": hidden["id"]})
        for _, page, _size in shown:
            expect(page.locator(f'.board-note[data-id="{hidden["id"]}"]')).to_have_count(0)
            expect(page.locator("#run-notes .board-note")).to_have_count(9)

        # Spotlight: one note, large; cleared, the columns come back.
        star = notes[3]
        cafe.ok("spotlight", {"note_id": star["id"]})
        for _, page, size in shown:
            expect(page.locator("#run-spotlight")).to_be_visible()
            expect(page.locator(".spot-text")).to_have_text(XSS)
            expect(page.locator("#run-notes")).to_be_hidden()
            assert page.locator("#run-spotlight img").count() == 0
            assert_fits(page)
            assert_legible(
                page, CLOCK_TEXT + [".spot-text", ".spot-meta", ".spot-topic"], 40 if size == "1920x1080" else 28
            )
            shot(page, f"board-spotlight-{size}")
        cafe.ok("spotlight", {"note_id": None})
        for _, page, _size in shown:
            expect(page.locator("#run-spotlight")).to_be_hidden()
            expect(page.locator("#run-notes .board-note")).to_have_count(9)

        # Spotlighting a note that is then hidden takes it off the board.
        cafe.ok("spotlight", {"note_id": notes[5]["id"]})
        expect(shown[0][1].locator(".spot-text")).to_contain_text("Link the CSA")
        cafe.ok("hide_note", {"id": notes[5]["id"]})
        for _, page, _size in shown:
            expect(page.locator("#run-spotlight")).to_be_hidden()
            expect(page.locator("#run-notes .board-note")).to_have_count(8)

        # Harvest: top-voted notes per topic, sign-ups per working group, the hosts' summaries.
        seats = cafe.seats()
        host = cafe.ids[0]
        cafe.ok("set_host", {"table_id": seats[host], "participant_id": host})
        cafe.ok(
            "write_summary",
            {"table_id": seats[host], "round": 1, "text": "We keep coming back to land: who owns it decides the rest."},
            cafe.phones[0],
        )
        favourite = notes[1]
        for phone in cafe.phones[:4]:
            cafe.ok("vote", {"note_id": favourite["id"]}, phone)
        cafe.ok("vote", {"note_id": notes[2]["id"]}, cafe.phones[5])
        topics = cafe.fac.state()["topics"]
        for phone in cafe.phones[:3]:
            cafe.ok("sign_up", {"topic_id": topics[0]["id"]}, phone)
        cafe.ok("start_harvest", {})
        for _, page, size in shown:
            expect(page.locator("#run-harvest")).to_be_visible()
            expect(page.locator("#phase-label")).to_have_text("Harvest")
            first = page.locator(f'.harvest-col[data-topic="{topics[0]["id"]}"]')
            expect(first.locator(".harvest-signups")).to_contain_text("3 people in the working group")
            # The most-dotted note tops its area's column (every area shows its notes, dotted first).
            home = page.locator(".harvest-col", has=page.locator(f'.board-note[data-id="{favourite["id"]}"]'))
            expect(home.locator(".harvest-top .board-note").first).to_contain_text(favourite["text"][:20])
            expect(page.locator(".harvest-summary-text")).to_contain_text("who owns it decides")
            assert_fits(page)
            assert_legible(
                page,
                [
                    "#phase-label",
                    ".notes-col-name",
                    ".harvest-signups",
                    ".harvest-head",
                    ".board-note-text",
                    ".harvest-summary-text",
                    ".harvest-summary-meta",
                ],
                24 if size == "1920x1080" else 16,
            )
            shot(page, f"board-harvest-10-{size}")
    finally:
        cafe.close()
        for ctx, _page, _size in shown:
            ctx.close()


# --- 300 notes: still readable, never a scrollbar --------------------------------------------------


def test_three_hundred_notes_stay_readable_without_a_scrollbar(browser: Any, server: Server, shot: Any) -> None:
    cafe = Cafe(server, people=28)
    cafe.ok("start_round", {})
    cafe.ok("start_round", {})
    notes = cafe.post(300)
    shown = boards(browser, server)
    try:
        for _, page, size in shown:
            expect(page.locator("#run-notes")).to_be_visible()
            counts = page.locator(".notes-col-count").all_inner_texts()
            assert sum(int(c) for c in counts) == 300
            # Newest first: the last note posted tops its column; older ones are counted, not crammed.
            expect(page.locator(".notes-col-list .board-note").first).to_be_visible()
            mores = page.locator(".notes-more").all_inner_texts()
            assert all(m.startswith("+ ") and m.endswith(" more") for m in mores), mores
            shown_count = page.locator(".board-note").count()
            hidden_count = sum(int(m.split()[1]) for m in mores)
            assert shown_count + hidden_count == 300
            assert_fits(page)
            assert_legible(
                page,
                CLOCK_TEXT + [".notes-col-name", ".board-note-text", ".board-note-meta", ".notes-more"],
                24 if size == "1920x1080" else 16,
            )
            shot(page, f"board-discuss-300-{size}")

        # A new note lands on top of its column, live, and the count goes up.
        [latest] = cafe.post(1)
        for _, page, _size in shown:
            expect(page.locator(f'.board-note[data-id="{latest["id"]}"]')).to_be_visible()
            counts = page.locator(".notes-col-count").all_inner_texts()
            assert sum(int(c) for c in counts) == 301
            assert_fits(page)

        cafe.ok("spotlight", {"note_id": notes[-1]["id"]})
        for _, page, size in shown:
            expect(page.locator(".spot-text")).to_have_text(notes[-1]["text"])
            assert_fits(page)
            assert_legible(page, [".spot-text", ".spot-meta", ".spot-topic"], 40 if size == "1920x1080" else 28)
            shot(page, f"board-spotlight-300-{size}")
        cafe.ok("spotlight", {"note_id": None})

        for k, phone in enumerate(cafe.phones):
            for j in range(3):
                cafe.ok("vote", {"note_id": notes[(k * 7 + j * 11) % 40]["id"]}, phone)
        cafe.ok("start_harvest", {})
        for _, page, size in shown:
            expect(page.locator("#run-harvest")).to_be_visible()
            assert_fits(page)
            assert_legible(
                page, [".notes-col-name", ".harvest-signups", ".board-note-text"], 24 if size == "1920x1080" else 16
            )
            shot(page, f"board-harvest-300-{size}")
    finally:
        cafe.close()
        for ctx, _page, _size in shown:
            ctx.close()


def test_the_panel_puts_a_note_in_the_spotlight_and_takes_it_off(browser: Any, live_server: Server) -> None:
    from tests.browser.test_tablecloth import add_note, facilitator, socket_phone, start_discussion

    fac = facilitator(live_server)
    phone = socket_phone(live_server, live_server.join("Ana")["token"])
    try:
        start_discussion(fac)
        seat = phone.state()["seating"]["seats"][str(phone.state()["me"]["id"])]
        note = add_note(phone, int(seat), 1, "A land trust for every town")
    finally:
        phone.close()
        fac.close()
    board_ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    board = board_ctx.new_page()
    board.goto(f"{live_server.url}/b/{live_server.code}")
    panel_ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    panel = panel_ctx.new_page()
    panel.goto(f"{live_server.url}/f/{live_server.code}#{live_server.secret}")
    button = panel.locator(f"#spotlight-{note['id']}")
    expect(button).to_have_text("Spotlight")
    button.click()
    expect(board.locator("#run-spotlight")).to_be_visible()
    expect(board.locator("#run-spotlight")).to_contain_text("A land trust for every town")
    expect(button).to_have_text("On the board")
    expect(panel.locator("#notes-msg")).to_contain_text("On the board")
    button.click()
    expect(board.locator("#run-spotlight")).to_be_hidden()
    expect(button).to_have_attribute("aria-pressed", "false")
    board_ctx.close()
    panel_ctx.close()
