"""The harvest: sign-ups, exports a spreadsheet can open safely, reports, templates, deletion."""
from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from cafe.harvest import CSV_COLUMNS
from tests.conftest import CafeHandle, state_of

Connect = Callable[[dict[str, Any]], SocketIOTestClient]
XSS = '<img src=x onerror="alert(1)">'


def ok(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack["ok"], ack
    return ack


@pytest.fixture
def harvested(facilitator: SocketIOTestClient, phone: SocketIOTestClient, join: Callable[..., Any],
              connect: Connect, cafe: CafeHandle) -> dict[str, Any]:
    """A café after one round: notes (one hidden, one anonymous, formula-like), votes, a summary,
    harvest dots and sign-ups with contacts."""
    phones = [phone] + [connect({"cafe": cafe.code, "role": "phone", "token": join(f"P{i}")["token"]})
                        for i in range(4)]
    ok(facilitator.emit("set_rounds", {"rounds": [
        {"question": "What works?", "discuss_seconds": 600, "move_seconds": 60}]}, callback=True))
    host = state_of(phone)["me"]["id"]
    tables = state_of(facilitator)["tables"]
    ok(facilitator.emit("set_host", {"table_id": tables[0]["id"], "participant_id": host}, callback=True))
    ok(facilitator.emit("start_round", {}, callback=True))
    ok(facilitator.emit("start_round", {}, callback=True))
    texts = ["Cooperative bakery in Worcester", "=HYPERLINK(\"http://evil\")", "+1 more land trust",
             "-2 for speculation", "@everyone join", XSS, "Hidden rudeness"]
    ids = []
    for i, text in enumerate(texts):
        sock = phones[i % len(phones)]
        state = state_of(sock)
        table = state["seating"]["seats"][str(state["me"]["id"])]
        ack = ok(sock.emit("add_note", {"id": str(uuid.uuid4()), "table_id": table, "round": 1,
                                        "text": text, "anonymous": i == 2}, callback=True))
        ids.append(ack["note"]["id"])
    ok(facilitator.emit("hide_note", {"id": ids[-1]}, callback=True))
    ok(phones[1].emit("vote", {"note_id": ids[0]}, callback=True))
    ok(phones[2].emit("vote", {"note_id": ids[0]}, callback=True))
    ok(phone.emit("write_summary", {"table_id": tables[0]["id"], "round": 1,
                                    "text": "Bakeries and land"}, callback=True))
    ok(facilitator.emit("start_harvest", {}, callback=True))
    ok(phones[3].emit("vote", {"note_id": ids[2], "phase": "harvest"}, callback=True))
    topic = state_of(facilitator)["topics"][0]["id"]
    ok(phones[1].emit("sign_up", {"topic_id": topic, "contact": "p0@example.org"}, callback=True))
    ok(phones[2].emit("sign_up", {"topic_id": topic, "name": "Dana", "contact": "+1 508 555 0101"},
                      callback=True))
    return {"ids": ids, "texts": texts, "topic": topic}


def get(client: FlaskClient, cafe: CafeHandle, kind: str, secret: str | None = None) -> Any:
    return client.get(f"/f/{cafe.code}/export/{kind}",
                      headers={"Authorization": f"Bearer {secret or cafe.secret}"})


def test_exports_need_the_facilitator_secret(client: FlaskClient, cafe: CafeHandle) -> None:
    for kind in ("notes.csv", "cafe.json", "report.md", "report.html", "template.json"):
        assert client.get(f"/f/{cafe.code}/export/{kind}").status_code == 403
        assert get(client, cafe, kind, secret="wrong").status_code == 403


def test_the_csv_has_one_row_per_note_and_no_formula_runs(
        client: FlaskClient, cafe: CafeHandle, harvested: dict[str, Any]) -> None:
    response = get(client, cafe, "notes.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(harvested["texts"])
    by_text = {r["text"].lstrip("'"): r for r in rows}
    for text in harvested["texts"]:
        cell = by_text[text]["text"]
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert by_text["+1 more land trust"]["author"] == "anonymous"
    assert by_text["Hidden rudeness"]["hidden"] == "yes"
    assert by_text["Cooperative bakery in Worcester"]["votes_round"] == "2"
    assert by_text["+1 more land trust"]["votes_harvest"] == "1"
    assert by_text["Cooperative bakery in Worcester"]["question"] == "What works?"


def test_the_report_has_every_visible_note_no_hidden_one_and_contacts_only_in_sign_ups(
        client: FlaskClient, cafe: CafeHandle, harvested: dict[str, Any]) -> None:
    for kind in ("report.md", "report.html"):
        body = get(client, cafe, kind).get_data(as_text=True)
        assert "Hidden rudeness" not in body
        for text in harvested["texts"][:-1]:
            shown = text.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;") \
                if kind == "report.html" else None
            assert (shown in body) if shown else (text.split()[0].lstrip("=+-@") in body), text
        assert "Bakeries and land" in body
        # Contacts appear inside a sign-up section and nowhere else.
        end = r"(?=\n## |\Z)" if kind == "report.md" else r"</section>"
        outside = re.sub(r"Working group sign-ups.*?" + end, "", body, flags=re.S)
        for contact in ("p0@example.org", "508 555 0101"):
            assert contact in body and contact not in outside, (kind, contact)
    html = get(client, cafe, "report.html")
    assert "<script" not in html.get_data(as_text=True)
    assert "<svg" in html.get_data(as_text=True)
    assert "style-src 'sha256-" in html.headers["Content-Security-Policy"]


def test_no_snapshot_or_event_ever_carries_a_contact(
        facilitator: SocketIOTestClient, board: SocketIOTestClient, phone: SocketIOTestClient,
        harvested: dict[str, Any]) -> None:
    for sock in (facilitator, board, phone):
        assert "p0@example.org" not in json.dumps(state_of(sock))
        replay = sock.emit("sync", {"since": 0}, callback=True)
        assert "p0@example.org" not in json.dumps(replay)
    assert [s["name"] for s in state_of(board)["signups"]] == ["P0", "Dana"]


def test_sign_ups_are_once_per_topic_and_can_be_withdrawn(
        phone: SocketIOTestClient, facilitator: SocketIOTestClient) -> None:
    topic = state_of(facilitator)["topics"][1]["id"]
    ok(phone.emit("sign_up", {"topic_id": topic}, callback=True))
    again = phone.emit("sign_up", {"topic_id": topic}, callback=True)
    assert again["error"]["code"] == "already_signed_up"
    bad = phone.emit("sign_up", {"topic_id": topic + 100}, callback=True)
    assert bad["error"]["code"] == "not_found"
    weird = phone.emit("sign_up", {"topic_id": state_of(facilitator)["topics"][2]["id"],
                                   "contact": "call me maybe"}, callback=True)
    assert "email address or a phone number" in weird["error"]["message"]
    ok(phone.emit("withdraw_signup", {"topic_id": topic}, callback=True))
    assert state_of(facilitator)["signups"] == []


def test_the_json_export_loads_back_into_a_new_cafe_that_matches(
        client: FlaskClient, cafe: CafeHandle, harvested: dict[str, Any]) -> None:
    original = json.loads(get(client, cafe, "cafe.json").get_data(as_text=True))
    assert original["events"] and original["events"][0]["seq"] == 1
    response = client.post("/cafes/from-file", data={
        "file": (io.BytesIO(json.dumps(original).encode()), "cafe.json")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    new_code = re.search(r"/f/([A-Z0-9]{6})#([\w-]+)", page)
    assert new_code and new_code.group(1) != cafe.code
    copy = json.loads(client.get(f"/f/{new_code.group(1)}/export/cafe.json",
                                 headers={"Authorization": f"Bearer {new_code.group(2)}"}).get_data(as_text=True))

    def shape(data: dict[str, Any]) -> dict[str, Any]:
        tables = {t["id"]: t["label"] for t in data["tables"]}
        topics = {t["id"]: t["name"] for t in data["topics"]}
        people = {p["id"]: p["name"] for p in data["participants"]}
        notes = {n["id"]: n["text"] for n in data["notes"]}
        return {
            "title": data["cafe"]["title"],
            "topics": [(t["name"], t["colour"]) for t in data["topics"]],
            "tables": sorted((topics[t["topic_id"]], t["label"], t["capacity"]) for t in data["tables"]),
            "rounds": [(r["number"], r["question"]) for r in data["rounds"]],
            "people": sorted(people.values()),
            "hosts": sorted((t["label"], people.get(t["host_id"])) for t in data["tables"]),
            "seats": sorted((s["round"], people[s["participant_id"]], tables[s["table_id"]])
                            for s in data["seats"]),
            "notes": sorted((n["text"], tables[n["table_id"]], n["round"], n["hidden"], n["anonymous"],
                             people.get(n["author_id"])) for n in data["notes"]),
            "votes": sorted((notes[v["note_id"]], people[v["participant_id"]], v["phase"])
                            for v in data["votes"]),
            "summaries": sorted((tables[s["table_id"]], s["round"], s["text"]) for s in data["summaries"]),
            "signups": sorted((topics[s["topic_id"]], s["name"], s["contact"]) for s in data["signups"]),
        }

    assert shape(copy) == shape(original)


def test_a_template_makes_a_new_cafe_with_the_same_design_and_no_people(
        client: FlaskClient, cafe: CafeHandle, harvested: dict[str, Any]) -> None:
    template = json.loads(get(client, cafe, "template.json").get_data(as_text=True))
    assert "participants" not in template and "notes" not in template
    response = client.post("/cafes/from-file", data={
        "file": (io.BytesIO(json.dumps(template).encode()), "t.json"), "title": "Day 2"},
        content_type="multipart/form-data")
    assert response.status_code == 200 and "Day 2" in response.get_data(as_text=True)


def test_a_bad_file_gets_a_clear_message(client: FlaskClient) -> None:
    for content in (b"not json", b'{"format": "something else"}', b"[1,2]"):
        response = client.post("/cafes/from-file", data={"file": (io.BytesIO(content), "x.json")},
                               content_type="multipart/form-data")
        assert response.status_code == 400
        assert "World Café" in response.get_data(as_text=True)


def test_day_two_carries_day_ones_top_notes_as_starting_points(
        client: FlaskClient, facilitator: SocketIOTestClient, connect: Connect,
        harvested: dict[str, Any]) -> None:
    ack = ok(facilitator.emit("duplicate_cafe", {"carry_top_notes": 2}, callback=True))
    secret = ack["facilitator_url"].split("#", 1)[1]
    day2 = connect({"cafe": ack["code"], "role": "facilitator", "secret": secret})
    state = state_of(day2)
    assert state["cafe"]["status"] == "lobby" and len(state["tables"]) == 14
    carried = [n["text"] for n in state["notes"]]
    assert "Cooperative bakery in Worcester" in carried
    assert "Hidden rudeness" not in carried
    assert all(n["round"] is None and n["author_id"] is None for n in state["notes"])


def test_deleting_a_cafe_removes_everything_after_typing_its_code(
        client: FlaskClient, cafe: CafeHandle, facilitator: SocketIOTestClient,
        board: SocketIOTestClient, harvested: dict[str, Any]) -> None:
    refused = facilitator.emit("delete_cafe", {"confirm": "WRONG1"}, callback=True)
    assert refused["error"]["code"] == "confirm_delete"
    board.get_received()
    ok(facilitator.emit("delete_cafe", {"confirm": cafe.code.lower()}, callback=True))
    assert any(m["name"] == "cafe_deleted" for m in board.get_received())
    assert client.get(f"/j/{cafe.code}").status_code == 404
    assert get(client, cafe, "cafe.json").status_code == 403
