"""Baselines for the bench: a round-by-round greedy and a random seating.

Both keep the hard rules (pins, the tables a round uses, companions at one table) and nothing
else on purpose: they show what the search adds.
"""

from __future__ import annotations

import random

from cafe.rotation.bounds import lower_bound, revisit_floor
from cafe.rotation.instance import W_BAL, W_LANG, W_ORG, W_PAIR, W_REV, Instance
from cafe.rotation.model import Plan, Problem
from cafe.rotation.scoring import score
from cafe.rotation.state import State


def _units(inst: Instance, row: list[int]) -> list[list[int]]:
    """Who still needs a seat this round: companion groups as one unit, everyone else alone."""
    units: list[list[int]] = []
    for p in range(inst.N):
        if row[p] >= 0 or inst.follower[p]:
            continue
        g = inst.group_of[p]
        units.append(inst.groups[g] if g >= 0 else [p])
    return units


def _finish(problem: Problem, inst: Instance, seats: list[list[int]], rng: random.Random) -> Plan:
    rounds = State(inst, seats, rng).export() if inst.R else ()
    return Plan(
        rounds,
        score(
            problem.tables,
            problem.people,
            problem.history,
            rounds,
            lower=lower_bound(problem),
            revisit_lower=revisit_floor(inst),
            together=problem.together,
        ),
    )


def plan_greedy(problem: Problem) -> Plan:
    """Baseline: round by round, each person in turn takes the cheapest free seat right now."""
    inst = Instance(problem)
    rng = random.Random(problem.seed)
    R, N, T, K = inst.R, inst.N, inst.T, inst.K
    seats = [row[:] for row in inst.pins]
    meet = [bytearray(row) for row in inst.meet0]
    inc, org, topic_of = inst.inc, inst.org, inst.topic_of
    tcount = [[0] * K for _ in range(N)]
    for p in range(N):
        for k in inst.hist_topic[p]:
            if k >= 0:
                tcount[p][k] += 1
    for r in range(R):
        row = seats[r]
        cap = inst.caps[r]
        members: list[list[int]] = [[] for _ in range(T)]
        orgc: list[dict[int, int]] = [{} for _ in range(T)]
        spoken = [0] * T
        for p in range(N):
            if row[p] >= 0:
                members[row[p]].append(p)
                spoken[row[p]] |= inst.lmask[p]
                if org[p] >= 0:
                    orgc[row[p]][org[p]] = orgc[row[p]].get(org[p], 0) + 1
        units = _units(inst, row)
        rng.shuffle(units)
        for unit in units:
            best_t, best = -1, None
            for t in range(T):
                if len(members[t]) + len(unit) > cap[t]:
                    continue
                cost = 0
                for p in unit:
                    c = tcount[p]
                    exhausted = sum(1 for v in c if v) >= K
                    revisit = 1 if (inst.traveller[p] and c[topic_of[t]] and not exhausted) else 0
                    unheard = 1 if inst.lmask[p] and not inst.lmask[p] & spoken[t] else 0
                    cost += (
                        W_LANG * unheard
                        + W_REV * revisit
                        + W_PAIR * sum(inc[meet[p][x]] for x in members[t])
                        + W_BAL * (2 * len(members[t]) + 1)
                        + W_ORG * (orgc[t].get(org[p], 0) if org[p] >= 0 else 0)
                    )
                if best is None or cost < best:
                    best_t, best = t, cost
            if best_t < 0:  # no table has room for the whole group: the emptiest, each alone
                best_t = max(range(T), key=lambda t: cap[t] - len(members[t]))
            for p in unit:
                t = (
                    best_t
                    if len(members[best_t]) < cap[best_t]
                    else max(range(T), key=lambda u: cap[u] - len(members[u]))
                )
                for x in members[t]:
                    meet[p][x] += 1
                    meet[x][p] += 1
                members[t].append(p)
                spoken[t] |= inst.lmask[p]
                if org[p] >= 0:
                    orgc[t][org[p]] = orgc[t].get(org[p], 0) + 1
                row[p] = t
                tcount[p][topic_of[t]] += 1
    return _finish(problem, inst, seats, rng)


def plan_random(problem: Problem) -> Plan:
    """Baseline: everyone not pinned takes a random free seat, independently every round."""
    inst = Instance(problem)
    rng = random.Random(problem.seed)
    seats = [row[:] for row in inst.pins]
    for r, row in enumerate(seats):
        room = list(inst.caps[r])
        for t in row:
            if t >= 0:
                room[t] -= 1
        units = _units(inst, row)
        # Groups first, while tables still have room for all of them together.
        for unit in (u for u in units if len(u) > 1):
            fits = [t for t in range(inst.T) if room[t] >= len(unit)]
            t = fits[int(rng.random() * len(fits))] if fits else max(range(inst.T), key=lambda u: room[u])
            for p in unit:
                if room[t] <= 0:
                    t = max(range(inst.T), key=lambda u: room[u])
                row[p] = t
                room[t] -= 1
        free: list[int] = []
        for t in range(inst.T):
            free.extend([t] * room[t])
        rng.shuffle(free)
        for unit in units:
            if len(unit) == 1:
                row[unit[0]] = free.pop()
    return _finish(problem, inst, seats, rng)
