"""PostgreSQL round trips that do not wait for the gevent hub while a café's lock is held.

Every change of a café passes through its row lock (it orders `seq`), across all processes.
Under gevent each database round trip yields to the hub, and a hub busy with a thousand sockets
resumes the waiting greenlet only after every other ready greenlet has run: 80-200 ms per
statement was measured with 2,000 phones arriving, during which the lock stays held and every
other writer of the café, in every process, queues behind it. So once a transaction takes the
lock, its round trips first wait without yielding (a plain `poll()`, a fraction of a millisecond
on a local database); only if the answer takes longer than `BLOCK_MS` (a lock held elsewhere,
a stalled disk) does the wait go back to the hub, so a stall never freezes the process's
sockets and heartbeats.

Only used where gevent has patched `select` (psycopg then waits cooperatively); SQLite never
yields inside a statement anyway.
"""

from __future__ import annotations

import select
import sys
import time
from typing import Any

import psycopg
from psycopg.waiting import Ready, Wait

BLOCK_MS = 5
# A round change writes every seat (a 2,000-row INSERT is ~70 ms) while the room waits for it:
# a hub turn after each of its statements cost 1-2 s in the bench. It is rare (once a round), so
# it may stall the process that long instead.
ROUND_CHANGE_BLOCK_MS = 250
_MASKS = {Wait.R: select.POLLIN, Wait.W: select.POLLOUT, Wait.RW: select.POLLIN | select.POLLOUT}
_BAD = select.POLLERR | select.POLLHUP | select.POLLNVAL


def hub_is_patched() -> bool:
    """True when gevent has replaced `select` (so psycopg yields to its hub on every wait)."""
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("select"))


def _ready(events: list[tuple[int, int]]) -> int:
    if not events:
        return Ready.NONE
    mask = events[0][1]
    ready = (Ready.R if mask & select.POLLIN else 0) | (Ready.W if mask & select.POLLOUT else 0)
    if not ready and mask & _BAD:
        raise psycopg.OperationalError("connection socket closed")
    return ready


def wait_briskly(gen: Any, fileno: int, interval: float, block_ms: int = BLOCK_MS) -> Any:
    """Drive a psycopg generator: a short blocking poll first, then the hub's poll."""
    from gevent.monkey import get_original

    blocking = get_original("select", "poll")()
    cooperative = select.poll()  # gevent's
    try:
        state = next(gen)
        blocking.register(fileno, _MASKS[state])
        cooperative.register(fileno, _MASKS[state])
        while True:
            ready = _ready(blocking.poll(block_ms))
            if not ready:
                ready = _ready(cooperative.poll(int(interval * 1000)))
            if not ready:
                gen.send(Ready.NONE)  # lets psycopg check for interrupts, then wait again
                continue
            state = gen.send(ready)
            blocking.modify(fileno, _MASKS[state])
            cooperative.modify(fileno, _MASKS[state])
    except StopIteration as done:
        return done.value


# Taking the lock: PostgreSQL grants a waited-for lock at once, but the greenlet that asked
# resumes only at its turn of the hub, holding the lock meanwhile, and with 30 writers queued
# (seen in `pg_stat_activity` with 2,000 phones arriving) every grant cost that wait again. So
# the lock is first *tried* (an advisory lock per café, which answers at once), briskly; between
# tries the greenlet sleeps and lets the hub run. Once the try succeeds the greenlet is already
# running, and the rest of the transaction takes about a millisecond. After `SPIN_S` of tries it
# waits in PostgreSQL instead, where a deadlock (café lock against a participant's row) is
# detected and refused, rather than spinning until the ack times out.
ADVISORY_CLASS = 0x0CAFE  # first key of the two-key advisory lock: "a café's writers"
SPIN_S = 0.25
TRY_LOCK = "SELECT pg_try_advisory_xact_lock(%s, %s)"
WAIT_LOCK = "SELECT pg_advisory_xact_lock(%s, %s)"


class BriskConnection(psycopg.Connection[Any]):
    """A psycopg connection that waits briskly from `hold()` to the end of the transaction."""

    holding = False
    gated: int | None = None  # the café whose advisory lock this transaction holds
    block_ms = BLOCK_MS

    def hold(self, cafe_id: int | None = None, block_ms: int = BLOCK_MS) -> None:
        """Take (once per transaction) the café's gate, then stop yielding per round trip."""
        self.holding = True
        self.block_ms = max(self.block_ms, block_ms)
        if cafe_id is None or self.gated == cafe_id:
            return
        pause = 0.001
        deadline = time.monotonic() + SPIN_S
        while not self.execute(TRY_LOCK, (ADVISORY_CLASS, cafe_id)).fetchone()[0]:  # type: ignore[index]
            if time.monotonic() > deadline:
                self.holding = False  # a long wait: in PostgreSQL, through the hub
                self.execute(WAIT_LOCK, (ADVISORY_CLASS, cafe_id))
                self.holding = True
                break
            time.sleep(pause)  # gevent's sleep: the other greenlets run meanwhile
            pause = min(pause * 2, 0.02)
        self.gated = cafe_id

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        """Psycopg's wait, brisk while a lock is held (timed waits keep psycopg's own)."""
        if self.holding and timeout is None:
            return wait_briskly(gen, self.pgconn.socket, interval, self.block_ms)
        return super().wait(gen, interval, timeout)

    def commit(self) -> None:
        """Commit (briskly, the lock is released by it), then wait like everyone again."""
        try:
            super().commit()
        finally:
            self.holding, self.gated, self.block_ms = False, None, BLOCK_MS

    def rollback(self) -> None:
        """Roll back, then wait like everyone again."""
        try:
            super().rollback()
        finally:
            self.holding, self.gated, self.block_ms = False, None, BLOCK_MS


def connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> BriskConnection:
    """SQLAlchemy `do_connect` hook: open a BriskConnection with the dialect's arguments."""
    return BriskConnection.connect(*cargs, **cparams)


def hold(dbapi_connection: Any, cafe_id: int | None = None, block_ms: int = BLOCK_MS) -> None:
    """Take the café's gate and wait briskly from here (no-op for other connections)."""
    if isinstance(dbapi_connection, BriskConnection):
        dbapi_connection.hold(cafe_id, block_ms)
