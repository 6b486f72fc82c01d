"""The application layer: what happens after a commit, and the clock's transitions.

Every write goes through `Database.transaction()`; the events a transaction appended are handed
to `published` once it has committed (create_app wires `db.on_commit` to it), so no caller can
forget to send them and none can send what was rolled back. The socket handlers, the web views
and the scheduler only run services; none of them imports another to reach these.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from cafe.app import Runtime
from cafe.db import brisk
from cafe.events import Event
from cafe.models import Cafe
from cafe.services import eventlog, preview, rounds, seating
from cafe.services.views import clock_of

log = logging.getLogger("cafe.flow")


def published(rt: Runtime, events: Iterable[Event]) -> None:
    """Send committed events to every role of their café, each projected for that role."""
    events = list(events)
    rt.fanout.publish(events)
    for cafe_id in {e.cafe_id for e in events if e.spec.plan_input}:
        schedule_preplan(rt, cafe_id)
        _hint_others(rt, cafe_id)


# A plan-ahead hint to the other processes at most this often per café. Fewer hints lose
# nothing as long as this is shorter than the lull: a process that plans when the lull after
# the last hint ends reads every change committed before it.
HINT_EVERY = 0.25


def _hint_others(rt: Runtime, cafe_id: int) -> None:
    """Tell the other processes that the room they may seat changed (cafe/pubsub.py)."""
    notices = rt.fanout.notices
    if notices is None or rt.config.preplan_seconds <= 0:
        return
    now = time.monotonic()
    if now - rt.preplan_hinted.get(cafe_id, -HINT_EVERY) < HINT_EVERY:
        return
    rt.preplan_hinted[cafe_id] = now
    # The click may reach any process: each one plans, so whichever it is finds the plan ready.
    notices.tell("preplan", cafe_id)


def listen(rt: Runtime) -> None:
    """Act on other processes' plan-ahead hints (a no-op without a queue)."""
    notices = rt.fanout.notices
    if notices is not None:
        notices.on("preplan", lambda cafe_id: schedule_preplan(rt, int(cafe_id)))


def schedule_preplan(rt: Runtime, cafe_id: int) -> None:
    """Plan the café's next seating once nothing has changed for `preplan_seconds`."""
    if rt.config.preplan_seconds <= 0:
        return
    # Plans are bounded by work (about a second at most for a café of a hundred), so the lull
    # is the same whatever the last plan took: a slow plan no longer pushes the next one back
    # until the click has to plan for itself.
    waiting = cafe_id in rt.preplan_at
    rt.preplan_at[cafe_id] = time.monotonic() + rt.config.preplan_seconds
    if not waiting:
        rt.socketio.start_background_task(_preplan_when_quiet, rt, cafe_id)


def _preplan_when_quiet(rt: Runtime, cafe_id: int) -> None:
    # Every change pushes the time back: 1,000 people arriving cause one plan, not 1,000.
    while (left := rt.preplan_at.get(cafe_id, 0.0) - time.monotonic()) > 0:
        rt.socketio.sleep(left)
    rt.preplan_at.pop(cafe_id, None)
    try:
        preplan(rt, cafe_id)
    except Exception:  # only a head start: the click plans for itself if this fails
        log.exception("planning ahead for café %s failed", cafe_id)


def preplan(rt: Runtime, cafe_id: int) -> bool:
    """Plan the seats the café's next click (start or end of a round) will need; True if planned."""
    with rt.db.reading() as session:
        cafe = session.get(Cafe, cafe_id)
        if cafe is None:
            return False
        upcoming = preview.next_problem(session, cafe)
    if upcoming is None or not upcoming[1].people:
        return False
    started = time.perf_counter()
    computed = rt.planner.computed
    try:
        rt.plan(upcoming[1])
    except ValueError:
        return False  # not enough seats, say: the click will say so, with what to do
    # Several processes' hints often find the plan made already: worth a line only when made.
    log.log(
        logging.INFO if rt.planner.computed > computed else logging.DEBUG,
        "café %s round %s planned ahead for %d people in %.0f ms",
        cafe_id,
        upcoming[0],
        len(upcoming[1].people),
        1000 * (time.perf_counter() - started),
    )
    return True


# The clock actions that seat people, by name (the scheduler uses "advance").
SEATED_ACTIONS: dict[str, Callable[..., list[Event]]] = {
    "start_round": rounds.start_round,
    "end_round": rounds.end_round,
    "advance": rounds.advance,
}


def transition(rt: Runtime, cafe_id: int, action: str, now: int | None = None) -> list[Event]:
    """Run a clock action that seats people: plan, then commit only if nothing moved meanwhile.

    The mixing engine plans outside any transaction (in a worker thread, so sockets stay
    served); the write then checks under a lock that the café is still where the plan
    assumed. That check is also what lets every process run the scheduler safely.
    """
    started = time.perf_counter()
    with rt.db.reading() as session:
        brisk(session)  # the whole room waits for this read: no hub turn per round trip
        cafe = session.get(Cafe, cafe_id)
        assert cafe is not None
        expected = clock_of(cafe)
        number = rounds.round_to_seat(session, cafe, action)
        problem = seating.problem_for(session, cafe, number) if number is not None else None
    read = time.perf_counter()
    computed = rt.planner.computed
    seats = seating.plan_next(problem, rt.plan) if problem is not None else None
    planned = time.perf_counter()
    with rt.db.transaction() as session:  # the commit publishes what it appended
        cafe = eventlog.lock_cafe(session, cafe_id, long_write=True)
        assert cafe is not None
        events = SEATED_ACTIONS[action](session, cafe, now=now, expected=expected, seats=seats)
    if seats is not None:
        # What the room waited for, piece by piece: the operator's view of a slow round change.
        log.info(
            "café %s round %s: %d seated; read %.0f ms, plan %.0f ms (%s), write and send %.0f ms",
            cafe_id,
            number,
            len(seats),
            1000 * (read - started),
            1000 * (planned - read),
            "computed" if rt.planner.computed > computed else "planned ahead",
            1000 * (time.perf_counter() - planned),
        )
    return events
