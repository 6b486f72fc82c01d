"""People without a phone take part: the table's host copies their notes from the paper
tablecloth. Such a note carries nobody's name anywhere, and the exports say where it came from."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from tests.conftest import CafeHandle, events_of, state_of

Connect = Callable[[dict[str, Any]], SocketIOTestClient]
Join = Callable[..., dict[str, Any]]


def table_two(facilitator: SocketIOTestClient, join: Join, walk_in: str) -> tuple[dict[str, Any], dict[str, Any], int]:
    """Marie-Ange hosts Table 2, Sam has a phone, `walk_in` came without one; round 1 is on.
    Returns the host's and Sam's joins and Table 2's id."""
    host, guest = join("Marie-Ange Joseph", languages=["ht"]), join("Sam Okafor")
    table = next(t for t in state_of(facilitator)["tables"] if t["label"] == "Table 2")["id"]
    assert facilitator.emit(
        "set_host", {"table_id": table, "participant_id": host["participant"]["id"]}, callback=True
    )["ok"]
    assert facilitator.emit("add_walk_in", {"name": walk_in, "languages": ["ht"]}, callback=True)["ok"]
    assert facilitator.emit("start_round", {}, callback=True)["ok"]
    return host, guest, table


def test_the_host_copies_a_note_from_the_paper_and_it_carries_no_name(
    client: FlaskClient,
    cafe: CafeHandle,
    join: Join,
    connect: Connect,
    facilitator: SocketIOTestClient,
    board: SocketIOTestClient,
) -> None:
    host, guest, table = table_two(facilitator, join, "Nadège (no phone)")
    phone = connect({"cafe": cafe.code, "role": "phone", "token": host["token"], "lang": "ht"})
    other = connect({"cafe": cafe.code, "role": "phone", "token": guest["token"]})
    events_of(board)

    note_id = str(uuid.uuid4())
    sent = {"id": note_id, "table_id": table, "round": 1, "text": "Yon bank tan pou katye a", "from_tablecloth": True}
    ack = phone.emit("add_note", sent, callback=True)
    assert ack["ok"], ack
    assert (
        ack["note"]["from_tablecloth"] is True
        and ack["note"]["author_id"] is None
        and ack["note"]["author_name"] is None
    )
    [added] = [e for e in events_of(board) if e["type"] == "note_added"]
    assert added["data"]["note"]["author_name"] is None and added["data"]["note"]["from_tablecloth"] is True
    # The same send again is the same note (the outbox may retry it).
    assert phone.emit("add_note", sent, callback=True)["duplicate"] is True
    # The host may correct it like their own; someone else may not copy from a table they do not host.
    assert phone.emit("edit_note", {"id": note_id, "text": "Yon bank tan pou tout katye a"}, callback=True)["ok"]
    refused = other.emit(
        "add_note",
        {"id": str(uuid.uuid4()), "table_id": table, "round": 1, "text": "x", "from_tablecloth": True},
        callback=True,
    )
    assert refused["error"]["code"] == "tablecloth_host_only"
    bad = phone.emit("add_note", {**sent, "id": str(uuid.uuid4()), "from_tablecloth": "yes"}, callback=True)
    assert bad["error"]["code"] == "field_type"

    exported = client.get(f"/f/{cafe.code}/export/notes.csv", headers={"Authorization": f"Bearer {cafe.secret}"})
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    [row] = [r for r in rows if "Yon bank tan pou tout katye a" in r]
    assert "from the tablecloth" in row and "Marie-Ange Joseph" not in row
    everything = client.get(f"/f/{cafe.code}/export/cafe.json", headers={"Authorization": f"Bearer {cafe.secret}"})
    [kept] = [n for n in everything.get_json()["notes"] if n["id"] == note_id]
    assert kept["from_tablecloth"] is True


def test_the_host_gives_the_dots_someone_without_a_phone_put_on_the_paper(
    client: FlaskClient, cafe: CafeHandle, join: Join, connect: Connect, facilitator: SocketIOTestClient
) -> None:
    host, guest, table = table_two(facilitator, join, "Nadège Baptiste")
    people = {p["name"]: p for p in state_of(facilitator)["participants"]}
    nadege = people["Nadège Baptiste"]
    assert nadege["has_phone"] is False and people["Sam Okafor"]["has_phone"] is True
    for name in ("Nadège Baptiste", "Sam Okafor"):
        ack = facilitator.emit(
            "move_participant", {"participant_id": people[name]["id"], "table_id": table}, callback=True
        )
        assert ack["ok"], ack
    phone = connect({"cafe": cafe.code, "role": "phone", "token": host["token"], "lang": "ht"})
    other = connect({"cafe": cafe.code, "role": "phone", "token": guest["token"]})
    notes = []
    for text in ("Yon bank tan", "Yon koperativ", "Yon lekòl", "Yon mache"):
        sent = {"id": str(uuid.uuid4()), "table_id": table, "round": 1, "text": text, "from_tablecloth": True}
        notes.append(phone.emit("add_note", sent, callback=True)["note"]["id"])

    [paper] = phone.emit("paper_people", {}, callback=True)["people"]
    assert paper == {"id": nadege["id"], "name": "Nadège Baptiste", "dots_left": 3, "dotted": []}
    events_of(facilitator)
    assert phone.emit("vote_for", {"participant_id": nadege["id"], "note_id": notes[0]}, callback=True)["ok"]
    [voted] = [e for e in events_of(facilitator) if e["type"] == "note_voted"]
    assert voted["data"]["participant_id"] == nadege["id"] and voted["data"]["votes"] == 1
    again = phone.emit("vote_for", {"participant_id": nadege["id"], "note_id": notes[0]}, callback=True)
    assert again["error"]["code"] == "already_voted"
    for note in notes[1:3]:
        assert phone.emit("vote_for", {"participant_id": nadege["id"], "note_id": note}, callback=True)["ok"]
    over = phone.emit("vote_for", {"participant_id": nadege["id"], "note_id": notes[3]}, callback=True)
    assert over["error"]["code"] == "no_dots_left"
    assert phone.emit("paper_people", {}, callback=True)["people"][0]["dots_left"] == 0
    # Taken back as it was given; Sam has a phone; Sam hosts nothing.
    assert phone.emit("vote_for", {"participant_id": nadege["id"], "note_id": notes[2], "add": False}, callback=True)[
        "ok"
    ]
    sam = phone.emit("vote_for", {"participant_id": people["Sam Okafor"]["id"], "note_id": notes[3]}, callback=True)
    assert sam["error"]["code"] == "dot_for_phone" and "Sam Okafor" in sam["error"]["message"]
    not_host = other.emit("vote_for", {"participant_id": nadege["id"], "note_id": notes[3]}, callback=True)
    assert not_host["error"]["code"] == "dot_for_own_table"
    assert other.emit("paper_people", {}, callback=True)["people"] == []

    everything = client.get(f"/f/{cafe.code}/export/cafe.json", headers={"Authorization": f"Bearer {cafe.secret}"})
    given = [v for v in everything.get_json()["votes"] if v["participant_id"] == nadege["id"]]
    assert len(given) == 2 and all(v["by_host"] for v in given)
