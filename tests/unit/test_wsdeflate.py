"""Browsers' WebSocket compression on the server's terms (cafe/wsdeflate.py): each message is
compressed once for every socket, short ones go as they are, and a phone's message never inflates
past the socket's limit. The client here is wsproto's own, offering what a browser offers."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator

import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Event,
    Message,
    Request,
    TextMessage,
)
from wsproto.extensions import PerMessageDeflate

from cafe import wsdeflate
from cafe.wsdeflate import CACHE_BYTES, MIN_BYTES, SharedDeflate

BROWSER_OFFER = "permessage-deflate; client_max_window_bits"


class Pair:
    """A phone and its socket on the server, joined by a handshake, bytes carried by hand."""

    def __init__(self) -> None:
        self.phone = WSConnection(ConnectionType.CLIENT)
        self.server = WSConnection(ConnectionType.SERVER)
        self.server.receive_data(
            self.phone.send(Request(host="cafe.local", target="/socket.io/", extensions=[PerMessageDeflate()]))
        )
        request = next(e for e in self.server.events() if isinstance(e, Request))
        assert BROWSER_OFFER.split(";")[0] in request.extensions[0]  # type: ignore[operator]
        self.deflate = SharedDeflate()
        self.answer = self.server.send(AcceptConnection(extensions=[self.deflate]))
        self.phone.receive_data(self.answer)
        assert isinstance(next(self.phone.events()), AcceptConnection)

    def to_phone(self, text: str) -> tuple[bytes, str]:
        """What went on the wire, and what the phone read."""
        wire = self.server.send(TextMessage(data=text))
        self.phone.receive_data(wire)
        return wire, "".join(e.data for e in self.phone.events() if isinstance(e, TextMessage))

    def to_server(self, wire: bytes) -> list[Event]:
        self.server.receive_data(wire)
        return list(self.server.events())


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    wsdeflate._cache.clear()
    yield
    wsdeflate._cache.clear()


def batch(notes: int) -> str:
    """A phone batch as the server writes it: notes in several scripts, as in a real room."""
    texts = ["社区花园每周开放", "Jardin partagé ouvert à tous", "حديقة مجتمعية", "Kominote a 🌱", "Ana's idea"]
    events = [
        {"seq": 40 + n, "type": "note_added", "data": {"note": {"id": f"n{n}", "text": texts[n % 5], "table_id": 3}}}
        for n in range(notes)
    ]
    return "42" + json.dumps(["events", events], ensure_ascii=False)


def test_the_server_answers_a_browser_s_offer_without_context_takeover_either_way() -> None:
    answer = Pair().answer.decode().lower()
    assert "sec-websocket-extensions: permessage-deflate" in answer
    assert "server_no_context_takeover" in answer and "client_no_context_takeover" in answer


def test_one_batch_is_compressed_once_and_every_phone_reads_it_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    made = []
    real = zlib.compressobj
    monkeypatch.setattr(wsdeflate.zlib, "compressobj", lambda *a: made.append(a) or real(*a))
    phones = [Pair() for _ in range(30)]  # a thin room's phones, one of them late below
    text = batch(6)
    wires = set()
    for pair in phones:
        wire, read = pair.to_phone(text)
        assert read == text
        wires.add(wire)
    late = Pair()
    wire, read = late.to_phone(text)
    assert read == text and wires == {wire}  # the same bytes for all 31
    assert len(made) == 1
    assert len(wire) < len(text.encode()) / 2


def test_each_message_stands_alone_so_a_phone_can_read_any_of_them() -> None:
    first, second = batch(3), batch(5)
    pair = Pair()
    assert pair.to_phone(first)[1] == first
    assert pair.to_phone(second)[1] == second
    # A phone that joins after the first batch reads the second as well: no shared history.
    assert Pair().to_phone(second)[1] == second


def test_snapshots_of_a_reconnecting_room_never_hold_more_than_the_cache_s_bytes() -> None:
    # A thousand phones come back after the Wi-Fi drops: each gets its own snapshot (a big
    # message no other socket shares). Every one is read whole; the cache stays bounded.
    pair = Pair()
    for n in range(40):
        snapshot = batch(1500).replace('"seq": 40', f'"seq": {40 + n}', 1)
        assert len(snapshot.encode()) > 150_000
        assert pair.to_phone(snapshot)[1] == snapshot
        assert wsdeflate._cache.held <= CACHE_BYTES
    assert 0 < len(wsdeflate._cache.entries) < 40
    # A café of years of notes: one snapshot bigger than the whole cache is sent, not kept.
    huge = batch(60_000)
    assert len(huge.encode()) > CACHE_BYTES
    assert pair.to_phone(huge)[1] == huge
    assert wsdeflate._cache.held <= CACHE_BYTES and huge.encode() not in wsdeflate._cache.entries


def test_a_short_message_goes_uncompressed() -> None:
    heartbeat = '42["heartbeat",{"seq":41,"server_now":1765000000000}]'
    assert len(heartbeat) < MIN_BYTES
    wire, read = Pair().to_phone(heartbeat)
    assert read == heartbeat
    assert wire[0] & 0x40 == 0  # RSV1 clear: not compressed
    assert heartbeat.encode() in wire


def test_a_phone_s_compressed_note_is_read_and_its_inflater_dropped() -> None:
    pair = Pair()
    note = '42["add_note",{"text":"' + "Gemeinschaftsgarten 社区花园 " * 20 + '"}]'
    events = pair.to_server(pair.phone.send(TextMessage(data=note)))
    assert [e.data for e in events if isinstance(e, Message)] == [note]
    assert pair.deflate._decompressor is None


def test_a_small_frame_that_inflates_past_the_limit_closes_the_socket_without_inflating_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(SharedDeflate, "inflate_limit", 100_000)
    pair = Pair()
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = (bomb.compress(b"0" * 50_000_000) + bomb.flush(zlib.Z_SYNC_FLUSH))[:-4]
    assert len(payload) < 65_536
    # A masked text frame with RSV1 set, as a phone would send it (mask of zeros: XOR is a no-op).
    head = bytes([0xC1, 0x80 | 126]) + len(payload).to_bytes(2, "big") + b"\0\0\0\0"
    events = pair.to_server(head + payload)
    closes = [e for e in events if isinstance(e, CloseConnection)]
    assert closes and closes[0].code == 1009  # message too big
    assert not any(isinstance(e, Message) for e in events)
    assert pair.deflate._inflated <= 100_001


def test_install_makes_simple_websocket_accept_on_these_terms() -> None:
    import simple_websocket.ws

    wsdeflate.install(5_000_000)
    assert simple_websocket.ws.PerMessageDeflate is SharedDeflate
    assert SharedDeflate.inflate_limit == 5_000_000
