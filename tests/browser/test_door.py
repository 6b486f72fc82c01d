"""The day at the door, in a real browser: the panel imports an attendee list (a preview first,
row errors in words), a registered person's personal link opens a phone that is already them, a
helper on the door screen ticks someone without a phone and adds a walk-in, and at the start of
round 1 all of them are seated."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_printables import ARTIFACTS, tools
from tests.server import LiveClient, Server

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1440, "height": 900}}
# A thin, multilingual list: six people, one host, one without a phone, one bad row.
LIST = (
    "\ufeffname;organisation;email;languages;stays seated;sits with;role\r\n"
    "Lucía Álvarez;MA SEN;lucia@example.org;es;;;host of Table 1\r\n"
    "Wilner Pierre;Konbit;;ht, en;;;\r\n"
    "王伟;Chinatown CDC;wei@example.org;zh;;;\r\n"
    "Conceição Souza;Casa;;pt, es;yes;;\r\n"
    ";Nobody;;;;;\r\n"
    "Sam Okafor;Ujima;sam@example.org;en;;王伟;interpreter\r\n"
)


@contextmanager
def room(browser: Any, server: Server, **contexts: dict[str, Any]) -> Iterator[tuple[LiveClient, dict[str, Any]]]:
    """The facilitator's socket and one browser context per screen, all closed afterwards."""
    fac = LiveClient(server, {"cafe": server.code, "role": "facilitator", "secret": server.secret}).connect()
    opened = {name: browser.new_context(**options) for name, options in contexts.items()}
    try:
        yield fac, opened
    finally:
        fac.close()
        for ctx in opened.values():
            ctx.close()


def person_row(panel: Any, name: str) -> Any:
    """The people table's row of `name` (other rows name them too, in their "sits with" lists)."""
    return panel.get_by_role("row", name=re.compile(rf"^Select {re.escape(name)} "))


def exported(server: Server, kind: str) -> str:
    request = urllib.request.Request(
        f"{server.url}/f/{server.code}/export/{kind}", headers={"Authorization": f"Bearer {server.secret}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (our own test server)
        return str(answer.read().decode("utf-8-sig"))


def test_an_imported_person_opens_their_link_a_helper_checks_in_the_rest_and_everyone_is_seated(
    browser: Any, live_server: Server, shot: Any
) -> None:
    server = live_server
    screens = {"panel": LAPTOP, "phone": PHONE, "door": {**PHONE, "locale": "ht"}}
    with room(browser, server, **screens) as (fac, ctx):
        panel_ctx, phone_ctx, door_ctx = ctx["panel"], ctx["phone"], ctx["door"]
        panel = panel_ctx.new_page()
        panel.goto(f"{server.url}/f/{server.code}#{server.secret}")
        expect(panel.locator("#panel")).to_be_visible()
        panel.locator("#attendees summary").click()
        panel.set_input_files(
            "#attendee-file", files=[{"name": "list.csv", "mimeType": "text/csv", "buffer": LIST.encode()}]
        )
        preview = panel.locator("#attendee-preview")
        expect(preview).to_contain_text("5 new, 0 to update, 0 unchanged.")
        expect(preview).to_contain_text("Row 6: no name.")
        # Nothing is written before the facilitator confirms.
        assert not [p for p in fac.state()["participants"] if p.get("registered")]
        panel.locator("#attendee-preview").scroll_into_view_if_needed()
        shot(panel, "door-panel-preview")
        panel.click("#attendee-import")
        expect(preview).to_contain_text("Imported: 5 new, 0 updated, 0 unchanged.")
        expect(person_row(panel, "Wilner Pierre")).to_contain_text("expected")

        # Wei's badge: the personal link opens a phone that is already Wei, no form.
        links = {
            r["name"]: r["personal link"] for r in csv.DictReader(io.StringIO(exported(server, "personal-links.csv")))
        }
        assert set(links) == {"Lucía Álvarez", "Wilner Pierre", "王伟", "Conceição Souza", "Sam Okafor"}
        phone = phone_ctx.new_page()
        assert re.search(rf"/j/{server.code}\?lang=zh#t=[\w-]+$", links["王伟"]), links["王伟"]
        phone.goto(re.sub(r"^https?://[^/]+", server.url, links["王伟"]))
        expect(phone.locator("#lobby")).to_be_visible()
        expect(phone.locator("#me-name")).to_have_text("王伟")
        assert "#t=" not in phone.url  # the secret leaves the address bar
        expect(person_row(panel, "王伟")).not_to_contain_text("expected")

        # The door screen, in Kreyòl: tick Wilner (no phone), add a walk-in.
        door = door_ctx.new_page()
        door.goto(f"{server.url}/f/{server.code}/door?lang=ht#{server.secret}")
        expect(door.locator("#door")).to_be_visible()
        expect(door.locator("#door-counts")).to_contain_text("4 ap tann")
        door.fill("#door-search", "wilner")
        row = door.locator(".door-person", has_text="Wilner Pierre")
        expect(door.locator(".door-person")).to_have_count(1)
        row.get_by_role("button").click()
        expect(row).to_have_class(re.compile("is-here"))
        door.fill("#walk-in-name", "Nadège Baptiste")
        door.fill("#walk-in-languages", "Kreyòl, fr")
        door.click("#walk-in-add")
        expect(door.locator("#walk-in-msg")).to_contain_text("Nadège Baptiste")
        door.fill("#door-search", "")
        expect(door.locator("#door-counts")).to_contain_text("3 ap tann")
        shot(door, "door-screen-ht")

        state = fac.state()
        people = {p["name"]: p for p in state["participants"]}
        assert people["Nadège Baptiste"]["languages"] == ["ht", "fr"]
        assert state["counts"]["joined"] == 3  # Wei (by the link), Wilner and Nadège (at the door)

        # Round 1: the three who arrived are seated, those still expected are not.
        assert fac.call("start_round", {})["ok"]
        expect(phone.locator("#move-head")).to_contain_text("桌")
        seats = fac.state()["seating"]["seats"]
        for name in ("王伟", "Wilner Pierre", "Nadège Baptiste"):
            assert str(people[name]["id"]) in seats, name
        for name in ("Conceição Souza", "Sam Okafor"):
            assert str(people[name]["id"]) not in seats, name
        shot(phone, "door-personal-link-phone-zh")


def test_a_table_asks_for_an_interpreter_the_door_answers_and_the_phone_says_someone_is_coming(
    browser: Any, live_server: Server, shot: Any
) -> None:
    server = live_server
    with room(browser, server, phone={**PHONE, "locale": "es"}, door=PHONE, panel=LAPTOP) as (fac, ctx):
        phone_ctx, door_ctx, panel_ctx = ctx["phone"], ctx["door"], ctx["panel"]
        phone = phone_ctx.new_page()
        phone.goto(f"{server.url}/j/{server.code}?lang=es")
        phone.fill("#name", "Rosa Martínez")
        phone.click("#join-button")
        expect(phone.locator("#lobby")).to_be_visible()
        assert fac.call("start_round", {})["ok"]
        assert fac.call("start_round", {})["ok"]  # skip the move: the conversation is on
        expect(phone.locator("#discuss")).to_be_visible()
        table = phone.locator("#discuss-table").inner_text()  # "Mesa 3" on this Spanish phone
        english = "Table " + re.sub(r"\D", "", table)

        phone.click("#help-open")
        phone.select_option("#help-language", "ht")
        phone.click("#help-interpreter")
        expect(phone.locator("#help-status")).to_have_text(f"Ayuda pedida: alguien vendrá a la {table}.")

        panel = panel_ctx.new_page()
        panel.goto(f"{server.url}/f/{server.code}#{server.secret}")
        expect(panel.locator("#help-title")).to_have_text("1 table asks for help")
        expect(panel.locator("#help-list")).to_contain_text(f"{english} needs: an interpreter — Haitian Creole")

        door = door_ctx.new_page()
        door.goto(f"{server.url}/f/{server.code}/door#{server.secret}")
        item = door.locator(".help-item")
        expect(item).to_contain_text(f"{english} needs: an interpreter — Haitian Creole")
        item.get_by_role("button", name="On my way").click()
        expect(phone.locator("#help-status")).to_have_text(f"Alguien va en camino a la {table}.")
        expect(panel.locator("#help-list")).to_contain_text("Someone is on the way")
        shot(phone, "help-phone-es-on-the-way")
        shot(door, "help-door-queue")
        item.get_by_role("button", name="Done").click()
        expect(panel.locator("#help-queue")).to_be_hidden()
        expect(phone.locator("#help-status")).to_be_hidden()


def test_a_hosts_photo_of_the_tablecloth_reaches_the_board_and_the_panel(
    browser: Any, live_server: Server, shot: Any, tmp_path: Path
) -> None:
    import io as bytes_io

    from PIL import Image

    server = live_server
    board_size = {"viewport": {"width": 1920, "height": 1080}}
    with room(browser, server, phone=PHONE, board=board_size, panel=LAPTOP) as (fac, ctx):
        phone_ctx, board_ctx, panel_ctx = ctx["phone"], ctx["board"], ctx["panel"]
        phone = phone_ctx.new_page()
        phone.goto(f"{server.url}/j/{server.code}?lang=ht")
        phone.fill("#name", "Wilner Pierre")
        phone.click("#join-button")
        expect(phone.locator("#lobby")).to_be_visible()
        state = fac.state()
        me = next(p["id"] for p in state["participants"] if p["name"] == "Wilner Pierre")
        table = next(t for t in state["tables"] if t["label"] == "Table 4")
        assert fac.call("set_host", {"table_id": table["id"], "participant_id": me})["ok"]
        assert fac.call("add_walk_in", {"name": "Nadège Baptiste", "languages": ["ht"]})["ok"]  # no phone
        assert fac.call("start_round", {})["ok"] and fac.call("start_round", {})["ok"]
        nadege = next(p["id"] for p in fac.state()["participants"] if p["name"] == "Nadège Baptiste")
        assert fac.call("move_participant", {"participant_id": nadege, "table_id": table["id"]})["ok"]
        expect(phone.locator("#photo-box")).to_be_visible()

        picture = Image.new("RGB", (2400, 1800), (255, 244, 200))
        for x in range(0, 2400, 120):
            picture.paste((30, 60, 160), (x, 200, x + 60, 1600))
        data = bytes_io.BytesIO()
        picture.save(data, "JPEG")
        phone.set_input_files(
            "#photo-input", files=[{"name": "nap.jpg", "mimeType": "image/jpeg", "buffer": data.getvalue()}]
        )
        expect(phone.locator("#photo-msg")).to_have_text("Foto a anrejistre. Mèsi!")
        # Something that is not a photo is refused in the phone's words.
        phone.set_input_files(
            "#photo-input", files=[{"name": "nap.jpg", "mimeType": "image/jpeg", "buffer": b"%PDF-1.4 not a photo"}]
        )
        expect(phone.locator("#photo-msg")).to_have_text(
            "Fichye sa a se pa yon foto: voye yon imaj JPEG, PNG oswa WebP."
        )

        # Nadège has no phone: the host copies her note from the paper; no name goes with it.
        phone.click("#write")
        expect(phone.locator("#note-paper-row")).to_be_visible()
        phone.fill("#note-text", "Yon bank tan pou katye a")
        phone.check("#note-paper")
        phone.click("#post")
        expect(phone.locator("#notes li", has_text="Yon bank tan")).to_contain_text("Sou nap la")
        # Nadège put a dot on it on the paper: the host gives it for her.
        phone.locator("#paper-dots summary").click()
        expect(phone.locator("#paper-who option")).to_have_text(["Nadège Baptiste: rete 3 pwen"])
        phone.click("#paper-give")
        expect(phone.locator("#paper-msg")).to_have_text("Pwen an bay pou Nadège Baptiste.")
        expect(phone.locator("#paper-who option")).to_have_text(["Nadège Baptiste: rete 2 pwen"])
        expect(phone.locator("#notes li", has_text="Yon bank tan").locator(".dot-n")).to_have_text("1")
        shot(phone, "paper-dots-phone-ht")

        panel = panel_ctx.new_page()
        panel.goto(f"{server.url}/f/{server.code}#{server.secret}")
        expect(panel.locator("#photo-grid img")).to_have_count(1)
        expect(panel.locator("#notes-scroll")).to_contain_text("From the tablecloth")
        assert fac.call("start_harvest", {})["ok"]
        board = board_ctx.new_page()
        board.goto(f"{server.url}/b/{server.code}")
        photo = board.locator(".harvest-photos img")
        expect(photo).to_have_count(1)
        expect(photo).to_have_attribute("alt", "The tablecloth of Table 4")
        # A function, not an expression: polling an expression evals it, which the board's CSP forbids.
        board.wait_for_function(
            "() => { const img = document.querySelector('.harvest-photos img'); return !!img && img.naturalWidth === 2000; }"
        )
        expect(board.locator(".harvest-col", has_text="Yon bank tan pou katye a")).to_have_count(1)
        shot(board, "photo-board-harvest-1920x1080")
        # The report carries the photo, the ZIP the kept JPEG, the CSV the note "from the tablecloth".
        report = exported(server, "report.html")
        assert report.count('src="data:image/jpeg;base64,') == 1 and "Yon bank tan pou katye a" in report
        # On paper: Chromium prints the report, the page with the photo is looked at as a PNG.
        printer = board_ctx.new_page()
        printer.set_content(report)
        printer.emulate_media(media="print")
        pdf = tmp_path / "report.pdf"
        printer.pdf(path=str(pdf), format="A4", print_background=True)
        pdftoppm, _zbarimg, _pdfinfo = tools()
        subprocess.run([pdftoppm, "-png", "-r", "60", str(pdf), str(tmp_path / "report")], check=True)
        pages = sorted(tmp_path.glob("report*.png"))
        ARTIFACTS.mkdir(exist_ok=True)
        for n, png in enumerate(pages, start=1):
            shutil.copy(png, ARTIFACTS / f"print-report-with-photo-page{n}.png")
        assert "from the tablecloth" in exported(server, "notes.csv")
        request = urllib.request.Request(
            f"{server.url}/f/{server.code}/export/photos.zip", headers={"Authorization": f"Bearer {server.secret}"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (our own test server)
            with zipfile.ZipFile(bytes_io.BytesIO(answer.read())) as archive:
                assert archive.namelist() == ["001 Table 4 - round 1.jpg", "photos.csv"]
