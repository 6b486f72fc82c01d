"""Abuse made boring: throttled guessing, locked doors, rotated links, rate limits, caps, privacy."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from cafe.app import runtime
from tests.conftest import CafeHandle, socket_client, state_of

Connect = Callable[[dict[str, Any]], SocketIOTestClient]


def ok(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack["ok"], ack
    return ack


def test_a_thousand_wrong_codes_a_minute_are_refused_after_a_few_dozen(client: FlaskClient, cafe: CafeHandle) -> None:
    statuses = [client.get(f"/j/ZZZ{i:03d}").status_code for i in range(1000)]
    assert statuses[:30] == [404] * 30
    assert set(statuses[30:]) == {429}
    print(f"wrong codes: {statuses.count(404)} answered, {statuses.count(429)} refused of 1000")
    # The whole address waits, even for a right code; another address is not affected.
    assert client.get(f"/j/{cafe.code}").status_code == 429
    other = client.get(f"/j/{cafe.code}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200


def test_wrong_codes_over_the_socket_count_too(app: Flask, client: FlaskClient, cafe: CafeHandle) -> None:
    for i in range(30):
        assert not socket_client(app, client, {"cafe": f"ZZ{i:04d}", "role": "board"}).is_connected()
    assert not socket_client(app, client, {"cafe": cafe.code, "role": "board"}).is_connected()
    assert client.get(f"/j/{cafe.code}").status_code == 429


def connect_from(app: Flask, where: str, auth: dict[str, Any]) -> bool:
    """Open a socket from the address `where`; whether it was accepted (closed again at once)."""
    http = app.test_client()
    http.environ_base["REMOTE_ADDR"] = where
    sock = socket_client(app, http, auth)
    accepted = sock.is_connected()
    if accepted:
        sock.disconnect()
    return accepted


def test_guessing_a_facilitator_link_never_locks_out_the_facilitator(
    app: Flask, client: FlaskClient, cafe: CafeHandle
) -> None:
    guard = runtime(app).guard
    guessers = [f"10.9.0.{i}" for i in range(6)]
    for where in guessers:  # 72 wrong links from six addresses, twelve each
        for i in range(12):
            assert not connect_from(
                app, where, {"cafe": cafe.code, "role": "facilitator", "secret": f"guess-{where}-{i}"}
            )
    # Each guesser slowed itself: past the free tries its next try was put off. (Read from the
    # state, not as time left: on a loaded machine the first wait of 1 s can be over by now.)
    backoff = guard.wrong_by_cafe
    for where in guessers:
        failures, next_try, last = backoff.state[(cafe.code, where)]
        assert failures > backoff.free and next_try > last, where
    # The right link gets in at once: from a clean address, and from a guessing one too.
    right = {"cafe": cafe.code, "role": "facilitator", "secret": cafe.secret}
    for where in ("10.9.9.9", guessers[0]):
        assert connect_from(app, where, right), where
    # So does an export with the right secret; a wrong one from a guesser is refused as throttled.
    for where in ("10.9.9.9", guessers[1]):
        response = client.get(
            f"/f/{cafe.code}/export/template.json",
            environ_base={"REMOTE_ADDR": where},
            headers={"Authorization": f"Bearer {cafe.secret}"},
        )
        assert response.status_code == 200, where
    wrong = client.get(
        f"/f/{cafe.code}/export/template.json",
        environ_base={"REMOTE_ADDR": guessers[1]},
        headers={"Authorization": "Bearer nope"},
    )
    assert wrong.status_code == 429 and wrong.get_json()["error"]["kind"] == "throttled"


def test_each_wrong_link_from_one_address_waits_longer_than_the_last() -> None:
    from cafe.guard import Backoff

    backoff = Backoff(free=3, first_wait=1.0, longest_wait=60.0)
    waits = []
    for i in range(12):
        backoff.fail("key", now=1000.0 + i * 100)
        waits.append(round(backoff.wait("key", now=1000.0 + i * 100), 1))
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    backoff.succeed("key")
    assert backoff.wait("key", now=3000.0) == 0


def test_a_locked_cafe_takes_nobody_new_and_a_passcode_is_checked(
    client: FlaskClient, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    url = f"/api/cafes/{cafe.code}/participants"
    ok(facilitator.emit("update_cafe", {"settings": {"locked": True}}, callback=True))
    refused = client.post(url, json={"name": "Ana"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "cafe_locked"
    ok(facilitator.emit("update_cafe", {"settings": {"locked": False, "passcode": "482193"}}, callback=True))
    assert client.post(url, json={"name": "Ana"}).get_json()["error"]["code"] == "passcode_required"
    assert client.post(url, json={"name": "Ana", "passcode": "111111"}).get_json()["error"]["code"] == "wrong_passcode"
    assert client.post(url, json={"name": "Ana", "passcode": " 482193 "}).status_code == 201
    # Two words said in the room work too, however they are typed.
    ok(facilitator.emit("update_cafe", {"settings": {"passcode": "River Tables"}}, callback=True))
    assert client.post(url, json={"name": "Bea", "passcode": "river-tables"}).status_code == 201
    for bad_code in ("4821", "12ab", "a b", "1" * 13):
        bad = facilitator.emit("update_cafe", {"settings": {"passcode": bad_code}}, callback=True)
        assert "6 to 12 digits" in bad["error"]["message"], bad_code


def test_wrong_passcodes_slow_the_guesser_not_the_room(
    client: FlaskClient, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    ok(facilitator.emit("update_cafe", {"settings": {"passcode": "482193"}}, callback=True))
    url = f"/api/cafes/{cafe.code}/participants"
    guesser = {"REMOTE_ADDR": "10.0.0.66"}
    codes = [
        client.post(url, json={"name": "A", "passcode": f"{i:06d}"}, environ_base=guesser).get_json()["error"]["kind"]
        for i in range(30)
    ]
    assert codes[:10] == ["forbidden"] * 10 and codes[-1] == "throttled"
    # 90 wrong passcodes from three addresses do not keep anyone else out.
    for i in range(90):
        client.post(url, json={"name": "A", "passcode": f"{i:06d}"}, environ_base={"REMOTE_ADDR": f"10.0.1.{i % 3}"})
    right = client.post(url, json={"name": "Rightful", "passcode": "482193"}, environ_base={"REMOTE_ADDR": "10.0.2.1"})
    assert right.status_code == 201


def test_the_passcode_never_reaches_a_phone_or_the_board(
    facilitator: SocketIOTestClient, board: SocketIOTestClient, phone: SocketIOTestClient
) -> None:
    for sock in (board, phone):
        sock.get_received()
    ok(facilitator.emit("update_cafe", {"settings": {"passcode": "482139"}}, callback=True))
    for sock in (board, phone):
        assert "482139" not in json.dumps(sock.get_received())
        assert "482139" not in json.dumps(state_of(sock))
        assert "482139" not in json.dumps(sock.emit("sync", {"since": 0}, callback=True))
    assert state_of(facilitator)["cafe"]["settings"]["passcode"] == "482139"


def test_a_rotated_facilitator_link_ends_the_old_ones_rights(
    connect: Connect, cafe: CafeHandle, facilitator: SocketIOTestClient
) -> None:
    other_panel = connect({"cafe": cafe.code, "role": "facilitator", "secret": cafe.secret})
    ack = ok(facilitator.emit("rotate_facilitator_link", {}, callback=True))
    new_secret = ack["facilitator_url"].split("#", 1)[1]
    assert new_secret != cafe.secret and len(new_secret) >= 22
    refused = other_panel.emit("announce", {"text": "hello"}, callback=True)
    assert refused["error"]["code"] == "link_rotated"
    ok(facilitator.emit("announce", {"text": "still mine"}, callback=True))
    assert not connect({"cafe": cafe.code, "role": "facilitator", "secret": cafe.secret}).is_connected()
    assert connect({"cafe": cafe.code, "role": "facilitator", "secret": new_secret}).is_connected()


def test_a_flood_of_commands_is_slowed_and_the_connection_survives(board: SocketIOTestClient) -> None:
    acks = [board.emit("clock", {"t0": i}, callback=True) for i in range(100)]
    limited = [a for a in acks if not a["ok"]]
    assert limited and limited[0]["error"]["code"] == "rate_limited"
    assert acks[0]["ok"] and board.is_connected()


def test_one_address_cannot_hold_unlimited_sockets(app: Flask, client: FlaskClient, cafe: CafeHandle) -> None:
    runtime(app).guard.connections_per_address = 3
    socks = [socket_client(app, client, {"cafe": cafe.code, "role": "board"}) for _ in range(4)]
    assert [s.is_connected() for s in socks] == [True, True, True, False]
    socks[0].disconnect()
    assert socket_client(app, client, {"cafe": cafe.code, "role": "board"}).is_connected()


def test_tokens_secrets_and_contacts_never_reach_the_logs(
    caplog: pytest.LogCaptureFixture,
    client: FlaskClient,
    cafe: CafeHandle,
    facilitator: SocketIOTestClient,
    connect: Connect,
    join: Callable[..., Any],
) -> None:
    caplog.set_level(logging.DEBUG)
    joined = join("Ana")
    phone = connect({"cafe": cafe.code, "role": "phone", "token": joined["token"]})
    ok(facilitator.emit("start_round", {}, callback=True))
    topic = state_of(facilitator)["topics"][0]["id"]
    ok(phone.emit("sign_up", {"topic_id": topic, "contact": "ana@example.org", "consent": True}, callback=True))
    phone.emit("add_note", {"id": str(uuid.uuid4()), "table_id": 1, "round": 99, "text": "x"}, callback=True)
    client.get(f"/f/{cafe.code}/export/cafe.json", headers={"Authorization": f"Bearer {cafe.secret}"})
    logged = caplog.text
    for secret in (joined["token"], cafe.secret, "ana@example.org"):
        assert secret not in logged


def test_a_join_flood_from_one_address_stops_at_its_budget_while_a_whole_room_behind_one_wifi_gets_in(
    client: FlaskClient, cafe: CafeHandle, app: Flask
) -> None:
    url = f"/api/cafes/{cafe.code}/participants"
    burst = runtime(app).config.join_burst
    # A script: 200 joins at once from one address.
    script = [
        client.post(url, json={"name": f"Bot {i}"}, environ_base={"REMOTE_ADDR": "10.6.6.6"}).status_code
        for i in range(200)
    ]
    assert script.count(201) <= burst + 2 and script[-1] == 429
    print(f"join flood: {script.count(201)} of 200 joins from one address got in (budget {burst})")
    # A venue: a hundred phones behind the Wi-Fi's one address, within the same minute.
    venue = [
        client.post(url, json={"name": f"Phone {i}"}, environ_base={"REMOTE_ADDR": "10.7.7.7"}).status_code
        for i in range(100)
    ]
    assert venue == [201] * 100


def test_the_facilitator_removes_many_at_once_and_can_ask_to_let_people_in(
    client: FlaskClient, cafe: CafeHandle, facilitator: SocketIOTestClient, board: SocketIOTestClient
) -> None:
    url = f"/api/cafes/{cafe.code}/participants"
    bots = [client.post(url, json={"name": f"Bot {i}"}).get_json()["participant"]["id"] for i in range(12)]
    ok(facilitator.emit("remove_participants", {"participant_ids": bots}, callback=True))
    assert state_of(facilitator)["counts"]["joined"] == 0
    # From now on the facilitator lets people in: a newcomer waits, uncounted, unseated.
    ok(facilitator.emit("update_cafe", {"settings": {"approve_joins": True}}, callback=True))
    waiting = client.post(url, json={"name": "Rosa"}).get_json()["participant"]
    assert waiting["admitted"] is False
    assert state_of(board)["counts"]["joined"] == 0
    ok(facilitator.emit("start_round", {}, callback=True))
    assert str(waiting["id"]) not in state_of(facilitator)["seating"]["seats"]
    ok(facilitator.emit("admit_participants", {"participant_ids": [waiting["id"]]}, callback=True))
    state = state_of(facilitator)
    assert state["counts"]["joined"] == 1 and str(waiting["id"]) in state["seating"]["seats"]
    for bad in ([], ["x"], [True], list(range(1, 502))):
        ack = facilitator.emit("remove_participants", {"participant_ids": bad}, callback=True)
        assert not ack["ok"] and ack["error"]["kind"] in ("invalid", "not_found")


def test_a_phone_waiting_to_be_let_in_learns_it_is_in_and_keeps_up(
    client: FlaskClient, cafe: CafeHandle, facilitator: SocketIOTestClient, connect: Connect
) -> None:
    from cafe.events import apply_events

    ok(facilitator.emit("update_cafe", {"settings": {"approve_joins": True}}, callback=True))
    joined = client.post(f"/api/cafes/{cafe.code}/participants", json={"name": "Rosa"}).get_json()
    phone = connect({"cafe": cafe.code, "role": "phone", "token": joined["token"]})
    before = state_of(phone)
    assert before["me"]["admitted"] is False
    phone.get_received()
    ok(facilitator.emit("admit_participants", {"participant_ids": [joined["participant"]["id"]]}, callback=True))
    events = [m["args"][0] for m in phone.get_received() if m["name"] == "event"]
    after = apply_events(before, events)
    assert after["me"]["admitted"] is True and after == state_of(phone)
