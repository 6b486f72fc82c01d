"""Fixtures in layers, like flaskr's: app -> client -> cafe -> phone / board / facilitator."""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from cafe import create_app, runtime
from cafe.config import config_for_tests
from cafe.db import make_engine
from cafe.migrate import upgrade
from cafe.services import cafes

STRICT = os.environ.get("CAFE_TEST_STRICT") == "1"


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
def phone(connect: Callable[[dict[str, Any]], SocketIOTestClient], cafe: CafeHandle,
          join: Callable[..., dict[str, Any]]) -> SocketIOTestClient:
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
def facilitator(connect: Callable[[dict[str, Any]], SocketIOTestClient],
                cafe: CafeHandle) -> SocketIOTestClient:
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
