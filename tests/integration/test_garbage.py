"""What a server process leaves to the garbage collector (realtime.route_socket_path): a socket
command leaves next to no cycles behind."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from flask_socketio import SocketIOTestClient

from tests.conftest import CafeHandle


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
