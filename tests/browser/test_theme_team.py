"""The theme team in real browsers: two members, each on their own laptop and link, group 50 of
a room's 60 notes (four languages, uneven areas) at the same time, by keyboard and by dragging;
both screens end with the same themes, no note lost or in two themes, a note both moved says
who moved it last; the board's emerging-themes view follows, at 1920x1080 and 1280x720."""

from __future__ import annotations

import csv
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import violations
from tests.browser.test_board import Cafe
from tests.browser.test_room_panel import LAPTOP
from tests.server import Server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent.parent
# The labelled notes of bench/themes.py (English, Spanish, Kreyòl), and a few in Chinese.
with (ROOT / "bench" / "data" / "themes.csv").open(encoding="utf-8") as f:
    BY_AREA: dict[str, list[str]] = defaultdict(list)
    for row in csv.DictReader(f):
        BY_AREA[row["area"]].append(row["text"])
# Every text a theme screen shows about moves, as it appears: its message line and each
# "moved by" mark (which goes after a few seconds).
RECORD_WHAT_IS_SAID = """() => {
  window.saidOnScreen = [];
  const note = () => {
    const msg = document.getElementById('themes-msg').textContent;
    const marks = [...document.querySelectorAll('.theme-note-moved')].map((e) => e.textContent);
    for (const text of [msg, ...marks]) {
      if (text && !window.saidOnScreen.includes(text)) window.saidOnScreen.push(text);
    }
  };
  new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""
CHINESE = ["社区土地信托买下空地", "为合作社设立周转贷款基金", "用中文和西班牙语开办培训班", "把农场和学校厨房连起来"]


@pytest.fixture
def server(roomy_server: Server) -> Server:
    return roomy_server


def post_room(cafe: Cafe, count: int) -> list[dict[str, Any]]:
    """`count` notes from the phones at their tables, each in its table's area's words."""
    state = cafe.fac.state()
    areas = {t["id"]: t["name"] for t in state["topics"]}
    area_of = {t["id"]: areas[t["topic_id"]] for t in state["tables"]}
    seats = cafe.seats()
    used: dict[str, int] = defaultdict(int)
    notes = []
    for k in range(count):
        i = k % len(cafe.phones)
        table = seats[cafe.ids[i]]
        pool = BY_AREA[area_of[table]]
        text = CHINESE[k // 15] if k % 15 == 7 else pool[used[area_of[table]] % len(pool)]
        used[area_of[table]] += 1
        ack = cafe.ok(
            "add_note",
            {"id": str(uuid.uuid4()), "table_id": table, "round": state["cafe"]["current_round"], "text": text},
            cafe.phones[i],
        )
        notes.append(ack["note"])
    return notes


def member_page(browser: Any, url: str, name: str, locale: str) -> tuple[Any, Any]:
    ctx = browser.new_context(**LAPTOP, locale=locale)
    page = ctx.new_page()
    page.goto(url)
    expect(page.locator("#team-name")).to_be_visible()
    page.fill("#team-name-input", name)
    page.click("#team-name-go")
    expect(page.locator("#themes")).to_be_visible()
    return ctx, page


def open_area(page: Any, number: int) -> None:
    page.locator("#themes-areas .area-tab").nth(number).click()
    expect(page.locator("#themes-areas .area-tab").nth(number)).to_have_attribute("aria-current", "true")


def new_theme(page: Any, name: str) -> None:
    before = page.locator("#theme-list .theme-card").count()
    page.fill("#new-theme-name", name)
    page.locator("#new-theme button[type=submit]").click()
    expect(page.locator("#theme-list .theme-card")).to_have_count(before + 1)


def grouping(page: Any) -> dict[str, list[str]]:
    """Theme name -> the note ids the page shows in it (every theme's notes are drawn: <= 12)."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('#theme-list .theme-card')].map((card) => [
             card.querySelector('.theme-name').textContent,
             [...card.querySelectorAll('[data-note-id]')].map((n) => n.dataset.noteId).sort()]))"""
    )


def test_two_members_group_fifty_notes_at_once_and_both_screens_and_the_board_agree(
    browser: Any, server: Server, shot: Any
) -> None:
    cafe = Cafe(server, 20)  # a thin room: 20 phones for 14 tables, so the areas are uneven
    contexts: list[Any] = []
    try:
        cafe.ok("start_round", {})
        cafe.ok("start_round", {})
        notes = post_room(cafe, 60)
        state = cafe.fac.state()
        area_of_table = {t["id"]: t["topic_id"] for t in state["tables"]}
        links = [cafe.ok("create_team_link", {"role": "theme", "label": who})["url"] for who in ("Dana", "Éli")]
        assert all("/themes#" in url for url in links)
        ctx_a, dana = member_page(browser, links[0], "Dana", "en-US")
        ctx_b, eli = member_page(browser, links[1], "Éli", "es-ES")
        contexts += [ctx_a, ctx_b]
        boards = []
        for width, height in ((1920, 1080), (1280, 720)):
            ctx = browser.new_context(viewport={"width": width, "height": height})
            contexts.append(ctx)
            page = ctx.new_page()
            page.goto(f"{server.url}/b/{server.code}")
            boards.append((page, f"{width}x{height}"))
        cafe.ok("update_cafe", {"settings": {"board_themes": True}})
        for page, _size in boards:
            expect(page.locator("body")).to_have_attribute("data-view", "themes")

        # Each area's notes, most first: the two members work through the three largest.
        per_area: dict[int, list[str]] = defaultdict(list)
        for note in notes:
            per_area[area_of_table[note["table_id"]]].append(note["id"])
        order = [t["id"] for t in state["topics"]]
        busiest = sorted(per_area, key=lambda a: -len(per_area[a]))
        expect(dana.locator("#pile-notes [data-note-id]")).to_have_count(len(per_area[order[0]]))
        assert violations(dana, "theme team screen") == []
        shot(dana, "themes-screen-60-notes-1280x800")

        to_group: list[str] = []
        for area in busiest:
            take = min(len(per_area[area]), 50 - len(to_group))
            to_group += per_area[area][:take]
            if len(to_group) == 50:
                break
        groups = {
            area: [n for n in to_group if n in per_area[area]]
            for area in busiest
            if set(per_area[area]) & set(to_group)
        }
        contested = None
        started = time.monotonic()
        for area, ids in groups.items():
            number = order.index(area)
            open_area(dana, number)
            open_area(eli, number)
            new_theme(dana, f"Tema A{number + 1}")
            expect(eli.locator("#theme-list .theme-card")).to_have_count(1)
            new_theme(eli, f"Theme B{number + 1}")
            expect(dana.locator("#theme-list .theme-card")).to_have_count(2)
            # Interleaved, neither waiting for the other: Dana takes the even notes into theme 1,
            # Éli the odd ones into theme 2, each with a click and the theme's number.
            for k, note in enumerate(ids):
                page, key = (dana, "1") if k % 2 == 0 else (eli, "2")
                card = page.locator(f'#pile-notes [data-note-id="{note}"]')
                card.click()
                page.keyboard.press(key)
                # As a person does, each sees their own move land before the next one; the
                # other member's moves land meanwhile, whenever they do.
                expect(card).to_have_count(0)
            if contested is None:
                # One note both move at once, each from what their screen showed. What each
                # screen says meanwhile is recorded as it happens: the "moved by" mark lasts a
                # few seconds, and on a loaded machine the other's move may land between a
                # click and its key, so the second move never starts (the note left the chosen).
                contested = ids[0]
                for page in (dana, eli):
                    page.evaluate(RECORD_WHAT_IS_SAID)
                for page, key in ((dana, "2"), (eli, "1")):
                    page.locator(f'[data-note-id="{contested}"]').first.click()
                    page.keyboard.press(key)

        # Both screens settle on the same themes, and on what the server holds.
        def server_grouping() -> dict[str, list[str]]:
            fresh = cafe.fac.state()
            names = {t["id"]: t["name"] for t in fresh["themes"]}
            out: dict[str, list[str]] = {name: [] for name in names.values()}
            for note in fresh["notes"]:
                if note["theme_id"] is not None:
                    out[names[note["theme_id"]]].append(note["id"])
            return {k: sorted(v) for k, v in out.items()}

        deadline = time.monotonic() + 15
        while True:
            held = server_grouping()
            placed = [n for ids in held.values() for n in ids]
            if len(placed) == 50 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        assert sorted(placed) == sorted(to_group), "a note was lost or is in two themes"
        assert len(cafe.fac.state()["notes"]) == 60
        print(f"\n50 notes grouped by two members in {elapsed:.1f} s")
        for area in groups:
            open_area(dana, order.index(area))
            open_area(eli, order.index(area))
            mine = {k: v for k, v in held.items() if k.endswith(str(order.index(area) + 1))}
            for page in (dana, eli):
                expect(page.locator("#theme-list .theme-card")).to_have_count(2)
                settle = time.monotonic() + 5
                while grouping(page) != mine and time.monotonic() < settle:
                    time.sleep(0.1)
                assert grouping(page) == mine
        # The contested note: in the theme of whoever moved it last, and the other one's
        # screen says who that was.
        assert contested is not None
        first_area = next(iter(groups))
        open_area(dana, order.index(first_area))
        open_area(eli, order.index(first_area))
        winner_theme = next(name for name, ids in held.items() if contested in ids)
        loser = dana if winner_theme.startswith("Tema A") else eli
        winner = "Éli" if loser is dana else "Dana"
        said = " | ".join(loser.evaluate("window.saidOnScreen"))
        assert winner in said, said

        # The board follows: every theme with its size, largest first; measured, not asserted.
        biggest = max(held.items(), key=lambda item: len(item[1]))
        followed = []
        for page, size in boards:
            t0 = time.monotonic()
            tile = page.locator(f'.theme-tile:has-text("{biggest[0]}") .theme-tile-size')
            expect(tile).to_have_text(f"{len(biggest[1])} notes")
            followed.append(time.monotonic() - t0)
            assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
            shot(page, f"board-emerging-themes-{size}")
        print("board caught up after the last check in", ", ".join(f"{s:.2f} s" for s in followed))
        # The themes view never hides where everyone goes: a move shows the seat map, and the
        # themes come back with the next discussion.
        cafe.ok("end_round", {})
        for page, _size in boards:
            expect(page.locator("body")).to_have_attribute("data-view", "map")
        cafe.ok("start_round", {})
        for page, _size in boards:
            expect(page.locator("body")).to_have_attribute("data-view", "themes")
        open_area(dana, order.index(busiest[0]))
        shot(dana, "themes-screen-grouped-1280x800")
        shot(eli, "themes-screen-grouped-es-1280x800")
    finally:
        for ctx in contexts:
            ctx.close()
        cafe.close()


def test_a_suggestion_is_accepted_as_one_theme_and_the_rest_ignored(browser: Any, server: Server, shot: Any) -> None:
    cafe = Cafe(server, 6)
    ctx = browser.new_context(**LAPTOP)
    try:
        cafe.ok("start_round", {})
        cafe.ok("start_round", {})
        post_room(cafe, 36)
        page = ctx.new_page()
        page.goto(f"{server.url}/f/{server.code}/themes#{server.secret}")  # the facilitator's own link opens it
        expect(page.locator("#themes")).to_be_visible()
        busiest = max(range(5), key=lambda i: int(page.locator(".area-tab-count").nth(i).inner_text().split()[0]))
        open_area(page, busiest)
        unsorted = page.locator("#pile-notes [data-note-id]").count()
        page.click("#suggest")
        expect(page.locator("#suggestions")).to_be_visible()
        first = page.locator(".suggestion").first
        size = int(first.get_by_role("button", name="Accept").inner_text().split("(")[1].split()[0])
        first.locator("input").fill("Our first theme")
        shot(page, "themes-suggestions-1280x800")
        first.get_by_role("button", name="Accept").click()
        expect(page.locator("#theme-list .theme-card")).to_have_count(1)
        expect(page.locator(".theme-card .theme-name")).to_have_text("Our first theme")
        expect(page.locator("#pile-notes [data-note-id]")).to_have_count(unsorted - size)
        page.click("#suggest-close")
        expect(page.locator("#suggestions")).to_be_hidden()
        assert [t["name"] for t in cafe.fac.state()["themes"]] == ["Our first theme"]
        # Dragging: a note onto the theme, then back onto the unsorted pile. (A drag that does not
        # take, under a loaded machine's slow frames, is dragged again, as a person would.)
        note_id = page.locator("#pile-notes [data-note-id]").first.get_attribute("data-note-id")
        in_theme = page.locator(f'.theme-card [data-note-id="{note_id}"]')
        in_pile = page.locator(f'#pile-notes [data-note-id="{note_id}"]')
        for source, target, landed, where in (
            (in_pile, page.locator(".theme-card").first, in_theme, None),
            (in_theme, page.locator("#pile-notes"), in_pile, {"x": 30, "y": 30}),
        ):
            for attempt in range(3):
                source.drag_to(target, target_position=where)
                try:
                    expect(landed).to_have_count(1, timeout=2000)
                    break
                except AssertionError:
                    if attempt == 2:
                        raise
        expect(page.locator(".theme-card .theme-size")).to_have_text(f"{size} notes")
    finally:
        ctx.close()
        cafe.close()


def test_in_the_harvest_a_phone_gives_a_theme_a_dot_and_the_board_ranks_the_themes(
    browser: Any, server: Server, shot: Any
) -> None:
    cafe = Cafe(server, 8)
    phone_ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="ht-HT"
    )
    board_ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        phone = phone_ctx.new_page()
        phone.goto(f"{server.url}/j/{server.code}")
        phone.wait_for_selector("#join:not([hidden])")
        phone.fill("#name", "Wilner")
        phone.click("#join-button")
        expect(phone.locator("#lobby")).to_be_visible()
        cafe.ok("start_round", {})
        cafe.ok("start_round", {})
        notes = post_room(cafe, 30)
        state = cafe.fac.state()
        area_of_table = {t["id"]: t["topic_id"] for t in state["tables"]}
        area = max(state["topics"], key=lambda t: sum(area_of_table[n["table_id"]] == t["id"] for n in notes))
        own = [n["id"] for n in notes if area_of_table[n["table_id"]] == area["id"]]
        cafe.ok("create_theme", {"name": "Tè nou", "topic_id": area["id"], "note_ids": own[:2]})
        cafe.ok("create_theme", {"name": "Lajan / Money", "topic_id": area["id"], "note_ids": own[2:]})
        ids = {t["name"]: t["id"] for t in cafe.fac.state()["themes"]}
        board = board_ctx.new_page()
        board.goto(f"{server.url}/b/{server.code}")
        cafe.ok("start_harvest", {})
        expect(board.locator("body")).to_have_attribute("data-view", "harvest")
        column = board.locator(f'.harvest-col[data-topic="{area["id"]}"]')
        # Before any dot the larger theme leads.
        expect(column.locator(".harvest-themes .theme-tile-name")).to_have_text(["Lajan / Money", "Tè nou"])
        section = phone.locator(f"#harvest-topic-{area['id']}")
        expect(section.locator(".harvest-theme")).to_have_count(2)
        budget = phone.locator("#harvest-dots").inner_text()
        dot = phone.locator(f"#tdot-{ids['Tè nou']}")
        dot.scroll_into_view_if_needed()
        dot.click()
        expect(dot).to_have_attribute("aria-pressed", "true")
        expect(phone.locator("#harvest-dots")).not_to_have_text(budget)  # one dot fewer, in Kreyòl
        # Three dots from others move "Tè nou" to the top of the area on the board.
        for i in range(3):
            cafe.ok("vote_theme", {"theme_id": ids["Tè nou"]}, cafe.phones[i])
        expect(column.locator(".harvest-themes .theme-tile-name")).to_have_text(["Tè nou", "Lajan / Money"])
        expect(column.locator(".harvest-themes .theme-tile-size").first).to_contain_text("● 4")
        section.locator(".harvest-themes-box").scroll_into_view_if_needed()
        shot(phone, "harvest-phone-themes-390x844-ht")
        shot(board, "board-harvest-themes-1920x1080")
    finally:
        phone_ctx.close()
        board_ctx.close()
        cafe.close()
