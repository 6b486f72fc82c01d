"""Planning ahead: the facilitator's click finds its seats already planned, and only then."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIOTestClient

from cafe import rotation
from cafe.app import create_app, runtime
from cafe.config import config_for_tests
from cafe.flow import preplan
from cafe.plans import Planner
from cafe.services import cafes
from tests.conftest import CafeHandle, state_of


def start(facilitator: SocketIOTestClient, command: str = "start_round") -> dict[str, Any]:
    ack: dict[str, Any] = facilitator.emit(command, {}, callback=True)
    assert ack["ok"], ack
    return ack


def test_a_plan_made_ahead_is_the_one_the_click_uses(
    app: Flask, cafe: CafeHandle, facilitator: SocketIOTestClient, join: Callable[..., Any]
) -> None:
    for i in range(12):
        join(f"P{i}")
    rt = runtime(app)
    assert preplan(rt, cafe.id) is True
    assert rt.planner.computed == 1
    start(facilitator)
    assert rt.planner.computed == 1  # the click planned nothing itself
    seats = state_of(facilitator)["seating"]["seats"]
    assert len(seats) == 12


def test_a_change_after_planning_ahead_makes_the_click_plan_again(
    app: Flask, cafe: CafeHandle, facilitator: SocketIOTestClient, join: Callable[..., Any]
) -> None:
    for i in range(6):
        join(f"P{i}")
    rt = runtime(app)
    preplan(rt, cafe.id)
    late = join("Late arrival")
    start(facilitator)
    assert rt.planner.computed == 2
    assert str(late["participant"]["id"]) in state_of(facilitator)["seating"]["seats"]


def test_the_log_says_planned_ahead_only_when_a_plan_was_made(
    app: Flask, cafe: CafeHandle, join: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("李华", "Jèrôm", "Lucía", "João", "Sam"):  # a thin room, five languages
        join(name)
    rt = runtime(app)
    caplog.set_level("INFO", logger="cafe.flow")
    assert preplan(rt, cafe.id) and preplan(rt, cafe.id)  # a second hint finds it made
    lines = [r for r in caplog.records if "planned ahead" in r.getMessage() and r.levelname == "INFO"]
    assert len(lines) == 1 and "for 5 people" in lines[0].getMessage()
    late = join("Late arrival")
    assert late and preplan(rt, cafe.id)
    lines = [r for r in caplog.records if "planned ahead" in r.getMessage() and r.levelname == "INFO"]
    assert len(lines) == 2 and "for 6 people" in lines[1].getMessage()


def test_the_next_rounds_seats_are_planned_ahead_during_a_discussion(
    app: Flask, cafe: CafeHandle, facilitator: SocketIOTestClient, join: Callable[..., Any]
) -> None:
    for i in range(10):
        join(f"P{i}")
    rt = runtime(app)
    start(facilitator)  # round 1: people move to their tables
    start(facilitator)  # the discussion begins
    computed = rt.planner.computed
    assert preplan(rt, cafe.id) is True
    assert rt.planner.computed == computed + 1
    start(facilitator, "end_round")
    assert rt.planner.computed == computed + 1
    assert state_of(facilitator)["seating"]["round"] == 2


def test_nothing_is_planned_ahead_when_no_click_would_seat_anyone(
    app: Flask, cafe: CafeHandle, facilitator: SocketIOTestClient, join: Callable[..., Any]
) -> None:
    rt = runtime(app)
    assert preplan(rt, cafe.id) is False  # nobody has joined yet
    join("Ana")
    start(facilitator)  # the move: its end seats nobody new
    assert preplan(rt, cafe.id) is False


def test_two_tasks_asking_for_the_same_plan_compute_it_once() -> None:
    calls: list[int] = []
    entered = threading.Event()

    def slow_run(fn: Callable[..., Any], problem: rotation.Problem) -> rotation.Plan:
        calls.append(1)
        entered.set()
        time.sleep(0.2)
        result: rotation.Plan = fn(problem)
        return result

    planner = Planner(slow_run, threading.Event)
    problem = rotation.Problem(
        tables=(rotation.Table(1, 1, 3), rotation.Table(2, 2, 3)),
        people=tuple(rotation.Person(i) for i in range(1, 6)),
        rounds=2,
        seed=3,
    )
    results: list[rotation.Plan] = []
    first = threading.Thread(target=lambda: results.append(planner(problem)))
    first.start()
    entered.wait(5)
    results.append(planner(problem))  # arrives while the first is still planning
    first.join(5)
    assert len(calls) == 1
    assert results[0] == results[1]
    assert planner(problem) is results[0]  # and later from the memo


def test_a_failed_plan_is_not_remembered_and_the_next_ask_plans_again() -> None:
    attempts: list[int] = []

    def failing_once(fn: Callable[..., Any], problem: rotation.Problem) -> rotation.Plan:
        attempts.append(1)
        if len(attempts) == 1:
            raise rotation.NotEnoughSeats(5, 3)
        result: rotation.Plan = fn(problem)
        return result

    planner = Planner(failing_once, threading.Event)
    problem = rotation.Problem(tables=(rotation.Table(1, 1, 5),), people=tuple(rotation.Person(i) for i in range(1, 4)))
    try:
        planner(problem)
    except rotation.NotEnoughSeats:
        pass
    assert planner(problem).rounds
    assert len(attempts) == 2


@pytest.fixture
def eager_app(tmp_path: Path, migrated_template: Path) -> Iterator[Flask]:
    """An app that plans ahead 50 ms after the room goes quiet (tests otherwise turn it off)."""
    db_path = tmp_path / "eager.db"
    shutil.copy(migrated_template, db_path)
    application = create_app(config_for_tests(f"sqlite:///{db_path}", preplan_seconds=0.05))
    yield application
    runtime(application).db.dispose()


def test_the_next_seats_are_planned_by_themselves_once_arrivals_pause(tmp_path: Path, migrated_template: Path) -> None:
    # A lull of 0.5 s here: three joins a few ms apart are one burst even on a busy CI machine
    # (with 50 ms, a join slowed by three parallel browser tests once counted as a pause).
    db_path = tmp_path / "lull.db"
    shutil.copy(migrated_template, db_path)
    app = create_app(config_for_tests(f"sqlite:///{db_path}", preplan_seconds=0.5))
    rt = runtime(app)
    with rt.db.transaction() as session:
        code = cafes.create_demo(session).cafe.code
    client = app.test_client()
    for name in ("Ana", "Bea", "Caro"):
        assert client.post(f"/api/cafes/{code}/participants", json={"name": name}).status_code == 201
    deadline = time.monotonic() + 10
    while rt.planner.computed == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert rt.planner.computed == 1
    rt.db.dispose()


def test_planning_ahead_waits_the_same_lull_however_long_the_last_plan_took(eager_app: Flask) -> None:
    rt = runtime(eager_app)
    with rt.db.transaction() as session:
        created = cafes.create_demo(session).cafe
    # Plans are bounded by work now: an 8-second plan (uneven areas, before the bound) once made
    # the next one wait 80 s of quiet, so the click had to plan for itself.
    rt.planner.last_seconds = 8.0
    client = eager_app.test_client()
    assert client.post(f"/api/cafes/{created.code}/participants", json={"name": "Ana"}).status_code == 201
    wait = rt.preplan_at[created.id] - time.monotonic()
    assert wait <= rt.config.preplan_seconds
    rt.preplan_at[created.id] = time.monotonic()  # let the waiting task finish now
