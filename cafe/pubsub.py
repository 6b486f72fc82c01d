"""The message queue between processes: Flask-SocketIO's Redis manager, plus notices.

With several processes every emit is a message on one Redis channel, read by one listener in
every process, which writes it to the sockets it holds. For the phones that was wrong twice over
(bench/README.md, "Seats across processes"): each phone's own seat was an emit of its own (2,000
PUBLISH round trips, each waiting for a turn of a hub busy with a thousand sockets, and 2,000
messages through every listener), and every process sent its own batch of the room's events to
every phone, so with two processes each phone was written twice as often.

A *notice* is one message that every process acts on itself, this one included. The phones'
events cross as one notice per commit (`Fanout.publish`), and each process batches them for the
phones it holds and writes only to those: one batch per window per process, whoever committed,
and a seat map that crosses once. The plan-ahead hint is a notice too: a process must know that
another one's arrivals changed the room it will seat. A notice is an emit of the reserved event
`NOTICE`, so it rides python-socketio's own channel and keeps its order; it is never written to a
socket.

Messages for the board and the panel ride their own channel, read by their own listener: a note
committed in one process reaches the board in another without queueing behind anything else on
the main channel. Each lane keeps its order; nothing orders a board message against a phone
message (different sockets) anyway.

Big rooms are written in slices here too (cafe/slices.py). No listener walks a big room: each
process's own flush writes the phones' batches. (When the listener wrote every process's batches
itself, slices made everything behind it wait: the phones' note p99 went from 0.4 s to 0.6-1.5 s
with 2,000 phones on two processes.)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import socketio

from cafe.slices import Slices

log = logging.getLogger("cafe.pubsub")

# The reserved event name; a socket never receives it (the manager takes it before any room).
NOTICE = "cafe:notice"

Handler = Callable[[Any], None]


class QueueManager(Slices, socketio.RedisManager):
    """python-socketio's Redis manager, in slices, with an urgent lane and notices."""

    def __init__(self, url: str, channel: str, urgent: Callable[[str], bool] = lambda room: False) -> None:
        super().__init__(url, channel=channel)
        self.handlers: dict[str, Handler] = {}
        self.urgent = urgent  # is this room's traffic urgent (the board's, the panel's)?
        self.urgent_channel = f"{channel}:urgent"

    def initialize(self) -> None:
        """Start the main listener (python-socketio's) and the urgent lane's."""
        super().initialize()
        if not self.write_only:
            self.server.start_background_task(self._urgent_thread)

    def _publish(self, data: dict[str, Any]) -> Any:
        room = data.get("room")
        if data.get("method") != "emit" or not isinstance(room, str) or not self.urgent(room):
            return super()._publish(data)
        for attempt in (1, 2):
            try:
                if not self.connected:
                    self._redis_connect()
                return self.redis.publish(self.urgent_channel, self.json.dumps(data))
            except Exception:
                self.connected = False
                if attempt == 2:
                    log.exception("could not publish to Redis (urgent lane)")
        return None

    def _urgent_messages(self) -> Iterator[Any]:
        """What the urgent lane carries, on a connection of its own; reconnects with a back-off."""
        wait = 1.0
        while True:
            try:
                pubsub = (
                    self._get_redis_module()
                    .Redis.from_url(self.redis_url, **self.redis_options)
                    .pubsub(ignore_subscribe_messages=True)
                )
                pubsub.subscribe(self.urgent_channel)
                wait = 1.0
                for message in pubsub.listen():
                    if message.get("type") == "message":
                        yield message["data"]
            except Exception:
                log.exception("the urgent lane lost Redis; again in %.0f s", wait)
                time.sleep(wait)
                wait = min(60.0, wait * 2)

    def _urgent_thread(self) -> None:
        for raw in self._urgent_messages():
            try:
                data = self.json.loads(raw)
                # Its own messages were written here already (python-socketio handles an emit
                # locally before publishing it).
                if isinstance(data, dict) and data.get("method") == "emit" and data.get("host_id") != self.host_id:
                    self._handle_emit(data)
            except Exception:
                log.exception("urgent message dropped")

    def on(self, kind: str, handler: Handler) -> None:
        """Run `handler(data)` in this process for every notice of `kind`, from any process."""
        self.handlers[kind] = handler

    def tell(self, kind: str, data: Any) -> None:
        """Act on a notice here now and in every other process when its listener reads it."""
        self.emit(NOTICE, {"kind": kind, "data": data}, namespace="/")

    def _handle_emit(self, message: dict[str, Any]) -> None:
        if message.get("event") != NOTICE:
            super()._handle_emit(message)
            return
        body = message["data"][0] if isinstance(message.get("data"), list) else message.get("data")
        kind = body.get("kind") if isinstance(body, dict) else None
        handler = self.handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            # A process of another version may send kinds this one does not know.
            log.warning("notice of unknown kind %r ignored", kind)
            return
        try:
            handler(body["data"])
        except Exception:  # one bad notice must not stop the listener (or the sender's emit)
            log.exception("notice %s failed", kind)


def client_manager(
    message_queue: str | None, channel: str, alone: Callable[[], Any], urgent: Callable[[str], bool]
) -> Any:
    """The client manager for this process: `alone()` without a queue, ours over Redis (with
    `urgent` rooms on their own lane), and None (Flask-SocketIO's own, from the URL) for any
    other queue."""
    if message_queue is None:
        return alone()
    if message_queue.startswith(("redis://", "rediss://")):
        return QueueManager(message_queue, channel, urgent)
    return None


def notices(manager: Any) -> QueueManager | None:
    """The manager, when it carries notices between processes."""
    return manager if isinstance(manager, QueueManager) else None
