"""What a server process leaves to the garbage collector (cafe/collector.py, realtime.route_socket_path):
a socket command leaves next to no cycles behind, and a real server keeps serving its phones
through its own full collections."""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask_socketio import SocketIOTestClient

from tests.conftest import CafeHandle
from tests.server import LiveClient, Server, close_all


def test_a_socket_command_leaves_next_to_no_cyclic_garbage(
    connect: Callable[[dict[str, Any]], SocketIOTestClient],
    cafe: CafeHandle,
    join: Callable[..., dict[str, Any]],
) -> None:
    # A thin room in three scripts: two phones and the panel, each asking for its state.
    phones = [connect({"cafe": cafe.code, "role": "phone", "token": join(name)["token"]}) for name in ("李华", "Jèrôm")]
    panel = connect({"cafe": cafe.code, "role": "facilitator", "secret": cafe.secret})
    socks = [*phones, panel]
    for sock in socks:  # warm: first-use caches are not garbage
        assert sock.emit("sync", {"since": None}, callback=True)["ok"]
    gc.collect()
    gc.disable()
    try:
        commands = 0
        for _ in range(10):
            for sock in socks:
                assert sock.emit("sync", {"since": None}, callback=True)["ok"]
                commands += 1
        freed = gc.collect()
    finally:
        gc.enable()
    # Before the socket path had a route, each command left a NotFound whose traceback held the
    # request context in a cycle: ~50 objects a command. What is left is a Werkzeug closure (5).
    assert freed / commands < 15, f"{freed} cyclic objects for {commands} commands"


def test_a_server_keeps_serving_through_its_own_full_collections(tmp_path: Path) -> None:
    server = Server(tmp_path, env={"CAFE_GC_FULL_SECONDS": "0.3"}).start()
    clients: list[LiveClient] = []
    try:
        assert re.search(r"garbage collection: \d+ objects frozen, full collections every 0.3 s", server.log())
        board = LiveClient(server, {"cafe": server.code, "role": "board"}).connect()
        clients.append(board)
        early = server.join("Lucía")
        clients.append(LiveClient(server, {"cafe": server.code, "role": "phone", "token": early["token"]}).connect())

        def collections() -> int:
            return len(re.findall(r"full garbage collection: \d+ objects freed in \d+ ms", server.log()))

        deadline = time.monotonic() + 10
        while collections() < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert collections() >= 2
        # Someone arriving late, between collections, is seen by the board at once.
        late = server.join("社区 Kooperativ")
        clients.append(LiveClient(server, {"cafe": server.code, "role": "phone", "token": late["token"]}).connect())
        board.wait_for(
            lambda events: any(e["data"].get("participant", {}).get("name") == "社区 Kooperativ" for e in events)
        )
        assert "Traceback" not in server.log()
    finally:
        close_all(clients)
        server.stop()
