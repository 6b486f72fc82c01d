"""Seating the room as it is, on the phone and the board: the join form asks (optionally) which
languages a person talks in and what they need; a thin room uses only the tables it fills, and
the board says which tables are not used; someone who speaks only Spanish sits with someone who
speaks it; a host whose table is not used this round is told, calmly, where to sit instead."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_board import assert_fits, assert_legible
from tests.browser.test_tablecloth import PHONE, facilitator, wait_until
from tests.server import LiveClient, Server, close_all

pytestmark = pytest.mark.browser

MIN_TABLE = 3  # settings.min_table_size when the facilitator has not set it


# --- helpers ---------------------------------------------------------------------------------


def open_join(browser: Any, server: Server, locale: str = "en-US") -> tuple[Any, Any]:
    """A phone (its own browser context) on the join form, in the language of `locale`."""
    ctx = browser.new_context(**PHONE, locale=locale)
    page = ctx.new_page()
    page.goto(f"{server.url}/j/{server.code}")
    expect(page.locator("#join")).to_be_visible()
    return ctx, page


def join_on_page(page: Any, name: str) -> None:
    page.fill("#name", name)
    page.click("#join-button")
    expect(page.locator("#lobby")).to_be_visible()


def show_form_end(page: Any) -> None:
    """Scroll the join form to its end: the optional fields above the button, for a screenshot."""
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(page.locator("#join-button")).to_be_in_viewport()


def present_by_socket(server: Server, name: str, **stated: Any) -> LiveClient:
    """Someone who joined over HTTP (with what they stated) and is present on a socket."""
    joined = server.join(name, **stated)
    return LiveClient(server, {"cafe": server.code, "role": "phone", "token": joined["token"]}).connect()


def wait_present(fac: LiveClient, count: int) -> None:
    """Seats go to the people present: wait until the server counts them all."""
    wait_until(lambda: fac.state()["counts"]["present"] == count)


def people_by_name(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in state["participants"]}


def labels(state: dict[str, Any]) -> dict[int, str]:
    return {t["id"]: t["label"] for t in state["tables"]}


def seats_of(state: dict[str, Any]) -> dict[int, int]:
    return {int(pid): table for pid, table in state["seating"]["seats"].items()}


def at_table(state: dict[str, Any]) -> dict[int, list[int]]:
    """Table id -> the participant ids seated there this round."""
    tables: dict[int, list[int]] = {}
    for pid, table in seats_of(state).items():
        tables.setdefault(table, []).append(pid)
    return tables


# --- the join form ---------------------------------------------------------------------------------


def test_the_join_form_sends_the_languages_and_needs_a_person_states(
    browser: Any, live_server: Server, shot: Any
) -> None:
    fac = facilitator(live_server)
    ctx, page = open_join(browser, live_server)
    friend = present_by_socket(live_server, "Idris")
    try:
        # The page's own language is ticked already; the rest is optional and unticked.
        speaks = page.locator("input[name=speaks]")
        expect(speaks).to_have_count(5)
        expect(page.get_by_role("checkbox", name="English")).to_be_checked()
        for name in ("Español", "Português", "Kreyòl ayisyen", "中文"):
            expect(page.get_by_role("checkbox", name=name)).not_to_be_checked()
        expect(page.get_by_role("checkbox", name="I can't move between tables")).not_to_be_checked()
        companion = page.get_by_role("checkbox", name=re.compile(r"^I come with someone who must sit with me"))
        expect(companion).not_to_be_checked()
        expect(companion).to_have_accessible_description("The facilitator will seat you together.")
        expect(page.get_by_label("Other languages")).to_have_accessible_description(
            "Separate them with commas, e.g. Arabic, French"
        )

        page.fill("#name", "Amani")
        page.get_by_role("checkbox", name="Español").check()
        page.fill("#other-languages", "Arabic, French")
        page.get_by_role("checkbox", name="I can't move between tables").check()
        companion.check()
        show_form_end(page)
        shot(page, "phone-join-room-en-390x844")

        # More languages than the server takes are refused here, in the phone's words.
        page.fill("#other-languages", "Arabic, French, Swahili, Somali, Lingala, Wolof, Dari")
        page.click("#join-button")
        expect(page.locator("#join-error")).to_have_text("You can list at most 8 languages.")
        expect(page.locator("#join")).to_be_visible()
        page.fill("#other-languages", "Arabic, French")
        page.click("#join-button")
        expect(page.locator("#lobby")).to_be_visible()
        expect(page.locator("#lobby-companion")).to_have_text(
            "Tell the facilitator who sits with you: they will keep you together."
        )
        expect(page.locator("#lobby-seated")).to_have_text("You keep one table all café long.")
        shot(page, "phone-lobby-room-needs-390x844")

        me = people_by_name(fac.state())["Amani"]
        assert me["languages"] == ["en", "es", "Arabic", "French"]
        assert me["stays_seated"] is True and me["wants_companion"] is True

        # Once the facilitator has linked them, there is nothing left to tell.
        ack = fac.call("link_companions", {"participant_ids": [me["id"], people_by_name(fac.state())["Idris"]["id"]]})
        assert ack["ok"], ack
        expect(page.locator("#lobby-companion")).to_be_hidden()
        expect(page.locator("#lobby-seated")).to_be_visible()
    finally:
        close_all([fac, friend])
        ctx.close()


def test_someone_who_ticks_nothing_extra_looks_as_before_in_the_lobby(browser: Any, live_server: Server) -> None:
    fac = facilitator(live_server)
    ctx, page = open_join(browser, live_server)
    try:
        join_on_page(page, "Ana")
        expect(page.locator("#lobby-companion")).to_be_hidden()
        expect(page.locator("#lobby-seated")).to_be_hidden()
        me = people_by_name(fac.state())["Ana"]
        # The language ticked for them is the page's; the needs stay off.
        assert me["languages"] == ["en"]
        assert me["stays_seated"] is False and me["wants_companion"] is False
    finally:
        fac.close()
        ctx.close()


# --- a thin room -----------------------------------------------------------------------------------


def test_a_thin_room_uses_only_the_tables_it_fills_and_every_phone_is_told_where_to_go(
    browser: Any, live_server: Server, shot: Any
) -> None:
    names = ["Ana", "Ben", "Chioma", "Dev", "Eun-ji"]
    phones = []
    boards = []
    fac = facilitator(live_server)
    try:
        for width, height in ((1920, 1080), (1280, 720)):
            ctx = browser.new_context(viewport={"width": width, "height": height})
            board = ctx.new_page()
            board.goto(f"{live_server.url}/b/{live_server.code}")
            expect(board.locator("#topics li")).to_have_count(5)
            boards.append((ctx, board, f"{width}x{height}"))
        for name in names:
            ctx, page = open_join(browser, live_server)
            join_on_page(page, name)
            phones.append((ctx, page, name))
        wait_present(fac, len(names))

        assert fac.call("start_round", {})["ok"]
        state = fac.state()
        tables = at_table(state)
        assert sum(len(people) for people in tables.values()) == len(names)
        # Nobody sits at a table of fewer than three; the demo's 14 tables are mostly unused.
        assert all(len(people) >= MIN_TABLE for people in tables.values()), tables
        unused = len(state["tables"]) - len(tables)
        assert unused == 13

        seats, label, people = seats_of(state), labels(state), people_by_name(state)
        for _ctx, page, name in phones:
            table = label[seats[people[name]["id"]]]
            expect(page.locator("#move-head")).to_have_text(f"Go to {table}")
            expect(page.locator("#move-away")).to_be_hidden()

        # The board says which tables nobody sits at this round, dimmed but legible, no scrolling.
        for ctx, board, size in boards:
            expect(board.locator("#run-map")).to_be_visible()
            expect(board.locator("#run-map .map-table")).to_have_count(14)
            expect(board.locator("#run-map .map-table.is-unused")).to_have_count(unused)
            expect(board.locator("#run-map .map-table.is-unused").first).to_contain_text("not used this round")
            expect(board.locator("#run-map")).not_to_contain_text("0 people")
            expect(board.locator("#run-map .map-table:not(.is-unused)")).to_contain_text("5 people")
            assert_fits(board)
            assert_legible(board, [".map-table-label", ".map-table.is-unused .map-count"], 0)
            shot(board, f"board-move-thin-room-{size}")
            board.click("#theme")
            expect(board.locator("body")).to_have_class(re.compile("theme-light"))
            assert_legible(board, [".map-table-label", ".map-table.is-unused .map-count"], 0)
            if size == "1280x720":
                shot(board, f"board-move-thin-room-light-{size}")
    finally:
        fac.close()
        for ctx, _page, _name in phones:
            ctx.close()
        for ctx, _board, _size in boards:
            ctx.close()


# --- languages ---------------------------------------------------------------------------------------


def test_a_spanish_only_phone_sits_with_someone_who_speaks_spanish(
    browser: Any, live_server: Server, shot: Any
) -> None:
    fac = facilitator(live_server)
    ctx, page = open_join(browser, live_server, locale="es")
    others: list[LiveClient] = []
    try:
        # In Spanish, Español is the language ticked; Rosa leaves it at that.
        expect(page.locator("#join-button")).to_have_text("Entrar al café")
        expect(page.locator("#speaks legend")).to_have_text("Idiomas en los que puedo conversar (opcional)")
        expect(page.get_by_role("checkbox", name="Español")).to_be_checked()
        expect(page.get_by_role("checkbox", name="English")).not_to_be_checked()
        expect(page.locator("input[name=speaks]:checked")).to_have_count(1)
        show_form_end(page)
        shot(page, "phone-join-room-es-390x844")
        join_on_page(page, "Rosa")

        others.append(present_by_socket(live_server, "Beto", languages=["Español", "English"]))
        for i in range(7):
            others.append(present_by_socket(live_server, f"Person {i + 1}", languages=["en"]))
        wait_present(fac, 9)

        state = fac.state()
        people = people_by_name(state)
        assert people["Rosa"]["languages"] == ["es"]
        assert people["Beto"]["languages"] == ["es", "en"]

        assert fac.call("start_round", {})["ok"]
        state = fac.state()
        seats, by_id = seats_of(state), {p["id"]: p for p in state["participants"]}
        rosa = people["Rosa"]["id"]
        mates = [pid for pid, table in seats.items() if table == seats[rosa] and pid != rosa]
        assert any("es" in by_id[pid]["languages"] for pid in mates), [by_id[pid] for pid in mates]
        number = re.fullmatch(r"Table (\d+)", labels(state)[seats[rosa]]).group(1)
        expect(page.locator("#move-head")).to_have_text(f"Ve a la Mesa {number}")
    finally:
        close_all([fac, *others])
        ctx.close()


# --- hosts ---------------------------------------------------------------------------------------------


def test_a_host_whose_table_is_not_used_this_round_is_told_where_to_sit(
    browser: Any, live_server: Server, shot: Any
) -> None:
    fac = facilitator(live_server)
    hosts: dict[str, tuple[Any, Any]] = {}
    travellers: list[LiveClient] = []
    try:
        for name in ("Hana", "Hugo", "Hawa"):
            ctx, page = open_join(browser, live_server)
            join_on_page(page, name)
            hosts[name] = (ctx, page)
        for name in ("Tom", "Tia", "Teo"):
            travellers.append(present_by_socket(live_server, name))
        state = fac.state()
        people = people_by_name(state)
        # One host at the first table of each of three strategy areas.
        hosted: dict[str, dict[str, Any]] = {}
        for name, topic in zip(hosts, state["topics"][:3]):
            table = next(t for t in state["tables"] if t["topic_id"] == topic["id"])
            ack = fac.call("set_host", {"table_id": table["id"], "participant_id": people[name]["id"]})
            assert ack["ok"], ack
            hosted[name] = table
        wait_present(fac, 6)

        # Six people fill two tables of three: one hosted table is not used this round.
        assert fac.call("start_round", {})["ok"]
        state = fac.state()
        seats, label = seats_of(state), labels(state)
        tables = at_table(state)
        away = [name for name in hosts if seats[people[name]["id"]] != hosted[name]["id"]]
        assert len(away) == 1, (away, seats)
        [name] = away
        own, seat = hosted[name]["label"], label[seats[people[name]["id"]]]
        assert hosted[name]["id"] not in tables
        assert all(len(p) >= MIN_TABLE for p in tables.values()), tables

        page = hosts[name][1]
        expect(page.locator("#move-head")).to_have_text(f"Go to {seat}")
        expect(page.locator("#move-away")).to_have_text(
            f"Your table ({own}) is not used this round: fewer people came. Sit at {seat} and join its conversation."
        )
        expect(page.locator("#move-host")).to_be_hidden()
        shot(page, "phone-host-table-unused-390x844")
        # The hosts whose tables are used look as they always did.
        for other in hosts:
            if other == name:
                continue
            theirs = hosts[other][1]
            expect(theirs.locator("#move-head")).to_have_text(f"Stay at {hosted[other]['label']}")
            expect(theirs.locator("#move-host")).to_have_text(
                f"You host {hosted[other]['label']}. Welcome the newcomers."
            )
            expect(theirs.locator("#move-away")).to_be_hidden()

        # The discussion: one line says so; the summary belongs to the table they host, not here.
        assert fac.call("start_round", {})["ok"]
        expect(page.locator("#discuss")).to_be_visible()
        expect(page.locator("#discuss-table")).to_have_text(seat)
        expect(page.locator("#discuss-away")).to_have_text(f"Your table ({own}) is not used this round.")
        expect(page.locator("#discuss-host")).to_be_hidden()
        expect(page.locator("#cloth")).to_be_visible()
        expect(page.locator("#host-box")).to_be_hidden()
        shot(page, "phone-host-table-unused-discuss-390x844")
        for other in hosts:
            if other == name:
                continue
            theirs = hosts[other][1]
            expect(theirs.locator("#discuss-host")).to_be_visible()
            expect(theirs.locator("#host-box")).to_be_visible()
            expect(theirs.locator("#discuss-away")).to_be_hidden()
    finally:
        close_all([fac, *travellers])
        for ctx, _page in hosts.values():
            ctx.close()
