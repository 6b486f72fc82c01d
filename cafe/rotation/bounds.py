"""Proven lower bounds on pairs met twice (the argument is in docs/rotation.md)."""
from __future__ import annotations

from typing import Mapping

from cafe.rotation.model import Problem, validate


def _spread_cost(initial: Mapping[int, int], n: int) -> int:
    """Least sum of C(c, 2) over cells after adding n people to cells with these start counts.

    `initial` maps a start count to how many cells have it; water-filling the lowest cells is
    optimal because C(c, 2) is convex.
    """
    levels = sorted((v, c) for v, c in initial.items() if c > 0)
    if not levels:
        return 0
    i = 0
    level, width = levels[0]
    i = 1
    while n > 0 and i < len(levels) and width * (levels[i][0] - level) <= n:
        n -= width * (levels[i][0] - level)
        level = levels[i][0]
        width += levels[i][1]
        i += 1
    raise_all, extra = divmod(n, width)
    level += raise_all
    cost = extra * (level + 1) * level // 2 + (width - extra) * level * (level - 1) // 2
    for value, cells in levels[i:]:
        cost += cells * value * (value - 1) // 2
    return cost


def lower_bound(problem: Problem) -> int | None:
    """A proven lower bound on pairs_met_twice for this problem (see docs/rotation.md)."""
    validate(problem)
    # Pairs that already met twice in the history stay counted.
    meetings: dict[tuple[int, int], int] = {}
    for rnd in problem.history:
        groups: dict[int, list[int]] = {}
        for person_id, table_id in rnd.items():
            groups.setdefault(table_id, []).append(person_id)
        for members in groups.values():
            members.sort()
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    meetings[(a, b)] = meetings.get((a, b), 0) + 1
    from_history = sum(1 for k in meetings.values() if k >= 2)
    if problem.rounds < 2 or not problem.tables:
        return from_history
    # Two planned rounds split the N present people into a T x T grid of (table in round 1,
    # table in round 2) cells; every pair sharing a cell meets twice.  Hosts and people who
    # stay seated sit on the diagonal.  If zero topic revisits is achievable (checked below),
    # a traveller can also never share a topic in both rounds, which forbids more cells.
    tables = sorted(problem.tables, key=lambda t: t.id)
    T = len(tables)
    topic_size: dict[int, int] = {}
    for t in tables:
        topic_size[t.topic] = topic_size.get(t.topic, 0) + 1
    fixed: dict[int, int] = {}
    travellers = 0
    others = 0
    for p in problem.people:
        if p.host_of is not None:
            fixed[p.host_of] = fixed.get(p.host_of, 0) + 1
        elif p.stays_seated:
            others += 1
        else:
            travellers += 1
    diagonal: dict[int, int] = {}
    for t in tables:
        c = fixed.get(t.id, 0)
        diagonal[c] = diagonal.get(c, 0) + 1
    plain = dict(diagonal)
    plain[0] = plain.get(0, 0) + T * T - T
    bound = _spread_cost(plain, travellers + others)
    if _revisit_free_design_exists(problem):
        same_topic_cells = sum(n * n for n in topic_size.values())
        cross = T * T - same_topic_cells
        same = dict(diagonal)
        same[0] = same.get(0, 0) + same_topic_cells - T
        if cross > 0:
            # The `others` may sit anywhere; try every split between the two kinds of cells.
            bound = min(
                _spread_cost({0: cross}, travellers + x) + _spread_cost(same, others - x)
                for x in range(others + 1)
            )
    return max(from_history, bound)


def _revisit_free_design_exists(problem: Problem) -> bool:
    """True if a plan with no topic revisits surely exists (cyclic slot schedule, fresh start)."""
    if problem.history or problem.final_round_home:
        return False
    hosted = {p.host_of for p in problem.people if p.host_of is not None}
    if any(p.stays_seated and p.host_of is None for p in problem.people):
        return False
    seats_by_topic: dict[int, int] = {}
    for t in problem.tables:
        seats_by_topic[t.topic] = seats_by_topic.get(t.topic, 0) + t.capacity - (1 if t.id in hosted else 0)
    travellers = sum(1 for p in problem.people if p.host_of is None)
    total = sum(seats_by_topic.values())
    widest = max(seats_by_topic.values())
    # Lay the traveller seats of each topic out as consecutive slots on a circle of `total`
    # slots; traveller i takes slot i + r*widest in round r.  The R slots are `widest` apart
    # and fit in the circle when R*widest <= total, so each lands in a different topic.
    return problem.rounds <= len(seats_by_topic) and travellers <= total and problem.rounds * widest <= total
