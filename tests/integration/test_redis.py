"""Two real server processes fanning out through Redis: an event made in one reaches the other."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

import pytest
import redis
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


def test_seats_cross_to_the_other_process_in_one_message_and_it_plans_for_arrivals_it_never_saw(
    tmp_path: Path,
) -> None:
    redis_url = os.environ.get("CAFE_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("set CAFE_TEST_REDIS_URL to run the Redis tests")
    channel = f"cafe-seats-{secrets.token_hex(4)}"
    env = {"CAFE_MESSAGE_QUEUE": redis_url, "CAFE_QUEUE_CHANNEL": channel, "CAFE_LOG_LEVEL": "INFO"}
    first = Server(tmp_path, env=env, name="first").start()
    second = Server(tmp_path, env=env, name="second").start()
    listener = redis.Redis.from_url(redis_url).pubsub()
    listener.subscribe(channel, f"{channel}:urgent")
    try:
        facilitator = LiveClient(first, {"cafe": first.code, "role": "facilitator", "secret": first.secret}).connect()
        rounds = [{"question": f"Q{n}", "discuss_seconds": 600, "move_seconds": 60} for n in (1, 2)]
        assert facilitator.call("set_rounds", {"rounds": rounds})["ok"]
        # A thin, uneven, late and multilingual room: three people on the facilitator's process,
        # then, after that process has planned for them, four more on the other one.
        phones: dict[int, LiveClient] = {}

        def arrive(server: Server, name: str, language: str) -> None:
            joined = server.join(name, language=language)
            auth = {"cafe": server.code, "role": "phone", "token": joined["token"]}
            phones[joined["participant"]["id"]] = LiveClient(server, auth).connect()

        for name, language in (("Ana Lucía", "es"), ("李华", "zh"), ("Dana", "en")):
            arrive(first, name, language)
        wait_for_log(first, "planned ahead for 3 people")
        for name, language in (("Jean-Baptiste", "ht"), ("Joana", "pt"), ("王芳", "zh"), ("Sam", "en")):
            arrive(second, name, language)
        # Only the other process saw these arrivals; its hint makes this one plan again.
        wait_for_log(first, "planned ahead for 7 people")
        drain(listener)

        assert facilitator.call("start_round", {})["ok"]
        for pid, phone in phones.items():
            phone.wait_for(lambda evs: any(e["type"] == "seats_assigned" for e in evs))
            seated = [e for e in phone.events if e["type"] == "seats_assigned"]
            assert len(seated) == 1 and list(seated[0]["data"]["seats"]) == [str(pid)]
            assert phone.received.count(seated[0]["seq"]) == 1  # written once, by one process
        line = wait_for_log(first, "round 1: 7 seated")
        assert "(planned ahead)" in line, line
        # On the queue: the seat map once, in a notice each process batches for its own phones;
        # no message addressed to a phone or to the phones' room; the board's on its own lane.
        crossed = [(m["channel"].decode(), json.loads(m["data"])) for m in drain(listener)]
        notices = [m["data"][0] for lane, m in crossed if m.get("event") == "cafe:notice"]
        seat_maps = [n for n in notices if n["kind"] == "phones" for e in n["data"] if e["type"] == "seats_assigned"]
        to_phones = [m for _lane, m in crossed if re.search(r":p:\d+$|:phone$", str(m.get("room")))]
        assert len(seat_maps) == 1 and to_phones == []
        board = [lane for lane, m in crossed if str(m.get("room")).endswith(":board")]
        assert board and set(board) == {f"{channel}:urgent"}
        for client in [facilitator, *phones.values()]:
            client.close()
    finally:
        listener.close()
        first.stop()
        second.stop()


def wait_for_log(server: Server, text: str, timeout: float = 20.0) -> str:
    """The first line of the server's log holding `text`, once it is there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in server.log().splitlines():
            if text in line:
                return line
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in the log:\n{server.log()[-3000:]}")


def drain(listener: Any, seconds: float = 1.0) -> list[dict[str, Any]]:
    """The messages the queue carried since the last drain, and for `seconds` more."""
    got = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        message = listener.get_message(timeout=left)
        if message is not None and message["type"] == "message":
            got.append(message)
    return got
