"""Simulated annealing over swaps and moves in all planned rounds jointly."""

from __future__ import annotations

import math
import time

from cafe.rotation.instance import W_BAL, W_LANG, W_MIN, W_ORG, W_PAIR, W_REV
from cafe.rotation.state import State

# Share of moves that start from a person with a revisit, a repeated tablemate or an org clash.
_P_HOT = 0.5


def anneal(
    state: State, moves: int, deadline: float, floor: int, t_hot: float, t_cold: float, strict: bool = True
) -> int:
    """Simulated annealing over swaps and moves in all planned rounds jointly.

    Strict (the default): a move never makes a higher goal worse unless a goal above it gets
    better: a table's minimum size, then a shared language, then topic revisits come before
    everything else. Not strict, only the minimum size is kept that way; language misses and
    revisits are weighed like the rest, so at a temperature of a few revisits the search can
    cross a plateau (three tables trading people) to seat everyone with a shared language.
    Returns the moves it made (it stops early at `floor` or at the deadline).
    """
    inst = state.inst
    R, T = inst.R, inst.T
    active = [r for r in range(R) if state.movable[r]]
    if not active or moves <= 0:
        return 0
    rnd = state.rng.random
    exp = math.exp
    seat, mem, meet, oc = state.seat, state.mem, state.meet, state.oc
    inc, dec = inst.inc, inst.dec
    caps, mins, is_open = inst.caps, inst.mins, inst.open
    topic_of, traveller, org = inst.topic_of, inst.traveller, inst.org
    group_of, pins = inst.group_of, inst.pins
    tcount, simple, movable = state.tcount, state.simple, state.movable
    rev_delta = state.rev_delta
    lang_on = inst.lang_on
    lang_move, lang_swap = state.lang_move_delta, state.lang_swap_delta
    # Moves into a free seat only where a round has free seats.
    p_move = [0.3 if sum(caps[r]) > inst.N else 0.0 for r in range(R)]
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
        i = -1
        for i in range(min(chunk, moves - done)):  # noqa: B007 (read after the loop: moves made)
            if n_hot and rnd() < _P_HOT:
                r, p = hot[int(rnd() * n_hot)]
            else:
                r = active[int(rnd() * len(active))]
                mv = movable[r]
                p = mv[int(rnd() * len(mv))]
            if group_of[p] >= 0:
                cost += state.group_step(r, p, temp, rnd, strict)
                if cost <= floor:
                    break
                continue
            srow = seat[r]
            mrow = mem[r]
            t = srow[p]
            kt = topic_of[t]
            rp = meet[p]
            u = int(rnd() * T)
            capr = caps[r]
            if p_move[r] and rnd() < p_move[r] and u != t and len(mrow[u]) < capr[u]:
                # Move p into a free seat.
                ku = topic_of[u]
                drev = rev_delta(p, r, ku) if (ku != kt and traveller[p]) else 0
                mt, mu = mrow[t], mrow[u]
                nt, nu = len(mt), len(mu)
                # The minimum-size deficit of the two (used) tables: max(0, min - occupancy).
                ddef = 0
                if is_open[r][t] and nt <= mins[t]:
                    ddef += 1
                if nu < mins[u]:
                    ddef -= 1
                if ddef > 0:
                    continue
                dlang = dbridge = 0
                if lang_on:
                    dlang, dbridge = lang_move(r, p, t, u)
                if strict and ((ddef == 0 and dlang > 0) or (ddef == 0 and dlang == 0 and drev > 0)):
                    continue
                d = 0
                for x in mt:
                    if x != p:
                        d -= dec[rp[x]]
                for x in mu:
                    d += inc[rp[x]]
                dbal = 2 * (nu - nt) + 2
                dorg = 0
                op = org[p]
                if op >= 0:
                    dorg = oc[r][u][op] - oc[r][t][op] + 1
                delta = (
                    W_MIN * ddef + W_LANG * dlang + W_REV * drev + W_PAIR * d + W_BAL * dbal + W_ORG * (dorg + dbridge)
                )
                if delta <= 0 or rnd() < exp(-delta / temp):
                    state.apply_move(r, p, u, drev)
                    cost += delta
                    state.rev_total += drev
                    state.pair_total += d
                    state.bal_total += dbal
                    state.org_total += dorg
                    state.def_total += ddef
                    state.miss_total += dlang
                    state.bridge_total += dbridge
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
                        if cand != p and pins[r][cand] < 0:
                            q = cand
                            break
                    u = int(rnd() * T)
            if q < 0:
                mv = movable[r]
                q = mv[int(rnd() * len(mv))]
                u = srow[q]
                if u == t:
                    continue
            if group_of[q] >= 0:
                continue  # a companion moves with their group only
            ku = topic_of[u]
            drev_p = drev_q = 0
            if ku != kt:
                if traveller[p]:
                    drev_p = rev_delta(p, r, ku)
                if traveller[q]:
                    drev_q = rev_delta(q, r, kt)
            dlang = dbridge = 0
            if lang_on:
                dlang, dbridge = lang_swap(r, p, q)
                if strict and (dlang > 0 or (dlang == 0 and drev_p + drev_q > 0)):
                    continue
            elif strict and drev_p + drev_q > 0:
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
            delta = W_LANG * dlang + W_REV * (drev_p + drev_q) + W_PAIR * d + W_ORG * (dorg + dbridge)
            if delta <= 0 or rnd() < exp(-delta / temp):
                state.apply_swap(r, p, q, drev_p, drev_q)
                cost += delta
                state.rev_total += drev_p + drev_q
                state.pair_total += d
                state.org_total += dorg
                state.miss_total += dlang
                state.bridge_total += dbridge
                if cost <= floor:
                    break
        done += i + 1
        temp *= factor
        if cost < best_cost:
            best_cost, best_seats = cost, [row[:] for row in seat]
    if cost > best_cost:
        state.reset(best_seats)
    return done
