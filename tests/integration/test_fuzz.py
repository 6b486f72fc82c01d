"""Hypothesis throws random payloads at every command through the socket test client.

Each generated example is a batch of payloads (cheaper than one example per payload), so every
command gets at least CAFE_FUZZ_PAYLOADS (default 10,000) payloads. After the storm: no
command answered with a trace or an internal error, the stream is still contiguous, an old
snapshot plus the events still equals a fresh one, and the next valid command works.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from cafe import commands as catalogue
from cafe.app import runtime
from cafe.events import apply_events
from cafe.models import EventLog
from tests.conftest import CafeHandle, events_of, socket_client, state_of

PAYLOADS = int(os.environ.get("CAFE_FUZZ_PAYLOADS", "10000"))
BATCH = 500

NASTY_TEXT = [
    "",
    " ",
    "1",
    "-1",
    "\ud800",
    "a\udfffb",
    "00000000-0000-0000-0000-000000000000",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "\u202eevil",
    "\x00nul",
    "x" * 300,
    "é" * 281,
    "=HYPERLINK(1)",
    "null",
    "true",
    "{}",
    "[]",
    "NaN",
]
SPECIAL_NUMBERS = [
    0,
    1,
    -1,
    2**31,
    -(2**31),
    2**63,
    -(2**63),
    2**70,
    10**30,
    0.5,
    -0.0,
    float("inf"),
    float("-inf"),
    float("nan"),
]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    """One JSON-ish value: scalars at the edges, strings with tricks, lists, deep nesting."""
    kind = rng.randrange(10 if depth < 30 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.choice(SPECIAL_NUMBERS) if rng.random() < 0.5 else rng.randint(-(10**6), 10**6)
    if kind == 3:
        return rng.choice(NASTY_TEXT)
    if kind in (4, 5):
        alphabet = "abcXYZ019 -_@=+\t\n\u00e9\u4e2d\u202e\u200b<>\"'&;"
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
    if kind in (6, 7):
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    if kind == 8 and rng.random() < 0.1:
        # Deep nesting: a chain of single-key objects.
        value: Any = rng.choice(NASTY_TEXT)
        for _ in range(rng.randrange(10, 60)):
            value = {"a": value}
        return value
    return {
        rng.choice(["a", "id", "0", "", "__proto__"]): random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))
    }


def random_payload(rng: random.Random, fields: list[str]) -> Any:
    """Half arbitrary values, half objects with the command's own field names."""
    if not fields or rng.random() < 0.5:
        return random_value(rng)
    keys = rng.sample(fields, rng.randrange(0, len(fields) + 1))
    payload = {key: random_value(rng) for key in keys}
    if rng.random() < 0.1:
        payload[rng.choice(["extra", "__class__", "role"])] = random_value(rng)
    return payload


def all_commands() -> dict[str, tuple[str, list[str]]]:
    """Every command name -> (a role that may send it, its field names), from the catalogue."""
    order = ("facilitator", "phone", "board")
    return {
        name: (next(role for role in order if role in record.roles), list(record.spec))
        for name, record in catalogue.COMMANDS.items()
    }


COMMANDS = all_commands()


@pytest.fixture
def stormy(app: Flask, client: FlaskClient, cafe: CafeHandle, join: Any) -> Iterator[dict[str, Any]]:
    """A café in its first round with a phone, a board and the facilitator, limits lifted."""
    guard = runtime(app).guard
    guard.commands_by_socket.rate = guard.commands_by_address.rate = 1e9
    guard.commands_by_socket.burst = guard.commands_by_address.burst = 10**9
    runtime(app).note_limiter.rate, runtime(app).note_limiter.burst = 1e9, 10**9
    socks = {
        "facilitator": socket_client(app, client, {"cafe": cafe.code, "role": "facilitator", "secret": cafe.secret}),
        "phone": socket_client(app, client, {"cafe": cafe.code, "role": "phone", "token": join("Fuzzy")["token"]}),
        "board": socket_client(app, client, {"cafe": cafe.code, "role": "board"}),
    }
    assert socks["facilitator"].emit("start_round", {}, callback=True)["ok"]
    yield socks
    for sock in socks.values():
        if sock.is_connected():
            sock.disconnect()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_random_payloads_never_break_a_command(
    app: Flask, cafe: CafeHandle, stormy: dict[str, Any], command: str
) -> None:
    role, fields = COMMANDS[command]
    sock = stormy[role]
    watcher = stormy["board"]
    before = state_of(watcher)
    events_of(watcher)
    answered: list[int] = []
    seen_codes: set[str] = set()
    duplicates: list[int] = []

    # Hypothesis drives the storm: each example is a seeded generator of a batch of payloads.
    # use_true_random gives a plain Random from one drawn seed; a Hypothesis-backed Random
    # would route every call through its engine and overrun its buffer (minutes, not seconds).
    @settings(
        max_examples=max(1, PAYLOADS // BATCH), deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(st.randoms(use_true_random=True))
    def storm(rng: random.Random) -> None:
        for _ in range(BATCH):
            payload = random_payload(rng, fields)
            if command == "delete_cafe" and isinstance(payload, dict):
                payload = {**payload, "confirm": "not the code"}  # the one payload that may not pass
            if command == "duplicate_cafe" and len(duplicates) >= 10:
                # Each accepted duplicate is a whole new café: ten are enough, then only refusals
                # (an unknown field, or a list where an object belongs; `null` would be accepted).
                payload = {**payload, "extra": 1} if isinstance(payload, dict) else [payload]
            ack = sock.emit(command, payload, callback=True)
            assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
            if not ack["ok"]:
                assert set(ack["error"]) == {"code", "kind", "message", "params"} and ack["error"]["message"]
                assert ack["error"]["code"] != "internal", (payload, ack)
                seen_codes.add(ack["error"]["code"])
            answered.append(1)
            if ack["ok"] and command == "duplicate_cafe":
                duplicates.append(1)

    storm()
    assert len(answered) >= PAYLOADS
    print(f"{command}: {len(answered)} payloads, refusals {sorted(seen_codes)}")
    # Nothing corrupted: the stream is contiguous and still converges; the next command works.
    with runtime(app).db.reading() as session:
        seqs = session.scalars(select(EventLog.seq).where(EventLog.cafe_id == cafe.id).order_by(EventLog.seq)).all()
        if runtime(app).db.is_sqlite:
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert seqs == list(range(1, len(seqs) + 1))
    assert sock.is_connected() and watcher.is_connected()
    assert apply_events(before, events_of(watcher)) == state_of(watcher)
    assert watcher.emit("clock", {"t0": 1}, callback=True)["ok"]
