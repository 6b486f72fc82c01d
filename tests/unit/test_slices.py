"""A message to a big room is written in slices: the hub gets a turn after every SLICE sockets, so
the board's next event goes out before the rest of a phone batch, and nobody is skipped or
written twice."""

from __future__ import annotations

from typing import Any

import socketio

from cafe.events import Event
from cafe.fanout import Fanout
from cafe.slices import SLICE, SlicedManager, SlicedRedisManager, manager
from tests.unit.test_fanout import FakeSocketIO

PHONES, BOARD = "cafe:1:phone", "cafe:1:board"


class Hub:
    """Stands in for the server a manager writes through: records each socket written and
    each turn given to the hub; a turn may run what was waiting (`waiting`)."""

    packet_class = socketio.packet.Packet

    def __init__(self) -> None:
        self.log: list[str] = []
        self.waiting: list[Any] = []
        self.ids = iter(range(1_000_000))
        self.eio = self  # the manager asks `server.eio.generate_id()` for each connect

    def generate_id(self) -> str:
        return f"sid-{next(self.ids)}"

    def _send_eio_packet(self, eio_sid: str, pkt: Any) -> None:
        self.log.append(eio_sid)

    def sleep(self, seconds: float) -> None:
        self.log.append("turn")
        while self.waiting:
            self.waiting.pop(0)()


def room_of(mgr: SlicedManager, hub: Hub, people: int) -> None:
    mgr.set_server(hub)
    mgr.initialize()
    for n in range(people):
        sid = mgr.connect(f"phone-{n}", "/")
        mgr.enter_room(sid, "/", PHONES)
    mgr.enter_room(mgr.connect("board", "/"), "/", BOARD)


def test_a_thousand_phones_are_written_in_slices_each_once_and_the_board_goes_between() -> None:
    hub, mgr = Hub(), SlicedManager()
    room_of(mgr, hub, 1000)
    # A note reaches the board while the phones' batch is being written.
    hub.waiting.append(lambda: mgr.emit("event", {"seq": 8}, "/", room=BOARD))
    mgr.emit("events", [{"seq": 7}], "/", room=PHONES)
    phones = [entry for entry in hub.log if entry.startswith("phone-")]
    assert sorted(phones) == sorted(f"phone-{n}" for n in range(1000))  # each once
    assert hub.log.count("turn") == 1000 // SLICE
    # The board was written after the first slice, not after the thousandth phone.
    assert hub.log.index("board") == SLICE + 1


def test_a_small_room_is_written_in_one_go() -> None:
    hub, mgr = Hub(), SlicedManager()
    room_of(mgr, hub, SLICE - 1)
    mgr.emit("events", [{"seq": 1}], "/", room=PHONES)
    assert "turn" not in hub.log and len(hub.log) == SLICE - 1


def test_with_redis_the_received_emits_are_sliced_too_and_another_queue_is_left_to_flask_socketio() -> None:
    # The Redis listener hands what other processes emit to Manager.emit: it walks these slices.
    assert SlicedRedisManager.get_participants is SlicedManager.get_participants
    assert isinstance(manager(None, "c"), SlicedManager)
    assert manager("kafka://x", "c") is None


def test_a_seat_map_for_many_phones_gives_the_hub_a_turn_every_slice() -> None:
    sio = FakeSocketIO()
    turns: list[float] = []
    sio.sleep = lambda seconds: turns.append(seconds)  # type: ignore[method-assign]
    fanout = Fanout(sio, window_ms=200, clock=lambda: sio.now)  # type: ignore[arg-type]
    seats = {str(pid): 1 for pid in range(1, 3 * SLICE + 2)}
    fanout.publish([Event(1, 5, "seats_assigned", 1000, {"round": 1, "seats": seats})])
    sio.run_tasks()
    personal = [room for _name, _payload, room in sio.sent if ":p:" in room]
    assert len(personal) == len(seats) and len(set(personal)) == len(seats)
    # The first is the send's own start (0 s after a quiet spell); then one turn per slice.
    assert turns[1:] == [0, 0, 0]
