"""The server owns the clock: a crash mid-round changes nothing, phones resync by themselves."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server import LiveClient, Server

pytestmark = pytest.mark.server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """`run.py --demo` on its own database and port."""
    srv = Server(tmp_path).start()
    yield srv
    srv.stop()


def ok(ack: dict[str, Any]) -> dict[str, Any]:
    assert ack["ok"], ack
    return ack


def test_a_round_ends_on_its_original_deadline_after_a_kill_9_and_phones_resync(server: Server) -> None:
    facilitator = LiveClient(server, {"cafe": server.code, "role": "facilitator", "secret": server.secret}).connect()
    tokens = [server.join(f"P{i}")["token"] for i in range(6)]
    phones = [LiveClient(server, {"cafe": server.code, "role": "phone", "token": t}).connect() for t in tokens]
    ok(
        facilitator.call(
            "set_rounds",
            {
                "rounds": [
                    {"question": "What works?", "discuss_seconds": 60, "move_seconds": 10},
                    {"question": "What next?", "discuss_seconds": 60, "move_seconds": 10},
                ]
            },
        )
    )
    ok(facilitator.call("start_round", {}))
    ok(facilitator.call("start_round", {}))  # discussion starts now
    ok(facilitator.call("extend", {"seconds": -52}))  # about 8 seconds left
    deadline = facilitator.state()["cafe"]["ends_at_ms"]
    seq_before = phones[0].state()["seq"]

    server.kill()  # kill -9 mid-round
    time.sleep(1)
    server.start()  # the same database, a new process

    # Nobody tells the server when the round ends: the deadline in the database does.
    def round_two_moving(evs: list[dict[str, Any]]) -> bool:
        return any(e["type"] == "move_started" and e["data"]["clock"]["current_round"] == 2 for e in evs)

    for phone in phones:
        phone.wait_for(round_two_moving, timeout=30)
    late = max(0.0, time.time() * 1000 - deadline)
    assert late < 15_000
    ended = facilitator.state()
    assert ended["cafe"]["current_round"] == 2 and ended["cafe"]["phase"] == "move"
    # The move began within a second of the original deadline (the event's server time).
    move_started = next(
        e for e in phones[0].events if e["type"] == "move_started" and e["data"]["clock"]["current_round"] == 2
    )
    assert abs(move_started["at"] - deadline) <= 1000, (move_started["at"], deadline)
    # Every phone resynced by itself and holds the same seats as the server.
    for phone in phones:
        state = phone.state()
        assert state["seq"] >= seq_before
        assert str(state["me"]["id"]) in state["seating"]["seats"]
        phone.close()
    facilitator.close()
