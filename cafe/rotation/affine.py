"""An algebraic start for one-topic cafés of prime-power size: cosets of subspaces of GF(q)^n.

Number N = q^n people by the vectors of GF(q)^n (q prime). A round seats the cosets of a
subspace S of size s = q^k together; two people meet in that round exactly when their
difference lies in S. Choosing the subspaces of the rounds with few nonzero vectors in
common therefore keeps repeats few and evenly spread: every difference shared by two rounds
costs the same number of repeated pairs. On the social golfer instance 8-4-10 (32 = 2^5
people, tables of 4 = 2^2) nine rounds are repeat-free and the tenth shares one difference.
"""

from __future__ import annotations

import random

from cafe.rotation.instance import Instance

# Random subspaces drawn per round tried, and greedy restarts over them.
_POOL = 400
_RESTARTS = 60


def _prime_power(n: int) -> tuple[int, int] | None:
    """(q, e) with q prime and q^e = n, e >= 1, or None."""
    for q in range(2, n + 1):
        if n % q == 0:
            e = 0
            while n % q == 0:
                n //= q
                e += 1
            return (q, e) if n == 1 else None
    return None


def _add(a: int, b: int, q: int, n: int) -> int:
    """a + b for vectors coded as base-q integers of n digits."""
    out, place = 0, 1
    for _ in range(n):
        out += ((a % q + b % q) % q) * place
        a //= q
        b //= q
        place *= q
    return out


def _span(gens: list[int], q: int, n: int) -> frozenset[int]:
    """All vectors spanned by `gens` (linear combinations with coefficients in GF(q))."""
    span = {0}
    for g in gens:
        multiples = [0]
        for _ in range(q - 1):
            multiples.append(_add(multiples[-1], g, q, n))
        span = {_add(v, m, q, n) for v in span for m in multiples}
    return frozenset(span)


def _choose(pool: list[frozenset[int]], rounds: int, rng: random.Random) -> list[frozenset[int]]:
    """Subspaces for the rounds with the fewest shared nonzero vectors (greedy, restarted)."""
    best: list[frozenset[int]] = []
    best_cost = -1
    for _ in range(_RESTARTS):
        order = pool[:]
        rng.shuffle(order)
        count: dict[int, int] = {}
        chosen: list[frozenset[int]] = []
        cost = 0
        for _r in range(rounds):
            # The subspace adding the least overlap; ties keep the shuffled order.
            s = min(order, key=lambda s: sum(count.get(v, 0) for v in s))
            cost += sum(count.get(v, 0) for v in s)
            for v in s:
                count[v] = count.get(v, 0) + 1
            chosen.append(s)
        if best_cost < 0 or cost < best_cost:
            best, best_cost = chosen, cost
            if cost == 0:
                break
    return best


def affine_start(inst: Instance, rng: random.Random) -> list[list[int]] | None:
    """Seats from cosets of subspaces, when the café is one topic of equal tables of q^k and
    q^n people with nothing pinned; otherwise None."""
    N, T, R = inst.N, inst.T, inst.R
    if inst.K != 1 or R < 1 or T < 2 or len(set(inst.cap)) != 1 or N != T * inst.cap[0]:
        return None
    if inst.groups or not all(all(row) for row in inst.open) or any(p >= 0 for row in inst.pins for p in row):
        return None
    pp, ps = _prime_power(N), _prime_power(inst.cap[0])
    if pp is None or ps is None or pp[0] != ps[0]:
        return None
    q, n = pp
    k = ps[1]
    pool: list[frozenset[int]] = []
    seen: set[frozenset[int]] = set()
    for _ in range(_POOL):
        s = _span([rng.randrange(1, N) for _ in range(k)], q, n)
        if len(s) == q**k and s not in seen:
            seen.add(s)
            pool.append(s)
    if not pool:
        return None
    subspaces = _choose([s - {0} for s in pool], R, rng)
    who = list(range(N))
    rng.shuffle(who)  # person who[v] gets vector v, so seeds give different plans
    seats: list[list[int]] = []
    for s in subspaces:
        coset = {v: min([v] + [_add(v, d, q, n) for d in s]) for v in range(N)}
        tables = {c: i for i, c in enumerate(sorted(set(coset.values())))}
        row = [0] * N
        for v in range(N):
            row[who[v]] = tables[coset[v]]
        seats.append(row)
    return seats
