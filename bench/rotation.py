"""Benchmark of the mixing engine against the greedy and random baselines.

Usage (from the repository root):
    .venv/bin/python bench/rotation.py [--seeds 3] [--only NAME]

Prints one JSON line per (instance, method) with the median over the seeds of every figure.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cafe.rotation import (  # noqa: E402
    Person,
    Plan,
    Problem,
    Score,
    Table,
    late_seat,
    plan,
    plan_greedy,
    plan_random,
    score,
)

FIELDS = (
    "topic_revisits",
    "revisit_bound",
    "pairs_met_twice",
    "extra_meetings",
    "max_meetings",
    "imbalance",
    "same_org_pairs",
    "lower_bound",
    "smallest_table",
    "language_misses",
    "companions_split",
)


def organisations(n: int) -> list[str]:
    """20-ish organisations of 2 to 5 people, shuffled over n people (fixed, not per seed)."""
    names: list[str] = []
    sizes = [2, 3, 4, 5]
    i = 0
    while len(names) < n:
        names.extend([f"org{i}"] * sizes[i % len(sizes)])
        i += 1
    names = names[:n]
    random.Random(2024).shuffle(names)
    return names


def hosted(topic_tables: list[int], capacity: int, rounds: int, *, orgs: bool = False) -> Problem:
    """Tables grouped by topic, one host per table, travellers filling every other seat."""
    tables = []
    for topic, n in enumerate(topic_tables):
        for _ in range(n):
            tables.append(Table(id=len(tables) + 1, topic=topic + 1, capacity=capacity))
    n_people = len(tables) * capacity
    names = organisations(n_people) if orgs else [None] * n_people
    people = [
        Person(id=i + 1, host_of=tables[i].id if i < len(tables) else None, organisation=names[i])
        for i in range(n_people)
    ]
    return Problem(tables=tuple(tables), people=tuple(people), rounds=rounds)


def golfers() -> Problem:
    """The social golfer instance 8-4-10: 32 people, 8 tables of 4, 10 rounds, one topic."""
    tables = tuple(Table(id=t + 1, topic=1, capacity=4) for t in range(8))
    people = tuple(Person(id=i + 1) for i in range(32))
    return Problem(tables=tables, people=people, rounds=10)


def thin() -> Problem:
    """A thin room: a café set up for 12 tables of 6 in 4 areas, and 8 people came (no hosts)."""
    tables = tuple(Table(id=t + 1, topic=t // 3 + 1, capacity=6) for t in range(12))
    people = tuple(Person(id=i + 1) for i in range(8))
    return Problem(tables=tables, people=people, rounds=4, min_table_size=3)


def languages_90() -> Problem:
    """90 people, 18 tables of 5 in 6 areas, 5 rounds, five languages in the room.

    Hosts: 6 speak English and Spanish, 4 English and Kreyòl, 2 Spanish and Kreyòl, 6 English
    only, spread so each area has two bilingual hosts. Travellers: 27 speak only Spanish (30 %),
    9 only Kreyòl (10 %), 4 interpreters (2 English-Kreyòl, 2 English-Spanish) each sitting with
    one of them, and 32 speak only English.
    """
    hosts = [("en", "es")] * 6 + [("en", "ht")] * 4 + [("es", "ht")] * 2 + [("en",)] * 6
    # Area a (tables 3a..3a+2) gets hosts a, a+6 (two bilingual) and a+12 (bilingual or not).
    order = [hosts[a + 6 * i] for a in range(6) for i in range(3)]
    tables = tuple(Table(id=t + 1, topic=t // 3 + 1, capacity=5) for t in range(18))
    people = [Person(id=t + 1, host_of=t + 1, languages=order[t]) for t in range(18)]
    travellers = [("es",)] * 27 + [("ht",)] * 9 + [("en", "ht")] * 2 + [("en", "es")] * 2 + [("en",)] * 32
    for i, langs in enumerate(travellers):
        people.append(Person(id=19 + i, languages=langs))
    ids = {langs: [p.id for p in people if p.host_of is None and p.languages == langs] for langs in set(travellers)}
    # Interpreters with the one they interpret for: two Kreyòl, two Spanish speakers.
    together = tuple(
        [(ids[("en", "ht")][i], ids[("ht",)][i]) for i in range(2)]
        + [(ids[("en", "es")][i], ids[("es",)][i]) for i in range(2)]
    )
    return Problem(tables=tables, people=tuple(people), rounds=5, min_table_size=3, together=together)


def messy() -> Problem:
    """Everything at once: a café set up for 70 on uneven areas (4/4/3/3 tables of 5, 8 hosts)
    where 30 came, in five languages, with two interpreter pairs and two people who cannot move.
    Five more arrive during round 1 (see LATECOMERS)."""
    tables = tuple(
        Table(id=t + 1, topic=(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3)[t] + 1, capacity=5) for t in range(14)
    )
    hosts = [("en", "es"), ("en",), ("en", "ht"), ("en", "zh"), ("en", "es"), ("en",), ("es",), ("en",)]
    host_tables = [1, 3, 5, 7, 9, 11, 12, 14]
    people = [Person(id=i + 1, host_of=t, languages=hosts[i]) for i, t in enumerate(host_tables)]
    travellers = [("es",)] * 6 + [("ht",)] * 3 + [("zh",)] * 2 + [("en", "es")] * 2 + [("en", "ht")] + [("en",)] * 8
    for i, langs in enumerate(travellers):
        people.append(Person(id=100 + i, languages=langs, stays_seated=i in (20, 21)))
    # Interpreters with the person they interpret for: English-Spanish, English-Kreyòl.
    together = ((112, 100), (113, 106))
    return Problem(tables=tables, people=tuple(people), rounds=4, min_table_size=3, together=together)


INSTANCES: dict[str, Callable[[], Problem]] = {
    "masen-14x5x4": lambda: hosted([3, 3, 3, 3, 2], 5, 4, orgs=True),
    "masen-5x14x4": lambda: hosted([1, 1, 1, 1, 1], 14, 4, orgs=True),
    "golfers-8x4x10": golfers,
    "big-80x5x5": lambda: hosted([5] * 16, 5, 5),
    "replan-masen": lambda: hosted([3, 3, 3, 3, 2], 5, 4, orgs=True),
    "huge-400x5x5": lambda: hosted([5] * 80, 5, 5),
    # 70 people on uneven areas (4/4/3/3 tables of 5): 16 revisits are unavoidable.
    "masen-uneven": lambda: hosted([4, 4, 3, 3], 5, 4, orgs=True),
    "thin": thin,
    "languages-90": languages_90,
    # A 21st-century town meeting: 5,000 people at 500 tables of 10 in 25 areas.
    "assembly-5000": lambda: hosted([20] * 25, 10, 4),
    "messy": messy,
}

METHODS: dict[str, Callable[[Problem], Plan]] = {
    "engine": plan,
    "greedy": plan_greedy,
    "random": plan_random,
}


def replan_problem(base: Problem, seed: int) -> Problem:
    """Rounds 1-2 of an engine plan become history; 6 travellers leave, 4 arrive, and a new
    topic with 2 tables of 5 (no hosts) opens; rounds 3-4 are left to plan."""
    first = plan(replace(base, seed=seed))
    history = first.rounds[:2]
    rng = random.Random(seed)
    travellers = [p for p in base.people if p.host_of is None]
    leavers = {p.id for p in rng.sample(travellers, 6)}
    next_id = max(p.id for p in base.people) + 1
    arrivals = [Person(id=next_id + i, organisation=f"late{i % 2}") for i in range(4)]
    people = tuple(p for p in base.people if p.id not in leavers) + tuple(arrivals)
    next_table = max(t.id for t in base.tables) + 1
    topic = max(t.topic for t in base.tables) + 1
    tables = base.tables + tuple(Table(id=next_table + i, topic=topic, capacity=5) for i in range(2))
    return Problem(tables=tables, people=people, history=tuple(history), rounds=2, seed=seed)


# Instances where people arrive during round 1 and the café plans again for the rest: the
# languages of each person who comes late (they get no seat from the first plan).
LATECOMERS: dict[str, list[tuple[str, ...]]] = {
    "thin": [(), (), ()],
    "messy": [("es",), ("es",), ("en",), ("en", "es"), ("zh",)],
}


def late_run(
    base: Problem, seed: int, method: Callable[[Problem], Plan], late: list[tuple[str, ...]]
) -> tuple[float, Score, dict[str, object]]:
    """Plan, seat the `late` arrivals during round 1 as the server does, plan the rest again.

    Returns the seconds of both plans and the seatings, the score of all rounds together (the
    bounds from the second plan, which knows round 1 as history), and what the latecomers got.
    """
    start = time.perf_counter()
    first = method(replace(base, seed=seed))
    seats = dict(first.rounds[0])
    people = {p.id: p for p in base.people}
    at_used = 0
    next_id = max(people) + 1
    for i, languages in enumerate(late):
        person = Person(id=next_id + i, languages=languages)
        table = late_seat(base.tables, seats, person, people, min_table_size=base.min_table_size)
        if table is None:
            continue
        at_used += table in seats.values()
        seats[person.id] = table
        people[person.id] = person
    second = method(replace(base, people=tuple(people.values()), history=(seats,), rounds=base.rounds - 1, seed=seed))
    seconds = time.perf_counter() - start
    both = score(
        base.tables,
        tuple(people.values()),
        (),
        (seats,) + second.rounds,
        lower=second.score.lower_bound,
        revisit_lower=second.score.revisit_bound,
        together=base.together,
    )
    return seconds, both, {"latecomers_at_used_tables": f"{at_used}/{len(late)}"}


def run(name: str, method: str, seeds: int) -> dict[str, object]:
    """Run one method on one instance for every seed; return the medians."""
    rows = []
    extras: dict[str, object] = {}
    base = INSTANCES[name]()
    for seed in range(seeds):
        problem = replan_problem(base, seed) if name == "replan-masen" else replace(base, seed=seed)
        if name in LATECOMERS:
            seconds, sc, extras = late_run(base, seed, METHODS[method], LATECOMERS[name])
            rows.append((seconds, sc))
            continue
        start = time.perf_counter()
        result = METHODS[method](problem)
        seconds = time.perf_counter() - start
        rows.append((seconds, result.score))
    out: dict[str, object] = {
        "instance": name,
        "method": method,
        "people": len(problem.people),
        "tables": len(problem.tables),
        "rounds": problem.rounds,
        "min_table_size": problem.min_table_size,
        "seconds": round(statistics.median(s for s, _ in rows), 3),
        "seconds_max": round(max(s for s, _ in rows), 3),
    }
    for field in FIELDS:
        values = [getattr(sc, field) for _, sc in rows]
        out[field] = None if None in values else statistics.median(values)
    # Tables used per round, from the median seed by time.
    out["tables_used"] = list(sorted(rows, key=lambda r: r[0])[len(rows) // 2][1].tables_used)
    out.update(extras)
    return out


def main() -> None:
    """Parse the arguments and print the JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--only", choices=sorted(INSTANCES), default=None)
    parser.add_argument("--method", choices=sorted(METHODS), default=None)
    args = parser.parse_args()
    names = [args.only] if args.only else list(INSTANCES)
    methods = [args.method] if args.method else list(METHODS)
    for name in names:
        for method in methods:
            print(json.dumps(run(name, method, args.seeds)), flush=True)


if __name__ == "__main__":
    main()
