"""Simulated annealing over swaps and moves in all planned rounds jointly."""
from __future__ import annotations

import math
import time

from cafe.rotation.instance import W_BAL, W_ORG, W_PAIR, W_REV
from cafe.rotation.state import State

# Share of moves that start from a person with a revisit, a repeated tablemate or an org clash.
_P_HOT = 0.5


def anneal(state: State, moves: int, deadline: float, floor: int, t_hot: float, t_cold: float) -> None:
    """Simulated annealing over swaps and moves in all planned rounds jointly."""
    inst = state.inst
    R, T = inst.R, inst.T
    active = [r for r in range(R) if state.movable[r]]
    if not active or moves <= 0:
        return
    rnd = state.rng.random
    exp = math.exp
    seat, mem, meet, oc = state.seat, state.mem, state.meet, state.oc
    inc, dec = inst.inc, inst.dec
    cap, topic_of, traveller, org = inst.cap, inst.topic_of, inst.traveller, inst.org
    tcount, simple, movable = state.tcount, state.simple, state.movable
    rev_delta = state.rev_delta
    free_seats = sum(cap) - inst.N
    p_move = 0.3 if free_seats > 0 else 0.0
    chunk = max(2000, inst.N * R)
    n_chunks = max(1, moves // chunk)
    cost = state.cost()
    best_cost, best_seats = cost, [row[:] for row in seat]
    temp = t_hot
    factor = (t_cold / t_hot) ** (1.0 / n_chunks)
    done = 0
    hot: list[tuple[int, int]] = []
    while done < moves and cost > floor and time.perf_counter() < deadline:
        hot = state.hot_list() if cost - floor >= W_ORG else []
        n_hot = len(hot)
        for _ in range(min(chunk, moves - done)):
            if n_hot and rnd() < _P_HOT:
                r, p = hot[int(rnd() * n_hot)]
            else:
                r = active[int(rnd() * len(active))]
                mv = movable[r]
                p = mv[int(rnd() * len(mv))]
            srow = seat[r]
            mrow = mem[r]
            t = srow[p]
            kt = topic_of[t]
            rp = meet[p]
            u = int(rnd() * T)
            if p_move and rnd() < p_move and u != t and len(mrow[u]) < cap[u]:
                # Move p into a free seat.
                ku = topic_of[u]
                drev = rev_delta(p, r, ku) if (ku != kt and traveller[p]) else 0
                if drev > 0:
                    continue
                mt, mu = mrow[t], mrow[u]
                d = 0
                for x in mt:
                    if x != p:
                        d -= dec[rp[x]]
                for x in mu:
                    d += inc[rp[x]]
                dbal = 2 * (len(mu) - len(mt)) + 2
                dorg = 0
                op = org[p]
                if op >= 0:
                    dorg = oc[r][u][op] - oc[r][t][op] + 1
                delta = W_REV * drev + W_PAIR * d + W_BAL * dbal + W_ORG * dorg
                if delta <= 0 or rnd() < exp(-delta / temp):
                    state.apply_move(r, p, u, drev)
                    cost += delta
                    state.rev_total += drev
                    state.pair_total += d
                    state.bal_total += dbal
                    state.org_total += dorg
                    if cost <= floor:
                        break
                continue
            # Swap p with q; prefer a q at a topic p has not visited (or p's own topic).
            q = -1
            if traveller[p] and simple[p]:
                cp = tcount[p]
                for _try in range(3):
                    ku = topic_of[u]
                    if u != t and (ku == kt or cp[ku] == 0):
                        group = mrow[u]
                        cand = group[int(rnd() * len(group))] if group else p
                        if cand != p and inst.pins[r][cand] < 0:
                            q = cand
                            break
                    u = int(rnd() * T)
            if q < 0:
                mv = movable[r]
                q = mv[int(rnd() * len(mv))]
                u = srow[q]
                if u == t:
                    continue
            ku = topic_of[u]
            drev_p = drev_q = 0
            if ku != kt:
                if traveller[p]:
                    drev_p = rev_delta(p, r, ku)
                if traveller[q]:
                    drev_q = rev_delta(q, r, kt)
                if drev_p + drev_q > 0:
                    continue
            rq = meet[q]
            d = 0
            for x in mrow[t]:
                if x != p:
                    d += inc[rq[x]] - dec[rp[x]]
            for x in mrow[u]:
                if x != q:
                    d += inc[rp[x]] - dec[rq[x]]
            op, oq = org[p], org[q]
            dorg = 0
            if op != oq:
                oct_, ocu = oc[r][t], oc[r][u]
                if op >= 0:
                    dorg += ocu[op] - oct_[op] + 1
                if oq >= 0:
                    dorg += oct_[oq] - ocu[oq] + 1
            delta = W_REV * (drev_p + drev_q) + W_PAIR * d + W_ORG * dorg
            if delta <= 0 or rnd() < exp(-delta / temp):
                state.apply_swap(r, p, q, drev_p, drev_q)
                cost += delta
                state.rev_total += drev_p + drev_q
                state.pair_total += d
                state.org_total += dorg
                if cost <= floor:
                    break
        done += chunk
        temp *= factor
        if cost < best_cost:
            best_cost, best_seats = cost, [row[:] for row in seat]
    if cost > best_cost:
        state.reset(best_seats)
