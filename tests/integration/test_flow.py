"""Publish on commit: whatever a transaction appends reaches the room once it commits, and only then."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_socketio import SocketIOTestClient

from cafe.app import runtime
from cafe.models import Cafe
from cafe.services import rounds, setup
from tests.conftest import CafeHandle, events_of


def test_a_service_run_in_a_transaction_reaches_the_board_without_anyone_publishing(
    app: Flask, cafe: CafeHandle, board: SocketIOTestClient
) -> None:
    events_of(board)
    with runtime(app).db.transaction() as session:
        the_cafe = session.get(Cafe, cafe.id)
        assert the_cafe is not None
        # An uneven addition and a multilingual announcement, as a script or a new view would write.
        setup.add_topic(session, the_cafe, name="Vivienda", tables=1, translations={"zh": {"name": "住房"}})
        rounds.announce(session, the_cafe, "Café y pan en la entrada · 入口有咖啡")
    seen = events_of(board)
    assert [e["type"] for e in seen] == ["topic_added", "table_added", "announcement_made"]
    assert seen[0]["data"]["topic"]["translations"] == {"zh": {"name": "住房"}}
    assert [e["seq"] for e in seen] == list(range(seen[0]["seq"], seen[0]["seq"] + 3))


def test_a_transaction_that_rolls_back_sends_nothing_and_the_next_seq_is_unbroken(
    app: Flask, cafe: CafeHandle, board: SocketIOTestClient
) -> None:
    events_of(board)
    with pytest.raises(RuntimeError), runtime(app).db.transaction() as session:
        the_cafe = session.get(Cafe, cafe.id)
        assert the_cafe is not None
        rounds.announce(session, the_cafe, "Never said")
        raise RuntimeError("the write fails after the append")
    assert events_of(board) == []
    with runtime(app).db.transaction() as session:
        the_cafe = session.get(Cafe, cafe.id)
        assert the_cafe is not None
        [said] = rounds.announce(session, the_cafe, "Said once")
    [seen] = events_of(board)
    assert seen["seq"] == said.seq and seen["data"]["announcement"]["text"] == "Said once"
