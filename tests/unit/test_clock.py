"""The clock's arithmetic: deadlines, pause and resume, extending, and phases in order."""

import pytest

from cafe import clock
from cafe.clock import Clock, ClockError

NOW = 1_800_000_000_000


def discussing(left_ms: int = 20 * 60_000) -> Clock:
    moving = clock.start_move(Clock(status="lobby"), 1, 120_000, NOW - 1000)
    return clock.start_discussion(moving, left_ms, NOW)


def test_a_round_starts_with_a_move_to_its_tables_then_the_discussion() -> None:
    moving = clock.start_move(Clock(status="lobby"), 1, 120_000, NOW)
    assert (moving.status, moving.current_round, moving.phase) == ("running", 1, "move")
    assert moving.ends_at_ms == NOW + 120_000
    talking = clock.start_discussion(moving, 1_200_000, NOW + 5_000)
    assert talking.phase == "discuss" and talking.ends_at_ms == NOW + 5_000 + 1_200_000


def test_the_countdown_is_the_deadline_minus_now_and_never_negative() -> None:
    c = discussing(60_000)
    assert clock.remaining(c, NOW + 15_000) == 45_000
    assert clock.remaining(c, NOW + 90_000) == 0
    assert clock.expired(c, NOW + 60_000) and not clock.expired(c, NOW + 59_999)


def test_pause_keeps_the_time_left_and_resume_restarts_from_it() -> None:
    paused = clock.pause(discussing(60_000), NOW + 20_000)
    assert paused.paused and paused.remaining_ms == 40_000 and paused.ends_at_ms is None
    # Time passes while paused: nothing is lost.
    assert clock.remaining(paused, NOW + 500_000) == 40_000
    assert not clock.expired(paused, NOW + 10**9)
    resumed = clock.resume(paused, NOW + 500_000)
    assert resumed.ends_at_ms == NOW + 540_000 and resumed.remaining_ms is None


def test_plus_one_minute_moves_the_deadline_and_minus_one_never_goes_below_zero() -> None:
    c = discussing(90_000)
    assert clock.extend(c, 60_000, NOW).ends_at_ms == NOW + 150_000
    assert clock.extend(c, -60_000, NOW).ends_at_ms == NOW + 30_000
    assert clock.extend(c, -600_000, NOW).ends_at_ms == NOW


def test_extending_a_paused_round_changes_the_time_left() -> None:
    paused = clock.pause(discussing(90_000), NOW)
    assert clock.extend(paused, 60_000, NOW + 999).remaining_ms == 150_000


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda c: clock.pause(c, NOW), "Nothing is running"),
        (lambda c: clock.resume(c, NOW), "not paused"),
        (lambda c: clock.extend(c, 60_000, NOW), "Nothing is running"),
        (lambda c: clock.start_discussion(c, 1000, NOW), "no move"),
    ],
)
def test_actions_that_do_not_fit_the_lobby_say_why(action: object, message: str) -> None:
    with pytest.raises(ClockError, match=message):
        action(Clock(status="lobby"))  # type: ignore[operator]


def test_pausing_twice_is_refused() -> None:
    with pytest.raises(ClockError, match="already paused"):
        clock.pause(clock.pause(discussing(), NOW), NOW)


def test_harvest_and_close_stop_the_countdown() -> None:
    harvested = clock.harvest(discussing())
    assert harvested.status == "harvest" and clock.remaining(harvested, NOW) is None
    closed = clock.close(harvested)
    assert closed.status == "closed"
    with pytest.raises(ClockError):
        clock.start_move(closed, 2, 1000, NOW)
    with pytest.raises(ClockError):
        clock.open_lobby(closed)


def test_a_device_with_a_wrong_clock_computes_the_same_remaining_time() -> None:
    # The device measures offset = server_now - local_now and renders deadline - (local + offset).
    c = discussing(600_000)
    server_now = NOW + 100_000
    for skew in (-300_000, 0, 300_000):
        local_now = server_now + skew
        offset = server_now - local_now
        assert c.ends_at_ms - (local_now + offset) == clock.remaining(c, server_now)
