"""Repair: the best single change for each person breaking a near-hard rule, until none helps."""

from __future__ import annotations

import itertools
import time

from cafe.rotation.state import Delta, State, weigh

# Candidates tried per person with a problem: all of them in a café, a sample in a town
# meeting of thousands (the search does the rest there).
_CANDIDATES = 400
_PASSES = 4
# Pairs of people at a table a pair may change places with.
_EXCHANGES = 45
# Up to this many people, a pair's exchange may be followed by one more swap (a chain).
_CHAIN_PEOPLE = 300
# The language tabu search: how long a changed seat may not come back, and how many steps
# without a better plan end it.
_TENURE = (3, 8)
_PATIENCE = 60


def repair(state: State, deadline: float, budget: int = 1 << 62) -> int:
    """Steepest descent over people at a table short of its minimum or with a language miss.

    For each such person (a companion group moves as one), every move to a used table with
    room and every swap with someone sitting alone in the same round is weighed exactly, and
    the best is applied if it lowers the cost. Unlike annealing it looks at all of them, so a
    tight room (every table at its minimum, several languages) is mended in a few passes.
    Returns the changes it weighed (it stops once past `budget`).
    """
    inst = state.inst
    rnd = state.rng.random
    weighed = 0
    for _ in range(_PASSES):
        changed = False
        for r in range(inst.R):
            troubled = [t for t in range(inst.T) if state.miss[r][t] or state.deficit(r, t, len(state.mem[r][t]))]
            if any(state.deficit(r, t, len(state.mem[r][t])) for t in troubled):
                # A short table is mended by someone from a table above its minimum.
                troubled += [t for t in range(inst.T) if inst.open[r][t] and len(state.mem[r][t]) > inst.mins[t]]
            people = sorted(
                {p for t in troubled for p in state.mem[r][t] if inst.pins[r][p] < 0 and not inst.follower[p]}
            )
            for p in people:
                if time.perf_counter() > deadline or weighed >= budget:
                    return weighed
                weighed += _best_change(state, r, p, rnd)
                changed = True
            # Two people who understand each other and nobody else at their table (a pair of
            # Kreyòl speakers with a third who speaks only English) move on together, to a
            # table where their language is spoken: one at a time, each move only hurts.
            for t in sorted({state.seat[r][p] for p in people}):
                if state.miss[r][t]:
                    weighed += _best_pair_move(state, r, t)
        if not changed or (state.def_total == 0 and state.miss_total == 0):
            break
    return weighed


def _best_change(state: State, r: int, p: int, rnd: object) -> int:
    inst = state.inst
    t = state.seat[r][p]
    tables = [u for u in range(inst.T) if u != t and inst.caps[r][u]]
    if inst.group_of[p] >= 0:
        best: tuple[int, int] | None = None
        for u in tables:
            moved = state.move_group(r, p, u, state.rng.random)
            if moved is None:
                continue
            total, done = moved
            state.undo(r, done)
            if best is None or weigh(total) < best[0]:
                best = (weigh(total), u)
        if best is not None and best[0] < 0:
            moved = state.move_group(r, p, best[1], state.rng.random)
            if moved is not None and weigh(moved[0]) >= 0:
                state.undo(r, moved[1])  # the other people picked differently: not better
        return len(tables)
    candidates: list[tuple[int, bool]] = [(u, False) for u in tables if len(state.mem[r][u]) < inst.caps[r][u]]
    candidates += [(q, True) for u in tables for q in state.mem[r][u] if inst.pins[r][q] < 0 and inst.group_of[q] < 0]
    if len(candidates) > _CANDIDATES:
        candidates = state.rng.sample(candidates, _CANDIDATES)
    best_delta, choice = 0, None
    for other, swap in candidates:
        d = state.swap_delta(r, p, other) if swap else state.move_delta(r, p, other)
        w = weigh(d)
        if w < best_delta:
            best_delta, choice = w, (other, swap, d)
    if choice is not None:
        other, swap, d = choice
        state.commit(r, p, other, d, swap=swap)
    return len(candidates)


def _best_pair_move(state: State, r: int, t: int) -> int:
    inst = state.inst
    alone = [p for p in state.mem[r][t] if inst.pins[r][p] < 0 and inst.group_of[p] < 0]
    pairs = [(a, b) for i, a in enumerate(alone) for b in alone[i + 1 :] if inst.lmask[a] & inst.lmask[b]]
    best: tuple[int, list[int], int, list[int] | None, tuple[int, int] | None] | None = None
    weighed = 0
    for pair in pairs:
        for u in range(inst.T):
            if u == t or not inst.caps[r][u]:
                continue
            # Into free seats, or in exchange for any two people there who sit alone.
            for partners in _exchanges(state, r, u, 2):
                moved = state.move_block(r, list(pair), u, state.rng.random, partners)
                if moved is None:
                    continue
                total, done = moved
                weighed += 1
                follow = None
                if partners is not None and inst.N <= _CHAIN_PEOPLE and weigh(total) >= 0:
                    # The two they changed places with may in turn need to change with
                    # someone else: one more swap completes the chain.
                    follow, gain = _best_follow_up(state, r, partners, {t, u})
                    weighed += len(state.movable[r]) * len(partners)
                    total = [a + b for a, b in zip(total, gain)]
                state.undo(r, done)
                if best is None or weigh(total) < best[0]:
                    best = (weigh(total), list(pair), u, partners, follow)
    if best is not None and best[0] < 0:
        moved = state.move_block(r, best[1], best[2], state.rng.random, best[3])
        if moved is not None and best[4] is not None:
            who, other = best[4]
            state.commit(r, who, other, state.swap_delta(r, who, other), swap=True)
    return weighed


def _best_follow_up(
    state: State, r: int, displaced: list[int], skip: set[int]
) -> tuple[tuple[int, int] | None, list[int]]:
    """The best swap of one of `displaced` with someone alone at a table not in `skip`."""
    inst = state.inst
    best: tuple[int, tuple[int, int], list[int]] | None = None
    for who in displaced:
        for other in state.movable[r]:
            if inst.group_of[other] >= 0 or state.seat[r][other] in skip:
                continue
            d = state.swap_delta(r, who, other)
            if best is None or weigh(d) < best[0]:
                best = (weigh(d), (who, other), list(d))
    if best is None or best[0] >= 0:
        return None, [0] * 7
    return best[1], best[2]


def mend_languages(state: State, budget: int, deadline: float, unavoidable: int) -> int:
    """Tabu search on swaps and moves around language misses, until none is left to mend.

    A tight room (every table at its minimum, several languages) is a plateau for annealing:
    mending one miss takes two or three changes, each of which alone makes things worse. A
    tabu search walks across: every step applies the best change around a miss that is not
    tabu, even a worse one, and the changed seat may not come back for a few steps; the best
    plan seen is kept. `budget` counts weighed changes; `unavoidable` are the misses no plan
    avoids (people nobody present can talk with). Returns the changes weighed.
    """
    inst = state.inst
    rng = state.rng
    weighed = 0
    best_misses = state.miss_total
    best_seats = [row[:] for row in state.seat]
    tabu: dict[tuple[int, int, int], int] = {}
    step = 0
    stall = 0
    while weighed < budget and state.miss_total > unavoidable and stall < _PATIENCE and time.perf_counter() < deadline:
        step += 1
        choice: tuple[int, int, int, bool, Delta] | None = None
        best_w = 0
        ties = 0
        for r in range(inst.R):
            troubled = [t for t in range(inst.T) if state.miss[r][t]]
            people = [p for t in troubled for p in state.mem[r][t] if inst.pins[r][p] < 0 and inst.group_of[p] < 0]
            for p in people:
                t = state.seat[r][p]
                candidates = [(q, True) for q in state.movable[r] if inst.group_of[q] < 0 and state.seat[r][q] != t]
                candidates += [(u, False) for u in range(inst.T) if u != t and len(state.mem[r][u]) < inst.caps[r][u]]
                if len(candidates) > _CANDIDATES:
                    candidates = rng.sample(candidates, _CANDIDATES)
                for other, swap in candidates:
                    u = state.seat[r][other] if swap else other
                    d = state.swap_delta(r, p, other) if swap else state.move_delta(r, p, other)
                    weighed += 1
                    if d[4] > 0:
                        continue  # never below a table's minimum
                    # Only the misses steer this walk (ties at random): weighing revisits too
                    # kept it circling among changes that help them.
                    w = d[5]
                    forbidden = tabu.get((r, p, u), 0) > step or (swap and tabu.get((r, other, t), 0) > step)
                    if forbidden and state.miss_total + w >= best_misses:
                        continue  # tabu, unless it beats the best plan (aspiration)
                    if choice is None or w < best_w:
                        choice, best_w, ties = (r, p, other, swap, d), w, 1
                    elif w == best_w:
                        ties += 1
                        if rng.random() * ties < 1.0:
                            choice = (r, p, other, swap, d)
        group_choice: tuple[int, int, int, list[int] | None] | None = None
        # Companion groups move too: an interpreter and their client often hold the seats a
        # pair of speakers of their language needs, and can talk anywhere.
        for r in range(inst.R):
            for members in inst.groups:
                leader = members[0]
                if inst.pins[r][leader] >= 0:
                    continue
                for u in range(inst.T):
                    if tabu.get((r, leader, u), 0) > step or not inst.caps[r][u]:
                        continue
                    for partners in _exchanges(state, r, u, len(members)):
                        moved = state.move_block(r, members, u, rng.random, partners)
                        if moved is None:
                            continue
                        total, done = moved
                        state.undo(r, done)
                        weighed += 1
                        if total[4] > 0:
                            continue
                        # Ties with the single changes are broken at random too.
                        if (choice is None and group_choice is None) or total[5] < best_w:
                            choice, group_choice, best_w, ties = None, (r, leader, u, partners), total[5], 1
                        elif total[5] == best_w:
                            ties += 1
                            if rng.random() * ties < 1.0:
                                choice, group_choice = None, (r, leader, u, partners)
        if group_choice is not None:
            r, leader, u, partners = group_choice
            t = state.seat[r][leader]
            state.move_block(r, inst.groups[inst.group_of[leader]], u, rng.random, partners)
            tabu[(r, leader, t)] = step + rng.randint(*_TENURE)
            choice = None
        if choice is None and group_choice is None:
            break
        if choice is not None:
            r, p, other, swap, d = choice
            t = state.seat[r][p]
            if swap:
                tabu[(r, other, state.seat[r][other])] = step + rng.randint(*_TENURE)
            state.commit(r, p, other, d, swap=swap)
            tabu[(r, p, t)] = step + rng.randint(*_TENURE)
        if state.miss_total < best_misses:
            best_misses, best_seats = state.miss_total, [row[:] for row in state.seat]
            stall = 0
        else:
            stall += 1
    if state.miss_total > best_misses:
        state.reset(best_seats)
    return weighed


def _exchanges(state: State, r: int, u: int, size: int) -> list[list[int] | None]:
    """Ways `size` people can sit at table u in round r: its free seats (None), or in exchange
    for `size` people there who sit alone (at most _EXCHANGES ways)."""
    inst = state.inst
    ways: list[list[int] | None] = [None] if len(state.mem[r][u]) + size <= inst.caps[r][u] else []
    there = [y for y in state.mem[r][u] if inst.pins[r][y] < 0 and inst.group_of[y] < 0]
    ways += [list(c) for c in itertools.islice(itertools.combinations(there, size), _EXCHANGES)]
    return ways
