"""Baselines for the bench: a round-by-round greedy and a random seating."""
from __future__ import annotations

import random

from cafe.rotation.bounds import lower_bound
from cafe.rotation.instance import W_BAL, W_ORG, W_PAIR, W_REV, Instance
from cafe.rotation.model import Plan, Problem
from cafe.rotation.scoring import score
from cafe.rotation.state import State


def plan_greedy(problem: Problem) -> Plan:
    """Baseline: round by round, each person in turn takes the cheapest free seat right now."""
    inst = Instance(problem)
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
    rounds = State(inst, seats, rng).export() if R else ()
    return Plan(rounds, score(problem.tables, problem.people, problem.history, rounds, lower=bound))


def plan_random(problem: Problem) -> Plan:
    """Baseline: everyone not pinned takes a random free seat, independently every round."""
    inst = Instance(problem)
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
    rounds = State(inst, seats, rng).export() if inst.R else ()
    return Plan(rounds, score(problem.tables, problem.people, problem.history, rounds, lower=bound))
