"""The search state: a full plan with the counters that make a move's cost change cheap."""
from __future__ import annotations

import random

from cafe.rotation.instance import W_BAL, W_ORG, W_PAIR, W_REV, Instance, least_squares_occupancy, revisits


class State:
    """A full plan with the counters that make a move's cost change cheap to compute."""

    def __init__(self, inst: Instance, seats: list[list[int]], rng: random.Random) -> None:
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
        self.rev = [revisits(self.seq[p], K) if inst.traveller[p] else 0 for p in range(N)]
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
            bal += least_squares_occupancy(lo, inst.cap, inst.N)
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
        after = revisits(seq, self.inst.K)
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

    def reset(self, seats: list[list[int]]) -> None:
        """Rebuild every counter for `seats` (used to return to the best plan found)."""
        self.__init__(self.inst, [row[:] for row in seats], self.rng)  # type: ignore[misc]

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
