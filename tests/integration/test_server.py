"""A real `run.py` process (gevent) and python-socketio clients over real websockets."""

import asyncio
import json
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.crowd import run, wait_until
from tests.server import LiveClient, Server
from tests.wire import WS_CHOICE, DeflateWebSocket, Sio, Stats, events_of

pytestmark = pytest.mark.server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """`run.py --demo` on its own database and port."""
    srv = Server(tmp_path).start()
    yield srv
    srv.stop()


def test_the_first_command_prints_a_lan_join_url_a_qr_code_the_board_and_the_facilitator_link(server: Server) -> None:
    out = server.output
    assert server.join_url.startswith("http://") and "/j/" in server.join_url
    host = server.join_url.split("//", 1)[1].split(":", 1)[0]
    assert host not in ("127.0.0.1", "localhost", "0.0.0.0")
    assert f":{server.port}/j/{server.code}" in server.join_url
    assert "█" in out  # the terminal QR code
    assert f"/b/{server.code}" in out
    assert len(server.secret) >= 22


def test_a_phone_joining_a_real_server_shows_up_on_the_board_live(server: Server) -> None:
    board = LiveClient(server, {"cafe": server.code, "role": "board"}).connect()
    before = board.state()
    assert before["counts"] == {"joined": 0, "present": 0}
    joined = server.join("Ana")
    phone = LiveClient(server, {"cafe": server.code, "role": "phone", "token": joined["token"]}).connect()
    events = board.wait_for(lambda evs: any(e["type"] == "participant_connected" for e in evs))
    assert [e["seq"] for e in events] == list(range(before["seq"] + 1, before["seq"] + 1 + len(events)))
    assert events[-1]["data"]["counts"] == {"joined": 1, "present": 1}
    phone.close()
    board.wait_for(lambda evs: evs[-1]["type"] == "participant_disconnected")
    board.close()


def test_the_heartbeat_reaches_clients_with_the_latest_seq(server: Server) -> None:
    board = LiveClient(server, {"cafe": server.code, "role": "board"}).connect()
    seq = board.state()["seq"]
    with board.changed:
        board.changed.wait_for(lambda: bool(board.heartbeats), timeout=5)
    assert board.heartbeats[-1]["seq"] == seq
    board.close()


def test_a_phone_keeps_its_identity_across_a_server_crash_and_restart(server: Server) -> None:
    joined = server.join("Ana", organisation="Worcester Co-op")
    phone = LiveClient(server, {"cafe": server.code, "role": "phone", "token": joined["token"]}).connect()
    me = phone.state()["me"]
    link = server.secret
    server.kill()
    server.start()
    assert server.secret == link, "a restart must not change the facilitator link"
    # The client reconnects by itself with the token it kept; the server knows it.
    state = None
    for _ in range(100):
        if phone.sio.connected:
            try:
                state = phone.state()
                break
            except Exception:  # the socket is still coming back
                pass
        time.sleep(0.1)
    assert state is not None, "the phone did not reconnect"
    assert state["me"]["id"] == me["id"] and state["me"]["name"] == "Ana"
    assert state["counts"]["present"] == 1
    phone.close()


def test_the_opt_in_eventlet_mode_also_serves_a_cafe(tmp_path: Path) -> None:
    pytest.importorskip("eventlet", reason="the [eventlet] extra is not installed")
    server = Server(tmp_path, env={"CAFE_ASYNC_MODE": "eventlet"}).start()
    try:
        assert "(eventlet)" in server.output
        board = LiveClient(server, {"cafe": server.code, "role": "board"}).connect()
        board.state()
        server.join("Ana")
        board.wait_for(lambda evs: any(e["type"] == "participant_joined" for e in evs))
        board.close()
    finally:
        server.stop()


def test_a_socket_from_a_foreign_origin_is_refused(server: Server) -> None:
    import socketio

    foreign = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        foreign.connect(
            server.url,
            auth={"cafe": server.code, "role": "board"},
            headers={"Origin": "http://evil.example"},
            transports=["websocket"],
            wait_timeout=5,
        )
    # The websocket client sends its own origin (the server's): accepted.
    same = LiveClient(server, {"cafe": server.code, "role": "board"}).connect()
    assert same.state()["cafe"]["code"] == server.code
    same.close()


def test_the_server_log_never_shows_a_participant_token(server: Server) -> None:
    joined = server.join("Ana")
    phone = LiveClient(server, {"cafe": server.code, "role": "phone", "token": joined["token"]}).connect()
    phone.state()
    phone.close()
    server.stop()
    log = server.log()
    assert joined["token"] not in log


def test_a_message_over_the_size_limit_is_answered_too_large_and_only_one_past_the_wall_is_dropped(
    server: Server,
) -> None:
    import socketio

    big = socketio.Client(reconnection=False)
    big.connect(server.url, auth={"cafe": server.code, "role": "board"}, transports=["websocket"], wait_timeout=5)
    # Over CAFE_MAX_PAYLOAD_BYTES (64 KB): a clear refusal, unread, and the socket stays.
    ack = big.call("clock", {"t0": 1, "pad": "x" * 200_000}, timeout=10)
    assert ack == {
        "ok": False,
        "error": {
            "code": "too_large",
            "kind": "bad_payload",
            "message": "That is too much to send at once.",
            "params": {},
        },
    }
    assert big.connected and big.call("clock", {"t0": 1}, timeout=10)["ok"]
    # Past the wall (16 times the limit), Engine.IO itself closes the socket; nothing ran.
    ws = big.eio.ws
    answers: list[Any] = []
    big.emit("clock", {"t0": 1, "pad": "x" * 1_100_000}, callback=answers.append)
    deadline = time.monotonic() + 5
    while big.connected and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not big.connected and answers == []
    big.disconnect()
    ws.shutdown()  # the client leaves its side of a websocket the server dropped open
    other = LiveClient(server, {"cafe": server.code, "role": "board"}).connect()
    assert other.call("clock", {"t0": 1})["ok"]
    other.close()


def test_a_second_goodbye_for_a_polling_session_is_refused_plainly_not_with_a_stack_trace(server: Server) -> None:
    # A phone on long-polling (a venue proxy without websockets) says goodbye twice as its page
    # goes: by beacon and by request. Both reach the server before any next poll.
    joined = server.join("李华")
    url = f"{server.url}/socket.io/?EIO=4&transport=polling&cafe={server.code}"
    sid = requests.get(url, timeout=10).text.split('"sid":"')[1].split('"')[0]
    session = f"{url}&sid={sid}"
    auth = "40" + json.dumps({"cafe": server.code, "role": "phone", "token": joined["token"]})
    assert requests.post(session, data=auth.encode(), timeout=10).status_code == 200
    goodbye = {"Content-Type": "text/plain;charset=UTF-8"}
    assert requests.post(session, data=b"1", headers=goodbye, timeout=10).status_code == 200
    assert requests.post(session, data=b"1", headers=goodbye, timeout=10).status_code == 400
    time.sleep(0.3)
    assert "Traceback" not in server.log()


def test_browser_compression_carries_every_event_and_a_deflate_bomb_closes_only_its_own_socket(
    server: Server,
) -> None:
    # Every browser offers permessage-deflate. The board and two phones (one late, names in three
    # scripts) read compressed messages; a third phone sends one small compressed frame that
    # would inflate to 50 MB, and only its own socket is closed.
    seen: list[str] = []

    clients: list[Sio] = []

    async def scenario() -> None:
        try:
            await compressed_room()
        finally:
            await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)

    async def compressed_room() -> None:
        stats = Stats()
        board = Sio(server.url, {"cafe": server.code, "role": "board"}, stats, seen.append)
        clients.append(board)
        await board.connect()
        assert (await board.call("sync", {"since": None}))["ok"]
        assert isinstance(board.ws, DeflateWebSocket) and board.ws.compressed_messages >= 1  # the snapshot
        early = Sio(server.url, auth_of(server, "李华 Kooperativ"), stats, lambda m: None)
        clients.append(early)
        await early.connect()
        bomber = Sio(server.url, auth_of(server, "Mallory"), stats, lambda m: None)
        clients.append(bomber)
        await bomber.connect()
        peak_before = peak_memory_mb(server)
        deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
        bomb = (deflater.compress(b"0" * 50_000_000) + deflater.flush(zlib.Z_SYNC_FLUSH))[:-4]
        # A masked text frame with RSV1 set (a mask of zeros leaves the payload as it is).
        bomber.ws.transport.write(bytes([0xC1, 0xFE]) + len(bomb).to_bytes(2, "big") + b"\0\0\0\0" + bomb)
        await wait_until(lambda: bomber.closed, 10, "the server to close the bombing socket")
        # Not inflated: the server stopped at the socket's limit (inflating it all took 50+ MB).
        assert peak_memory_mb(server) - peak_before < 20
        late = Sio(server.url, auth_of(server, "Jèrôm"), stats, lambda m: None)
        clients.append(late)
        await late.connect()
        await wait_until(lambda: "Jèrôm" in names_seen(), 10, "the board to see the late arrival")
        assert not board.closed and not early.closed
        assert (await early.call("sync", {"since": None}))["ok"]
        assert isinstance(early.ws, DeflateWebSocket) and early.ws.compressed_messages >= 1

    def names_seen() -> set[str]:
        return {
            e["data"]["participant"]["name"] for m in seen for e in events_of(m) if "participant" in e.get("data", {})
        }

    WS_CHOICE[0] = "raw-deflate"
    try:
        run(scenario)
    finally:
        WS_CHOICE[0] = "raw"
    assert {"李华 Kooperativ", "Jèrôm"} <= names_seen()
    assert "Traceback" not in server.log()


def auth_of(server: Server, name: str) -> dict[str, Any]:
    """A phone's connect payload for someone who has just joined the demo café."""
    return {"cafe": server.code, "role": "phone", "token": server.join(name)["token"]}


def peak_memory_mb(server: Server) -> float:
    """The server process's peak resident memory so far (Linux)."""
    assert server.process is not None
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024
