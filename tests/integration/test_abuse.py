"""Inputs nobody types on purpose, what deleting leaves on disk, and what the board may learn."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from cafe.app import runtime
from cafe.db import make_engine
from tests.conftest import CafeHandle, events_of, state_of
from tests.server import Server

Join = Callable[..., dict[str, Any]]
LONE = "caf\ud800"
DEEP = 20_000


def deep_json(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def seated_note_table(facilitator: SocketIOTestClient, phone: SocketIOTestClient, join: Join) -> int:
    for i in range(4):
        join(f"P{i}")
    for command in ("start_round", "start_round"):
        assert facilitator.emit(command, {}, callback=True)["ok"]
    return int(state_of(facilitator)["seating"]["seats"][str(phone.participant["id"])])  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- lone surrogates


def test_a_lone_surrogate_in_a_join_name_is_a_clear_refusal_not_a_crash(
    client: FlaskClient, cafe: CafeHandle, caplog: pytest.LogCaptureFixture
) -> None:
    for field in ("name", "organisation"):
        body = {"name": "Ana", field: LONE}
        response = client.post(f"/api/cafes/{cafe.code}/participants", json=body)
        assert response.status_code == 400, field
        assert response.get_json()["error"]["kind"] == "bad_payload"
    response = client.post(f"/api/cafes/{cafe.code}/participants", json={"name": "Ana", "languages": [LONE]})
    assert response.status_code == 400
    assert "Traceback" not in caplog.text


def test_a_lone_surrogate_in_a_note_an_announcement_or_a_sign_up_is_refused(
    facilitator: SocketIOTestClient, phone: SocketIOTestClient, join: Join, caplog: pytest.LogCaptureFixture
) -> None:
    table = seated_note_table(facilitator, phone, join)
    seq = state_of(facilitator)["seq"]
    refusals = [
        phone.emit(
            "add_note",
            {"id": "6f1c0b3e-2f6e-4a7e-9a51-0a5d7b0c1d2e", "table_id": table, "round": 1, "text": LONE},
            callback=True,
        ),
        facilitator.emit("announce", {"text": LONE}, callback=True),
        phone.emit("sign_up", {"topic_id": state_of(phone)["topics"][0]["id"], "name": LONE}, callback=True),
        facilitator.emit("add_topic", {"name": LONE}, callback=True),
        facilitator.emit(
            "set_participant",
            {
                "participant_id": phone.participant["id"],  # type: ignore[attr-defined]
                "languages": [LONE],
            },
            callback=True,
        ),
    ]
    for ack in refusals:
        assert ack["ok"] is False and ack["error"]["kind"] == "bad_payload", ack
    assert state_of(facilitator)["seq"] == seq
    assert "Traceback" not in caplog.text and "internal" not in caplog.text


# --------------------------------------------------------------------------- absurd nesting


def test_json_nested_twenty_thousand_deep_gets_bad_payload_over_http(
    client: FlaskClient, cafe: CafeHandle, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.post(f"/api/cafes/{cafe.code}/participants", data=deep_json(), content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["kind"] == "bad_payload"
    # The other JSON the server reads: an imported café file.
    for content in (
        deep_json(),
        '{"format": "world-cafe-live/1", "topics": ' + deep_json() + "}",
        '{"format": "world-cafe-live-template/1", "title": "x\\ud800", "topics": []}',
    ):
        response = client.post(
            "/cafes/from-file",
            content_type="multipart/form-data",
            data={"file": (io.BytesIO(content.encode()), "cafe.json")},
        )
        assert response.status_code == 400, content[:40]
        assert "World Café" in response.get_data(as_text=True) or "not text" in response.get_data(as_text=True)
    assert "Traceback" not in caplog.text


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    # Command limits out of the way: each payload here must reach its handler, not the throttle.
    srv = Server(tmp_path, env={"CAFE_COMMANDS_PER_SECOND": "1000", "CAFE_COMMAND_BURST": "1000"}).start()
    yield srv
    srv.stop()


class RawSocket:
    """Engine.IO v4 / Socket.IO v5 spoken by hand over a websocket: packets no library would send."""

    def __init__(self, srv: Server, auth: dict[str, Any]) -> None:
        url = f"ws://127.0.0.1:{srv.port}/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(url, origin=srv.url, timeout=10)
        assert self.ws.recv().startswith("0")
        self.ws.send("40" + json.dumps(auth))
        self.sid = self.expect(lambda m: m.startswith("40"))

    def expect(self, wanted: Callable[[str], bool]) -> str:
        while True:
            message = self.ws.recv()
            if message == "2":
                self.ws.send("3")  # answer the server's ping
                continue
            if wanted(message):
                return message

    def call(self, ack_id: int, raw: str) -> Any:
        """Send `42<id>[...]` as given; return the ack's payload."""
        self.ws.send(f"42{ack_id}{raw}")
        answer = self.expect(lambda m: m.startswith(f"43{ack_id}["))
        return json.loads(answer[len(f"43{ack_id}") :])[0]


def test_absurd_nesting_and_lone_surrogates_get_bad_payload_from_every_command_on_a_socket(server: Server) -> None:
    from tests.integration.test_fuzz import COMMANDS

    token = server.join("Fuzz")["token"]
    sockets = {
        "facilitator": RawSocket(server, {"cafe": server.code, "role": "facilitator", "secret": server.secret}),
        "phone": RawSocket(server, {"cafe": server.code, "role": "phone", "token": token}),
        "board": RawSocket(server, {"cafe": server.code, "role": "board"}),
    }
    # A lone surrogate written as JSON escapes: valid JSON, not valid text.
    lone = '"\\ud800x"'
    try:
        ack_id = 0
        for name, (role, fields) in sorted(COMMANDS.items()):
            if name in ("delete_cafe", "rotate_facilitator_link"):
                continue  # they would end the test's own café or link, not what is tested here
            payloads = [deep_json()] + ["{" + f'"{field}":{lone}' + "}" for field in fields]
            for payload in payloads:
                ack_id += 1
                ack = sockets[role].call(ack_id, f'["{name}",{payload}]')
                assert ack["ok"] is False, (name, payload[:40], ack)
                assert ack["error"]["code"] not in ("internal", "rate_limited"), (name, payload[:40], ack)
        # Every connection is still up, and a sensible command still works.
        for sock in sockets.values():
            ack_id += 1
            clock_ack = sock.call(ack_id, '["clock",{"t0":1}]')
            assert clock_ack["ok"] is True, clock_ack
    finally:
        for sock in sockets.values():
            sock.ws.close()
    log = server.log()
    assert "Traceback" not in log and "failed" not in log


# --------------------------------------------------------------------------- what deleting leaves


def test_deleting_a_cafe_leaves_none_of_its_words_in_the_sqlite_files(
    app: Flask, cafe: CafeHandle, facilitator: SocketIOTestClient, phone: SocketIOTestClient, join: Join
) -> None:
    table = seated_note_table(facilitator, phone, join)
    marker = "MARKER-erase-me-7f3a"
    ack = phone.emit(
        "add_note",
        {"id": "1d4a7c2b-7e2f-4c6d-8b9a-3e5f6a7b8c9d", "table_id": table, "round": 1, "text": marker},
        callback=True,
    )
    assert ack["ok"]
    path = Path(str(runtime(app).db.engine.url.database))
    assert any(marker.encode() in p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert facilitator.emit("delete_cafe", {"confirm": cafe.code}, callback=True)["ok"]
    for file in path.parent.glob(path.name + "*"):
        assert marker.encode() not in file.read_bytes(), file.name


def test_the_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "cafe.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x)")
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        connection.commit()
    engine.dispose()
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    for file in path.parent.glob("cafe.db*"):
        assert stat.S_IMODE(os.stat(file).st_mode) == 0o600, file.name


# --------------------------------------------------------------------------- what the board learns


def test_nobody_but_the_voter_and_the_facilitator_learns_who_gave_a_dot(
    facilitator: SocketIOTestClient,
    phone: SocketIOTestClient,
    board: SocketIOTestClient,
    connect: Callable[[dict[str, Any]], SocketIOTestClient],
    join: Join,
    cafe: CafeHandle,
) -> None:
    other = connect({"cafe": cafe.code, "role": "phone", "token": join("Bea")["token"]})
    table = seated_note_table(facilitator, phone, join)
    ack = phone.emit(
        "add_note",
        {
            "id": "2e5b8d3c-8f3a-4d7e-9cab-4f6a7b8c9d0e",
            "table_id": table,
            "round": 1,
            "text": "Anonymous idea",
            "anonymous": True,
        },
        callback=True,
    )
    assert ack["ok"]
    for sock in (facilitator, phone, board, other):
        events_of(sock)
    assert phone.emit("vote", {"note_id": ack["note"]["id"]}, callback=True)["ok"]
    voted = {
        name: [e for e in events_of(sock) if e["type"] == "note_voted"]
        for name, sock in (("facilitator", facilitator), ("voter", phone), ("board", board), ("other phone", other))
    }
    me = phone.participant["id"]  # type: ignore[attr-defined]
    assert voted["facilitator"][0]["data"]["participant_id"] == me
    assert voted["voter"][0]["data"]["participant_id"] == me
    for name in ("board", "other phone"):
        assert "participant_id" not in voted[name][0]["data"], name
        assert voted[name][0]["data"]["votes"] == 1
    assert state_of(phone)["my_votes"][0]["note_id"] == ack["note"]["id"]


def test_an_old_phone_snapshot_plus_dots_given_by_others_equals_a_fresh_one(
    facilitator: SocketIOTestClient,
    phone: SocketIOTestClient,
    join: Join,
    cafe: CafeHandle,
    connect: Callable[[dict[str, Any]], SocketIOTestClient],
) -> None:
    from cafe.events import apply_events

    table = seated_note_table(facilitator, phone, join)
    note = phone.emit(
        "add_note",
        {"id": "3f6c9e4d-9a4b-4e8f-8dbc-5a7b8c9d0e1f", "table_id": table, "round": 1, "text": "Dots please"},
        callback=True,
    )["note"]
    others = [connect({"cafe": cafe.code, "role": "phone", "token": join(f"V{i}")["token"]}) for i in range(2)]
    before = state_of(phone)
    events_of(phone)
    assert phone.emit("vote", {"note_id": note["id"]}, callback=True)["ok"]
    for sock in others:
        sock.emit("vote", {"note_id": note["id"]}, callback=True)
    assert apply_events(before, events_of(phone)) == state_of(phone)
    logging.getLogger(__name__).debug("done")


# --------------------------------------------------------------------------- sessions and slow clients


def bare_session(srv: Server, address: str = "127.0.0.1") -> int:
    """An Engine.IO handshake that never sends the Socket.IO connect; the HTTP status."""
    import requests

    response = requests.get(f"{srv.url}/socket.io/?EIO=4&transport=polling", timeout=10, headers={"Origin": srv.url})
    return response.status_code


@pytest.fixture
def tight_server(tmp_path: Path) -> Iterator[Server]:
    """A server that allows 20 sessions per address and 2 s to connect or to send a request."""
    srv = Server(tmp_path, env={"CAFE_CONNECTIONS_PER_ADDRESS": "20", "CAFE_CONNECT_GRACE_SECONDS": "2"}).start()
    yield srv
    srv.stop()


def test_bare_engine_io_sessions_count_against_the_address_and_are_closed_unconnected(tight_server: Server) -> None:
    import time

    import requests

    statuses = [bare_session(tight_server) for _ in range(40)]
    assert statuses.count(200) == 20 and statuses[-1] != 200
    # A normal socket from the same address is refused while the bare ones stand...
    with pytest.raises(Exception):  # noqa: B017 (the refusal surfaces as the client library's error)
        RawSocket(tight_server, {"cafe": tight_server.code, "role": "board"})
    # ...and once they are closed for never connecting, the address works again.
    time.sleep(4)
    raw = RawSocket(tight_server, {"cafe": tight_server.code, "role": "board"})
    raw.ws.close()
    assert requests.get(f"{tight_server.url}/healthz", timeout=5).ok


def test_a_client_that_sends_its_request_too_slowly_is_cut_off(tight_server: Server) -> None:
    import socket
    import time

    slow = []
    for _ in range(20):
        sock = socket.create_connection(("127.0.0.1", tight_server.port), timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # ...and the rest never comes
        slow.append(sock)
    time.sleep(3.5)
    closed = 0
    for sock in slow:
        sock.settimeout(2)
        try:
            while sock.recv(1024):  # a 400 may come first; then the server hangs up
                pass
            closed += 1
        except OSError:
            pass  # still open after all that time: not cut off
        sock.close()
    assert closed == 20
