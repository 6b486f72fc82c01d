"""Fan-out of committed events to a café's sockets, with the phones' share coalesced.

A busy room is mostly phones: every note goes to every phone, so at 1,000 phones and
20 notes a second the server writes 20,000 websocket frames a second, and each frame costs
a system call. A phone does not need another table's note within 200 ms, so the phones'
events of a café are sent at most once per `window` as one `events` message (a list in `seq`
order). The first event after a quiet spell still leaves at once (no added latency when the
room is calm); only what follows within the window waits for the next message. Arrivals and
departures (presence) wait up to a second: a phone only shows the count.

The board and the panel are one socket each and the whole room watches the board, so their
events go out at once and before the phones' share.

With several processes (a message queue) each process batches for the phones it holds: the
events committed anywhere reach every process once, as a notice (cafe/pubsub.py), and each
process writes its own phones one batch per window. The board and the panel still get each event
through the queue, on its urgent lane.

The window must stay well under the clients' gap wait (`SYNC_DELAY_MS`, 400 ms, in
static/js/live.js): with several processes, an event held here can arrive after a later one
sent by another process, and the client waits that long for it before asking for a `sync`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask_socketio import SocketIO

from cafe import pubsub
from cafe.events import SCREENS, Event, person_room, room

Payload = dict[str, Any]
# What waits for the phones: a payload for the whole phone room, or a personal event (one
# version per participant, sent to each participant's own room).
Held = tuple[int, Payload | Event]

# How long "presence" events (arrivals, departures) may wait for the phones; "batched" ones wait
# one window, "at_once" ones none (each event's `delivery`, in cafe.events.EVENTS).
PRESENCE_WINDOW = 1.0


class Fanout:
    """Sends events to each role of their café; phones' events coalesced per `window`."""

    def __init__(
        self,
        socketio: SocketIO,
        window_ms: int,
        clock: Callable[[], float] = time.monotonic,
        notices: pubsub.QueueManager | None = None,
    ) -> None:
        self.socketio = socketio
        self.clock = clock
        self.window = window_ms / 1000.0
        self.lock = threading.Lock()
        self.pending: dict[int, list[Held]] = {}  # café id -> (seq, what) not yet sent
        self.due: dict[int, float] = {}  # café id -> when its next flush runs
        self.last_sent: dict[int, float] = {}  # café id -> monotonic time of last send
        # One send at a time per café: a send gives the hub turns (cafe/slices.py), and the
        # next one must not overtake it, so every phone gets the café's messages in order.
        self.sending: dict[int, threading.Lock] = {}
        # With several processes the phones' events cross the queue once, as a notice, and each
        # process batches them for the phones it holds and writes only to those (cafe/pubsub.py).
        self.notices = notices
        self.local_only: dict[str, Any] = {"ignore_queue": True} if notices is not None else {}
        if notices is not None:
            notices.on("phones", self._phones_notice)

    def publish(self, events: Iterable[Event]) -> None:
        """Send committed events: board and panel at once, phones coalesced."""
        events = list(events)
        for event in events:
            for role in SCREENS:
                self.socketio.emit("event", event.for_role(role), to=room(event.cafe_id, role))
        if self.notices is None:
            self.take(events)
        elif events:
            # One message for every process, this one included: each holds the events for its
            # own phones. Each process then writes one batch per window to its phones, not one
            # per window per process that committed something (2,000 phones on two processes:
            # every phone woke twice as often, and every other task waited behind the writers).
            self.notices.tell("phones", [_stored(e) for e in events])

    def _phones_notice(self, body: list[Payload]) -> None:
        self.take([_event(item) for item in body])

    def take(self, events: Iterable[Event]) -> None:
        """Hold committed events for this process's phones (or send them, without a window)."""
        for event in events:
            held: Held = (event.seq, event if event.personal else event.for_role("phone"))
            if self.window <= 0:
                with self._sending(event.cafe_id):
                    self._send(event.cafe_id, [held])
            elif event.spec.delivery == "presence":
                self._hold(event.cafe_id, held, max(self.window, PRESENCE_WINDOW))
            elif event.spec.delivery == "batched":
                self._hold(event.cafe_id, held, self.window)
            else:
                self._hold(event.cafe_id, held, 0.0)

    def _hold(self, cafe_id: int, held: Held, window: float) -> None:
        with self.lock:
            self.pending.setdefault(cafe_id, []).append(held)
            now = self.clock()
            # Due one window after the last message (at once after a quiet spell); an urgent
            # event (window 0) is due now and takes everything held with it.
            at = now if window <= 0 else max(now, self.last_sent.get(cafe_id, -window) + window)
            due = self.due.get(cafe_id)
            if due is not None and due <= at:
                return  # a flush on its way already carries it
            self.due[cafe_id] = at
        # Even with no wait, the send runs in its own task once this one yields: whatever the
        # same command or request publishes meanwhile joins the same message.
        self.socketio.start_background_task(self._send_later, cafe_id, at - now)

    def _send_later(self, cafe_id: int, wait: float) -> None:
        self.socketio.sleep(wait)
        self.flush(cafe_id)

    def flush(self, cafe_id: int) -> None:
        """Send the phones' held events of a café now (before a heartbeat, say)."""
        with self._sending(cafe_id):
            with self.lock:
                self.due.pop(cafe_id, None)
                items = self.pending.pop(cafe_id, [])
                if not items:
                    return
                self.last_sent[cafe_id] = self.clock()
            items.sort(key=lambda held: held[0])
            self._send(cafe_id, items)

    def _sending(self, cafe_id: int) -> threading.Lock:
        """The café's send lock: one send at a time, in the order they took it."""
        with self.lock:
            return self.sending.setdefault(cafe_id, threading.Lock())

    def _send(self, cafe_id: int, items: list[Held]) -> None:
        """Emit held items in seq order: runs of room payloads as one message each."""
        target = room(cafe_id, "phone")
        run: list[Payload] = []
        for _seq, what in items:
            if isinstance(what, Event):
                self._emit_run(target, run)
                run = []
                self._emit_personal(what)
                if what.spec.personal is not None and what.spec.personal.others is not None:
                    # The rest of the phones get the public version after the personal ones:
                    # the person's own phone already has this seq and ignores it.
                    run.append(what.for_role("phone"))
            else:
                run.append(what)
        self._emit_run(target, run)

    def _emit_run(self, target: str, run: list[Payload]) -> None:
        if len(run) == 1:
            self.socketio.emit("event", run[0], to=target, **self.local_only)
        elif run:
            self.socketio.emit("events", run, to=target, **self.local_only)

    def _emit_personal(self, event: Event) -> None:
        """Write each recipient's own version to their room (one small message per participant
        instead of the whole map to every phone)."""
        personal = event.spec.personal
        if personal is None:  # `take` holds only personal events whole; any other goes to the room
            self._emit_run(room(event.cafe_id, "phone"), [event.for_role("phone")])
            return
        # In one go, not in slices: a seat map is rare and everyone waits for it.
        for participant_id in personal.recipients(event.data):
            self.socketio.emit(
                "event",
                event.for_role("phone", participant_id),
                to=person_room(event.cafe_id, participant_id),
                **self.local_only,
            )

    def discard(self, cafe_id: int) -> None:
        """Forget a café's held events (it was deleted: nothing may follow its last message)."""
        with self.lock:
            self.pending.pop(cafe_id, None)
            self.last_sent.pop(cafe_id, None)
            self.due.pop(cafe_id, None)
            self.sending.pop(cafe_id, None)


def _stored(event: Event) -> Payload:
    """An event as it crosses the queue (all of it: each process makes the phones' versions)."""
    return {"cafe_id": event.cafe_id, "seq": event.seq, "type": event.type, "at": event.at_ms, "data": event.data}


def _event(item: Payload) -> Event:
    return Event(cafe_id=item["cafe_id"], seq=item["seq"], type=item["type"], at_ms=item["at"], data=item["data"])
