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
from dataclasses import replace
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cafe.rotation import Plan, Person, Problem, Table, plan, plan_greedy, plan_random  # noqa: E402

FIELDS = (
    "topic_revisits",
    "pairs_met_twice",
    "extra_meetings",
    "max_meetings",
    "imbalance",
    "same_org_pairs",
    "lower_bound",
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


INSTANCES: dict[str, Callable[[], Problem]] = {
    "masen-14x5x4": lambda: hosted([3, 3, 3, 3, 2], 5, 4, orgs=True),
    "masen-5x14x4": lambda: hosted([1, 1, 1, 1, 1], 14, 4, orgs=True),
    "golfers-8x4x10": golfers,
    "big-80x5x5": lambda: hosted([5] * 16, 5, 5),
    "replan-masen": lambda: hosted([3, 3, 3, 3, 2], 5, 4, orgs=True),
    "huge-400x5x5": lambda: hosted([5] * 80, 5, 5),
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


def run(name: str, method: str, seeds: int) -> dict[str, object]:
    """Run one method on one instance for every seed; return the medians."""
    rows = []
    base = INSTANCES[name]()
    for seed in range(seeds):
        problem = replan_problem(base, seed) if name == "replan-masen" else replace(base, seed=seed)
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
        "seconds": round(statistics.median(s for s, _ in rows), 3),
    }
    for field in FIELDS:
        values = [getattr(sc, field) for _, sc in rows]
        out[field] = None if None in values else statistics.median(values)
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
