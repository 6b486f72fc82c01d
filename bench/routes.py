"""What printed routes cost and whether they hold: badges printed from a plan, then the day.

Usage (from the repository root):
    .venv/bin/python bench/routes.py [--seeds 3] [--only NAME]

For each room (70 people as MA SEN's day, uneven; 300 at 55 tables of 4 to 8; 1,000 at 105
tables of 6 to 14), all with hosts, five languages, pairs who sit together, a few spare seats and
a minimum table size of 3: the routes are planned and printed for everyone registered; on the day 5 % never come (one of a pair among
them), 3 % walk in without a route, and the engine plans again with every printed route of
someone present kept (`promised`). The same day is also planned with no routes at all, to show
what the promise costs. Then round 1 is played as printed and round 2 on is planned again with
the routes kept. Prints one JSON line per (room, case): the medians over the seeds (and the
slowest) of `seconds`, `kept` (printed seats kept, of those of people present; must be all),
`violations` (hard rules broken; must be 0), `pairs_met_twice`, `topic_revisits`,
`language_misses`, and for the walk-ins `walk_in_revisits` (a walk-in at a topic they sat at
before while another was free). Exits 1 if any printed seat was not kept or a hard rule broke.
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cafe.rotation import Person, Plan, Problem, Table, plan, violations  # noqa: E402

LANGS = (("es",), ("ht", "fr"), ("zh",), ("pt", "es"), ("en",), ("ht",), ("zh", "en"), ("es", "en"))


def room(name: str, seed: int) -> Problem:
    """A registered room: uneven tables per area, a host at most tables, five languages, pairs."""
    rng = random.Random(seed)
    if name == "masen-70":
        sizes = [(1, 5)] * 3 + [(2, 5)] * 3 + [(3, 5)] * 3 + [(4, 5)] * 3 + [(5, 6), (5, 6)]
        people = 70
    elif name == "room-300":
        sizes = [(1 + i % 6, (4, 5, 6, 8)[i % 4]) for i in range(55)]
        people = 300
    else:
        sizes = [(1 + i % 7, 6 + i % 9) for i in range(105)]
        people = 1000
    tables = tuple(Table(id=i + 1, topic=topic, capacity=cap) for i, (topic, cap) in enumerate(sizes))
    hosts = [t.id for t in tables if rng.random() < 0.8]
    persons = tuple(
        Person(
            id=100 + i,
            host_of=hosts[i] if i < len(hosts) else None,
            organisation=rng.choice(("MA SEN", "Lakou", "Ujima", None)),
            languages=LANGS[i % len(LANGS)],
        )
        for i in range(people)
    )
    loose = [p.id for p in persons if p.host_of is None]
    pairs = tuple((loose[i], loose[i + 1]) for i in range(0, min(20, len(loose) - 1), 2))
    return Problem(tables=tables, people=persons, rounds=4, seed=seed, min_table_size=3, together=pairs)


def the_day(printed: Problem, routes: Plan, seed: int) -> tuple[Problem, set[int], list[int]]:
    """5 % never come (one of the first pair among them), 3 % walk in, routes for the rest."""
    rng = random.Random(seed + 7)
    ids = [p.id for p in printed.people if p.host_of is None]
    absent = set(rng.sample(ids, max(2, len(printed.people) // 20))) | {printed.together[0][0]}
    seats = sum(t.capacity for t in printed.tables)
    here = [p for p in printed.people if p.id not in absent]
    walk_ins = [Person(id=10_000 + i, languages=LANGS[i % len(LANGS)]) for i in range(len(printed.people) * 3 // 100)]
    walk_ins = walk_ins[: seats - len(here)]
    promised = tuple((p.id, tuple(r[p.id] for r in routes.rounds)) for p in here)
    groups = tuple(g for g in (tuple(x for x in g if x not in absent) for g in printed.together) if len(g) > 1)
    day = replace(
        printed, people=tuple(here) + tuple(walk_ins), together=groups, promised=promised, seed=printed.seed + 1
    )
    return day, absent, [p.id for p in walk_ins]


def figures(
    problem: Problem, result: Plan, walk_ins: list[int], seconds: float, printed: Problem | None = None
) -> dict[str, Any]:
    """What one plan of the day scores, and how many printed seats (of `printed`'s, if given) it kept."""
    routes = (printed or problem).promised
    owed = [(pid, r, t) for pid, route in routes for r, t in enumerate(route) if t is not None]
    kept = sum(1 for pid, r, t in owed if result.rounds[r][pid] == t)
    topic = {t.id: t.topic for t in problem.tables}
    revisits = 0
    for pid in walk_ins:
        seen: set[int] = set()
        for r in result.rounds:
            k = topic[r[pid]]
            revisits += k in seen
            seen.add(k)
    return {
        "seconds": seconds,
        "kept": kept,
        "owed": len(owed),
        "violations": len(violations(problem, result.rounds)),
        "pairs_met_twice": result.score.pairs_met_twice,
        "topic_revisits": result.score.topic_revisits,
        "language_misses": result.score.language_misses,
        "walk_in_revisits": revisits,
    }


def timed(problem: Problem) -> tuple[Plan, float]:
    started = time.perf_counter()
    result = plan(problem)
    return result, time.perf_counter() - started


def run(name: str, seed: int) -> dict[str, dict[str, Any]]:
    """The four cases of one room and seed: print, the day with and without routes, round 2 on."""
    printed = room(name, seed)
    routes, seconds = timed(printed)
    out = {"print": figures(printed, routes, [], seconds)}
    day, absent, walk_ins = the_day(printed, routes, seed)
    kept_plan, seconds = timed(day)
    out["day-with-routes"] = figures(day, kept_plan, walk_ins, seconds)
    free = replace(day, promised=())
    free_plan, seconds = timed(free)
    # Nothing is promised here: `kept` says how many printed seats a free plan would have moved.
    out["day-without-routes"] = figures(free, free_plan, walk_ins, seconds, printed=day)
    # Round 1 played as planned; round 2 on planned again, every route of the rest kept.
    later = replace(
        day,
        history=(kept_plan.rounds[0],),
        rounds=3,
        promised=tuple((pid, route[1:]) for pid, route in day.promised),
        seed=day.seed + 1,
    )
    again, seconds = timed(later)
    out["round-2-replan"] = figures(later, again, walk_ins, seconds)
    out["day-with-routes"]["absent"] = len(absent)
    out["day-with-routes"]["walk_ins"] = len(walk_ins)
    return out


def main() -> int:
    """Run every room over the seeds; one JSON line per (room, case); 1 if a promise broke."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--only")
    args = parser.parse_args()
    failed = False
    for name in ("masen-70", "room-300", "room-1000"):
        if args.only and args.only != name:
            continue
        runs = [run(name, seed) for seed in range(args.seeds)]
        for case in runs[0]:
            rows = [r[case] for r in runs]
            line: dict[str, Any] = {"room": name, "case": case}
            for key in rows[0]:
                values = [row[key] for row in rows]
                line[key] = round(statistics.median(values), 3)
                if key == "seconds":
                    line["seconds_max"] = round(max(values), 3)
            promised = case != "day-without-routes"
            failed |= any((promised and row["kept"] != row["owed"]) or row["violations"] for row in rows)
            print(json.dumps(line), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
