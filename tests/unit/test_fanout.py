"""The fan-out: board and panel at once, phones' chatter coalesced into `events` messages."""

from __future__ import annotations

import json
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
        self.local_only: list[str] = []  # rooms written on this process's sockets only

    def emit(self, name: str, payload: Any, to: str, ignore_queue: bool = False) -> None:
        self.sent.append((name, payload, to))
        if ignore_queue:
            self.local_only.append(to)

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


class FakeNotices:
    """Stands in for the Redis manager: a notice is acted on here at once, as the real one does,
    and kept as it crossed the queue (through JSON)."""

    def __init__(self) -> None:
        self.told: list[tuple[str, Any]] = []
        self.handlers: dict[str, Callable[[Any], None]] = {}

    def on(self, kind: str, handler: Callable[[Any], None]) -> None:
        self.handlers[kind] = handler

    def tell(self, kind: str, data: Any) -> None:
        crossed = json.loads(json.dumps(data))
        self.told.append((kind, crossed))
        self.handlers[kind](crossed)


def seats(seq: int, seats: dict[str, int]) -> Event:
    return Event(1, seq, "seats_assigned", 1000 + seq, {"round": 1, "seats": seats})


def test_with_a_queue_the_phones_events_cross_once_and_each_process_writes_only_to_its_own_phones(
    sio: FakeSocketIO,
) -> None:
    notices = FakeNotices()
    fanout = Fanout(sio, window_ms=200, clock=lambda: sio.now, notices=notices)  # type: ignore[arg-type]
    # An uneven room: three tables, one of them with a single person.
    room = {"11": 1, "12": 1, "13": 2, "14": 2, "15": 2, "16": 3}
    fanout.publish([note(1), seats(2, room), note(3)])
    sio.run_tasks()
    # One queue message for the three events (the seat map whole, not one message per phone).
    assert [kind for kind, _ in notices.told] == ["phones"]
    assert [item["seq"] for item in notices.told[0][1]] == [1, 2, 3]
    assert notices.told[0][1][1]["data"] == {"round": 1, "seats": room}
    for pid, table in room.items():
        got = sio.to(f"cafe:1:p:{pid}")
        assert got == [
            ("event", {"seq": 2, "type": "seats_assigned", "at": 1002, "data": {"round": 1, "seats": {pid: table}}})
        ]
    # Every phone message is written here to the sockets this process holds; the other processes
    # do the same with theirs. The board and the panel still cross the queue (their urgent lane).
    phone_rooms = [to for _name, _payload, to in sio.sent if to.startswith(("cafe:1:p:", "cafe:1:phone"))]
    assert sorted(sio.local_only) == sorted(phone_rooms) and len(phone_rooms) == 8
    assert not any(to.endswith((":board", ":facilitator", ":staff")) for to in sio.local_only)
    # The room's notes go around the seats in seq order: 1 before, 3 after.
    assert phone_rooms[0] == "cafe:1:phone" and phone_rooms[-1] == "cafe:1:phone"


def test_events_another_process_committed_are_batched_here_with_ours(sio: FakeSocketIO) -> None:
    notices = FakeNotices()
    fanout = Fanout(sio, window_ms=200, clock=lambda: sio.now, notices=notices)  # type: ignore[arg-type]
    fanout.publish([note(1)])
    sio.run_tasks()
    fanout.publish([note(3)])
    notices.handlers["phones"]([{"cafe_id": 1, "seq": 2, "type": "note_added", "at": 1002, "data": note(2).data}])
    sio.run_tasks()
    assert seqs(sio.to("cafe:1:phone")) == [[1], [2, 3]]  # one batch, in seq order


def test_without_a_queue_each_seat_is_an_ordinary_emit(sio: FakeSocketIO, fanout: Fanout) -> None:
    fanout.publish([seats(1, {"21": 4, "22": 5})])
    sio.run_tasks()
    assert sio.to("cafe:1:p:21")[0][1]["data"]["seats"] == {"21": 4}
    assert sio.local_only == []
