"""The mixing engine runs in a process of its own (cafe/engine.py): same plans, the same clear
refusals, and a child that dies is replaced."""

from __future__ import annotations

import pytest

from cafe import rotation, themes
from cafe.engine import EngineProcess


@pytest.fixture
def engine() -> EngineProcess:
    process = EngineProcess()
    yield process  # type: ignore[misc]
    process.close()


def uneven_room() -> rotation.Problem:
    # Tables of 4 to 7 seats in three areas, people speaking different languages, one pair.
    tables = tuple(rotation.Table(id=i, topic=i % 3, capacity=4 + i % 4) for i in range(9))
    langs = (("es",), ("zh",), ("ht", "en"), ("en",), ("pt", "es"))
    people = tuple(rotation.Person(id=100 + i, languages=langs[i % len(langs)]) for i in range(37))
    return rotation.Problem(tables=tables, people=people, rounds=3, seed=7, together=((100, 101),))


def test_a_plan_made_in_the_engine_process_is_the_plan_made_here(engine: EngineProcess) -> None:
    problem = uneven_room()
    assert engine(rotation.plan, problem).rounds == rotation.plan(problem).rounds


def test_not_enough_seats_crosses_with_its_numbers(engine: EngineProcess) -> None:
    problem = uneven_room()
    small = rotation.Problem(tables=problem.tables[:2], people=problem.people, rounds=1, seed=1)
    with pytest.raises(rotation.NotEnoughSeats) as refused:
        engine(rotation.plan, small)
    assert (refused.value.people, refused.value.seats, refused.value.missing) == (37, 9, 28)


def test_a_killed_engine_process_is_replaced_and_the_plan_still_comes(engine: EngineProcess) -> None:
    problem = uneven_room()
    first = engine(rotation.plan, problem)
    assert engine.process is not None
    engine.process.kill()
    engine.process.wait()
    assert engine(rotation.plan, problem).rounds == first.rounds


def test_theme_suggestions_run_there_too_in_any_language(engine: EngineProcess) -> None:
    pairs = [
        (str(i), text) for i, text in enumerate(["社区土地信托", "Cooperativa de vivienda", "Kooperativ travayè"] * 4)
    ]
    assert engine(themes.suggest, pairs) == themes.suggest(pairs)


def test_only_the_pure_modules_are_run_there(engine: EngineProcess) -> None:
    import os

    with pytest.raises(ValueError, match="not run in the engine process"):
        engine(os.getcwd)
