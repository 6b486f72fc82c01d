"""Fixtures in layers, like flaskr's: app -> client -> cafe -> phone / board / facilitator."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlalchemy import create_engine, select, text

from cafe import flow
from cafe.app import create_app, runtime
from cafe.clock import Clock
from cafe.config import config_for_tests
from cafe.db import make_engine
from cafe.events import Event
from cafe.migrate import upgrade
from cafe.models import Cafe, CafeTable, Round, Seat
from cafe.services import arrivals, cafes, rounds, setup
from cafe.services.views import clock_of

STRICT = os.environ.get("CAFE_TEST_STRICT") == "1"
NOW = 1_800_000_000_000


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A private, empty schema in the test PostgreSQL database (servers migrate it), dropped after."""
    base = os.environ.get("CAFE_TEST_DATABASE_URL")
    if not base:
        pytest.skip("set CAFE_TEST_DATABASE_URL to run the PostgreSQL tests")
    schema = f"cafe_test_{secrets.token_hex(4)}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In strict mode (CI) a skipped test is a failed test: nothing may silently not run."""
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under CAFE_TEST_STRICT=1: {reason}"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once by Alembic; each test gets a copy (fast, and real migrations)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def app(tmp_path: Path, migrated_template: Path) -> Iterator[Flask]:
    """A fresh app on a fresh database for every test."""
    db_path = tmp_path / "cafe.db"
    shutil.copy(migrated_template, db_path)
    application = create_app(config_for_tests(f"sqlite:///{db_path}"))
    yield application
    runtime(application).db.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An HTTP client for the app."""
    return app.test_client()


@dataclass
class CafeHandle:
    """A café made for a test: what a facilitator and the room know of it."""

    id: int
    code: str
    secret: str


@pytest.fixture
def cafe(app: Flask) -> CafeHandle:
    """The MA SEN demo café (5 topics, 14 tables, 4 rounds), open in the lobby."""
    with runtime(app).db.transaction() as session:
        created = cafes.create_demo(session)
    return CafeHandle(created.cafe.id, created.cafe.code, created.facilitator_secret)


@pytest.fixture
def join(client: FlaskClient, cafe: CafeHandle) -> Callable[..., dict[str, Any]]:
    """Join the café over HTTP as a phone does; returns `{participant, token}`."""

    def _join(name: str = "Ana", **extra: Any) -> dict[str, Any]:
        response = client.post(f"/api/cafes/{cafe.code}/participants", json={"name": name, **extra})
        assert response.status_code == 201, response.get_json()
        body: dict[str, Any] = response.get_json()
        return body

    return _join


def socket_client(app: Flask, client: FlaskClient, auth: dict[str, Any]) -> SocketIOTestClient:
    """A Socket.IO test client that really encodes and decodes every packet."""
    return runtime(app).socketio.test_client(app, flask_test_client=client, auth=auth)


@pytest.fixture
def connect(app: Flask, client: FlaskClient) -> Iterator[Callable[[dict[str, Any]], SocketIOTestClient]]:
    """Open socket clients with a given auth; all are closed after the test."""
    opened: list[SocketIOTestClient] = []

    def _connect(auth: dict[str, Any]) -> SocketIOTestClient:
        sock = socket_client(app, client, auth)
        opened.append(sock)
        return sock

    yield _connect
    for sock in opened:
        if sock.is_connected():
            sock.disconnect()


@pytest.fixture
def phone(
    connect: Callable[[dict[str, Any]], SocketIOTestClient], cafe: CafeHandle, join: Callable[..., dict[str, Any]]
) -> SocketIOTestClient:
    """A participant's phone, joined and connected."""
    joined = join("Ana", organisation="Boston Ujima Project")
    sock = connect({"cafe": cafe.code, "role": "phone", "token": joined["token"]})
    sock.participant = joined["participant"]  # type: ignore[attr-defined]
    sock.token = joined["token"]  # type: ignore[attr-defined]
    return sock


@pytest.fixture
def board(connect: Callable[[dict[str, Any]], SocketIOTestClient], cafe: CafeHandle) -> SocketIOTestClient:
    """The projector's board, connected."""
    return connect({"cafe": cafe.code, "role": "board"})


@pytest.fixture
def facilitator(connect: Callable[[dict[str, Any]], SocketIOTestClient], cafe: CafeHandle) -> SocketIOTestClient:
    """The facilitator's panel, connected with the secret."""
    return connect({"cafe": cafe.code, "role": "facilitator", "secret": cafe.secret})


def events_of(sock: SocketIOTestClient) -> list[dict[str, Any]]:
    """The `event` messages a socket received since the last call."""
    return [m["args"][0] for m in sock.get_received() if m["name"] == "event"]


def state_of(sock: SocketIOTestClient) -> dict[str, Any]:
    """Ask for a fresh snapshot, as a client does on connect."""
    ack = sock.emit("sync", {"since": None}, callback=True)
    assert ack["ok"], ack
    state: dict[str, Any] = ack["state"]
    return state


@dataclass
class Small:
    """A café of 2 topics x 2 tables of 3 seats, 2 rounds, and 6 people (one host per topic)."""

    app: Flask
    cafe_id: int
    people: list[int]
    tables: list[int]

    def do(self, action: Callable[..., list[Event]], *args: Any, **kw: Any) -> list[Event]:
        with runtime(self.app).db.transaction() as session:
            cafe = session.get(Cafe, self.cafe_id)
            return action(session, cafe, *args, **kw)

    def read(self, fn: Callable[..., Any]) -> Any:
        with runtime(self.app).db.reading() as session:
            return fn(session, session.get(Cafe, self.cafe_id))

    def seated(self, action: str, now: int = NOW) -> list[Event]:
        """A clock action that seats people, as the socket handlers and the scheduler run it."""
        return flow.transition(runtime(self.app), self.cafe_id, action, now)

    def seats(self, number: int) -> dict[int, int]:
        return self.read(
            lambda s, c: dict(
                s.execute(
                    select(Seat.participant_id, Seat.table_id)
                    .join(Round, Round.id == Seat.round_id)
                    .where(Round.cafe_id == c.id, Round.number == number)
                ).all()
            )
        )

    def clock(self) -> Clock:
        return self.read(lambda s, c: clock_of(c))


@pytest.fixture
def small(app: Flask) -> Iterator[Small]:
    db = runtime(app).db
    with db.transaction() as session:
        cafe = cafes.create_cafe(session, "Small café").cafe
        for name in ("Land", "Co-ops"):
            setup.add_topic(session, cafe, name=name, tables=2, capacity=3)
        setup.set_rounds(
            session,
            cafe,
            [
                {"question": "What works?", "discuss_seconds": 600, "move_seconds": 60},
                {"question": "What next?", "discuss_seconds": 600, "move_seconds": 60},
            ],
        )
        people = [arrivals.arrive(session, cafe, name=f"P{i}").participant.id for i in range(6)]
        tables = list(session.scalars(select(CafeTable.id).where(CafeTable.cafe_id == cafe.id).order_by(CafeTable.id)))
        setup.set_host(session, cafe, tables[0], people[0])
        setup.set_host(session, cafe, tables[2], people[1])
        rounds.open_cafe(session, cafe)
        cafe_id = cafe.id
    yield Small(app, cafe_id, people, tables)
