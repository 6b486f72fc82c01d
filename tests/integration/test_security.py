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

from cafe import runtime
from tests.conftest import CafeHandle, socket_client, state_of

Connect = Callable[[dict[str, Any]], SocketIOTestClient]


def ok(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack["ok"], ack
    return ack


def test_a_thousand_wrong_codes_a_minute_are_refused_after_a_few_dozen(
        client: FlaskClient, cafe: CafeHandle) -> None:
    statuses = [client.get(f"/j/ZZZ{i:03d}").status_code for i in range(1000)]
    assert statuses[:30] == [404] * 30
    assert set(statuses[30:]) == {429}
    print(f"wrong codes: {statuses.count(404)} answered, {statuses.count(429)} refused of 1000")
    # The whole address waits, even for a right code; another address is not affected.
    assert client.get(f"/j/{cafe.code}").status_code == 429
    other = client.get(f"/j/{cafe.code}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200


def test_wrong_codes_over_the_socket_count_too(app: Flask, client: FlaskClient,
                                               cafe: CafeHandle) -> None:
    for i in range(30):
        assert not socket_client(app, client, {"cafe": f"ZZ{i:04d}", "role": "board"}).is_connected()
    assert not socket_client(app, client, {"cafe": cafe.code, "role": "board"}).is_connected()
    assert client.get(f"/j/{cafe.code}").status_code == 429


def test_guessing_a_facilitator_link_is_throttled_per_cafe(app: Flask, client: FlaskClient,
                                                          cafe: CafeHandle) -> None:
    for i in range(60):
        # As if from many addresses: only the café's own counter keeps counting.
        runtime(app).guard.wrong_by_address.failures.clear()
        sock = socket_client(app, client, {"cafe": cafe.code, "role": "facilitator",
                                           "secret": f"guess-{i}"})
        assert not sock.is_connected()
    runtime(app).guard.wrong_by_address.failures.clear()
    right = socket_client(app, client, {"cafe": cafe.code, "role": "facilitator", "secret": cafe.secret})
    assert not right.is_connected()


def test_a_locked_cafe_takes_nobody_new_and_a_passcode_is_checked(
        client: FlaskClient, cafe: CafeHandle, facilitator: SocketIOTestClient) -> None:
    url = f"/api/cafes/{cafe.code}/participants"
    ok(facilitator.emit("update_cafe", {"settings": {"locked": True}}, callback=True))
    refused = client.post(url, json={"name": "Ana"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "cafe_locked"
    ok(facilitator.emit("update_cafe", {"settings": {"locked": False, "passcode": "4821"}},
                        callback=True))
    assert client.post(url, json={"name": "Ana"}).get_json()["error"]["code"] == "passcode_required"
    assert client.post(url, json={"name": "Ana", "passcode": "1111"}).get_json()["error"]["code"] \
        == "wrong_passcode"
    assert client.post(url, json={"name": "Ana", "passcode": " 4821 "}).status_code == 201
    bad = facilitator.emit("update_cafe", {"settings": {"passcode": "12ab"}}, callback=True)
    assert "4 to 8 digits" in bad["error"]["message"]


def test_wrong_passcodes_are_throttled(client: FlaskClient, cafe: CafeHandle,
                                       facilitator: SocketIOTestClient) -> None:
    ok(facilitator.emit("update_cafe", {"settings": {"passcode": "4821"}}, callback=True))
    url = f"/api/cafes/{cafe.code}/participants"
    codes = [client.post(url, json={"name": "A", "passcode": f"{i:04d}"},
                         environ_base={"REMOTE_ADDR": f"10.0.{i // 200}.{i % 200}"}).get_json()["error"]["code"]
             for i in range(70)]
    assert codes.count("wrong_passcode") == 60 and codes[-1] == "throttled"


def test_the_passcode_never_reaches_a_phone_or_the_board(
        facilitator: SocketIOTestClient, board: SocketIOTestClient, phone: SocketIOTestClient) -> None:
    for sock in (board, phone):
        sock.get_received()
    ok(facilitator.emit("update_cafe", {"settings": {"passcode": "48213"}}, callback=True))
    for sock in (board, phone):
        assert "48213" not in json.dumps(sock.get_received())
        assert "48213" not in json.dumps(state_of(sock))
        assert "48213" not in json.dumps(sock.emit("sync", {"since": 0}, callback=True))
    assert state_of(facilitator)["cafe"]["settings"]["passcode"] == "48213"


def test_a_rotated_facilitator_link_ends_the_old_ones_rights(
        connect: Connect, cafe: CafeHandle, facilitator: SocketIOTestClient) -> None:
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


def test_one_address_cannot_hold_unlimited_sockets(app: Flask, client: FlaskClient,
                                                   cafe: CafeHandle) -> None:
    runtime(app).guard.connections_per_address = 3
    socks = [socket_client(app, client, {"cafe": cafe.code, "role": "board"}) for _ in range(4)]
    assert [s.is_connected() for s in socks] == [True, True, True, False]
    socks[0].disconnect()
    assert socket_client(app, client, {"cafe": cafe.code, "role": "board"}).is_connected()


def test_tokens_secrets_and_contacts_never_reach_the_logs(
        caplog: pytest.LogCaptureFixture, client: FlaskClient, cafe: CafeHandle,
        facilitator: SocketIOTestClient, connect: Connect, join: Callable[..., Any]) -> None:
    caplog.set_level(logging.DEBUG)
    joined = join("Ana")
    phone = connect({"cafe": cafe.code, "role": "phone", "token": joined["token"]})
    ok(facilitator.emit("start_round", {}, callback=True))
    topic = state_of(facilitator)["topics"][0]["id"]
    ok(phone.emit("sign_up", {"topic_id": topic, "contact": "ana@example.org"}, callback=True))
    phone.emit("add_note", {"id": str(uuid.uuid4()), "table_id": 1, "round": 99, "text": "x"},
               callback=True)
    client.get(f"/f/{cafe.code}/export/cafe.json", headers={"Authorization": f"Bearer {cafe.secret}"})
    logged = caplog.text
    for secret in (joined["token"], cafe.secret, "ana@example.org"):
        assert secret not in logged
