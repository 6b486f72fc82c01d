"""The phone in the participant's language: it follows the browser's language, offers a
switcher that is remembered, and every screen a participant sees speaks that language. The
board speaks the language the facilitator picks for it, and follows a change at once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import open_panel
from tests.browser.test_tablecloth import PHONE, facilitator, open_board, post, start_discussion
from tests.server import Server

pytestmark = pytest.mark.browser

WORDS = {
    "es": {
        "join": "Entrar al café",
        "lobby": "Ya estás dentro",
        "go": r"^Ve a la Mesa \d+$",
        "present": "persona está aquí",
        "time": "quedan en esta ronda",
        "write": "Escribir una nota",
        "harvest": "Cosecha",
    },
    "ht": {
        "join": "Antre nan kafe a",
        "lobby": "Ou anndan",
        "go": r"^Ale nan Tab \d+$",
        "present": "moun la",
        "time": "ki rete nan tou sa a",
        "write": "Ekri yon nòt",
        "harvest": "Rekòt",
    },
}


@pytest.mark.parametrize("lang", ["es", "ht"])
def test_the_phone_speaks_the_browsers_language_on_every_screen(
    browser: Any, live_server: Server, shot: Any, lang: str
) -> None:
    words = WORDS[lang]
    ctx = browser.new_context(**PHONE, locale=lang)
    page = ctx.new_page()
    fac = None
    try:
        page.goto(f"{live_server.url}/j/{live_server.code}")
        expect(page.locator("#join-button")).to_have_text(words["join"])
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("#lang-select")).to_have_value(lang)
        shot(page, f"phone-{lang}-join")
        page.fill("#name", "Marie")
        page.click("#join-button")
        expect(page.locator("#lobby")).to_be_visible()
        expect(page.locator("#lobby .badge-ok")).to_contain_text(words["lobby"])
        expect(page.locator("#present-label")).to_have_text(words["present"])
        shot(page, f"phone-{lang}-lobby")
        fac = facilitator(live_server)
        assert fac.call("start_round", {})["ok"]
        expect(page.locator("#move-head")).to_have_text(re.compile(words["go"]))
        shot(page, f"phone-{lang}-move")
        assert fac.call("start_round", {})["ok"]
        expect(page.locator("#discuss")).to_be_visible()
        expect(page.locator("#timer-state")).to_have_text(words["time"])
        expect(page.locator("#write")).to_contain_text(words["write"])
        post(page, "Yon fon pou achte ansanm" if lang == "ht" else "Un fondo para comprar juntos")
        expect(page.locator("#notes li")).to_have_count(1)
        shot(page, f"phone-{lang}-discuss")
        assert fac.call("start_harvest", {})["ok"]
        expect(page.locator("#harvest-h")).to_have_text(words["harvest"])
        shot(page, f"phone-{lang}-harvest")
    finally:
        if fac:
            fac.close()
        ctx.close()


def test_the_language_switcher_changes_the_phone_and_is_remembered(browser: Any, live_server: Server) -> None:
    ctx = browser.new_context(**PHONE, locale="en-US")
    page = ctx.new_page()
    try:
        page.goto(f"{live_server.url}/j/{live_server.code}")
        expect(page.locator("#join-button")).to_have_text("Join the café")
        page.select_option("#lang-select", "zh")
        expect(page.locator("#join-button")).to_have_text("加入咖啡馆")
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        page.fill("#name", "小明")
        page.click("#join-button")
        expect(page.locator("#lobby")).to_be_visible()
        expect(page.locator("#lobby .badge-ok")).to_contain_text("你已加入")
        # A reload (or the next visit) keeps the chosen language, and the phone stays joined.
        page.goto(f"{live_server.url}/j/{live_server.code}")
        expect(page.locator("#lobby")).to_be_visible()
        expect(page.locator("#present-label")).to_have_text("人已到场")
        page.select_option("#lang-select", "pt")
        expect(page.locator("#lobby .badge-ok")).to_contain_text("Você entrou")
    finally:
        ctx.close()


def test_a_refused_join_is_explained_in_the_phones_language(browser: Any, live_server: Server) -> None:
    fac = facilitator(live_server)
    ctx = browser.new_context(**PHONE, locale="es-US")
    page = ctx.new_page()
    try:
        assert fac.call("update_cafe", {"settings": {"passcode": "432187"}})["ok"]
        page.goto(f"{live_server.url}/j/{live_server.code}")
        page.fill("#name", "Rosa")
        page.click("#join-button")
        expect(page.locator("#join-error")).to_have_text("Escribe el código que dio quien facilita.")
        page.fill("#passcode", "111111")
        page.click("#join-button")
        expect(page.locator("#join-error")).to_have_text("Ese código no es correcto. Confírmalo con quien facilita.")
        page.fill("#passcode", "432187")
        page.click("#join-button")
        expect(page.locator("#lobby")).to_be_visible()
    finally:
        fac.close()
        ctx.close()


def test_a_refused_dot_is_explained_in_the_phones_language(browser: Any, live_server: Server) -> None:
    fac = facilitator(live_server)
    ctx = browser.new_context(**PHONE, locale="es-US")
    page = ctx.new_page()
    try:
        # One dot a round, so the second note's dot is refused by the server (no_dots_left).
        assert fac.call("update_cafe", {"settings": {"dots_per_round": 1}})["ok"]
        page.goto(f"{live_server.url}/j/{live_server.code}")
        page.fill("#name", "Rosa")
        page.click("#join-button")
        expect(page.locator("#lobby")).to_be_visible()
        start_discussion(fac)
        expect(page.locator("#discuss")).to_be_visible()
        post(page, "Un fondo para comprar juntos")
        post(page, "Una huerta en la escuela")
        expect(page.locator("#notes li")).to_have_count(2)
        page.locator("#notes li").nth(0).locator(".dot-btn").click()
        expect(page.locator("#dots-left")).to_have_attribute("data-left", "0")
        page.locator("#notes li").nth(1).locator(".dot-btn").click()
        expect(page.locator("#toast")).to_have_text(
            "Ya usaste tu único punto de esta ronda. Recupéralo para dárselo a otra nota."
        )
    finally:
        fac.close()
        ctx.close()


def test_the_board_follows_the_language_the_facilitator_picks_without_a_reload(
    browser: Any, live_server: Server, shot: Any
) -> None:
    live_server.join("Marie")
    fac = facilitator(live_server)
    board_ctx, board = open_board(browser, live_server)
    panel_ctx, panel = open_panel(browser, live_server)
    try:
        assert fac.call("start_round", {})["ok"]
        expect(board.locator("#phase-label")).to_have_text(re.compile(r"^Round 1 of \d+ · Moving$"))
        expect(board.locator("html")).to_have_attribute("lang", "en")
        # What only this page knows, to see that it is the same page afterwards.
        board.click("#theme")
        expect(board.locator("body")).to_have_class(re.compile("theme-light"))
        board.evaluate("() => { window.sameBoard = true; }")

        choice = panel.get_by_label("Language of the board")
        expect(choice).to_have_value("")
        choice.select_option("es")
        panel.get_by_role("button", name="Save café").click()
        expect(panel.locator("#cafe-msg")).to_have_text("Saved.")

        expect(board.locator("#phase-label")).to_have_text(re.compile(r"^Ronda 1 de \d+ · Cambio de mesa$"))
        expect(board.locator("html")).to_have_attribute("lang", "es")
        expect(board.locator("#run-hint")).to_have_text("Busca tu mesa — tu teléfono te dice adónde ir.")
        expect(board.locator("#fullscreen")).to_have_text("Pantalla completa")
        expect(board.locator(".map-table-label strong").first).to_have_text(re.compile(r"^Mesa \d+$"))
        expect(board.locator("#run-map")).to_have_attribute("aria-label", "Adónde va cada persona")
        assert board.evaluate("() => window.sameBoard === true"), "the board was reloaded"
        expect(board.locator("body")).to_have_class(re.compile("theme-light"))

        # The next phase speaks Spanish too; a reload keeps the café's choice.
        assert fac.call("start_round", {})["ok"]
        expect(board.locator("#phase-label")).to_have_text(re.compile(r"^Ronda 1 de \d+ · Conversación$"))
        board.reload()
        expect(board.locator("#phase-label")).to_have_text(re.compile(r"^Ronda 1 de \d+ · Conversación$"))
        expect(panel.get_by_label("Language of the board")).to_have_value("es")

        # Back to the projector's own language (English here).
        panel.get_by_label("Language of the board").select_option("")
        panel.get_by_role("button", name="Save café").click()
        expect(board.locator("#phase-label")).to_have_text(re.compile(r"^Round 1 of \d+ · Discussion$"))
        expect(board.locator("html")).to_have_attribute("lang", "en")
        expect(board.locator("#fullscreen")).to_have_text("Full screen")

        # The end of a café is announced in the board's language too.
        panel.get_by_label("Language of the board").select_option("ht")
        panel.get_by_role("button", name="Save café").click()
        expect(board.locator("html")).to_have_attribute("lang", "ht")
        assert fac.call("delete_cafe", {"confirm": live_server.code})["ok"]
        expect(board.get_by_role("heading", name="Kafe sa a efase")).to_be_visible()
        expect(board.locator("#cafe-deleted")).to_contain_text("Tout sa ki te ladan l efase, ni nòt ni non.")
    finally:
        fac.close()
        panel_ctx.close()
        board_ctx.close()
