"""Tabu search over swaps within a topic, for plans whose remaining cost is pair repeats."""

from __future__ import annotations

import time

from cafe.rotation.instance import W_ORG, W_PAIR
from cafe.rotation.state import State

# The random tenure range, and how many steps without a new best before a restart from it.
_TENURE = (5, 15)
_PATIENCE = 100

# add[r][p] maps each table g of p's topic in round r to the pair cost p would add by sitting
# with g's members, not counting round r itself: sum of f'(m) over x in g, where m is how often
# p and x meet outside round r. For p's own table that is exactly what p's leaving saves.
Gains = list[list[dict[int, int] | None] | None]


def _fill(state: State, r: int, p: int, g: int) -> int:
    """add[r][p][g] from scratch: O(table size)."""
    mp = state.meet[p]
    own = 1 if state.seat[r][p] == g else 0
    inc = state.inst.inc
    return sum(inc[mp[x] - own] for x in state.mem[r][g] if x != p)


def _build(state: State, rounds: list[int]) -> Gains:
    """The add table for every round the tabu phase works on."""
    inst = state.inst
    add: Gains = [None] * inst.R
    for r in rounds:
        row: list[dict[int, int] | None] = [None] * inst.N
        for p in range(inst.N):
            same = [g for g in inst.tables_of_topic[inst.topic_of[state.seat[r][p]]] if inst.open[r][g]]
            if len(same) > 1:
                row[p] = {g: _fill(state, r, p, g) for g in same}
        add[r] = row
    return add


def _swap(state: State, add: Gains, rounds: list[int], r: int, p: int, q: int) -> None:
    """Swap p and q in round r, keeping `add` exact in O(rounds x table size + topic size)."""
    inst = state.inst
    inc, seat, meet = inst.inc, state.seat, state.meet
    t, u = seat[r][p], seat[r][q]
    left = [x for x in state.mem[r][t] if x != p]
    right = [y for y in state.mem[r][u] if y != q]
    state.apply_swap(r, p, q, 0, 0)
    # Every pair whose meeting count changed moves its f'(m) in every other round.
    changed = [(p, x, -1) for x in left] + [(q, x, 1) for x in left]
    changed += [(p, y, 1) for y in right] + [(q, y, -1) for y in right]
    for a, b, step in changed:
        k = meet[a][b]
        for r2 in rounds:
            if r2 == r:
                continue
            sa, sb = seat[r2][a], seat[r2][b]
            m = k - 1 if sa == sb else k
            dd = inc[m] - inc[m - step]
            aa, ab = add[r2][a], add[r2][b]  # type: ignore[index]
            if aa is not None and sb in aa:
                aa[sb] += dd
            if ab is not None and sa in ab:
                ab[sa] += dd
    # In round r itself tables t and u changed members: refresh those two entries of everyone
    # who sits at their topic (nobody else has them).
    row = add[r]
    for g in inst.tables_of_topic[inst.topic_of[t]]:
        if not inst.open[r][g]:
            continue
        for a in state.mem[r][g]:
            ra = row[a]  # type: ignore[index]
            ra[t] = _fill(state, r, a, t)  # type: ignore[index]
            ra[u] = _fill(state, r, a, u)  # type: ignore[index]


def tabu(state: State, budget: int, deadline: float, floor: int) -> int:
    """Tabu search over swaps within a topic, moving only people in a repeated pair.

    Swaps between tables of one topic change neither revisits nor occupancy, so only the
    pair and organisation costs move; that makes every step an exact best-improvement
    choice over the whole conflict neighbourhood.  `budget` counts evaluated swaps. Only
    people without companions swap, and where languages matter only people who speak the
    same languages, so that no table's languages change either. Returns the swaps it
    evaluated (a restart counts as N).
    """
    inst = state.inst
    R, N = inst.R, inst.N
    topic_of, tables_of_topic, pins, org = inst.topic_of, inst.tables_of_topic, inst.pins, inst.org
    inc2 = [2 * v for v in inst.inc]
    rng = state.rng
    rnd, randint = rng.random, rng.randint
    use_org = inst.O > 0
    # Without organisations every delta is a multiple of W_PAIR: compare in pair units.
    unit = 1 if use_org else W_PAIR
    # Only rounds with two tables of one topic and someone free to move can change.
    lmask = inst.lmask if inst.lang_on else [0] * N
    single = [inst.group_of[p] < 0 for p in range(N)]
    # Only rounds with two used tables of one topic and someone free to move can change.
    rounds = [
        r
        for r in range(R)
        if any(
            single[p] and sum(1 for g in tables_of_topic[topic_of[state.seat[r][p]]] if inst.open[r][g]) > 1
            for p in state.movable[r]
        )
    ]
    if not rounds or budget <= 0:
        return 0
    add = _build(state, rounds)
    cost = state.cost()
    best_cost, best_seats = cost, [row[:] for row in state.seat]
    tabu: dict[tuple[int, int, int], int] = {}
    used = 0
    it = 0
    stall = 0
    while used < budget and best_cost > floor and time.perf_counter() < deadline:
        it += 1
        seat, mem, meet, oc = state.seat, state.mem, state.meet, state.oc
        best_d: int | None = None
        choice: tuple[int, int, int] | None = None
        ties = 0
        evaluated = 0
        aspire = (best_cost - cost) // unit  # a tabu move is allowed if it beats the best plan
        for r in rounds:
            srow, mrow, pinr, ar = seat[r], mem[r], pins[r], add[r]
            assert ar is not None  # _build made a table for every round searched
            ocr = oc[r] if use_org else None
            for p in state.movable[r]:
                ap = ar[p]
                if ap is None or not single[p]:
                    continue
                lp = lmask[p]
                t = srow[p]
                out_p = ap[t]
                op = org[p]
                if not out_p and not (use_org and op >= 0 and ocr[t][op] > 1):  # type: ignore[index]
                    continue
                mp = meet[p]
                for u, in_p in ap.items():
                    if u == t:
                        continue
                    base = in_p - out_p
                    for q in mrow[u]:
                        if pinr[q] >= 0 or not single[q] or lmask[q] != lp:
                            continue
                        aq = ar[q]  # never None (only pinned people have none): no check in the hottest loop
                        d = base + aq[t] - aq[u] - inc2[mp[q]]  # type: ignore[index]
                        if use_org:
                            d *= W_PAIR
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
        if not evaluated:
            break  # nobody in a conflict can swap (only companions are left): nothing to do
        if choice is None or best_d is None:
            stall = _PATIENCE  # nothing admissible: perturb
        else:
            r, p, q = choice
            t, u = seat[r][p], seat[r][q]
            _swap(state, add, rounds, r, p, q)
            cost += best_d * unit
            tabu[(r, p, t)] = it + randint(*_TENURE)
            tabu[(r, q, u)] = it + randint(*_TENURE)
            if cost < best_cost:
                best_cost, best_seats = cost, [row[:] for row in seat]
                stall = 0
            else:
                stall += 1
        if stall >= _PATIENCE:
            # Restart from the best plan, shaken by a few random swaps within topics.
            state.reset(best_seats)
            for _ in range(randint(2, 6)):
                r = rounds[int(rnd() * len(rounds))]
                mv = state.movable[r]
                p = mv[int(rnd() * len(mv))]
                t = state.seat[r][p]
                same = tables_of_topic[topic_of[t]]
                u = same[int(rnd() * len(same))]
                cands = (
                    [q for q in state.mem[r][u] if pins[r][q] < 0 and single[q] and lmask[q] == lmask[p]]
                    if u != t and single[p]
                    else []
                )
                if cands:
                    state.apply_swap(r, p, cands[int(rnd() * len(cands))], 0, 0)
            state.recount()
            cost = state.cost()
            add = _build(state, rounds)
            tabu.clear()
            stall = 0
            # A restart rebuilds the state and the add table: count it like the swaps it costs
            # (in a small, tight room restarts come every few steps and dominated the time).
            used += (
                sum(
                    len(gains) * len(state.mem[r][state.seat[r][p]])
                    for r in rounds
                    if (row := add[r]) is not None
                    for p in range(N)
                    if (gains := row[p]) is not None
                )
                + N * R
            )
    # Keep the pair/org totals exact, then return to the best plan seen.
    state.recount()
    if state.cost() > best_cost:
        state.reset(best_seats)
    return used
