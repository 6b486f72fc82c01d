"""Facilitator commands over the socket: who may send them, what they answer, and convergence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask_socketio import SocketIOTestClient

from cafe.events import apply_events
from tests.conftest import CafeHandle, events_of, state_of

Connect = Callable[[dict[str, Any]], SocketIOTestClient]


def ok(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack["ok"], ack
    return ack


@pytest.mark.parametrize(
    "command",
    ["start_round", "pause", "announce", "add_topic", "set_rounds", "end_round", "move_participant", "close_cafe"],
)
def test_a_participant_token_cannot_send_facilitator_commands(
    phone: SocketIOTestClient, board: SocketIOTestClient, command: str
) -> None:
    for sock in (phone, board):
        ack = sock.emit(command, {}, callback=True)
        assert ack == {
            "ok": False,
            "error": {
                "code": "facilitator_only",
                "kind": "forbidden",
                "message": "Only the facilitator can do that.",
                "params": {},
            },
        }


def test_setting_up_and_running_a_round_over_the_socket(
    facilitator: SocketIOTestClient,
    phone: SocketIOTestClient,
    join: Callable[..., Any],
    connect: Connect,
    cafe: CafeHandle,
) -> None:
    phones = [phone] + [
        connect({"cafe": cafe.code, "role": "phone", "token": join(f"P{i}")["token"]}) for i in range(5)
    ]
    ack = ok(facilitator.emit("start_round", {}, callback=True))
    assert ack["seq"] > 0
    state = state_of(phones[3])
    assert state["cafe"]["phase"] == "move" and state["cafe"]["current_round"] == 1
    me = str(state["me"]["id"])
    assert me in state["seating"]["seats"]
    ok(facilitator.emit("start_round", {}, callback=True))  # skip the move
    ok(facilitator.emit("extend", {"seconds": 60}, callback=True))
    ok(facilitator.emit("pause", {}, callback=True))
    again = facilitator.emit("pause", {}, callback=True)
    assert again["error"] == {
        "code": "already_paused",
        "kind": "invalid",
        "message": "The round is already paused.",
        "params": {},
    }
    ok(facilitator.emit("resume", {}, callback=True))
    ok(facilitator.emit("end_round", {}, callback=True))
    state = state_of(phones[0])
    assert state["cafe"]["current_round"] == 2 and state["seating"]["round"] == 2


def test_not_enough_seats_is_reported_to_the_facilitator_with_the_number(
    facilitator: SocketIOTestClient, join: Callable[..., Any]
) -> None:
    for table in state_of(facilitator)["tables"]:
        ok(facilitator.emit("update_table", {"table_id": table["id"], "capacity": 1}, callback=True))
    for i in range(16):  # 16 people, 14 seats
        join(f"P{i}")
    ack = facilitator.emit("start_round", {}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "not_enough_seats"
    assert "(2 short)" in ack["error"]["message"] and ack["error"]["params"]["missing"] == 2
    assert state_of(facilitator)["cafe"]["status"] == "lobby"


def test_bad_facilitator_payloads_get_clear_errors(facilitator: SocketIOTestClient) -> None:
    cases = [
        ("add_topic", {"name": ""}, "invalid"),
        ("add_topic", {"name": "X", "colour": "javascript:alert(1)"}, "invalid"),
        ("add_topic", {"name": "X", "evil": 1}, "bad_payload"),
        ("extend", {"seconds": "sixty"}, "bad_payload"),
        ("extend", {"seconds": 60}, "invalid"),
        ("update_table", {"table_id": 424242, "capacity": 3}, "not_found"),
        ("set_host", {"table_id": 1, "participant_id": 424242}, "not_found"),
        ("set_rounds", {"rounds": "four"}, "bad_payload"),
        ("announce", {"text": ""}, "invalid"),
        ("move_participant", {"participant_id": 1, "table_id": 1}, "invalid"),
    ]
    for command, payload, code in cases:
        ack = facilitator.emit(command, payload, callback=True)
        assert ack["ok"] is False and code in (ack["error"]["code"], ack["error"]["kind"]), (command, ack)
        assert ack["error"]["message"]
    assert facilitator.is_connected()


@pytest.mark.parametrize("role", ["phone", "board", "facilitator"])
def test_a_whole_run_replayed_on_an_old_snapshot_equals_a_fresh_one(
    role: str,
    facilitator: SocketIOTestClient,
    phone: SocketIOTestClient,
    board: SocketIOTestClient,
    join: Callable[..., Any],
    connect: Connect,
    cafe: CafeHandle,
) -> None:
    watcher = {"phone": phone, "board": board, "facilitator": facilitator}[role]
    before = state_of(watcher)
    events_of(watcher)
    people = [join(f"P{i}", organisation="Org") for i in range(5)]
    connect({"cafe": cafe.code, "role": "phone", "token": people[0]["token"]})
    fac = state_of(facilitator)
    pid = people[1]["participant"]["id"]
    table_ids = [t["id"] for t in fac["tables"]]
    topic_id = fac["topics"][0]["id"]
    steps: list[tuple[str, dict[str, Any]]] = [
        ("update_cafe", {"title": "Renamed café", "settings": {"dots_per_round": 4}}),
        ("set_host", {"table_id": table_ids[0], "participant_id": pid}),
        ("update_topic", {"topic_id": topic_id, "name": "Worker co-operatives", "colour": "#224466"}),
        ("set_participant", {"participant_id": people[2]["participant"]["id"], "stays_seated": True}),
        ("start_round", {}),
        ("announce", {"text": "Welcome! Find your table."}),
        ("start_round", {}),
        ("extend", {"seconds": -60}),
        ("add_topic", {"name": "Community Land Trusts", "tables": 2, "capacity": 5}),
        ("set_participant", {"participant_id": people[3]["participant"]["id"], "left": True}),
        ("pause", {}),
        ("resume", {}),
        ("end_round", {}),
    ]
    for command, payload in steps:
        ok(facilitator.emit(command, payload, callback=True))
    late = join("Late arrival")
    connect({"cafe": cafe.code, "role": "phone", "token": late["token"]})
    ok(
        facilitator.emit(
            "move_participant", {"participant_id": late["participant"]["id"], "table_id": table_ids[5]}, callback=True
        )
    )
    ok(facilitator.emit("start_harvest", {}, callback=True))
    received = events_of(watcher)
    types = {e["type"] for e in received}
    assert {
        "seats_assigned",
        "participant_seated",
        "move_started",
        "round_started",
        "round_paused",
        "round_resumed",
        "round_extended",
        "harvest_started",
        "topic_added",
        "table_added",
        "table_updated",
        "announcement_made",
        "participant_left",
        "participant_updated",
        "cafe_updated",
        "topic_updated",
    } <= types
    assert apply_events(before, received) == state_of(watcher)


@pytest.mark.parametrize("huge", [2**53, -(2**63), 10**30])
def test_an_id_beyond_safe_integers_is_refused_not_a_server_fault(facilitator: SocketIOTestClient, huge: int) -> None:
    ack = facilitator.emit("update_table", {"table_id": huge}, callback=True)
    assert ack["ok"] is False and ack["error"]["kind"] == "bad_payload", ack
    assert "out of range" in ack["error"]["message"]
    assert facilitator.emit("clock", {"t0": 1}, callback=True)["ok"]
