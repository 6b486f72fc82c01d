"""A phone joins by the join URL in a real browser, and the board's count goes up live."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.server import Server

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def test_a_phone_joins_and_the_board_count_goes_up_live(browser: Any, live_server: Server, shot: Any) -> None:
    board_ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    board = board_ctx.new_page()
    board.goto(f"{live_server.url}/b/{live_server.code}")
    expect(board.locator("#topics li")).to_have_count(5)  # the live state has arrived
    expect(board.locator("#present-count")).to_have_text("0")
    assert board.locator("#join-code").inner_text() == live_server.code

    phone_ctx = browser.new_context(**PHONE)
    phone = phone_ctx.new_page()
    phone.goto(f"{live_server.url}/j/{live_server.code}")
    phone.wait_for_selector("#join:not([hidden])")
    shot(phone, "phone-join-390x844")
    phone.fill("#name", "Ana Lúcia")
    phone.fill("#organisation", "Worcester Roots")
    phone.click("#join-button")
    phone.wait_for_selector("#lobby:not([hidden])")
    assert phone.locator("#me-name").inner_text() == "Ana Lúcia"

    # The board never reloads: the count and the name arrive as events.
    expect(board.locator("#present-count")).to_have_text("1")
    expect(board.locator("#names")).to_contain_text("Ana Lúcia")
    assert "Worcester Roots" not in board.content()
    shot(phone, "phone-lobby-390x844")
    shot(board, "board-lobby-1920x1080")

    # A reload is the same person, not a second participant.
    phone.reload()
    phone.wait_for_selector("#lobby:not([hidden])")
    assert phone.locator("#me-name").inner_text() == "Ana Lúcia"
    expect(board.locator("#present-count")).to_have_text("1")

    # Leaving (closing the tab) takes the count back down.
    phone_ctx.close()
    expect(board.locator("#present-count")).to_have_text("0")
    board_ctx.close()


def board_and_polling_phone(browser: Any, server: Server, name: str) -> tuple[Any, Any, list[Any]]:
    """The board, and a phone behind a venue proxy that refuses websockets (so it long-polls),
    joined as `name` and counted present: (board's present count, phone page, both contexts)."""
    board_ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    board = board_ctx.new_page()
    board.goto(f"{server.url}/b/{server.code}")
    count = board.locator("#present-count")
    expect(count).to_have_text("0")
    phone_ctx = browser.new_context(**PHONE)
    phone = phone_ctx.new_page()
    phone.route_web_socket("**/socket.io/**", lambda ws: ws.close())
    phone.goto(f"{server.url}/j/{server.code}")
    phone.wait_for_selector("#join:not([hidden])")
    phone.fill("#name", name)
    phone.click("#join-button")
    phone.wait_for_selector("#lobby:not([hidden])")
    expect(count).to_have_text("1")
    return count, phone, [phone_ctx, board_ctx]


def test_a_phone_whose_websocket_is_blocked_joins_by_polling_and_leaving_is_seen_at_once(
    browser: Any, live_server: Server
) -> None:
    count, phone, (phone_ctx, board_ctx) = board_and_polling_phone(browser, live_server, "Rosa")
    # Leaving the page says goodbye; nobody waits for the ping timeout (45 s) to notice. (Up to
    # 10 s here: a busy CI machine runs three browser tests at once, and polling is slower.)
    phone.goto("about:blank")
    expect(count).to_have_text("0", timeout=10_000)
    # Once: a second goodbye for the closed session made the server log a stack trace.
    phone.wait_for_timeout(500)
    assert "Traceback" not in live_server.log()
    phone_ctx.close()
    board_ctx.close()


def test_a_polling_phone_that_leaves_says_goodbye_by_beacon_even_when_its_requests_are_cut(
    browser: Any, live_server: Server
) -> None:
    count, phone, contexts = board_and_polling_phone(browser, live_server, "Jèrôm")

    # From now on the phone's ordinary requests fail (a tab being torn down cancels them); only
    # a beacon gets through. Leaving the page must still be seen long before the ping timeout.
    def beacons_only(route: Any) -> None:
        if route.request.resource_type == "ping":
            route.continue_()
        else:
            route.abort()

    phone.route(lambda url: "/socket.io/" in url, beacons_only)  # (a glob missed the polling URLs)
    phone.goto("about:blank")
    expect(count).to_have_text("0", timeout=10_000)
    for ctx in contexts:
        ctx.close()


def test_a_bad_name_gets_a_clear_message_on_the_phone(browser: Any, live_server: Server, shot: Any) -> None:
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    page.goto(f"{live_server.url}/j/{live_server.code}")
    page.wait_for_selector("#join:not([hidden])")
    page.click("#join-button")
    expect(page.locator("#join-error")).to_contain_text("type your name")
    page.evaluate("document.getElementById('name').removeAttribute('maxlength')")
    page.fill("#name", "N" * 45)
    page.click("#join-button")
    expect(page.locator("#join-error")).to_contain_text("limit is 40")
    shot(page, "phone-join-error-390x844")
    ctx.close()


def test_the_facilitator_panel_lists_people_live_and_refuses_a_wrong_link(
    browser: Any, live_server: Server, shot: Any
) -> None:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    panel = ctx.new_page()
    panel.goto(f"{live_server.url}/f/{live_server.code}#{live_server.secret}")
    panel.wait_for_selector("#panel:not([hidden])")
    assert panel.locator("#table-count").inner_text() == "14"
    live_server.join("Ben", organisation="Boston Ujima Project")
    expect(panel.locator("#joined-count")).to_have_text("1")
    assert "Boston Ujima Project" in panel.locator("#people").inner_text()
    shot(panel, "panel-1440x900")

    wrong = ctx.new_page()
    wrong.goto(f"{live_server.url}/f/{live_server.code}#not-the-secret")
    wrong.wait_for_selector("#denied:not([hidden])")
    assert wrong.locator("#panel").is_hidden()
    ctx.close()


def test_an_unknown_code_offers_to_type_it_again(browser: Any, live_server: Server, shot: Any) -> None:
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    response = page.goto(f"{live_server.url}/j/QQQQQQ")
    assert response.status == 404
    page.fill("#code", live_server.code.lower())
    page.click("button[type=submit]")
    page.wait_for_selector("#join:not([hidden])")
    assert page.url.endswith(f"/j/{live_server.code}")
    ctx.close()
