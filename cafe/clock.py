"""The café's clock: which phase it is in, when that phase ends, and how it moves on. Pure.

A café runs lobby -> (move to round n's tables -> discuss round n) x N -> harvest -> closed.
While a phase runs the server stores an absolute deadline (`ends_at_ms`, UTC ms); while it is
paused, the time that was left (`remaining_ms`). Devices render the countdown from the deadline
and their measured clock offset, so a phone whose clock is wrong still shows the right time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

MINUTE_MS = 60_000


class ClockError(ValueError):
    """A clock action that does not fit the café's current phase; `code` names which."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Clock:
    """Where a café is in its run."""

    status: str = "draft"  # draft | lobby | running | harvest | closed
    current_round: int | None = None
    phase: str | None = None  # move | discuss, while running
    ends_at_ms: int | None = None  # the deadline while the phase runs
    remaining_ms: int | None = None  # the time left while paused

    @property
    def running(self) -> bool:
        """A phase is under way (paused or not)."""
        return self.status == "running" and self.phase is not None

    @property
    def paused(self) -> bool:
        """The countdown is frozen."""
        return self.running and self.ends_at_ms is None

    def as_dict(self) -> dict[str, Any]:
        """The `clock` object of clock events and snapshots."""
        return asdict(self)


def remaining(clock: Clock, now_ms: int) -> int | None:
    """Milliseconds left in the phase (never negative); None when no countdown runs."""
    if not clock.running:
        return None
    if clock.paused:
        return clock.remaining_ms
    assert clock.ends_at_ms is not None
    return max(0, clock.ends_at_ms - now_ms)


def expired(clock: Clock, now_ms: int) -> bool:
    """The phase's deadline has passed (a paused phase never expires)."""
    return clock.running and not clock.paused and clock.ends_at_ms is not None and clock.ends_at_ms <= now_ms


def open_lobby(clock: Clock) -> Clock:
    """Draft -> lobby: phones see the lobby, the board shows the QR code."""
    if clock.status not in ("draft", "lobby"):
        raise ClockError("already_started", "The café has already started.")
    return Clock(status="lobby")


def start_move(clock: Clock, number: int, move_ms: int, now_ms: int) -> Clock:
    """Begin the move to round `number`'s tables."""
    if clock.status in ("harvest", "closed"):
        raise ClockError("rounds_over", "The rounds are over.")
    return Clock(status="running", current_round=number, phase="move", ends_at_ms=now_ms + move_ms)


def start_discussion(clock: Clock, discuss_ms: int, now_ms: int) -> Clock:
    """End the move (on time or skipped) and start the current round's discussion."""
    if not (clock.running and clock.phase == "move"):
        raise ClockError("no_move", "There is no move under way to end.")
    return replace(clock, phase="discuss", ends_at_ms=now_ms + discuss_ms, remaining_ms=None)


def pause(clock: Clock, now_ms: int) -> Clock:
    """Freeze the countdown, keeping the time left."""
    if not clock.running:
        raise ClockError("nothing_to_pause", "Nothing is running to pause.")
    if clock.paused:
        raise ClockError("already_paused", "The round is already paused.")
    return replace(clock, ends_at_ms=None, remaining_ms=remaining(clock, now_ms))


def resume(clock: Clock, now_ms: int) -> Clock:
    """Restart a frozen countdown from the time it had left."""
    if not clock.paused:
        raise ClockError("not_paused", "The round is not paused.")
    assert clock.remaining_ms is not None
    return replace(clock, ends_at_ms=now_ms + clock.remaining_ms, remaining_ms=None)


def extend(clock: Clock, delta_ms: int, now_ms: int) -> Clock:
    """Add (or with a negative delta, take away) time; never below zero left."""
    if not clock.running:
        raise ClockError("nothing_to_extend", "Nothing is running to extend.")
    left = remaining(clock, now_ms)
    assert left is not None
    new_left = max(0, left + delta_ms)
    if clock.paused:
        return replace(clock, remaining_ms=new_left)
    return replace(clock, ends_at_ms=now_ms + new_left)


def harvest(clock: Clock) -> Clock:
    """Stop the rounds and gather the room's ideas."""
    if clock.status == "closed":
        raise ClockError("cafe_is_closed", "The café is closed.")
    return Clock(status="harvest", current_round=clock.current_round)


def close(clock: Clock) -> Clock:
    """The café is over: nothing runs, nobody joins."""
    return Clock(status="closed", current_round=clock.current_round)
