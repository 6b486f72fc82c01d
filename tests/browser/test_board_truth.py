"""The projected board tells the truth: what covers it has an owner and an end (a spotlight ends
with its phase, an announcement when cleared, at its `until` and when the café closes), nothing
covers the join code, the clock or the seat map, area names are whole and numbered, the harvest
shows every area that has notes, a closed or draft café does not look joinable, the time cues
(a warning, a chime) come when time runs out, and the facilitator's words come in the board's
language. Screenshots of every phase at 1280x720 and 1920x1080 with the demo's real area names."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.test_board import Cafe, assert_fits, assert_legible, settle
from tests.server import Server

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1920, 1080)]
LONG_NAME = "Solidarity Finance: Credit Unions, Loan Funds & Public Banks"  # 60 characters
REAL_NAMES = [
    "Worker Co-ops",
    "SE Education/Training",
    "SE Mapping/Value Chains",
    "SE & Social Movements/10 Year Agenda",
    "Community Land Trusts/Affordable Housing",
]
ANNOUNCEMENT = "Lunch is served in the hall downstairs: come back up at 1:30 for round three."


@pytest.fixture
def server(roomy_server: Server) -> Server:
    """The demo café with its budgets opened up (tests/browser/conftest.py)."""
    return roomy_server


def open_board(
    browser: Any, server: Server, size: tuple[int, int], code: str | None = None, clock: bool = False, query: str = ""
) -> tuple[Any, Any]:
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = ctx.new_page()
    if clock:
        page.clock.install()
    page.goto(f"{server.url}/b/{code or server.code}{query}")
    expect(page.locator("body")).to_have_attribute("data-view", re.compile(r"\w+"))
    return ctx, page


def boards(browser: Any, server: Server) -> list[tuple[Any, Any, str]]:
    out = []
    for size in SIZES:
        ctx, page = open_board(browser, server, size)
        out.append((ctx, page, f"{size[0]}x{size[1]}"))
    return out


def close_boards(shown: list[tuple[Any, Any, str]]) -> None:
    for ctx, _page, _size in shown:
        ctx.close()


# --- geometry, measured in the page --------------------------------------------------------------

BOXES_JS = """(selector) => [...document.querySelectorAll(selector)]
  .filter((n) => n.getClientRects().length && !n.closest('[hidden]'))
  .map((n) => { const r = n.getBoundingClientRect();
                return {text: n.textContent.slice(0, 50), x: r.left, y: r.top, r: r.right, b: r.bottom}; })"""


def boxes(page: Any, selector: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(BOXES_JS, selector)
    return found


def overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return not (a["r"] <= b["x"] + 0.5 or b["r"] <= a["x"] + 0.5 or a["b"] <= b["y"] + 0.5 or b["b"] <= a["y"] + 0.5)


def assert_apart(page: Any, one: str, others: list[str]) -> None:
    """Nothing matched by `one` overlaps anything matched by `others` (all on screen)."""
    size = page.viewport_size
    mine = boxes(page, one)
    assert mine, f"{one} is not on screen"
    for selector in others:
        theirs = boxes(page, selector)
        assert theirs, f"{selector} is not on screen"
        for a in mine:
            assert a["r"] <= size["width"] + 1 and a["b"] <= size["height"] + 1, ("off screen", a)
            for b in theirs:
                assert b["r"] <= size["width"] + 1 and b["b"] <= size["height"] + 1, ("off screen", b)
                assert not overlap(a, b), (one, a, selector, b)


# Whole: the name's own text, nothing cut by an ellipsis, a line clamp or a box that clips it.
WHOLE_JS = """(selector) => [...document.querySelectorAll(selector)]
  .filter((n) => n.getClientRects().length && !n.closest('[hidden]'))
  .map((n) => {
    const cs = getComputedStyle(n);
    const r = n.getBoundingClientRect();
    const clippedBy = [];
    for (let a = n; a && a !== document.documentElement; a = a.parentElement) {
      const s = getComputedStyle(a);
      const ar = a.getBoundingClientRect();
      const cuts = s.overflowX !== 'visible' || s.overflowY !== 'visible' || s.webkitLineClamp !== 'none';
      if (a !== n && cuts && (r.left < ar.left - 1 || r.right > ar.right + 1 || r.top < ar.top - 1 || r.bottom > ar.bottom + 1)) {
        clippedBy.push(a.className || a.tagName);
      }
      if (s.textOverflow === 'ellipsis' && a.scrollWidth > a.clientWidth + 1) clippedBy.push('ellipsis ' + (a.className || a.tagName));
      if (s.webkitLineClamp !== 'none' && a.scrollHeight > a.clientHeight + 1) clippedBy.push('clamp ' + (a.className || a.tagName));
    }
    return {text: n.textContent, font: parseFloat(cs.fontSize), sw: n.scrollWidth, cw: n.clientWidth,
            sh: n.scrollHeight, ch: n.clientHeight, display: cs.display, clippedBy,
            offscreen: r.right > innerWidth + 1 || r.bottom > innerHeight + 1 || r.left < -1 || r.top < -1};
  })"""


def assert_names_whole(page: Any, selector: str, names: list[str]) -> None:
    """Every area name in `selector` is one of `names`, shown whole and at a readable size."""
    found = page.evaluate(WHOLE_JS, selector)
    assert sorted(f["text"] for f in found) == sorted(names), (selector, [f["text"] for f in found])
    floor = 0.018 * page.viewport_size["height"]  # 13 px at 720p: the smallest an area name gets
    for f in found:
        assert not f["clippedBy"], (selector, f)
        assert not f["offscreen"], (selector, f)
        if f["display"] != "inline":
            assert f["sw"] <= f["cw"] + 1 and f["sh"] <= f["ch"] + 1, (selector, f)
        assert f["font"] >= floor - 0.5, (selector, f)
        assert "…" not in f["text"]


def numbers(page: Any, selector: str) -> list[str]:
    """The area numbers shown in each `selector` element, in document order."""
    got: list[str] = page.evaluate(
        """(s) => [...document.querySelectorAll(s)].filter((n) => !n.closest('[hidden]'))
             .map((n) => { const b = n.querySelector('.area-n'); return b ? b.textContent : ''; })""",
        selector,
    )
    return got


def set_names(cafe: Cafe, names: list[str]) -> list[dict[str, Any]]:
    topics = cafe.fac.state()["topics"]
    for topic, name in zip(topics, names):
        if topic["name"] != name:
            cafe.ok("update_topic", {"topic_id": topic["id"], "name": name})
    return cafe.fac.state()["topics"]


def note_in(cafe: Cafe, topic_id: int, text: str) -> dict[str, Any]:
    """A note written by someone seated at a table of `topic_id` this round."""
    state = cafe.fac.state()
    tables = {t["id"]: t["topic_id"] for t in state["tables"]}
    seats = {int(k): v for k, v in state["seating"]["seats"].items()}
    pid = next(p for p, t in seats.items() if tables[t] == topic_id)
    phone = cafe.phones[cafe.ids.index(pid)]
    ack = cafe.ok(
        "add_note",
        {
            "id": str(uuid.uuid4()),
            "table_id": seats[pid],
            "round": state["cafe"]["current_round"],
            "text": text,
            "colour": "yellow",
        },
        phone,
    )
    note: dict[str, Any] = ack["note"]
    return note


def wait_until(check: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


# --- 1. a spotlight ends with its phase ------------------------------------------------------------


def test_a_spotlight_ends_with_its_phase_and_the_move_shows_the_seat_map(browser: Any, server: Server) -> None:
    shown = boards(browser, server)
    cafe = Cafe(server, people=10)
    try:
        cafe.ok("start_round", {})
        cafe.ok("start_round", {})
        notes = cafe.post(4)
        cafe.ok("spotlight", {"note_id": notes[1]["id"]})
        for _, page, _size in shown:
            expect(page.locator("#run-spotlight")).to_be_visible()
        cafe.ok("end_round", {})
        for _, page, _size in shown:
            expect(page.locator("body")).to_have_attribute("data-phase", "move")
            expect(page.locator("#run-map")).to_be_visible()
            expect(page.locator("#run-spotlight")).to_be_hidden()
            expect(page.locator("#run-map .map-table")).to_have_count(14)
            expect(page.locator("#run-map")).to_contain_text("Person 1")
            assert_fits(page)
        # A note spotlit during the move does not take the seat map's place.
        ack = cafe.fac.call("spotlight", {"note_id": notes[2]["id"]})
        if ack["ok"]:
            time.sleep(0.5)
            for _, page, _size in shown:
                expect(page.locator("#run-map")).to_be_visible()
                expect(page.locator("#run-map .map-table")).to_have_count(14)
    finally:
        cafe.close()
        close_boards(shown)


# --- 2. an announcement covers nothing, and ends ---------------------------------------------------

KEEP_CLEAR = {
    "lobby": ["#lobby .qr", "#join-code", "#join-url", ".board-tools", "#present-count", "#topics li", "#question"],
    "move": ["#countdown", "#phase-label", ".run-join", ".map-table", ".map-topic-name", ".board-tools"],
    "notes": ["#countdown", "#phase-label", ".run-join", ".notes-col-name", ".board-tools"],
}


def test_an_announcement_never_covers_the_code_the_clock_or_the_seat_map_and_ends_when_cleared_or_closed(
    browser: Any, server: Server
) -> None:
    shown = boards(browser, server)
    cafe = Cafe(server, people=14)
    long_text = (
        "Lunch is served in the hall downstairs. Please take your plates back to the kitchen "
        "and come back up at 1:30 for round three; the working groups meet at 3 in room 2, "
        "and the bus to Worcester leaves from the front door at 5:15 sharp. Thank you!"
    )
    assert len(long_text) <= 280
    try:
        cafe.ok("announce", {"text": long_text})
        for _, page, _size in shown:
            expect(page.locator("#announcement")).to_have_text(long_text)
            expect(page.locator("#announcement")).to_be_visible()
            assert_apart(page, "#announcement", KEEP_CLEAR["lobby"])
        cafe.ok("start_round", {})
        for _, page, _size in shown:
            expect(page.locator("#run-map")).to_be_visible()
            expect(page.locator("#announcement")).to_be_visible()
            expect(page.locator("#run-map .map-table")).to_have_count(14)
            assert_apart(page, "#announcement", KEEP_CLEAR["move"])
            assert_apart(page, ".run-join", ["#countdown", "#phase-label", ".map-table"])
            assert_fits(page)
            map_fits = page.evaluate(
                "(() => { const m = document.getElementById('run-map');"
                " return m.scrollHeight <= m.clientHeight + 1; })()"
            )
            assert map_fits
        cafe.ok("start_round", {})
        cafe.post(12)
        for _, page, _size in shown:
            expect(page.locator("#run-notes")).to_be_visible()
            settle(page)
            assert_apart(page, "#announcement", KEEP_CLEAR["notes"] + [".board-note"])
            assert_fits(page)
        cafe.ok("clear_announcement", {})
        for _, page, _size in shown:
            expect(page.locator("#announcement")).to_be_hidden()
        cafe.ok("announce", {"text": "Coffee is on the back table."})
        for _, page, _size in shown:
            expect(page.locator("#announcement")).to_have_text("Coffee is on the back table.")
            expect(page.locator("#announcement")).to_be_visible()
        cafe.ok("close_cafe", {})
        for _, page, _size in shown:
            expect(page.locator("body")).to_have_attribute("data-phase", "closed")
            expect(page.locator("#announcement")).to_be_hidden()
    finally:
        cafe.close()
        close_boards(shown)


def test_an_announcement_with_minutes_disappears_at_its_until_on_the_boards_own_clock(
    browser: Any, server: Server
) -> None:
    ctx, page = open_board(browser, server, (1280, 720), clock=True)
    cafe = Cafe(server, people=2)
    try:
        cafe.ok("announce", {"text": "Back in one minute", "minutes": 1})
        expect(page.locator("#announcement")).to_have_text("Back in one minute")
        expect(page.locator("#announcement")).to_be_visible()
        until = cafe.fac.state()["cafe"]["announcement"]["until"]
        # The board's clock jumps past `until`; the server has not cleared it (its minute has not
        # passed), so only the board's own countdown can take it down.
        now = page.evaluate("Date.now()")
        page.clock.set_system_time(now + 62_000)
        expect(page.locator("#announcement")).to_be_hidden()
        assert cafe.fac.state()["cafe"]["announcement"] is not None
        assert until > time.time() * 1000
    finally:
        cafe.close()
        ctx.close()


# --- 3 and 4. area names whole, each with its number -----------------------------------------------


def test_sixty_character_area_names_are_whole_and_numbered_in_every_view(browser: Any, server: Server) -> None:
    shown = boards(browser, server)
    cafe = Cafe(server, people=14)
    # The long name on the first area: its tables are used this round (14 people, 3 at a table).
    names = [LONG_NAME] + REAL_NAMES[1:]
    assert len(LONG_NAME) == 60
    want = [str(n) for n in range(1, 6)]
    try:
        set_names(cafe, names)
        for _, page, _size in shown:
            expect(page.locator("#topics .area-name").first).to_have_text(LONG_NAME)
            assert_names_whole(page, "#topics .area-name", names)
            assert numbers(page, "#topics .topic-chip") == want
        cafe.ok("start_round", {})
        for _, page, _size in shown:
            expect(page.locator("#run-map")).to_be_visible()
            assert_names_whole(page, ".map-topic-name .area-name", names)
            assert numbers(page, ".map-topic-name") == want
            assert_fits(page)
        cafe.ok("start_round", {})
        notes = cafe.post(10)
        for _, page, _size in shown:
            expect(page.locator("#run-notes .board-note").first).to_be_visible()
            wait_until(
                lambda page=page: sum(int(c or 0) for c in page.locator(".notes-col-count").all_inner_texts()) == 10
            )
            assert_names_whole(page, ".notes-col-name .area-name", names)
            assert numbers(page, ".notes-col-name") == want
            # The lists start level across the columns.
            tops = page.evaluate(
                "[...document.querySelectorAll('.notes-col-list')].map((l) => Math.round(l.getBoundingClientRect().top))"
            )
            assert max(tops) - min(tops) <= 1, tops
            assert_fits(page)
        topics = cafe.fac.state()["topics"]
        last = note_in(cafe, topics[0]["id"], "A public bank for the Commonwealth")
        cafe.ok("spotlight", {"note_id": last["id"]})
        for _, page, _size in shown:
            expect(page.locator("#run-spotlight")).to_be_visible()
            assert_names_whole(page, ".spot-topic .area-name", [LONG_NAME])
            assert numbers(page, ".spot-topic") == ["1"]
        cafe.ok("spotlight", {"note_id": None})
        cafe.ok("vote", {"note_id": notes[0]["id"]}, cafe.phones[1])
        cafe.ok("start_harvest", {})
        for _, page, _size in shown:
            expect(page.locator("#run-harvest")).to_be_visible()
            assert_names_whole(page, ".harvest-col .area-name", names)
            assert numbers(page, ".harvest-col .notes-col-name") == want
            assert_fits(page)
    finally:
        cafe.close()
        close_boards(shown)


# --- 5. the harvest shows every area that has notes -------------------------------------------------


def test_the_harvest_shows_every_area_with_notes_dotted_ones_first(browser: Any, server: Server) -> None:
    shown = boards(browser, server)
    cafe = Cafe(server, people=14)
    try:
        cafe.ok("start_round", {})
        cafe.ok("start_round", {})
        topics = cafe.fac.state()["topics"]
        written: dict[int, list[dict[str, Any]]] = {}
        for k, topic in enumerate(topics[:4]):
            written[topic["id"]] = [note_in(cafe, topic["id"], f"Idea {k + 1}.{j + 1}") for j in range(3)]
        first = written[topics[0]["id"]]
        # Area 1: one note with two dots, one with one, one with none; areas 2-4: no dots at all.
        cafe.ok("vote", {"note_id": first[2]["id"]}, cafe.phones[0])
        cafe.ok("vote", {"note_id": first[2]["id"]}, cafe.phones[1])
        cafe.ok("vote", {"note_id": first[0]["id"]}, cafe.phones[2])
        cafe.ok("start_harvest", {})
        for _, page, _size in shown:
            expect(page.locator("#run-harvest")).to_be_visible()
            col = page.locator(f'.harvest-col[data-topic="{topics[0]["id"]}"]')
            expect(col.locator(".harvest-top .board-note")).to_have_count(3)
            texts = col.locator(".harvest-top .board-note-text").all_inner_texts()
            assert texts == ["Idea 1.3", "Idea 1.1", "Idea 1.2"], texts
            for k, topic in enumerate(topics[1:4], start=2):
                col = page.locator(f'.harvest-col[data-topic="{topic["id"]}"]')
                expect(col.locator(".harvest-top .board-note")).to_have_count(3)
                assert sorted(col.locator(".harvest-top .board-note-text").all_inner_texts()) == [
                    f"Idea {k}.{j}" for j in (1, 2, 3)
                ]
                assert "No dots yet" not in col.inner_text()
            # The area without notes says so, and only it.
            empty = page.locator(f'.harvest-col[data-topic="{topics[4]["id"]}"]')
            expect(empty.locator(".harvest-top .board-note")).to_have_count(0)
            expect(empty.locator(".harvest-head").first).to_have_text("No notes yet")
            assert_fits(page)
    finally:
        cafe.close()
        close_boards(shown)


# --- 6. closed and draft cafés do not look joinable -------------------------------------------------

JOIN_VISIBLE_JS = """(code) => {
  const seen = (n) => n.getClientRects().length && !n.closest('[hidden]')
    && getComputedStyle(n).visibility !== 'hidden';
  const qr = [...document.querySelectorAll('img')].filter((n) => seen(n) && n.src.includes('/qr/')).length;
  const text = [...document.querySelectorAll('body *')].filter((n) => seen(n) && n.children.length === 0)
    .map((n) => n.textContent).join(' ');
  return {qr, code: text.includes(code), url: /\\/j\\//.test(text), text};
}"""


def test_a_closed_cafe_shows_no_way_to_join_and_says_it_has_closed(browser: Any, server: Server) -> None:
    shown = boards(browser, server)
    cafe = Cafe(server, people=4)
    try:
        for _, page, _size in shown:
            seen = page.evaluate(JOIN_VISIBLE_JS, server.code)
            assert seen["qr"] == 1 and seen["code"] and seen["url"], seen
        cafe.ok("start_round", {})
        cafe.ok("start_round", {})
        cafe.post(4)
        cafe.ok("close_cafe", {})
        for _, page, _size in shown:
            expect(page.locator("body")).to_have_attribute("data-phase", "closed")
            expect(page.locator("#run-question")).to_have_text("This café has closed.")
            seen = page.evaluate(JOIN_VISIBLE_JS, server.code)
            assert seen["qr"] == 0 and not seen["code"] and not seen["url"], seen
        # Opened afresh, a closed café's board shows no code either, not even before its script runs.
        ctx = browser.new_context(viewport={"width": 1280, "height": 720}, java_script_enabled=False)
        page = ctx.new_page()
        page.goto(f"{server.url}/b/{server.code}")
        assert page.locator("img.qr:visible, img.qr-small:visible").count() == 0
        assert server.code not in page.locator("body").inner_text()
        ctx.close()
        ctx2, page2 = open_board(browser, server, (1280, 720))
        expect(page2.locator("#run-question")).to_have_text("This café has closed.")
        seen = page2.evaluate(JOIN_VISIBLE_JS, server.code)
        assert seen["qr"] == 0 and not seen["code"] and not seen["url"], seen
        ctx2.close()
    finally:
        cafe.close()
        close_boards(shown)


def draft_code(server: Server) -> str:
    """A new café, still a draft: its code."""
    page = requests.post(f"{server.url}/cafes", data={"title": "Spring assembly"}, timeout=10).text
    match = re.search(r"/b/([A-Z0-9]+)", page)
    assert match, page
    return match.group(1)


def test_a_draft_cafe_says_it_is_not_open_yet(browser: Any, server: Server) -> None:
    code = draft_code(server)
    for size in SIZES:
        ctx, page = open_board(browser, server, size, code=code)
        try:
            expect(page.locator("body")).to_have_attribute("data-phase", "draft")
            expect(page.locator("#board-state")).to_be_visible()
            expect(page.locator("#board-state")).to_contain_text("not open yet")
            seen = page.evaluate(JOIN_VISIBLE_JS, code)
            assert seen["qr"] == 0 and not seen["code"] and not seen["url"], seen
        finally:
            ctx.close()


# --- 7. time cues: the warning and the chime --------------------------------------------------------

CHIMES = "() => window.boardChimes || 0"
MARKS = "() => performance.getEntriesByName('board-chime').length"


def test_the_board_warns_before_the_end_and_chimes_when_time_runs_out(browser: Any, server: Server) -> None:
    ctx, page = open_board(browser, server, (1280, 720))
    cafe = Cafe(server, people=4)
    try:
        # The discussion waits at 0:00 for the facilitator: a chime then can only be the deadline's.
        cafe.ok("update_cafe", {"settings": {"auto_advance": False}})
        bell = page.get_by_role("button", name="Click to allow the bell")
        expect(bell).to_be_visible()
        assert_apart(page, "#bell", ["#lobby .qr", "#join-code"])
        bell.click()
        expect(bell).to_be_hidden()
        assert page.evaluate("localStorage.getItem('cafe-board-bell')") == "on"
        cafe.ok("start_round", {})
        expect(page.locator("body")).to_have_attribute("data-phase", "move")
        assert page.evaluate(CHIMES) == 0
        # The facilitator ends the move early: the chime says the discussion starts.
        cafe.ok("start_round", {})
        expect(page.locator("body")).to_have_attribute("data-phase", "discuss")
        wait_until(lambda: page.evaluate(CHIMES) == 1)
        assert page.evaluate("window.boardAudioState") == "running"
        expect(page.locator("#run-warning")).to_be_hidden()  # 20 minutes left: no warning yet
        # Bring the deadline to four seconds from now: the warning (120 s by default) shows at once.
        cafe.ok("extend", {"seconds": -(20 * 60 - 4)})
        expect(page.locator("#run-warning")).to_be_visible()
        expect(page.locator("#run-warning")).to_have_text("1 minute left")
        assert_apart(page, "#run-warning", ["#countdown", ".run-join", "#phase-label"])
        assert page.evaluate(CHIMES) == 1
        # At the deadline, with nothing from the server: the chime (a real oscillator on a
        # running AudioContext), and the warning gives way to "Time's up".
        wait_until(lambda: page.evaluate(CHIMES) == 2, timeout=15)
        assert page.evaluate(MARKS) == 2
        expect(page.locator("body")).to_have_attribute("data-phase", "discuss")
        expect(page.locator("#countdown")).to_have_text("0:00")
        expect(page.locator("#phase-label")).to_contain_text("Time's up")
        expect(page.locator("#run-warning")).to_be_hidden()
        # The facilitator then ends the round: that end has rung already.
        cafe.ok("end_round", {})
        expect(page.locator("body")).to_have_attribute("data-phase", "move")
        time.sleep(0.6)
        assert page.evaluate(CHIMES) == 2
        cafe.ok("start_round", {})
        expect(page.locator("body")).to_have_attribute("data-phase", "discuss")
        wait_until(lambda: page.evaluate(CHIMES) == 3)
        # With the chime turned off, the end of a discussion is silent; warning_seconds 0: no warning.
        cafe.ok("update_cafe", {"settings": {"chime": False, "warning_seconds": 0}})
        cafe.ok("extend", {"seconds": -(20 * 60 - 30)})
        time.sleep(0.6)
        expect(page.locator("#run-warning")).to_be_hidden()
        cafe.ok("end_round", {})
        expect(page.locator("body")).to_have_attribute("data-phase", "move")
        time.sleep(0.6)
        assert page.evaluate(CHIMES) == 3
        # The choice is remembered: a reload does not ask again.
        cafe.ok("update_cafe", {"settings": {"chime": True}})
        page.reload()
        expect(page.locator("body")).to_have_attribute("data-phase", "move")
        expect(page.locator("#bell")).to_be_hidden()
        assert page.evaluate("localStorage.getItem('cafe-board-bell')") == "on"
    finally:
        cafe.close()
        ctx.close()


def test_the_warning_follows_warning_seconds(browser: Any, server: Server) -> None:
    ctx, page = open_board(browser, server, (1280, 720))
    cafe = Cafe(server, people=2)
    try:
        cafe.ok("update_cafe", {"settings": {"warning_seconds": 300}})
        cafe.ok("start_round", {})
        cafe.ok("start_round", {})
        expect(page.locator("#run-warning")).to_be_hidden()
        cafe.ok("extend", {"seconds": -(20 * 60 - 270)})
        expect(page.locator("#run-warning")).to_have_text("5 minutes left")
        expect(page.locator("#run-warning")).to_be_visible()
    finally:
        cafe.close()
        ctx.close()


# --- 8. the facilitator's words in the board's language ----------------------------------------------


def test_a_spanish_board_shows_the_facilitators_spanish_words(browser: Any, server: Server) -> None:
    cafe = Cafe(server, people=6)
    try:
        topics = cafe.fac.state()["topics"]
        cafe.ok(
            "update_topic", {"topic_id": topics[0]["id"], "translations": {"es": {"name": "Cooperativas de trabajo"}}}
        )
        rounds = cafe.fac.state()["rounds"]
        cafe.ok(
            "set_rounds",
            {
                "rounds": [
                    {
                        "question": r["question"],
                        "discuss_seconds": r["discuss_seconds"],
                        "move_seconds": r["move_seconds"],
                        **(
                            {"translations": {"es": {"question": "¿Qué ya funciona en esta área en Massachusetts?"}}}
                            if r["number"] == 1
                            else {}
                        ),
                    }
                    for r in rounds
                ]
            },
        )
        cafe.ok("update_cafe", {"settings": {"board_language": "es"}})
        ctx, page = open_board(browser, server, (1280, 720))
        try:
            expect(page.locator("html")).to_have_attribute("lang", "es")
            expect(page.locator("#question")).to_contain_text("¿Qué ya funciona en esta área en Massachusetts?")
            expect(page.locator("#topics .area-name").first).to_have_text("Cooperativas de trabajo")
            cafe.ok("announce", {"text": "Lunch is served", "translations": {"es": "El almuerzo está servido"}})
            expect(page.locator("#announcement")).to_have_text("El almuerzo está servido")
            cafe.ok("start_round", {})
            expect(page.locator(".map-topic-name .area-name").first).to_have_text("Cooperativas de trabajo")
            cafe.ok("start_round", {})
            expect(page.locator("#run-question")).to_contain_text("¿Qué ya funciona en esta área en Massachusetts?")
            cafe.post(2)
            expect(page.locator(".notes-col-name .area-name").first).to_have_text("Cooperativas de trabajo")
            # An area without a Spanish version keeps its own name.
            expect(page.locator(".notes-col-name .area-name").nth(1)).to_have_text(topics[1]["name"])
            # The warning speaks Spanish too.
            cafe.ok("extend", {"seconds": -(20 * 60 - 90)})
            expect(page.locator("#run-warning")).to_be_visible()
            assert "minuto" in page.locator("#run-warning").inner_text()
        finally:
            ctx.close()
        # An English board in the same café shows the original words.
        cafe.ok("update_cafe", {"settings": {"board_language": ""}})
        ctx, page = open_board(browser, server, (1280, 720), query="?lang=en")
        try:
            expect(page.locator("#run-question")).to_contain_text(rounds[0]["question"])
            expect(page.locator("#announcement")).to_have_text("Lunch is served")
        finally:
            ctx.close()
    finally:
        cafe.close()


# --- 9. what the board shows now stays accessible -------------------------------------------------


def test_the_boards_new_states_have_no_axe_violations(browser: Any, server: Server) -> None:
    from tests.browser.test_accessibility import check, violations

    results: dict[str, list[dict[str, Any]]] = {}
    ctx, page = open_board(browser, server, (1280, 720))
    cafe = Cafe(server, people=6)
    try:
        cafe.ok("announce", {"text": ANNOUNCEMENT})
        expect(page.locator("#announcement")).to_be_visible()
        expect(page.locator("#bell")).to_be_visible()
        results["lobby, announcement, bell"] = violations(page, "lobby, announcement, bell")
        cafe.ok("start_round", {})
        cafe.ok("start_round", {})
        cafe.post(6)
        cafe.ok("extend", {"seconds": -(20 * 60 - 90)})
        expect(page.locator("#run-warning")).to_be_visible()
        results["discussion, warning"] = violations(page, "discussion, warning")
        page.click("#theme")
        results["discussion, light"] = violations(page, "discussion, light")
        cafe.ok("close_cafe", {})
        expect(page.locator("body")).to_have_attribute("data-phase", "closed")
        results["closed"] = violations(page, "closed")
    finally:
        cafe.close()
        ctx.close()
    ctx, page = open_board(browser, server, (1280, 720), code=draft_code(server))
    try:
        expect(page.locator("#board-state")).to_be_visible()
        results["draft"] = violations(page, "draft")
    finally:
        ctx.close()
    check(results)


# --- screenshots of every phase, at both sizes, with the demo's real area names ---------------------


def test_screenshots_of_every_phase_of_the_board(browser: Any, server: Server, shot: Any) -> None:
    shown = boards(browser, server)
    cafe = Cafe(server, people=14)
    try:
        assert [t["name"] for t in cafe.fac.state()["topics"]] == REAL_NAMES
        for _, page, size in shown:
            expect(page.locator("#present-count")).to_have_text("14")
            settle(page)
            assert_names_whole(page, "#topics .area-name", REAL_NAMES)
            shot(page, f"board-masen-lobby-{size}")
        cafe.ok("start_round", {})
        for _, page, size in shown:
            expect(page.locator("#run-map .map-table")).to_have_count(14)
            assert_names_whole(page, ".map-topic-name .area-name", REAL_NAMES)
            assert_fits(page)
            shot(page, f"board-masen-move-{size}")
        cafe.ok("start_round", {})
        notes = cafe.post(24)
        cafe.ok("announce", {"text": ANNOUNCEMENT})
        for _, page, size in shown:
            expect(page.locator("#run-notes .board-note").first).to_be_visible()
            expect(page.locator("#announcement")).to_be_visible()
            settle(page)
            assert_names_whole(page, ".notes-col-name .area-name", REAL_NAMES)
            assert_apart(page, "#announcement", KEEP_CLEAR["notes"])
            assert_fits(page)
            assert_legible(
                page, ["#announcement", ".notes-col-name", ".board-note-text"], 24 if size == "1920x1080" else 16
            )
            shot(page, f"board-masen-discuss-{size}")
        cafe.ok("clear_announcement", {})
        cafe.ok("spotlight", {"note_id": notes[4]["id"]})
        for _, page, size in shown:
            expect(page.locator("#run-spotlight")).to_be_visible()
            expect(page.locator("#announcement")).to_be_hidden()
            settle(page)
            assert_fits(page)
            shot(page, f"board-masen-spotlight-{size}")
        cafe.ok("spotlight", {"note_id": None})
        for k, phone in enumerate(cafe.phones[:8]):
            cafe.ok("vote", {"note_id": notes[k % 6]["id"]}, phone)
        topics = cafe.fac.state()["topics"]
        for phone in cafe.phones[:3]:
            cafe.ok("sign_up", {"topic_id": topics[3]["id"]}, phone)
        cafe.ok("start_harvest", {})
        for _, page, size in shown:
            expect(page.locator("#run-harvest")).to_be_visible()
            settle(page)
            assert_names_whole(page, ".harvest-col .area-name", REAL_NAMES)
            assert_fits(page)
            shot(page, f"board-masen-harvest-{size}")
        cafe.ok("close_cafe", {})
        for _, page, size in shown:
            expect(page.locator("body")).to_have_attribute("data-phase", "closed")
            settle(page)
            shot(page, f"board-masen-closed-{size}")
        code = draft_code(server)
        for width, height in SIZES:
            ctx, page = open_board(browser, server, (width, height), code=code)
            expect(page.locator("#board-state")).to_be_visible()
            shot(page, f"board-masen-draft-{width}x{height}")
            ctx.close()
    finally:
        cafe.close()
        close_boards(shown)
