"""The deadline loop: a phase whose time is up moves on, exactly once across processes."""

from __future__ import annotations

import logging

from sqlalchemy import select

from cafe.app import Runtime
from cafe.events import Event
from cafe.flow import schedule_preplan, transition
from cafe.models import Cafe, now_ms
from cafe.services import eventlog, rounds, seating, signups
from cafe.services.errors import Conflict

log = logging.getLogger("cafe.scheduler")

TICK_SECONDS = 0.25
SWEEP_MS = 3_600_000  # contacts are deleted within the hour their days are up


class Scheduler:
    """Checks deadlines a few times a second; safe to run in every process."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        # (café, round, deadline) already reported as blocked, so the panel is told once.
        self.reported: set[tuple[int, int | None, int | None]] = set()
        self.next_sweep = 0  # the contacts' retention runs at start, then every SWEEP_MS

    def forget_contacts(self, now: int) -> int:
        """The retention job: working-group contacts older than their café's `contact_days` go."""
        with self.rt.db.transaction() as session:
            gone = signups.forget_contacts(session, now)
        self.next_sweep = now + SWEEP_MS
        if gone:
            log.info("deleted %d working-group contacts past their café's retention", gone)
        return gone

    def due_cafes(self, now: int) -> list[int]:
        """Cafés whose running phase should move on now."""
        with self.rt.db.reading() as session:
            candidates = session.scalars(select(Cafe).where(Cafe.status == "running", Cafe.ends_at_ms <= now)).all()
            return [c.id for c in candidates if rounds.due(c, now)]

    def tick(self, now: int | None = None) -> list[Event]:
        """Advance every café whose deadline has passed; returns what happened."""
        now = now_ms() if now is None else now
        happened: list[Event] = self.expire_announcements(now)
        for cafe_id in self.due_cafes(now):
            try:
                happened += transition(self.rt, cafe_id, "advance", now)
            except Conflict:
                pass  # another process (or the facilitator) moved it on first: exactly once
            except seating.NotEnoughSeats as exc:
                happened += self._blocked(cafe_id, exc.message)
        # After the deadlines: a restart's first tick ends an overdue round before anything else.
        if now >= self.next_sweep:
            self.forget_contacts(now)
        return happened

    def expire_announcements(self, now: int) -> list[Event]:
        """Clear the announcements whose time is up (under the café's lock: exactly once)."""
        with self.rt.db.reading() as session:
            due = list(
                session.scalars(
                    select(Cafe.id).where(Cafe.announcement_until_ms.is_not(None), Cafe.announcement_until_ms <= now)
                )
            )
        happened: list[Event] = []
        for cafe_id in due:
            with self.rt.db.transaction() as session:
                cafe = eventlog.lock_cafe(session, cafe_id)
                events = rounds.expire_announcement(session, cafe, now) if cafe is not None else []
            happened += events
        return happened

    def _blocked(self, cafe_id: int, message: str) -> list[Event]:
        with self.rt.db.transaction() as session:
            cafe = session.get(Cafe, cafe_id)
            assert cafe is not None
            key = (cafe_id, cafe.current_round, cafe.ends_at_ms)
            if key in self.reported:
                return []
            self.reported.add(key)
            event = eventlog.append(
                session, cafe_id, "advance_blocked", {"round": cafe.current_round, "message": message}
            )
        return [event]

    def run_forever(self) -> None:
        """The background loop (one per process)."""
        while True:
            self.rt.socketio.sleep(TICK_SECONDS)
            try:
                self.tick()
            except Exception:  # a bad tick must not stop the clock for good
                log.exception("scheduler tick failed")


def start(rt: Runtime) -> Scheduler:
    """Start the deadline loop in the background of this process."""
    scheduler = Scheduler(rt)
    rt.socketio.start_background_task(scheduler.run_forever)
    # A process that starts (after a crash, say) plans the running cafés' next seats ahead, as
    # one that saw the changes would have: the next deadline finds them ready, not to compute.
    with rt.db.reading() as session:
        running = list(session.scalars(select(Cafe.id).where(Cafe.status == "running")))
    for cafe_id in running:
        schedule_preplan(rt, cafe_id)
    return scheduler
