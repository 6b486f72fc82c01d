"""Load generator for World Café, live: a real café over raw Socket.IO, and the bare floor.

    python bench/live.py --phones 50 --seconds 10            # quick check (SQLite, 1 process)
    python bench/live.py --config laptop                     # 1,000 phones, 1 gevent process, SQLite
    python bench/live.py --config multi                      # 2,000 phones, 2 processes, PostgreSQL + Redis
    python bench/live.py --config eventlet                   # 100 phones, CAFE_ASYNC_MODE=eventlet
    python bench/live.py --rehearse --url http://10.0.0.5:5000 --code ABC123 --phones 40

It runs in its own asyncio process and speaks Engine.IO v4 / Socket.IO v5 over a plain
websocket itself (the `websockets` package carries the frames), so that one process can hold
thousands of sockets without becoming the bottleneck. It prints ONE JSON line per run on
stdout; progress and details go to stderr. See bench/README.md for what each field means.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import itertools
import json
import math
import os
import random
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RELAY = Path(__file__).resolve().parent / "relay_server.py"

FIELDS = (
    "config",
    "phones",
    "processes",
    "notes_per_s",
    "connected",
    "errors",
    "delivered_pct",
    "note_to_board_p50_ms",
    "note_to_board_p99_ms",
    "floor_p99_ms",
    "ratio_p99",
    "seats_to_all_p99_ms",
    "server_rss_mb",
    "server_cpu_pct",
)

PRESETS: dict[str, dict[str, Any]] = {
    "laptop": {"phones": 1000, "processes": 1, "db": "sqlite", "notes_per_s": 20.0, "async_mode": "gevent"},
    "multi": {"phones": 2000, "processes": 2, "db": "postgresql", "notes_per_s": 20.0, "async_mode": "gevent"},
    "eventlet": {"phones": 100, "processes": 1, "db": "sqlite", "notes_per_s": 20.0, "async_mode": "eventlet"},
}
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
DEMO_SEATS = 70

JSON_SEP = (",", ":")


def log(*parts: Any) -> None:
    """Progress on stderr (stdout carries only the result lines)."""
    print("[bench]", *parts, file=sys.stderr, flush=True)


def clock_ms() -> float:
    """A monotonic clock in milliseconds, shared by senders and the board (one process)."""
    return time.perf_counter() * 1000.0


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile; None without samples."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[rank - 1]


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


# --------------------------------------------------------------------------------------------
# Counters


@dataclass
class Stats:
    """Everything that can go wrong, counted (errors = the sum of the first three kinds)."""

    connect_failures: int = 0
    ack_failures: int = 0
    protocol_errors: int = 0
    failure_codes: Counter[str] = field(default_factory=Counter)

    def fail(self, kind: str, code: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if sum(self.failure_codes.values()) < 10_000:
            self.failure_codes[f"{kind}:{code}"] += 1

    @property
    def errors(self) -> int:
        return self.connect_failures + self.ack_failures + self.protocol_errors


# --------------------------------------------------------------------------------------------
# Minimal HTTP (joins) and Socket.IO over websocket


async def http_json(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None, timeout: float = 30.0
) -> tuple[int, Any]:
    """One HTTP/1.1 request with `Connection: close`; returns (status, parsed JSON or None)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    data = b"" if body is None else json.dumps(body, separators=JSON_SEP).encode()
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Accept: application/json",
        "Connection: close",
        f"Content-Length: {len(data)}",
    ]
    if body is not None:
        lines.append("Content-Type: application/json")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]

    async def exchange() -> bytes:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
            await writer.drain()
            return await reader.read(-1)
        finally:
            writer.close()

    raw = await asyncio.wait_for(exchange(), timeout)
    head, _, payload = raw.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2:
        raise ConnectionError(f"bad HTTP answer: {raw[:80]!r}")
    status = int(status_line[1])
    if b"transfer-encoding: chunked" in head.lower():
        payload = _dechunk(payload)
    try:
        return status, json.loads(payload) if payload else None
    except ValueError:
        return status, None


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return bytes(out)


class ConnectRefused(Exception):
    """The server answered the Socket.IO connect with `44{...}` (connect_error)."""

    def __init__(self, data: Any) -> None:
        super().__init__(json.dumps(data)[:200])
        self.data = data

    @property
    def code(self) -> str:
        inner = self.data.get("data") if isinstance(self.data, dict) else None
        if isinstance(inner, dict) and inner.get("code"):
            return str(inner["code"])
        return "refused"


WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class RawWebSocket(asyncio.Protocol):
    """A lean RFC 6455 client on an asyncio Protocol: frames are parsed in `data_received` and
    handed to a callback, with no task, queue or await per message. With 1,000+ sockets each
    receiving every note, this is what keeps the generator's CPU well below the server's."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.handshaken = False
        self.key = base64.b64encode(os.urandom(16))
        self.opened: asyncio.Future[None] | None = None
        self.queue: list[Any] = []  # messages before start()
        self.waiter: asyncio.Future[None] | None = None
        self.on_text: Callable[[Any], None] | None = None
        self.on_close: Callable[[], None] | None = None
        self.fragments: list[bytes] | None = None
        self.fragment_op = 1
        self.closed = False
        self.lost: asyncio.Future[None] | None = None

    async def open(self, url: str, headers: dict[str, str], timeout: float) -> None:
        parts = urlsplit(url)
        loop = asyncio.get_running_loop()
        self.opened = loop.create_future()
        self.lost = loop.create_future()
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        await asyncio.wait_for(loop.create_connection(lambda: self, host, port), timeout)
        lines = [
            f"GET {parts.path}?{parts.query} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self.key.decode()}",
            "Sec-WebSocket-Version: 13",
        ]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        assert self.transport is not None
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await asyncio.wait_for(asyncio.shield(self.opened), timeout)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.handshaken:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end])
            del self.buf[: end + 4]
            accept = base64.b64encode(hashlib.sha1(self.key + WS_GUID).digest())
            status = head.split(b"\r\n", 1)[0]
            if b" 101 " not in status + b" " or accept not in head:
                if self.opened and not self.opened.done():
                    self.opened.set_exception(
                        ConnectionError(f"websocket upgrade refused: {status.decode(errors='replace')}")
                    )
                assert self.transport is not None
                self.transport.close()
                return
            self.handshaken = True
            if self.opened and not self.opened.done():
                self.opened.set_result(None)
        self._frames()

    def _frames(self) -> None:
        buf, pos, n = self.buf, 0, len(self.buf)
        while n - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length, head = b1 & 0x7F, 2
            if length == 126:
                if n - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if n - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            mask = b""
            if b1 & 0x80:  # servers do not mask; accept it anyway
                if n - pos < head + 4:
                    break
                mask = bytes(buf[pos + head : pos + head + 4])
                head += 4
            if n - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            if mask:
                payload = _xor(payload, mask)
            self._frame(b0 & 0x80, b0 & 0x0F, payload)
        if pos:
            del buf[:pos]

    def _frame(self, fin: int, opcode: int, payload: bytes) -> None:
        if opcode == 0 and self.fragments is not None:
            self.fragments.append(payload)
            if not fin:
                return
            opcode, payload, self.fragments = self.fragment_op, b"".join(self.fragments), None
        elif opcode in (1, 2) and not fin:
            self.fragments, self.fragment_op = [payload], opcode
            return
        if opcode == 1:
            self._deliver(payload.decode("utf-8", errors="replace"))
        elif opcode == 2:
            self._deliver(payload)
        elif opcode == 8:
            self._write(8, payload[:2])
            if self.transport is not None:
                self.transport.close()
        elif opcode == 9:
            self._write(10, payload)

    def _deliver(self, msg: Any) -> None:
        if self.on_text is not None:
            self.on_text(msg)
            return
        self.queue.append(msg)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def recv(self) -> Any:
        while not self.queue:
            if self.closed:
                raise ConnectionError("connection closed")
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
        return self.queue.pop(0)

    def start(self, on_text: Callable[[Any], None], on_close: Callable[[], None]) -> None:
        """From now on every message goes to `on_text`; `on_close` once the socket is gone."""
        self.on_text, self.on_close = on_text, on_close
        queued, self.queue = self.queue, []
        for msg in queued:
            on_text(msg)
        if self.closed:
            on_close()

    def send(self, text: str) -> None:
        self._write(1, text.encode())

    def _write(self, opcode: int, data: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            raise ConnectionError("connection closed")
        n = len(data)
        if n < 126:
            head = bytes((0x80 | opcode, 0x80 | n))
        elif n < 65536:
            head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
        else:
            head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
        mask = os.urandom(4)
        self.transport.write(head + mask + _xor(data, mask))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.opened is not None and not self.opened.done():
            self.opened.set_exception(ConnectionError("connection closed during the handshake"))
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)
        if self.lost is not None and not self.lost.done():
            self.lost.set_result(None)
        if self.on_close is not None:
            self.on_close()

    async def close(self) -> None:
        if self.closed or self.transport is None:
            return
        try:
            self._write(8, (1000).to_bytes(2, "big"))
            assert self.lost is not None
            await asyncio.wait_for(asyncio.shield(self.lost), 2)
        except Exception:
            self.abort()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


def _xor(data: bytes, mask: bytes) -> bytes:
    n = len(data)
    if not n:
        return b""
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


class LibWebSocket:
    """The same interface on the `websockets` package (--ws websockets), for comparison."""

    def __init__(self) -> None:
        self.conn: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.closed = False

    async def open(self, url: str, headers: dict[str, str], timeout: float) -> None:
        from websockets.asyncio.client import connect as ws_connect  # only for --ws websockets

        self.conn = await ws_connect(
            url,
            compression=None,
            max_size=2**24,
            ping_interval=None,
            close_timeout=2,
            open_timeout=timeout,
            additional_headers=headers or None,
            user_agent_header=None,
        )

    async def recv(self) -> Any:
        from websockets.exceptions import ConnectionClosed

        try:
            return await self.conn.recv()
        except ConnectionClosed:
            raise ConnectionError("connection closed") from None

    def start(self, on_text: Callable[[Any], None], on_close: Callable[[], None]) -> None:
        from websockets.exceptions import ConnectionClosed

        async def loop() -> None:
            try:
                async for msg in self.conn:
                    on_text(msg)
            except ConnectionClosed:
                pass
            finally:
                self.closed = True
                on_close()

        self.reader = asyncio.create_task(loop())

    def send(self, text: str) -> None:
        if self.closed:
            raise ConnectionError("connection closed")
        task = asyncio.ensure_future(self.conn.send(text))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.conn.close(), 2)
        except Exception:
            self.abort()

    def abort(self) -> None:
        if self.conn is not None:
            self.conn.transport.abort()


WS_IMPL: dict[str, Callable[[], Any]] = {"raw": RawWebSocket, "websockets": LibWebSocket}
WS_CHOICE = ["raw"]


class Sio:
    """One Socket.IO v5 client on the default namespace, over a websocket-only Engine.IO v4.

    Frames: server `0{open}`; client `40{auth}` -> server `40{sid}` or `44{error}`; server
    ping `2` -> client `3`; events `42["name",payload]`; a call `42<id>["name",payload]` is
    answered `43<id>[payload]`. `on_message` gets each raw `42...` frame (as a str), so a
    client that only cares about a few event types can skip parsing the rest.
    """

    def __init__(
        self,
        base_url: str,
        auth: dict[str, Any],
        stats: Stats,
        on_message: Callable[[str], None] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        self.url = f"ws://{parts.hostname}:{parts.port or 80}/socket.io/?EIO=4&transport=websocket"
        self.auth = auth
        self.stats = stats
        self.on_message = on_message
        self.headers = headers or {}
        self.ws: Any = None
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.ids = itertools.count(1)
        self.closing = False
        self.closed = False

    async def connect(self, timeout: float = 60.0) -> None:
        """Open the websocket and the Socket.IO session; raise ConnectRefused on `44`."""
        early: list[str] = []
        self.ws = WS_IMPL[WS_CHOICE[0]]()

        async def handshake() -> None:
            await self.ws.open(self.url, self.headers, timeout)
            first = await self.ws.recv()
            if not isinstance(first, str) or not first.startswith("0"):
                raise ConnectionError(f"expected Engine.IO open, got {str(first)[:60]!r}")
            self.ws.send("40" + json.dumps(self.auth, separators=JSON_SEP))
            while True:
                msg = await self.ws.recv()
                if msg == "2":
                    self.ws.send("3")
                elif isinstance(msg, str) and msg.startswith("40"):
                    return
                elif isinstance(msg, str) and msg.startswith("42"):
                    # The server's connect handler may emit to a room this socket already
                    # joined before it answers `40`; socket.io-client buffers these too.
                    early.append(msg)
                elif isinstance(msg, str) and msg.startswith("44"):
                    raise ConnectRefused(json.loads(msg[2:] or "{}"))
                else:
                    raise ConnectionError(f"unexpected frame before connect: {str(msg)[:60]!r}")

        try:
            await asyncio.wait_for(handshake(), timeout)
        except BaseException:
            self.closing = True
            self.ws.abort()
            raise
        if self.on_message is not None:
            for msg in early:
                self.on_message(msg)
        self.ws.start(self._frame, self._closed)

    frames_received = 0  # all clients together: how much the server sent (evidence of fan-out)

    def _frame(self, msg: Any) -> None:
        Sio.frames_received += 1
        try:
            if not isinstance(msg, str):
                self.stats.fail("protocol_errors", "binary_frame")
                return
            kind = msg[:2]
            if kind == "42":
                if self.on_message is not None:
                    self.on_message(msg)
            elif kind == "43":
                self._ack(msg)
            elif msg == "2":
                self.ws.send("3")
            elif kind == "41" or msg[:1] == "1":
                self.ws.abort()
            elif msg[:1] != "6":
                self.stats.fail("protocol_errors", f"frame_{msg[:2]}")
        except Exception as exc:  # a bug in a handler must show up, not hang the run
            self.stats.fail("protocol_errors", type(exc).__name__)

    def _closed(self) -> None:
        if not self.closing:
            self.stats.fail("protocol_errors", "dropped_connection")
        self.closed = True
        for fut in self.pending.values():
            if not fut.done():
                fut.set_exception(ConnectionError("connection closed"))
        self.pending.clear()

    def _ack(self, msg: str) -> None:
        end = 2
        while end < len(msg) and msg[end].isdigit():
            end += 1
        try:
            ack_id = int(msg[2:end])
            args = json.loads(msg[end:])
        except ValueError:
            self.stats.fail("protocol_errors", "bad_ack")
            return
        fut = self.pending.pop(ack_id, None)
        if fut is not None and not fut.done():
            fut.set_result(args[0] if args else None)

    def emit(self, name: str, payload: Any) -> None:
        self.ws.send("42" + json.dumps([name, payload], separators=JSON_SEP))

    async def call(self, name: str, payload: Any, timeout: float = 15.0, sent: list[float] | None = None) -> Any:
        """Send a command and wait for its ack; `sent` receives the send time (ms)."""
        if self.closed:
            raise ConnectionError("connection closed")
        ack_id = next(self.ids)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[ack_id] = fut
        frame = f"42{ack_id}" + json.dumps([name, payload], separators=JSON_SEP)
        if sent is not None:
            sent.append(clock_ms())
        try:
            self.ws.send(frame)
            return await asyncio.wait_for(fut, timeout)
        finally:
            self.pending.pop(ack_id, None)

    async def close(self) -> None:
        self.closing = True
        if self.ws is None or self.closed:
            return
        try:
            self.ws.send("41")
        except Exception:
            pass
        await self.ws.close()


def event_of(msg: str) -> dict[str, Any] | None:
    """The payload of a `42["event",{...}]` frame (None for other event names)."""
    events = events_of(msg)
    return events[0] if len(events) == 1 else None


def events_of(msg: str) -> list[dict[str, Any]]:
    """The events of an `event` frame, or of an `events` frame (phones get those batched)."""
    try:
        name, payload = json.loads(msg[2:])[:2]
    except (ValueError, TypeError):
        return []
    if name == "event" and isinstance(payload, dict):
        return [payload]
    if name == "events" and isinstance(payload, list):
        return [e for e in payload if isinstance(e, dict)]
    return []


# --------------------------------------------------------------------------------------------
# Actors


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

    def on_message(self, msg: str) -> None:
        # Counting is cheap (C substring search); a phone parses only frames that concern it.
        self.notes_seen += msg.count('"type":"note_added"')
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

    async def join(self, code: str, name: str) -> None:
        status, body = await http_json(
            "POST", f"{self.base_url}/api/cafes/{code}/participants", {"name": name}, headers=self.headers
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
                raise ConnectRefused({"data": {"code": "sync_" + _code(ack)}})
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


async def drain_phones(phones: list[Phone], notes: int, timeout: float = 10.0) -> float:
    """Wait until every phone has received every acked note; the share delivered, in %."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(p.notes_seen < notes for p in phones):
        await asyncio.sleep(0.1)
    if not phones or not notes:
        return 100.0
    got = sum(min(p.notes_seen, notes) for p in phones)
    return 100.0 * got / (notes * len(phones))


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


def _code(ack: Any) -> str:
    if isinstance(ack, dict):
        error = ack.get("error")
        if isinstance(error, dict):
            return str(error.get("code") or "error")
    return "bad_ack"


def fake_address(i: int) -> str:
    """A distinct client address per phone (the server trusts X-Forwarded-For in the bench)."""
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


# --------------------------------------------------------------------------------------------
# Server processes and /proc sampling


class ServerProcess:
    """One server process (run.py or the relay), its log, and a readiness wait."""

    def __init__(self, argv: list[str], env: dict[str, str], log_path: Path, port: int) -> None:
        self.argv, self.env, self.log_path, self.port = argv, env, log_path, port
        self.proc: subprocess.Popen[bytes] | None = None
        self.reported = False  # its round-change lines were echoed already

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> str:
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            output = self.log_path.read_text(errors="replace")
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{output[-3000:]}")
            if "Press Ctrl+C" in output:
                try:
                    with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                        if answer.status == 200:
                            return output
                except OSError:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start in {timeout}s:\n{self.log_path.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def free_ports(count: int) -> list[int]:
    """`count` consecutive free TCP ports on 127.0.0.1."""
    import socket

    for _ in range(200):
        base = random.randint(20000, 60000 - count)
        ok = True
        for port in range(base, base + count):
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return list(range(base, base + count))
    raise RuntimeError("no free ports")


class Sampler:
    """RSS and CPU time of some processes (summed), read from /proc every half second."""

    TICK = os.sysconf("SC_CLK_TCK")
    PAGE = os.sysconf("SC_PAGE_SIZE")

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak_rss_mb = 0.0
        self.marks: dict[str, tuple[float, float]] = {}
        self.task: asyncio.Task[None] | None = None

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / self.TICK
            except (OSError, IndexError, ValueError):
                pass
        return total

    def rss_mb(self) -> float:
        total = 0
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/statm") as f:
                    total += int(f.read().split()[1]) * self.PAGE
            except (OSError, IndexError, ValueError):
                pass
        return total / 2**20

    def mark(self, name: str) -> None:
        self.marks[name] = (time.monotonic(), self.cpu_seconds())
        self.peak_rss_mb = max(self.peak_rss_mb, self.rss_mb())

    def cpu_pct(self, start: str, end: str) -> float | None:
        if start not in self.marks or end not in self.marks:
            return None
        (t0, c0), (t1, c1) = self.marks[start], self.marks[end]
        return 100.0 * (c1 - c0) / (t1 - t0) if t1 > t0 else None

    async def run(self) -> None:
        while True:
            self.peak_rss_mb = max(self.peak_rss_mb, self.rss_mb())
            await asyncio.sleep(0.5)

    def start(self) -> None:
        self.task = asyncio.create_task(self.run())

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()


# --------------------------------------------------------------------------------------------
# Shared steps


async def bounded_gather(coros: list[Any], limit: int) -> list[Any]:
    """Run coroutines with at most `limit` at once; exceptions are returned, not raised."""
    gate = asyncio.Semaphore(limit)

    async def one(coro: Any) -> Any:
        async with gate:
            return await coro

    return await asyncio.gather(*(one(c) for c in coros), return_exceptions=True)


def record_connect_failures(results: list[Any], stats: Stats, what: str) -> int:
    ok = 0
    for result in results:
        if isinstance(result, BaseException):
            code = result.code if isinstance(result, ConnectRefused) else type(result).__name__
            stats.fail("connect_failures", f"{what}:{code}")
        else:
            ok += 1
    return ok


@dataclass
class NotePlan:
    """Who sends the notes and where they go."""

    senders: list[Any]  # objects with .sio
    target: Callable[[Any], tuple[int | None, int]]  # sender -> (table_id, round)
    command: str  # "add_note" (café) or "note" (relay)


async def post_notes(plan: NotePlan, rate: float, seconds: float, stats: Stats, ok_ids: set[str]) -> dict[str, Any]:
    """Send `rate` notes a second for `seconds`, round-robin over the senders; wait for acks."""
    loop = asyncio.get_running_loop()
    total = int(rate * seconds)
    interval = 1.0 / rate
    start = loop.time()
    lateness: list[float] = []
    tasks: list[asyncio.Task[None]] = []

    async def one(k: int, sender: Any) -> None:
        table_id, rnd = plan.target(sender)
        note_id = str(uuid.uuid4())
        payload = {"id": note_id, "table_id": table_id, "round": rnd, "text": f"Bench note #{k} t={clock_ms():.3f}"}
        try:
            ack = await sender.sio.call(plan.command, payload, timeout=20)
        except Exception as exc:
            stats.fail("ack_failures", "timeout" if isinstance(exc, asyncio.TimeoutError) else type(exc).__name__)
            return
        if isinstance(ack, dict) and ack.get("ok"):
            ok_ids.add(note_id)
        else:
            stats.fail("ack_failures", _code(ack))

    senders = [s for s in plan.senders if s.sio is not None and not s.sio.closed]
    if not senders:
        return {"sent": 0}
    random.Random(7).shuffle(senders)
    for k in range(total):
        target_time = start + k * interval
        delay = target_time - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            lateness.append(-delay * 1000)
        sender = senders[k % len(senders)]
        if sender.sio.closed:
            stats.fail("ack_failures", "sender_closed")
            continue
        tasks.append(asyncio.create_task(one(k, sender)))
    await asyncio.gather(*tasks)
    return {
        "sent": total,
        "elapsed_s": round(loop.time() - start, 2),
        "late_sends": len(lateness),
        "max_late_ms": round(max(lateness, default=0.0), 1),
    }


async def drain(board: Board, ok_ids: set[str], seconds: float = 5.0) -> None:
    """Give the board a moment to see the last acked notes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not ok_ids <= board.seen:
        await asyncio.sleep(0.05)


def quiet(clients: list[Sio | None]) -> None:
    """The run is over: a connection closing from now on is not an error."""
    for client in clients:
        if client is not None:
            client.closing = True


async def close_all(clients: list[Sio | None]) -> None:
    await bounded_gather([c.close() for c in clients if c is not None], 200)


# --------------------------------------------------------------------------------------------
# The café run


@dataclass
class CafeResult:
    connected: int = 0
    delivered_pct: float | None = None
    p50: float | None = None
    p99: float | None = None
    seats_p99: float | None = None
    rss_mb: float | None = None
    cpu_pct: float | None = None
    notes_ok: int = 0


async def seat_round(
    fac: Sio | None, command: str | None, phones: list[Phone], rnd: int, stats: Stats, timeout: float = 180.0
) -> float | None:
    """Send the seating command and wait until every phone has round `rnd`'s seats; p99 (ms)."""
    sent: list[float] = []
    for phone in phones:
        phone.seated_signal = asyncio.Event()
    if fac is not None and command is not None:
        try:
            ack = await fac.call(command, {}, timeout=timeout, sent=sent)
        except Exception as exc:
            stats.fail("ack_failures", f"{command}:{type(exc).__name__}")
            return None
        ack_ms = clock_ms() - sent[0]
        if not isinstance(ack, dict) or not ack.get("ok"):
            stats.fail("ack_failures", f"{command}:{_code(ack)}")
            log(f"{command} refused: {ack}")
            return None
    deadline = time.monotonic() + 60
    live = [p for p in phones if p.sio is not None and not p.sio.closed]
    while time.monotonic() < deadline and any(rnd not in p.seat_rx for p in live):
        await asyncio.sleep(0.05)
    got = [p.seat_rx[rnd] - sent[0] for p in live if rnd in p.seat_rx]
    missing = len(live) - len(got)
    unseated = sum(1 for p in live if rnd in p.seat_rx and p.seats.get(rnd) is None)
    for _ in range(missing):
        stats.fail("protocol_errors", f"no_seats_round_{rnd}")
    for _ in range(unseated):
        stats.fail("protocol_errors", f"not_seated_round_{rnd}")
    if got:
        log(
            f"seats round {rnd} via {command}: ack {ack_ms:.0f} ms; receipts first "
            f"{min(got):.0f} p50 {percentile(got, 50):.0f} p99 {percentile(got, 99):.0f} "
            f"max {max(got):.0f} ms; missing {missing}, unseated {unseated}"
        )
    return percentile(got, 99)


async def cafe_run(
    urls: list[str], code: str, secret: str, args: argparse.Namespace, pids: list[int], stats: Stats
) -> CafeResult:
    """Set the café up, fill it, seat it, post notes, seat round 2; measure it all."""
    result = CafeResult()
    sampler = Sampler(pids)
    sampler.start()
    sampler.mark("begin")
    spoof = args.spoof_addresses

    fac = Sio(
        urls[0],
        {"cafe": code, "role": "facilitator", "secret": secret},
        stats,
        headers={"X-Forwarded-For": "10.255.255.1"} if spoof else None,
    )
    await fac.connect()
    state = (await fac.call("sync", {"since": None}, timeout=60))["state"]
    if state["cafe"]["status"] != "lobby":
        raise RuntimeError(f"the café must be in the lobby (it is {state['cafe']['status']})")
    seats = sum(t["capacity"] for t in state["tables"])
    missing = max(0, args.phones - seats)
    tables = math.ceil(missing / args.table_capacity)
    area = 0
    while tables > 0:
        area += 1
        batch = min(20, tables)
        ack = await fac.call(
            "add_topic", {"name": f"Bench area {area}", "tables": batch, "capacity": args.table_capacity}, timeout=60
        )
        if not ack.get("ok"):
            raise RuntimeError(f"add_topic refused: {ack}")
        tables -= batch
    discuss = int(min(7200, max(60, args.seconds + 180)))
    ack = await fac.call(
        "set_rounds",
        {
            "rounds": [
                {"question": f"Bench question {n}", "discuss_seconds": discuss, "move_seconds": 10} for n in (1, 2)
            ]
        },
        timeout=60,
    )
    if not ack.get("ok"):
        raise RuntimeError(f"set_rounds refused: {ack}")
    log(f"café {code}: {seats} seats in the demo, added {area} areas for {missing} more; 2 rounds of {discuss}s")

    board = Board()
    board_sio = Sio(
        urls[0],
        {"cafe": code, "role": "board"},
        stats,
        board.on_message,
        headers={"X-Forwarded-For": "10.255.255.2"} if spoof else None,
    )
    await board_sio.connect()
    await board_sio.call("sync", {"since": None}, timeout=60)

    phones = [Phone(i, urls[i % len(urls)], stats, fake_address(i) if spoof else None) for i in range(args.phones)]

    async def arrive(phone: Phone) -> None:
        await phone.join(code, f"Bench phone {phone.index + 1}")
        await phone.connect(code)

    t0 = time.monotonic()
    sampler.mark("connect_start")
    frames0 = Sio.frames_received
    results = await bounded_gather([arrive(p) for p in phones], args.connect_concurrency)
    result.connected = record_connect_failures(results, stats, "phone")
    sampler.mark("connect_end")
    log(
        f"{result.connected}/{args.phones} phones joined and connected in "
        f"{time.monotonic() - t0:.1f}s (server CPU {sampler.cpu_pct('connect_start', 'connect_end') or 0:.0f}%); "
        f"the clients received {Sio.frames_received - frames0} frames meanwhile"
    )
    live = [p for p in phones if p.sio is not None and not p.sio.closed]

    p99_1 = await seat_round(fac, "start_round", live, 1, stats)
    ack = await fac.call("start_round", {}, timeout=60)
    if not ack.get("ok"):
        stats.fail("ack_failures", f"start_round_discussion:{_code(ack)}")

    ok_ids: set[str] = set()
    sampler.mark("notes_start")
    me = Sampler([os.getpid()])
    me.mark("a")
    t0 = time.monotonic()
    plan = NotePlan([p for p in live if p.seats.get(1) is not None], lambda p: (p.seats.get(1), 1), "add_note")
    _warn_rate(args.notes_per_s, len(plan.senders))
    info = await post_notes(plan, args.notes_per_s, args.seconds, stats, ok_ids)
    sampler.mark("notes_end")
    me.mark("b")
    await drain(board, ok_ids)
    phones_pct = await drain_phones(live, len(ok_ids))
    log(
        f"notes: {info}; acked ok {len(ok_ids)}; board saw {len(board.seen & ok_ids)}, "
        f"phones {phones_pct:.2f}% of theirs "
        f"in {time.monotonic() - t0:.1f}s; server CPU {sampler.cpu_pct('notes_start', 'notes_end') or 0:.0f}%, "
        f"generator CPU {me.cpu_pct('a', 'b') or 0:.0f}%; p50 by thirds of the run {board.trend()} ms"
    )
    result.cpu_pct = sampler.cpu_pct("notes_start", "notes_end")

    p99_2 = await seat_round(fac, "end_round", live, 2, stats)
    sampler.mark("end")
    sampler.stop()
    seen = board.seen & ok_ids
    result.notes_ok = len(ok_ids)
    # Every acked note must reach the board AND every connected phone.
    result.delivered_pct = min(100.0 * len(seen) / len(ok_ids), phones_pct) if ok_ids else None
    result.p50 = percentile(board.latencies, 50)
    result.p99 = percentile(board.latencies, 99)
    both = [v for v in (p99_1, p99_2) if v is not None]
    result.seats_p99 = max(both) if both else None
    result.rss_mb = sampler.peak_rss_mb if pids else None
    if not pids:
        result.cpu_pct = None
    result.phone_objs = phones  # type: ignore[attr-defined]
    result.clients = [p.sio for p in phones] + [board_sio, fac]  # type: ignore[attr-defined]
    return result


def _warn_rate(rate: float, senders: int) -> None:
    if senders and rate / senders > 0.9:
        log(
            f"WARNING: {rate}/s over {senders} phones is {rate / senders:.2f}/s each; the "
            f"server allows a burst of 5 then 1/s per participant, so notes will be refused"
        )


# --------------------------------------------------------------------------------------------
# The floor run (bench/relay_server.py)


@dataclass
class RelayClient:
    sio: Sio | None = None


async def floor_run(urls: list[str], args: argparse.Namespace, stats: Stats, pids: list[int]) -> float | None:
    """The same clients and rate against the bare relay: p99 of note -> board (ms)."""
    board = Board()
    board_sio = Sio(urls[0], {"role": "board"}, stats, board.on_message)
    await board_sio.connect()
    await board_sio.call("sync", {"since": None}, timeout=60)
    clients = [RelayClient() for _ in range(args.phones)]

    async def arrive(i: int, client: RelayClient) -> None:
        sio = Sio(urls[i % len(urls)], {"role": "phone"}, stats, lambda msg: None)
        await sio.connect()
        await sio.call("sync", {"since": None}, timeout=60)
        client.sio = sio

    results = await bounded_gather([arrive(i, c) for i, c in enumerate(clients)], args.connect_concurrency)
    connected = record_connect_failures(results, stats, "relay")
    ok_ids: set[str] = set()
    plan = NotePlan([c for c in clients if c.sio is not None], lambda c: (1, 1), "note")
    sampler = Sampler(pids)
    me = Sampler([os.getpid()])
    sampler.mark("a")
    me.mark("a")
    info = await post_notes(plan, args.notes_per_s, args.seconds, stats, ok_ids)
    sampler.mark("b")
    me.mark("b")
    info["relay_cpu_pct"] = rounded(sampler.cpu_pct("a", "b"))
    info["generator_cpu_pct"] = rounded(me.cpu_pct("a", "b"))
    await drain(board, ok_ids)
    seen = board.seen & ok_ids
    log(
        f"floor: {connected}/{args.phones} connected; {info}; acked {len(ok_ids)}, board saw "
        f"{len(seen)}; p50 {rounded(percentile(board.latencies, 50))} "
        f"p99 {rounded(percentile(board.latencies, 99))} ms; p50 by thirds {board.trend()} ms"
    )
    for _ in range(len(ok_ids) - len(seen)):
        stats.fail("protocol_errors", "floor_note_not_delivered")
    floor = percentile(board.latencies, 99)
    floor_run.clients = [c.sio for c in clients] + [board_sio]  # type: ignore[attr-defined]
    return floor


# --------------------------------------------------------------------------------------------
# Orchestration: start servers, run both halves, print the line


def raise_file_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        log(f"WARNING: open-file limit is {soft}; {wanted} wanted for this many sockets")


class Postgres:
    """A fresh schema in the given database, dropped afterwards."""

    def __init__(self, url: str) -> None:
        self.base = url
        self.schema = f"bench_{secrets.token_hex(4)}"

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.base, autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> str:
        self._execute(f'CREATE SCHEMA "{self.schema}"')
        joiner = "&" if "?" in self.base else "?"
        return f"{self.base}{joiner}options=-csearch_path%3D{self.schema}"

    def drop(self) -> None:
        try:
            self._execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        except Exception as exc:
            log(f"could not drop schema {self.schema}: {exc}")


def start_cafe(
    args: argparse.Namespace, workdir: Path, database_url: str, queue: str | None
) -> tuple[list[ServerProcess], str, str]:
    """run.py --demo on consecutive ports; returns the processes, the demo code and secret."""
    ports = free_ports(args.processes)
    env = {
        **os.environ,
        "CAFE_INSTANCE_DIR": str(workdir),  # shared: every process reuses the demo secret
        "CAFE_DATABASE_URL": database_url,
        "CAFE_ASYNC_MODE": args.async_mode,
        "CAFE_SECRET_KEY": secrets.token_hex(16),
        "CAFE_PUBLIC_URL": f"http://127.0.0.1:{ports[0]}",
        "CAFE_LOG_LEVEL": "INFO",  # the server's round lines: read/plan/write/send times
        "PYTHONUNBUFFERED": "1",
    }
    if args.spoof_addresses:
        # Every bench phone comes from 127.0.0.1; with the proxy header trusted each one gets
        # its own address, as phones on a venue's Wi-Fi have, so per-address caps apply per phone.
        env["CAFE_TRUST_PROXY"] = "1"
    if queue:
        env["CAFE_MESSAGE_QUEUE"] = queue
        env["CAFE_QUEUE_CHANNEL"] = f"bench-{secrets.token_hex(4)}"
    servers: list[ServerProcess] = []
    output = ""
    for i, port in enumerate(ports):
        server = ServerProcess(
            [sys.executable, str(ROOT / "run.py"), "--demo", "--host", "127.0.0.1", "--port", str(port)],
            env,
            workdir / f"server-{i}.log",
            port,
        )
        servers.append(server)
        # One at a time: the first one migrates the database and creates the demo café.
        text = server.start()
        if i == 0:
            output = text
    join = re.search(r"Phones join at:\s+(\S+)", output)
    fac = re.search(r"Facilitator \(keep it private\):\s+(\S+)", output)
    if not join or not fac:
        raise RuntimeError(f"could not read the demo code/secret:\n{output[-2000:]}")
    return servers, join.group(1).rsplit("/", 1)[1], fac.group(1).split("#", 1)[1]


def start_relay(args: argparse.Namespace, workdir: Path, queue: str | None) -> list[ServerProcess]:
    ports = free_ports(args.processes)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    servers = []
    for i, port in enumerate(ports):
        argv = [sys.executable, str(RELAY), "--host", "127.0.0.1", "--port", str(port), "--async-mode", args.async_mode]
        if queue:
            argv += ["--message-queue", queue, "--channel", f"bench-relay-{os.getpid()}"]
        server = ServerProcess(argv, env, workdir / f"relay-{i}.log", port)
        servers.append(server)
        server.start()
    return servers


def stop_all(servers: list[ServerProcess]) -> None:
    for server in servers:
        try:
            server.stop()
        except Exception as exc:
            log(f"stopping a server: {exc}")
        # Where each round change spent its time, as the server logged it (once per server).
        if server.reported:
            continue
        server.reported = True
        try:
            for line in server.log_path.read_text(errors="replace").splitlines():
                if " seated; read " in line:
                    log(f"server {server.port}: {line.split(': ', 1)[-1]}")
        except OSError:
            pass


def result_line(
    config: str, args: argparse.Namespace, stats: Stats, cafe: CafeResult | None, floor_p99: float | None
) -> dict[str, Any]:
    p99 = cafe.p99 if cafe else None
    line = {
        "config": config,
        "phones": args.phones,
        "processes": args.processes,
        "notes_per_s": args.notes_per_s,
        "connected": cafe.connected if cafe else 0,
        "errors": stats.errors,
        "delivered_pct": rounded(cafe.delivered_pct, 2) if cafe else None,
        "note_to_board_p50_ms": rounded(cafe.p50) if cafe else None,
        "note_to_board_p99_ms": rounded(p99),
        "floor_p99_ms": rounded(floor_p99),
        "ratio_p99": round(p99 / floor_p99, 2) if p99 is not None and floor_p99 else None,
        "seats_to_all_p99_ms": rounded(cafe.seats_p99) if cafe else None,
        "server_rss_mb": rounded(cafe.rss_mb) if cafe else None,
        "server_cpu_pct": rounded(cafe.cpu_pct) if cafe else None,
    }
    assert tuple(line) == FIELDS
    return line


def bench(config: str, args: argparse.Namespace) -> dict[str, Any]:
    """One configuration: the café, then the floor, in the same run."""
    stats = Stats()
    workdir = Path(tempfile.mkdtemp(prefix="cafe-bench-"))
    pg: Postgres | None = None
    servers: list[ServerProcess] = []
    cafe: CafeResult | None = None
    floor_p99: float | None = None
    queue = args.redis if args.processes > 1 else None
    try:
        if args.url:
            urls = [args.url.rstrip("/")]
            if not (args.code and args.secret):
                raise SystemExit("--url needs --code and --secret (the facilitator secret)")
            code, secret, pids = args.code, args.secret, list(args.server_pid or [])
        else:
            if args.db == "postgresql":
                pg = Postgres(args.database_url)
                database_url = pg.create()
                log(f"PostgreSQL schema {pg.schema}")
            else:
                database_url = f"sqlite:///{workdir / 'cafe.db'}"
            if args.processes > 1 and not queue:
                raise SystemExit("--processes > 1 needs --redis")
            servers, code, secret = start_cafe(args, workdir, database_url, queue)
            urls = [s.url for s in servers]
            pids = [s.proc.pid for s in servers if s.proc]
            log(
                f"café server(s) {', '.join(urls)} ({args.async_mode}, {args.db}"
                f"{', redis' if queue else ''}), logs in {workdir}"
            )

        async def run_cafe() -> CafeResult:
            result = await cafe_run(urls, code, secret, args, pids, stats)
            quiet(result.clients)  # type: ignore[attr-defined]
            if servers:
                stop_all(servers)  # stop first: 1,000 goodbyes would only load the server
            await close_all(result.clients)  # type: ignore[attr-defined]
            return result

        cafe = asyncio.run(run_cafe())
        stop_all(servers)
        if pg:
            pg.drop()
            pg = None

        if not args.no_floor:
            relays = start_relay(args, workdir, queue)
            servers = relays
            log(f"relay server(s) {', '.join(r.url for r in relays)}")

            async def run_floor() -> float | None:
                value = await floor_run([r.url for r in relays], args, stats, [r.proc.pid for r in relays if r.proc])
                quiet(floor_run.clients)  # type: ignore[attr-defined]
                stop_all(relays)
                await close_all(floor_run.clients)  # type: ignore[attr-defined]
                return value

            floor_p99 = asyncio.run(run_floor())
    finally:
        stop_all(servers)
        if pg:
            pg.drop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if stats.failure_codes:
        log(f"failures: {dict(stats.failure_codes.most_common(12))}")
    return result_line(config, args, stats, cafe, floor_p99)


# --------------------------------------------------------------------------------------------
# Rehearsal: fill a real café with simulated phones


async def rehearse(args: argparse.Namespace) -> dict[str, Any]:
    """N "Rehearsal k" phones join a real café, follow their seats and post a few notes."""
    stats = Stats()
    url = args.url.rstrip("/")
    code = args.code
    board = Board()
    board_sio = Sio(url, {"cafe": code, "role": "board"}, stats, board.on_message)
    await board_sio.connect()
    await board_sio.call("sync", {"since": None}, timeout=60)
    phones = [Phone(i, url, stats, None) for i in range(args.phones)]

    async def arrive(phone: Phone) -> None:
        await phone.join(code, f"Rehearsal {phone.index + 1}")
        await phone.connect(code)

    t0 = time.monotonic()
    results = await bounded_gather([arrive(p) for p in phones], min(args.connect_concurrency, 20))
    connected = record_connect_failures(results, stats, "phone")
    log(f"rehearsal: {connected}/{args.phones} phones in café {code} after {time.monotonic() - t0:.1f}s")
    deadline = time.monotonic() + args.seconds
    ok_ids: set[str] = set()
    sent = Counter[str]()

    async def life(phone: Phone) -> None:
        rng = random.Random(phone.index)
        budget = args.notes_per_phone
        mean_gap = max(2.0, args.seconds / max(1, budget))
        n = 0
        while time.monotonic() < deadline and n < budget and phone.sio and not phone.sio.closed:
            await asyncio.sleep(min(rng.expovariate(1 / mean_gap), max(0.0, deadline - time.monotonic())))
            clock = phone.clock
            rnd = clock.get("current_round")
            table = phone.seats.get(rnd) if rnd is not None else None
            if clock.get("status") != "running" or table is None or time.monotonic() >= deadline:
                continue
            n += 1
            note_id = str(uuid.uuid4())
            try:
                ack = await phone.sio.call(
                    "add_note",
                    {
                        "id": note_id,
                        "table_id": table,
                        "round": rnd,
                        "text": f"Rehearsal note {n} from phone {phone.index + 1} t={clock_ms():.3f}",
                    },
                    timeout=20,
                )
            except Exception as exc:
                stats.fail("ack_failures", type(exc).__name__)
                continue
            if isinstance(ack, dict) and ack.get("ok"):
                ok_ids.add(note_id)
                sent["ok"] += 1
            else:
                code_ = _code(ack)
                sent[code_] += 1
                if code_ not in ("not_found", "forbidden"):  # a round changing under the note
                    stats.fail("ack_failures", code_)

    await asyncio.gather(*(life(p) for p in phones if p.sio is not None))
    await drain(board, ok_ids)
    seated = sum(1 for p in phones if p.seats.get(p.clock.get("current_round")) is not None)
    log(f"rehearsal notes: {dict(sent)}; seated now {seated}; board saw {len(board.seen & ok_ids)}")
    await close_all([p.sio for p in phones] + [board_sio])
    args.processes = None
    line = result_line("rehearse", args, stats, None, None)
    line.update(
        {
            "connected": connected,
            "notes_per_s": round(len(ok_ids) / args.seconds, 2) if args.seconds else None,
            "delivered_pct": rounded(100.0 * len(board.seen & ok_ids) / len(ok_ids), 2) if ok_ids else None,
            "note_to_board_p50_ms": rounded(percentile(board.latencies, 50)),
            "note_to_board_p99_ms": rounded(percentile(board.latencies, 99)),
        }
    )
    if stats.failure_codes:
        log(f"failures: {dict(stats.failure_codes.most_common(12))}")
    return line


# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Load-test World Café, live (see bench/README.md).")
    parser.add_argument("--config", choices=sorted(PRESETS), help="a preset (overridable below)")
    parser.add_argument("--phones", type=int, help="simulated phones (default 50)")
    parser.add_argument("--processes", type=int, help="server processes (default 1)")
    parser.add_argument("--notes-per-s", type=float, help="total note rate (default 20)")
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="how long notes are posted (default 30; rehearsal: how long it lasts, 60)",
    )
    parser.add_argument("--async-mode", choices=["gevent", "eventlet"], help="CAFE_ASYNC_MODE")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], help="database (default sqlite)")
    parser.add_argument(
        "--database-url", default=DEFAULT_PG, help="PostgreSQL database; a fresh schema is created in it and dropped"
    )
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="Redis for CAFE_MESSAGE_QUEUE")
    parser.add_argument(
        "--table-capacity", type=int, default=5, help="seats per table the facilitator adds (default 5)"
    )
    parser.add_argument(
        "--connect-concurrency", type=int, default=50, help="phones joining/connecting at once (default 50)"
    )
    parser.add_argument(
        "--no-spoof-addresses",
        dest="spoof_addresses",
        action="store_false",
        help="do not give each phone its own X-Forwarded-For address",
    )
    parser.add_argument(
        "--ws",
        choices=sorted(WS_IMPL),
        default="raw",
        help="websocket client: the lean built-in one (default) or the websockets package",
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the relay (floor) half")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with server logs")
    parser.add_argument("--url", help="use a running server instead of starting one")
    parser.add_argument("--code", help="café code (with --url)")
    parser.add_argument("--secret", help="facilitator secret (with --url, not rehearsing)")
    parser.add_argument(
        "--server-pid", type=int, action="append", help="with --url: server pid(s) to sample RSS/CPU from"
    )
    parser.add_argument(
        "--rehearse", action="store_true", help="fill a real café (--url, --code) with simulated phones"
    )
    parser.add_argument("--notes-per-phone", type=int, default=3, help="rehearsal: notes per phone")
    args = parser.parse_args(argv)
    preset = PRESETS.get(args.config or "", {})
    for name, default in (
        ("phones", 50),
        ("processes", 1),
        ("notes_per_s", 20.0),
        ("async_mode", "gevent"),
        ("db", "sqlite"),
    ):
        if getattr(args, name) is None:
            setattr(args, name, preset.get(name, default))
    if args.seconds is None:
        args.seconds = 60.0 if args.rehearse else 30.0
    for name in ("phones", "processes", "connect_concurrency", "table_capacity"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 < args.notes_per_s <= 1000 or not 0 < args.seconds <= 3600:
        parser.error("--notes-per-s must be in (0, 1000] and --seconds in (0, 3600]")
    if not 1 <= args.table_capacity <= 50:
        parser.error("--table-capacity must be 1-50")
    for url in filter(None, [args.url]):
        host = urlsplit(url).hostname
        if args.rehearse is False and host not in ("127.0.0.1", "localhost"):
            parser.error("benchmarks only target 127.0.0.1 (use --rehearse for a real café)")
    if args.rehearse and not (args.url and args.code):
        parser.error("--rehearse needs --url and --code")
    if args.processes > 1 and args.db != "postgresql" and not args.url:
        parser.error("several processes share the database: use --db postgresql")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    WS_CHOICE[0] = args.ws
    raise_file_limit(max(4096, 2 * args.phones + 256))
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    if args.rehearse:
        line = asyncio.run(rehearse(args))
    else:
        line = bench(args.config or "custom", args)
    print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
