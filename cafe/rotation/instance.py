"""The problem re-indexed as small ints, the cost weights, and small cost helpers."""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from cafe.rotation.model import NotEnoughSeats, Problem, validate

# The soft goals are strictly ordered; a weighted sum with widely spaced weights keeps that
# order for every single move the search makes (one move changes a lower goal by less than
# one unit of the goal above it on the instances we target), while still letting annealing
# trade within a level.
W_MIN = 1 << 34  # one person missing at a used table to make its minimum size
W_LANG = 1 << 26  # one person with nobody at their table who shares a language
W_REV = 1 << 24  # one topic revisit
W_PAIR = 256  # one unit of sum over pairs of (meetings - 1)^2
W_BAL = 8  # one unit of sum over tables of occupancy^2
W_ORG = 1  # one same-organisation pair, or one pair of multilingual people, at a table in a round


def pair_step_tables(size: int) -> tuple[list[int], list[int]]:
    """INC[k] = f(k+1)-f(k) and DEC[k] = f(k)-f(k-1) for the pair cost f(k) = max(0, k-1)^2."""
    inc = [0] + [2 * k - 1 for k in range(1, size)]
    dec = [0, 0] + [2 * k - 3 for k in range(2, size)]
    return inc, dec


class Instance:
    """The problem re-indexed as small ints: tables 0..T-1, topics 0..K-1, people 0..N-1."""

    def __init__(self, problem: Problem) -> None:
        validate(problem)
        self.problem = problem
        self.tables = sorted(problem.tables, key=lambda t: t.id)
        self.people = sorted(problem.people, key=lambda p: p.id)
        self.T = len(self.tables)
        self.N = len(self.people)
        self.R = problem.rounds
        self.tix = {t.id: i for i, t in enumerate(self.tables)}
        topics = sorted({t.topic for t in self.tables})
        kix = {k: i for i, k in enumerate(topics)}
        self.K = len(topics)
        self.topic_of = [kix[t.topic] for t in self.tables]
        self.cap = [t.capacity for t in self.tables]
        self.mins = [min(problem.min_table_size, c) for c in self.cap]
        self.tables_of_topic: list[list[int]] = [[] for _ in range(self.K)]
        for i, k in enumerate(self.topic_of):
            self.tables_of_topic[k].append(i)
        self.pid = [p.id for p in self.people]
        pix = {p.id: i for i, p in enumerate(self.people)}
        orgs = sorted({p.organisation for p in self.people if p.organisation})
        oix = {o: i for i, o in enumerate(orgs)}
        self.O = len(orgs)
        self.org = [oix[p.organisation] if p.organisation else -1 for p in self.people]
        self.host = [self.tix[p.host_of] if p.host_of is not None else -1 for p in self.people]
        self.traveller = [p.host_of is None and not p.stays_seated for p in self.people]
        self._languages(pix)

        # History, seen from the present people: their seats (-1 = a table that is gone) and
        # how often every present pair already met (also at tables that are gone). Meeting
        # counts are bytes: a 5,000-person café needs 25 MB for them, not 200.
        N, H = self.N, len(problem.history)
        self.hist_seat: list[list[int]] = [[] for _ in range(N)]
        self.meet0 = [bytearray(N) for _ in range(N)]
        self.hist_groups: list[list[int]] = []
        self.hist_used: list[list[int]] = []
        for rnd in problem.history:
            groups: dict[int, list[int]] = {}
            for person_id, table_id in sorted(rnd.items()):
                if table_id in self.tix:
                    groups.setdefault(table_id, [])
                p = pix.get(person_id)
                if p is None:
                    continue
                self.hist_seat[p].append(self.tix.get(table_id, -1))
                groups.setdefault(table_id, []).append(p)
            self.hist_used.append(sorted(self.tix[t] for t in groups if t in self.tix))
            for members in groups.values():
                if not members:
                    continue
                self.hist_groups.append(members)
                for a in members:
                    row = self.meet0[a]
                    for b in members:
                        if a != b:
                            row[b] += 1
        self.hist_topic = [[self.topic_of[t] if t >= 0 else -1 for t in seats] for seats in self.hist_seat]
        self.inc, self.dec = pair_step_tables(H + self.R + 3)

        # Companions: the first of a group (its leader) moves, the others follow.
        self.group_of = [-1] * N
        self.groups: list[list[int]] = []
        for members in sorted(sorted(pix[x] for x in g) for g in problem.together):
            for p in members:
                self.group_of[p] = len(self.groups)
            self.groups.append(members)
        self.follower = [self.group_of[p] >= 0 and self.groups[self.group_of[p]][0] != p for p in range(N)]

        if self.R > 0:
            seats = sum(self.cap)
            if self.N > seats:
                raise NotEnoughSeats(self.N, seats)
        self.pins = self._pin_seats()

    def _languages(self, pix: dict[int, int]) -> None:
        """Languages as bits, who is multilingual, and whether the language rule can bite at all."""
        names = sorted({lang for p in self.people for lang in p.languages})
        bit = {name: i for i, name in enumerate(names)}
        self.L = len(names)
        self.langs = [sorted({bit[x] for x in p.languages}) for p in self.people]
        self.lmask = [sum(1 << i for i in ls) for ls in self.langs]
        self.bridge = [1 if len(ls) >= 2 else 0 for ls in self.langs]
        common = -1
        for m in self.lmask:
            common &= m
        # When everyone states a language and all share one, only a person alone can miss, and
        # the minimum table size already rules that out: the search can skip the bookkeeping.
        trivial = all(self.lmask) and common != 0 and self.problem.min_table_size >= 2
        self.lang_on = any(self.lmask) and not trivial
        # People whom nobody else present can talk with miss in every round, whatever the plan.
        speakers = [0] * self.L
        for ls in self.langs:
            for i in ls:
                speakers[i] += 1
        self.alone = [bool(ls) and all(speakers[i] < 2 for i in ls) for ls in self.langs]

    def _pin_seats(self) -> list[list[int]]:
        """Seats nobody may change: hosts, people who stay seated, companions, homecomings.

        Also decides which tables are used in each round (`self.open`, `self.caps`).
        """
        R, N, T = self.R, self.N, self.T
        fixed = [-1] * N
        staying = [False] * N  # pinned because someone stays seated (their table must be used)
        for p in range(N):
            if self.host[p] >= 0:
                fixed[p] = self.host[p]
            elif self.people[p].stays_seated:
                # "The seat they had in the last round they were seated"; a table that has been
                # removed since leaves them without a seat, like someone never seated.
                if self.hist_seat[p] and self.hist_seat[p][-1] >= 0:
                    fixed[p] = self.hist_seat[p][-1]
                    staying[p] = True
        for members in self.groups:
            # A group sits where its host hosts, else where its first seated stayer sits.
            where = [fixed[x] for x in members if self.host[x] >= 0] or [fixed[x] for x in members if fixed[x] >= 0]
            if where:
                keep = any(staying[x] for x in members) and not any(self.host[x] >= 0 for x in members)
                for x in members:
                    fixed[x] = where[0]
                    staying[x] = keep
        count = [0] * T
        for p in range(N):
            if fixed[p] >= 0:
                count[fixed[p]] += 1
        for t in range(T):
            if count[t] > self.cap[t]:
                names = ", ".join(str(self.pid[p]) for p in range(N) if fixed[p] == t)
                raise ValueError(
                    f"table {self.tables[t].id} holds {self.cap[t]} but {count[t]} people must stay there "
                    f"(hosts, stays_seated or their companions: {names})"
                )
        self.late_home: list[int] = []
        self.open: list[list[bool]] = []
        self.caps: list[list[int]] = []
        if R == 0:
            return []
        # Companion groups that move freely need one table with room for all of them: keep
        # that room when placing people who stay seated but were never seated.
        reserved = [0] * T
        for members in sorted(
            (g for g in self.groups if fixed[g[0]] < 0 and not any(self.people[x].stays_seated for x in g)),
            key=lambda g: (-len(g), g[0]),
        ):
            t = max(range(T), key=lambda i: (self.cap[i] - count[i] - reserved[i], -i))
            reserved[t] += len(members)
        for p in range(N):
            if fixed[p] < 0 and self.people[p].stays_seated:
                # Never seated: give them (and their companions) the table with the most room.
                g = self.group_of[p]
                who = self.groups[g] if g >= 0 else [p]
                t = max(
                    range(T),
                    key=lambda i: (
                        self.cap[i] - count[i] - reserved[i] >= len(who),
                        self.cap[i] - count[i] - reserved[i],
                        -i,
                    ),
                )
                for x in who:
                    fixed[x] = t
                    staying[x] = True
                count[t] += len(who)
        homes = [-1] * N
        if self.problem.final_round_home:
            for p in range(N):
                if fixed[p] < 0 and self.hist_seat[p] and self.hist_seat[p][0] >= 0:
                    homes[p] = self.hist_seat[p][0]
        promise = self._promises()
        forced = sorted({fixed[p] for p in range(N) if staying[p]})
        self._choose_open([sorted(set(forced) | {t for t in promise[r] if t >= 0}) for r in range(R)], homes, fixed)

        pins = [[-1] * N for _ in range(R)]
        for r in range(R):
            row = pins[r]
            load = [0] * T
            # A printed route first: it is a promise, and the model checked that it fits.
            for p in range(N):
                if promise[r][p] >= 0:
                    row[p] = promise[r][p]
                    load[row[p]] += 1
            for p in range(N):
                if row[p] < 0 and fixed[p] >= 0 and self.open[r][fixed[p]] and load[fixed[p]] < self.caps[r][fixed[p]]:
                    row[p] = fixed[p]
                    load[fixed[p]] += 1
            # A host whose table is not used this round sits at a used table of the same topic
            # (the one with the most room), else at any used table; their companions come along.
            # Room the free companion groups need stays theirs, where it can.
            held = [0] * T
            for members in sorted((g for g in self.groups if fixed[g[0]] < 0), key=len, reverse=True):
                t = max(range(T), key=lambda i: (self.caps[r][i] - load[i] - held[i], -i))
                held[t] += len(members)
            for p in range(N):
                if fixed[p] >= 0 and row[p] < 0 and not self.follower[p]:
                    g = self.group_of[p]
                    who = self.groups[g] if g >= 0 else [p]
                    own = self.topic_of[fixed[p]]
                    best = max(
                        (t for t in range(T) if self.open[r][t] and self.caps[r][t] - load[t] >= len(who)),
                        key=lambda t: (
                            self.caps[r][t] - load[t] - held[t] >= len(who),
                            self.topic_of[t] == own,
                            self.caps[r][t] - load[t] - held[t],
                            -t,
                        ),
                        default=-1,
                    )
                    if best < 0:
                        continue  # nowhere with room for them all: the search seats them
                    for x in who:
                        row[x] = best
                    load[best] += len(who)
        if self.problem.final_round_home:
            last = pins[R - 1]
            load = [0] * T
            for p in range(N):
                if last[p] >= 0:
                    load[last[p]] += 1
            for p in range(N):
                if last[p] >= 0 or self.follower[p]:
                    continue
                g = self.group_of[p]
                who = self.groups[g] if g >= 0 else [p]
                if homes[p] >= 0:
                    home = homes[p]
                    if self.open[R - 1][home] and load[home] + len(who) <= self.caps[R - 1][home]:
                        for x in who:
                            last[x] = home
                        load[home] += len(who)
                elif not self.hist_seat[p] and R >= 2:
                    # Their first round is planned now; they are sent home after the search.
                    self.late_home.append(p)
        return pins

    def _promises(self) -> list[list[int]]:
        """Printed routes as seats per planned round (-1: none); a companion's is the group's."""
        pix = {pid: i for i, pid in enumerate(self.pid)}
        promise = [[-1] * self.N for _ in range(self.R)]
        for person_id, route in self.problem.promised:
            for r, table_id in enumerate(route):
                if table_id is not None:
                    promise[r][pix[person_id]] = self.tix[table_id]
        for members in self.groups:
            for r in range(self.R):
                where = {promise[r][x] for x in members if promise[r][x] >= 0}
                if len(where) > 1:
                    ids = [self.pid[x] for x in members]
                    raise ValueError(f"companions {ids} are promised different tables in planned round {r + 1}")
                if where:
                    t = where.pop()
                    for x in members:
                        promise[r][x] = t
        return promise

    def _choose_open(self, forced: list[list[int]], homes: list[int], fixed: list[int]) -> None:
        """Which tables each round uses: as many as the room fills to the minimum size.

        When everyone can be spread over all tables at the minimum size, every table is used.
        Otherwise a round uses tables where someone must stay, then the others one by one:
        from the topic with the fewest tables this round, a hosted table first (its host stays
        with their tablecloth), then the topic most travellers still need, the topic used least
        so far, the table used least so far; for as long as the room still fills each of them
        to the minimum. Tables are added beyond that only when their seats are needed. See
        docs/rotation.md.
        """
        R, T, N, K = self.R, self.T, self.N, self.K
        mins, cap, topic_of = self.mins, self.cap, self.topic_of
        used_t = [0] * T
        used_k = [0] * K
        for used in self.hist_used:
            for t in used:
                used_t[t] += 1
                used_k[topic_of[t]] += 1
        hosted = [False] * T
        for p in range(self.N):
            if self.host[p] >= 0:
                hosted[self.host[p]] = True
        # How many travellers still need each topic: the people a table opened there in the
        # planned rounds so far will seat (the room spread over the tables it can fill) count
        # against it, so topics take turns in the order people need them.
        per_table = N / max(1, min(T, max(1, N - sum(self.alone)) // max(1, self.problem.min_table_size)))
        demand = [0.0] * K
        for p in range(self.N):
            if self.traveller[p]:
                seen = set(self.hist_topic[p])
                for k in range(K):
                    if k not in seen:
                        demand[k] += 1
        home_count = [0] * T
        for h in homes:
            if h >= 0:
                home_count[h] += 1
        # Someone nobody else present can talk with does not make a conversation: a table of
        # two with them is one person talking to nobody. They count as a guest of a table the
        # others fill (8 people with one such guest use three tables at a minimum of 2, not four).
        talkers = N - sum(self.alone)
        everything = sum(mins) <= talkers
        for r in range(R):
            if everything:
                chosen = list(range(T))
            else:
                final = self.problem.final_round_home and r == R - 1 and R >= 2
                chosen = list(forced[r])
                taken = set(chosen)
                need = sum(mins[t] for t in chosen)
                seats = sum(cap[t] for t in chosen)
                per_topic = [0] * K
                for t in chosen:
                    per_topic[topic_of[t]] += 1
                while len(chosen) < T:
                    # The loop's values are bound as defaults: the key reads this iteration's.
                    def key(
                        t: int, final: bool = final, per_topic: list[int] = per_topic, hosted: list[bool] = hosted
                    ) -> tuple[float, ...]:
                        homeward = -(home_count[t] + (1 if final and self.open and self.open[0][t] else 0))
                        return (
                            homeward if final else 0,
                            per_topic[topic_of[t]],
                            0 if hosted[t] else 1,
                            -demand[topic_of[t]],
                            used_k[topic_of[t]],
                            used_t[t],
                            t,
                        )

                    best = min((t for t in range(T) if t not in taken), key=key)
                    if need + mins[best] > talkers and seats >= N and chosen:
                        break
                    chosen.append(best)
                    taken.add(best)
                    need += mins[best]
                    seats += cap[best]
                    per_topic[topic_of[best]] += 1
                # Companions are a hard rule, the minimum is not: while the groups cannot all
                # find a used table with room for them, use one more table.
                while len(chosen) < T and not self._groups_fit(chosen, fixed):
                    best = max((t for t in range(T) if t not in taken), key=lambda t: (cap[t], -t))
                    chosen.append(best)
                    taken.add(best)
            flags = [False] * T
            for t in chosen:
                flags[t] = True
                used_t[t] += 1
                used_k[topic_of[t]] += 1
                demand[topic_of[t]] -= per_table
            self.open.append(flags)
            self.caps.append([cap[t] if flags[t] else 0 for t in range(T)])

    def _groups_fit(self, chosen: list[int], fixed: list[int]) -> bool:
        """Whether the companion groups that move freely fit at `chosen` tables, largest first,
        around the people pinned there and the hosts of tables left out (one seat each)."""
        room = {t: self.cap[t] for t in chosen}
        loose = 0
        for p in range(self.N):
            if fixed[p] >= 0 and not (self.group_of[p] >= 0 and fixed[self.groups[self.group_of[p]][0]] < 0):
                if fixed[p] in room:
                    room[fixed[p]] -= 1
                elif self.host[p] >= 0:
                    loose += 1  # seated at a used table somewhere: take the roomiest's seat
        free = sorted(room.values(), reverse=True)
        for members in sorted((g for g in self.groups if fixed[g[0]] < 0), key=len, reverse=True):
            free.sort(reverse=True)
            if not free or free[0] < len(members):
                return False
            free[0] -= len(members)
        return sum(free) >= loose


def revisits(seq: Sequence[int], topics: int) -> int:
    """Rounds in `seq` (topic indices, -1 unknown) at a seen topic while an unseen one remains."""
    seen = 0
    distinct = 0
    count = 0
    for k in seq:
        if k < 0:
            continue
        bit = 1 << k
        if seen & bit:
            if distinct < topics:
                count += 1
        else:
            seen |= bit
            distinct += 1
    return count


def least_squares_occupancy(lo: Sequence[int], hi: Sequence[int], n: int) -> int:
    """Least sum of occupancy^2 when n people fill tables holding between lo[t] and hi[t]."""
    occ = list(lo)
    n -= sum(occ)
    heap = [(occ[t], t) for t in range(len(occ)) if occ[t] < hi[t]]
    heapq.heapify(heap)
    while n > 0 and heap:
        c, t = heapq.heappop(heap)
        occ[t] = c + 1
        n -= 1
        if c + 1 < hi[t]:
            heapq.heappush(heap, (c + 1, t))
    return sum(c * c for c in occ)
