"""The theme team asks for suggested themes of an area: every visible note of its tables is in
one suggestion, a hidden note is in none, another area's notes stay out, nothing is stored."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_socketio import SocketIOTestClient

from cafe.app import runtime
from cafe.models import Note
from tests.conftest import CafeHandle, events_of, state_of
from tests.unit.test_themes import ROOM

Connect = Callable[[dict[str, Any]], SocketIOTestClient]


def test_the_theme_team_gets_suggested_themes_for_one_area_and_nothing_changes(
    app: Flask, connect: Connect, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    state = state_of(facilitator)
    area, other = state["topics"][0]["id"], state["topics"][1]["id"]
    tables = [t["id"] for t in state["tables"] if t["topic_id"] == area]
    elsewhere = next(t["id"] for t in state["tables"] if t["topic_id"] == other)
    ids: dict[str, str] = {}
    with runtime(app).db.transaction() as session:
        for n, (key, text) in enumerate(ROOM):
            note_id = uuid.uuid4()
            ids[key] = str(note_id)
            session.add(Note(id=note_id, cafe_id=cafe.id, table_id=tables[n % len(tables)], text=text))
        hidden = uuid.uuid4()
        session.add(Note(id=hidden, cafe_id=cafe.id, table_id=tables[0], text="Buy vacant land now", hidden=True))
        session.add(Note(id=uuid.uuid4(), cafe_id=cafe.id, table_id=elsewhere, text="Loan fund for worker co-ops"))
    ack = facilitator.emit("create_team_link", {"role": "theme"}, callback=True)
    theme = connect(
        {"cafe": cafe.code, "role": "facilitator", "secret": ack["url"].split("#", 1)[1], "name": "Dana", "lang": "ht"}
    )
    seq = state_of(theme)["seq"]
    events_of(theme)
    answer = theme.emit("suggest_themes", {"topic_id": area}, callback=True)
    assert answer["ok"] and answer["notes"] == len(ROOM)
    placed = sorted(note_id for s in answer["suggestions"] for note_id in s["note_ids"])
    assert placed == sorted(ids.values()) and str(hidden) not in placed
    assert all(s["label"] and s["words"] for s in answer["suggestions"])
    assert any({ids["h1"], ids["h2"]} <= set(group) for s in answer["suggestions"] for group in s["same_idea"])
    # Only shown: no event, no line in the activity log, the café as it was.
    assert events_of(theme) == [] and state_of(theme)["seq"] == seq
    assert facilitator.emit("activity", {}, callback=True)["activity"][0]["command"] == "create_team_link"
    missing = theme.emit("suggest_themes", {"topic_id": 99999}, callback=True)
    assert (
        missing["error"]["code"] == "area_not_found" and missing["error"]["message"] != "That area is not in this café."
    )
    assert facilitator.emit("suggest_themes", {"topic_id": other}, callback=True)["suggestions"] == []  # one note
