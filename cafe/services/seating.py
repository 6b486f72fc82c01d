"""Who sits where: the mixing engine's input from the database, and seats written back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from sqlalchemy import and_, delete, insert, select, text
from sqlalchemy.orm import Session

from cafe import rotation
from cafe.events import Event
from cafe.models import Cafe, CafeTable, Participant, Round, Seat, in_the_room
from cafe.services import eventlog, routes, settings
from cafe.services.errors import DomainError, Invalid, NotFound
from cafe.services.lookup import get_row, occupancy, participant
from cafe.services.participants import language_key

# "At least N people at a table" when the facilitator has not said.

Planner = Callable[[rotation.Problem], rotation.Plan]
Seats = dict[int, int]


class NotEnoughSeats(DomainError):
    """More people than seats: the facilitator must add a table."""


def _round(session: Session, cafe: Cafe, number: int) -> Round:
    row = session.scalar(select(Round).where(Round.cafe_id == cafe.id, Round.number == number))
    if row is None:
        raise Invalid("round_not_planned", number=number)
    return row


def total_rounds(session: Session, cafe: Cafe) -> int:
    """How many rounds the café has planned."""
    return len(session.scalars(select(Round.id).where(Round.cafe_id == cafe.id)).all())


def problem_for(session: Session, cafe: Cafe, number: int, expected: bool = False) -> rotation.Problem:
    """The mixing engine's problem for rounds `number`..N, with rounds before it as history:
    the people in the room, or (`expected`, to print routes) also those registered and not
    arrived yet. Printed routes of the people planned are kept."""
    tables = session.scalars(select(CafeTable).where(CafeTable.cafe_id == cafe.id).order_by(CafeTable.id)).all()
    who = and_(Participant.left_at_ms.is_(None), Participant.admitted.is_(True)) if expected else in_the_room()
    people = session.scalars(
        select(Participant).where(Participant.cafe_id == cafe.id, who).order_by(Participant.id)
    ).all()
    host_of = {t.host_id: t.id for t in tables if t.host_id is not None}
    earlier = session.execute(
        select(Round.number, Seat.participant_id, Seat.table_id)
        .join(Round, Round.id == Seat.round_id)
        .where(Round.cafe_id == cafe.id, Round.number < number)
        .order_by(Round.number)
    ).all()
    history: dict[int, dict[int, int]] = {}
    for rnd, pid, tid in earlier:
        history.setdefault(rnd, {})[pid] = tid
    rounds_left = max(1, total_rounds(session, cafe) - number + 1)
    groups: dict[int, list[int]] = {}
    for p in people:
        if p.companion_group is not None:
            groups.setdefault(p.companion_group, []).append(p.id)
    return rotation.Problem(
        tables=tuple(rotation.Table(id=t.id, topic=t.topic_id, capacity=t.capacity) for t in tables),
        people=tuple(
            rotation.Person(
                id=p.id,
                host_of=host_of.get(p.id),
                stays_seated=p.stays_seated,
                organisation=p.organisation,
                languages=spoken(p),
            )
            for p in people
        ),
        history=tuple(history[r] for r in sorted(history)),
        rounds=rounds_left,
        # Deterministic per café and round: the same state always gives the same seats.
        seed=cafe.id * 1000 + number,
        final_round_home=bool(cafe.settings.get("final_round_home")),
        min_table_size=min_table_size(cafe),
        together=tuple(tuple(ids) for _, ids in sorted(groups.items()) if len(ids) > 1),
        promised=routes.promised(session, cafe, number, [p.id for p in people]),
    )


def min_table_size(cafe: Cafe) -> int:
    """The fewest people a used table should have (the café's setting, else 3)."""
    default: int = settings.SETTINGS["min_table_size"].default
    value = settings.value(cafe.settings, "min_table_size")
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else default


def spoken(person: Participant) -> tuple[str, ...]:
    """The languages the seating reads for a person: those they stated, else their phone's."""
    return _spoken(person.languages, person.language)


def _spoken(stated: list[str] | None, phone: str) -> tuple[str, ...]:
    return tuple(sorted({language_key(x) for x in (stated or [phone])}))


def plan_next(problem: rotation.Problem, planner: Planner) -> Seats:
    """Plan the remaining rounds jointly and return the first; say clearly if seats run out."""
    if not problem.people:
        return {}
    return dict(plan_all(problem, planner).rounds[0])


def plan_all(problem: rotation.Problem, planner: Planner) -> rotation.Plan:
    """Plan the remaining rounds; a café the engine cannot seat gets a clear refusal."""
    try:
        return planner(problem)
    except rotation.NotEnoughSeats as exc:
        raise NotEnoughSeats("not_enough_seats", people=exc.people, seats=exc.seats, missing=exc.missing) from None
    except ValueError as exc:
        # The set-up checks prevent these; a combination they missed still gets words.
        raise Invalid("plan_failed", detail=str(exc)) from None


def write_round(session: Session, cafe: Cafe, number: int, planned: Mapping[int, int]) -> Event:
    """Store round `number`'s seats and announce them in one `seats_assigned` event.

    The plan was made outside this transaction; whoever joined meanwhile is seated like a
    late arrival, whoever left meanwhile is dropped, so nobody is lost between the two.
    """
    rnd = _round(session, cafe, number)
    session.execute(delete(Seat).where(Seat.round_id == rnd.id))
    present = set(session.scalars(select(Participant.id).where(Participant.cafe_id == cafe.id, in_the_room())))
    tables = {t.id: t for t in session.scalars(select(CafeTable).where(CafeTable.cafe_id == cafe.id))}
    seats: Seats = {}
    for pid, tid in planned.items():
        if pid in present and tid in tables:
            seats[pid] = tid
    late = sorted(present - set(seats))
    if late:
        people = _people(session, cafe)
        printed = _printed_seats(session, late, number)
        for pid in late:
            found = _free(printed.get(pid), seats, tables)
            if found is not None:
                seats[pid] = found
                continue
            found = rotation.late_seat(
                _engine_tables(tables.values()),
                seats,
                people[pid],
                people,
                companions=_companions(session, pid),
                min_table_size=min_table_size(cafe),
            )
            if found is not None:
                seats[pid] = found
    _insert_seats(session, cafe.id, rnd.id, seats)
    return eventlog.append(
        session, cafe.id, "seats_assigned", {"round": number, "seats": {str(p): t for p, t in sorted(seats.items())}}
    )


def _insert_seats(session: Session, cafe_id: int, round_id: int, seats: Seats) -> None:
    """Write a round's seats in one statement: this runs under the café's lock while the room
    waits for its seats."""
    if not seats:
        return
    if session.get_bind().dialect.name == "postgresql":
        # Two arrays, unnested by the database: one short statement whatever the room's size.
        # An executemany sent one INSERT per seat (1.0-1.2 s for 2,000 with the bench's load),
        # and a multi-row VALUES cost ~0.2 s of Python per 1,000 rows to build and parse
        # (bench/README.md, "Seats across processes").
        session.execute(
            text(
                "INSERT INTO seat (cafe_id, round_id, participant_id, table_id) "
                "SELECT :cafe, :round, person, place "
                "FROM unnest(CAST(:people AS integer[]), CAST(:places AS integer[])) AS s(person, place)"
            ),
            {"cafe": cafe_id, "round": round_id, "people": list(seats), "places": list(seats.values())},
        )
        return
    # SQLite runs in this process: an executemany has no round trips to pay.
    session.execute(
        insert(Seat),
        [{"cafe_id": cafe_id, "round_id": round_id, "participant_id": p, "table_id": t} for p, t in seats.items()],
    )


def _printed_seats(session: Session, people: Iterable[int], number: int) -> dict[int, int]:
    """The table each of `people` has printed for round `number`, where they have one."""
    rows = session.execute(select(Participant.id, Participant.route).where(Participant.id.in_(list(people))))
    found: dict[int, int] = {}
    for pid, route in rows:
        table = route[number - 1] if route and number <= len(route) else None
        if table is not None:
            found[pid] = table
    return found


def _free(table_id: int | None, seats: Mapping[int, int], tables: Mapping[int, CafeTable]) -> int | None:
    """`table_id` if it exists and has a free seat among `seats`, else None."""
    if table_id is None or table_id not in tables:
        return None
    taken = sum(1 for t in seats.values() if t == table_id)
    return table_id if taken < tables[table_id].capacity else None


def _engine_tables(tables: Iterable[CafeTable]) -> list[rotation.Table]:
    return [rotation.Table(id=t.id, topic=t.topic_id, capacity=t.capacity) for t in tables]


def _people(session: Session, cafe: Cafe) -> dict[int, rotation.Person]:
    """The engine's view (languages) of everyone present in the café: three columns a row."""
    rows = session.execute(
        select(Participant.id, Participant.languages, Participant.language).where(
            Participant.cafe_id == cafe.id, Participant.left_at_ms.is_(None)
        )
    )
    return {pid: rotation.Person(id=pid, languages=_spoken(stated, phone)) for pid, stated, phone in rows}


def _companions(session: Session, pid: int) -> list[int]:
    group = session.scalar(select(Participant.companion_group).where(Participant.id == pid))
    if group is None:
        return []
    return [
        x
        for x in session.scalars(
            select(Participant.id).where(Participant.companion_group == group, Participant.left_at_ms.is_(None))
        )
        if x != pid
    ]


def seat_late_arrival(session: Session, cafe: Cafe, person: Participant) -> list[Event]:
    """Someone joined mid-café: a seat this round at a table where a conversation is going on."""
    if cafe.status != "running" or cafe.current_round is None or not (person.admitted and person.arrived):
        return []
    rnd = _round(session, cafe, cafe.current_round)
    if session.scalar(select(Seat.id).where(Seat.round_id == rnd.id, Seat.participant_id == person.id)) is not None:
        return []
    tables = session.scalars(select(CafeTable).where(CafeTable.cafe_id == cafe.id)).all()
    seats = {
        pid: tid
        for pid, tid in session.execute(
            select(Seat.participant_id, Seat.table_id)
            .join(Participant, Participant.id == Seat.participant_id)
            .where(Seat.round_id == rnd.id, Participant.left_at_ms.is_(None))
        )
    }
    # Topics they sat at before (someone who left and came back).
    visited = set(
        session.scalars(
            select(CafeTable.topic_id).join(Seat, Seat.table_id == CafeTable.id).where(Seat.participant_id == person.id)
        )
    )
    # Their printed route first, if its table has a free seat (their seat was kept free unless
    # the room needed it while they were not there).
    tid = _free(_printed_seats(session, [person.id], rnd.number).get(person.id), seats, {t.id: t for t in tables})
    people = _people(session, cafe)
    tid = (
        tid
        if tid is not None
        else rotation.late_seat(
            _engine_tables(tables),
            seats,
            people[person.id],
            people,
            visited=visited,
            companions=_companions(session, person.id),
            min_table_size=min_table_size(cafe),
        )
    )
    if tid is None:
        return []  # no free seat: the panel lists them as unseated until a table is added
    session.add(Seat(cafe_id=cafe.id, round_id=rnd.id, participant_id=person.id, table_id=tid))
    session.flush()
    return [
        eventlog.append(
            session,
            cafe.id,
            "participant_seated",
            {"round": rnd.number, "participant_id": person.id, "table_id": tid, "reason": "arrived"},
        )
    ]


def move_participant(session: Session, cafe: Cafe, participant_id: object, table_id: object) -> list[Event]:
    """The facilitator moves someone to another table for this round."""
    if cafe.status != "running" or cafe.current_round is None:
        raise Invalid("seats_before_start")
    person = participant(session, cafe, participant_id)
    table = get_row(session, CafeTable, table_id)
    if table is None or table.cafe_id != cafe.id:
        raise NotFound("table_not_found")
    rnd = _round(session, cafe, cafe.current_round)
    seat = session.scalar(select(Seat).where(Seat.round_id == rnd.id, Seat.participant_id == person.id))
    if seat is not None and seat.table_id == table.id:
        return []
    if occupancy(session, cafe).get(table.id, 0) >= table.capacity:
        raise Invalid("table_full", table=table.label, capacity=table.capacity)
    if seat is None:
        session.add(Seat(cafe_id=cafe.id, round_id=rnd.id, participant_id=person.id, table_id=table.id))
    else:
        seat.table_id = table.id
    session.flush()
    # The phone says so: "The facilitator moved you to Table 5" (not a silent change).
    return [
        eventlog.append(
            session,
            cafe.id,
            "participant_seated",
            {"round": rnd.number, "participant_id": person.id, "table_id": table.id, "reason": "moved"},
        )
    ]
