"""The same rules on PostgreSQL: migrations, contiguous seq under concurrency, convergence."""
from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text

from cafe import create_app, runtime
from cafe.config import config_for_tests
from cafe.db import make_engine
from cafe.events import apply_events
from cafe.migrate import upgrade
from cafe.models import EventLog
from cafe.services import cafes, participants
from tests.conftest import events_of, socket_client, state_of

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A private, migrated schema in the test PostgreSQL database, dropped afterwards."""
    base = os.environ.get("CAFE_TEST_DATABASE_URL")
    if not base:
        pytest.skip("set CAFE_TEST_DATABASE_URL to run the PostgreSQL tests")
    base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"cafe_test_{secrets.token_hex(4)}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def pg_app(pg_url: str) -> Iterator[Flask]:
    """The app on PostgreSQL."""
    app = create_app(config_for_tests(pg_url))
    yield app
    runtime(app).db.dispose()


def test_the_migrations_build_every_table_on_postgresql(pg_app: Flask) -> None:
    with runtime(pg_app).db.reading() as session:
        names = set(session.execute(text(
            "select table_name from information_schema.tables where table_schema = current_schema()"
        )).scalars())
    assert {"cafe", "topic", "cafe_table", "round", "participant", "seat", "note", "vote",
            "summary", "signup", "event_log", "alembic_version"} <= names


def test_concurrent_joins_get_contiguous_unique_seqs_on_postgresql(pg_app: Flask) -> None:
    db = runtime(pg_app).db
    with db.transaction() as session:
        created = cafes.create_demo(session)
    code = created.cafe.code
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(15):
                with db.transaction() as session:
                    participants.join(session, cafes.find_cafe(session, code), name=f"P{n}-{i}")
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.reading() as session:
        seqs = session.scalars(select(EventLog.seq).where(EventLog.cafe_id == created.cafe.id)
                               .order_by(EventLog.seq)).all()
    assert seqs == list(range(1, 1 + 1 + 8 * 15))


def test_an_old_snapshot_plus_events_equals_a_fresh_one_on_postgresql(pg_app: Flask) -> None:
    db = runtime(pg_app).db
    with db.transaction() as session:
        created = cafes.create_demo(session)
    client = pg_app.test_client()
    board = socket_client(pg_app, client, {"cafe": created.cafe.code, "role": "board"})
    before = state_of(board)
    events_of(board)
    join: Callable[[str], Any] = lambda name: client.post(  # noqa: E731
        f"/api/cafes/{created.cafe.code}/participants", json={"name": name}).get_json()
    token = join("Ana")["token"]
    phone = socket_client(pg_app, client, {"cafe": created.cafe.code, "role": "phone", "token": token})
    join("Ben")
    phone.disconnect()
    received = events_of(board)
    assert [e["type"] for e in received] == [
        "participant_joined", "participant_connected", "participant_joined", "participant_disconnected"]
    assert apply_events(before, received) == state_of(board)
    board.disconnect()
