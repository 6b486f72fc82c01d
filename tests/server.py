"""A real `run.py` server process for integration and browser tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests
import socketio
import websocket

ROOT = Path(__file__).resolve().parent.parent


def _close_quickly(close: Any) -> Any:
    """websocket-client's close waits up to 3 s for the server's closing frame, but the
    Engine.IO client's read loop usually takes that frame first, so every test client's
    disconnect cost 3 s. A quarter of a second is ample on loopback."""

    def quick(self: Any, status: int = websocket.STATUS_NORMAL, reason: bytes = b"", timeout: float = 0.25) -> None:
        close(self, status, reason, timeout)

    return quick


websocket.WebSocket.close = _close_quickly(websocket.WebSocket.close)  # type: ignore[method-assign]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """Start, kill and restart `run.py --demo` on a private database and port."""

    def __init__(
        self, workdir: Path, env: dict[str, str] | None = None, port: int | None = None, name: str = "server"
    ) -> None:
        self.workdir = workdir
        self.name = name  # processes sharing a workdir (and its instance dir) log to their own files
        self.port = port or free_port()
        self.env = {
            **os.environ,
            "CAFE_INSTANCE_DIR": str(workdir),
            "CAFE_DATABASE_URL": f"sqlite:///{workdir / 'cafe.db'}",
            "CAFE_HEARTBEAT_SECONDS": "1",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.output = ""
        self.starts = 0

    @property
    def url(self) -> str:
        """Where tests reach the server (loopback)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Server:
        """Start the process and wait until it serves; parse what it printed."""
        self.starts += 1
        log = self.log_path
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "run.py"), "--demo", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.output = log.read_text(errors="replace")
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.output}")
            if "Press Ctrl+C" in self.output:
                try:
                    if requests.get(self.url + "/healthz", timeout=2).ok:
                        self._parse()
                        return self
                except requests.ConnectionError:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start in {timeout}s:\n{self.output}")

    @property
    def log_path(self) -> Path:
        """This start's log (stdout and stderr of the process)."""
        return self.workdir / f"{self.name}-{self.starts}.log"

    def log(self) -> str:
        """What the process has logged so far."""
        return self.log_path.read_text(errors="replace")

    def _parse(self) -> None:
        join = re.search(r"Phones join at:\s+(\S+)", self.output)
        fac = re.search(r"Facilitator \(keep it private\):\s+(\S+)", self.output)
        assert join and fac, self.output
        self.join_url = join.group(1)
        self.code = self.join_url.rsplit("/", 1)[1]
        self.secret = fac.group(1).split("#", 1)[1]

    def kill(self) -> None:
        """kill -9: no goodbye, no cleanup, like a crash or a pulled plug."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """A polite stop (SIGTERM), then kill if it lingers."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def join(self, name: str, **extra: Any) -> dict[str, Any]:
        """Join the demo café over HTTP, as the phone page does."""
        response = requests.post(
            f"{self.url}/api/cafes/{self.code}/participants", json={"name": name, **extra}, timeout=10
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


class LiveClient:
    """A python-socketio client that keeps a role's state the way the browser does."""

    def __init__(self, server: Server, auth: dict[str, Any]) -> None:
        self.server = server
        self.auth = auth
        self.events: list[dict[str, Any]] = []
        self.heartbeats: list[dict[str, Any]] = []
        self.seen: set[int] = set()
        self.received: list[int] = []  # every seq as it arrived, repeats included
        self.latest: int | None = None
        self.changed = threading.Condition()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
        self.sio.on("event", self._on_event)
        self.sio.on("events", self._on_events)
        self.sio.on("heartbeat", self._on_heartbeat)
        self.sio.on("connect", self._on_connect)

    def _on_event(self, event: dict[str, Any]) -> None:
        with self.changed:
            self.received.append(event["seq"])
            if event["seq"] in self.seen:
                return
            self.seen.add(event["seq"])
            self.events.append(event)
            self.latest = max(self.latest or 0, event["seq"])
            self.changed.notify_all()

    def _on_events(self, events: list[dict[str, Any]]) -> None:
        # Phones get several events in one message when the room is busy (cafe/fanout.py).
        for event in events:
            self._on_event(event)

    def _on_connect(self) -> None:
        # Like the browser: after a reconnect, ask for what was missed.
        if self.latest is not None:
            self.sio.start_background_task(self._resync)

    def _resync(self) -> None:
        try:
            ack = self.sio.call("sync", {"since": self.latest}, timeout=10)
        except Exception:  # the connection dropped again; the next connect retries
            return
        for event in ack.get("events", []):
            self._on_event(event)

    def _on_heartbeat(self, beat: dict[str, Any]) -> None:
        with self.changed:
            self.heartbeats.append(beat)
            self.changed.notify_all()

    def connect(self) -> LiveClient:
        """Open the websocket with this client's identity."""
        self.sio.connect(self.server.url, auth=self.auth, transports=["websocket"], wait_timeout=10)
        return self

    def wait_connected(self, timeout: float = 15.0) -> None:
        """Wait for the (re)connection to be up."""
        deadline = time.monotonic() + timeout
        while not self.sio.connected:
            if time.monotonic() > deadline:
                raise AssertionError("the client did not reconnect")
            time.sleep(0.05)

    def call(self, command: str, payload: Any) -> dict[str, Any]:
        """Send a command (once connected) and wait for its ack."""
        self.wait_connected()
        ack: dict[str, Any] = self.sio.call(command, payload, timeout=10)
        return ack

    def state(self) -> dict[str, Any]:
        """A fresh snapshot."""
        ack = self.call("sync", {"since": None})
        assert ack["ok"], ack
        state: dict[str, Any] = ack["state"]
        with self.changed:
            self.latest = max(self.latest or 0, state["seq"])
        return state

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until the received events satisfy `predicate(events)`."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate(self.events):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; events so far: {self.events}")
                self.changed.wait(left)
            return list(self.events)

    def close(self) -> None:
        """Disconnect (and stop reconnecting)."""
        self.sio.disconnect()


def facilitator_and_phones(
    server: Server, people: int, name: str = "Person"
) -> tuple[LiveClient, list[int], list[LiveClient]]:
    """The demo café's facilitator and `people` joined phones, all on sockets: (fac, ids, phones)."""
    fac = LiveClient(server, {"cafe": server.code, "role": "facilitator", "secret": server.secret}).connect()
    ids: list[int] = []
    phones: list[LiveClient] = []
    for i in range(people):
        joined = server.join(f"{name} {i + 1}")
        ids.append(joined["participant"]["id"])
        phones.append(LiveClient(server, {"cafe": server.code, "role": "phone", "token": joined["token"]}).connect())
    return fac, ids, phones


def close_all(clients: list[LiveClient]) -> None:
    """Close many clients at once: under a flood of events one close can wait seconds for the
    websocket's closing handshake, and sequentially that adds up to minutes."""
    threads = [threading.Thread(target=client.close) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
