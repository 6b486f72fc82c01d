"""Proven lower bounds on pairs met twice (the argument is in docs/rotation.md)."""

from __future__ import annotations

from collections.abc import Mapping

from cafe.rotation.instance import Instance, revisits
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
    return max(from_history, two_round_bound(problem))


def two_round_bound(problem: Problem) -> int:
    """Distinct pairs of present people that must meet in two planned rounds (0 below 2 rounds)."""
    if problem.rounds < 2 or not problem.tables:
        return 0
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
                _spread_cost({0: cross}, travellers + x) + _spread_cost(same, others - x) for x in range(others + 1)
            )
    return bound


def _revisit_free_design_exists(problem: Problem) -> bool:
    """True if a plan with no topic revisits surely exists (cyclic slot schedule, fresh start)."""
    if problem.history or problem.final_round_home or problem.together:
        return False
    # Languages may pin people to a few tables, and a thin room leaves tables unused: either
    # can force a revisit, so the cyclic schedule below proves nothing for them.
    if any(p.languages for p in problem.people):
        return False
    if sum(min(problem.min_table_size, t.capacity) for t in problem.tables) > len(problem.people):
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


def revisit_bound(problem: Problem) -> int:
    """A proven lower bound on `topic_revisits`, history included (the proof: docs/rotation.md)."""
    return revisit_floor(Instance(problem))


def revisit_floor(inst: Instance) -> int:
    """The revisit bound of an instance: history's revisits plus a flow bound on the plan's.

    A traveller p who has seen all but u_p of the K topics revisits at least min(R, u_p) - f_p
    times in R planned rounds, where f_p counts the rounds p sits at a topic new to them. The
    rounds at new topics are a flow: p takes a topic at most once, a topic at most as often as
    its traveller seats over the planned rounds. So the plan's revisits are at least
    sum_p min(R, u_p) minus the maximum flow. Travellers with a pinned seat in some planned
    round (a companion of a host, a homecoming) are left out, with a bound of zero.
    """
    K, R, N = inst.K, inst.R, inst.N
    history = sum(revisits(inst.hist_topic[p], K) for p in range(N) if inst.traveller[p])
    if R == 0 or K == 0:
        return history
    free = [p for p in range(N) if inst.traveller[p] and all(inst.pins[r][p] < 0 for r in range(R))]
    seats = [0] * K
    for r in range(R):
        load = [0] * inst.T
        for p in range(N):
            if inst.pins[r][p] >= 0:
                load[inst.pins[r][p]] += 1
        for t in range(inst.T):
            seats[inst.topic_of[t]] += max(0, inst.caps[r][t] - load[t])
    classes: dict[int, int] = {}
    for p in free:
        seen = 0
        for k in inst.hist_topic[p]:
            if k >= 0:
                seen |= 1 << k
        classes[seen] = classes.get(seen, 0) + 1
    wanted = 0
    flow = _Flow(2 + len(classes) + K)
    source, sink = 0, 1
    for i, (seen, size) in enumerate(sorted(classes.items())):
        unseen = [k for k in range(K) if not seen >> k & 1]
        supply = size * min(R, len(unseen))
        wanted += supply
        flow.edge(source, 2 + i, supply)
        for k in unseen:
            flow.edge(2 + i, 2 + len(classes) + k, size)
    for k in range(K):
        flow.edge(2 + len(classes) + k, sink, seats[k])
    return history + wanted - flow.max_flow(source, sink)


class _Flow:
    """Dinic's maximum flow on a small graph (classes of travellers and topics)."""

    def __init__(self, n: int) -> None:
        self.head: list[list[int]] = [[] for _ in range(n)]
        self.to: list[int] = []
        self.cap: list[int] = []

    def edge(self, a: int, b: int, capacity: int) -> None:
        """Add an edge a -> b (and its residual twin)."""
        self.head[a].append(len(self.to))
        self.to.append(b)
        self.cap.append(capacity)
        self.head[b].append(len(self.to))
        self.to.append(a)
        self.cap.append(0)

    def max_flow(self, s: int, t: int) -> int:
        """The value of a maximum s-t flow."""
        total = 0
        n = len(self.head)
        while True:
            level = [-1] * n
            level[s] = 0
            queue = [s]
            for a in queue:
                for e in self.head[a]:
                    if self.cap[e] > 0 and level[self.to[e]] < 0:
                        level[self.to[e]] = level[a] + 1
                        queue.append(self.to[e])
            if level[t] < 0:
                return total
            it = [0] * n
            while True:
                pushed = self._push(s, t, 1 << 62, level, it)
                if not pushed:
                    break
                total += pushed

    def _push(self, a: int, t: int, limit: int, level: list[int], it: list[int]) -> int:
        # Depth is at most 3 here (source, class, topic, sink): recursion is safe.
        if a == t:
            return limit
        while it[a] < len(self.head[a]):
            e = self.head[a][it[a]]
            b = self.to[e]
            if self.cap[e] > 0 and level[b] == level[a] + 1:
                got = self._push(b, t, min(limit, self.cap[e]), level, it)
                if got:
                    self.cap[e] -= got
                    self.cap[e ^ 1] += got
                    return got
            it[a] += 1
        return 0
