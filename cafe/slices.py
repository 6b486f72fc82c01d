"""Socket.IO client managers that write a message to a big room in slices.

An emit to a room of 1,000 phones puts the message in 1,000 sockets' queues in one go, and each
put wakes that socket's writer. Nothing else runs until the loop ends and then until the 1,000
woken writers have each made their system call: a note that reaches the board's socket in the
meantime waits behind all of them (bench/README.md, "Where a burst's time goes"). Here the loop
gives the hub a turn after every `SLICE` sockets: the writers woken so far write, the loop reads
what the network has ready (another café's note), and whatever else is ready (the board's next
event, a command's ack) goes before the rest of the batch.

The participants are a copy taken when the emit starts (python-socketio's own), so a socket
that connects or leaves during the turns changes nothing mid-loop; one that left is skipped by
Engine.IO.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gevent
import socketio

# Sockets written between two turns of the hub. 16, not 64: a note of a small café sharing the
# process with a café of 1,000 phones waits behind at most one slice at each of its hops; with 64
# the small cafés' p99 was 2.2-2.6 times its quiet value, with 16 1.7 (8: no better, more CPU)
# (bench/README.md, "Neighbours").
SLICE = 16
# A timer this short is due at the loop's next pass, after it has polled the sockets.
POLL_TURN = 1e-6


class Slices:
    """Yields to the hub every SLICE participants of a room while an emit walks it."""

    server: Any

    def get_participants(self, namespace: str, room: Any) -> Iterator[tuple[str, str]]:
        """The room's (sid, eio_sid) pairs, with a turn for the hub after every SLICE."""
        whole: Iterator[tuple[str, str]] = super().get_participants(namespace, room)  # type: ignore[misc]
        for n, pair in enumerate(whole, start=1):
            yield pair
            if n % SLICE == 0:
                self.hub_turn()

    def hub_turn(self) -> None:
        """Give the hub one pass of its loop, reading what the network has ready, then go on."""
        # gevent's sleep(0) only queues the batch behind the writers it woke: the loop runs
        # queued callbacks for up to its switch interval (5 ms) before it polls the sockets, so
        # a note arriving from a small café waited behind up to 5 ms of a big café's batch at
        # each hop. A timer is due only after a poll: the loop reads what is ready, then the
        # batch goes on. Waiting for an idle loop instead starved the batch while 1,000 phones
        # were joining (the seats' p99 doubled). Other modes keep their own yield.
        if getattr(self.server, "async_mode", None) == "gevent":
            gevent.sleep(POLL_TURN)
        else:
            self.server.sleep(0)


class SlicedManager(Slices, socketio.Manager):
    """One process: python-socketio's manager, in slices."""
