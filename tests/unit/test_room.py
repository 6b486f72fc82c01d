"""The mixing engine in the room as it really is: thin, late, uneven, multilingual, with companions."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cafe.rotation import (
    Person,
    Problem,
    Table,
    default_moves,
    language_misses,
    late_seat,
    lower_bound,
    plan,
    revisit_bound,
    score,
    violations,
)
from tests.unit.test_rotation import over_committed

FAST = {"moves": 20_000, "time_limit": 30.0}


def layout(topic_tables: list[int], capacity: int) -> tuple[Table, ...]:
    """Tables numbered from 1, grouped by topic (topic ids from 1)."""
    tables: list[Table] = []
    for topic, n in enumerate(topic_tables, start=1):
        for _ in range(n):
            tables.append(Table(id=len(tables) + 1, topic=topic, capacity=capacity))
    return tuple(tables)


def hosted(topic_tables: list[int], capacity: int, rounds: int, **kw: object) -> Problem:
    """A host at every table, travellers in every other seat."""
    tables = layout(topic_tables, capacity)
    people = tuple(
        Person(id=i + 1, host_of=tables[i].id if i < len(tables) else None) for i in range(len(tables) * capacity)
    )
    return Problem(tables=tables, people=people, rounds=rounds, **kw)  # type: ignore[arg-type]


def sizes(rnd: dict[int, int]) -> dict[int, int]:
    """How many sit at each used table."""
    out: dict[int, int] = {}
    for table in rnd.values():
        out[table] = out.get(table, 0) + 1
    return out


def thin(people: int = 8, **kw: object) -> Problem:
    """A café set up for 12 tables of 6 in 4 areas, where few people came."""
    tables = tuple(Table(id=t + 1, topic=t // 3 + 1, capacity=6) for t in range(12))
    return Problem(
        tables=tables, people=tuple(Person(id=100 + i) for i in range(people)), rounds=4, min_table_size=3, **kw
    )  # type: ignore[arg-type]


# --------------------------------------------------------------------------- a table is a conversation


def test_a_thin_room_uses_only_the_tables_it_can_fill_to_the_minimum() -> None:
    result = plan(thin(8), **FAST)
    for rnd in result.rounds:
        assert sorted(sizes(rnd).values()) == [4, 4]
    assert result.score.tables_used == (2, 2, 2, 2)
    assert result.score.smallest_table == 4


def test_a_thin_room_still_sends_people_to_a_new_area_every_round() -> None:
    result = plan(thin(8), **FAST)
    assert result.score.topic_revisits == 0


def test_fewer_people_than_the_minimum_sit_together_at_one_table() -> None:
    result = plan(replace(thin(2), rounds=2), **FAST)
    assert all(len(sizes(rnd)) == 1 for rnd in result.rounds)


def test_nobody_sits_alone_however_thin_the_room() -> None:
    for n in range(2, 20):
        result = plan(thin(n), **FAST)
        assert result.score.smallest_table is not None and result.score.smallest_table >= min(n, 3), n


def test_a_host_whose_table_is_not_used_sits_at_a_used_table_of_the_same_area() -> None:
    # Every table has a host, and only 6 travellers came: 18 people fill 6 tables of 3.
    tables = layout([3, 3, 3, 3], 6)
    people = tuple(Person(id=t.id, host_of=t.id) for t in tables) + tuple(Person(id=100 + i) for i in range(6))
    problem = Problem(tables=tables, people=people, rounds=3, min_table_size=3)
    result = plan(problem, **FAST)
    assert violations(problem, result.rounds) == []
    topic = {t.id: t.topic for t in tables}
    for rnd in result.rounds:
        used = sizes(rnd)
        assert len(used) == 6 and min(used.values()) >= 3
        for host in people[:12]:
            if rnd[host.id] != host.host_of:
                assert host.host_of not in used
                # A used table of their own area exists in every round here: they sit there.
                if any(topic[t] == topic[host.host_of] for t in used):
                    assert topic[rnd[host.id]] == topic[host.host_of]


def test_a_table_where_someone_stays_seated_is_always_used() -> None:
    history = ({100: 11},)
    people = (Person(id=100, stays_seated=True),) + tuple(Person(id=101 + i) for i in range(6))
    problem = replace(thin(), people=people, history=history, rounds=3)
    result = plan(problem, **FAST)
    assert violations(problem, result.rounds) == []
    for rnd in result.rounds:
        assert rnd[100] == 11
        assert sizes(rnd)[11] >= 3


def test_unused_tables_are_used_again_when_the_room_grows() -> None:
    first = plan(thin(8), **FAST)
    grown = replace(thin(20), history=first.rounds[:1], rounds=3)
    result = plan(grown, **FAST)
    assert result.score.tables_used == (6, 6, 6)
    assert result.score.smallest_table == 3


def test_with_a_minimum_of_one_every_table_takes_somebody() -> None:
    result = plan(replace(thin(12), min_table_size=1), **FAST)
    assert result.score.tables_used == (12, 12, 12, 12)


# --------------------------------------------------------------------------- latecomers


def seated_round(problem: Problem) -> dict[int, int]:
    return dict(plan(problem, **FAST).rounds[0])


def test_a_latecomer_joins_a_used_table_never_an_empty_one() -> None:
    problem = thin(8)
    seats = seated_round(problem)
    people = {p.id: p for p in problem.people}
    table = late_seat(problem.tables, seats, Person(id=900), people, min_table_size=3)
    assert table in set(seats.values())


def test_a_latecomer_goes_to_a_table_of_an_area_they_have_not_visited() -> None:
    tables = layout([1, 1], 6)
    seats = {1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 2}
    people = {pid: Person(id=pid) for pid in seats}
    assert late_seat(tables, seats, Person(id=7), people, visited={1}) == 2
    assert late_seat(tables, seats, Person(id=7), people, visited={2}) == 1


def test_a_latecomer_fills_a_table_short_of_the_minimum_first() -> None:
    tables = layout([2], 6)
    seats = {1: 1, 2: 1, 3: 1, 4: 1, 5: 2, 6: 2}
    people = {pid: Person(id=pid) for pid in seats}
    assert late_seat(tables, seats, Person(id=7), people, min_table_size=3) == 2


def test_a_latecomer_sits_where_someone_speaks_their_language() -> None:
    tables = layout([2], 6)
    seats = {1: 1, 2: 1, 3: 2, 4: 2}
    people = {
        1: Person(1, languages=("en",)),
        2: Person(2, languages=("en",)),
        3: Person(3, languages=("en",)),
        4: Person(4, languages=("es", "en")),
    }
    assert late_seat(tables, seats, Person(9, languages=("es",)), people) == 2


def test_a_latecomer_sits_with_their_companion() -> None:
    tables = layout([2], 6)
    seats = {1: 1, 2: 2, 3: 2}
    people = {pid: Person(id=pid) for pid in seats}
    assert late_seat(tables, seats, Person(9), people, companions=[3]) == 2


def test_a_latecomer_opens_an_empty_table_only_when_every_used_one_is_full() -> None:
    tables = layout([2], 2)
    seats = {1: 1, 2: 1}
    people = {pid: Person(id=pid) for pid in seats}
    assert late_seat(tables, seats, Person(9), people) == 2
    assert late_seat(tables, {1: 1, 2: 1, 3: 2, 4: 2}, Person(9), people) is None


# --------------------------------------------------------------------------- uneven areas and the bound


def test_uneven_areas_force_sixteen_revisits_and_the_bound_proves_it() -> None:
    problem = hosted([4, 4, 3, 3], 5, 4)
    assert revisit_bound(problem) == 16
    result = plan(problem)
    assert result.score.topic_revisits == 16
    assert result.score.revisit_bound == 16


def test_the_search_stops_as_soon_as_it_reaches_the_proven_floor() -> None:
    problem = hosted([4, 4, 3, 3], 5, 4)
    assert plan(problem).work < default_moves(70, 4) // 2


def test_balanced_areas_need_no_revisit() -> None:
    assert revisit_bound(hosted([3, 3, 3, 3, 2], 5, 4)) == 0


def test_the_revisit_bound_counts_revisits_already_made() -> None:
    problem = hosted([1, 1], 4, 0, history=({3: 1}, {3: 1}))
    assert revisit_bound(problem) == 1


def test_the_revisit_bound_gives_way_when_there_are_more_rounds_than_areas() -> None:
    # Two areas, four rounds: after both areas anyone may sit anywhere.
    assert revisit_bound(hosted([1, 1], 4, 4)) == 0


# --------------------------------------------------------------------------- languages


def multilingual() -> Problem:
    """18 people at 6 tables of 3... of 5, 3 areas: 6 speak only Spanish, 2 only Kreyòl."""
    tables = layout([2, 2, 2], 5)
    hosts = [("en", "es"), ("en",), ("en", "ht"), ("en",), ("es", "ht"), ("en",)]
    people = [Person(id=t.id, host_of=t.id, languages=hosts[i]) for i, t in enumerate(tables)]
    langs = [("es",)] * 6 + [("ht",)] * 2 + [("en",)] * 12
    people += [Person(id=100 + i, languages=x) for i, x in enumerate(langs)]
    return Problem(tables=tables, people=tuple(people), rounds=3, min_table_size=3)


def test_everyone_sits_with_someone_who_shares_a_language() -> None:
    problem = multilingual()
    result = plan(problem, **FAST)
    assert language_misses(problem.people, result.rounds) == []
    assert result.score.language_misses == 0
    assert violations(problem, result.rounds) == []


def test_a_language_nobody_else_speaks_is_reported_not_hidden() -> None:
    problem = multilingual()
    lonely = Person(id=999, languages=("ar",))
    problem = replace(problem, people=problem.people + (lonely,), tables=problem.tables + (Table(99, 1, 5),))
    result = plan(problem, **FAST)
    assert {(r, pid) for r, pid in language_misses(problem.people, result.rounds)} == {(0, 999), (1, 999), (2, 999)}


def test_people_who_stated_no_language_are_never_missed() -> None:
    people = (Person(1), Person(2, languages=("es",)), Person(3, languages=("es",)))
    assert language_misses(people, ({1: 1, 2: 2, 3: 2},)) == []
    assert language_misses(people, ({1: 1, 2: 1, 3: 2},)) == [(0, 2), (0, 3)]


def test_speaking_one_language_of_several_is_enough() -> None:
    people = (Person(1, languages=("ht", "en")), Person(2, languages=("en",)))
    assert language_misses(people, ({1: 1, 2: 1},)) == []


# --------------------------------------------------------------------------- companions


def test_companions_sit_at_one_table_every_round() -> None:
    problem = replace(multilingual(), together=((100, 106), (101, 102, 118)))
    result = plan(problem, **FAST)
    assert violations(problem, result.rounds) == []
    for rnd in result.rounds:
        assert rnd[100] == rnd[106]
        assert rnd[101] == rnd[102] == rnd[118]
    assert result.score.companions_split == 0


def test_a_companion_of_a_host_stays_at_the_hosts_table() -> None:
    problem = replace(hosted([2, 2], 4, 3), together=((1, 9),))
    result = plan(problem, **FAST)
    assert all(rnd[9] == 1 for rnd in result.rounds)
    assert violations(problem, result.rounds) == []


def test_a_split_group_is_a_violation() -> None:
    problem = replace(hosted([1, 1], 4, 1), together=((3, 4),))
    assert violations(problem, ({1: 1, 2: 2, 3: 1, 4: 2, 5: 1, 6: 2, 7: 1, 8: 2},)) == [
        "round 1: companions [3, 4] sit apart"
    ]


@pytest.mark.parametrize(
    "together, message",
    [
        (((3,),), "needs two or more"),
        (((3, 3),), "names someone twice"),
        (((3, 4), (4, 5)), "in two companion groups"),
        (((3, 404),), "not present"),
        (((3, 4, 5, 6, 7),), "the largest table seats 4"),
        (((1, 2),), "hosts of two tables"),
    ],
)
def test_companion_groups_that_cannot_be_seated_are_refused_with_a_reason(
    together: tuple[tuple[int, ...], ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plan(replace(hosted([1, 1], 4, 2), together=together), **FAST)


def test_a_minimum_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="min_table_size"):
        plan(replace(thin(), min_table_size=0), **FAST)


# --------------------------------------------------------------------------- properties


@st.composite
def rooms(draw: st.DrawFn) -> Problem:
    """Random rooms: uneven areas, thin or full, hosts, people who stay seated, a history with
    leavers and latecomers, languages, companions and a minimum table size."""
    n_topics = draw(st.integers(1, 4))
    tables = tuple(
        Table(id=10 + i, topic=draw(st.integers(1, n_topics)), capacity=draw(st.integers(2, 6)))
        for i in range(draw(st.integers(1, 8)))
    )
    seats = sum(t.capacity for t in tables)
    n_people = draw(st.integers(0, seats))
    hosts = draw(st.lists(st.sampled_from([t.id for t in tables]), unique=True, max_size=len(tables)))
    spoken = st.sampled_from([(), ("en",), ("es",), ("ht",), ("en", "es"), ("es", "ht")])
    people = []
    for i in range(n_people):
        host = hosts[i] if i < len(hosts) else None
        people.append(
            Person(
                id=100 + i,
                host_of=host,
                stays_seated=host is None and draw(st.integers(0, 5)) == 0,
                languages=draw(spoken),
            )
        )
    free = [p.id for p in people if p.host_of is None and not p.stays_seated]
    together: list[tuple[int, ...]] = []
    smallest = min(t.capacity for t in tables)
    while len(free) >= 2 and draw(st.booleans()):
        size = min(draw(st.integers(2, 3)), len(free), smallest)
        if size < 2:
            break
        together.append(tuple(free[:size]))
        free = free[size:]
    # Earlier rounds: some of today's people (the rest came late) and people who left.
    history = []
    for _ in range(draw(st.integers(0, 2))):
        seated = draw(st.lists(st.sampled_from([p.id for p in people] + [900, 901]), unique=True)) if people else []
        history.append({pid: draw(st.sampled_from([t.id for t in tables])) for pid in seated})
    return Problem(
        tables=tables,
        people=tuple(people),
        history=tuple(history),
        rounds=draw(st.integers(1, 4)),
        seed=draw(st.integers(0, 3)),
        min_table_size=draw(st.integers(1, 4)),
        together=tuple(together),
    )


ROOMS = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


@ROOMS
@given(rooms())
def test_the_hard_rules_hold_in_any_room(problem: Problem) -> None:
    try:
        result = plan(problem, moves=3_000, time_limit=10.0)
    except ValueError as err:
        assert over_committed(problem), str(err)
        return
    splits = [v for v in violations(problem, result.rounds) if "sit apart" in v]
    assert [v for v in violations(problem, result.rounds) if v not in splits] == []
    assert len(splits) == result.score.companions_split
    # A group is split only when the groups cannot all be seated together at all.
    if splits:
        assert not groups_fit(problem)


def groups_fit(problem: Problem) -> bool:
    """Whether every companion group, and everyone who stays seated but was never seated,
    fits around the hosts and the seats people keep (an exact packing, small cafés only)."""
    room = {t.id: t.capacity for t in problem.tables}
    last: dict[int, int] = {}
    for rnd in problem.history:
        last.update(rnd)
    grouped = {pid for g in problem.together for pid in g}
    items: list[int] = []
    for p in problem.people:
        seat = p.host_of if p.host_of is not None else (last.get(p.id) if p.stays_seated else None)
        if seat in room:
            room[seat] -= 1
        elif p.stays_seated and p.id not in grouped:
            items.append(1)
    items += [len(g) for g in problem.together]
    free = list(room.values())

    def place(i: int) -> bool:
        if i == len(items):
            return True
        for t in range(len(free)):
            if free[t] >= items[i]:
                free[t] -= items[i]
                if place(i + 1):
                    return True
                free[t] += items[i]
        return False

    items.sort(reverse=True)
    return place(0)


@ROOMS
@given(rooms())
def test_the_bounds_are_never_above_what_the_engine_finds(problem: Problem) -> None:
    try:
        result = plan(problem, moves=3_000, time_limit=10.0)
    except ValueError:
        return
    assert result.score.revisit_bound is not None
    assert result.score.revisit_bound <= result.score.topic_revisits
    bound = lower_bound(problem)
    assert bound is not None and bound <= result.score.pairs_met_twice


@settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(rooms())
def test_the_default_plan_keeps_to_its_work_budget(problem: Problem) -> None:
    try:
        result = plan(problem)
    except ValueError:
        return
    # The tabu phase may finish the step it is in: one step evaluates at most every swap.
    one_step = len(problem.people) ** 2 * problem.rounds
    assert result.work <= default_moves(len(problem.people), problem.rounds) + one_step


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 12), st.integers(3, 7), st.integers(2, 4), st.integers(1, 60), st.integers(1, 4), st.integers(0, 3)
)
def test_no_used_table_falls_below_the_minimum_when_the_room_can_fill_them(
    n_tables: int, capacity: int, minimum: int, n_people: int, rounds: int, seed: int
) -> None:
    tables = tuple(Table(id=i + 1, topic=i % 3 + 1, capacity=capacity) for i in range(n_tables))
    if n_people > n_tables * capacity:
        return
    people = tuple(Person(id=100 + i) for i in range(n_people))
    problem = Problem(tables=tables, people=people, rounds=rounds, seed=seed, min_table_size=minimum)
    result = plan(problem, moves=3_000, time_limit=10.0)
    fillable = any(k * minimum <= n_people <= k * capacity for k in range(1, n_tables + 1))
    if fillable:
        assert result.score.smallest_table is not None and result.score.smallest_table >= minimum
    elif n_people < minimum:
        assert result.score.tables_used == (1,) * rounds


def test_score_reports_tables_used_and_the_smallest_table() -> None:
    tables = layout([2], 4)
    people = tuple(Person(i) for i in range(1, 6))
    s = score(tables, people, (), ({1: 1, 2: 1, 3: 1, 4: 2, 5: 2}, {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}))
    assert s.tables_used == (2, 1)
    assert s.smallest_table == 2
    # Balance counts used tables only: a table left empty on purpose is not an imbalance.
    assert s.imbalance == 1


def test_in_a_thin_room_a_hosted_table_stays_in_use_with_its_host() -> None:
    people = (Person(id=1, host_of=1),) + tuple(Person(id=100 + i) for i in range(5))
    problem = replace(thin(), people=people)
    result = plan(problem, **FAST)
    assert all(rnd[1] == 1 and sizes(rnd)[1] >= 3 for rnd in result.rounds)
    assert result.score.tables_used == (2, 2, 2, 2)


def test_someone_nobody_can_talk_with_sits_where_the_others_still_can() -> None:
    # Eight people at a minimum of two: four tables of two would leave Nadia's neighbour with
    # nobody to talk to in every round. She counts as a guest: three tables, hers of three.
    tables = layout([3, 3, 3, 3, 2], 5)
    people = (Person(1, languages=("Arabic",)),) + tuple(Person(10 + i, languages=("en",)) for i in range(7))
    problem = Problem(tables=tables, people=people, rounds=4, min_table_size=2)
    result = plan(problem, **FAST)
    assert language_misses(people, result.rounds) == [(r, 1) for r in range(4)]
    assert result.score.tables_used == (3, 3, 3, 3)
