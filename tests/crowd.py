"""Simulated phones, boards and panels for fault tests: many raw Socket.IO clients in one asyncio loop.

Each `SimClient` behaves like `static/js/live.js` (and a phone's outbox like `static/js/outbox.js`):
it reconnects by itself, asks `sync` after every connect, applies events in `seq` order,
holds events that arrive ahead of a gap for 400 ms and then asks `sync`, asks `sync` when a
heartbeat shows a later `seq`, and treats a silent socket (no ping for ping interval +
timeout) as gone, as socket.io-client does. A phone keeps an outbox of notes, each with the
UUID the phone made, and re-sends the head of it until it is acknowledged. The raw Socket.IO
client is tests/wire.py's, the one `bench/live.py` uses too (light enough for a hundred sockets
in a test).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from cafe.events import REDUCERS
from tests.wire import ConnectRefused, Sio, Stats

SYNC_DELAY_S = 0.4  # live.js SYNC_DELAY_MS
NOTE_ACK_S = 5.0  # outbox.js NOTE_ACK_MS
RETRY_S = 3.0  # outbox.js RETRY_MS
RATE_RETRY_S = 1.5  # outbox.js RATE_RETRY_MS
TRANSIENT = {"timeout", "internal", "rate_limited"}


class WatchedSio(Sio):
    """The raw client, noting when the server last said anything and counting its pings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_heard = time.monotonic()
        self.pings: list[float] = []

    def _frame(self, msg: Any) -> None:
        self.last_heard = time.monotonic()
        if msg == "2":
            self.pings.append(self.last_heard)
        super()._frame(msg)


class SimClient:
    """One phone, board or facilitator panel that keeps its role's state like the browser."""

    started: list[SimClient] = []  # every client of the running scenario (closed by `run`)

    def __init__(
        self,
        url: str,
        auth: dict[str, Any],
        *,
        address: str | None = None,
        silence_limit: float = 45.0,
        connect_timeout: float = 3.0,
    ) -> None:
        self.url = url
        self.auth = auth
        self.headers = {"X-Forwarded-For": address} if address else {}
        self.silence_limit = silence_limit  # ping interval + timeout of the server
        self.connect_timeout = connect_timeout
        self.stats = Stats()
        self.sio: WatchedSio | None = None
        self.state: dict[str, Any] | None = None
        self.pending: dict[int, dict[str, Any]] = {}
        self.sync_timer: asyncio.TimerHandle | None = None
        self.syncing = False
        self.flushing = False
        self.retry_timer: asyncio.TimerHandle | None = None
        self.stopped = False
        self.connects = 0
        self.disconnects: list[float] = []
        self.refusals: list[Any] = []
        self.replayed = 0  # events recovered by `sync` after a gap or reconnect
        self.heartbeats: list[float] = []
        self.pings: list[float] = []
        self.outbox: list[dict[str, Any]] = []
        self.acked: dict[str, dict[str, Any]] = {}
        self.refused: dict[str, dict[str, Any]] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.runner: asyncio.Task[None] | None = None

    # --- connection --------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self.sio is not None and not self.sio.closed

    def start(self) -> None:
        """Connect now and keep reconnecting until `stop()`."""
        self.runner = asyncio.get_running_loop().create_task(self._run())
        SimClient.started.append(self)

    async def _run(self) -> None:
        delay = 0.2
        while not self.stopped:
            sio = WatchedSio(self.url, self.auth, self.stats, self._on_message, self.headers)
            try:
                await sio.connect(timeout=self.connect_timeout)
            except ConnectRefused as exc:
                self.refusals.append(exc.data)
                await asyncio.sleep(delay)
                continue
            except (TimeoutError, OSError, ConnectionError):
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            delay = 0.2
            self.sio = sio
            self.connects += 1
            self.spawn(self.sync())
            self.spawn(self.flush())
            next_flush = time.monotonic() + RETRY_S
            while not sio.closed and not self.stopped:
                if time.monotonic() - sio.last_heard > self.silence_limit:
                    sio.closing = True
                    sio.ws.abort()  # no ping for too long: the client gives up the socket
                    break
                if time.monotonic() > next_flush:  # phone.js: setInterval(outbox.flush, RETRY_MS)
                    next_flush += RETRY_S
                    if self.outbox:
                        self.spawn(self.flush())
                await asyncio.sleep(0.05)
            self.pings += sio.pings
            sio.pings = []
            if not self.stopped:
                self.disconnects.append(time.monotonic())
            self.sio = None
            if self.stopped:
                await sio.close()

    async def stop(self) -> None:
        """Close the socket and stop reconnecting."""
        self.stopped = True
        for timer in (self.sync_timer, self.retry_timer):
            if timer is not None:
                timer.cancel()
        if self.sio is not None:
            await self.sio.close()
        if self.runner is not None:
            await asyncio.wait([self.runner], timeout=5)
        for task in list(self.tasks):
            task.cancel()

    def spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def call(self, name: str, payload: Any, timeout: float = 10.0) -> dict[str, Any]:
        """Send a command once connected and wait for its ack."""
        deadline = time.monotonic() + timeout
        while not self.connected:
            if time.monotonic() > deadline:
                raise AssertionError(f"{name}: not connected")
            await asyncio.sleep(0.05)
        assert self.sio is not None
        ack: dict[str, Any] = await self.sio.call(name, payload, timeout=timeout)
        return ack

    # --- events, gaps and sync (live.js) -----------------------------------------------------

    def _on_message(self, msg: str) -> None:
        name, payload = json.loads(msg[2:])
        if name == "event":
            self.receive(payload)
        elif name == "events":
            for event in payload:
                self.receive(event)
        elif name == "heartbeat":
            self.heartbeats.append(time.monotonic())
            if self.state is not None and payload["seq"] > self.state["seq"]:
                self.schedule_sync()

    def receive(self, event: dict[str, Any]) -> None:
        if self.state is None or event["seq"] <= self.state["seq"]:
            return
        self.pending[event["seq"]] = event
        self.drain()

    def drain(self) -> None:
        assert self.state is not None
        while self.state["seq"] + 1 in self.pending:
            event = self.pending.pop(self.state["seq"] + 1)
            REDUCERS[event["type"]](self.state, event["data"])
            self.state["seq"] = event["seq"]
        for seq in [s for s in self.pending if s <= self.state["seq"]]:
            del self.pending[seq]
        if self.pending:
            self.schedule_sync()

    def schedule_sync(self) -> None:
        if self.sync_timer is not None or self.stopped:
            return

        def fire() -> None:
            self.sync_timer = None
            self.spawn(self.sync())

        self.sync_timer = asyncio.get_running_loop().call_later(SYNC_DELAY_S, fire)

    async def sync(self) -> None:
        if self.syncing or not self.connected:
            return
        self.syncing = True
        since = self.state["seq"] if self.state is not None else None
        try:
            assert self.sio is not None
            ack = await self.sio.call("sync", {"since": since}, timeout=8)
        except (TimeoutError, OSError, ConnectionError):
            self.syncing = False
            self.schedule_sync()
            return
        self.syncing = False
        if not ack.get("ok"):
            self.refusals.append(ack)
            self.schedule_sync()
            return
        if "state" in ack:
            self.state = ack["state"]
            self.drain()
        else:
            fresh = [e for e in ack["events"] if self.state is not None and e["seq"] > self.state["seq"]]
            self.replayed += len(fresh)
            for event in ack["events"]:
                self.pending[event["seq"]] = event
            if self.state is not None:
                self.drain()

    # --- the phone's outbox (outbox.js) ------------------------------------------------------

    def write(self, table_id: int, round_number: int, text: str) -> dict[str, Any]:
        """Type a note: it goes to the outbox with a UUID made here, then the outbox flushes."""
        item = {
            "id": str(uuid.uuid4()),
            "table_id": table_id,
            "round": round_number,
            "text": text,
            "colour": "yellow",
            "anonymous": False,
        }
        self.outbox.append(item)
        self.spawn(self.flush())
        return item

    def _retry_in(self, seconds: float) -> None:
        if self.retry_timer is not None:
            self.retry_timer.cancel()

        def fire() -> None:
            self.retry_timer = None
            self.spawn(self.flush())

        self.retry_timer = asyncio.get_running_loop().call_later(seconds, fire)

    async def flush(self) -> None:
        if self.flushing or not self.connected:
            return
        self.flushing = True
        try:
            for item in list(self.outbox):
                if not self.connected or self.stopped:
                    break
                try:
                    assert self.sio is not None
                    ack = await self.sio.call("add_note", item, timeout=NOTE_ACK_S)
                except (TimeoutError, OSError, ConnectionError, AssertionError):
                    ack = None
                if ack and ack.get("ok"):
                    self.outbox.remove(item)
                    self.acked[item["id"]] = ack
                    continue
                error = (ack or {}).get("error", {})
                # By kind, as outbox.js: the note limiter's code is writing_fast, a rate_limited.
                code = error.get("kind") or error.get("code", "timeout")
                if code == "rate_limited":
                    self._retry_in(RATE_RETRY_S)
                    break
                if code in TRANSIENT:
                    self._retry_in(RETRY_S)
                    break
                self.outbox.remove(item)  # waits for its author: the test fails on it
                self.refused[item["id"]] = ack or {}
        finally:
            self.flushing = False

    async def send_repeatedly(self, item: dict[str, Any], delays: list[float]) -> list[dict[str, Any]]:
        """Send the same note once per delay, each after its own wait, until each is acked."""

        async def one(delay: float) -> dict[str, Any]:
            await asyncio.sleep(delay)
            while True:
                try:
                    ack = await self.call("add_note", item, timeout=NOTE_ACK_S)
                except (TimeoutError, OSError, ConnectionError):
                    await asyncio.sleep(0.2)
                    continue
                if ack.get("ok") or ack.get("error", {}).get("code") not in TRANSIENT:
                    return ack
                await asyncio.sleep(RATE_RETRY_S)

        return list(await asyncio.gather(*(one(d) for d in delays)))


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run an async scenario; whatever happens, every client it started is closed."""

    async def main() -> None:
        try:
            await scenario()
        finally:
            clients, SimClient.started = SimClient.started, []
            await asyncio.gather(*(c.stop() for c in clients), return_exceptions=True)

    # Its own thread and loop: Playwright's sync API (the browser tests' session-wide Chromium)
    # keeps an event loop running in the main thread, where asyncio.run() refuses to start.
    failure: list[BaseException] = []

    def thread() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # handed back to the test's thread below
            failure.append(exc)

    runner = threading.Thread(target=thread, name="crowd")
    runner.start()
    runner.join()
    if failure:
        raise failure[0]


async def wait_until(
    predicate: Callable[[], bool], timeout: float, what: str, detail: Callable[[], Any] | None = None
) -> float:
    """Poll until `predicate()`; returns the seconds it took (AssertionError on timeout)."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}: {detail() if detail else ''}")
        await asyncio.sleep(0.02)
    return time.monotonic() - start


def caught_up(clients: list[SimClient], latest: int) -> bool:
    """Every client holds a state at `latest`, with nothing held back."""
    return all(c.state is not None and c.state["seq"] == latest and not c.pending for c in clients)


def behind(clients: list[SimClient], latest: int) -> list[tuple[Any, Any]]:
    """Who is not at `latest` yet (for failure messages)."""
    return [
        (c.auth.get("role"), c.state and c.state["seq"]) for c in clients if c.state is None or c.state["seq"] != latest
    ][:10]


async def fresh_snapshots_match(clients: list[SimClient]) -> list[str]:
    """Compare each client's state with a fresh snapshot of its role; returns the mismatches."""
    wrong: list[str] = []
    for client in clients:
        ack = await client.call("sync", {"since": None})
        assert ack["ok"], ack
        if ack["state"] != client.state:
            fresh = ack["state"]
            keys = sorted(k for k in fresh if fresh.get(k) != (client.state or {}).get(k))
            wrong.append(f"{client.auth.get('role')} differs in {keys}")
    return wrong


class Blackhole:
    """A TCP relay in front of a server whose network can vanish: while down, bytes go nowhere.

    While down, open connections stay open but silent in both directions, and new ones are
    accepted and never answered, like a phone whose Wi-Fi dropped. When the network comes
    back, every connection that lived through the outage is closed, as the server's reset
    of a socket it already gave up would close it.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.down = False
        self.port = 0
        self.server: asyncio.base_events.Server | None = None
        self.live: set[asyncio.StreamWriter] = set()
        self.stale: set[asyncio.StreamWriter] = set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self.port

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            self.stale.add(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self.live |= {writer, up_writer}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    if self.down:
                        continue  # the packet is lost
                    dst.write(data)
                    await dst.drain()
            except (OSError, ConnectionError):
                pass
            if not self.down and dst not in self.stale:
                dst.close()

        asyncio.ensure_future(pump(reader, up_writer))
        asyncio.ensure_future(pump(up_reader, writer))

    def cut(self) -> None:
        """The network goes away."""
        self.down = True
        self.stale |= self.live
        self.live = set()

    def restore(self) -> None:
        """The network is back; connections from before are dead."""
        self.down = False
        for writer in self.stale:
            writer.close()
        self.stale = set()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for writer in self.live | self.stale:
            writer.close()
