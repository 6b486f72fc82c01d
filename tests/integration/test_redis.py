"""Two real server processes fanning out through Redis: an event made in one reaches the other."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from tests.server import LiveClient, Server

pytestmark = [pytest.mark.redis, pytest.mark.server]


def test_a_join_on_one_process_reaches_a_board_on_another_through_redis(tmp_path: Path) -> None:
    redis_url = os.environ.get("CAFE_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("set CAFE_TEST_REDIS_URL to run the Redis tests")
    env = {"CAFE_MESSAGE_QUEUE": redis_url, "CAFE_QUEUE_CHANNEL": f"cafe-test-{secrets.token_hex(4)}"}
    first = Server(tmp_path, env=env).start()
    second = Server(tmp_path, env=env).start()
    try:
        assert first.code == second.code, "both processes serve the same café"
        board = LiveClient(second, {"cafe": second.code, "role": "board"}).connect()
        seq = board.state()["seq"]
        joined = first.join("Ana")
        phone = LiveClient(first, {"cafe": first.code, "role": "phone", "token": joined["token"]}).connect()
        events = board.wait_for(lambda evs: any(e["type"] == "participant_connected" for e in evs))
        assert [e["seq"] for e in events] == list(range(seq + 1, seq + 1 + len(events)))
        assert events[-1]["data"]["counts"]["present"] == 1
        phone.close()
        board.close()
    finally:
        first.stop()
        second.stop()
