"""Tabu search over swaps within a topic, for plans whose remaining cost is pair repeats."""
from __future__ import annotations

import time

from cafe.rotation.instance import W_ORG, W_PAIR
from cafe.rotation.state import State

# The random tenure range, and how many steps without a new best before a restart from it.
_TENURE = (5, 15)
_PATIENCE = 100


def tabu(state: State, budget: int, deadline: float, floor: int) -> None:
    """Tabu search over swaps within a topic, moving only people in a repeated pair.

    Swaps between tables of one topic change neither revisits nor occupancy, so only the
    pair and organisation costs move; that makes every step an exact best-improvement
    choice over the whole conflict neighbourhood.  `budget` counts evaluated swaps.
    """
    inst = state.inst
    R, N = inst.R, inst.N
    topic_of, tables_of_topic, pins, org = inst.topic_of, inst.tables_of_topic, inst.pins, inst.org
    inc, dec = inst.inc, inst.dec
    rng = state.rng
    rnd, randint = rng.random, rng.randint
    use_org = inst.O > 0
    # Only rounds with two tables of one topic and someone free to move can change.
    rounds = [
        r for r in range(R)
        if any(len(tables_of_topic[topic_of[state.seat[r][p]]]) > 1 for p in state.movable[r])
    ]
    if not rounds or budget <= 0:
        return
    cost = state.cost()
    best_cost, best_seats = cost, [row[:] for row in state.seat]
    tabu: dict[tuple[int, int, int], int] = {}
    used = 0
    it = 0
    stall = 0
    # Stagnation limit: a plateau this long means the search circles; jump from the best.
    patience = _PATIENCE
    while used < budget and best_cost > floor and time.perf_counter() < deadline:
        it += 1
        seat, mem, meet, oc = state.seat, state.mem, state.meet, state.oc
        best_d: int | None = None
        choice: tuple[int, int, int] | None = None
        ties = 0
        evaluated = 0
        aspire = best_cost - cost  # a tabu move is allowed if it beats the best plan
        for r in rounds:
            srow, mrow, pinr = seat[r], mem[r], pins[r]
            ocr = oc[r] if use_org else None
            out: dict[int, int] = {}
            for p in state.movable[r]:
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
            t, u = state.seat[r][p], state.seat[r][q]
            state.apply_swap(r, p, q, 0, 0)
            cost += best_d
            tabu[(r, p, t)] = it + randint(*_TENURE)
            tabu[(r, q, u)] = it + randint(*_TENURE)
            if cost < best_cost:
                best_cost, best_seats = cost, [row[:] for row in state.seat]
                stall = 0
            else:
                stall += 1
        if stall >= patience:
            # Restart from the best plan, shaken by a few random swaps within topics.
            state.reset(best_seats)
            for _ in range(randint(2, 6)):
                r = rounds[int(rnd() * len(rounds))]
                mv = state.movable[r]
                p = mv[int(rnd() * len(mv))]
                t = state.seat[r][p]
                same = tables_of_topic[topic_of[t]]
                u = same[int(rnd() * len(same))]
                cands = [q for q in state.mem[r][u] if pins[r][q] < 0] if u != t else []
                if cands:
                    state.apply_swap(r, p, cands[int(rnd() * len(cands))], 0, 0)
            state.recount()
            cost = state.cost()
            tabu.clear()
            stall = 0
            used += N
    # Keep the pair/org totals exact, then return to the best plan seen.
    state.recount()
    if state.cost() > best_cost:
        state.reset(best_seats)
