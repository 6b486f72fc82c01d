"""Two real server processes fanning out through Redis: an event made in one reaches the other."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

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


def test_two_processes_racing_advance_an_expired_phase_exactly_once(tmp_path: Path) -> None:
    redis_url = os.environ.get("CAFE_TEST_REDIS_URL")
    pg_base = os.environ.get("CAFE_TEST_DATABASE_URL")
    if not redis_url or not pg_base:
        pytest.skip("set CAFE_TEST_REDIS_URL and CAFE_TEST_DATABASE_URL to run the race test")
    schema = f"cafe_race_{secrets.token_hex(4)}"
    admin = create_engine(pg_base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{pg_base}{'&' if '?' in pg_base else '?'}options=-csearch_path%3D{schema}"
    env = {
        "CAFE_MESSAGE_QUEUE": redis_url,
        "CAFE_QUEUE_CHANNEL": f"cafe-race-{secrets.token_hex(4)}",
        "CAFE_DATABASE_URL": url,
    }
    first = Server(tmp_path, env=env).start()
    second = Server(tmp_path, env=env).start()
    try:
        facilitator = LiveClient(first, {"cafe": first.code, "role": "facilitator", "secret": first.secret}).connect()
        watcher = LiveClient(second, {"cafe": second.code, "role": "board"}).connect()
        watcher.state()
        for i in range(4):
            first.join(f"P{i}")
        assert facilitator.call(
            "set_rounds",
            {
                "rounds": [
                    {"question": "Q1", "discuss_seconds": 60, "move_seconds": 10},
                    {"question": "Q2", "discuss_seconds": 60, "move_seconds": 10},
                ]
            },
        )["ok"]
        assert facilitator.call("start_round", {})["ok"]  # a 10-second move
        watcher.wait_for(lambda evs: any(e["type"] == "round_started" for e in evs), timeout=30)
        time.sleep(2)  # both schedulers have had many chances to advance it again
        with admin.begin() as conn:
            kinds = conn.execute(text(f'SELECT type FROM "{schema}".event_log ORDER BY seq')).scalars().all()
        assert kinds.count("round_started") == 1
        assert kinds.count("move_started") == 1
        facilitator.close()
        watcher.close()
    finally:
        first.stop()
        second.stop()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
