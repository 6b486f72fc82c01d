"""A corpus of hostile text typed wherever people can type, shown everywhere it is shown.

Every payload goes in as a name, a note, a strategy area's name, an announcement and a host's
summary; then the phone, the board, the facilitator's panel and every export are opened. The
pages must show it as text: no dialog, no changed title, no element or attribute the text tried
to create, and not even a Content-Security-Policy report (the policy is the second wall, not the
first). The exports must carry no live markup and no spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from html.parser import HTMLParser
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from cafe.services.text import clean
from tests.browser.test_tablecloth import PHONE, add_note, facilitator, socket_phone
from tests.server import LiveClient, Server

pytestmark = pytest.mark.browser

# Each fits a 40-character name. What they try: script tags, event handlers, javascript: and
# data: URLs, SVG and MathML, template and attribute breaking, CSS, unicode look-alikes and the
# right-to-left override, and text a spreadsheet would run.
CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "<svg><script>alert(4)</script></svg>",
    "<body onload=alert(5)>",
    "<iframe src=javascript:alert(6)>",
    "<a href=javascript:alert(7)>tap me</a>",
    '<a href="data:text/html,<b>8">x</a>',
    '"><script>alert(9)</script>',
    "'><img src=x onerror=alert(10)>",
    "<details open ontoggle=alert(11)>",
    "<input autofocus onfocus=alert(12)>",
    "<video><source onerror=alert(13)>",
    "<math href=javascript:alert(14)>x",
    "<object data=javascript:alert(15)>",
    "<embed src=javascript:alert(16)>",
    "<form action=javascript:alert(17)>",
    "<style>*{display:none}</style>",
    "<link rel=stylesheet href=//evil.test>",
    "<meta http-equiv=refresh content=0>",
    "<base href=//evil.test/>",
    "<template><img src=x onerror=alert(22)>",
    "<marquee onstart=alert(23)>",
    "{{constructor.constructor('alert(24)')}}",
    "${alert(25)}",
    "javascript:alert(26)",
    "&lt;script&gt;alert(27)&lt;/script&gt;",
    "<scr<script>ipt>alert(28)</script>",
    "\u202e<img src=x onerror=alert(29)>",
    "\uff1cscript\uff1ealert(30)\uff1c/script\uff1e",
    '<img src=x onerror="document.title=1">',
    '=HYPERLINK("http://evil.test","x")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def test_the_corpus_is_big_enough_and_fits_every_field() -> None:
    assert len(CORPUS) >= 30
    assert all(len(p) <= 40 for p in CORPUS)


# --- what a page must not contain -------------------------------------------------------------

# Runs in the page (page.evaluate is not eval in the page's own scripts, so the CSP allows it).
LIVE_MARKUP = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const value = attr.value.trim().toLowerCase();
      if (attr.name.startsWith('on')) found.push(el.tagName + ' ' + attr.name);
      if (['href', 'src', 'action', 'data', 'xlink:href'].includes(attr.name)
          && (value.startsWith('javascript:') || value.startsWith('data:text'))) {
        found.push(el.tagName + ' ' + attr.name + '=' + value);
      }
    }
    if (['IFRAME', 'OBJECT', 'EMBED', 'BASE', 'MARQUEE', 'MATH', 'VIDEO'].includes(el.tagName)) {
      found.push(el.tagName);
    }
    if (el.tagName === 'SCRIPT' && !el.src) found.push('inline SCRIPT');
    if (el.tagName === 'STYLE') found.push('STYLE');
    if (el.tagName === 'META' && el.httpEquiv) found.push('META ' + el.httpEquiv);
    if (el.tagName === 'LINK' && el.rel === 'stylesheet' && !el.href.startsWith(location.origin)) found.push('LINK');
    if (el.tagName === 'IMG' && el.getAttribute('src') === 'x') found.push('IMG src=x');
  }
  return found;
}"""


class Watch:
    """Dialogs and CSP reports on a page: both must stay empty."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.csp: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: self.csp.append(m.text) if "Content Security Policy" in m.text else None)

    def assert_inert(self, title: str) -> None:
        assert self.page.evaluate(LIVE_MARKUP) == []
        assert self.dialogs == []
        assert self.csp == []
        assert self.page.title() == title and "pwned" not in self.page.title()


class LiveTags(HTMLParser):
    """Collects anything in an exported HTML report that a browser would run or fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # The report itself is one page with a stylesheet and SVG charts: none of these.
        if tag in (
            "script",
            "iframe",
            "object",
            "embed",
            "img",
            "base",
            "link",
            "form",
            "input",
            "video",
            "details",
            "math",
            "template",
            "marquee",
            "a",
        ):
            self.found.append(tag)
        if tag == "style":
            self.styles += 1
            if self.styles > 1:
                self.found.append("a second style")
        if tag == "meta" and any(k == "http-equiv" for k, _ in attrs):
            self.found.append("meta http-equiv")
        for key, value in attrs:
            if key.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {key}")


# --- the test ----------------------------------------------------------------------------------


def test_thirty_five_hostile_texts_stay_text_on_every_screen_and_in_every_export(
    browser: Any, live_server: Server, shot: Any
) -> None:
    server = live_server
    fac = facilitator(server)
    try:
        _fill_the_cafe_with_the_corpus(browser, server, fac)
    finally:
        fac.close()


def _fill_the_cafe_with_the_corpus(browser: Any, server: Server, fac: LiveClient) -> None:
    # The facilitator types the corpus into strategy areas (names and descriptions).
    state = fac.state()
    topics = [t["id"] for t in state["topics"]]
    for i, topic_id in enumerate(topics):
        ack = fac.call(
            "update_topic",
            {"topic_id": topic_id, "name": CORPUS[i], "description": " ".join(CORPUS[i :: len(topics)])[:280]},
        )
        assert ack["ok"], ack
    for payload in CORPUS[len(topics) :]:
        assert fac.call("add_topic", {"name": payload, "tables": 0})["ok"]

    # People join with the corpus as their names; one of them on a real phone.
    ctx = browser.new_context(**PHONE)
    phone = ctx.new_page()
    phone_watch = Watch(phone)
    phone.goto(f"{server.url}/j/{server.code}")
    phone.wait_for_selector("#join:not([hidden])")
    phone.fill("#name", CORPUS[1])
    phone.click("#join-button")
    phone.wait_for_selector("#lobby:not([hidden])")
    tokens = [server.join(payload)["token"] for payload in CORPUS if payload != CORPUS[1]]
    phones = [socket_phone(server, token) for token in tokens[:4]]
    try:
        assert fac.call("start_round", {})["ok"]
        assert fac.call("start_round", {})["ok"]
        seats = fac.state()["seating"]["seats"]
        me = next(p["id"] for p in fac.state()["participants"] if p["name"] == CORPUS[1])
        table = int(seats[str(me)])
        # Socket phones share the browser phone's table (as many as it seats) and write the
        # whole corpus there.
        mates = []
        for mate in phones:
            pid = mate.state()["me"]["id"]
            if (
                int(seats[str(pid)]) == table
                or fac.call("move_participant", {"participant_id": pid, "table_id": table})["ok"]
            ):
                mates.append(mate)
        assert mates
        for i, payload in enumerate(CORPUS):
            _note(mates[i % len(mates)], table, payload)
        # One of them hosts the table and sums it up in hostile text; the room hears it too.
        host = mates[0].state()["me"]["id"]
        assert fac.call("set_host", {"table_id": table, "participant_id": host})["ok"]
        assert mates[0].call("write_summary", {"table_id": table, "round": 1, "text": "\n".join(CORPUS)[:1000]})["ok"]
        for payload in CORPUS[-5:] + [CORPUS[0]]:
            assert fac.call("announce", {"text": payload})["ok"]

        # The phone, the board and the panel, in the discussion.
        expect(phone.locator("#discuss")).to_be_visible()
        expect(phone.get_by_text(CORPUS[0], exact=True).filter(visible=True).first).to_be_visible()
        expect(phone.get_by_text(CORPUS[-1], exact=True).filter(visible=True).first).to_be_visible()
        board_ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
        board = board_ctx.new_page()
        board_watch = Watch(board)
        board.goto(f"{server.url}/b/{server.code}")
        expect(board.get_by_text(CORPUS[-1], exact=True).filter(visible=True).first).to_be_visible()
        panel_ctx = browser.new_context(viewport={"width": 1440, "height": 900})
        panel = panel_ctx.new_page()
        panel_watch = Watch(panel)
        panel.goto(f"{server.url}/f/{server.code}#{server.secret}")
        panel.wait_for_selector("#panel:not([hidden])")
        expect(panel.get_by_text(CORPUS[2], exact=True).filter(visible=True).first).to_be_visible()
        time.sleep(1.0)  # anything that would run has had its chance
        for watch, title in ((phone_watch, phone.title()), (board_watch, board.title()), (panel_watch, panel.title())):
            watch.assert_inert(title)
            assert watch.page.title() != "pwned"

        # And after the harvest starts, when everything is shown at once.
        assert fac.call("start_harvest", {})["ok"]
        expect(phone.locator("#harvest")).to_be_visible()
        time.sleep(1.0)
        for watch in (phone_watch, board_watch, panel_watch):
            watch.assert_inert(watch.page.title())
        board_ctx.close()
        panel_ctx.close()
    finally:
        for client in phones:
            client.close()
        ctx.close()
    _exports_are_inert(server)


def _note(client: LiveClient, table: int, text: str) -> None:
    # Past the burst, the per-person limit asks for a second between notes.
    for _ in range(30):
        try:
            add_note(client, table, 1, text)
            return
        except AssertionError:
            time.sleep(0.5)
    raise AssertionError(f"could not post {text!r}")


def _exports_are_inert(server: Server) -> None:
    def get(kind: str) -> str:
        response = requests.get(
            f"{server.url}/f/{server.code}/export/{kind}",
            timeout=15,
            headers={"Authorization": f"Bearer {server.secret}"},
        )
        assert response.status_code == 200, (kind, response.status_code)
        return response.text

    html = get("report.html")
    tags = LiveTags()
    tags.feed(html)
    assert tags.found == []
    for payload in CORPUS[:5]:
        assert payload not in html  # every one of them escaped

    markdown = get("report.md")
    # Every "<" is backslash-escaped, so a Markdown renderer shows it instead of running it.
    assert re.findall(r"(?<!\\)<", markdown) == []

    # As stored: invisible and direction-override characters are removed on the way in.
    stored = {clean(p, field="A note", max_length=280) for p in CORPUS}
    rows = list(csv.DictReader(io.StringIO(get("notes.csv"))))
    texts = {row["text"] for row in rows}
    assert all(p in texts or f"'{p}" in texts for p in stored)
    for row in rows:
        for cell in row.values():
            assert (cell or " ")[0] not in "=+-@\t\r", cell

    data = json.loads(get("cafe.json"))
    assert {n["text"] for n in data["notes"]} >= stored
