"""A table asks for help: the facilitator or an interpreter. The queue is on the panel (and the
door screen), the table's phones learn that someone is on the way, and the request goes when done."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_socketio import SocketIOTestClient

from cafe.events import apply_event
from tests.conftest import CafeHandle, events_of, state_of

Connect = Callable[[dict[str, Any]], SocketIOTestClient]
Join = Callable[..., dict[str, Any]]


def seated(facilitator: SocketIOTestClient, connect: Connect, cafe: CafeHandle, join: Join) -> dict[str, Any]:
    """Three people in three languages, round 1 started; each one's phone and table."""
    tokens = {
        name: join(name, languages=[lang])["token"] for name, lang in (("Rosa", "es"), ("Wilner", "ht"), ("Mei", "zh"))
    }
    phones = {
        name: connect({"cafe": cafe.code, "role": "phone", "token": tok, "lang": "es"}) for name, tok in tokens.items()
    }
    assert facilitator.emit("start_round", {}, callback=True)["ok"]
    state = state_of(facilitator)
    ids = {p["name"]: p["id"] for p in state["participants"]}
    seats = state["seating"]["seats"]
    return {"phones": phones, "table": {name: seats[str(ids[name])] for name in ids}}


def test_a_table_asks_for_an_interpreter_someone_comes_and_it_is_closed(
    facilitator: SocketIOTestClient, board: SocketIOTestClient, connect: Connect, cafe: CafeHandle, join: Join
) -> None:
    room = seated(facilitator, connect, cafe, join)
    wilner, table = room["phones"]["Wilner"], room["table"]["Wilner"]
    olds = {"facilitator": state_of(facilitator), "board": state_of(board), "phone": state_of(wilner)}
    events_of(facilitator)

    ack = wilner.emit("ask_help", {"table_id": table, "need": "interpreter", "language": "Kreyòl"}, callback=True)
    assert ack["ok"] and ack["seq"], ack
    [asked] = [e for e in events_of(facilitator) if e["type"] == "help_requested"]
    request = asked["data"]["help"]
    assert request | {"asked_at": 0} == {
        "id": request["id"],
        "table_id": table,
        "need": "interpreter",
        "language": "ht",
        "status": "open",
        "asked_at": 0,
        "acknowledged_at": None,
    }
    # Asked again while open: the same request, no new event.
    again = wilner.emit("ask_help", {"table_id": table, "need": "interpreter", "language": "ht"}, callback=True)
    assert again == {"ok": True, "seq": None}
    # A second need of the same table is a second request.
    assert wilner.emit("ask_help", {"table_id": table, "need": "facilitator"}, callback=True)["seq"]
    assert [h["need"] for h in state_of(facilitator)["help"]] == ["interpreter", "facilitator"]

    assert facilitator.emit("acknowledge_help", {"help_id": request["id"]}, callback=True)["ok"]
    phone_help = state_of(wilner)["help"]
    assert phone_help[0]["status"] == "on_the_way" and phone_help[0]["acknowledged_at"]
    assert facilitator.emit("close_help", {"help_id": request["id"]}, callback=True)["ok"]
    assert [h["need"] for h in state_of(board)["help"]] == ["facilitator"]
    assert facilitator.emit("close_help", {"help_id": request["id"]}, callback=True)["seq"] is None

    # Every role's old snapshot plus the events equals a fresh one.
    for role, sock in (("facilitator", facilitator), ("board", board), ("phone", wilner)):
        old = olds[role]
        missed = sock.emit("sync", {"since": old["seq"]}, callback=True)["events"]
        for event in missed:
            old = apply_event(old, event)
        fresh = state_of(sock)
        assert old == fresh, role


def test_help_is_asked_only_for_ones_own_table_and_refused_in_the_phones_words(
    facilitator: SocketIOTestClient, connect: Connect, cafe: CafeHandle, join: Join
) -> None:
    room = seated(facilitator, connect, cafe, join)
    rosa = room["phones"]["Rosa"]
    elsewhere = next(t for t in range(1, 15) if t != room["table"]["Rosa"])
    no = rosa.emit("ask_help", {"table_id": elsewhere, "need": "facilitator"}, callback=True)
    assert no["ok"] is False and no["error"]["code"] == "help_own_table"
    assert no["error"]["message"] == "Pide ayuda para la mesa en la que estás sentado."
    bad = rosa.emit("ask_help", {"table_id": room["table"]["Rosa"], "need": "coffee"}, callback=True)
    assert bad["error"]["code"] == "help_need"
    gone = rosa.emit("ask_help", {"table_id": 99999, "need": "facilitator"}, callback=True)
    assert gone["error"]["code"] == "table_not_found"
    assert facilitator.emit("acknowledge_help", {"help_id": 424242}, callback=True)["error"]["code"] == "help_not_found"
    # A phone cannot work the queue.
    assert rosa.emit("close_help", {"help_id": 1}, callback=True)["error"]["code"] == "facilitator_only"
    assert state_of(facilitator)["help"] == []
