"""The socket protocol through Flask-SocketIO's test client (every packet really encoded)."""

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIOTestClient

from cafe import realtime
from cafe.app import runtime
from cafe.events import apply_events
from tests.conftest import CafeHandle, events_of, state_of

Connect = Callable[[dict[str, Any]], SocketIOTestClient]


@pytest.mark.parametrize(
    "auth",
    [
        None,
        {},
        {"cafe": "QQQQQQ", "role": "board"},
        {"role": "board"},
        {"cafe": "@@@", "role": "phone", "token": "x"},
        {"cafe": "CODE", "role": "spy"},
        ["not", "a", "dict"],
    ],
)
def test_a_connection_without_valid_identity_is_refused(connect: Connect, auth: Any, cafe: CafeHandle) -> None:
    if isinstance(auth, dict) and auth.get("cafe") == "CODE":
        auth = {**auth, "cafe": cafe.code}
    assert not connect(auth).is_connected()


def test_a_phone_with_an_unknown_token_is_refused(connect: Connect, cafe: CafeHandle) -> None:
    assert not connect({"cafe": cafe.code, "role": "phone", "token": "forged"}).is_connected()


def test_a_participant_token_cannot_open_the_facilitator_panel(
    connect: Connect, cafe: CafeHandle, phone: SocketIOTestClient
) -> None:
    sock = connect({"cafe": cafe.code, "role": "facilitator", "secret": phone.token})  # type: ignore[attr-defined]
    assert not sock.is_connected()


def test_a_wrong_facilitator_secret_is_refused(connect: Connect, cafe: CafeHandle) -> None:
    assert not connect({"cafe": cafe.code, "role": "facilitator", "secret": "guess"}).is_connected()


def test_each_role_gets_its_own_snapshot(
    phone: SocketIOTestClient, board: SocketIOTestClient, facilitator: SocketIOTestClient
) -> None:
    phone_state, board_state, fac_state = state_of(phone), state_of(board), state_of(facilitator)
    assert phone_state["me"]["name"] == "Ana"
    assert "participants" not in phone_state
    assert board_state["participants"] == [
        {
            "id": phone.participant["id"],
            "name": "Ana",  # type: ignore[attr-defined]
            "anonymous": False,
            "present": True,
            "admitted": True,
            "arrived": True,
        }
    ]
    assert fac_state["participants"][0]["organisation"] == "Boston Ujima Project"
    assert len(fac_state["topics"]) == 5 and len(fac_state["tables"]) == 14
    assert phone_state["seq"] == board_state["seq"] == fac_state["seq"]
    assert phone_state["cafe"]["join_url"].endswith("/j/" + phone_state["cafe"]["code"])


def test_the_board_count_goes_up_the_moment_a_phone_joins_and_down_when_it_leaves(
    connect: Connect, cafe: CafeHandle, board: SocketIOTestClient, join: Callable[..., dict[str, Any]]
) -> None:
    state_of(board)
    events_of(board)
    joined = join("Ben")
    ben = connect({"cafe": cafe.code, "role": "phone", "token": joined["token"]})
    received = events_of(board)
    assert [e["type"] for e in received] == ["participant_joined", "participant_connected"]
    assert received[-1]["data"]["counts"] == {"joined": 1, "present": 1}
    ben.disconnect()
    [gone] = events_of(board)
    assert gone["type"] == "participant_disconnected"
    assert gone["data"]["counts"] == {"joined": 1, "present": 0}


def test_phones_and_the_board_never_receive_an_organisation(
    connect: Connect,
    cafe: CafeHandle,
    board: SocketIOTestClient,
    phone: SocketIOTestClient,
    facilitator: SocketIOTestClient,
    join: Callable[..., dict[str, Any]],
) -> None:
    for sock in (board, phone, facilitator):
        sock.get_received()
    join("Ben", organisation="Secret Org")
    assert "Secret Org" not in repr(events_of(board)) + repr(events_of(phone))
    assert "Secret Org" in repr(events_of(facilitator))


@pytest.mark.parametrize("role", ["phone", "board", "facilitator"])
def test_an_old_snapshot_plus_the_events_equals_a_fresh_snapshot(
    role: str,
    connect: Connect,
    cafe: CafeHandle,
    join: Callable[..., dict[str, Any]],
    phone: SocketIOTestClient,
    board: SocketIOTestClient,
    facilitator: SocketIOTestClient,
) -> None:
    watcher = {"phone": phone, "board": board, "facilitator": facilitator}[role]
    before = state_of(watcher)
    events_of(watcher)
    # Things happen: people join, connect, drop out, come back.
    ben = connect({"cafe": cafe.code, "role": "phone", "token": join("Ben", organisation="Co-op")["token"]})
    chidi_token = join("Chidi", anonymous=True)["token"]
    chidi = connect({"cafe": cafe.code, "role": "phone", "token": chidi_token})
    ben.disconnect()
    chidi.disconnect()
    connect({"cafe": cafe.code, "role": "phone", "token": chidi_token})
    received = events_of(watcher)
    assert len(received) == 7
    after = apply_events(before, received)
    assert after == state_of(watcher)


def test_sync_replays_exactly_the_missed_events_in_order(
    board: SocketIOTestClient, join: Callable[..., dict[str, Any]]
) -> None:
    seq = state_of(board)["seq"]
    for name in ("Ben", "Chidi", "Dana"):
        join(name)
    ack = board.emit("sync", {"since": seq}, callback=True)
    assert ack["ok"]
    assert [e["seq"] for e in ack["events"]] == [seq + 1, seq + 2, seq + 3]
    assert all(e["type"] == "participant_joined" for e in ack["events"])


def test_sync_sends_a_fresh_snapshot_when_too_far_behind(
    app: Flask, board: SocketIOTestClient, join: Callable[..., dict[str, Any]]
) -> None:
    runtime(app).config.sync_max_events = 2
    seq = state_of(board)["seq"]
    for name in ("Ben", "Chidi", "Dana"):
        join(name)
    ack = board.emit("sync", {"since": seq}, callback=True)
    assert ack["ok"] and ack["state"]["seq"] == seq + 3


def test_a_reconnecting_phone_is_the_same_person(connect: Connect, cafe: CafeHandle, phone: SocketIOTestClient) -> None:
    first = state_of(phone)["me"]
    phone.disconnect()
    again = connect({"cafe": cafe.code, "role": "phone", "token": phone.token})  # type: ignore[attr-defined]
    state = state_of(again)
    assert state["me"]["id"] == first["id"] and state["me"]["name"] == "Ana"
    assert state["counts"] == {"joined": 1, "present": 1}


def test_the_clock_answers_with_the_servers_time(board: SocketIOTestClient) -> None:
    ack = board.emit("clock", {"t0": 1234.5}, callback=True)
    assert ack["ok"] and ack["t0"] == 1234.5 and ack["server_now"] > 1_700_000_000_000


def test_the_heartbeat_carries_the_latest_seq(app: Flask, board: SocketIOTestClient) -> None:
    seq = state_of(board)["seq"]
    board.get_received()
    realtime.beat(runtime(app))
    beats = [m["args"][0] for m in board.get_received() if m["name"] == "heartbeat"]
    assert beats and beats[0]["seq"] == seq


@pytest.mark.parametrize(
    ("command", "payload", "code"),
    [
        ("sync", "not an object", "bad_payload"),
        ("sync", {"since": "ten"}, "bad_payload"),
        ("sync", {"since": True}, "bad_payload"),
        ("sync", {"since": 1, "extra": 1}, "bad_payload"),
        ("sync", [1, 2, 3], "bad_payload"),
        ("clock", {}, "bad_payload"),
        ("clock", {"t0": "now"}, "bad_payload"),
        ("clock", {"t0": {"deep": {"deeper": [1]}}}, "bad_payload"),
        ("launch_rockets", {"now": True}, "unknown_command"),
    ],
)
def test_a_malformed_command_gets_an_error_and_the_connection_survives(
    board: SocketIOTestClient, command: str, payload: Any, code: str
) -> None:
    ack = board.emit(command, payload, callback=True)
    assert ack["ok"] is False
    assert code in (ack["error"]["code"], ack["error"]["kind"]) and ack["error"]["message"]
    assert board.is_connected()
    assert board.emit("clock", {"t0": 1}, callback=True)["ok"]
