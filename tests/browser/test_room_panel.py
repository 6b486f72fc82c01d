"""Seating the room as it is, in the facilitator's panel: a "Next seating" card that says in words
how the next click will seat the room (tables used and left empty, who has nobody to talk with),
the café's "at least N people at a table", each person's languages and who they sit with, edited
in place, and a seat map that shows the tables a thin room leaves empty."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import violations
from tests.browser.test_tablecloth import facilitator
from tests.server import Server

pytestmark = pytest.mark.browser

LAPTOP = {"viewport": {"width": 1280, "height": 800}}
DEMO_TABLES = 14
# A thin, multilingual room: eight people on the demo café's fourteen tables of five.
THIN_ROOM: list[tuple[str, dict[str, Any]]] = [
    ("Nadia", {"languages": ["Arabic"]}),
    ("Rosa", {"languages": ["es"], "organisation": "Boston Ujima Project"}),
    ("Luis", {"languages": ["es", "en"], "organisation": "Boston Ujima Project"}),
    ("Mireille", {"languages": ["ht", "en"]}),
    ("Wei", {"languages": ["zh", "en"]}),
    ("Ana", {"languages": ["pt", "en"]}),
    ("Ben", {"languages": ["en"]}),
    ("Chioma", {}),
]


# --- helpers ---------------------------------------------------------------------------------


def open_panel(browser: Any, server: Server) -> tuple[Any, Any]:
    ctx = browser.new_context(**LAPTOP)
    page = ctx.new_page()
    page.goto(f"{server.url}/f/{server.code}#{server.secret}")
    expect(page.locator("#panel")).to_be_visible()
    return ctx, page


def join_room(server: Server, room: list[tuple[str, dict[str, Any]]]) -> dict[str, int]:
    """Everyone in `room` joins (over HTTP, as the phone page does): name -> participant id."""
    return {name: server.join(name, **stated)["participant"]["id"] for name, stated in room}


def seating_card(page: Any) -> Any:
    card = page.locator("#next-seating")
    expect(card).to_be_visible()
    return card


def tables_line(page: Any) -> str:
    """The card's line about tables, once the server has answered."""
    line = page.locator("#next-seating-list li.next-info")
    expect(line).to_contain_text("tables used in round")
    return str(line.inner_text())


def not_used(line: str) -> list[str]:
    match = re.search(r"Not used: (.*)\.$", line)
    return match.group(1).split(", ") if match else []


def no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (
        "the panel scrolls sideways"
    )


def row(page: Any, pid: int) -> Any:
    return page.locator(f"#people tr[data-id='{pid}']")


# --- the next seating, in words ---------------------------------------------------------------


def test_the_next_seating_card_says_how_round_one_goes_in_a_thin_multilingual_room(
    browser: Any, live_server: Server, shot: Any
) -> None:
    join_room(live_server, THIN_ROOM)
    ctx, page = open_panel(browser, live_server)
    try:
        card = seating_card(page)
        expect(card.locator("#next-seating-when")).to_have_text("· when you start round 1")
        expect(card.locator("#next-seating-lead")).to_contain_text("Round 1 (and 3 more rounds)")
        # Eight people at least three a table: two tables, the other twelve left empty, by name.
        line = tables_line(page)
        assert line.startswith(f"2 of {DEMO_TABLES} tables used in round 1 (8 people, at least 3 a table)."), line
        empty = not_used(line)
        assert len(empty) == DEMO_TABLES - 2 and all(re.fullmatch(r"Table \d+", t) for t in empty), empty
        # The one person nobody else can talk with is named, once (not once per round).
        alone = card.locator("li", has_text="nobody else here speaks")
        expect(alone).to_have_count(1)
        expect(alone).to_have_text("Nadia: nobody else here speaks Arabic.")
        # The seat map shows the same tables as empty, so the room can be set out for round 1.
        unused = page.locator("#seatmap .map-table.unused")
        expect(unused).to_have_count(DEMO_TABLES - 2)
        assert sorted(unused.locator("strong").all_inner_texts()) == sorted(empty)
        expect(unused.first.locator(".seat-n")).to_have_text("not used in round 1")
        no_sideways_scroll(page)
        assert violations(page, "panel, thin room, next seating") == []
        shot(page, "panel-next-seating-1280x800")
    finally:
        ctx.close()


def test_changing_the_minimum_table_size_in_the_form_changes_the_card(
    browser: Any, live_server: Server, shot: Any
) -> None:
    join_room(live_server, THIN_ROOM)
    ctx, page = open_panel(browser, live_server)
    try:
        seating_card(page)
        field = page.locator("#min-table-input")
        expect(field).to_have_value("3")  # a café that never set it seats at least 3 a table
        expect(page.get_by_label("At least")).to_have_id("min-table-input")
        expect(page.locator("#min-table-hint")).to_have_text(
            "A round uses as many tables as the room fills to this; the others stay empty for the round."
        )
        assert tables_line(page).startswith("2 of 14 tables used")

        field.fill("2")
        page.get_by_role("button", name="Save café").click()
        expect(page.locator("#cafe-msg")).to_have_text("Saved.")
        expect(page.locator("#next-seating-list li.next-info")).to_contain_text("at least 2 a table")
        line = tables_line(page)
        # Eight people, but Nadia (only Arabic) makes no conversation of her own: seven fill
        # three tables of at least two, and she joins one of them.
        assert line.startswith("3 of 14 tables used in round 1"), line
        assert len(not_used(line)) == DEMO_TABLES - 3
        state = facilitator(live_server)
        try:
            assert state.state()["cafe"]["settings"]["min_table_size"] == 2
        finally:
            state.close()
        page.locator("#cafe-form").scroll_into_view_if_needed()
        shot(page, "panel-min-table-2-1280x800")

        # Out of range: the browser holds the form back (the field says 1 to 10), nothing is sent.
        field.fill("11")
        page.get_by_role("button", name="Save café").click()
        assert field.evaluate("(node) => node.validity.rangeOverflow")
        assert tables_line(page).startswith("3 of 14 tables used")
    finally:
        ctx.close()


def test_linking_two_people_with_sit_with_puts_them_at_one_table_when_round_one_starts(
    browser: Any, live_server: Server, shot: Any
) -> None:
    # Rosa and Luis work at the same place: left alone, the seating spreads them apart.
    room = [(name, {**stated, "with_companion": name == "Rosa"}) for name, stated in THIN_ROOM]
    ids = join_room(live_server, room)
    rosa, luis = ids["Rosa"], ids["Luis"]
    fac = facilitator(live_server)
    ctx, page = open_panel(browser, live_server)
    try:
        assert fac.call("update_cafe", {"settings": {"min_table_size": 2}})["ok"]
        # Rosa ticked "I come with someone": the panel says so, on her row and above the table.
        expect(row(page, rosa).locator(".pill-ask")).to_have_text("asks to sit with someone — link them")
        expect(row(page, luis).locator(".pill-ask")).to_be_hidden()
        expect(page.locator("#companion-ask")).to_contain_text("Rosa asks to sit with someone")
        assert violations(page, "panel, someone asks to sit with someone") == []

        select = page.locator(f"#with-{rosa}")
        expect(select).to_have_accessible_name("Rosa sits with…")
        assert "Rosa" not in select.locator("option").all_inner_texts()
        select.select_option(str(luis))
        page.locator(f"#link-{rosa}").click()
        expect(page.locator("#people-msg")).to_have_text("Rosa and Luis sit at one table from the next seating.")
        expect(row(page, rosa).locator(".with-names")).to_have_text("Luis")
        expect(row(page, luis).locator(".with-names")).to_have_text("Rosa")
        expect(row(page, rosa).locator(".pill-ask")).to_be_hidden()
        expect(page.locator("#companion-ask")).to_be_hidden()
        expect(page.locator(f"#unlink-{rosa}")).to_be_visible()
        # Luis is already with Rosa: her list no longer offers him.
        assert str(luis) not in select.locator("option").evaluate_all("(os) => os.map((o) => o.value)")
        # The plan now keeps the pair together, and says so.
        expect(page.locator("#next-seating-lead")).to_contain_text("people who come together sit together")
        page.locator("#people-h").scroll_into_view_if_needed()
        shot(page, "panel-sit-with-1280x800")

        page.click("#btn-start")
        expect(page.locator("#seated-count")).to_have_text("8")
        seats = fac.state()["seating"]["seats"]
        assert seats[str(rosa)] == seats[str(luis)]
        together = page.locator(".map-table", has=page.locator(".map-people li", has_text="Rosa"))
        expect(together.locator(".map-people")).to_contain_text("Luis")
    finally:
        fac.close()
        ctx.close()


def test_after_the_start_the_seat_map_shows_the_empty_tables_as_not_used_this_round(
    browser: Any, live_server: Server, shot: Any
) -> None:
    join_room(live_server, THIN_ROOM)
    ctx, page = open_panel(browser, live_server)
    try:
        tables_line(page)
        page.click("#btn-start")
        expect(page.locator("#seated-count")).to_have_text("8")
        unused = page.locator("#seatmap .map-table.unused")
        expect(unused).to_have_count(DEMO_TABLES - 2)
        for i in range(DEMO_TABLES - 2):
            expect(unused.nth(i).locator(".seat-n")).to_have_text("not used this round")
        used = page.locator("#seatmap .map-table:not(.unused) .seat-n")
        expect(used).to_have_count(2)
        assert sum(int(n.split("/")[0]) for n in used.all_inner_texts()) == 8
        # During the move the seats are set: the card says so instead of a plan.
        expect(page.locator("#next-seating-lead")).to_have_text(re.compile(r"^Seats are set for this round\."))
        no_sideways_scroll(page)
        shot(page, "panel-seat-map-thin-room-1280x800")

        # In the discussion the card looks ahead to the next click: round 2 and after.
        page.click("#btn-skip")
        expect(page.locator("#next-seating-when")).to_have_text("· when you end this round")
        expect(page.locator("#next-seating-lead")).to_contain_text("Round 2 (and 2 more rounds)")
        assert "in round 2" in tables_line(page)
        shot(page, "panel-next-seating-discussion-1280x800")
    finally:
        ctx.close()


def test_the_preview_shows_a_refusal_when_seats_are_missing(browser: Any, live_server: Server, shot: Any) -> None:
    fac = facilitator(live_server)
    ctx, page = open_panel(browser, live_server)
    try:
        # Two tables of five for eleven people: one seat short.
        state = fac.state()
        for table in state["tables"][2:]:
            assert fac.call("remove_table", {"table_id": table["id"]})["ok"]
        join_room(live_server, [(f"Guest {i}", {}) for i in range(11)])
        card = seating_card(page)
        expect(card).to_have_attribute("data-kind", "warn")
        expect(card.locator("#next-seating-lead")).to_contain_text("(1 short)")
        shot(page, "panel-next-seating-refused-1280x800")
    finally:
        fac.close()
        ctx.close()


class PreviewRequests:
    """Counts the panel's `plan_preview` requests on its websocket, and how many wait at once."""

    def __init__(self, page: Any) -> None:
        self.sent = 0
        self.waiting: set[str] = set()
        self.most_waiting = 0
        page.on("websocket", self._watch)

    def _watch(self, ws: Any) -> None:
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)

    def _sent(self, payload: Any) -> None:
        # A Socket.IO event with an ack id: 42<id>["plan_preview",{}]
        match = re.match(r'^42(\d+)\["plan_preview"', payload) if isinstance(payload, str) else None
        if match:
            self.sent += 1
            self.waiting.add(match.group(1))
            self.most_waiting = max(self.most_waiting, len(self.waiting))

    def _received(self, payload: Any) -> None:
        match = re.match(r"^43(\d+)\[", payload) if isinstance(payload, str) else None
        if match:
            self.waiting.discard(match.group(1))


def test_a_burst_of_joins_asks_for_one_preview_at_a_time_after_the_room_settles(
    browser: Any, live_server: Server
) -> None:
    join_room(live_server, THIN_ROOM[:2])
    ctx = browser.new_context(**LAPTOP)
    page = ctx.new_page()
    requests = PreviewRequests(page)
    try:
        page.goto(f"{live_server.url}/f/{live_server.code}#{live_server.secret}")
        expect(page.locator("#next-seating-list li.next-info")).to_contain_text("(2 people,")
        before = requests.sent
        join_room(live_server, [(f"Guest {i}", {}) for i in range(12)])
        expect(page.locator("#next-seating-list li.next-info")).to_contain_text("(14 people,")
        page.wait_for_timeout(2000)  # nothing more is asked once the room is quiet
        assert 1 <= requests.sent - before <= 3, requests.sent - before
        assert requests.most_waiting == 1
    finally:
        ctx.close()


# --- the participants: languages, who sits with whom ---------------------------------------------


def test_the_participants_table_shows_languages_by_name_and_edits_them_in_place(
    browser: Any, live_server: Server, shot: Any
) -> None:
    ids = join_room(live_server, THIN_ROOM)
    fac = facilitator(live_server)
    ctx, page = open_panel(browser, live_server)
    try:
        expect(row(page, ids["Luis"]).locator(".lang-names")).to_have_text("Spanish, English")
        expect(row(page, ids["Mireille"]).locator(".lang-names")).to_have_text("Haitian Creole, English")
        expect(row(page, ids["Nadia"]).locator(".lang-names")).to_have_text("Arabic")
        expect(row(page, ids["Chioma"]).locator(".lang-names")).to_have_text("not stated")

        chioma = ids["Chioma"]
        page.get_by_role("button", name="Change the languages of Chioma").click()
        field = page.locator(f"#langs-{chioma}")
        expect(field).to_be_focused()
        field.fill("Kreyòl, Arabic")
        row(page, chioma).scroll_into_view_if_needed()
        assert violations(page, "panel, a languages form open") == []
        shot(page, "panel-languages-edit-1280x800")
        page.get_by_role("button", name="Save the languages of Chioma").click()
        expect(page.locator("#people-msg")).to_have_text("Chioma talks in Kreyòl, Arabic.")
        expect(row(page, chioma).locator(".lang-names")).to_have_text("Haitian Creole, Arabic")
        expect(field).to_be_hidden()
        person = next(p for p in fac.state()["participants"] if p["id"] == chioma)
        assert person["languages"] == ["ht", "Arabic"]

        # A refusal (more than eight languages) is shown, and nothing changes.
        page.get_by_role("button", name="Change the languages of Chioma").click()
        expect(field).to_have_value("Haitian Creole, Arabic")
        field.fill(", ".join(f"Language {i}" for i in range(9)))
        page.get_by_role("button", name="Save the languages of Chioma").click()
        expect(page.locator("#people-msg")).to_have_attribute("data-kind", "error")
        expect(page.locator("#people-msg")).to_contain_text("at most 8 languages")
        expect(field).to_be_visible()
        field.press("Escape")
        expect(field).to_be_hidden()
        expect(row(page, chioma).locator(".lang-names")).to_have_text("Haitian Creole, Arabic")
    finally:
        fac.close()
        ctx.close()


def test_an_unlinked_companion_and_a_refused_host_show_in_the_panel(browser: Any, live_server: Server) -> None:
    ids = join_room(live_server, THIN_ROOM)
    fac = facilitator(live_server)
    ctx, page = open_panel(browser, live_server)
    try:
        assert fac.call("link_companions", {"participant_ids": [ids["Rosa"], ids["Luis"]]})["ok"]
        expect(row(page, ids["Rosa"]).locator(".with-names")).to_have_text("Luis")
        hosts = page.locator("#topic-editor select[id$='-host']")
        hosts.nth(0).select_option(str(ids["Luis"]))
        expect(page.locator("#topic-editor .form-msg", has_text="Host set.")).to_have_count(1)
        # Rosa sits with Luis, who hosts Table 1: she cannot host another table. The refusal is
        # shown by the table, and its list goes back to no host.
        hosts.nth(1).select_option(str(ids["Rosa"]))
        expect(page.locator("#table-2 .form-msg")).to_contain_text("Rosa sits with the host of Table 1")
        expect(hosts.nth(1)).to_have_value("")

        page.get_by_role("button", name=re.compile("^Unlink Rosa")).click()
        expect(page.locator("#people-msg")).to_have_text("Rosa no longer sits with the others.")
        for name in ("Rosa", "Luis"):
            expect(row(page, ids[name]).locator(".with-names")).to_be_hidden()
            expect(page.locator(f"#unlink-{ids[name]}")).to_be_hidden()
            expect(page.locator(f"#with-{ids[name]}")).to_be_visible()
    finally:
        fac.close()
        ctx.close()


def test_seventy_people_fit_the_participants_table_at_1280_px(browser: Any, live_server: Server, shot: Any) -> None:
    room = [
        (
            f"Participant {i + 1:02d}",
            {
                "languages": ["es", "en"] if i % 3 else ["ht"],
                "organisation": "Dorchester Food Co-op" if i % 4 == 0 else None,
                "with_companion": i % 17 == 0,
            },
        )
        for i in range(70)
    ]
    join_room(live_server, room)
    ctx, page = open_panel(browser, live_server)
    try:
        expect(page.locator("#people tr")).to_have_count(70)
        expect(page.locator("#people-count")).to_have_text("· 70")
        expect(page.locator("#companion-ask")).to_contain_text("Participant 01, Participant 18")
        expect(page.locator("#companion-ask")).to_contain_text("ask to sit with someone")
        no_sideways_scroll(page)
        width = page.evaluate("() => document.querySelector('.people-table').getBoundingClientRect().right")
        assert width <= 1280
        # The card still answers for a full room (planning 70 people takes a few seconds).
        expect(page.locator("#next-seating-list li.next-info")).to_contain_text(
            "All 14 tables used in round 1 (70 people", timeout=30_000
        )
        page.locator("#people-h").scroll_into_view_if_needed()
        shot(page, "panel-people-70-1280x800")
    finally:
        ctx.close()
