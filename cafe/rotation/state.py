"""The search state: a full plan with the counters that make a move's cost change cheap."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from cafe.rotation.instance import (
    W_BAL,
    W_LANG,
    W_MIN,
    W_ORG,
    W_PAIR,
    W_REV,
    Instance,
    least_squares_occupancy,
    revisits,
)

# The cost of a change, part by part: revisits, pairs, balance, organisations, minimum-size
# deficit, language misses, multilingual pairs.
Delta = tuple[int, int, int, int, int, int, int]
WEIGHTS = (W_REV, W_PAIR, W_BAL, W_ORG, W_MIN, W_LANG, W_ORG)


# The steps of a group move: (person, table or person, was it a swap).
Undo = list[tuple[int, int, bool]]


def weigh(d: Delta | list[int]) -> int:
    """The weighted cost of a delta."""
    return sum(w * x for w, x in zip(WEIGHTS, d))


def worse_rule(d: Delta | list[int]) -> bool:
    """A change that makes a near-hard goal worse (deficit, then languages, then revisits)
    without making a higher one better: never accepted."""
    return d[4] > 0 or (d[4] == 0 and (d[5] > 0 or (d[5] == 0 and d[0] > 0)))


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
        # Languages: speakers of each language and multilingual people per (round, table), and
        # how many at each table have nobody to talk with.
        self.lc = [[[0] * inst.L for _ in range(T)] for _ in range(R)]
        self.bc = [[0] * T for _ in range(R)]
        for r in range(R):
            for p in range(N):
                t = seats[r][p]
                for i in inst.langs[p]:
                    self.lc[r][t][i] += 1
                self.bc[r][t] += inst.bridge[p]
        self.miss = [[self.misses_at(self.mem[r][t], self.lc[r][t]) for t in range(T)] for r in range(R)]
        # Followers of a companion group move only with their leader.
        self.movable = [[p for p in range(N) if inst.pins[r][p] < 0 and not inst.follower[p]] for r in range(R)]
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
        self.def_total = sum(self.deficit(r, t, len(self.mem[r][t])) for r in range(inst.R) for t in range(inst.T))
        self.miss_total = sum(sum(row) for row in self.miss)
        self.bridge_total = sum(c * (c - 1) // 2 for row in self.bc for c in row)

    def cost(self) -> int:
        """The weighted cost the search minimises."""
        return (
            W_MIN * self.def_total
            + W_LANG * self.miss_total
            + W_REV * self.rev_total
            + W_PAIR * self.pair_total
            + W_BAL * self.bal_total
            + W_ORG * (self.org_total + self.bridge_total)
        )

    def deficit(self, r: int, t: int, occupancy: int) -> int:
        """People missing at table t in round r for its minimum size (0 for an unused table)."""
        if not self.inst.open[r][t]:
            return 0
        return max(0, self.inst.mins[t] - occupancy)

    def misses_at(self, members: list[int], counts: list[int]) -> int:
        """How many of `members` share no language with anyone else there (`counts`: speakers)."""
        langs = self.inst.langs
        n = 0
        for x in members:
            lx = langs[x]
            if lx:
                for i in lx:
                    if counts[i] >= 2:
                        break
                else:
                    n += 1
        return n

    def floor(self, revisit_floor: int = 0, pair_floor: int = 0) -> int:
        """A cost the search cannot beat, from proven bounds on each part of the cost.

        Deficits: the minimum sizes of a round's used tables beyond its people; language misses:
        people nobody present can talk with; revisits and pairs: the bounds passed in; balance:
        the tables filled as evenly as their seats and pinned people allow; organisations: 0.
        """
        inst = self.inst
        bal = 0
        short = 0
        for r in range(inst.R):
            lo = [0] * inst.T
            for p in range(inst.N):
                if inst.pins[r][p] >= 0:
                    lo[inst.pins[r][p]] += 1
            bal += least_squares_occupancy(lo, inst.caps[r], inst.N)
            short += max(0, sum(inst.mins[t] for t in range(inst.T) if inst.open[r][t]) - inst.N)
        alone = sum(inst.alone) * inst.R
        return W_MIN * short + W_LANG * alone + W_REV * revisit_floor + W_PAIR * pair_floor + W_BAL * bal

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
        if inst.lmask[p] != inst.lmask[q]:
            lct, lcu = self.lc[r][t], self.lc[r][u]
            self._trade_languages(lct, lcu, p, q)
            self.bc[r][t] += inst.bridge[q] - inst.bridge[p]
            self.bc[r][u] += inst.bridge[p] - inst.bridge[q]
            self.miss[r][t] = self.misses_at(mt, lct)
            self.miss[r][u] = self.misses_at(mu, lcu)

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
        if inst.lmask[p]:
            lct, lcu = self.lc[r][t], self.lc[r][u]
            for i in inst.langs[p]:
                lct[i] -= 1
                lcu[i] += 1
            self.bc[r][t] -= inst.bridge[p]
            self.bc[r][u] += inst.bridge[p]
            self.miss[r][t] = self.misses_at(mt, lct)
            self.miss[r][u] = self.misses_at(mu, lcu)

    # -- languages and the exact cost of any single change (the slow, general path)

    def _trade_languages(self, frm: list[int], to: list[int], p: int, q: int) -> None:
        """Speaker counts after p goes from the table counted in `frm` to `to`, and q back."""
        langs = self.inst.langs
        for i in langs[p]:
            frm[i] -= 1
            to[i] += 1
        for i in langs[q]:
            to[i] -= 1
            frm[i] += 1

    def lang_move_delta(self, r: int, p: int, t: int, u: int) -> tuple[int, int]:
        """(language misses, multilingual pairs) change if p moved from table t to u in round r."""
        inst = self.inst
        if not inst.lmask[p]:
            return 0, 0
        lct, lcu = self.lc[r][t], self.lc[r][u]
        mt, mu = self.mem[r][t], self.mem[r][u]
        before = self.miss[r][t] + self.miss[r][u]
        ls = inst.langs[p]
        for i in ls:
            lct[i] -= 1
            lcu[i] += 1
        mt.remove(p)
        mu.append(p)
        after = self.misses_at(mt, lct) + self.misses_at(mu, lcu)
        mu.pop()
        mt.append(p)
        for i in ls:
            lct[i] += 1
            lcu[i] -= 1
        # Members were reordered by remove/append; order carries no meaning anywhere.
        dbridge = self.bc[r][u] - self.bc[r][t] + 1 if inst.bridge[p] else 0
        return after - before, dbridge

    def lang_swap_delta(self, r: int, p: int, q: int) -> tuple[int, int]:
        """(language misses, multilingual pairs) change if p and q swapped tables in round r."""
        inst = self.inst
        if inst.lmask[p] == inst.lmask[q]:
            return 0, 0
        t, u = self.seat[r][p], self.seat[r][q]
        lct, lcu = self.lc[r][t], self.lc[r][u]
        mt, mu = self.mem[r][t], self.mem[r][u]
        before = self.miss[r][t] + self.miss[r][u]
        self._trade_languages(lct, lcu, p, q)
        ip, iq = mt.index(p), mu.index(q)
        mt[ip], mu[iq] = q, p
        after = self.misses_at(mt, lct) + self.misses_at(mu, lcu)
        mt[ip], mu[iq] = p, q
        self._trade_languages(lcu, lct, p, q)  # and back
        bp, bq = inst.bridge[p], inst.bridge[q]
        if bp == bq:
            dbridge = 0
        elif bp:
            dbridge = self.bc[r][u] - (self.bc[r][t] - 1)
        else:
            dbridge = self.bc[r][t] - (self.bc[r][u] - 1)
        return after - before, dbridge

    def move_delta(self, r: int, p: int, u: int) -> Delta:
        """Every part of the cost change if p moved to table u (which has room) in round r."""
        inst = self.inst
        t = self.seat[r][p]
        rp = self.meet[p]
        inc, dec = inst.inc, inst.dec
        mt, mu = self.mem[r][t], self.mem[r][u]
        dpair = sum(inc[rp[x]] for x in mu) - sum(dec[rp[x]] for x in mt if x != p)
        dbal = 2 * (len(mu) - len(mt)) + 2
        op = inst.org[p]
        dorg = self.oc[r][u][op] - self.oc[r][t][op] + 1 if op >= 0 else 0
        ddef = (
            self.deficit(r, t, len(mt) - 1)
            - self.deficit(r, t, len(mt))
            + self.deficit(r, u, len(mu) + 1)
            - self.deficit(r, u, len(mu))
        )
        dlang, dbridge = self.lang_move_delta(r, p, t, u)
        return (self.topic_delta(p, r, u), dpair, dbal, dorg, ddef, dlang, dbridge)

    def swap_delta(self, r: int, p: int, q: int) -> Delta:
        """Every part of the cost change if p and q (at different tables) swapped in round r."""
        inst = self.inst
        t, u = self.seat[r][p], self.seat[r][q]
        rp, rq = self.meet[p], self.meet[q]
        inc, dec = inst.inc, inst.dec
        dpair = 0
        for x in self.mem[r][t]:
            if x != p:
                dpair += inc[rq[x]] - dec[rp[x]]
        for x in self.mem[r][u]:
            if x != q:
                dpair += inc[rp[x]] - dec[rq[x]]
        op, oq = inst.org[p], inst.org[q]
        dorg = 0
        if op != oq:
            oct_, ocu = self.oc[r][t], self.oc[r][u]
            if op >= 0:
                dorg += ocu[op] - oct_[op] + 1
            if oq >= 0:
                dorg += oct_[oq] - ocu[oq] + 1
        dlang, dbridge = self.lang_swap_delta(r, p, q)
        drev = self.topic_delta(p, r, u) + self.topic_delta(q, r, t)
        return (drev, dpair, 0, dorg, 0, dlang, dbridge)

    def commit(self, r: int, p: int, other: int, d: Delta, swap: bool) -> None:
        """Apply a move (p to table `other`) or a swap (p with person `other`) and its delta."""
        if swap:
            t, u = self.seat[r][p], self.seat[r][other]
            self.apply_swap(r, p, other, self.topic_delta(p, r, u), self.topic_delta(other, r, t))
        else:
            self.apply_move(r, p, other, self.topic_delta(p, r, other))
        self.add(d)

    def add(self, d: Delta) -> None:
        """Add a delta to the running totals."""
        self.rev_total += d[0]
        self.pair_total += d[1]
        self.bal_total += d[2]
        self.org_total += d[3]
        self.def_total += d[4]
        self.miss_total += d[5]
        self.bridge_total += d[6]

    def move_group(self, r: int, leader: int, u: int, rnd: Callable[[], float]) -> tuple[list[int], Undo] | None:
        """Move a companion group to table u in round r; (its delta, how to undo it), or None."""
        return self.move_block(r, self.inst.groups[self.inst.group_of[leader]], u, rnd)

    def move_block(
        self, r: int, members: list[int], u: int, rnd: Callable[[], float], partners: list[int] | None = None
    ) -> tuple[list[int], Undo] | None:
        """Move people of one table together to table u in round r; (delta, undo) or None.

        The members take free seats there, or swap with people there who sit alone (picked
        with `rnd`, or exactly `partners`, one each, when given). None when u cannot take
        them all.
        """
        inst = self.inst
        t = self.seat[r][members[0]]
        if u == t or inst.caps[r][u] < len(members):
            return None
        if partners is not None:
            free, singles = 0, list(partners)
        else:
            free = inst.caps[r][u] - len(self.mem[r][u])
            singles = [y for y in self.mem[r][u] if inst.pins[r][y] < 0 and inst.group_of[y] < 0]
        if free + len(singles) < len(members):
            return None
        done: Undo = []
        total = [0] * 7
        for x in members:
            if free > 0:
                d = self.move_delta(r, x, u)
                self.commit(r, x, u, d, swap=False)
                done.append((x, t, False))
                free -= 1
            else:
                y = singles.pop(0 if partners is not None else int(rnd() * len(singles)))
                d = self.swap_delta(r, x, y)
                self.commit(r, x, y, d, swap=True)
                done.append((x, y, True))
            for i in range(7):
                total[i] += d[i]
        return total, done

    def undo(self, r: int, done: Undo) -> None:
        """Take back the steps of a group move, last first."""
        for x, other, swap in reversed(done):
            if swap:
                self.commit(r, x, other, self.swap_delta(r, x, other), swap=True)
            else:
                self.commit(r, x, other, self.move_delta(r, x, other), swap=False)

    def group_step(self, r: int, leader: int, temp: float, rnd: Callable[[], float], strict: bool = True) -> int:
        """Try moving a companion group to another used table; return the accepted cost change.

        The change is kept by the same rule as any annealing move, else undone step by step.
        """
        moved = self.move_group(r, leader, int(rnd() * self.inst.T), rnd)
        if moved is None:
            return 0
        total, done = moved
        delta = weigh(total)
        if not (worse_rule(total) if strict else total[4] > 0) and (delta <= 0 or rnd() < math.exp(-delta / temp)):
            return delta
        self.undo(r, done)
        return 0

    def hot_list(self) -> list[tuple[int, int]]:
        """Movable (round, person) with a revisit, a repeated tablemate or an org clash."""
        inst = self.inst
        org = inst.org
        group_of = inst.group_of
        hot: list[tuple[int, int]] = []
        for r in range(inst.R):
            seat = self.seat[r]
            mem = self.mem[r]
            oc = self.oc[r]
            for p in self.movable[r]:
                row = self.meet[p]
                t = seat[p]
                g = group_of[p]
                if (
                    self.rev[p] > 0
                    or (org[p] >= 0 and oc[t][org[p]] > 1)
                    or self.miss[r][t]
                    or self.deficit(r, t, len(mem[t]))
                    # Companions meet every round: that repeat is theirs to keep.
                    or any(row[x] > 1 for x in mem[t] if x != p and (g < 0 or group_of[x] != g))
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
            g = inst.group_of[p]
            who = inst.groups[g] if g >= 0 else [p]
            home = self.seat[0][p]
            if inst.caps[last][home] < len(who):
                continue  # their table is not used in the last round: they stay free
            for x in who:
                if self.seat[last][x] == home:
                    continue
                if len(self.mem[last][home]) < inst.caps[last][home]:
                    self.commit(last, x, home, self.move_delta(last, x, home), swap=False)
                    continue
                # Someone not pinned, alone and not at home there makes room; people still
                # waiting may be moved now, they are sent home in their own turn.
                others = [
                    q
                    for q in self.mem[last][home]
                    if pins[q] < 0 and inst.group_of[q] < 0 and not (q in waiting and self.seat[0][q] == home)
                ]
                if not others:
                    break  # home is full of people who must be there: they stay free
                others.sort(key=lambda q: q in waiting)
                q = others[0]
                self.commit(last, x, q, self.swap_delta(last, x, q), swap=True)
            if all(self.seat[last][x] == home for x in who):
                for x in who:
                    pins[x] = home
                    inst.pins[0][x] = home  # the first round is their home now: it stays put too
        for r in (0, last):
            self.movable[r] = [p for p in range(inst.N) if inst.pins[r][p] < 0 and not inst.follower[p]]
        self.recount()
