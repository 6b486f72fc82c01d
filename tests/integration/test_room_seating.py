"""Seating the room as it is, over the sockets: languages, companions, thin rooms, the plan's words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlalchemy import func, select

from cafe.app import runtime
from cafe.events import apply_events
from cafe.models import Participant
from tests.conftest import CafeHandle, events_of, state_of

Connect = Callable[[dict[str, Any]], SocketIOTestClient]
Join = Callable[..., dict[str, Any]]


def seats_now(facilitator: SocketIOTestClient) -> dict[int, int]:
    return {int(p): t for p, t in state_of(facilitator)["seating"]["seats"].items()}


def tables_in_use(seats: dict[int, int]) -> dict[int, int]:
    used: dict[int, int] = {}
    for table in seats.values():
        used[table] = used.get(table, 0) + 1
    return used


def people_in(app: Flask) -> int:
    with runtime(app).db.reading() as session:
        return int(session.scalar(select(func.count(Participant.id))) or 0)


# --------------------------------------------------------------------------- what a phone states


def test_a_phone_states_its_languages_and_that_it_cannot_move(join: Join, connect: Connect, cafe: CafeHandle) -> None:
    joined = join("Rosa", languages=["es", "Kreyòl"], stays_seated=True, with_companion=True)
    assert joined["participant"]["languages"] == ["es", "ht"]
    assert joined["participant"]["stays_seated"] is True
    assert joined["participant"]["wants_companion"] is True
    me = state_of(connect({"cafe": cafe.code, "role": "phone", "token": joined["token"]}))["me"]
    assert (me["languages"], me["stays_seated"], me["wants_companion"]) == (["es", "ht"], True, True)


def test_a_language_typed_in_words_is_the_same_as_the_ticked_one(join: Join) -> None:
    assert join("Ana", languages=["Spanish", "español", "ES", "Arabic"])["participant"]["languages"] == ["es", "Arabic"]


def test_a_thousand_languages_are_refused_and_nothing_is_written(
    app: Flask, client: FlaskClient, cafe: CafeHandle
) -> None:
    before = people_in(app)
    for languages in (["es"] * 1000, "es", [42], [""], ["x" * 31]):
        response = client.post(f"/api/cafes/{cafe.code}/participants", json={"name": "Ana", "languages": languages})
        assert response.status_code == 400, languages
        error = response.get_json()["error"]
        assert error["kind"] == "invalid" and error["message"]
    assert people_in(app) == before


def test_other_phones_and_the_board_never_hear_anyones_languages_or_access_needs(
    join: Join, phone: SocketIOTestClient, board: SocketIOTestClient, facilitator: SocketIOTestClient
) -> None:
    for sock in (phone, board, facilitator):
        sock.get_received()
    ben = join("Ben", languages=["Lingala"], stays_seated=True)
    ack = facilitator.emit(
        "set_participant", {"participant_id": ben["participant"]["id"], "languages": ["Lingala", "fr"]}, callback=True
    )
    assert ack["ok"], ack
    assert "Lingala" not in repr(events_of(board)) + repr(events_of(phone))
    assert "Lingala" in repr(events_of(facilitator))


def test_a_phone_hears_its_own_details_change_and_keeps_up_with_a_fresh_snapshot(
    phone: SocketIOTestClient, connect: Connect, join: Join, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    other = connect({"cafe": cafe.code, "role": "phone", "token": join("Bea")["token"]})
    mine, theirs = state_of(phone), state_of(other)
    events_of(phone), events_of(other)
    me = phone.participant["id"]  # type: ignore[attr-defined]
    for change in ({"languages": ["pt", "es"]}, {"stays_seated": True}):
        assert facilitator.emit("set_participant", {"participant_id": me, **change}, callback=True)["ok"]
    now_mine = apply_events(mine, events_of(phone))
    assert now_mine == state_of(phone)
    assert now_mine["me"]["languages"] == ["pt", "es"] and now_mine["me"]["stays_seated"]
    assert apply_events(theirs, events_of(other)) == state_of(other)


# --------------------------------------------------------------------------- companions


def test_the_facilitator_links_companions_and_they_sit_together_every_round(
    facilitator: SocketIOTestClient, join: Join
) -> None:
    people = [join(f"P{i}")["participant"]["id"] for i in range(12)]
    ack = facilitator.emit("link_companions", {"participant_ids": [people[3], people[7]]}, callback=True)
    assert ack["ok"], ack
    group = {p["id"]: p["companion_group"] for p in state_of(facilitator)["participants"]}
    assert group[people[3]] == group[people[7]] == people[3]
    assert facilitator.emit("start_round", {}, callback=True)["ok"]
    seats = seats_now(facilitator)
    assert seats[people[3]] == seats[people[7]]


def test_linking_someone_already_in_a_group_brings_the_whole_group(facilitator: SocketIOTestClient, join: Join) -> None:
    a, b, c = (join(n)["participant"]["id"] for n in ("A", "B", "C"))
    assert facilitator.emit("link_companions", {"participant_ids": [a, b]}, callback=True)["ok"]
    assert facilitator.emit("link_companions", {"participant_ids": [c, b]}, callback=True)["ok"]
    groups = {p["id"]: p["companion_group"] for p in state_of(facilitator)["participants"]}
    assert groups[a] == groups[b] == groups[c] == a


def test_bad_companion_links_are_refused_and_change_nothing(
    facilitator: SocketIOTestClient, join: Join, cafe: CafeHandle
) -> None:
    a, b, c, d, e, f = (join(n)["participant"]["id"] for n in "ABCDEF")
    tables = [t["id"] for t in state_of(facilitator)["tables"]]
    assert facilitator.emit("set_host", {"table_id": tables[0], "participant_id": e}, callback=True)["ok"]
    assert facilitator.emit("set_host", {"table_id": tables[1], "participant_id": f}, callback=True)["ok"]
    seq = state_of(facilitator)["seq"]
    refusals = {
        "yourself": [a, a],
        "one person": [a],
        "bigger than a table (5 seats)": [a, b, c, d, e, 10_000],
        "six people": [a, b, c, d, e, f],
        "two hosts": [e, f],
        "not a list": "a,b",
        "not people": [a, "b"],
    }
    for why, ids in refusals.items():
        ack = facilitator.emit("link_companions", {"participant_ids": ids}, callback=True)
        assert not ack["ok"], why
        assert ack["error"]["kind"] in ("invalid", "not_found", "bad_payload"), why
        assert ack["error"]["message"], why
    assert state_of(facilitator)["seq"] == seq


def test_unlinking_one_of_two_ends_the_group(facilitator: SocketIOTestClient, join: Join) -> None:
    a, b = (join(n)["participant"]["id"] for n in ("A", "B"))
    assert facilitator.emit("link_companions", {"participant_ids": [a, b]}, callback=True)["ok"]
    assert facilitator.emit("unlink_companion", {"participant_id": b}, callback=True)["ok"]
    groups = {p["id"]: p["companion_group"] for p in state_of(facilitator)["participants"]}
    assert groups[a] is None and groups[b] is None


def test_a_host_cannot_host_a_table_too_small_for_the_people_they_sit_with(
    facilitator: SocketIOTestClient, join: Join
) -> None:
    ids = [join(n)["participant"]["id"] for n in "ABC"]
    table = state_of(facilitator)["tables"][0]
    assert facilitator.emit("update_table", {"table_id": table["id"], "capacity": 2}, callback=True)["ok"]
    assert facilitator.emit("link_companions", {"participant_ids": ids}, callback=True)["ok"]
    ack = facilitator.emit("set_host", {"table_id": table["id"], "participant_id": ids[0]}, callback=True)
    assert not ack["ok"] and "seats 2" in ack["error"]["message"]


# --------------------------------------------------------------------------- a table is a conversation


def test_the_minimum_table_size_is_a_checked_setting(facilitator: SocketIOTestClient) -> None:
    for bad in (0, 11, "3", True, 2.5):
        ack = facilitator.emit("update_cafe", {"settings": {"min_table_size": bad}}, callback=True)
        assert not ack["ok"] and ack["error"]["kind"] == "invalid", bad
    ack = facilitator.emit("update_cafe", {"settings": {"min_table_size": 4}}, callback=True)
    assert ack["ok"]
    assert state_of(facilitator)["cafe"]["settings"]["min_table_size"] == 4


def test_five_people_in_a_room_set_for_seventy_sit_at_one_table(facilitator: SocketIOTestClient, join: Join) -> None:
    for i in range(5):
        join(f"P{i}")
    assert facilitator.emit("start_round", {}, callback=True)["ok"]
    assert sorted(tables_in_use(seats_now(facilitator)).values()) == [5]


def test_a_latecomer_in_a_thin_room_joins_a_table_already_talking(facilitator: SocketIOTestClient, join: Join) -> None:
    for i in range(7):
        join(f"P{i}")
    assert facilitator.emit("start_round", {}, callback=True)["ok"]
    used = set(tables_in_use(seats_now(facilitator)))
    assert len(used) == 2
    late = join("Late")["participant"]["id"]
    assert seats_now(facilitator)[late] in used


def test_a_spanish_speaker_sits_with_someone_who_speaks_spanish(facilitator: SocketIOTestClient, join: Join) -> None:
    rosa = join("Rosa", languages=["es"])["participant"]["id"]
    luis = join("Luis", languages=["es", "en"])["participant"]["id"]
    for i in range(9):
        join(f"P{i}", languages=["en"])
    assert facilitator.emit("update_cafe", {"settings": {"min_table_size": 2}}, callback=True)["ok"]
    # Round 1, then (the discussion started and ended) round 2.
    for command in ("start_round", "start_round", "end_round"):
        ack = facilitator.emit(command, {}, callback=True)
        assert ack["ok"], ack
        seats = seats_now(facilitator)
        assert seats[rosa] == seats[luis]


# --------------------------------------------------------------------------- the plan in words


def test_the_preview_says_what_the_first_round_will_be_like(facilitator: SocketIOTestClient, join: Join) -> None:
    join("Nadia", languages=["ar"])
    for i in range(7):
        join(f"P{i}")
    ack = facilitator.emit("plan_preview", {}, callback=True)
    assert ack["ok"], ack
    preview = ack["preview"]
    assert preview["round"] == 1 and preview["people"] == 8 and preview["min_table_size"] == 3
    assert preview["tables_used"] == 2 and len(preview["unused_tables"]) == 12
    assert preview["below_minimum"] == [] and preview["companions_split"] == 0
    assert preview["topic_revisits"] == preview["fewest_revisits"] == 0
    misses = preview["language_misses"]
    assert {(m["round"], m["alone"], tuple(m["languages"])) for m in misses} == {
        (r, True, ("ar",)) for r in range(1, 5)
    }


def test_the_preview_comes_from_the_plan_the_click_then_uses(
    app: Flask, facilitator: SocketIOTestClient, join: Join
) -> None:
    for i in range(9):
        join(f"P{i}")
    assert facilitator.emit("plan_preview", {}, callback=True)["ok"]
    computed = runtime(app).planner.computed
    assert facilitator.emit("start_round", {}, callback=True)["ok"]
    assert runtime(app).planner.computed == computed


def test_there_is_nothing_to_preview_during_a_move_or_after_the_rounds(
    facilitator: SocketIOTestClient, join: Join
) -> None:
    join("Ana")
    assert facilitator.emit("start_round", {}, callback=True)["ok"]
    assert facilitator.emit("plan_preview", {}, callback=True) == {"ok": True, "preview": None}


def test_the_preview_is_for_the_facilitator_only(phone: SocketIOTestClient, board: SocketIOTestClient) -> None:
    for sock in (phone, board):
        ack = sock.emit("plan_preview", {}, callback=True)
        assert not ack["ok"] and ack["error"]["kind"] == "forbidden"


def test_the_preview_says_when_seats_are_missing(facilitator: SocketIOTestClient, join: Join) -> None:
    for i in range(71):
        join(f"P{i}")
    ack = facilitator.emit("plan_preview", {}, callback=True)
    assert not ack["ok"] and ack["error"]["code"] == "not_enough_seats"
    assert "(1 short)" in ack["error"]["message"] and ack["error"]["params"]["missing"] == 1
