"""The constructive start: round by round, topics by b-matching, then tables greedily."""
from __future__ import annotations

import random
from typing import Mapping

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


def construct(inst: Instance, rng: random.Random) -> list[list[int]]:
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
