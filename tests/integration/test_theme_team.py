"""The theme team groups the room's notes into themes: of one area or across areas, created,
renamed, merged, split and removed; a note is in one theme at most, the last member to move it
wins and sees whose move they replaced; the board follows without the members' names."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_socketio import SocketIOTestClient
from sqlalchemy import select

from cafe.app import runtime
from cafe.events import apply_events
from cafe.models import Cafe, Note, Participant, Theme, Vote
from tests.conftest import CafeHandle, events_of, state_of
from tests.integration.test_team_links import member, team_link

Connect = Callable[[dict[str, Any]], SocketIOTestClient]

# Notes of a real room: several languages, uneven areas (one area has one note).
LAND = [
    "Buy vacant lots before the developers do",
    "Compra colectiva de terrenos vacíos",
    "Achte tè vid yo ansanm",
    "社区土地信托买下空地",
    "Community land trust for the corner lots",
    "Keep rents affordable for elders",
    "Alquileres asequibles para mayores",
]
COOPS = ["Loan fund for worker co-ops"]


def seed(app: Flask, cafe: CafeHandle, facilitator: SocketIOTestClient) -> tuple[int, int, list[str], list[str]]:
    """Notes on the first two areas' tables: (land area, co-op area, land notes, co-op notes)."""
    state = state_of(facilitator)
    land, coops = state["topics"][0]["id"], state["topics"][1]["id"]
    land_tables = [t["id"] for t in state["tables"] if t["topic_id"] == land]
    coop_table = next(t["id"] for t in state["tables"] if t["topic_id"] == coops)
    land_ids, coop_ids = [], []
    with runtime(app).db.transaction() as session:
        for n, text in enumerate(LAND):
            note_id = uuid.uuid4()
            land_ids.append(str(note_id))
            session.add(Note(id=note_id, cafe_id=cafe.id, table_id=land_tables[n % len(land_tables)], text=text))
        for text in COOPS:
            note_id = uuid.uuid4()
            coop_ids.append(str(note_id))
            session.add(Note(id=note_id, cafe_id=cafe.id, table_id=coop_table, text=text))
    return land, coops, land_ids, coop_ids


def ok(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack["ok"], ack
    return ack


def themes_of(state: dict[str, Any]) -> dict[str, list[str]]:
    """Theme name -> the ids of its notes, from a client's state."""
    names = {t["id"]: t["name"] for t in state["themes"]}
    out: dict[str, list[str]] = {name: [] for name in names.values()}
    for note in state["notes"]:
        if note["theme_id"] is not None:
            out[names[note["theme_id"]]].append(note["id"])
    return {k: sorted(v) for k, v in out.items()}


def test_the_theme_team_makes_renames_splits_merges_and_removes_themes_and_every_screen_follows(
    app: Flask, connect: Connect, cafe: CafeHandle, facilitator: SocketIOTestClient, board: SocketIOTestClient
) -> None:
    land, _coops, notes, _ = seed(app, cafe, facilitator)
    _id, secret = team_link(facilitator, "theme")
    dana = member(connect, cafe, secret, "Dana", lang="ht")
    old = {"board": state_of(board), "staff": state_of(dana), "facilitator": state_of(facilitator)}
    for sock in (board, dana, facilitator):
        events_of(sock)

    made = ok(dana.emit("create_theme", {"name": "Land", "topic_id": land, "note_ids": notes[:5]}, callback=True))
    theme = made_theme = state_of(dana)["themes"][0]
    assert theme["name"] == "Land" and theme["topic_id"] == land and theme["created_by"] == "Dana"
    ok(dana.emit("update_theme", {"theme_id": theme["id"], "name": "Tè / Land"}, callback=True))
    ok(dana.emit("create_theme", {"name": "Rents", "topic_id": land, "note_ids": notes[5:]}, callback=True))
    ok(dana.emit("split_theme", {"theme_id": theme["id"], "note_ids": notes[3:5], "name": "Trusts"}, callback=True))
    assert themes_of(state_of(dana)) == {
        "Tè / Land": sorted(notes[:3]),
        "Rents": sorted(notes[5:]),
        "Trusts": sorted(notes[3:5]),
    }
    trusts = next(t["id"] for t in state_of(dana)["themes"] if t["name"] == "Trusts")
    ok(dana.emit("merge_themes", {"theme_id": trusts, "into_id": made_theme["id"]}, callback=True))
    rents = next(t["id"] for t in state_of(dana)["themes"] if t["name"] == "Rents")
    last = ok(dana.emit("remove_theme", {"theme_id": rents}, callback=True))
    assert themes_of(state_of(dana)) == {"Tè / Land": sorted(notes[:5])}
    assert made["seq"] < last["seq"]

    # Every screen: its old snapshot plus the events it got is its fresh snapshot.
    for role, sock in (("board", board), ("staff", dana), ("facilitator", facilitator)):
        got = events_of(sock)
        assert {"theme_added", "theme_updated", "theme_removed", "notes_themed"} <= {e["type"] for e in got}
        assert apply_events(old[role], got) == state_of(sock), role
        moved = [e["data"] for e in got if e["type"] == "notes_themed"]
        # The board learns what moved, never which member moved it.
        assert all(("by" in d) == (role != "board") for d in moved), role
    # The activity log says who did each of it.
    lines = ok(facilitator.emit("activity", {}, callback=True))["activity"]
    assert [line["command"] for line in lines[:6]] == [
        "remove_theme",
        "merge_themes",
        "split_theme",
        "create_theme",
        "update_theme",
        "create_theme",
    ]
    assert {line["name"] for line in lines[:6]} == {"Dana"}


def test_two_members_moving_one_note_leave_it_in_one_theme_and_the_later_one_sees_whose_move_it_replaced(
    app: Flask, connect: Connect, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    land, _coops, notes, _ = seed(app, cafe, facilitator)
    _a, secret_a = team_link(facilitator, "theme", "left table")
    _b, secret_b = team_link(facilitator, "theme", "right table")
    dana, eli = member(connect, cafe, secret_a, "Dana"), member(connect, cafe, secret_b, "Éli", lang="zh")
    ok(dana.emit("create_theme", {"name": "Land", "topic_id": land}, callback=True))
    ok(eli.emit("create_theme", {"name": "Housing", "topic_id": land}, callback=True))
    ids = {t["name"]: t["id"] for t in state_of(eli)["themes"]}
    events_of(dana)
    note = notes[0]
    # Both saw the note unsorted; Dana moves it first, Éli a moment later.
    first = ok(
        dana.emit("assign_notes", {"note_ids": [note], "theme_id": ids["Land"], "seen": {note: None}}, callback=True)
    )
    assert first["conflicts"] == []
    second = ok(
        eli.emit("assign_notes", {"note_ids": [note], "theme_id": ids["Housing"], "seen": {note: None}}, callback=True)
    )
    assert second["conflicts"] == [{"note_id": note, "theme_id": ids["Land"], "by": "Dana"}]
    # Dana's screen is told who moved it; the note is in one theme, the later one.
    told = [e["data"] for e in events_of(dana) if e["type"] == "notes_themed"]
    assert told[-1] == {"note_ids": [note], "theme_id": ids["Housing"], "by": "Éli"}
    assert themes_of(state_of(facilitator)) == {"Land": [], "Housing": [note]}
    # Moving a note where it already is changes nothing.
    same = ok(eli.emit("assign_notes", {"note_ids": [note], "theme_id": ids["Housing"]}, callback=True))
    assert same["seq"] is None
    # Back to the unsorted pile with no theme.
    ok(dana.emit("assign_notes", {"note_ids": [note], "theme_id": None}, callback=True))
    assert themes_of(state_of(facilitator)) == {"Land": [], "Housing": []}


def test_a_theme_of_one_area_takes_only_that_areas_notes_until_it_spans_areas(
    app: Flask, connect: Connect, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    land, coops, notes, coop_notes = seed(app, cafe, facilitator)
    ok(facilitator.emit("create_theme", {"name": "Ownership", "topic_id": land, "note_ids": notes[:2]}, callback=True))
    theme = state_of(facilitator)["themes"][0]["id"]
    refused = facilitator.emit("assign_notes", {"note_ids": coop_notes, "theme_id": theme}, callback=True)
    assert refused["error"]["code"] == "theme_other_area"
    assert themes_of(state_of(facilitator)) == {"Ownership": sorted(notes[:2])}  # nothing moved
    ok(facilitator.emit("update_theme", {"theme_id": theme, "spans_areas": True}, callback=True))
    ok(facilitator.emit("assign_notes", {"note_ids": coop_notes, "theme_id": theme}, callback=True))
    assert state_of(facilitator)["themes"][0]["topic_id"] is None
    back = facilitator.emit("update_theme", {"theme_id": theme, "topic_id": coops}, callback=True)
    assert back["error"]["code"] == "theme_other_area"
    # Across areas from the start, with notes of both.
    ok(facilitator.emit("create_theme", {"name": "Money", "note_ids": [notes[2], coop_notes[0]]}, callback=True))
    assert themes_of(state_of(facilitator))["Money"] == sorted([notes[2], coop_notes[0]])
    assert themes_of(state_of(facilitator))["Ownership"] == sorted(notes[:2])  # the shared note moved


def test_the_theme_teams_mistakes_get_a_clear_refusal_and_change_nothing(
    app: Flask, connect: Connect, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    land, coops, notes, _ = seed(app, cafe, facilitator)
    _id, secret = team_link(facilitator, "theme")
    dana = member(connect, cafe, secret, "Dana", lang="es")
    ok(dana.emit("create_theme", {"name": "Land", "topic_id": land, "note_ids": notes[:2]}, callback=True))
    ok(dana.emit("create_theme", {"name": "Rents", "topic_id": land}, callback=True))
    ids = {t["name"]: t["id"] for t in state_of(dana)["themes"]}
    before = state_of(facilitator)
    gone = str(uuid.uuid4())
    cases = [
        ("create_theme", {"name": "   ", "topic_id": land}, "text_empty"),
        ("create_theme", {"name": "x" * 61, "topic_id": land}, "text_too_long"),
        ("create_theme", {"name": "Elsewhere", "topic_id": 99999}, "area_not_found"),
        ("create_theme", {"name": "Ghost", "topic_id": land, "note_ids": [gone]}, "note_not_found"),
        ("create_theme", {"name": "Bad id", "topic_id": land, "note_ids": ["not-a-uuid"]}, "note_id_invalid"),
        ("assign_notes", {"note_ids": [], "theme_id": ids["Land"]}, "theme_notes_missing"),
        ("assign_notes", {"note_ids": [notes[2]], "theme_id": 99999}, "theme_not_found"),
        ("assign_notes", {"note_ids": [notes[2]], "seen": ["no"]}, "field_type"),
        ("merge_themes", {"theme_id": ids["Land"], "into_id": ids["Land"]}, "theme_merge_itself"),
        ("merge_themes", {"theme_id": ids["Land"], "into_id": 99999}, "theme_not_found"),
        ("split_theme", {"theme_id": ids["Rents"], "note_ids": [notes[0]], "name": "Half"}, "theme_split_foreign"),
        ("update_theme", {"theme_id": ids["Land"], "topic_id": coops}, "theme_other_area"),
        ("remove_theme", {"theme_id": 99999}, "theme_not_found"),
    ]
    for command, payload, code in cases:
        ack = dana.emit(command, payload, callback=True)
        assert not ack["ok"] and ack["error"]["code"] == code, (command, ack)
        assert ack["error"]["message"] and "Traceback" not in ack["error"]["message"]
    # In the member's language (Spanish), and the café as it was.
    merge = dana.emit("merge_themes", {"theme_id": ids["Land"], "into_id": ids["Land"]}, callback=True)
    assert merge["error"]["message"] == "Elige otro tema con el que fusionarlo."
    assert state_of(facilitator) == before
    # A deleted note cannot be grouped; a hidden one can (the facilitator may restore it).
    with runtime(app).db.transaction() as session:
        session.get(Note, uuid.UUID(notes[3])).deleted = True  # type: ignore[union-attr]
        session.get(Note, uuid.UUID(notes[4])).hidden = True  # type: ignore[union-attr]
    deleted = dana.emit("assign_notes", {"note_ids": [notes[3]], "theme_id": ids["Rents"]}, callback=True)
    assert deleted["error"]["code"] == "note_not_found"
    ok(dana.emit("assign_notes", {"note_ids": [notes[4]], "theme_id": ids["Rents"]}, callback=True))


def test_a_helper_and_a_phone_cannot_touch_the_themes_and_the_board_shows_them_when_the_facilitator_says(
    connect: Connect,
    app: Flask,
    cafe: CafeHandle,
    facilitator: SocketIOTestClient,
    phone: SocketIOTestClient,
    board: SocketIOTestClient,
) -> None:
    land, _coops, notes, _ = seed(app, cafe, facilitator)
    _id, secret = team_link(facilitator, "helper")
    helper = member(connect, cafe, secret, "Rosa")
    for sock, code in ((helper, "not_for_your_link"), (phone, "facilitator_only")):
        ack = sock.emit("create_theme", {"name": "Land", "topic_id": land}, callback=True)
        assert ack["error"]["code"] == code
    assert state_of(board)["cafe"]["settings"]["board_themes"] is False
    events_of(board)
    ok(facilitator.emit("update_cafe", {"settings": {"board_themes": True}}, callback=True))
    shown = [e for e in events_of(board) if e["type"] == "cafe_updated"]
    assert shown[-1]["data"]["cafe"]["settings"]["board_themes"] is True
    # Phones see the themes and each note's theme too (nothing in them is private).
    ok(facilitator.emit("create_theme", {"name": "Land", "topic_id": land, "note_ids": notes[:1]}, callback=True))
    mine = state_of(phone)
    assert [t["name"] for t in mine["themes"]] == ["Land"]
    assert next(n for n in mine["notes"] if n["id"] == notes[0])["theme_id"] == mine["themes"][0]["id"]


def test_suggestions_leave_out_the_notes_already_in_a_theme(
    app: Flask, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    land, _coops, notes, _ = seed(app, cafe, facilitator)
    ok(facilitator.emit("create_theme", {"name": "Land", "topic_id": land, "note_ids": notes[:5]}, callback=True))
    answer = ok(facilitator.emit("suggest_themes", {"topic_id": land}, callback=True))
    assert answer["notes"] == len(notes) - 5
    assert not {n for s in answer["suggestions"] for n in s["note_ids"]} & set(notes[:5])


def test_the_exports_carry_each_notes_theme_rank_the_themes_and_a_reimport_keeps_them(
    app: Flask, client: Any, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    land, coops, notes, coop_notes = seed(app, cafe, facilitator)
    ok(
        facilitator.emit(
            "create_theme", {"name": "Shared land", "topic_id": land, "note_ids": notes[:4]}, callback=True
        )
    )
    ok(facilitator.emit("create_theme", {"name": "Rents", "topic_id": land, "note_ids": notes[5:]}, callback=True))
    ok(facilitator.emit("create_theme", {"name": "Money", "note_ids": [notes[4], coop_notes[0]]}, callback=True))
    ok(facilitator.emit("create_theme", {"name": "Still empty", "topic_id": coops}, callback=True))
    # Two dots on a note of "Rents": it outranks the larger "Shared land".
    with runtime(app).db.transaction() as session:
        voters = [Participant(cafe_id=cafe.id, display_name=f"V{i}", token_hash=f"h{i}" * 8) for i in range(2)]
        session.add_all(voters)
        session.flush()
        session.add_all(Vote(cafe_id=cafe.id, note_id=uuid.UUID(notes[5]), participant_id=v.id) for v in voters)

    def exported(kind: str) -> str:
        answer = client.get(f"/f/{cafe.code}/export/{kind}", headers={"Authorization": f"Bearer {cafe.secret}"})
        assert answer.status_code == 200, kind
        return str(answer.get_data(as_text=True))

    rows = list(csv.DictReader(io.StringIO(exported("notes.csv"))))
    theme_of = {r["text"]: r["theme"] for r in rows}
    assert theme_of[LAND[0]] == "Shared land" and theme_of[LAND[4]] == "Money" and theme_of[COOPS[0]] == "Money"
    assert theme_of[LAND[5]] == "Rents"
    report = exported("report.md")
    land_part = report.split("\n## ")[1]
    ranked = [line for line in land_part.splitlines() if line[:3] in ("1. ", "2. ", "3. ") and "**" in line]
    assert [line.split("**")[1] for line in ranked[:3]] == ["Rents", "Shared land", "Money"]
    assert "(across areas): 1 note" in land_part
    group = exported(f"group-{land}.md")
    assert "**Rents**" in group and "(none grouped yet)" not in group
    assert "**Still empty**" in exported(f"group-{coops}.md")
    group_rows = list(csv.reader(io.StringIO(exported(f"group-{land}.csv"))))
    assert ["theme", "Rents", "2 notes, 2 dots", "", ""] in group_rows
    assert "<th>Theme</th>" in exported("report.html")
    # cafe.json carries the themes; a café made from it has them, with the same notes in each.
    saved = json.loads(exported("cafe.json"))
    assert {t["name"] for t in saved["themes"]} == {"Shared land", "Rents", "Money", "Still empty"}
    made = client.post(
        "/cafes/from-file",
        data={"file": (io.BytesIO(json.dumps(saved).encode()), "cafe.json")},
        content_type="multipart/form-data",
    )
    assert made.status_code in (200, 201, 302), made.get_data(as_text=True)[:300]
    with runtime(app).db.reading() as session:
        newest = session.scalars(select(Cafe).order_by(Cafe.id.desc())).first()
        assert newest is not None and newest.id != cafe.id
        copied = {
            t.name: sorted(n.text for n in session.scalars(select(Note).where(Note.theme_id == t.id)))
            for t in session.scalars(select(Theme).where(Theme.cafe_id == newest.id))
        }
    assert copied == {
        "Shared land": sorted(LAND[:4]),
        "Rents": sorted(LAND[5:]),
        "Money": sorted([LAND[4], COOPS[0]]),
        "Still empty": [],
    }


def test_in_the_harvest_a_phone_dots_themes_from_the_same_budget_and_a_removed_theme_gives_its_dots_back(
    app: Flask,
    connect: Connect,
    cafe: CafeHandle,
    facilitator: SocketIOTestClient,
    board: SocketIOTestClient,
    join: Callable[..., dict[str, Any]],
) -> None:
    land, _coops, notes, _ = seed(app, cafe, facilitator)
    ok(facilitator.emit("update_cafe", {"settings": {"harvest_dots": 2}}, callback=True))
    ok(facilitator.emit("create_theme", {"name": "Tè", "topic_id": land, "note_ids": notes[:3]}, callback=True))
    ok(facilitator.emit("create_theme", {"name": "Rents", "topic_id": land, "note_ids": notes[5:]}, callback=True))
    ids = {t["name"]: t["id"] for t in state_of(facilitator)["themes"]}
    joined = join("Wilner")
    phone = connect({"cafe": cafe.code, "role": "phone", "token": joined["token"], "lang": "ht"})
    early = phone.emit("vote_theme", {"theme_id": ids["Tè"]}, callback=True)
    assert early["error"]["code"] == "harvest_dots_closed"
    ok(facilitator.emit("start_harvest", {}, callback=True))
    old_phone, old_board = state_of(phone), state_of(board)
    events_of(phone), events_of(board)
    ok(phone.emit("vote_theme", {"theme_id": ids["Tè"]}, callback=True))
    assert phone.emit("vote_theme", {"theme_id": ids["Tè"]}, callback=True)["error"]["code"] == "already_voted"
    ok(phone.emit("vote", {"note_id": notes[0], "phase": "harvest"}, callback=True))
    # Two harvest dots in all: the third, on a theme or a note, is refused in the phone's language.
    spent = phone.emit("vote_theme", {"theme_id": ids["Rents"]}, callback=True)
    assert spent["error"]["code"] == "no_harvest_dots_left" and "2" in spent["error"]["message"]
    assert phone.emit("vote", {"note_id": notes[1], "phase": "harvest"}, callback=True)["error"]["code"] == (
        "no_harvest_dots_left"
    )
    assert phone.emit("unvote_theme", {"theme_id": ids["Rents"]}, callback=True)["error"]["code"] == "no_vote"
    mine = state_of(phone)
    assert mine["my_theme_votes"] == [ids["Tè"]]
    assert {t["name"]: t["votes"] for t in mine["themes"]} == {"Tè": 1, "Rents": 0}
    for role, sock, old in (("phone", phone, old_phone), ("board", board, old_board)):
        # (the voter's phone gets its own version first; the room's copy of that seq is ignored)
        got = list({e["seq"]: e for e in reversed(events_of(sock))}.values())[::-1]
        dots = [e["data"] for e in got if e["type"] == "theme_voted"]
        assert dots and all(("participant_id" in d) == (role == "phone") for d in dots), role
        assert apply_events(old, got) == state_of(sock), role
    # The report ranks "Tè" (a theme dot and a note dot) above "Rents".
    answer = client_of(app).get(f"/f/{cafe.code}/export/report.md", headers={"Authorization": f"Bearer {cafe.secret}"})
    land_part = answer.get_data(as_text=True).split("\n## ")[1]
    assert land_part.index("**Tè**: 3 notes, 2 dots") < land_part.index("**Rents**")
    # Removing the theme gives the dot back: the phone may spend it again.
    ok(facilitator.emit("remove_theme", {"theme_id": ids["Tè"]}, callback=True))
    assert state_of(phone)["my_theme_votes"] == []
    ok(phone.emit("vote_theme", {"theme_id": ids["Rents"]}, callback=True))


def client_of(app: Flask) -> Any:
    return app.test_client()
