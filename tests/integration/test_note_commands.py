"""The tablecloth over the socket: phones write, the facilitator moderates, nothing leaks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIOTestClient

from cafe.app import runtime
from cafe.events import apply_events
from tests.conftest import CafeHandle, events_of, state_of

Connect = Callable[[dict[str, Any]], SocketIOTestClient]


def ok(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack["ok"], ack
    return ack


@pytest.fixture
def running(
    facilitator: SocketIOTestClient,
    phone: SocketIOTestClient,
    join: Callable[..., Any],
    connect: Connect,
    cafe: CafeHandle,
) -> list[SocketIOTestClient]:
    """Four phones in round 1's discussion; Ana's phone first."""
    phones = [phone] + [
        connect({"cafe": cafe.code, "role": "phone", "token": join(f"P{i}")["token"]}) for i in range(3)
    ]
    ok(facilitator.emit("start_round", {}, callback=True))
    ok(facilitator.emit("start_round", {}, callback=True))
    return phones


def where(sock: SocketIOTestClient) -> tuple[int, int]:
    state = state_of(sock)
    return state["seating"]["seats"][str(state["me"]["id"])], state["cafe"]["current_round"]


def note(sock: SocketIOTestClient, text: str = "Idea", **kw: Any) -> dict[str, Any]:
    table, rnd = where(sock)
    payload = {"id": str(uuid.uuid4()), "table_id": table, "round": rnd, "text": text, **kw}
    ack: dict[str, Any] = sock.emit("add_note", payload, callback=True)
    return ack


def test_a_note_sent_three_times_is_stored_once(running: list[SocketIOTestClient]) -> None:
    table, rnd = where(running[0])
    payload = {"id": str(uuid.uuid4()), "table_id": table, "round": rnd, "text": "Once"}
    acks = [running[0].emit("add_note", payload, callback=True) for _ in range(3)]
    assert [a["duplicate"] for a in acks] == [False, True, True]
    assert len({a["note"]["id"] for a in acks}) == 1
    assert [n["text"] for n in state_of(running[1])["notes"]] == ["Once"]


def test_only_phones_write_notes_and_only_the_facilitator_hides_them(
    running: list[SocketIOTestClient], board: SocketIOTestClient, facilitator: SocketIOTestClient
) -> None:
    assert board.emit("add_note", {}, callback=True)["error"]["kind"] == "forbidden"
    assert facilitator.emit("add_note", {}, callback=True)["error"]["kind"] == "forbidden"
    nid = ok(note(running[0]))["note"]["id"]
    assert running[1].emit("hide_note", {"id": nid}, callback=True)["error"]["kind"] == "forbidden"
    ok(facilitator.emit("hide_note", {"id": nid}, callback=True))


def test_a_burst_of_notes_is_slowed_with_a_friendly_message(running: list[SocketIOTestClient]) -> None:
    acks = [note(running[0], f"Idea {i}") for i in range(7)]
    assert [a["ok"] for a in acks[:5]] == [True] * 5
    refused = [a for a in acks[5:] if not a["ok"]]
    assert refused and refused[0]["error"]["kind"] == "rate_limited"
    assert "Wait a moment" in refused[0]["error"]["message"]


def test_a_retry_of_a_stored_note_is_never_rate_limited(running: list[SocketIOTestClient]) -> None:
    table, rnd = where(running[0])
    payload = {"id": str(uuid.uuid4()), "table_id": table, "round": rnd, "text": "Keep"}
    ok(running[0].emit("add_note", payload, callback=True))
    for i in range(6):
        note(running[0], f"Filler {i}")
    assert ok(running[0].emit("add_note", payload, callback=True))["duplicate"] is True


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"text": ""}, "invalid"),
        ({"text": "x" * 281}, "invalid"),
        ({"table_id": 987654}, "not_found"),
        ({"round": 3}, "not_found"),
        ({"round": "1"}, "bad_payload"),
        ({"id": "nope"}, "bad_payload"),
        ({"extra": True}, "bad_payload"),
    ],
)
def test_bad_notes_get_a_clear_error_and_write_nothing(
    running: list[SocketIOTestClient], payload: dict[str, Any], code: str
) -> None:
    table, rnd = where(running[0])
    full = {"id": str(uuid.uuid4()), "table_id": table, "round": rnd, "text": "Fine", **payload}
    ack = running[0].emit("add_note", full, callback=True)
    assert ack["ok"] is False and code in (ack["error"]["code"], ack["error"]["kind"]) and ack["error"]["message"]
    assert state_of(running[0])["notes"] == []


def test_a_hidden_note_is_never_sent_again_not_even_in_a_replay(
    app: Flask, running: list[SocketIOTestClient], board: SocketIOTestClient, facilitator: SocketIOTestClient
) -> None:
    seq = state_of(board)["seq"]
    nid = ok(note(running[0], "Rude remark"))["note"]["id"]
    ok(facilitator.emit("hide_note", {"id": nid}, callback=True))
    replay = ok(board.emit("sync", {"since": seq}, callback=True))
    assert "Rude remark" not in repr(replay)
    assert [e["type"] for e in replay["events"]] == ["note_withheld", "note_hidden"]
    assert "Rude remark" not in repr(state_of(running[1])) + repr(state_of(board))
    assert "Rude remark" in repr(state_of(facilitator))  # to restore it, the facilitator keeps it
    runtime(app)  # the app is still serving: the next command works
    assert ok(note(running[0], "Kind remark"))


def test_an_anonymous_note_has_no_author_in_any_payload(
    running: list[SocketIOTestClient], board: SocketIOTestClient, facilitator: SocketIOTestClient
) -> None:
    for sock in (board, facilitator, *running):
        sock.get_received()
    me = state_of(running[0])["me"]
    ok(note(running[0], "Nobody knows", anonymous=True))
    for sock in (board, facilitator, *running[1:]):
        received = events_of(sock)
        added = [e for e in received if e["type"] == "note_added"]
        assert added and added[0]["data"]["note"]["author_id"] is None
        assert me["name"] not in repr(added)


@pytest.mark.parametrize("role", ["phone", "board", "facilitator"])
def test_notes_replayed_on_an_old_snapshot_equal_a_fresh_one(
    role: str, running: list[SocketIOTestClient], board: SocketIOTestClient, facilitator: SocketIOTestClient
) -> None:
    watcher = {"phone": running[1], "board": board, "facilitator": facilitator}[role]
    before = state_of(watcher)
    events_of(watcher)
    first = ok(note(running[0], "First idea"))["note"]["id"]
    second = ok(note(running[1], "Second idea", colour="blue", anonymous=True))["note"]["id"]
    third = ok(note(running[2], "Third idea"))["note"]["id"]
    ok(running[0].emit("edit_note", {"id": first, "text": "First idea, better"}, callback=True))
    ok(running[1].emit("vote", {"note_id": first}, callback=True))
    ok(running[2].emit("vote", {"note_id": first}, callback=True))
    ok(running[1].emit("unvote", {"note_id": first}, callback=True))
    ok(running[1].emit("vote", {"note_id": third}, callback=True))
    ok(running[2].emit("delete_note", {"id": third}, callback=True))
    ok(facilitator.emit("hide_note", {"id": second}, callback=True))
    ok(facilitator.emit("pin_note", {"id": first, "pinned": True}, callback=True))
    ok(facilitator.emit("restore_note", {"id": second}, callback=True))
    received = events_of(watcher)
    assert apply_events(before, received) == state_of(watcher)


@pytest.mark.parametrize("role", ["phone", "board", "facilitator"])
def test_the_spotlight_replayed_on_an_old_snapshot_equals_a_fresh_one(
    role: str, running: list[SocketIOTestClient], board: SocketIOTestClient, facilitator: SocketIOTestClient
) -> None:
    watcher = {"phone": running[1], "board": board, "facilitator": facilitator}[role]
    before = state_of(watcher)
    events_of(watcher)
    first = ok(note(running[0], "First idea"))["note"]["id"]
    second = ok(note(running[1], "Second idea"))["note"]["id"]
    ok(facilitator.emit("spotlight", {"note_id": first}, callback=True))
    ok(facilitator.emit("spotlight", {"note_id": second}, callback=True))
    ok(facilitator.emit("hide_note", {"id": second}, callback=True))
    ok(facilitator.emit("spotlight", {"note_id": first}, callback=True))
    received = events_of(watcher)
    after = apply_events(before, received)
    assert after == state_of(watcher) and after["cafe"]["spotlight"] == first


def test_only_the_facilitator_spotlights(running: list[SocketIOTestClient], board: SocketIOTestClient) -> None:
    first = ok(note(running[0], "First idea"))["note"]["id"]
    for sock in (board, running[0]):
        assert sock.emit("spotlight", {"note_id": first}, callback=True)["error"]["kind"] == "forbidden"
