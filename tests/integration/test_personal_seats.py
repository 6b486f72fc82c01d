"""Seats are personal on phones: each phone hears its own seat, the board hears everyone's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_socketio import SocketIOTestClient

from cafe.events import apply_events
from tests.conftest import CafeHandle, events_of, state_of

Connect = Callable[[dict[str, Any]], SocketIOTestClient]


def seats_events(sock: SocketIOTestClient) -> list[dict[str, Any]]:
    return [e for e in events_of(sock) if e["type"] == "seats_assigned"]


def test_each_phone_receives_only_its_own_seat_and_the_board_everyones(
    facilitator: SocketIOTestClient,
    board: SocketIOTestClient,
    phone: SocketIOTestClient,
    connect: Connect,
    join: Callable[..., Any],
    cafe: CafeHandle,
) -> None:
    other = join("Bea")
    other_phone = connect({"cafe": cafe.code, "role": "phone", "token": other["token"]})
    for i in range(8):
        join(f"P{i}")
    for sock in (board, phone, other_phone):
        sock.get_received()
    assert facilitator.emit("start_round", {}, callback=True)["ok"]

    everyone = seats_events(board)[0]["data"]["seats"]
    assert len(everyone) == 10
    mine = seats_events(phone)
    theirs = seats_events(other_phone)
    me, them = str(phone.participant["id"]), str(other["participant"]["id"])  # type: ignore[attr-defined]
    assert [e["data"]["seats"] for e in mine] == [{me: everyone[me]}]
    assert [e["data"]["seats"] for e in theirs] == [{them: everyone[them]}]
    assert mine[0]["seq"] == theirs[0]["seq"] == seats_events_seq(board)


def seats_events_seq(board: SocketIOTestClient) -> int:
    state = state_of(board)
    return int(state["seq"]) - 1  # seats_assigned is followed by move_started


def test_a_phones_snapshot_holds_its_own_seat_only(
    facilitator: SocketIOTestClient, phone: SocketIOTestClient, join: Callable[..., Any]
) -> None:
    for i in range(5):
        join(f"P{i}")
    assert facilitator.emit("start_round", {}, callback=True)["ok"]
    seating = state_of(phone)["seating"]
    assert list(seating["seats"]) == [str(phone.participant["id"])]  # type: ignore[attr-defined]
    assert len(state_of(facilitator)["seating"]["seats"]) == 6


def test_a_phone_that_kept_up_with_moves_equals_a_fresh_snapshot(
    facilitator: SocketIOTestClient, phone: SocketIOTestClient, join: Callable[..., Any]
) -> None:
    others = [join(f"P{i}") for i in range(5)]
    before = state_of(phone)
    assert facilitator.emit("start_round", {}, callback=True)["ok"]
    tables = [t["id"] for t in state_of(facilitator)["tables"]]
    seats = state_of(facilitator)["seating"]["seats"]
    # The facilitator moves someone else, then this phone's participant.
    for pid in (others[0]["participant"]["id"], phone.participant["id"]):  # type: ignore[attr-defined]
        target = next(t for t in tables if t != seats[str(pid)])
        ack = facilitator.emit("move_participant", {"participant_id": pid, "table_id": target}, callback=True)
        assert ack["ok"], ack
    after = apply_events(before, events_of(phone))
    assert after == state_of(phone)


def test_a_phone_left_out_of_the_seats_gets_the_event_in_its_replay(
    facilitator: SocketIOTestClient, connect: Connect, join: Callable[..., Any], cafe: CafeHandle
) -> None:
    gone = join("Gone")
    sock = connect({"cafe": cafe.code, "role": "phone", "token": gone["token"]})
    join("Stays")
    before = state_of(sock)
    ack = facilitator.emit(
        "set_participant", {"participant_id": gone["participant"]["id"], "left": True}, callback=True
    )
    assert ack["ok"], ack
    assert facilitator.emit("start_round", {}, callback=True)["ok"]
    live = events_of(sock)
    assert "seats_assigned" not in [e["type"] for e in live]  # not addressed to this phone
    replay = sock.emit("sync", {"since": before["seq"]}, callback=True)
    seated = [e for e in replay["events"] if e["type"] == "seats_assigned"]
    assert [e["data"] for e in seated] == [{"round": 1, "seats": {}}]
