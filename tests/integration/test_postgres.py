"""The same rules on PostgreSQL: migrations, contiguous seq under concurrency, convergence."""

from __future__ import annotations

import os
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text

from cafe import rotation
from cafe.app import create_app, runtime
from cafe.config import config_for_tests
from cafe.db import make_engine
from cafe.events import apply_events
from cafe.migrate import upgrade
from cafe.models import Cafe, EventLog, Participant, Round, Seat
from cafe.services import cafes, notes, participants, rounds, seating
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
        names = set(
            session.execute(
                text("select table_name from information_schema.tables where table_schema = current_schema()")
            ).scalars()
        )
    assert {
        "cafe",
        "topic",
        "cafe_table",
        "round",
        "participant",
        "seat",
        "note",
        "vote",
        "summary",
        "signup",
        "event_log",
        "alembic_version",
    } <= names


def run_at_once(work: Callable[[int], None], args: list[int]) -> None:
    """Run `work(arg)` in one thread per argument, started together; fail on any error."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(args))

    def worker(arg: int) -> None:
        try:
            start.wait()
            work(arg)
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(arg,)) for arg in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_concurrent_joins_get_contiguous_unique_seqs_on_postgresql(pg_app: Flask) -> None:
    db = runtime(pg_app).db
    with db.transaction() as session:
        created = cafes.create_demo(session)
    code = created.cafe.code

    def joins(n: int) -> None:
        for i in range(15):
            with db.transaction() as session:
                participants.join(session, cafes.find_cafe(session, code), name=f"P{n}-{i}")

    run_at_once(joins, list(range(8)))
    with db.reading() as session:
        seqs = session.scalars(
            select(EventLog.seq).where(EventLog.cafe_id == created.cafe.id).order_by(EventLog.seq)
        ).all()
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
        f"/api/cafes/{created.cafe.code}/participants", json={"name": name}
    ).get_json()
    token = join("Ana")["token"]
    phone = socket_client(pg_app, client, {"cafe": created.cafe.code, "role": "phone", "token": token})
    join("Ben")
    phone.disconnect()
    received = events_of(board)
    assert [e["type"] for e in received] == [
        "participant_joined",
        "participant_connected",
        "participant_joined",
        "participant_disconnected",
    ]
    assert apply_events(before, received) == state_of(board)
    board.disconnect()


def test_concurrent_dots_on_one_note_publish_tallies_in_seq_order_on_postgresql(pg_app: Flask) -> None:
    # The tablecloth's commands take the café's lock only when drawing the seq: the tally in
    # each note_voted must still be the one at that point of the stream.
    db = runtime(pg_app).db
    with db.transaction() as session:
        cafe = cafes.create_demo(session).cafe
        people = [participants.join(session, cafe, name=f"P{i}").participant for i in range(9)]
        cafe_id, ids = cafe.id, [p.id for p in people]
    for step in ("start_round", "start_round"):  # seats and the move, then the discussion
        with db.transaction() as session:
            cafe = session.get(Cafe, cafe_id)
            number = rounds.round_to_seat(session, cafe, step)
            seats = seating.plan_next(seating.problem_for(session, cafe, number), rotation.plan) if number else None
            rounds.start_round(session, cafe, seats=seats)
    with db.transaction() as session:
        cafe = session.get(Cafe, cafe_id)
        author = session.get(Participant, ids[0])
        table = session.scalar(select(Seat.table_id).where(Seat.participant_id == ids[0]))
        note_id = str(uuid.uuid4())
        notes.add_note(session, cafe, author, note_id=note_id, table_id=table, round_number=1, text="Shared kitchens")

    def dot(pid: int) -> None:
        with db.transaction() as session:
            cafe = session.get(Cafe, cafe_id)
            person = session.get(Participant, pid, with_for_update=True)
            notes.vote(session, cafe, person, note_id)

    run_at_once(dot, ids[1:])
    with db.reading() as session:
        tallies = [
            row.payload["votes"]
            for row in session.scalars(
                select(EventLog)
                .where(EventLog.cafe_id == cafe_id, EventLog.type == "note_voted")
                .order_by(EventLog.seq)
            )
        ]
    assert tallies == list(range(1, 9))


def test_a_rounds_seats_written_on_postgresql_are_exactly_the_seats_announced(pg_app: Flask) -> None:
    # PostgreSQL gets the seats in one statement (two arrays unnested); what is stored must be
    # what every phone was told, round after round, in a room of uneven size and languages.
    db = runtime(pg_app).db
    with db.transaction() as session:
        cafe = cafes.create_demo(session).cafe
        for i, lang in enumerate(["es", "zh", "ht", "en", "pt", "zh", "es", "en", "ht", "en", "zh"]):
            participants.join(session, cafe, name=f"Person {i} {lang}", language=lang)
        cafe_id = cafe.id
    for step in ("start_round", "start_round", "end_round"):  # round 1's seats, talk, round 2's seats
        with db.transaction() as session:
            cafe = session.get(Cafe, cafe_id)
            number = rounds.round_to_seat(session, cafe, step)
            seats = seating.plan_next(seating.problem_for(session, cafe, number), rotation.plan) if number else None
            getattr(rounds, step)(session, cafe, seats=seats)
    with db.reading() as session:
        announced = {
            row.payload["round"]: {int(p): t for p, t in row.payload["seats"].items()}
            for row in session.scalars(
                select(EventLog).where(EventLog.cafe_id == cafe_id, EventLog.type == "seats_assigned")
            )
        }
        stored: dict[int, dict[int, int]] = {}
        for number, pid, tid in session.execute(
            select(Round.number, Seat.participant_id, Seat.table_id).join(Round, Round.id == Seat.round_id)
        ):
            stored.setdefault(number, {})[pid] = tid
    assert sorted(announced) == [1, 2]
    assert stored == announced
    assert all(len(seats) == 11 for seats in stored.values())
