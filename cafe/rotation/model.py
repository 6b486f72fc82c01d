"""The engine's public data model, input validation and errors."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class Table:
    """A table: it belongs to one topic (strategy area) and seats `capacity` people."""

    id: int
    topic: int
    capacity: int


@dataclass(frozen=True)
class Person:
    """A present participant; a host never leaves their table, `stays_seated` keeps their seat."""

    id: int
    host_of: int | None = None
    stays_seated: bool = False
    organisation: str | None = None


@dataclass(frozen=True)
class Problem:
    """Everything the engine needs to plan the remaining rounds."""

    tables: tuple[Table, ...]
    people: tuple[Person, ...]
    history: tuple[Mapping[int, int], ...] = ()
    rounds: int = 1
    seed: int = 0
    final_round_home: bool = False


@dataclass(frozen=True)
class Score:
    """Quality of a seating, history and planned rounds counted together (see docs/rotation.md)."""

    topic_revisits: int
    pairs_met_twice: int
    extra_meetings: int
    max_meetings: int
    imbalance: int
    same_org_pairs: int
    lower_bound: int | None


@dataclass(frozen=True)
class Plan:
    """The planned rounds, each {person_id: table_id}, and their score."""

    rounds: tuple[dict[int, int], ...]
    score: Score


class NotEnoughSeats(ValueError):
    """Raised when the present people outnumber the seats; `.missing` says by how many."""

    def __init__(self, people: int, seats: int) -> None:
        self.people = people
        self.seats = seats
        self.missing = people - seats
        plural = "s" if self.missing != 1 else ""
        super().__init__(
            f"{people} people need seats but the tables hold {seats}: {self.missing} seat{plural} missing"
        )


def validate(problem: Problem) -> None:
    """Raise ValueError with a clear message for inconsistent input."""
    if not isinstance(problem.rounds, int) or problem.rounds < 0:
        raise ValueError(f"rounds must be a non-negative integer, got {problem.rounds!r}")
    seen_tables: set[int] = set()
    for t in problem.tables:
        if t.id in seen_tables:
            raise ValueError(f"duplicate table id {t.id}")
        seen_tables.add(t.id)
        if t.capacity < 1:
            raise ValueError(f"table {t.id} has capacity {t.capacity}; it must be at least 1")
    seen_people: set[int] = set()
    hosted: dict[int, int] = {}
    for p in problem.people:
        if p.id in seen_people:
            raise ValueError(f"duplicate person id {p.id}")
        seen_people.add(p.id)
        if p.host_of is not None:
            if p.host_of not in seen_tables:
                raise ValueError(f"person {p.id} hosts unknown table {p.host_of}")
            if p.host_of in hosted:
                raise ValueError(f"table {p.host_of} has two hosts: {hosted[p.host_of]} and {p.id}")
            hosted[p.host_of] = p.id
