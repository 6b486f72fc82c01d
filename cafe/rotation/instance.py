"""The problem re-indexed as small ints, the cost weights, and small cost helpers."""
from __future__ import annotations

import heapq
from typing import Sequence

from cafe.rotation.model import NotEnoughSeats, Problem, validate

# The soft goals are strictly ordered; a weighted sum with widely spaced weights keeps that
# order for every single move the search makes (one move changes a lower goal by less than
# one unit of the goal above it on the instances we target), while still letting annealing
# trade within a level.
W_REV = 1 << 24  # one topic revisit
W_PAIR = 256  # one unit of sum over pairs of (meetings - 1)^2
W_BAL = 8  # one unit of sum over tables of occupancy^2
W_ORG = 1  # one same-organisation pair at a table in a round


def pair_step_tables(size: int) -> tuple[list[int], list[int]]:
    """INC[k] = f(k+1)-f(k) and DEC[k] = f(k)-f(k-1) for the pair cost f(k) = max(0, k-1)^2."""
    inc = [0] + [2 * k - 1 for k in range(1, size)]
    dec = [0, 0] + [2 * k - 3 for k in range(2, size)]
    return inc, dec


class Instance:
    """The problem re-indexed as small ints: tables 0..T-1, topics 0..K-1, people 0..N-1."""

    def __init__(self, problem: Problem) -> None:
        validate(problem)
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
        self.inc, self.dec = pair_step_tables(H + self.R + 3)

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


def revisits(seq: Sequence[int], topics: int) -> int:
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


def least_squares_occupancy(lo: Sequence[int], hi: Sequence[int], n: int) -> int:
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
