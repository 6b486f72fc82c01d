"""A socket's writer waits for its next packet without a timer of its own (cafe/outqueue.py): it is
woken by a packet or by the socket's close, however long the room is quiet, and Engine.IO's own
liveness check is what closes a silent socket."""

from __future__ import annotations

import dataclasses
import queue
from collections.abc import Iterator
from pathlib import Path

import gevent
import pytest
from engineio import packet
from engineio.socket import Socket
from flask import Flask

from cafe.app import create_app, runtime
from cafe.config import config_for_tests
from cafe.outqueue import UntimedQueue


def app_in(mode: str, db: Path) -> Flask:
    return create_app(dataclasses.replace(config_for_tests(f"sqlite:///{db}"), async_mode=mode))


@pytest.fixture
def gevent_app(tmp_path: Path, migrated_template: Path) -> Iterator[Flask]:
    db = tmp_path / "cafe.db"
    db.write_bytes(migrated_template.read_bytes())
    application = app_in("gevent", db)
    yield application
    runtime(application).db.dispose()


def engine(application: Flask):  # type: ignore[no-untyped-def]
    return runtime(application).socketio.server.eio


def test_a_quiet_socket_waits_past_engineio_s_timeout_and_gets_the_packet_when_it_comes(gevent_app: Flask) -> None:
    eio = engine(gevent_app)
    # Engine.IO's writer waits ping_interval + ping_timeout for a packet, then gives up and closes
    # the connection; here that would be 40 ms, and the café's next word (a note in Chinese) comes
    # after 150 ms: a room that is quiet for a while.
    eio.ping_interval, eio.ping_timeout = 0.02, 0.02
    sock = Socket(eio, "quiet")
    assert isinstance(sock.queue, UntimedQueue)
    note = packet.Packet(packet.MESSAGE, data='2["event",{"text":"社区花园"}]')
    gevent.spawn_later(0.15, sock.queue.put, note)
    assert sock.poll() == [note]


def test_closing_a_socket_ends_its_writer_s_wait(gevent_app: Flask) -> None:
    eio = engine(gevent_app)
    sock = Socket(eio, "leaving")
    waiting = gevent.spawn(sock.poll)
    gevent.sleep(0.05)
    assert not waiting.ready()
    sock.close(wait=False, abort=True)
    assert waiting.get(timeout=2) == []


def test_a_non_blocking_get_on_an_empty_queue_still_says_empty_at_once(gevent_app: Flask) -> None:
    sock = Socket(engine(gevent_app), "empty")
    with pytest.raises(gevent.queue.Empty):
        sock.queue.get(block=False)


def test_the_threaded_mode_keeps_engineio_s_own_queue(app: Flask) -> None:
    # The tests' own mode (and eventlet's) are left as Engine.IO made them.
    assert isinstance(engine(app).create_queue(), queue.Queue)
