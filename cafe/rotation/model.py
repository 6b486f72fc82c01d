"""The engine's public data model, input validation and errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    """A table: it belongs to one topic (strategy area) and seats `capacity` people."""

    id: int
    topic: int
    capacity: int


@dataclass(frozen=True)
class Person:
    """A present participant; a host never leaves their table, `stays_seated` keeps their seat.

    `languages` are the languages the person can talk in (any strings, compared exactly as
    given). A person with languages sits only where someone else shares one of them, wherever
    the room allows it; an empty tuple means "not stated": no rule for them, and they count as
    a speaker of nothing.
    """

    id: int
    host_of: int | None = None
    stays_seated: bool = False
    organisation: str | None = None
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """Everything the engine needs to plan the remaining rounds."""

    tables: tuple[Table, ...]
    people: tuple[Person, ...]
    history: tuple[Mapping[int, int], ...] = ()
    rounds: int = 1
    seed: int = 0
    final_round_home: bool = False
    # The fewest people a used table should have (hosts included); tables the room cannot fill
    # to this are left empty for the round. 1 means every table may be used.
    min_table_size: int = 1
    # Companions: each group (two or more person ids) sits at one table in every planned round.
    together: tuple[tuple[int, ...], ...] = ()
    # Printed routes: (person id, their table per planned round, None where nothing was
    # printed). A hard rule: the person sits there, whatever else the plan does.
    promised: tuple[tuple[int, tuple[int | None, ...]], ...] = ()


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
    # The proven least number of topic revisits (history included), see docs/rotation.md.
    revisit_bound: int | None = None
    # Per planned round: how many tables have somebody at them.
    tables_used: tuple[int, ...] = ()
    # The fewest people at a used table in any planned round (None without planned rounds).
    smallest_table: int | None = None
    # (person, planned round) where nobody else at the table shares a language with them.
    language_misses: int = 0
    # (companion group, planned round) where the group is not at one table.
    companions_split: int = 0


@dataclass(frozen=True)
class Plan:
    """The planned rounds, each {person_id: table_id}, and their score."""

    rounds: tuple[dict[int, int], ...]
    score: Score
    # The work spent: annealing moves, plus the tabu phase's swap evaluations in move units.
    work: int = 0


class NotEnoughSeats(ValueError):
    """Raised when the present people outnumber the seats; `.missing` says by how many."""

    def __init__(self, people: int, seats: int) -> None:
        self.people = people
        self.seats = seats
        self.missing = people - seats
        plural = "s" if self.missing != 1 else ""
        super().__init__(f"{people} people need seats but the tables hold {seats}: {self.missing} seat{plural} missing")

    def __reduce__(self) -> tuple[type[NotEnoughSeats], tuple[int, int]]:
        # Made again from its numbers when it crosses from the engine's process (cafe/engine.py).
        return (NotEnoughSeats, (self.people, self.seats))


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
        if not isinstance(p.languages, tuple) or not all(isinstance(x, str) and x for x in p.languages):
            raise ValueError(f"person {p.id}: languages must be a tuple of non-empty strings")
    if (
        not isinstance(problem.min_table_size, int)
        or isinstance(problem.min_table_size, bool)
        or problem.min_table_size < 1
    ):
        raise ValueError(f"min_table_size must be a positive integer, got {problem.min_table_size!r}")
    _validate_together(problem, seen_people)
    _validate_promised(problem, seen_people, seen_tables, hosted)


def _validate_together(problem: Problem, present: set[int]) -> None:
    """Companion groups: two or more present people, each in one group, that fit one table."""
    grouped: set[int] = set()
    largest = max((t.capacity for t in problem.tables), default=0)
    hosts = {p.id: p.host_of for p in problem.people if p.host_of is not None}
    for group in problem.together:
        if not isinstance(group, tuple) or len(group) < 2:
            raise ValueError(f"a companion group needs two or more people, got {group!r}")
        if len(set(group)) != len(group):
            raise ValueError(f"a companion group names someone twice: {group!r}")
        for pid in group:
            if pid not in present:
                raise ValueError(f"companion group {group!r} names {pid!r}, who is not present")
            if pid in grouped:
                raise ValueError(f"person {pid} is in two companion groups")
            grouped.add(pid)
        if problem.rounds > 0 and len(group) > largest:
            raise ValueError(f"companion group {group!r} has {len(group)} people but the largest table seats {largest}")
        hosted = {hosts[pid] for pid in group if pid in hosts}
        if len(hosted) > 1:
            raise ValueError(f"companion group {group!r} holds the hosts of two tables")


def _validate_promised(problem: Problem, present: set[int], tables: set[int], hosted: dict[int, int]) -> None:
    """Printed routes: present people, known tables, and no table promised to more people than
    it seats in any round (its host counted there unless their route sends them elsewhere: a
    thin room may have closed their table when the routes were printed)."""
    caps = {t.id: t.capacity for t in problem.tables}
    load: dict[tuple[int, int], int] = {}
    routed: set[tuple[int, int]] = set()  # (planned round, person) with a promised table
    seen: set[int] = set()
    for pid, route in problem.promised:
        if pid not in present:
            raise ValueError(f"a printed route names {pid!r}, who is not present")
        if pid in seen:
            raise ValueError(f"person {pid} has two printed routes")
        seen.add(pid)
        if not isinstance(route, tuple) or len(route) > problem.rounds:
            raise ValueError(f"person {pid}: a printed route is a tuple of at most {problem.rounds} tables")
        for r, tid in enumerate(route):
            if tid is None:
                continue
            if tid not in tables:
                raise ValueError(f"person {pid} is promised unknown table {tid!r}")
            load[(r, tid)] = load.get((r, tid), 0) + 1
            routed.add((r, pid))
    for tid, host in hosted.items():
        for r in range(problem.rounds):
            if (r, tid) in load and (r, host) not in routed:
                load[(r, tid)] += 1  # the host sits there too
    for (r, tid), n in sorted(load.items()):
        if n > caps[tid]:
            raise ValueError(f"table {tid} seats {caps[tid]} but {n} people are promised it in planned round {r + 1}")
