"""The harvest: sign-ups, exports a spreadsheet can open safely, reports, templates, deletion."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from cafe.app import runtime
from cafe.harvest import CSV_COLUMNS
from tests.conftest import CafeHandle, state_of

Connect = Callable[[dict[str, Any]], SocketIOTestClient]
XSS = '<img src=x onerror="alert(1)">'


def ok(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack["ok"], ack
    return ack


@pytest.fixture
def harvested(
    facilitator: SocketIOTestClient,
    phone: SocketIOTestClient,
    join: Callable[..., Any],
    connect: Connect,
    cafe: CafeHandle,
) -> dict[str, Any]:
    """A café after one round: notes (one hidden, one anonymous, formula-like), votes, a summary,
    harvest dots and sign-ups with contacts."""
    phones = [phone] + [
        connect({"cafe": cafe.code, "role": "phone", "token": join(f"P{i}")["token"]}) for i in range(4)
    ]
    ok(
        facilitator.emit(
            "set_rounds",
            {"rounds": [{"question": "What works?", "discuss_seconds": 600, "move_seconds": 60}]},
            callback=True,
        )
    )
    host = state_of(phone)["me"]["id"]
    tables = state_of(facilitator)["tables"]
    ok(facilitator.emit("set_host", {"table_id": tables[0]["id"], "participant_id": host}, callback=True))
    ok(facilitator.emit("start_round", {}, callback=True))
    ok(facilitator.emit("start_round", {}, callback=True))
    texts = [
        "Cooperative bakery in Worcester",
        '=HYPERLINK("http://evil")',
        "+1 more land trust",
        "-2 for speculation",
        "@everyone join",
        XSS,
        "Hidden rudeness",
    ]
    ids = []
    for i, text in enumerate(texts):
        sock = phones[i % len(phones)]
        state = state_of(sock)
        table = state["seating"]["seats"][str(state["me"]["id"])]
        ack = ok(
            sock.emit(
                "add_note",
                {"id": str(uuid.uuid4()), "table_id": table, "round": 1, "text": text, "anonymous": i == 2},
                callback=True,
            )
        )
        ids.append(ack["note"]["id"])
    ok(facilitator.emit("hide_note", {"id": ids[-1]}, callback=True))
    ok(phones[1].emit("vote", {"note_id": ids[0]}, callback=True))
    ok(phones[2].emit("vote", {"note_id": ids[0]}, callback=True))
    ok(
        phone.emit(
            "write_summary", {"table_id": tables[0]["id"], "round": 1, "text": "Bakeries and land"}, callback=True
        )
    )
    ok(facilitator.emit("start_harvest", {}, callback=True))
    ok(phones[3].emit("vote", {"note_id": ids[2], "phase": "harvest"}, callback=True))
    topic = state_of(facilitator)["topics"][0]["id"]
    ok(phones[1].emit("sign_up", {"topic_id": topic, "contact": "p0@example.org", "consent": True}, callback=True))
    ok(
        phones[2].emit(
            "sign_up", {"topic_id": topic, "name": "Dana", "contact": "+1 508 555 0101", "consent": True}, callback=True
        )
    )
    return {"ids": ids, "texts": texts, "topic": topic}


def get(client: FlaskClient, cafe: CafeHandle, kind: str, secret: str | None = None) -> Any:
    return client.get(f"/f/{cafe.code}/export/{kind}", headers={"Authorization": f"Bearer {secret or cafe.secret}"})


def test_exports_need_the_facilitator_secret(client: FlaskClient, cafe: CafeHandle) -> None:
    for kind in ("notes.csv", "cafe.json", "report.md", "report.html", "template.json"):
        assert client.get(f"/f/{cafe.code}/export/{kind}").status_code == 403
        assert get(client, cafe, kind, secret="wrong").status_code == 403


def test_the_csv_has_one_row_per_note_and_no_formula_runs(
    client: FlaskClient, cafe: CafeHandle, harvested: dict[str, Any]
) -> None:
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
    client: FlaskClient, cafe: CafeHandle, harvested: dict[str, Any]
) -> None:
    for kind in ("report.md", "report.html"):
        body = get(client, cafe, kind).get_data(as_text=True)
        assert "Hidden rudeness" not in body
        for text in harvested["texts"][:-1]:
            shown = (
                text.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;") if kind == "report.html" else None
            )
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
    facilitator: SocketIOTestClient, board: SocketIOTestClient, phone: SocketIOTestClient, harvested: dict[str, Any]
) -> None:
    for sock in (facilitator, board, phone):
        assert "p0@example.org" not in json.dumps(state_of(sock))
        replay = sock.emit("sync", {"since": 0}, callback=True)
        assert "p0@example.org" not in json.dumps(replay)
    assert [s["name"] for s in state_of(board)["signups"]] == ["P0", "Dana"]


def test_sign_ups_are_once_per_topic_and_can_be_withdrawn(
    phone: SocketIOTestClient, facilitator: SocketIOTestClient
) -> None:
    topic = state_of(facilitator)["topics"][1]["id"]
    ok(phone.emit("sign_up", {"topic_id": topic}, callback=True))
    again = phone.emit("sign_up", {"topic_id": topic}, callback=True)
    assert again["error"]["code"] == "already_signed_up"
    bad = phone.emit("sign_up", {"topic_id": topic + 100}, callback=True)
    assert bad["error"]["kind"] == "not_found"
    weird = phone.emit(
        "sign_up", {"topic_id": state_of(facilitator)["topics"][2]["id"], "contact": "call me maybe"}, callback=True
    )
    assert "email address or a phone number" in weird["error"]["message"]
    ok(phone.emit("withdraw_signup", {"topic_id": topic}, callback=True))
    assert state_of(facilitator)["signups"] == []


def test_the_json_export_loads_back_into_a_new_cafe_that_matches(
    client: FlaskClient, cafe: CafeHandle, harvested: dict[str, Any]
) -> None:
    original = json.loads(get(client, cafe, "cafe.json").get_data(as_text=True))
    assert original["events"] and original["events"][0]["seq"] == 1
    response = client.post(
        "/cafes/from-file",
        data={"file": (io.BytesIO(json.dumps(original).encode()), "cafe.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    new_code = re.search(r"/f/([A-Z0-9]{6})#([\w-]+)", page)
    assert new_code and new_code.group(1) != cafe.code
    copy = json.loads(
        client.get(
            f"/f/{new_code.group(1)}/export/cafe.json", headers={"Authorization": f"Bearer {new_code.group(2)}"}
        ).get_data(as_text=True)
    )

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
            "seats": sorted((s["round"], people[s["participant_id"]], tables[s["table_id"]]) for s in data["seats"]),
            "notes": sorted(
                (n["text"], tables[n["table_id"]], n["round"], n["hidden"], n["anonymous"], people.get(n["author_id"]))
                for n in data["notes"]
            ),
            "votes": sorted((notes[v["note_id"]], people[v["participant_id"]], v["phase"]) for v in data["votes"]),
            "summaries": sorted((tables[s["table_id"]], s["round"], s["text"]) for s in data["summaries"]),
            "signups": sorted((topics[s["topic_id"]], s["name"], s["contact"]) for s in data["signups"]),
        }

    assert shape(copy) == shape(original)


def test_a_template_makes_a_new_cafe_with_the_same_design_and_no_people(
    client: FlaskClient, cafe: CafeHandle, harvested: dict[str, Any]
) -> None:
    template = json.loads(get(client, cafe, "template.json").get_data(as_text=True))
    assert "participants" not in template and "notes" not in template
    response = client.post(
        "/cafes/from-file",
        data={"file": (io.BytesIO(json.dumps(template).encode()), "t.json"), "title": "Day 2"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "Day 2" in response.get_data(as_text=True)


def test_a_bad_file_gets_a_clear_message(client: FlaskClient) -> None:
    for content in (b"not json", b'{"format": "something else"}', b"[1,2]"):
        response = client.post(
            "/cafes/from-file", data={"file": (io.BytesIO(content), "x.json")}, content_type="multipart/form-data"
        )
        assert response.status_code == 400
        assert "World Café" in response.get_data(as_text=True)


def test_day_two_carries_day_ones_top_notes_as_starting_points(
    client: FlaskClient, facilitator: SocketIOTestClient, connect: Connect, harvested: dict[str, Any]
) -> None:
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
    client: FlaskClient,
    cafe: CafeHandle,
    facilitator: SocketIOTestClient,
    board: SocketIOTestClient,
    harvested: dict[str, Any],
) -> None:
    refused = facilitator.emit("delete_cafe", {"confirm": "WRONG1"}, callback=True)
    assert refused["error"]["code"] == "confirm_delete"
    board.get_received()
    ok(facilitator.emit("delete_cafe", {"confirm": cafe.code.lower()}, callback=True))
    assert any(m["name"] == "cafe_deleted" for m in board.get_received())
    assert client.get(f"/j/{cafe.code}").status_code == 404
    assert get(client, cafe, "cafe.json").status_code == 403


def imported(client: FlaskClient, data: Any, **headers: str) -> Any:
    return client.post(
        "/cafes/from-file",
        data={"file": (io.BytesIO(json.dumps(data).encode()), "cafe.json")},
        content_type="multipart/form-data",
        headers=headers,
    )


@pytest.mark.parametrize(
    "spoil, words",
    [
        (lambda d: d["notes"][0].update(text="x" * 20_008), "the limit is 280"),
        (lambda d: d["notes"][0].update(colour="#ff0000"), "colour is one of"),
        (lambda d: d["participants"][0].update(name="Ana\u202e"[:-1] + "\ud800"), "not text"),
        (lambda d: d["topics"][0].update(colour="red; background:url(x)"), "A colour looks like"),
        (lambda d: d.update(notes="everything"), "not a list of records"),
        (lambda d: d["notes"][0].pop("table_id"), "World Café"),
        (lambda d: d["signups"].append({"topic_id": d["topics"][0]["id"], "name": ""}), "cannot be empty"),
    ],
)
def test_an_import_follows_the_rules_of_live_commands_and_writes_nothing_when_it_breaks_one(
    app: Flask, client: FlaskClient, cafe: CafeHandle, harvested: dict[str, Any], spoil: Any, words: str
) -> None:
    from cafe.models import Cafe

    data = json.loads(get(client, cafe, "cafe.json").get_data(as_text=True))
    spoil(data)
    with runtime(app).db.reading() as session:
        before = session.query(Cafe).count()
    response = imported(client, data)
    assert response.status_code in (400, 403), response.status_code
    assert words in html.unescape(response.get_data(as_text=True))
    with runtime(app).db.reading() as session:
        assert session.query(Cafe).count() == before


def test_direction_overrides_in_an_imported_note_are_dropped(
    client: FlaskClient, cafe: CafeHandle, harvested: dict[str, Any]
) -> None:
    data = json.loads(get(client, cafe, "cafe.json").get_data(as_text=True))
    data["notes"][0]["text"] = "safe \u202etxet"
    page = imported(client, data).get_data(as_text=True)
    code, secret = re.search(r"/f/([A-Z0-9]{6})#([\w-]+)", page).groups()  # type: ignore[union-attr]
    copy = json.loads(
        client.get(f"/f/{code}/export/cafe.json", headers={"Authorization": f"Bearer {secret}"}).get_data(as_text=True)
    )
    assert "safe txet" in [n["text"] for n in copy["notes"]]


def test_a_page_on_another_site_cannot_create_or_import_a_cafe(
    client: FlaskClient, cafe: CafeHandle, harvested: dict[str, Any]
) -> None:
    evil = {"Origin": "http://evil.example"}
    assert client.post("/cafes", data={"title": "Spam"}, headers=evil).status_code == 403
    template = json.loads(get(client, cafe, "template.json").get_data(as_text=True))
    assert imported(client, template, **evil).status_code == 403
    assert (
        client.post(
            "/cafes", data={"title": "Spam"}, headers={"Sec-Fetch-Site": "cross-site", "Origin": "null"}
        ).status_code
        == 403
    )
    # The server's own start page still works: a browser that sends no referrer says `Origin: null`
    # and `Sec-Fetch-Site: same-origin`; an older one, the real origin.
    assert client.post("/cafes", data={"title": "Ours"}, headers={"Origin": "http://localhost"}).status_code == 200
    assert (
        client.post(
            "/cafes", data={"title": "Ours"}, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"}
        ).status_code
        == 200
    )


def test_a_server_can_close_creation_from_its_start_page(app: Flask, client: FlaskClient) -> None:
    runtime(app).config.open_creation = False
    response = client.post("/cafes", data={"title": "Spam"})
    assert response.status_code == 403 and "switched off" in response.get_data(as_text=True)


def test_a_file_over_the_import_limit_gets_the_start_page_with_the_reason(app: Flask, client: FlaskClient) -> None:
    runtime(app).config.max_import_bytes = 10_000
    big = b'{"format": "world-cafe-live-template/1", "title": "' + b"x" * 20_000 + b'"}'
    response = client.post(
        "/cafes/from-file", data={"file": (io.BytesIO(big), "big.json")}, content_type="multipart/form-data"
    )
    assert response.status_code == 413
    assert "too large (at most 0.01 MB)" in response.get_data(as_text=True)
