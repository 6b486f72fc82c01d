"""The facilitator's panel tells the truth, in the facilitator's language: every word in Spanish
(or Chinese) with `?lang=`, the facilitator's own words typed in the room's other languages and
sent to the phones, an announcement that ends (Clear, or a duration) and says when, the time-cue
settings, "+1 min" that adds one minute however fast it is clicked, a run bar and seat map in view
after Start, a Copy button for the facilitator link, and a draft café that says it is not open."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.test_accessibility import violations
from tests.browser.test_room_panel import THIN_ROOM, join_room, no_sideways_scroll
from tests.server import LiveClient, Server

pytestmark = pytest.mark.browser

LAPTOP = {"viewport": {"width": 1280, "height": 800}}
CATALOGUES = Path(__file__).resolve().parent.parent.parent / "static" / "i18n" / "panel"
DEMO_TABLES = 14


def words(lang: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CATALOGUES / f"{lang}.json").read_text("utf-8"))
    return data


ES = words("es")


def plural(lang: str, key: str, n: int, **values: Any) -> str:
    """A plural entry of the catalogue filled in, as tn() does (these counts are all above one)."""
    form = words(lang)[key]["other"]
    return re.sub(r"\{(\w+)\}", lambda m: str({"n": n, **values}.get(m.group(1), m.group(0))), form)


def fill(text: str, **values: Any) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), text)


def facilitator(server: Server, secret: str | None = None) -> LiveClient:
    return LiveClient(server, {"cafe": server.code, "role": "facilitator", "secret": secret or server.secret}).connect()


def phone(server: Server, name: str) -> LiveClient:
    token = server.join(name)["token"]
    return LiveClient(server, {"cafe": server.code, "role": "phone", "token": token}).connect()


def open_panel(browser: Any, server: Server, lang: str | None = None, **context: Any) -> tuple[Any, Any]:
    ctx = browser.new_context(**LAPTOP, **context)
    page = ctx.new_page()
    query = f"?lang={lang}" if lang else ""
    page.goto(f"{server.url}/f/{server.code}{query}#{server.secret}")
    expect(page.locator("#panel")).to_be_visible()
    return ctx, page


def in_view(page: Any, selector: str) -> bool:
    """The element's top edge is on screen, below the sticky run bar (or is the run bar)."""
    return bool(
        page.evaluate(
            """(sel) => {
        const node = document.querySelector(sel).getBoundingClientRect();
        const bar = document.getElementById('runbar').getBoundingClientRect();
        if (sel === '#runbar') return node.top >= 0 && node.bottom <= window.innerHeight;
        return node.top >= bar.bottom - 1 && node.top < window.innerHeight - 40;
    }""",
            selector,
        )
    )


def below_run_bar(page: Any, selector: str) -> None:
    """Scroll so the element's top sits just under the sticky run bar."""
    page.evaluate(
        """(sel) => {
        const top = document.querySelector(sel).getBoundingClientRect().top + window.scrollY;
        window.scrollTo(0, top - document.getElementById('runbar').offsetHeight - 12);
    }""",
        selector,
    )


def wait_until(check: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


# --- the panel in Spanish ---------------------------------------------------------------------


def test_the_panel_opened_with_lang_es_speaks_spanish_everywhere(browser: Any, live_server: Server, shot: Any) -> None:
    ids = join_room(live_server, THIN_ROOM)
    ctx, page = open_panel(browser, live_server, "es")
    try:
        assert page.locator("html").get_attribute("lang") == "es"
        expect(page.locator("#panel-lang")).to_have_value("es")
        # The run bar, in the lobby.
        expect(page.locator("#btn-start")).to_have_text(ES["Start round 1"])
        expect(page.locator("#phase-label")).to_have_text(ES["Lobby — people are joining"])
        expect(page.locator("#run-hint")).to_have_text(
            ES["People are joining. Start round 1 when the room is ready: everyone gets a seat."]
        )
        # The set-up: headings, labels, buttons, the time cues.
        expect(page.locator("#setup-h")).to_have_text(ES["Set-up"])
        expect(page.get_by_role("button", name=ES["Save café"])).to_be_visible()
        expect(page.get_by_label(ES["Dots per round"])).to_have_id("dots-input")
        expect(page.locator(".time-cues legend")).to_have_text(ES["Time cues"])
        expect(
            page.locator("#topic-editor .topic-edit").first.get_by_role("button", name=ES["Save topic"])
        ).to_be_visible()
        expect(page.locator("#round-editor h4").first).to_have_text("Ronda 1")
        # The seat map, and the Next seating card's sentences.
        expect(page.locator("#see-h")).to_contain_text(ES["Who sits where"])
        expect(page.locator("#seat-round")).to_have_text(ES["· seats are given when round 1 starts"])
        expect(page.locator("#next-seating-when")).to_have_text(ES["· when you start round 1"])
        expect(page.locator("#next-seating-lead")).to_contain_text("Ronda 1 (y 3 rondas más): ")
        line = page.locator("#next-seating-list li.next-info")
        expect(line).to_contain_text("mesas en la ronda 1")
        text = line.inner_text()
        assert text.startswith(
            f"Se usan 2 de {DEMO_TABLES} mesas en la ronda 1 (8 personas, al menos 3 por mesa). Sin uso: Mesa "
        ), text
        expect(page.locator("#next-seating-list li", has_text="Nadia")).to_have_text(
            "Nadia: nadie más aquí habla Arabic."
        )
        unused = page.locator("#seatmap .map-table.unused")
        expect(unused).to_have_count(DEMO_TABLES - 2)
        expect(unused.first.locator(".seat-n")).to_have_text(ES["not used in round 1"])
        expect(unused.first.locator("strong")).to_have_text(re.compile(r"^Mesa \d+$"))
        # The participants: Spanish language names, and the plural sentence at the top.
        expect(page.locator(f"#people tr[data-id='{ids['Rosa']}'] .lang-names")).to_have_text("español")
        expect(page.locator(f"#people tr[data-id='{ids['Luis']}'] .lang-names")).to_have_text("español, inglés")
        expect(page.locator(f"#people tr[data-id='{ids['Chioma']}'] .lang-names")).to_have_text(ES["not stated"])
        no_sideways_scroll(page)
        assert violations(page, "panel in Spanish, lobby") == []

        # Start: the move, then the discussion, all in Spanish.
        page.get_by_role("button", name=ES["Start round 1"]).click()
        expect(page.locator("#phase-label")).to_have_text("Ronda 1 de 4 · Cambio de mesa")
        expect(page.locator("#next-seating-lead")).to_have_text(
            ES["Seats are set for this round. The next seating shows here once the discussion starts."]
        )
        expect(page.locator("#seat-round")).to_have_text("· ronda 1")
        page.get_by_role("button", name=ES["Start discussion now (skip the move)"]).click()
        expect(page.locator("#phase-label")).to_have_text("Ronda 1 de 4 · Conversación")
        expect(page.locator("#btn-plus")).to_have_attribute("title", ES["Add one minute"])
        expect(page.locator("#btn-end")).to_have_text(ES["End round now"])
        expect(page.locator("#next-seating-when")).to_have_text(ES["· when you end this round"])
        expect(page.locator("#next-seating-lead")).to_contain_text("Ronda 2 (y 2 rondas más)")
        expect(page.locator("#next-seating-list li.next-info")).to_contain_text("mesas en la ronda 2")
        expect(page.locator("#seatmap .map-table.unused .seat-n").first).to_have_text(ES["not used this round"])
        no_sideways_scroll(page)
        assert violations(page, "panel in Spanish, discussion") == []
        page.evaluate("() => window.scrollTo(0, 0)")
        shot(page, "panel-run-es-1280x800")
        # The confirmation dialog too.
        page.click("#btn-end")
        expect(page.locator("#confirm-title")).to_have_text(ES["End this round now?"])
        expect(page.locator("#confirm-cancel")).to_have_text(ES["Cancel"])
        page.click("#confirm-cancel")
    finally:
        ctx.close()


def test_the_language_switcher_keeps_the_link_and_is_remembered(browser: Any, live_server: Server) -> None:
    ctx, page = open_panel(browser, live_server)
    try:
        expect(page.locator("#btn-start")).to_have_text("Start round 1")
        page.select_option("#panel-lang", "pt")
        expect(page.locator("#btn-start")).to_have_text(words("pt")["Start round 1"])
        # The secret stayed in the fragment: the panel is connected and may act.
        assert urlsplit(page.url).fragment == live_server.secret
        expect(page.locator("#phase-label")).to_have_text(words("pt")["Lobby — people are joining"])
        # Remembered (the cafe_lang cookie), like the phone's choice.
        page.goto(f"{live_server.url}/f/{live_server.code}#{live_server.secret}")
        expect(page.locator("#btn-start")).to_have_text(words("pt")["Start round 1"])
        assert violations(page, "panel in Portuguese, lobby") == []
    finally:
        ctx.close()


# --- the facilitator's words in the room's languages ------------------------------------------


def test_spanish_versions_typed_in_the_panel_reach_the_state_and_a_phone(
    browser: Any, live_server: Server, shot: Any
) -> None:
    fac = facilitator(live_server)
    ana = phone(live_server, "Ana")
    ctx, page = open_panel(browser, live_server, "es")
    try:
        topic = fac.state()["topics"][0]
        tid = topic["id"]
        row = page.locator(f"#topic-{tid}")
        versions = row.locator("details.translations")
        expect(versions.locator(".lang-none")).to_have_text(ES["none yet"])
        versions.locator("summary").click()
        page.fill(f"#topic-{tid}-tr-es-name", "Cooperativas de trabajo")
        page.fill(f"#topic-{tid}-tr-es-description", "Empresas de quienes trabajan en ellas")
        page.fill(f"#topic-{tid}-tr-pt-name", "Cooperativas de trabalho")
        expect(versions.locator(".lang-tag")).to_have_text(["ES", "PT"])
        row.get_by_role("button", name=ES["Save topic"]).click()
        expect(row.locator("form.topic-form .form-msg")).to_have_text(ES["Saved."])
        wait_until(
            lambda: (
                fac.state()["topics"][0]["translations"]
                == {
                    "es": {"name": "Cooperativas de trabajo", "description": "Empresas de quienes trabajan en ellas"},
                    "pt": {"name": "Cooperativas de trabalho"},
                }
            )
        )
        # update_topic replaces every version: emptying one removes it.
        page.fill(f"#topic-{tid}-tr-pt-name", "")
        row.get_by_role("button", name=ES["Save topic"]).click()
        wait_until(lambda: set(fac.state()["topics"][0]["translations"]) == {"es"})
        expect(versions.locator(".lang-tag")).to_have_text(["ES"])

        # A round: its question, and a topic's own question, each with a Spanish version.
        first = page.locator("#round-editor > li").first
        first.locator("details.overrides summary").click()
        page.fill(f"#round-1-topic-{tid}", "What does a worker co-op need first?")
        round_versions = first.locator("details.translations")
        round_versions.locator("summary").click()
        page.fill("#round-1-tr-es-question", "¿Qué ya funciona aquí?")
        page.fill(f"#round-1-tr-es-topic-{tid}", "¿Qué necesita primero una cooperativa de trabajo?")
        expect(round_versions.locator(".lang-tag")).to_have_text(["ES"])
        below_run_bar(page, "#round-editor > li:first-child")
        shot(page, "panel-setup-translations-es-1280x800")
        page.get_by_role("button", name=ES["Save rounds"]).click()
        expect(page.locator("#rounds-msg")).to_have_text("4 rondas guardadas.")
        wait_until(
            lambda: (
                fac.state()["rounds"][0]["translations"]
                == {
                    "es": {
                        "question": "¿Qué ya funciona aquí?",
                        "topic_questions": {str(tid): "¿Qué necesita primero una cooperativa de trabajo?"},
                    }
                }
            )
        )
        # Drawn again from the server's rounds, the versions are still there.
        expect(page.locator("#round-1-tr-es-question")).to_have_value("¿Qué ya funciona aquí?")

        # The announcement, with its Spanish version and a duration.
        page.fill("#announce-text", "Coffee is on the back table.")
        page.locator("#announce-translations summary").click()
        page.fill("#announce-tr-es", "El café está en la mesa del fondo.")
        expect(page.locator("#announce-tags .lang-tag")).to_have_text(["ES"])
        page.select_option("#announce-minutes", "15")
        page.get_by_role("button", name=ES["Send announcement"]).click()
        expect(page.locator("#announce-msg")).to_have_text(
            plural("es", "Sent to every phone and the board, for {n} minutes.", 15)
        )
        expect(page.locator("#announce-now")).to_be_visible()
        expect(page.locator("#announce-now-text")).to_have_text("Coffee is on the back table.")
        expect(page.locator("#announce-now-meta")).to_contain_text("Hasta las ")
        expect(page.locator("#announce-now-meta")).to_contain_text("También en: Español")
        expect(page.locator("#announce-text")).to_have_value("")
        announcement = fac.state()["cafe"]["announcement"]
        assert announcement["translations"] == {"es": "El café está en la mesa del fondo."}
        assert announcement["until"] - announcement["at"] == 15 * 60_000

        # A phone's snapshot carries every version: it shows its own language's.
        state = ana.state()
        assert state["topics"][0]["translations"]["es"]["name"] == "Cooperativas de trabajo"
        assert state["rounds"][0]["translations"]["es"]["question"] == "¿Qué ya funciona aquí?"
        assert state["cafe"]["announcement"]["translations"] == {"es": "El café está en la mesa del fondo."}
        assert violations(page, "panel in Spanish, translations open") == []
    finally:
        ana.close()
        fac.close()
        ctx.close()


# --- announcements have an end ------------------------------------------------------------------


def test_clear_removes_the_announcement_and_a_duration_sets_its_end(browser: Any, live_server: Server) -> None:
    fac = facilitator(live_server)
    ctx, page = open_panel(browser, live_server)
    try:
        # Until cleared: no end, and the panel says so.
        page.fill("#announce-text", "Lunch is served.")
        page.get_by_role("button", name="Send announcement").click()
        expect(page.locator("#announce-msg")).to_have_text("Sent to every phone and the board, until you clear it.")
        expect(page.locator("#announce-now-meta")).to_have_text("Until you clear it · In one language only")
        assert fac.state()["cafe"]["announcement"]["until"] is None

        page.get_by_role("button", name="Clear").click()
        expect(page.locator("#announce-msg")).to_have_text("Cleared from every phone and the board.")
        expect(page.locator("#announce-now")).to_be_hidden()
        assert fac.state()["cafe"]["announcement"] is None

        # For five minutes: `until` is five minutes after it was made, and the panel shows when.
        page.fill("#announce-text", "Five minutes to the break.")
        page.select_option("#announce-minutes", "5")
        page.get_by_role("button", name="Send announcement").click()
        expect(page.locator("#announce-now")).to_be_visible()
        announcement = fac.state()["cafe"]["announcement"]
        assert announcement["until"] - announcement["at"] == 5 * 60_000
        expect(page.locator("#announce-now-meta")).to_have_text(
            re.compile(r"^Until \d{1,2}:\d{2}( [AP]M)? \(5 min left\)")
        )
        assert violations(page, "panel with an announcement") == []

        # Cleared elsewhere (another panel): this one follows.
        assert fac.call("clear_announcement", {})["ok"]
        expect(page.locator("#announce-now")).to_be_hidden()
    finally:
        fac.close()
        ctx.close()


# --- time cues ----------------------------------------------------------------------------------


def test_the_warning_and_chime_settings_save(browser: Any, live_server: Server) -> None:
    fac = facilitator(live_server)
    ctx, page = open_panel(browser, live_server)
    try:
        # Unset: a warning two minutes before the end, and the chime on.
        warn = page.get_by_label("Warn")
        expect(warn).to_have_id("warning-input")
        expect(warn).to_have_value("2")
        chime = page.get_by_label("Chime on the board when time is up")
        expect(chime).to_be_checked()

        warn.fill("0.5")
        chime.uncheck()
        page.get_by_role("button", name="Save café").click()
        expect(page.locator("#cafe-msg")).to_have_text("Saved.")
        settings = fac.state()["cafe"]["settings"]
        assert settings["warning_seconds"] == 30 and settings["chime"] is False

        page.reload()
        expect(page.locator("#panel")).to_be_visible()
        expect(page.locator("#warning-input")).to_have_value("0.5")
        expect(page.locator("#chime-input")).not_to_be_checked()

        # 0: no warning at all.
        page.fill("#warning-input", "0")
        page.locator("#chime-input").check()
        page.get_by_role("button", name="Save café").click()
        expect(page.locator("#cafe-msg")).to_have_text("Saved.")
        wait_until(lambda: fac.state()["cafe"]["settings"]["warning_seconds"] == 0)
        assert fac.state()["cafe"]["settings"]["chime"] is True
    finally:
        fac.close()
        ctx.close()


# --- the run bar ----------------------------------------------------------------------------------


def test_a_double_click_on_plus_one_minute_adds_exactly_one_minute(browser: Any, live_server: Server) -> None:
    join_room(live_server, THIN_ROOM)
    fac = facilitator(live_server)
    ctx, page = open_panel(browser, live_server)
    try:
        assert fac.call("start_round", {})["ok"]
        assert fac.call("start_round", {})["ok"]  # skip the move: the discussion runs
        expect(page.locator("#btn-plus")).to_be_visible()
        before = fac.state()["cafe"]["ends_at_ms"]
        page.locator("#btn-plus").dblclick()
        wait_until(lambda: fac.state()["cafe"]["ends_at_ms"] != before)
        time.sleep(1.5)  # a second command, had one gone, would have landed by now
        after = fac.state()["cafe"]["ends_at_ms"]
        assert after - before == 60_000
        extended = [e for e in fac.events if e["type"] == "round_extended"]
        assert len(extended) == 1, extended

        # −1 min the same way.
        page.locator("#btn-minus").dblclick()
        wait_until(lambda: fac.state()["cafe"]["ends_at_ms"] != after)
        time.sleep(1.5)
        assert fac.state()["cafe"]["ends_at_ms"] == before
        # The buttons are free again afterwards.
        expect(page.locator("#btn-plus")).not_to_have_attribute("aria-disabled", "true")
        page.locator("#btn-plus").click()
        wait_until(lambda: fac.state()["cafe"]["ends_at_ms"] == before + 60_000)
    finally:
        fac.close()
        ctx.close()


def test_after_start_the_run_bar_and_who_sits_where_are_in_view(browser: Any, live_server: Server) -> None:
    join_room(live_server, THIN_ROOM)
    ctx, page = open_panel(browser, live_server)
    try:
        expect(page.locator("#next-seating-list li.next-info")).to_be_visible()
        # The facilitator was checking the rounds, far down the set-up.
        page.locator("#rounds-form").scroll_into_view_if_needed()
        page.locator("#rounds-form button[type=submit]").scroll_into_view_if_needed()
        assert not in_view(page, "#see-card")
        page.click("#btn-start")
        expect(page.locator("#phase-label")).to_have_text(re.compile(r"^Round 1 of 4 · Moving$"))
        wait_until(lambda: in_view(page, "#see-card"), 5)
        assert in_view(page, "#runbar")
        expect(page.locator("#see-h")).to_be_in_viewport()

        # The same after skipping the move, from wherever the page was.
        page.locator("#people-h").scroll_into_view_if_needed()
        page.click("#btn-skip")
        expect(page.locator("#phase-label")).to_have_text(re.compile(r"· Discussion$"))
        wait_until(lambda: in_view(page, "#see-card"), 5)
        assert in_view(page, "#runbar")
    finally:
        ctx.close()


def test_the_copy_button_copies_the_facilitator_link_and_the_new_one_after_rotating(
    browser: Any, live_server: Server
) -> None:
    ctx, page = open_panel(browser, live_server, permissions=["clipboard-read", "clipboard-write"])
    try:
        link = f"{live_server.url}/f/{live_server.code}#{live_server.secret}"
        shown = page.locator("#fac-link-text")
        expect(shown).to_have_text(f"{live_server.url}/f/{live_server.code}#…")  # the secret stays off screen
        page.get_by_role("button", name="Copy the link").first.click()
        expect(page.locator("#fac-copy-msg")).to_have_text("Copied.")
        assert page.evaluate("() => navigator.clipboard.readText()") == link

        page.click("#rotate-link")
        page.click("#confirm-ok")
        expect(page.locator("#new-link")).to_be_visible()
        new_url = page.locator("#new-link-text").inner_text()
        assert new_url != link and new_url.startswith(f"{live_server.url}/f/{live_server.code}#")
        page.click("#copy-link")
        expect(page.locator("#copy-msg")).to_have_text("Copied.")
        assert page.evaluate("() => navigator.clipboard.readText()") == new_url
        # The link in the list copies the new one too.
        page.evaluate("() => navigator.clipboard.writeText('')")
        page.click("#copy-fac-link")
        expect(page.locator("#fac-copy-msg")).to_have_text("Copied.")
        assert page.evaluate("() => navigator.clipboard.readText()") == new_url

        # Day 2's facilitator link, shown in the harvest card, has its Copy button too.
        page.click("#duplicate-button")
        expect(page.locator("#duplicate-links")).to_be_visible()
        day2 = page.locator("#duplicate-link").get_attribute("href")
        page.click("#copy-duplicate-link")
        expect(page.locator("#duplicate-copy-msg")).to_have_text("Copied.")
        assert page.evaluate("() => navigator.clipboard.readText()") == day2
    finally:
        ctx.close()


def test_a_draft_cafe_says_clearly_it_is_not_open_yet(browser: Any, live_server: Server, shot: Any) -> None:
    created = requests.post(f"{live_server.url}/cafes", data={"title": "Autumn Gathering"}, timeout=10)
    assert created.ok
    href = re.search(r'href="([^"]*/f/[^"#]+#[^"]+)"', created.text).group(1)
    url = href.replace(urlsplit(href).netloc, urlsplit(live_server.url).netloc, 1)
    ctx = browser.new_context(**LAPTOP)
    page = ctx.new_page()
    try:
        page.goto(url)
        expect(page.locator("#panel")).to_be_visible()
        expect(page.locator("#phase-label")).to_have_text("Draft — not open yet")
        note = page.locator("#draft-note")
        expect(note).to_be_visible()
        expect(note).to_contain_text("This café is not open yet.")
        expect(note).to_contain_text("press “Open café” in the bar above")
        expect(page.locator("#btn-open")).to_be_visible()
        expect(page.locator("#btn-start")).to_be_hidden()
        assert violations(page, "panel, draft") == []
        shot(page, "panel-draft-en-1280x800")
        page.click("#btn-open")
        expect(page.locator("#phase-label")).to_have_text("Lobby — people are joining")
        expect(note).to_be_hidden()
    finally:
        ctx.close()


# --- the harvest card, and the panel in Chinese -----------------------------------------------------


def test_the_harvest_card_in_spanish(browser: Any, live_server: Server, shot: Any) -> None:
    fac = facilitator(live_server)
    phones = [phone(live_server, name) for name in ("Ana", "Ben", "Chioma", "Dev")]
    try:
        assert fac.call("start_round", {})["ok"]
        assert fac.call("start_round", {})["ok"]
        seats = fac.state()["seating"]["seats"]
        ids = {p.state()["me"]["id"]: p for p in phones}
        notes = []
        for number, (pid, client) in enumerate(ids.items()):
            ack = client.call(
                "add_note",
                {
                    "id": str(uuid.uuid4()),
                    "table_id": seats[str(pid)],
                    "round": 1,
                    "text": f"Una idea de la mesa, número {number + 1}",
                    "colour": "yellow",
                },
            )
            assert ack["ok"], ack
            notes.append(ack["note"])
        assert phones[1].call("vote", {"note_id": notes[0]["id"]})["ok"]
        assert fac.call("start_harvest", {})["ok"]
        ctx, page = open_panel(browser, live_server, "es")
        try:
            expect(page.locator("#harvest-when")).to_have_text(ES["· the room is harvesting now"])
            expect(page.locator("#harvest-h")).to_contain_text(ES["Harvest"])
            expect(page.locator("#tally-total th")).to_have_text(ES["All topics"])
            expect(page.locator(".harvest-topic-card h4").first).to_have_text(ES["Top notes"])
            expect(page.locator(".top-meta").first).to_contain_text("1 en rondas · 0 en la cosecha")
            expect(page.locator("#phase-label")).to_have_text(ES["Harvest"])
            assert violations(page, "panel in Spanish, harvest") == []
            no_sideways_scroll(page)
            below_run_bar(page, "#harvest-card")
            shot(page, "panel-harvest-es-1280x800")
        finally:
            ctx.close()
    finally:
        for client in phones:
            client.close()
        fac.close()


def test_the_panel_in_chinese_and_haitian_creole(browser: Any, live_server: Server, shot: Any) -> None:
    join_room(live_server, THIN_ROOM)
    fac = facilitator(live_server)
    zh = words("zh")
    try:
        assert fac.call("start_round", {})["ok"]
        assert fac.call("start_round", {})["ok"]
        assert fac.call(
            "announce",
            {"text": "Coffee is on the back table.", "minutes": 30, "translations": {"zh": "咖啡在后面的桌子上。"}},
        )["ok"]
        ctx, page = open_panel(browser, live_server, "zh")
        try:
            assert page.locator("html").get_attribute("lang") == "zh-Hans"
            expect(page.locator("#phase-label")).to_have_text(re.compile(r"^第1轮，共4轮 · 讨论中$"))
            expect(page.locator("#btn-pause")).to_have_text(zh["Pause"])
            expect(page.locator("#next-seating-when")).to_have_text(zh["· when you end this round"])
            expect(page.locator("#next-seating-lead")).to_contain_text("第2轮（及之后 2 轮）：")
            expect(page.locator("#seatmap .map-table.unused .seat-n").first).to_have_text(zh["not used this round"])
            expect(page.locator("#seatmap .map-table strong").first).to_have_text(re.compile(r"^\d+号桌$"))
            expect(page.locator("#announce-now-meta")).to_contain_text("中文（简体）")
            no_sideways_scroll(page)
            assert violations(page, "panel in Chinese, discussion") == []
            shot(page, "panel-run-zh-1280x800")
        finally:
            ctx.close()
        ctx, page = open_panel(browser, live_server, "ht")
        try:
            ht = words("ht")
            expect(page.locator("#btn-end")).to_have_text(ht["End round now"])
            expect(page.locator("#next-seating-lead")).to_contain_text("Tou 2 (ak 2 lòt tou)")
            no_sideways_scroll(page)
            assert violations(page, "panel in Haitian Creole, discussion") == []
        finally:
            ctx.close()
    finally:
        fac.close()
