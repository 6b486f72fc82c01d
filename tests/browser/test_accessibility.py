"""WCAG 2.1 AA on every surface in every phase, checked by axe-core (from npm, read straight from
node_modules: never served by the app), plus what axe cannot see: the panel by keyboard alone,
reduced motion, and the live regions that announce a new seat and the one-minute warning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_tablecloth import PHONE, facilitator, join_phone, open_board, post
from tests.server import LiveClient, Server

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent.parent / "node_modules" / "axe-core" / "axe.min.js"
LAPTOP = {"viewport": {"width": 1440, "height": 900}}
RUN_AXE = (
    "async () => { const r = await axe.run(document, {runOnly: "
    "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}); "
    "return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
    "nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5), count: v.nodes.length})); }"
)


def axe_source() -> str:
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `npm ci` (make test does)")
    return AXE.read_text()


def violations(page: Any, where: str) -> list[dict[str, Any]]:
    """axe's WCAG 2.1 A/AA violations on the page as it is now (page.evaluate is not bound by CSP)."""
    # A note fading in is half transparent for a moment: judge the screen people read. An
    # animation cut short by a redraw rejects `finished`, and the redraw may start new ones.
    page.evaluate(
        """async () => {
            for (let i = 0; i < 20; i += 1) {
                const running = document.getAnimations().filter((a) => a.playState === 'running');
                if (!running.length) return;
                await Promise.allSettled(running.map((a) => a.finished));
            }
        }"""
    )
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    print(
        f"axe {where}: {sum(v['count'] for v in found)} violations"
        + "".join(f"\n    {v['id']} ({v['impact']}, {v['count']}): {v['help']} {v['nodes']}" for v in found)
    )
    return found


def check(results: dict[str, list[dict[str, Any]]]) -> None:
    bad = {
        where: [f"{v['id']} x{v['count']}: {v['nodes']}" for v in found] for where, found in results.items() if found
    }
    assert not bad, bad


def open_panel(browser: Any, server: Server) -> tuple[Any, Any]:
    ctx = browser.new_context(**LAPTOP)
    page = ctx.new_page()
    page.goto(f"{server.url}/f/{server.code}#{server.secret}")
    expect(page.locator("#panel")).to_be_visible()
    expect(page.locator("#tally tr")).to_have_count(6)
    return ctx, page


def test_the_phone_has_no_axe_violations_in_any_phase(browser: Any, live_server: Server) -> None:
    results: dict[str, list[dict[str, Any]]] = {}
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    fac: LiveClient | None = None
    try:
        page.goto(f"{live_server.url}/j/{live_server.code}")
        expect(page.locator("#join")).to_be_visible()
        results["phone join"] = violations(page, "phone join")
        page.fill("#name", "Ana")
        page.click("#join-button")
        expect(page.locator("#lobby")).to_be_visible()
        results["phone lobby"] = violations(page, "phone lobby")
        fac = facilitator(live_server)
        assert fac.call("start_round", {})["ok"]
        expect(page.locator("#move")).to_be_visible()
        expect(page.locator("#move-head")).to_contain_text("Table")
        results["phone move"] = violations(page, "phone move")
        assert fac.call("start_round", {})["ok"]
        expect(page.locator("#discuss")).to_be_visible()
        expect(page.locator("#cloth")).to_be_visible()
        post(page, "A shared bulk-buying fund")
        expect(page.locator("#notes li")).to_have_count(1)
        results["phone discuss"] = violations(page, "phone discuss")
        page.click("#write")
        expect(page.locator("#composer")).to_be_visible()
        results["phone composer"] = violations(page, "phone composer")
        page.click("#composer-close")
        assert fac.call("start_harvest", {})["ok"]
        expect(page.locator("#harvest")).to_be_visible()
        results["phone harvest"] = violations(page, "phone harvest")
        assert fac.call("close_cafe", {})["ok"]
        expect(page.locator("#problem")).to_be_visible()
        results["phone closed"] = violations(page, "phone closed")
    finally:
        if fac:
            fac.close()
        ctx.close()
    check(results)


def test_the_board_has_no_axe_violations_in_any_phase(browser: Any, live_server: Server) -> None:
    results: dict[str, list[dict[str, Any]]] = {}
    board_ctx, board = open_board(browser, live_server)
    phone_ctx, phone = join_phone(browser, live_server, "Ana")
    fac = facilitator(live_server)
    try:
        results["board lobby"] = violations(board, "board lobby")
        assert fac.call("start_round", {})["ok"]
        expect(phone.locator("#move")).to_be_visible()
        expect(board.locator("body")).to_have_attribute("data-phase", "move")
        results["board move"] = violations(board, "board move")
        assert fac.call("start_round", {})["ok"]
        expect(phone.locator("#cloth")).to_be_visible()
        post(phone, "Map the co-ops by county")
        expect(board.locator("text=Map the co-ops by county")).to_be_visible()
        results["board discussion"] = violations(board, "board discussion")
        assert fac.call("start_harvest", {})["ok"]
        expect(phone.locator("#harvest")).to_be_visible()
        results["board harvest"] = violations(board, "board harvest")
    finally:
        fac.close()
        phone_ctx.close()
        board_ctx.close()
    check(results)


def test_the_panel_has_no_axe_violations_in_set_up_and_running(browser: Any, live_server: Server) -> None:
    results: dict[str, list[dict[str, Any]]] = {}
    phone_ctx, _phone = join_phone(browser, live_server, "Ana")
    ctx, panel = open_panel(browser, live_server)
    try:
        results["panel set-up"] = violations(panel, "panel set-up")
        panel.click("#btn-start")
        expect(panel.locator("#btn-skip")).to_be_visible()
        panel.click("#btn-skip")
        expect(panel.locator("#btn-pause")).to_be_visible()
        results["panel running"] = violations(panel, "panel running")
        fac = facilitator(live_server)
        try:
            assert fac.call("start_harvest", {})["ok"]
        finally:
            fac.close()
        expect(panel.locator("#harvest-when")).to_contain_text("harvesting now")
        results["panel harvest"] = violations(panel, "panel harvest")
    finally:
        ctx.close()
        phone_ctx.close()
    check(results)


def test_the_panel_runs_a_round_from_the_keyboard_alone(browser: Any, live_server: Server) -> None:
    phone_ctx, phone = join_phone(browser, live_server, "Ana")
    ctx, panel = open_panel(browser, live_server)
    try:
        start = panel.locator("#btn-start")
        expect(start).to_be_visible()
        # Tab from the top of the page reaches the run buttons; Enter presses them.
        panel.locator("body").focus()
        for _ in range(40):
            panel.keyboard.press("Tab")
            if panel.evaluate("() => document.activeElement && document.activeElement.id") == "btn-start":
                break
        expect(start).to_be_focused()
        panel.keyboard.press("Enter")
        expect(phone.locator("#move")).to_be_visible()
        skip = panel.locator("#btn-skip")
        expect(skip).to_be_visible()
        skip.focus()
        panel.keyboard.press("Space")
        expect(phone.locator("#discuss")).to_be_visible()
        pause = panel.locator("#btn-pause")
        expect(pause).to_be_visible()
        pause.focus()
        panel.keyboard.press("Enter")
        expect(panel.locator("#btn-resume")).to_be_visible()
        # Something always has a visible focus ring when reached by keyboard.
        panel.locator("#btn-resume").focus()
        outline = panel.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"
    finally:
        ctx.close()
        phone_ctx.close()


def test_reduced_motion_stops_animations_and_transitions(browser: Any, live_server: Server) -> None:
    ctx = browser.new_context(**PHONE, reduced_motion="reduce")
    page = ctx.new_page()
    try:
        page.goto(f"{live_server.url}/j/{live_server.code}")
        expect(page.locator("#join")).to_be_visible()
        moving = page.evaluate("""() => [...document.querySelectorAll('*')].filter((node) => {
            const s = getComputedStyle(node);
            const long = (v) => v.split(',').some((t) => parseFloat(t) > 0.01);
            return (s.animationName !== 'none' && long(s.animationDuration)) || long(s.transitionDuration);
        }).map((node) => node.id || node.className || node.tagName)""")
        assert moving == []
    finally:
        ctx.close()


def test_new_seats_and_the_one_minute_warning_are_announced(browser: Any, live_server: Server) -> None:
    ctx, page = join_phone(browser, live_server, "Ana")
    try:
        # The seat ("Go to Table 7") sits in an assertive live region; the warning is an alert.
        move_live = page.locator("#move [aria-live]").first
        expect(move_live).to_have_attribute("aria-live", "assertive")
        expect(move_live.locator("#move-head")).to_have_count(1)
        expect(page.locator("#seat-band")).to_have_attribute("aria-live", "polite")
        expect(page.locator("#warning")).to_have_attribute("role", "alert")
        expect(page.locator("#toast")).to_have_attribute("aria-live", "polite")
        expect(page.locator("#countdown")).to_have_attribute("role", "timer")
    finally:
        ctx.close()


def test_the_larger_text_option_grows_the_phone_and_is_remembered(browser: Any, live_server: Server, shot: Any) -> None:
    ctx, page = join_phone(browser, live_server, "Ana")
    try:
        heading = page.locator("#lobby-h")
        before = float(heading.evaluate("(node) => parseFloat(getComputedStyle(node).fontSize)"))
        toggle = page.get_by_role("button", name="Larger text")
        expect(toggle).to_have_attribute("aria-pressed", "false")
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "true")
        expect(page.locator("html")).to_have_attribute("data-text", "large")
        after = float(heading.evaluate("(node) => parseFloat(getComputedStyle(node).fontSize)"))
        assert after >= before * 1.2
        assert violations(page, "phone lobby, larger text") == []
        shot(page, "phone-lobby-large-text")
        page.reload()
        expect(page.locator("#lobby")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("data-text", "large")
        expect(page.get_by_role("button", name="Larger text")).to_have_attribute("aria-pressed", "true")
    finally:
        ctx.close()


def test_the_door_screen_and_the_printed_sheets_have_no_axe_violations(browser: Any, live_server: Server) -> None:
    results: dict[str, list[dict[str, Any]]] = {}
    fac = facilitator(live_server)
    rosa = LiveClient(
        live_server, {"cafe": live_server.code, "role": "phone", "token": live_server.join("Rosa")["token"]}
    )
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    try:
        rosa.connect()
        assert fac.call("add_walk_in", {"name": "Nadège Baptiste", "languages": ["ht"]})["ok"]
        assert fac.call("start_round", {})["ok"] and fac.call("start_round", {})["ok"]
        me = next(p["id"] for p in fac.state()["participants"] if p["name"] == "Rosa")
        table = fac.state()["seating"]["seats"][str(me)]
        assert rosa.call("ask_help", {"table_id": table, "need": "interpreter", "language": "ht"})["ok"]
        # The door in Kreyòl, with a table asking for help and people to tick.
        page.goto(f"{live_server.url}/f/{live_server.code}/door?lang=ht#{live_server.secret}")
        expect(page.locator(".help-item")).to_have_count(1)
        results["door"] = violations(page, "door")
        for kind in ("tents", "cards"):
            page.goto(f"{live_server.url}/print/{live_server.code}/{kind}?lang=zh")
            results[f"print {kind}"] = violations(page, f"print {kind}")
    finally:
        rosa.close()
        fac.close()
        ctx.close()
    check(results)
