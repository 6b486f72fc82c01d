"""Each socket's outgoing queue, whose writer waits without a timer.

Engine.IO gives every socket a queue and a writer that waits on it with
`queue.get(timeout=ping_interval + ping_timeout)`. Under gevent each such wait arms a `Timeout`
(an exception object, a loop timer, a callback) that is cancelled a moment later when the next
packet arrives. An event to a café of 1,000 phones wakes 1,000 writers, and each re-arms its timer
in the same burst: ~4,000 short-lived objects that the next young collection has to walk, on the
one hub every café of the process shares (bench/README.md, "Neighbours").

The timer guards against a socket that never gets another packet and is never closed. Engine.IO
already closes that socket itself: its service task checks every socket's pong in each ping
timeout and `close()` puts the `None` that ends the writer; an open socket is pinged every ping
interval, which wakes a long poll. So here a blocking `get` waits for a packet or the close, and
sets no timer of its own.
"""

from __future__ import annotations

from typing import Any

from flask_socketio import SocketIO
from gevent.queue import JoinableQueue


class UntimedQueue(JoinableQueue):  # type: ignore[misc]
    """A socket's queue: a blocking `get` waits for a packet or the close, with no timer."""

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """The next packet; a non-blocking get still raises Empty at once."""
        return super().get(block, None)


def untimed_writer_waits(socketio: SocketIO) -> None:
    """Give this server's sockets queues whose blocking get sets no timer (gevent only; other
    async modes keep Engine.IO's own queue)."""
    eio = socketio.server.eio
    if eio.async_mode == "gevent":
        # Engine.IO's documented hook for the queues it makes; only sockets call it.
        eio.create_queue = UntimedQueue
