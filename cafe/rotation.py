"""Mixing engine: who sits at which table in each remaining round of a World Café.

Pure Python (stdlib only) and deterministic for a given seed. The model, the algorithm, the
scores and the lower-bound argument are written up in docs/rotation.md.
"""
from __future__ import annotations

import heapq
import math
import random
import time
from dataclasses import dataclass
from typing import Mapping, Sequence

__all__ = [
    "Table",
    "Person",
    "Problem",
    "Score",
    "Plan",
    "NotEnoughSeats",
    "plan",
    "plan_greedy",
    "plan_random",
    "score",
    "lower_bound",
    "violations",
    "default_time_budget",
]


# --------------------------------------------------------------------------- public model


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


# --------------------------------------------------------------------------- cost weights

# The soft goals are strictly ordered; a weighted sum with widely spaced weights keeps that
# order for every single move the search makes (one move changes a lower goal by less than
# one unit of the goal above it on the instances we target), while still letting annealing
# trade within a level.
W_REV = 1 << 24  # one topic revisit
W_PAIR = 256  # one unit of sum over pairs of (meetings - 1)^2
W_BAL = 8  # one unit of sum over tables of occupancy^2
W_ORG = 1  # one same-organisation pair at a table in a round

# Moves per second the search sustains on a slow shared core; turns seconds into a move
# budget so that a run is reproducible (same seed, same moves) unless the wall clock cuts it.
_RATE = 300_000
_P_HOT = 0.5
_TABU_PATIENCE = 114
_TEN_LO, _TEN_HI = 5, 15
_PERT_LO, _PERT_HI = 2, 6


def default_time_budget(people: int, rounds: int) -> float:
    """Seconds `plan()` may spend by default on an instance of this size."""
    return min(20.0, 1.0 + people * rounds / 150.0)


# --------------------------------------------------------------------------- preparation


def _pair_step_tables(size: int) -> tuple[list[int], list[int]]:
    """INC[k] = f(k+1)-f(k) and DEC[k] = f(k)-f(k-1) for the pair cost f(k) = max(0, k-1)^2."""
    inc = [0] + [2 * k - 1 for k in range(1, size)]
    dec = [0, 0] + [2 * k - 3 for k in range(2, size)]
    return inc, dec


class _Instance:
    """The problem re-indexed as small ints: tables 0..T-1, topics 0..K-1, people 0..N-1."""

    def __init__(self, problem: Problem) -> None:
        _validate(problem)
        self.problem = problem
        self.tables = sorted(problem.tables, key=lambda t: t.id)
        self.people = sorted(problem.people, key=lambda p: p.id)
        self.T = len(self.tables)
        self.N = len(self.people)
        self.R = problem.rounds
        self.tix = {t.id: i for i, t in enumerate(self.tables)}
        topics = sorted({t.topic for t in self.tables})
        kix = {k: i for i, k in enumerate(topics)}
        self.K = len(topics)
        self.topic_of = [kix[t.topic] for t in self.tables]
        self.cap = [t.capacity for t in self.tables]
        self.tables_of_topic: list[list[int]] = [[] for _ in range(self.K)]
        for i, k in enumerate(self.topic_of):
            self.tables_of_topic[k].append(i)
        self.pid = [p.id for p in self.people]
        pix = {p.id: i for i, p in enumerate(self.people)}
        orgs = sorted({p.organisation for p in self.people if p.organisation})
        oix = {o: i for i, o in enumerate(orgs)}
        self.O = len(orgs)
        self.org = [oix[p.organisation] if p.organisation else -1 for p in self.people]
        self.host = [self.tix[p.host_of] if p.host_of is not None else -1 for p in self.people]
        self.traveller = [p.host_of is None and not p.stays_seated for p in self.people]

        # History, seen from the present people: their seats (-1 = a table that is gone) and
        # how often every present pair already met (also at tables that are gone).
        N, H = self.N, len(problem.history)
        self.hist_seat: list[list[int]] = [[] for _ in range(N)]
        self.meet0 = [[0] * N for _ in range(N)]
        self.hist_groups: list[list[int]] = []
        for rnd in problem.history:
            groups: dict[int, list[int]] = {}
            for person_id, table_id in sorted(rnd.items()):
                p = pix.get(person_id)
                if p is None:
                    continue
                self.hist_seat[p].append(self.tix.get(table_id, -1))
                groups.setdefault(table_id, []).append(p)
            for members in groups.values():
                self.hist_groups.append(members)
                for a in members:
                    row = self.meet0[a]
                    for b in members:
                        if a != b:
                            row[b] += 1
        self.hist_topic = [[self.topic_of[t] if t >= 0 else -1 for t in seats] for seats in self.hist_seat]
        self.inc, self.dec = _pair_step_tables(H + self.R + 3)

        if self.R > 0:
            seats = sum(self.cap)
            if self.N > seats:
                raise NotEnoughSeats(self.N, seats)
        self.pins = self._pin_seats()

    def _pin_seats(self) -> list[list[int]]:
        """Seats nobody may change: hosts, people who stay seated, and final-round homecomings."""
        R, N, T = self.R, self.N, self.T
        pins = [[-1] * N for _ in range(R)]
        fixed = [-1] * N
        count = [0] * T
        for p in range(N):
            if self.host[p] >= 0:
                fixed[p] = self.host[p]
            elif self.people[p].stays_seated:
                # "The seat they had in the last round they were seated"; a table that has been
                # removed since leaves them without a seat, like someone never seated.
                if self.hist_seat[p] and self.hist_seat[p][-1] >= 0:
                    fixed[p] = self.hist_seat[p][-1]
            if fixed[p] >= 0:
                count[fixed[p]] += 1
        for t in range(T):
            if count[t] > self.cap[t]:
                who = ", ".join(str(self.pid[p]) for p in range(N) if fixed[p] == t)
                raise ValueError(
                    f"table {self.tables[t].id} holds {self.cap[t]} but {count[t]} people must stay there "
                    f"(hosts or stays_seated: {who})"
                )
        self.late_home: list[int] = []
        if R == 0:
            return pins
        for p in range(N):
            if fixed[p] < 0 and self.people[p].stays_seated:
                # Never seated: give them the table with the most room left, and keep it.
                t = max(range(T), key=lambda i: (self.cap[i] - count[i], -i))
                fixed[p] = t
                count[t] += 1
        for r in range(R):
            for p in range(N):
                pins[r][p] = fixed[p]
        if self.problem.final_round_home:
            last = pins[R - 1]
            for p in range(N):
                if fixed[p] >= 0:
                    continue
                if self.hist_seat[p]:
                    home = self.hist_seat[p][0]
                    if home >= 0 and count[home] < self.cap[home]:
                        last[p] = home
                        count[home] += 1
                elif R >= 2:
                    # Their first round is planned now; they are sent home after the search.
                    self.late_home.append(p)
        return pins


def _validate(problem: Problem) -> None:
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


# --------------------------------------------------------------------------- helpers


def _revisits(seq: Sequence[int], topics: int) -> int:
    """Rounds in `seq` (topic indices, -1 unknown) at a seen topic while an unseen one remains."""
    seen = 0
    distinct = 0
    count = 0
    for k in seq:
        if k < 0:
            continue
        bit = 1 << k
        if seen & bit:
            if distinct < topics:
                count += 1
        else:
            seen |= bit
            distinct += 1
    return count


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


def _least_squares_occupancy(lo: Sequence[int], hi: Sequence[int], n: int) -> int:
    """Least sum of occupancy^2 when n people fill tables holding between lo[t] and hi[t]."""
    occ = list(lo)
    n -= sum(occ)
    heap = [(occ[t], t) for t in range(len(occ)) if occ[t] < hi[t]]
    heapq.heapify(heap)
    while n > 0 and heap:
        c, t = heapq.heappop(heap)
        occ[t] = c + 1
        n -= 1
        if c + 1 < hi[t]:
            heapq.heappush(heap, (c + 1, t))
    return sum(c * c for c in occ)


def _augment(p: int, allowed: Mapping[int, list[int]], members: list[list[int]], kfree: list[int]) -> bool:
    """Seat p at an allowed topic by shifting others along allowed topics (BFS augmenting path)."""
    parent: dict[int, tuple[int, int]] = {}
    queue: list[int] = []
    for k in allowed[p]:
        if k not in parent:
            parent[k] = (-1, p)
            queue.append(k)
    i = 0
    while i < len(queue):
        k = queue[i]
        i += 1
        if kfree[k] > 0:
            kfree[k] -= 1
            node = k
            while True:
                prev, who = parent[node]
                if prev >= 0:
                    members[prev].remove(who)
                members[node].append(who)
                if prev < 0:
                    return True
                node = prev
        for q in members[k]:
            for k2 in allowed[q]:
                if k2 not in parent:
                    parent[k2] = (k, q)
                    queue.append(k2)
    return False


# --------------------------------------------------------------------------- construction


def _construct(inst: _Instance, rng: random.Random) -> list[list[int]]:
    """A first plan, round by round: travellers matched to least-visited topics, then tables."""
    R, N, T, K = inst.R, inst.N, inst.T, inst.K
    seats = [row[:] for row in inst.pins]
    meet = [row[:] for row in inst.meet0]
    inc = inst.inc
    org = inst.org
    tcount = [[0] * K for _ in range(N)]
    for p in range(N):
        for k in inst.hist_topic[p]:
            if k >= 0:
                tcount[p][k] += 1
    for r in range(R):
        row = seats[r]
        members: list[list[int]] = [[] for _ in range(T)]
        for p in range(N):
            if row[p] >= 0:
                members[row[p]].append(p)
        orgc: list[dict[int, int]] = [{} for _ in range(T)]
        for t in range(T):
            for p in members[t]:
                if org[p] >= 0:
                    orgc[t][org[p]] = orgc[t].get(org[p], 0) + 1
        free = [inst.cap[t] - len(members[t]) for t in range(T)]
        todo = [p for p in range(N) if row[p] < 0]
        rng.shuffle(todo)
        kfree = [sum(free[t] for t in inst.tables_of_topic[k]) for k in range(K)]
        allowed: dict[int, list[int]] = {}
        for p in todo:
            c = tcount[p]
            least = min(c)
            allowed[p] = [k for k in range(K) if c[k] == least]
        # Most constrained first (the sort is stable, so ties keep the shuffled order).
        todo.sort(key=lambda p: len(allowed[p]))
        by_topic: list[list[int]] = [[] for _ in range(K)]
        left: list[int] = []
        for p in todo:
            opts = [k for k in allowed[p] if kfree[k] > 0]
            if opts:
                # The emptiest topic keeps the most options open for the people still to come.
                k = max(opts, key=lambda k: (kfree[k], rng.random()))
                kfree[k] -= 1
                by_topic[k].append(p)
            elif not _augment(p, allowed, by_topic, kfree):
                left.append(p)
        for p in left:
            k = max(range(K), key=lambda k: kfree[k])
            kfree[k] -= 1
            by_topic[k].append(p)
        for k in range(K):
            group = by_topic[k]
            rng.shuffle(group)
            for p in group:
                mp = meet[p]
                best_t, best_key = -1, None
                for t in inst.tables_of_topic[k]:
                    if free[t] <= 0:
                        continue
                    key = (
                        sum(inc[mp[x]] for x in members[t]),
                        len(members[t]),
                        orgc[t].get(org[p], 0) if org[p] >= 0 else 0,
                        rng.random(),
                    )
                    if best_key is None or key < best_key:
                        best_t, best_key = t, key
                t = best_t
                for x in members[t]:
                    mp[x] += 1
                    meet[x][p] += 1
                members[t].append(p)
                free[t] -= 1
                if org[p] >= 0:
                    orgc[t][org[p]] = orgc[t].get(org[p], 0) + 1
                row[p] = t
        for p in todo:
            tcount[p][inst.topic_of[row[p]]] += 1
    return seats


# --------------------------------------------------------------------------- local search


class _State:
    """A full plan with the counters that make a move's cost change cheap to compute."""

    def __init__(self, inst: _Instance, seats: list[list[int]], rng: random.Random) -> None:
        self.inst = inst
        self.rng = rng
        R, N, T, K = inst.R, inst.N, inst.T, inst.K
        self.seat = seats
        self.mem: list[list[list[int]]] = [[[] for _ in range(T)] for _ in range(R)]
        for r in range(R):
            for p in range(N):
                self.mem[r][seats[r][p]].append(p)
        self.meet = [row[:] for row in inst.meet0]
        for r in range(R):
            for group in self.mem[r]:
                for a in group:
                    row = self.meet[a]
                    for b in group:
                        if a != b:
                            row[b] += 1
        self.hlen = [len(h) for h in inst.hist_topic]
        self.seq = [inst.hist_topic[p] + [inst.topic_of[seats[r][p]] for r in range(R)] for p in range(N)]
        self.tcount = [[0] * K for _ in range(N)]
        for p in range(N):
            for k in self.seq[p]:
                if k >= 0:
                    self.tcount[p][k] += 1
        # With no more visits than topics, revisits are simply visits minus distinct topics,
        # which a move changes in O(1); otherwise the order of the rounds matters.
        self.simple = [sum(c) <= K for c in self.tcount]
        self.rev = [_revisits(self.seq[p], K) if inst.traveller[p] else 0 for p in range(N)]
        self.oc = [[[0] * inst.O for _ in range(T)] for _ in range(R)]
        for r in range(R):
            for p in range(N):
                if inst.org[p] >= 0:
                    self.oc[r][seats[r][p]][inst.org[p]] += 1
        self.movable = [[p for p in range(N) if inst.pins[r][p] < 0] for r in range(R)]
        self.recount()

    # -- bookkeeping

    def recount(self) -> None:
        """Recompute the four cost totals from scratch."""
        inst = self.inst
        self.rev_total = sum(self.rev)
        pair = 0
        partners: list[set[int]] = [set() for _ in range(inst.N)]
        for group in inst.hist_groups:
            for a in group:
                partners[a].update(group)
        for r in range(inst.R):
            for group in self.mem[r]:
                for a in group:
                    partners[a].update(group)
        for a in range(inst.N):
            row = self.meet[a]
            for b in partners[a]:
                if b > a and row[b] > 1:
                    pair += (row[b] - 1) ** 2
        self.pair_total = pair
        self.bal_total = sum(len(g) ** 2 for groups in self.mem for g in groups)
        self.org_total = sum(c * (c - 1) // 2 for tables in self.oc for counts in tables for c in counts)

    def cost(self) -> int:
        """The weighted cost the search minimises."""
        return W_REV * self.rev_total + W_PAIR * self.pair_total + W_BAL * self.bal_total + W_ORG * self.org_total

    def floor(self) -> int:
        """A cost the search cannot beat (zero revisits, pairs and org clashes; best balance)."""
        inst = self.inst
        bal = 0
        for r in range(inst.R):
            lo = [0] * inst.T
            for p in range(inst.N):
                if inst.pins[r][p] >= 0:
                    lo[inst.pins[r][p]] += 1
            bal += _least_squares_occupancy(lo, inst.cap, inst.N)
        return W_BAL * bal

    def export(self) -> tuple[dict[int, int], ...]:
        """The plan as {person_id: table_id} per round."""
        pid = self.inst.pid
        tid = [t.id for t in self.inst.tables]
        return tuple({pid[p]: tid[t] for p, t in enumerate(row)} for row in self.seat)

    def rev_delta(self, p: int, r: int, new_topic: int) -> int:
        """Change in p's revisits if p sat at `new_topic` in planned round r."""
        seq = self.seq[p]
        i = self.hlen[p] + r
        old = seq[i]
        if self.simple[p]:
            c = self.tcount[p]
            return (1 if c[new_topic] >= 1 else 0) - (1 if c[old] >= 2 else 0)
        seq[i] = new_topic
        after = _revisits(seq, self.inst.K)
        seq[i] = old
        return after - self.rev[p]

    def _set_topic(self, p: int, r: int, new_topic: int, drev: int) -> None:
        i = self.hlen[p] + r
        c = self.tcount[p]
        c[self.seq[p][i]] -= 1
        c[new_topic] += 1
        self.seq[p][i] = new_topic
        self.rev[p] += drev

    def apply_swap(self, r: int, p: int, q: int, drev_p: int, drev_q: int) -> None:
        """Swap the tables of p and q in round r (costs must be updated by the caller)."""
        inst = self.inst
        seat = self.seat[r]
        t, u = seat[p], seat[q]
        mt, mu = self.mem[r][t], self.mem[r][u]
        meet = self.meet
        rp, rq = meet[p], meet[q]
        for x in mt:
            if x != p:
                rp[x] -= 1
                meet[x][p] -= 1
                rq[x] += 1
                meet[x][q] += 1
        for x in mu:
            if x != q:
                rq[x] -= 1
                meet[x][q] -= 1
                rp[x] += 1
                meet[x][p] += 1
        mt[mt.index(p)] = q
        mu[mu.index(q)] = p
        seat[p], seat[q] = u, t
        kt, ku = inst.topic_of[t], inst.topic_of[u]
        if kt != ku:
            self._set_topic(p, r, ku, drev_p)
            self._set_topic(q, r, kt, drev_q)
        op, oq = inst.org[p], inst.org[q]
        if op != oq:
            if op >= 0:
                self.oc[r][t][op] -= 1
                self.oc[r][u][op] += 1
            if oq >= 0:
                self.oc[r][u][oq] -= 1
                self.oc[r][t][oq] += 1

    def apply_move(self, r: int, p: int, u: int, drev: int) -> None:
        """Move p to table u (which has a free seat) in round r."""
        inst = self.inst
        seat = self.seat[r]
        t = seat[p]
        mt, mu = self.mem[r][t], self.mem[r][u]
        meet = self.meet
        rp = meet[p]
        for x in mt:
            if x != p:
                rp[x] -= 1
                meet[x][p] -= 1
        for x in mu:
            rp[x] += 1
            meet[x][p] += 1
        mt.remove(p)
        mu.append(p)
        seat[p] = u
        if inst.topic_of[t] != inst.topic_of[u]:
            self._set_topic(p, r, inst.topic_of[u], drev)
        if inst.org[p] >= 0:
            self.oc[r][t][inst.org[p]] -= 1
            self.oc[r][u][inst.org[p]] += 1

    def hot_list(self) -> list[tuple[int, int]]:
        """Movable (round, person) with a revisit, a repeated tablemate or an org clash."""
        inst = self.inst
        org = inst.org
        hot: list[tuple[int, int]] = []
        for r in range(inst.R):
            seat = self.seat[r]
            mem = self.mem[r]
            oc = self.oc[r]
            for p in self.movable[r]:
                row = self.meet[p]
                t = seat[p]
                if (
                    self.rev[p] > 0
                    or (org[p] >= 0 and oc[t][org[p]] > 1)
                    or any(row[x] > 1 for x in mem[t] if x != p)
                ):
                    hot.append((r, p))
        return hot

    # -- the search

    def anneal(self, moves: int, deadline: float, floor: int, t_hot: float, t_cold: float) -> None:
        """Simulated annealing over swaps and moves in all planned rounds jointly."""
        inst = self.inst
        R, T = inst.R, inst.T
        active = [r for r in range(R) if self.movable[r]]
        if not active or moves <= 0:
            return
        rnd = self.rng.random
        exp = math.exp
        seat, mem, meet, oc = self.seat, self.mem, self.meet, self.oc
        inc, dec = inst.inc, inst.dec
        cap, topic_of, traveller, org = inst.cap, inst.topic_of, inst.traveller, inst.org
        tcount, simple, movable = self.tcount, self.simple, self.movable
        rev_delta = self.rev_delta
        free_seats = sum(cap) - inst.N
        p_move = 0.3 if free_seats > 0 else 0.0
        chunk = max(2000, inst.N * R)
        n_chunks = max(1, moves // chunk)
        cost = self.cost()
        best_cost, best_seats = cost, [row[:] for row in seat]
        temp = t_hot
        factor = (t_cold / t_hot) ** (1.0 / n_chunks)
        done = 0
        hot: list[tuple[int, int]] = []
        while done < moves and cost > floor and time.perf_counter() < deadline:
            hot = self.hot_list() if cost - floor >= W_ORG else []
            n_hot = len(hot)
            for _ in range(min(chunk, moves - done)):
                if n_hot and rnd() < _P_HOT:
                    r, p = hot[int(rnd() * n_hot)]
                else:
                    r = active[int(rnd() * len(active))]
                    mv = movable[r]
                    p = mv[int(rnd() * len(mv))]
                srow = seat[r]
                mrow = mem[r]
                t = srow[p]
                kt = topic_of[t]
                rp = meet[p]
                u = int(rnd() * T)
                if p_move and rnd() < p_move and u != t and len(mrow[u]) < cap[u]:
                    # Move p into a free seat.
                    ku = topic_of[u]
                    drev = rev_delta(p, r, ku) if (ku != kt and traveller[p]) else 0
                    if drev > 0:
                        continue
                    mt, mu = mrow[t], mrow[u]
                    d = 0
                    for x in mt:
                        if x != p:
                            d -= dec[rp[x]]
                    for x in mu:
                        d += inc[rp[x]]
                    dbal = 2 * (len(mu) - len(mt)) + 2
                    dorg = 0
                    op = org[p]
                    if op >= 0:
                        dorg = oc[r][u][op] - oc[r][t][op] + 1
                    delta = W_REV * drev + W_PAIR * d + W_BAL * dbal + W_ORG * dorg
                    if delta <= 0 or rnd() < exp(-delta / temp):
                        self.apply_move(r, p, u, drev)
                        cost += delta
                        self.rev_total += drev
                        self.pair_total += d
                        self.bal_total += dbal
                        self.org_total += dorg
                        if cost <= floor:
                            break
                    continue
                # Swap p with q; prefer a q at a topic p has not visited (or p's own topic).
                q = -1
                if traveller[p] and simple[p]:
                    cp = tcount[p]
                    for _try in range(3):
                        ku = topic_of[u]
                        if u != t and (ku == kt or cp[ku] == 0):
                            group = mrow[u]
                            cand = group[int(rnd() * len(group))] if group else p
                            if cand != p and inst.pins[r][cand] < 0:
                                q = cand
                                break
                        u = int(rnd() * T)
                if q < 0:
                    mv = movable[r]
                    q = mv[int(rnd() * len(mv))]
                    u = srow[q]
                    if u == t:
                        continue
                ku = topic_of[u]
                drev_p = drev_q = 0
                if ku != kt:
                    if traveller[p]:
                        drev_p = rev_delta(p, r, ku)
                    if traveller[q]:
                        drev_q = rev_delta(q, r, kt)
                    if drev_p + drev_q > 0:
                        continue
                rq = meet[q]
                d = 0
                for x in mrow[t]:
                    if x != p:
                        d += inc[rq[x]] - dec[rp[x]]
                for x in mrow[u]:
                    if x != q:
                        d += inc[rp[x]] - dec[rq[x]]
                op, oq = org[p], org[q]
                dorg = 0
                if op != oq:
                    oct_, ocu = oc[r][t], oc[r][u]
                    if op >= 0:
                        dorg += ocu[op] - oct_[op] + 1
                    if oq >= 0:
                        dorg += oct_[oq] - ocu[oq] + 1
                delta = W_REV * (drev_p + drev_q) + W_PAIR * d + W_ORG * dorg
                if delta <= 0 or rnd() < exp(-delta / temp):
                    self.apply_swap(r, p, q, drev_p, drev_q)
                    cost += delta
                    self.rev_total += drev_p + drev_q
                    self.pair_total += d
                    self.org_total += dorg
                    if cost <= floor:
                        break
            done += chunk
            temp *= factor
            if cost < best_cost:
                best_cost, best_seats = cost, [row[:] for row in seat]
        if cost > best_cost:
            self.__init__(inst, best_seats, self.rng)  # type: ignore[misc]

    def reset(self, seats: list[list[int]]) -> None:
        """Rebuild every counter for `seats` (used to return to the best plan found)."""
        self.__init__(self.inst, [row[:] for row in seats], self.rng)  # type: ignore[misc]

    def tabu(self, budget: int, deadline: float, floor: int) -> None:
        """Tabu search over swaps within a topic, moving only people in a repeated pair.

        Swaps between tables of one topic change neither revisits nor occupancy, so only the
        pair and organisation costs move; that makes every step an exact best-improvement
        choice over the whole conflict neighbourhood.  `budget` counts evaluated swaps.
        """
        inst = self.inst
        R, N = inst.R, inst.N
        topic_of, tables_of_topic, pins, org = inst.topic_of, inst.tables_of_topic, inst.pins, inst.org
        inc, dec = inst.inc, inst.dec
        rng = self.rng
        rnd, randint = rng.random, rng.randint
        use_org = inst.O > 0
        # Only rounds with two tables of one topic and someone free to move can change.
        rounds = [
            r for r in range(R)
            if any(len(tables_of_topic[topic_of[self.seat[r][p]]]) > 1 for p in self.movable[r])
        ]
        if not rounds or budget <= 0:
            return
        cost = self.cost()
        best_cost, best_seats = cost, [row[:] for row in self.seat]
        tabu: dict[tuple[int, int, int], int] = {}
        used = 0
        it = 0
        stall = 0
        # Stagnation limit: a plateau this long means the search circles; jump from the best.
        patience = _TABU_PATIENCE
        while used < budget and best_cost > floor and time.perf_counter() < deadline:
            it += 1
            seat, mem, meet, oc = self.seat, self.mem, self.meet, self.oc
            best_d: int | None = None
            choice: tuple[int, int, int] | None = None
            ties = 0
            evaluated = 0
            aspire = best_cost - cost  # a tabu move is allowed if it beats the best plan
            for r in rounds:
                srow, mrow, pinr = seat[r], mem[r], pins[r]
                ocr = oc[r] if use_org else None
                out: dict[int, int] = {}
                for p in self.movable[r]:
                    t = srow[p]
                    mp = meet[p]
                    group_t = mrow[t]
                    out_p = 0
                    clash = False
                    for x in group_t:
                        if x != p:
                            k = mp[x]
                            out_p += dec[k]
                            if k > 1:
                                clash = True
                    op = org[p]
                    if not clash and not (use_org and op >= 0 and ocr[t][op] > 1):  # type: ignore[index]
                        continue
                    same = tables_of_topic[topic_of[t]]
                    if len(same) < 2:
                        continue
                    for u in same:
                        if u == t:
                            continue
                        group_u = mrow[u]
                        a = 0
                        for y in group_u:
                            a += inc[mp[y]]
                        base = a - out_p
                        for q in group_u:
                            if pinr[q] >= 0:
                                continue
                            mq = meet[q]
                            oq_ = out.get(q)
                            if oq_ is None:
                                oq_ = 0
                                for y in group_u:
                                    if y != q:
                                        oq_ += dec[mq[y]]
                                out[q] = oq_
                            b = 0
                            for x in group_t:
                                b += inc[mq[x]]
                            d = W_PAIR * (base + b - 2 * inc[mp[q]] - oq_)
                            if use_org:
                                oq = org[q]
                                if op != oq:
                                    oct_, ocu = ocr[t], ocr[u]  # type: ignore[index]
                                    if op >= 0:
                                        d += W_ORG * (ocu[op] - oct_[op] + 1)
                                    if oq >= 0:
                                        d += W_ORG * (oct_[oq] - ocu[oq] + 1)
                            evaluated += 1
                            if best_d is not None and d > best_d:
                                continue
                            if (tabu.get((r, p, u), 0) > it or tabu.get((r, q, t), 0) > it) and d >= aspire:
                                continue
                            if best_d is None or d < best_d:
                                best_d, choice, ties = d, (r, p, q), 1
                            else:
                                # Equal moves: pick one uniformly (reservoir sampling).
                                ties += 1
                                if rnd() * ties < 1.0:
                                    choice = (r, p, q)
            used += evaluated + 1
            if choice is None or best_d is None:
                stall = patience  # nothing admissible: perturb
            else:
                r, p, q = choice
                t, u = self.seat[r][p], self.seat[r][q]
                self.apply_swap(r, p, q, 0, 0)
                cost += best_d
                tabu[(r, p, t)] = it + randint(_TEN_LO, _TEN_HI)
                tabu[(r, q, u)] = it + randint(_TEN_LO, _TEN_HI)
                if cost < best_cost:
                    best_cost, best_seats = cost, [row[:] for row in self.seat]
                    stall = 0
                else:
                    stall += 1
            if stall >= patience:
                # Restart from the best plan, shaken by a few random swaps within topics.
                self.reset(best_seats)
                for _ in range(randint(_PERT_LO, _PERT_HI)):
                    r = rounds[int(rnd() * len(rounds))]
                    mv = self.movable[r]
                    p = mv[int(rnd() * len(mv))]
                    t = self.seat[r][p]
                    same = tables_of_topic[topic_of[t]]
                    u = same[int(rnd() * len(same))]
                    cands = [q for q in self.mem[r][u] if pins[r][q] < 0] if u != t else []
                    if cands:
                        self.apply_swap(r, p, cands[int(rnd() * len(cands))], 0, 0)
                self.recount()
                cost = self.cost()
                tabu.clear()
                stall = 0
                used += N
        # Keep the pair/org totals exact, then return to the best plan seen.
        self.recount()
        if self.cost() > best_cost:
            self.reset(best_seats)

    def tabu2(self, budget: int, deadline: float, floor: int) -> None:
        """Tabu search driven by one random repeated pair per step."""
        inst = self.inst
        R, N = inst.R, inst.N
        topic_of, tables_of_topic, pins, org = inst.topic_of, inst.tables_of_topic, inst.pins, inst.org
        inc, dec = inst.inc, inst.dec
        rng = self.rng
        rnd, randint = rng.random, rng.randint
        cost = self.cost()
        best_cost, best_seats = cost, [row[:] for row in self.seat]
        bad: list[tuple[int, int]] = []
        pos: dict[tuple[int, int], int] = {}

        def rebuild() -> None:
            bad.clear(); pos.clear()
            meet = self.meet
            for a in range(N):
                row = meet[a]
                for b in range(a + 1, N):
                    if row[b] > 1:
                        pos[(a, b)] = len(bad); bad.append((a, b))

        def touch(a: int, b: int) -> None:
            key = (a, b) if a < b else (b, a)
            isbad = self.meet[a][b] > 1
            i = pos.get(key)
            if isbad and i is None:
                pos[key] = len(bad); bad.append(key)
            elif not isbad and i is not None:
                last = bad.pop()
                if last != key:
                    bad[i] = last; pos[last] = i
                del pos[key]

        rebuild()
        tabu: dict[tuple[int, int, int], int] = {}
        used = it = stall = 0
        patience = _TABU_PATIENCE
        while used < budget and best_cost > floor and time.perf_counter() < deadline:
            it += 1
            if not bad:
                break
            a, b = bad[int(rnd() * len(bad))]
            seat, mem, meet = self.seat, self.mem, self.meet
            rs = [r for r in range(R) if seat[r][a] == seat[r][b]]
            r = rs[int(rnd() * len(rs))]
            srow, mrow, pinr = seat[r], mem[r], pins[r]
            best_d = None; choice = None; ties = 0
            aspire = best_cost - cost
            for p in (a, b):
                if pinr[p] >= 0:
                    continue
                t = srow[p]; mp = meet[p]; group_t = mrow[t]
                out_p = 0
                for x in group_t:
                    if x != p:
                        out_p += dec[mp[x]]
                for u in tables_of_topic[topic_of[t]]:
                    if u == t:
                        continue
                    group_u = mrow[u]
                    base = -out_p
                    for y in group_u:
                        base += inc[mp[y]]
                    for q in group_u:
                        if pinr[q] >= 0:
                            continue
                        mq = meet[q]
                        d = base - 2 * inc[mp[q]]
                        for y in group_u:
                            if y != q:
                                d -= dec[mq[y]]
                        for x in group_t:
                            d += inc[mq[x]]
                        d *= W_PAIR
                        used += 1
                        if best_d is not None and d > best_d:
                            continue
                        if (tabu.get((r, p, u), 0) > it or tabu.get((r, q, t), 0) > it) and d >= aspire:
                            continue
                        if best_d is None or d < best_d:
                            best_d, choice, ties = d, (p, q), 1
                        else:
                            ties += 1
                            if rnd() * ties < 1.0:
                                choice = (p, q)
            used += 1
            if choice is None:
                stall += 1
            else:
                p, q = choice
                t, u = srow[p], srow[q]
                touched = [x for x in mrow[t]] + [y for y in mrow[u]]
                self.apply_swap(r, p, q, 0, 0)
                for x in touched:
                    if x != p: touch(p, x)
                    if x != q: touch(q, x)
                cost += best_d
                tabu[(r, p, t)] = it + randint(_TEN_LO, _TEN_HI)
                tabu[(r, q, u)] = it + randint(_TEN_LO, _TEN_HI)
                if cost < best_cost:
                    best_cost, best_seats = cost, [row[:] for row in self.seat]
                    stall = 0
                else:
                    stall += 1
            if stall >= patience:
                self.reset(best_seats)
                for _ in range(randint(_PERT_LO, _PERT_HI)):
                    r = int(rnd() * R)
                    mv = self.movable[r]
                    if not mv: continue
                    p = mv[int(rnd() * len(mv))]
                    t = self.seat[r][p]
                    same = tables_of_topic[topic_of[t]]
                    u = same[int(rnd() * len(same))]
                    cands = [q for q in self.mem[r][u] if pins[r][q] < 0] if u != t else []
                    if cands:
                        self.apply_swap(r, p, cands[int(rnd() * len(cands))], 0, 0)
                self.recount()
                cost = self.cost()
                rebuild()
                tabu.clear()
                stall = 0
                used += N
        self.recount()
        if self.cost() > best_cost:
            self.reset(best_seats)

    def topic_delta(self, p: int, r: int, t: int) -> int:
        """Change in p's revisits if p sat at table t in planned round r (0 within a topic)."""
        inst = self.inst
        k = inst.topic_of[t]
        if not inst.traveller[p] or k == inst.topic_of[self.seat[r][p]]:
            return 0
        return self.rev_delta(p, r, k)

    def send_home(self) -> None:
        """Final round: seat people whose first round was planned now back at that table."""
        inst = self.inst
        last = inst.R - 1
        pins = inst.pins[last]
        waiting = set(inst.late_home)
        for p in inst.late_home:
            waiting.discard(p)
            home = self.seat[0][p]
            if self.seat[last][p] != home:
                if len(self.mem[last][home]) < inst.cap[home]:
                    self.apply_move(last, p, home, self.topic_delta(p, last, home))
                else:
                    # Someone not pinned and not at home there makes room; people still
                    # waiting may be moved now, they are sent home in their own turn.
                    others = [
                        q
                        for q in self.mem[last][home]
                        if pins[q] < 0 and not (q in waiting and self.seat[0][q] == home)
                    ]
                    if not others:
                        continue  # home is full of people who must be there: p stays free
                    others.sort(key=lambda q: q in waiting)
                    q = others[0]
                    t = self.seat[last][p]
                    dp, dq = self.topic_delta(p, last, home), self.topic_delta(q, last, t)
                    self.apply_swap(last, p, q, dp, dq)
            pins[p] = home
            inst.pins[0][p] = home  # the first round is their home now: it must stay put too
        for r in (0, last):
            self.movable[r] = [p for p in range(inst.N) if inst.pins[r][p] < 0]
        self.recount()


# --------------------------------------------------------------------------- public functions


def plan(problem: Problem, *, time_limit: float | None = None, moves: int | None = None) -> Plan:
    """Plan all remaining rounds jointly: a constructive start, then simulated annealing."""
    start = time.perf_counter()
    inst = _Instance(problem)
    bound = lower_bound(problem)
    if inst.R == 0:
        return Plan((), score(problem.tables, problem.people, problem.history, (), lower=bound))
    rng = random.Random(problem.seed)
    state = _State(inst, _construct(inst, rng), rng)
    seconds = time_limit if time_limit is not None else default_time_budget(inst.N, inst.R)
    budget = moves if moves is not None else int(seconds * _RATE)
    # Without an explicit limit the move budget decides (reproducible); the clock is a backstop.
    deadline = start + (time_limit if time_limit is not None else 3 * seconds + 1)
    floor = state.floor()
    # A short cold descent first: on easy instances the constructive start is a few cheap
    # moves from a perfect plan, and annealing from hot would first scramble it.
    quick = min(budget // 10, 20 * inst.N * inst.R)
    state.anneal(quick, deadline, floor, 0.5 * W_ORG, 0.3 * W_ORG)
    main = budget - quick if not inst.late_home else (budget - quick) * 4 // 5
    # Cool to where single organisation pairs and balance steps decide, when they can matter;
    # otherwise spend the whole schedule in the range where pair repeats get sorted out.
    lowest = 0.3 * W_ORG if (inst.O or sum(inst.cap) > inst.N) else 0.1 * W_PAIR
    state.anneal(main, deadline, floor, 0.6 * W_PAIR, lowest)
    if inst.late_home:
        state.send_home()
        state.anneal(budget - quick - main, deadline, state.floor(), 0.5 * W_PAIR, 0.3 * W_ORG)
    rounds = state.export()
    return Plan(rounds, score(problem.tables, problem.people, problem.history, rounds, lower=bound))


def plan_greedy(problem: Problem) -> Plan:
    """Baseline: round by round, each person in turn takes the cheapest free seat right now."""
    inst = _Instance(problem)
    bound = lower_bound(problem)
    rng = random.Random(problem.seed)
    R, N, T, K = inst.R, inst.N, inst.T, inst.K
    seats = [row[:] for row in inst.pins]
    meet = [row[:] for row in inst.meet0]
    inc, org, cap, topic_of = inst.inc, inst.org, inst.cap, inst.topic_of
    tcount = [[0] * K for _ in range(N)]
    for p in range(N):
        for k in inst.hist_topic[p]:
            if k >= 0:
                tcount[p][k] += 1
    for r in range(R):
        row = seats[r]
        members: list[list[int]] = [[] for _ in range(T)]
        orgc: list[dict[int, int]] = [{} for _ in range(T)]
        for p in range(N):
            if row[p] >= 0:
                members[row[p]].append(p)
                if org[p] >= 0:
                    orgc[row[p]][org[p]] = orgc[row[p]].get(org[p], 0) + 1
        todo = [p for p in range(N) if row[p] < 0]
        rng.shuffle(todo)
        for p in todo:
            mp, c = meet[p], tcount[p]
            exhausted = sum(1 for v in c if v) >= K
            best_t, best = -1, None
            for t in range(T):
                if len(members[t]) >= cap[t]:
                    continue
                revisit = 1 if (inst.traveller[p] and c[topic_of[t]] and not exhausted) else 0
                cost = (
                    W_REV * revisit
                    + W_PAIR * sum(inc[mp[x]] for x in members[t])
                    + W_BAL * (2 * len(members[t]) + 1)
                    + W_ORG * (orgc[t].get(org[p], 0) if org[p] >= 0 else 0)
                )
                if best is None or cost < best:
                    best_t, best = t, cost
            t = best_t
            for x in members[t]:
                mp[x] += 1
                meet[x][p] += 1
            members[t].append(p)
            if org[p] >= 0:
                orgc[t][org[p]] = orgc[t].get(org[p], 0) + 1
            row[p] = t
            c[topic_of[t]] += 1
    rounds = _State(inst, seats, rng).export() if R else ()
    return Plan(rounds, score(problem.tables, problem.people, problem.history, rounds, lower=bound))


def plan_random(problem: Problem) -> Plan:
    """Baseline: everyone not pinned takes a random free seat, independently every round."""
    inst = _Instance(problem)
    bound = lower_bound(problem)
    rng = random.Random(problem.seed)
    seats = [row[:] for row in inst.pins]
    for row in seats:
        free: list[int] = []
        used = [0] * inst.T
        for t in row:
            if t >= 0:
                used[t] += 1
        for t in range(inst.T):
            free.extend([t] * (inst.cap[t] - used[t]))
        rng.shuffle(free)
        for p in range(inst.N):
            if row[p] < 0:
                row[p] = free.pop()
    rounds = _State(inst, seats, rng).export() if inst.R else ()
    return Plan(rounds, score(problem.tables, problem.people, problem.history, rounds, lower=bound))


def score(
    tables: Sequence[Table],
    people: Sequence[Person],
    history: Sequence[Mapping[int, int]],
    rounds: Sequence[Mapping[int, int]],
    *,
    lower: int | None = None,
) -> Score:
    """Score a seating; history and planned rounds count together (imbalance: planned only)."""
    topic_of = {t.id: t.topic for t in tables}
    n_topics = len(set(topic_of.values()))
    info = {p.id: p for p in people}
    seating = list(history) + list(rounds)
    revisits = 0
    for p in sorted(people, key=lambda p: p.id):
        if p.host_of is not None or p.stays_seated:
            continue
        seen: set[int] = set()
        for rnd in seating:
            k = topic_of.get(rnd.get(p.id, -1)) if p.id in rnd else None
            if k is None:
                continue  # absent that round, or at a table that is gone (topic unknown)
            if k in seen:
                if len(seen) < n_topics:
                    revisits += 1
            else:
                seen.add(k)
    meetings: dict[tuple[int, int], int] = {}
    org_pairs = 0
    for rnd in seating:
        groups: dict[int, list[int]] = {}
        for person_id, table_id in rnd.items():
            groups.setdefault(table_id, []).append(person_id)
        for members in groups.values():
            members.sort()
            orgs = [info[m].organisation if m in info else None for m in members]
            for i, a in enumerate(members):
                for j in range(i + 1, len(members)):
                    key = (a, members[j])
                    meetings[key] = meetings.get(key, 0) + 1
                    if orgs[i] and orgs[i] == orgs[j]:
                        org_pairs += 1
    imbalance = 0
    for rnd in rounds:
        occupancy = {t.id: 0 for t in tables}
        for table_id in rnd.values():
            if table_id in occupancy:
                occupancy[table_id] += 1
        if occupancy:
            imbalance = max(imbalance, max(occupancy.values()) - min(occupancy.values()))
    counts = list(meetings.values())
    return Score(
        topic_revisits=revisits,
        pairs_met_twice=sum(1 for k in counts if k >= 2),
        extra_meetings=sum(k - 1 for k in counts if k >= 2),
        max_meetings=max(counts, default=0),
        imbalance=imbalance,
        same_org_pairs=org_pairs,
        lower_bound=lower,
    )


def lower_bound(problem: Problem) -> int | None:
    """A proven lower bound on pairs_met_twice for this problem (see docs/rotation.md)."""
    _validate(problem)
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


def violations(problem: Problem, rounds: Sequence[Mapping[int, int]]) -> list[str]:
    """Hard-rule breaches of planned `rounds` for `problem` (an empty list means none)."""
    problems: list[str] = []
    caps = {t.id: t.capacity for t in problem.tables}
    ids = {p.id for p in problem.people}
    if len(rounds) != problem.rounds:
        problems.append(f"{len(rounds)} rounds planned, {problem.rounds} asked")
    last_seat: dict[int, int] = {}
    for rnd in problem.history:
        for person_id, table_id in rnd.items():
            if table_id in caps:
                last_seat[person_id] = table_id
            else:
                last_seat.pop(person_id, None)
    kept: dict[int, int] = {}
    for i, rnd in enumerate(rounds, start=1):
        if set(rnd) != ids:
            missing = sorted(ids - set(rnd))
            extra = sorted(set(rnd) - ids)
            problems.append(f"round {i}: not seated {missing}, not present {extra}")
        load: dict[int, int] = {}
        for person_id, table_id in rnd.items():
            if table_id not in caps:
                problems.append(f"round {i}: person {person_id} at unknown table {table_id}")
            load[table_id] = load.get(table_id, 0) + 1
        for table_id, n in load.items():
            if table_id in caps and n > caps[table_id]:
                problems.append(f"round {i}: table {table_id} holds {caps[table_id]} but seats {n}")
        for p in problem.people:
            at = rnd.get(p.id)
            if p.host_of is not None and at != p.host_of:
                problems.append(f"round {i}: host {p.id} at table {at}, not {p.host_of}")
            elif p.host_of is None and p.stays_seated:
                want = kept.setdefault(p.id, last_seat.get(p.id, at))
                if at != want:
                    problems.append(f"round {i}: {p.id} stays seated at {want} but sits at {at}")
    return problems
