"""A message to a big room is written in slices: the hub gets a turn after every SLICE sockets, so
the board's next event goes out before the rest of a phone batch, and nobody is skipped or
written twice."""

from __future__ import annotations

from typing import Any

import gevent
import gevent.socket
import socketio

from cafe.events import is_screen_room
from cafe.pubsub import QueueManager, client_manager
from cafe.slices import SLICE, SlicedManager, Slices

PHONES, BOARD = "cafe:1:phone", "cafe:1:board"


class Hub:
    """Stands in for the server a manager writes through: records each socket written and
    each turn given to the hub; a turn may run what was waiting (`waiting`)."""

    packet_class = socketio.packet.Packet
    async_mode = "threading"  # the turn is this hub's sleep(0); a test sets "gevent"

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
        if self.async_mode == "gevent":
            gevent.sleep(seconds)


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


def test_under_gevent_a_phone_ready_to_be_read_is_read_after_one_slice_not_after_the_batch() -> None:
    # A small café's note arrives on its socket while a café of 1,000 is being written to. gevent's
    # sleep(0) would run the batch's turns back to back for up to 5 ms before polling sockets
    # (here: the whole batch); the turn lets the loop poll first.
    hub, mgr = Hub(), SlicedManager()
    hub.async_mode = "gevent"
    room_of(mgr, hub, 1000)
    near, far = gevent.socket.socketpair()
    reader = gevent.spawn(lambda: hub.log.append(f"read {near.recv(64).decode()}"))
    gevent.sleep(0)  # the reader is waiting on its socket
    far.sendall("nota 笔记".encode())
    mgr.emit("events", [{"seq": 7}], "/", room=PHONES)
    reader.join(timeout=5)
    near.close()
    far.close()
    phones = [entry for entry in hub.log if entry.startswith("phone-")]
    assert sorted(phones) == sorted(f"phone-{n}" for n in range(1000))  # each once
    assert hub.log.index("read nota 笔记") <= 2 * SLICE  # a slice or two, not 1,000 phones


def test_a_small_room_is_written_in_one_go() -> None:
    hub, mgr = Hub(), SlicedManager()
    room_of(mgr, hub, SLICE - 1)
    mgr.emit("events", [{"seq": 1}], "/", room=PHONES)
    assert "turn" not in hub.log and len(hub.log) == SLICE - 1


def test_one_process_writes_in_slices_redis_too_and_other_queues_are_flask_socketios() -> None:
    assert isinstance(client_manager(None, "c", SlicedManager, is_screen_room), SlicedManager)
    queue = client_manager("redis://127.0.0.1:6379/0", "c", SlicedManager, is_screen_room)
    assert isinstance(queue, QueueManager) and isinstance(queue, Slices)
    assert client_manager("amqp://guest@127.0.0.1//", "c", SlicedManager, is_screen_room) is None


def test_only_the_board_and_panel_rooms_take_the_urgent_lane() -> None:
    assert is_screen_room("cafe:7:board") and is_screen_room("cafe:7:facilitator") and is_screen_room("cafe:7:staff")
    assert not any(is_screen_room(r) for r in ("cafe:7", "cafe:7:phone", "cafe:7:p:12", "team:3", "board"))
