"""A raw Engine.IO v4 / Socket.IO v5 client over a websocket, light enough for thousands of sockets.

Shared by the fault tests (tests/crowd.py) and the load generator (bench/live.py). Frames:
server `0{open}`; client `40{auth}` -> server `40{sid}` or `44{error}`; ping `2` -> `3`; events
`42["name",payload]`; calls `42<id>[...]` answered by `43<id>[...]`. The default websocket
layer is a small RFC 6455 client on an `asyncio.Protocol` (`RawWebSocket`); `WS_CHOICE[0] =
"websockets"` uses the `websockets` package instead (imported only then). Also here: a
minimal HTTP client for the JSON API (`http_json`) and the failure counters (`Stats`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import os
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

JSON_SEP = (",", ":")


def clock_ms() -> float:
    """A monotonic clock in milliseconds, shared by senders and the board (one process)."""
    return time.perf_counter() * 1000.0


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
        """Count one failure of `kind` (an attribute above) and its code."""
        setattr(self, kind, getattr(self, kind) + 1)
        if sum(self.failure_codes.values()) < 10_000:
            self.failure_codes[f"{kind}:{code}"] += 1

    @property
    def errors(self) -> int:
        """All failures together."""
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

    # All sockets together: bytes read off the network, and the messages' bytes they carried
    # (the same without compression): what a room's Wi-Fi carries to the phones.
    wire_bytes = 0
    message_bytes = 0

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
        RawWebSocket.wire_bytes += len(data)
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
            self._frame(b0 & 0x80, b0 & 0x0F, payload, b0 & 0x40)
        if pos:
            del buf[:pos]

    def _frame(self, fin: int, opcode: int, payload: bytes, rsv1: int = 0) -> None:
        if opcode == 0 and self.fragments is not None:
            self.fragments.append(payload)
            if not fin:
                return
            opcode, payload, self.fragments = self.fragment_op, b"".join(self.fragments), None
        elif opcode in (1, 2) and not fin:
            self.fragments, self.fragment_op = [payload], opcode
            return
        if opcode in (1, 2):
            RawWebSocket.message_bytes += len(payload)
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


class DeflateWebSocket(RawWebSocket):
    """The lean client offering permessage-deflate as every browser does, so the server pays
    for compression as it does for a phone (it reads compressed and plain messages alike)."""

    OFFER = "permessage-deflate; client_max_window_bits"

    def __init__(self) -> None:
        super().__init__()
        self.inflater = zlib.decompressobj(-15)
        self.compressed = False
        self.compressed_messages = 0

    async def open(self, url: str, headers: dict[str, str], timeout: float) -> None:
        await super().open(url, {**headers, "Sec-WebSocket-Extensions": self.OFFER}, timeout)

    def _frame(self, fin: int, opcode: int, payload: bytes, rsv1: int = 0) -> None:
        if opcode in (1, 2):  # a message's first frame says whether it is compressed
            self.compressed = bool(rsv1)
            self.compressed_messages += self.compressed
        if self.compressed and opcode in (0, 1, 2):
            # RFC 7692: the sender drops the flush's empty block; the receiver puts it back.
            payload = self.inflater.decompress(payload + b"\x00\x00\xff\xff" if fin else payload)
        super()._frame(fin, opcode, payload)


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


WS_IMPL: dict[str, Callable[[], Any]] = {
    "raw": RawWebSocket,
    "raw-deflate": DeflateWebSocket,
    "websockets": LibWebSocket,
}
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
        """Send an event without waiting for an ack."""
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
        """Say goodbye (`41`) and close the websocket; a closing socket is not an error."""
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
