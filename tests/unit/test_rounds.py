"""Running a café: set-up rules, the phases in order, seats from the mixing engine, the scheduler."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from cafe.app import runtime
from cafe.models import CafeTable, Participant
from cafe.scheduler import Scheduler
from cafe.services import arrivals, cafes, rounds, seating, setup
from cafe.services.errors import Conflict, Invalid, NotFound
from tests.conftest import NOW, Small


def test_round_one_seats_everyone_and_sends_them_to_their_tables(small: Small) -> None:
    events = small.seated("start_round")
    assert [e.type for e in events] == ["seats_assigned", "move_started"]
    seats = small.seats(1)
    assert set(seats) == set(small.people)
    assert seats[small.people[0]] == small.tables[0] and seats[small.people[1]] == small.tables[2]
    clock = small.clock()
    assert (clock.status, clock.current_round, clock.phase) == ("running", 1, "move")
    assert clock.ends_at_ms == NOW + 60_000


def test_the_move_ends_and_the_discussion_runs_on_the_server_deadline(small: Small) -> None:
    small.seated("start_round")
    [started] = small.seated("start_round", now=NOW + 5_000)  # skip the rest of the move
    assert started.type == "round_started"
    assert small.clock().ends_at_ms == NOW + 5_000 + 600_000


def test_ending_a_round_seats_the_next_one_hosts_stay_and_travellers_change_topic(small: Small) -> None:
    small.seated("start_round")
    small.seated("start_round")
    events = small.seated("end_round", now=NOW + 100_000)
    assert [e.type for e in events] == ["seats_assigned", "move_started"]
    first, second = small.seats(1), small.seats(2)
    assert second[small.people[0]] == first[small.people[0]] == small.tables[0]
    topic = small.read(lambda s, c: {t.id: t.topic_id for t in s.scalars(select(CafeTable))})
    travellers = small.people[2:]
    assert all(topic[first[p]] != topic[second[p]] for p in travellers)
    assert small.clock().current_round == 2 and small.clock().phase == "move"


def test_the_last_round_ends_in_the_harvest(small: Small) -> None:
    small.seated("start_round")
    small.seated("start_round")
    small.seated("end_round")
    small.seated("start_round")
    [event] = small.seated("end_round")
    assert event.type == "harvest_started" and small.clock().status == "harvest"


def test_too_few_seats_says_how_many_are_missing(small: Small) -> None:
    small.do(lambda s, c: [arrivals.arrive(s, c, name=f"Extra {i}") for i in range(8)])
    with pytest.raises(seating.NotEnoughSeats) as caught:
        small.seated("start_round")
    assert (
        "(2 short)" in caught.value.message
        and caught.value.params["missing"] == 2
        and "Add a table" in caught.value.message
    )
    assert caught.value.code == "not_enough_seats"
    assert small.clock().status == "lobby"


def test_a_plan_for_a_cafe_that_moved_on_is_not_written(small: Small) -> None:
    small.seated("start_round")
    stale = small.clock()
    small.seated("start_round")
    with pytest.raises(Conflict):
        small.do(rounds.start_round, now=NOW, expected=stale)


def test_pause_resume_and_extend_move_the_deadline(small: Small) -> None:
    small.seated("start_round")
    small.seated("start_round")
    small.do(rounds.pause, now=NOW + 100_000)
    assert small.clock().remaining_ms == 500_000
    small.do(rounds.extend, 60, now=NOW + 200_000)
    assert small.clock().remaining_ms == 560_000
    small.do(rounds.resume, now=NOW + 300_000)
    assert small.clock().ends_at_ms == NOW + 860_000
    small.do(rounds.extend, -60, now=NOW + 300_000)
    assert small.clock().ends_at_ms == NOW + 800_000


@pytest.mark.parametrize("seconds", [0, 3601, -3601, True, "60"])
def test_absurd_extensions_are_refused(small: Small, seconds: object) -> None:
    small.seated("start_round")
    with pytest.raises(Invalid, match="between -3600 and 3600"):
        small.do(rounds.extend, seconds)


def test_a_round_cannot_start_before_the_cafe_opens(app: Flask) -> None:
    with runtime(app).db.transaction() as session:
        cafe = cafes.create_cafe(session, "Draft").cafe
        with pytest.raises(Invalid, match="Open the café first"):
            rounds.start_round(session, cafe)


def test_the_scheduler_advances_an_expired_phase_exactly_once(small: Small) -> None:
    small.seated("start_round", now=NOW)
    scheduler_a, scheduler_b = Scheduler(runtime(small.app)), Scheduler(runtime(small.app))
    assert scheduler_a.tick(NOW + 59_000) == []
    moved = scheduler_a.tick(NOW + 60_000)
    assert [e.type for e in moved] == ["round_started"]
    assert scheduler_b.tick(NOW + 60_000) == []
    assert small.clock().phase == "discuss"


def test_without_auto_advance_time_up_waits_for_the_facilitator(small: Small) -> None:
    small.do(setup.update_cafe, settings={"auto_advance": False})
    small.seated("start_round", now=NOW)
    small.seated("start_round", now=NOW)
    assert Scheduler(runtime(small.app)).tick(NOW + 10**7) == []
    assert small.clock().phase == "discuss"


def test_the_scheduler_reports_a_blocked_round_once(small: Small) -> None:
    small.seated("start_round", now=NOW)
    small.seated("start_round", now=NOW)
    small.do(lambda s, c: [arrivals.arrive(s, c, name=f"Late {i}") for i in range(8)])
    scheduler = Scheduler(runtime(small.app))
    [blocked] = scheduler.tick(NOW + 700_000)
    assert blocked.type == "advance_blocked" and "short" in blocked.data["message"]
    assert scheduler.tick(NOW + 701_000) == []


def test_a_late_arrival_is_seated_at_once_at_the_emptiest_table(small: Small) -> None:
    small.seated("start_round")
    before = list(small.seats(1).values())
    joined = small.do(lambda s, c: arrivals.arrive(s, c, name="Late").events)
    assert [e.type for e in joined] == ["participant_joined", "participant_seated"]
    seat = joined[-1].data
    assert before.count(seat["table_id"]) == min(before.count(t) for t in small.tables)
    assert small.seats(1)[seat["participant_id"]] == seat["table_id"]


def test_the_facilitator_can_move_someone_but_not_onto_a_full_table(small: Small) -> None:
    small.seated("start_round")
    seats = small.seats(1)
    person = small.people[3]
    target = next(t for t in small.tables if t != seats[person] and list(seats.values()).count(t) < 3)
    [moved] = small.do(seating.move_participant, person, target)
    assert moved.data == {"round": 1, "participant_id": person, "table_id": target, "reason": "moved"}
    for _ in range(3):
        small.do(lambda s, c: arrivals.arrive(s, c, name="Filler"))
    full = next(t for t in small.tables if list(small.seats(1).values()).count(t) == 3)
    mover = next(p for p, t in small.seats(1).items() if t != full)
    with pytest.raises(Invalid, match="is full"):
        small.do(seating.move_participant, mover, full)


def test_a_topic_added_mid_cafe_enters_the_next_round(small: Small) -> None:
    small.seated("start_round")
    small.seated("start_round")
    events = small.do(setup.add_topic, name="Community Land Trusts", tables=1, capacity=3)
    assert [e.type for e in events] == ["topic_added", "table_added"]
    new_table = events[1].data["table"]["id"]
    small.do(lambda s, c: [arrivals.arrive(s, c, name=f"New {i}") for i in range(2)])
    small.seated("end_round")
    assert new_table in small.seats(2).values()


def test_someone_who_leaves_gives_up_their_host_role_and_their_seat(small: Small) -> None:
    events = small.do(setup.set_participant, small.people[0], left=True)
    assert [e.type for e in events] == ["table_updated", "participant_left"]
    small.seated("start_round")
    assert small.people[0] not in small.seats(1)


def test_a_host_hosts_one_table_at_most(small: Small) -> None:
    events = small.do(setup.set_host, small.tables[1], small.people[0])
    hosts = {e.data["table"]["id"]: e.data["table"]["host_id"] for e in events}
    assert hosts == {small.tables[1]: small.people[0], small.tables[0]: None}


@pytest.mark.parametrize(
    ("rounds_spec", "message"),
    [
        ([], "between 1 and 12 rounds"),
        ([{"question": "Q", "discuss_seconds": 10, "move_seconds": 60}], "A discussion lasts 1 to 120 minutes"),
        ([{"question": "Q", "discuss_seconds": 600, "move_seconds": -5}], "A move lasts 10 seconds to 30 minutes"),
        ([{"question": " ", "discuss_seconds": 600, "move_seconds": 60}], "The question of round 1 cannot be empty"),
        (
            [{"question": "Q", "discuss_seconds": 600, "move_seconds": 60, "topic_questions": {"999": "Q?"}}],
            "unknown strategy area",
        ),
        ([{"question": "Q", "discuss_seconds": "ten", "move_seconds": 60}], "A discussion lasts 1 to 120 minutes"),
    ],
)
def test_bad_round_plans_are_refused_with_a_reason(small: Small, rounds_spec: Any, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        small.do(setup.set_rounds, rounds_spec)


def test_per_topic_questions_are_kept(small: Small) -> None:
    topic = small.read(lambda s, c: s.scalar(select(CafeTable.topic_id)))
    [event] = small.do(
        setup.set_rounds,
        [{"question": "All", "discuss_seconds": 600, "move_seconds": 60, "topic_questions": {str(topic): "Land?"}}],
    )
    assert event.data["rounds"][0]["topic_questions"] == {str(topic): "Land?"}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": ""}, Invalid, "cannot be empty"),
        ({"name": "X", "colour": "red"}, Invalid, "#1f618d"),
        ({"name": "X", "tables": 21}, Invalid, "0 to 20 tables"),
        ({"name": "X", "tables": 1, "capacity": 0}, Invalid, "between 1 and 50"),
    ],
)
def test_bad_topics_are_refused(small: Small, kwargs: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        small.do(setup.add_topic, **kwargs)


def test_tables_and_topics_are_only_removed_before_the_start(small: Small) -> None:
    small.seated("start_round")
    with pytest.raises(Invalid, match="once the café has started"):
        small.do(setup.remove_table, small.tables[0])
    with pytest.raises(NotFound):
        small.do(setup.remove_table, 99999)


def test_capacity_cannot_drop_below_who_sits_there(small: Small) -> None:
    small.seated("start_round")
    busy = max(small.tables, key=lambda t: list(small.seats(1).values()).count(t))
    with pytest.raises(Invalid, match="move someone first"):
        small.do(setup.update_table, busy, capacity=1)


def test_settings_are_checked(small: Small) -> None:
    with pytest.raises(Invalid, match="Unknown setting"):
        small.do(setup.update_cafe, settings={"launch": True})
    with pytest.raises(Invalid, match="wrong type"):
        small.do(setup.update_cafe, settings={"auto_advance": "yes"})


def test_announcements_are_kept_for_later_snapshots(small: Small) -> None:
    [event] = small.do(rounds.announce, "  Lunch is at 12:30  ")
    assert event.data["announcement"]["text"] == "Lunch is at 12:30"
    with pytest.raises(Invalid):
        small.do(rounds.announce, "x" * 281)


def test_closing_stops_everything(small: Small) -> None:
    small.do(rounds.close_cafe)
    with pytest.raises(Invalid):
        small.do(rounds.close_cafe)
    assert small.clock().status == "closed"
    with pytest.raises(Exception, match="closed"):
        small.do(lambda s, c: arrivals.arrive(s, c, name="Too late"))


def test_the_participant_rows_are_untouched_by_a_refused_start(small: Small) -> None:
    before = small.read(lambda s, c: len(s.scalars(select(Participant)).all()))
    small.do(lambda s, c: [arrivals.arrive(s, c, name=f"Extra {i}") for i in range(8)])
    with pytest.raises(seating.NotEnoughSeats):
        small.seated("start_round")
    assert small.seats(1) == {}
    assert small.read(lambda s, c: len(s.scalars(select(Participant)).all())) == before + 8


def _person(session: Any, pid: int) -> Participant:
    person = session.get(Participant, pid)
    assert person is not None
    return person


def _choose(small: Small, pid: int, table_id: int | None) -> list[Any]:
    return small.do(lambda s, c: setup.choose_host_table(s, c, _person(s, pid), table_id))


def test_hosts_may_pick_their_own_table_on_their_phone_when_the_facilitator_allows_it(small: Small) -> None:
    free = small.tables[1]
    with pytest.raises(Exception, match="facilitator assigns the hosts"):
        _choose(small, small.people[2], free)
    small.do(lambda s, c: setup.update_cafe(s, c, settings={"hosts_choose": True}))
    events = _choose(small, small.people[2], free)
    assert [e.type for e in events] == ["table_updated"]
    assert events[0].data["table"]["host_id"] == small.people[2]
    # Taken tables stay taken; picking another table moves the host; None stops hosting.
    with pytest.raises(Conflict, match="already has a host") as taken:
        _choose(small, small.people[3], free)
    assert taken.value.code == "table_has_host"
    _choose(small, small.people[2], small.tables[3])
    hosts = small.read(
        lambda s, c: {t.id: t.host_id for t in s.scalars(select(CafeTable).where(CafeTable.cafe_id == c.id))}
    )
    assert hosts[free] is None and hosts[small.tables[3]] == small.people[2]
    _choose(small, small.people[2], None)
    assert small.read(lambda s, c: s.get(CafeTable, small.tables[3]).host_id) is None
    # Once the rounds begin, the seats are planned around the hosts: the facilitator changes them.
    small.seated("start_round")
    with pytest.raises(Invalid, match="before the first round"):
        _choose(small, small.people[2], free)
