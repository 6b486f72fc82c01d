"""The fan-out: board and panel at once, phones' chatter coalesced into `events` messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cafe.events import Event
from cafe.fanout import Fanout


class FakeSocketIO:
    """Records emits; background tasks run when the test says so, on a clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sent: list[tuple[str, Any, str]] = []
        self.tasks: list[tuple[Callable[..., None], tuple[Any, ...]]] = []

    def emit(self, name: str, payload: Any, to: str) -> None:
        self.sent.append((name, payload, to))

    def start_background_task(self, fn: Callable[..., None], *args: Any) -> None:
        self.tasks.append((fn, args))

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def run_tasks(self) -> None:
        while self.tasks:
            fn, args = self.tasks.pop(0)
            fn(*args)

    def to(self, target: str) -> list[tuple[str, Any]]:
        return [(name, payload) for name, payload, room in self.sent if room == target]


def note(seq: int, cafe_id: int = 1) -> Event:
    return Event(cafe_id, seq, "note_added", 1000 + seq, {"note": {"id": f"n{seq}", "text": "x"}})


def arrival(seq: int, cafe_id: int = 1) -> Event:
    return Event(
        cafe_id,
        seq,
        "participant_connected",
        1000 + seq,
        {"participant_id": seq, "counts": {"joined": seq, "present": seq}},
    )


def clock_event(seq: int, cafe_id: int = 1) -> Event:
    return Event(cafe_id, seq, "round_started", 1000 + seq, {"clock": {"status": "running"}})


@pytest.fixture
def sio() -> FakeSocketIO:
    return FakeSocketIO()


@pytest.fixture
def fanout(sio: FakeSocketIO) -> Fanout:
    return Fanout(sio, window_ms=200, clock=lambda: sio.now)  # type: ignore[arg-type]


def seqs(messages: list[tuple[str, Any]]) -> list[list[int]]:
    """Each message as the list of seqs it carries."""
    return [[payload["seq"]] if name == "event" else [e["seq"] for e in payload] for name, payload in messages]


def test_the_board_and_the_panel_get_each_event_at_once(sio: FakeSocketIO, fanout: Fanout) -> None:
    fanout.publish([note(1), note(2), note(3)])
    assert seqs(sio.to("cafe:1:board")) == [[1], [2], [3]]
    assert seqs(sio.to("cafe:1:facilitator")) == [[1], [2], [3]]
    assert sio.to("cafe:1:phone") == []  # the phones' share waits for this task to yield


def test_the_first_note_after_a_quiet_spell_reaches_phones_alone_and_at_once(sio: FakeSocketIO, fanout: Fanout) -> None:
    fanout.publish([note(1)])
    before = sio.now
    sio.run_tasks()
    assert sio.now == before  # no wait
    assert sio.to("cafe:1:phone") == [("event", note(1).for_role("phone"))]


def test_notes_within_the_window_reach_phones_as_one_events_message_in_seq_order(
    sio: FakeSocketIO, fanout: Fanout
) -> None:
    fanout.publish([note(1)])
    sio.run_tasks()
    fanout.publish([note(3)])
    fanout.publish([note(2)])  # committed in another task, published a little later
    fanout.publish([note(4)])
    sio.run_tasks()
    assert seqs(sio.to("cafe:1:phone")) == [[1], [2, 3, 4]]
    assert sio.to("cafe:1:phone")[1][0] == "events"
    assert sio.now == pytest.approx(100.2)  # the second message left one window after the first


def test_a_clock_event_leaves_at_once_and_takes_the_held_notes_with_it(sio: FakeSocketIO, fanout: Fanout) -> None:
    fanout.publish([note(1)])
    sio.run_tasks()
    fanout.publish([note(2)])
    fanout.publish([clock_event(3)])
    start = sio.now
    fn, args = sio.tasks.pop()  # the urgent flush, scheduled last, runs without waiting
    fn(*args)
    assert sio.now == start
    assert seqs(sio.to("cafe:1:phone")) == [[1], [2, 3]]
    sio.run_tasks()  # the windowed flush finds nothing left
    assert seqs(sio.to("cafe:1:phone")) == [[1], [2, 3]]


def test_cafes_are_coalesced_separately(sio: FakeSocketIO, fanout: Fanout) -> None:
    fanout.publish([note(1, cafe_id=1), note(1, cafe_id=2), note(2, cafe_id=1)])
    sio.run_tasks()
    assert seqs(sio.to("cafe:1:phone")) == [[1, 2]]
    assert seqs(sio.to("cafe:2:phone")) == [[1]]


def test_flush_sends_what_is_held_now(sio: FakeSocketIO, fanout: Fanout) -> None:
    fanout.publish([note(1), note(2)])
    fanout.flush(1)
    assert seqs(sio.to("cafe:1:phone")) == [[1, 2]]


def test_a_deleted_cafes_held_events_are_never_sent(sio: FakeSocketIO, fanout: Fanout) -> None:
    fanout.publish([note(1)])
    fanout.discard(1)
    sio.run_tasks()
    assert sio.to("cafe:1:phone") == []


def test_a_zero_window_sends_every_event_to_phones_at_once(sio: FakeSocketIO) -> None:
    fanout = Fanout(sio, window_ms=0)  # type: ignore[arg-type]
    fanout.publish([note(1), note(2)])
    assert seqs(sio.to("cafe:1:phone")) == [[1], [2]]
    assert sio.tasks == []


def test_phones_get_their_projection_and_the_panel_its_own() -> None:
    sio = FakeSocketIO()
    fanout = Fanout(sio, window_ms=0)  # type: ignore[arg-type]
    person = {
        "id": 7,
        "name": "Ana",
        "anonymous": False,
        "present": True,
        "admitted": True,
        "organisation": "Boston Ujima Project",
    }
    fanout.publish(
        [Event(1, 1, "participant_joined", 1, {"participant": person, "counts": {"joined": 1, "present": 1}})]
    )
    assert "organisation" not in sio.to("cafe:1:phone")[0][1]["data"]["participant"]
    assert sio.to("cafe:1:facilitator")[0][1]["data"]["participant"]["organisation"]


def test_arrivals_reach_phones_at_most_once_a_second_but_the_board_at_once(sio: FakeSocketIO, fanout: Fanout) -> None:
    fanout.publish([arrival(1)])
    sio.run_tasks()  # the first after a quiet spell: at once
    fanout.publish([arrival(2)])
    fanout.publish([arrival(3)])
    sio.run_tasks()
    assert seqs(sio.to("cafe:1:phone")) == [[1], [2, 3]]
    assert sio.now == pytest.approx(101.0)
    assert seqs(sio.to("cafe:1:board")) == [[1], [2], [3]]


def test_a_note_does_not_wait_for_the_arrivals_second(sio: FakeSocketIO, fanout: Fanout) -> None:
    fanout.publish([arrival(1)])
    sio.run_tasks()
    fanout.publish([arrival(2)])  # due a second after the last message
    fanout.publish([note(3)])  # due 200 ms after it: an earlier flush takes both
    fn, args = sio.tasks.pop()
    fn(*args)
    assert sio.now == pytest.approx(100.2)
    assert seqs(sio.to("cafe:1:phone")) == [[1], [2, 3]]
