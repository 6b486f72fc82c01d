"""Scores and hard-rule checks of a seating, history and planned rounds together."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cafe.rotation.model import Person, Problem, Score, Table


def score(
    tables: Sequence[Table],
    people: Sequence[Person],
    history: Sequence[Mapping[int, int]],
    rounds: Sequence[Mapping[int, int]],
    *,
    lower: int | None = None,
    revisit_lower: int | None = None,
    together: Sequence[Sequence[int]] = (),
) -> Score:
    """Score a seating; history and planned rounds count together (the rest: planned only)."""
    topic_of = {t.id: t.topic for t in tables}
    n_topics = len(set(topic_of.values()))
    info = {p.id: p for p in people}
    seating = list(history) + list(rounds)
    revisits = 0
    for p in sorted(people, key=lambda p: p.id):
        if p.host_of is not None or p.stays_seated:
            continue
        seen: set[int] = set()
        for rnd in seating:
            k = topic_of.get(rnd.get(p.id, -1)) if p.id in rnd else None
            if k is None:
                continue  # absent that round, or at a table that is gone (topic unknown)
            if k in seen:
                if len(seen) < n_topics:
                    revisits += 1
            else:
                seen.add(k)
    meetings: dict[tuple[int, int], int] = {}
    org_pairs = 0
    for rnd in seating:
        groups: dict[int, list[int]] = {}
        for person_id, table_id in rnd.items():
            groups.setdefault(table_id, []).append(person_id)
        for members in groups.values():
            members.sort()
            orgs = [info[m].organisation if m in info else None for m in members]
            for i, a in enumerate(members):
                for j in range(i + 1, len(members)):
                    key = (a, members[j])
                    meetings[key] = meetings.get(key, 0) + 1
                    if orgs[i] and orgs[i] == orgs[j]:
                        org_pairs += 1
    # Balance, and how many tables a round uses, count the tables somebody sits at: a table the
    # room is too thin to fill is left empty on purpose (see min_table_size).
    imbalance = 0
    used: list[int] = []
    smallest: int | None = None
    for rnd in rounds:
        occupancy = {t.id: 0 for t in tables}
        for table_id in rnd.values():
            if table_id in occupancy:
                occupancy[table_id] += 1
        sizes = [n for n in occupancy.values() if n]
        used.append(len(sizes))
        if sizes:
            imbalance = max(imbalance, max(sizes) - min(sizes))
            smallest = min(sizes) if smallest is None else min(smallest, min(sizes))
    counts = list(meetings.values())
    split = sum(1 for rnd in rounds for group in together if len({rnd.get(pid) for pid in group}) > 1)
    return Score(
        topic_revisits=revisits,
        pairs_met_twice=sum(1 for k in counts if k >= 2),
        extra_meetings=sum(k - 1 for k in counts if k >= 2),
        max_meetings=max(counts, default=0),
        imbalance=imbalance,
        same_org_pairs=org_pairs,
        lower_bound=lower,
        revisit_bound=revisit_lower,
        tables_used=tuple(used),
        smallest_table=smallest,
        language_misses=len(language_misses(people, rounds)),
        companions_split=split,
    )


def language_misses(people: Sequence[Person], rounds: Sequence[Mapping[int, int]]) -> list[tuple[int, int]]:
    """(planned round index from 0, person id) where nobody else at the table shares a language.

    People who stated no language are never missed, and count as speakers of nothing.
    """
    spoken = {p.id: frozenset(p.languages) for p in people}
    misses: list[tuple[int, int]] = []
    for i, rnd in enumerate(rounds):
        groups: dict[int, list[int]] = {}
        for person_id, table_id in rnd.items():
            groups.setdefault(table_id, []).append(person_id)
        for members in groups.values():
            for pid in members:
                mine = spoken.get(pid)
                if mine and not any(mine & spoken.get(other, frozenset()) for other in members if other != pid):
                    misses.append((i, pid))
    return sorted(misses)


def violations(problem: Problem, rounds: Sequence[Mapping[int, int]]) -> list[str]:
    """Hard-rule breaches of planned `rounds` for `problem` (an empty list means none)."""
    problems: list[str] = []
    caps = {t.id: t.capacity for t in problem.tables}
    ids = {p.id for p in problem.people}
    if len(rounds) != problem.rounds:
        problems.append(f"{len(rounds)} rounds planned, {problem.rounds} asked")
    last_seat: dict[int, int] = {}
    for rnd in problem.history:
        for person_id, table_id in rnd.items():
            if table_id in caps:
                last_seat[person_id] = table_id
            else:
                last_seat.pop(person_id, None)
    kept: dict[int, int | None] = {}
    for i, rnd in enumerate(rounds, start=1):
        if set(rnd) != ids:
            missing = sorted(ids - set(rnd))
            extra = sorted(set(rnd) - ids)
            problems.append(f"round {i}: not seated {missing}, not present {extra}")
        load: dict[int, int] = {}
        for person_id, table_id in rnd.items():
            if table_id not in caps:
                problems.append(f"round {i}: person {person_id} at unknown table {table_id}")
            load[table_id] = load.get(table_id, 0) + 1
        for table_id, n in load.items():
            if table_id in caps and n > caps[table_id]:
                problems.append(f"round {i}: table {table_id} holds {caps[table_id]} but seats {n}")
        routed: set[int] = set()  # people whose printed route says where they sit this round
        for pid, route in problem.promised:
            if i <= len(route) and route[i - 1] is not None:
                routed.add(pid)
                if rnd.get(pid) != route[i - 1]:
                    problems.append(f"round {i}: {pid} was promised table {route[i - 1]} but sits at {rnd.get(pid)}")
        for group in problem.together:
            if len({rnd.get(pid) for pid in group}) > 1:
                problems.append(f"round {i}: companions {list(group)} sit apart")
        for p in problem.people:
            at = rnd.get(p.id)
            # A host sits at their table whenever it is used; a table left empty for the round
            # (the room too thin to fill it) frees its host to sit elsewhere.
            if p.id in routed:
                continue  # the printed route is the rule that holds (checked above)
            if p.host_of is not None and at != p.host_of and load.get(p.host_of, 0) > 0:
                problems.append(f"round {i}: host {p.id} at table {at}, not {p.host_of}")
            elif p.host_of is None and p.stays_seated:
                want = kept.setdefault(p.id, last_seat.get(p.id, at))
                if at != want:
                    problems.append(f"round {i}: {p.id} stays seated at {want} but sits at {at}")
    return problems
