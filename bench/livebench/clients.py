"""The simulated clients of a bench run: phones, the board, the floor's relay clients."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from bench.livebench.measure import percentile
from tests.wire import ConnectRefused, Sio, Stats, clock_ms, events_of, http_json

PHONE_SAMPLE = 20


class Phone:
    """A participant's phone: follows its seat (and, when rehearsing, the café's clock)."""

    def __init__(self, index: int, base_url: str, stats: Stats, address: str | None) -> None:
        self.index = index
        self.base_url = base_url
        self.stats = stats
        self.headers = {"X-Forwarded-For": address} if address else {}
        self.pid: int | None = None
        self.token: str | None = None
        self.sio: Sio | None = None
        self.seats: dict[int, int | None] = {}  # round -> table_id
        self.seat_rx: dict[int, float] = {}  # round -> receipt time of seats_assigned (ms)
        self.clock: dict[str, Any] = {}  # status, current_round, phase (rehearsal)
        self.seated_signal: asyncio.Event | None = None
        self.notes_seen = 0  # note_added events received
        # One phone in PHONE_SAMPLE also times each bench note (note->phone, batch window included).
        self.latencies: list[float] | None = [] if index % PHONE_SAMPLE == 0 else None

    def on_message(self, msg: str) -> None:
        # Counting is cheap (C substring search); a phone parses only frames that concern it.
        found = msg.count('"type":"note_added"')
        self.notes_seen += found
        if found and self.latencies is not None:
            received = clock_ms()
            for event in events_of(msg):
                match = Board.TEXT.search(((event.get("data") or {}).get("note") or {}).get("text") or "")
                if event.get("type") == "note_added" and match:
                    self.latencies.append(received - float(match.group(1)))
        if "seats_assigned" in msg or "participant_seated" in msg or '"clock"' in msg:
            for event in events_of(msg):
                self.on_event(event)

    def on_event(self, event: dict[str, Any]) -> None:
        data = event["data"]
        if event["type"] == "seats_assigned":
            rnd = data["round"]
            self.seat_rx.setdefault(rnd, clock_ms())
            self.seats[rnd] = data["seats"].get(str(self.pid))
            if self.seated_signal is not None:
                self.seated_signal.set()
        elif event["type"] == "participant_seated":
            if data.get("participant_id") == self.pid:
                self.seats[data["round"]] = data.get("table_id")
        elif isinstance(data.get("clock"), dict):
            self.clock.update(data["clock"])

    async def join(self, code: str, name: str, language: str | None = None) -> None:
        body_out: dict[str, Any] = {"name": name} if language is None else {"name": name, "language": language}
        status, body = await http_json(
            "POST", f"{self.base_url}/api/cafes/{code}/participants", body_out, headers=self.headers
        )
        if status != 201 or not isinstance(body, dict) or not body.get("ok"):
            code_ = (body or {}).get("error", {}).get("code") if isinstance(body, dict) else None
            raise ConnectRefused({"data": {"code": f"join_{code_ or status}"}})
        self.pid = body["participant"]["id"]
        self.token = body["token"]

    async def connect(self, code: str) -> dict[str, Any]:
        """Open the socket and `sync {since: null}`; returns the phone's snapshot."""
        sio = Sio(
            self.base_url,
            {"cafe": code, "role": "phone", "token": self.token},
            self.stats,
            self.on_message,
            self.headers,
        )
        await sio.connect()
        try:
            ack = await sio.call("sync", {"since": None}, timeout=60)
            if not isinstance(ack, dict) or not ack.get("ok"):
                raise ConnectRefused({"data": {"code": "sync_" + ack_code(ack)}})
        except BaseException:
            await sio.close()
            raise
        self.sio = sio
        state: dict[str, Any] = ack["state"]
        seating = state.get("seating") or {}
        if seating.get("round") is not None:
            self.seats[seating["round"]] = seating.get("seats", {}).get(str(self.pid))
        cafe = state.get("cafe") or {}
        self.clock.update({k: cafe.get(k) for k in ("status", "current_round", "phase", "ends_at_ms")})
        return state


class Board:
    """The projector board: measures when each bench note reaches it."""

    TEXT = re.compile(r"t=([0-9.]+)")

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.latencies: list[float] = []
        self.sent_at: list[float] = []
        self.foreign = 0

    def on_message(self, msg: str) -> None:
        if "note_added" not in msg:
            return
        received = clock_ms()
        for event in events_of(msg):
            if event.get("type") == "note_added":
                self.on_note(event["data"].get("note") or {}, received)

    def on_note(self, note: dict[str, Any], received: float) -> None:
        note_id = note.get("id")
        match = self.TEXT.search(note.get("text") or "")
        if not match or not note_id or note_id in self.seen:
            self.foreign += 0 if match else 1
            return
        self.seen.add(note_id)
        sent = float(match.group(1))
        self.latencies.append(received - sent)
        self.sent_at.append(sent)

    def trend(self) -> str:
        """p50 latency over each third of the run: a rising trend means a growing backlog."""
        pairs = sorted(zip(self.sent_at, self.latencies))
        if len(pairs) < 3:
            return "n/a"
        third = len(pairs) // 3
        parts = [pairs[:third], pairs[third : 2 * third], pairs[2 * third :]]
        return " / ".join(f"{percentile([lat for _, lat in part], 50):.0f}" for part in parts)


def ack_code(ack: Any) -> str:
    """The error code of a refused ack (`bad_ack` when it is not an ack at all)."""
    if isinstance(ack, dict):
        error = ack.get("error")
        if isinstance(error, dict):
            return str(error.get("code") or "error")
    return "bad_ack"


def fake_address(i: int) -> str:
    """A distinct client address per phone (the server trusts X-Forwarded-For in the bench)."""
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


@dataclass
class RelayClient:
    """A client of the bare relay (the floor): only its socket."""

    sio: Sio | None = None
