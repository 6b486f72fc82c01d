"""Running the café: open, start and end rounds, pause, extend, harvest, close, announce.

Transitions that seat people take `seats` planned *outside* the write transaction (the mixing
engine may think for a second; no lock is held meanwhile) and `expected`, the clock the plan
was made for: if the café moved on in between (another process, a double click), nothing is
written. That conditional check is also what makes the scheduler advance a phase exactly once.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cafe import clock
from cafe.clock import Clock, ClockError
from cafe.events import Event
from cafe.models import Cafe, Round, now_ms
from cafe.services import eventlog, seating, settings, spotlight
from cafe.services.errors import Conflict, Invalid
from cafe.services.text import clean
from cafe.services.views import announcement, clock_of, set_clock
from cafe.services.words import text_translations

Seats = seating.Seats


def _round(session: Session, cafe: Cafe, number: int) -> Round:
    row = session.scalar(select(Round).where(Round.cafe_id == cafe.id, Round.number == number))
    if row is None:
        raise Invalid("round_not_planned", number=number)
    return row


def _check(cafe: Cafe, expected: Clock | None) -> Clock:
    current = clock_of(cafe)
    if expected is not None and current != expected:
        raise Conflict("moved_on")
    return current


# Clock events that begin a new phase: what belonged to the phase before ends with it.
PHASE_EVENTS = frozenset({"cafe_opened", "move_started", "round_started", "harvest_started", "cafe_closed"})


def _clock_event(session: Session, cafe: Cafe, event_type: str, new: Clock) -> list[Event]:
    """The clock's event, preceded by the end of whatever the old phase had on screen.

    The rule (docs/architecture.md, "Everything on screen has an owner and an end"): a
    spotlight ends with its phase, so a move always shows where everyone goes; an
    announcement ends when it is cleared, when its time is up, or when the café closes.
    """
    ended: list[Event] = []
    if event_type in PHASE_EVENTS:
        ended += spotlight.spotlight(session, cafe, None)
    if event_type == "cafe_closed":
        ended += clear_announcement(session, cafe)
    return ended + [eventlog.append(session, cafe.id, event_type, {"clock": set_clock(cafe, new)})]


def round_to_seat(session: Session, cafe: Cafe, action: str) -> int | None:
    """Which round's seats `action` (start_round, end_round, advance) needs planned, if any."""
    now = clock_of(cafe)
    if action == "start_round" and now.status == "lobby":
        return 1
    if action in ("end_round", "advance") and now.running and now.phase == "discuss":
        assert now.current_round is not None
        if now.current_round < seating.total_rounds(session, cafe):
            return now.current_round + 1
    return None


def open_cafe(session: Session, cafe: Cafe) -> list[Event]:
    """Draft -> lobby: the board shows the QR code, phones wait in the lobby."""
    try:
        new = clock.open_lobby(clock_of(cafe))
    except ClockError as exc:
        raise Invalid(exc.code) from None
    return _clock_event(session, cafe, "cafe_opened", new)


def _begin_move(session: Session, cafe: Cafe, number: int, seats: Seats | None, now: int) -> list[Event]:
    rnd = _round(session, cafe, number)
    if seats is None:
        raise Invalid("seats_not_planned")
    seated = seating.write_round(session, cafe, number, seats)
    new = clock.start_move(clock_of(cafe), number, rnd.move_seconds * 1000, now)
    rnd.started_at_ms = now
    return [seated, *_clock_event(session, cafe, "move_started", new)]


def start_round(
    session: Session, cafe: Cafe, *, now: int | None = None, expected: Clock | None = None, seats: Seats | None = None
) -> list[Event]:
    """From the lobby: seat round 1 and send people to their tables. During a move: talk now."""
    now = now_ms() if now is None else now
    current = _check(cafe, expected)
    if current.status == "draft":
        raise Invalid("open_first")
    if current.status == "lobby":
        if seating.total_rounds(session, cafe) == 0:
            raise Invalid("no_rounds")
        return _begin_move(session, cafe, 1, seats, now)
    if current.running and current.phase == "move" and not current.paused:
        assert current.current_round is not None
        rnd = _round(session, cafe, current.current_round)
        new = clock.start_discussion(current, rnd.discuss_seconds * 1000, now)
        return _clock_event(session, cafe, "round_started", new)
    if current.paused:
        raise Invalid("round_paused")
    raise Invalid("round_under_way")


def end_round(
    session: Session, cafe: Cafe, *, now: int | None = None, expected: Clock | None = None, seats: Seats | None = None
) -> list[Event]:
    """End the discussion now: move to the next round's seats, or harvest after the last."""
    now = now_ms() if now is None else now
    current = _check(cafe, expected)
    if not (current.running and current.phase == "discuss"):
        raise Invalid("no_discussion")
    assert current.current_round is not None
    rnd = _round(session, cafe, current.current_round)
    rnd.ended_at_ms = now
    if current.current_round >= seating.total_rounds(session, cafe):
        return _clock_event(session, cafe, "harvest_started", clock.harvest(current))
    return _begin_move(session, cafe, current.current_round + 1, seats, now)


def due(cafe: Cafe, now: int) -> bool:
    """The scheduler should act: a running phase's deadline has passed."""
    current = clock_of(cafe)
    if not clock.expired(current, now):
        return False
    # A discussion ends by itself only with auto-advance; a move always does.
    return current.phase == "move" or bool(settings.value(cafe.settings, "auto_advance"))


def advance(
    session: Session, cafe: Cafe, *, now: int | None = None, expected: Clock, seats: Seats | None = None
) -> list[Event]:
    """The deadline passed: end the move, or end the discussion (exactly once: `expected`)."""
    now = now_ms() if now is None else now
    current = _check(cafe, expected)
    if not due(cafe, now):
        return []
    if current.phase == "move":
        return start_round(session, cafe, now=now, expected=expected)
    return end_round(session, cafe, now=now, expected=expected, seats=seats)


def pause(session: Session, cafe: Cafe, *, now: int | None = None) -> list[Event]:
    """Freeze the countdown."""
    try:
        new = clock.pause(clock_of(cafe), now_ms() if now is None else now)
    except ClockError as exc:
        raise Invalid(exc.code) from None
    return _clock_event(session, cafe, "round_paused", new)


def resume(session: Session, cafe: Cafe, *, now: int | None = None) -> list[Event]:
    """Restart the countdown from where it stopped."""
    try:
        new = clock.resume(clock_of(cafe), now_ms() if now is None else now)
    except ClockError as exc:
        raise Invalid(exc.code) from None
    return _clock_event(session, cafe, "round_resumed", new)


def extend(session: Session, cafe: Cafe, seconds: object, *, now: int | None = None) -> list[Event]:
    """Add or take away time (the panel's +1 min / -1 min)."""
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds == 0 or not -3600 <= seconds <= 3600:
        raise Invalid("extend_range")
    try:
        new = clock.extend(clock_of(cafe), seconds * 1000, now_ms() if now is None else now)
    except ClockError as exc:
        raise Invalid(exc.code) from None
    return _clock_event(session, cafe, "round_extended", new)


def start_harvest(session: Session, cafe: Cafe) -> list[Event]:
    """Stop the rounds and move on to the harvest."""
    current = clock_of(cafe)
    if current.status == "harvest":
        raise Invalid("harvest_started")
    try:
        new = clock.harvest(current)
    except ClockError as exc:
        raise Invalid(exc.code) from None
    if current.running and current.current_round is not None:
        _round(session, cafe, current.current_round).ended_at_ms = now_ms()
    return _clock_event(session, cafe, "harvest_started", new)


def close_cafe(session: Session, cafe: Cafe) -> list[Event]:
    """The café is over: nothing runs and nobody new joins."""
    if cafe.status == "closed":
        raise Invalid("already_closed")
    return _clock_event(session, cafe, "cafe_closed", clock.close(clock_of(cafe)))


ANNOUNCEMENT_MINUTES = (1, 480)


def announce(
    session: Session,
    cafe: Cafe,
    text: object,
    *,
    minutes: object = None,
    translations: object = None,
    now: int | None = None,
) -> list[Event]:
    """A message to every phone and the board (replacing any other), for `minutes` or until cleared."""
    if cafe.status == "closed":
        raise Invalid("closed_no_announcement")
    if minutes is not None:
        low, high = ANNOUNCEMENT_MINUTES
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not low <= minutes <= high:
            raise Invalid("announcement_minutes", low=low, high=high)
    text = clean(text, field="The announcement", max_length=280)
    versions = text_translations(translations, "The announcement", 280)
    now = now_ms() if now is None else now
    cafe.announcement = text
    cafe.announcement_translations = versions
    cafe.announced_at_ms = now
    cafe.announcement_until_ms = now + minutes * 60_000 if minutes is not None else None
    return [eventlog.append(session, cafe.id, "announcement_made", {"announcement": announcement(cafe)})]


def clear_announcement(session: Session, cafe: Cafe) -> list[Event]:
    """Take the announcement off every screen (nothing happens when there is none)."""
    if cafe.announcement is None:
        return []
    cafe.announcement = None
    cafe.announced_at_ms = None
    cafe.announcement_until_ms = None
    cafe.announcement_translations = {}
    return [eventlog.append(session, cafe.id, "announcement_cleared", {})]


def expire_announcement(session: Session, cafe: Cafe, now: int) -> list[Event]:
    """The announcement's time is up: it goes (the scheduler calls this, exactly once)."""
    if cafe.announcement_until_ms is None or cafe.announcement_until_ms > now:
        return []
    return clear_announcement(session, cafe)
