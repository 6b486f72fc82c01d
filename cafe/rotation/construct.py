"""The constructive start: round by round, topics by b-matching, then tables greedily."""

from __future__ import annotations

import random
from collections.abc import Mapping

from cafe.rotation.instance import Instance


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


class _Round:
    """One round being built: who sits where so far, and the counters the choices read."""

    def __init__(self, inst: Instance, r: int, row: list[int], meet: list[bytearray]) -> None:
        self.inst = inst
        self.row = row
        self.meet = meet
        self.caps = inst.caps[r]
        T = inst.T
        self.members: list[list[int]] = [[] for _ in range(T)]
        self.orgc: list[dict[int, int]] = [{} for _ in range(T)]
        self.spoken = [0] * T  # languages spoken at each table (bit mask)
        for p, t in enumerate(row):
            if t >= 0:
                self._note(p, t, meet_too=False)
        self.free = [self.caps[t] - len(self.members[t]) for t in range(T)]
        # Below-minimum seats of each used table: filled before any table grows past it.
        self.short = [max(0, inst.mins[t] - len(self.members[t])) if inst.open[r][t] else 0 for t in range(T)]

    def _note(self, p: int, t: int, meet_too: bool = True) -> None:
        inst = self.inst
        if meet_too:
            mp = self.meet[p]
            for x in self.members[t]:
                mp[x] += 1
                self.meet[x][p] += 1
        self.members[t].append(p)
        if inst.org[p] >= 0:
            self.orgc[t][inst.org[p]] = self.orgc[t].get(inst.org[p], 0) + 1
        self.spoken[t] |= inst.lmask[p]

    def seat(self, p: int, t: int) -> None:
        """Seat p at table t."""
        self._note(p, t)
        self.free[t] -= 1
        if self.short[t]:
            self.short[t] -= 1
        self.row[p] = t

    def best_table(self, people: list[int], choices: list[int], rng: random.Random) -> int:
        """The table for `people` (one person or a companion group) among `choices`.

        A table short of its minimum (by the whole group, if it is one) first, then one where
        they can talk with somebody, then the least pair cost, the emptiest, the fewest
        colleagues.
        """
        inst = self.inst
        lmask, org = inst.lmask, inst.org
        rows = [self.meet[p].__getitem__ for p in people]
        speaks = [lmask[p] for p in people if lmask[p]]
        best_t, best_key = -1, None
        for t in choices:
            if self.free[t] < len(people):
                continue
            # A table short by at least the whole group first: a pair sent to a table short
            # by one leaves another table short.
            first = 0 if self.short[t] >= len(people) else (1 if self.short[t] else 2)
            if best_key is not None and first > best_key[0]:
                continue  # the key is compared part by part: skip the dearer parts early
            members = self.members[t]
            unheard = sum(1 for m in speaks if not m & self.spoken[t]) if speaks else 0
            # Earlier meetings with the table's people (a start only: the search weighs them).
            met = sum(sum(map(row, members)) for row in rows) if members else 0
            key = (
                first,
                unheard,
                met,
                len(members),
                sum(self.orgc[t].get(org[p], 0) for p in people if org[p] >= 0),
                rng.random(),
            )
            if best_key is None or key < best_key:
                best_t, best_key = t, key
        return best_t


def _rarity(inst: Instance) -> list[int]:
    """Per person: how many present people speak their most widely spoken language (a big
    number for people with no stated language: they fit anywhere)."""
    speakers = [0] * inst.L
    for langs in inst.langs:
        for i in langs:
            speakers[i] += 1
    return [max((speakers[i] for i in langs), default=inst.N + 1) for langs in inst.langs]


def construct(inst: Instance, rng: random.Random) -> list[list[int]]:
    """A first plan, round by round: travellers matched to least-visited topics, then tables."""
    R, N, T, K = inst.R, inst.N, inst.T, inst.K
    seats = [row[:] for row in inst.pins]
    meet = [bytearray(row) for row in inst.meet0]
    tcount = [[0] * K for _ in range(N)]
    for p in range(N):
        for k in inst.hist_topic[p]:
            if k >= 0:
                tcount[p][k] += 1
    for r in range(R):
        row = seats[r]
        now = _Round(inst, r, row, meet)
        # Companion groups first, each as one block at a table with room for all of them.
        leaders = [g[0] for g in inst.groups if row[g[0]] < 0]
        rng.shuffle(leaders)
        # Largest first (stable, so equal sizes keep the shuffled order): a pair that takes the
        # only table with room for four would split the four.
        leaders.sort(key=lambda p: -len(inst.groups[inst.group_of[p]]))
        for p in leaders:
            group = inst.groups[inst.group_of[p]]
            visits = [sum(tcount[x][k] for x in group) for k in range(K)]
            order = sorted((t for t in range(T) if now.free[t] >= len(group)), key=lambda t: visits[inst.topic_of[t]])
            if not order:
                order = sorted(range(T), key=lambda t: -now.free[t])[:1]
            fewest = visits[inst.topic_of[order[0]]]
            t = now.best_table(group, [t for t in order if visits[inst.topic_of[t]] == fewest], rng)
            if t < 0:
                t = now.best_table(group, order, rng)
            if t < 0:
                # No table has room for the whole group: seat them where there is room at all
                # (the search cannot do better; the score reports the split).
                for x in group:
                    now.seat(x, max(range(T), key=lambda u: now.free[u]))
                continue
            for x in group:
                now.seat(x, t)
        todo = [p for p in range(N) if row[p] < 0]
        rng.shuffle(todo)
        kfree = [sum(now.free[t] for t in inst.tables_of_topic[k]) for k in range(K)]
        kshort = [sum(now.short[t] for t in inst.tables_of_topic[k]) for k in range(K)]
        allowed: dict[int, list[int]] = {}
        # Topics each later round uses: in a thin room some topics sit out a round, and a
        # person who takes now a topic that is open later may find nothing new left then.
        later = [{inst.topic_of[t] for t in range(T) if inst.open[r2][t]} for r2 in range(r + 1, R)]
        later = [topics for topics in later if len(topics) < K]  # a round using every topic is never dead
        for p in todo:
            c = tcount[p]
            least = min(c)
            allowed[p] = [k for k in range(K) if c[k] == least]
            if later and len(allowed[p]) > 1:
                seen = {k for k in range(K) if c[k]}
                dead = {
                    k: sum(1 for topics in later if len(topics) <= len(seen) + 1 and topics <= seen | {k})
                    for k in allowed[p]
                }
                fewest = min(dead.values())
                allowed[p] = [k for k in allowed[p] if dead[k] == fewest]
        # Languages heard at each topic this round (its seated people, then those matched).
        heard = [0] * K
        for t in range(T):
            heard[inst.topic_of[t]] |= now.spoken[t]
        rarity = _rarity(inst)
        # Most constrained first, then the rarest languages, so that someone whose language
        # few speak finds the topics where it is spoken, and the next speaker follows them
        # (the sort is stable, so ties keep the shuffled order).
        todo.sort(key=lambda p: (len(allowed[p]), rarity[p]))
        by_topic: list[list[int]] = [[] for _ in range(K)]
        left: list[int] = []
        for p in todo:
            opts = [k for k in allowed[p] if kfree[k] > 0]
            if opts:
                # A topic whose tables are still short of their minimum first; then one where
                # their language is spoken; then the emptiest, which keeps the most options
                # open for the people still to come.
                m = inst.lmask[p]
                k = max(opts, key=lambda k: (kshort[k] > 0, not m or bool(m & heard[k]), kfree[k], rng.random()))
                kfree[k] -= 1
                if kshort[k]:
                    kshort[k] -= 1
                heard[k] |= m
                by_topic[k].append(p)
            elif not _augment(p, allowed, by_topic, kfree):
                left.append(p)
        for p in left:
            k = max(range(K), key=lambda k: (kshort[k] > 0, kfree[k]))
            kfree[k] -= 1
            if kshort[k]:
                kshort[k] -= 1
            by_topic[k].append(p)
        for k in range(K):
            group = by_topic[k]
            rng.shuffle(group)
            # Rarest languages first within the topic too: they pick the tables where they
            # are understood before the room fills around them.
            group.sort(key=lambda p: rarity[p])
            for p in group:
                t = now.best_table([p], inst.tables_of_topic[k], rng)
                if t < 0:
                    # The topic filled up (a group took seats the matching counted): anywhere.
                    t = now.best_table([p], list(range(T)), rng)
                now.seat(p, t)
        for p in range(N):
            if row[p] >= 0 and inst.pins[r][p] < 0:
                tcount[p][inst.topic_of[row[p]]] += 1
    return seats
