"""Printed routes from the panel: badges for a registered room of 70 (uneven areas, five
languages), printed by Chromium to PDF and looked at as PNGs; a route card for a walk-in without
a phone; and the panel's warning when a change would break a printed route."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.test_accessibility import violations
from tests.browser.test_printables import ARTIFACTS, pdf_info, tools
from tests.browser.test_room_panel import open_panel
from tests.server import Server

pytestmark = pytest.mark.browser

NAMES = ["José Álvarez", "Marie-Ange Joseph", "王伟", "Conceição Souza", "Dana Okafor", "Wilner Pierre", "李梅"]
LANGS = ["es", "ht, fr", "zh", "pt, es", "en", "ht", "zh, en"]
ORGS = ["MA SEN", "Lakou Boston", "", "Ujima", "City of Boston", "", "Chinatown Land Trust"]


def registration(people: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Name", "Organisation", "Languages", "Role"])
    for i in range(people):
        role = f"host of Table {i + 1}" if i < 14 else ""
        writer.writerow([f"{NAMES[i % 7]} {i + 1}", ORGS[i % 7], LANGS[i % 7], role])
    return out.getvalue().encode()


def test_badges_for_seventy_print_four_rounds_each_and_a_breaking_change_is_warned_about(
    browser: Any, live_server: Server, shot: Any, tmp_path: Path
) -> None:
    pdftoppm, _zbarimg, pdfinfo = tools()
    answer = requests.post(
        f"{live_server.url}/f/{live_server.code}/attendees?confirm=1",
        data=registration(70),
        headers={"Authorization": f"Bearer {live_server.secret}", "Content-Type": "text/csv"},
        timeout=20,
    ).json()
    assert answer["new"] == 70, answer
    ctx, panel = open_panel(browser, live_server)
    try:
        # Uneven: both tables of the two-table area take a sixth chair (71 seats for 70 people and
        # a walk-in), and another table is a small one of four.
        for table, seats in (("#table-14", "6"), ("#table-2", "4"), ("#table-13", "6")):
            panel.locator(table).locator("input.num").fill(seats)
            panel.locator(table).get_by_role("button", name="Save").click()
            expect(panel.locator(table).locator(".form-msg")).to_have_text("Saved.")
        panel.locator("#attendees summary").click()
        expect(panel.locator("#routes-status")).to_have_text("No route printed yet: the seating is free to change.")
        with ctx.expect_page() as opened:
            panel.click("#print-badges")
        sheet = opened.value
        sheet.wait_for_load_state()
        expect(sheet.locator("article.badge")).to_have_count(70)
        expect(sheet.locator("article.badge").first.locator(".route li")).to_have_count(4)
        expect(panel.locator("#routes-status")).to_contain_text("70 people have a printed route")
        assert sheet.url.endswith(f"/f/{live_server.code}/print/badges?paper=a4&lang=en")  # no secret in it
        sheet.emulate_media(media="print")
        pdf = tmp_path / "badges.pdf"
        sheet.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
        info = pdf_info(pdfinfo, pdf)
        assert info["Pages"] == "9"  # eight badges a sheet
        first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True)
        assert first.stdout.count("Round 4") == 8, first.stdout  # every badge holds its whole route
        everything = " ".join(
            subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split()
        )
        assert "王伟 3" in everything and "Marie-Ange Joseph 2" in everything
        subprocess.run([pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "b")], check=True)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(sorted(tmp_path.glob("b*.png"))[0], ARTIFACTS / "print-badges-70x4-a4.png")
        sheet.close()

        # A walk-in without a phone gets a route card of their own; the others' routes hold.
        door_ctx = browser.new_context(viewport={"width": 390, "height": 844})
        door = door_ctx.new_page()
        door.goto(f"{live_server.url}/f/{live_server.code}/door#{live_server.secret}")
        door.fill("#walk-in-name", "Nadège Pierre")
        door.click("#walk-in-add")
        expect(panel.locator("#people td.p-name", has_text="Nadège Pierre")).to_have_count(1)
        door_ctx.close()
        panel.get_by_role("checkbox", name="Select Nadège Pierre").check()
        with ctx.expect_page() as opened:
            panel.click("#print-routes")
            expect(panel.locator("#routes-msg")).to_have_text("1 new route kept. The sheet opens in a new tab.")
        card = opened.value
        card.wait_for_load_state()
        expect(card.locator("article.route-card")).to_have_count(1)
        expect(card.locator(".route-name")).to_have_text("Nadège Pierre")
        expect(card.locator(".route li")).to_have_count(4)
        shot(card, "print-route-card-screen")
        card.close()

        # Table 1 down to two seats would take the seat its routes promise: the panel asks first.
        row = panel.locator("#table-1")
        row.scroll_into_view_if_needed()
        row.locator("input.num").fill("2")
        row.get_by_role("button", name="Save").click()
        dialog = panel.locator("#confirm")
        expect(dialog).to_be_visible()
        expect(panel.locator("#confirm-title")).to_have_text("Printed routes would change")
        expect(panel.locator("#confirm-text")).to_contain_text("This change breaks the printed routes of")
        assert violations(panel, "panel warning about printed routes") == []
        shot(panel, "panel-printed-routes-warning-1280x800")
        panel.locator("#confirm-cancel").click()
        expect(row.locator(".form-msg")).to_have_text("Nothing changed: the printed routes hold.")
        row.get_by_role("button", name="Save").click()
        panel.locator("#confirm-ok").click()
        expect(row.locator(".form-msg")).to_have_text("Saved.")
        expect(panel.locator("#routes-status")).to_contain_text("a change you confirmed broke their route")
        panel.locator("#routes-status").scroll_into_view_if_needed()
        shot(panel, "panel-printed-routes-withdrawn-1280x800")
    finally:
        ctx.close()
