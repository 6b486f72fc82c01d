"""Who sits where: the mixing engine's input from the database, and seats written back."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from cafe import rotation
from cafe.events import Event
from cafe.models import Cafe, CafeTable, Participant, Round, Seat
from cafe.services import eventlog
from cafe.services.errors import DomainError, Invalid, NotFound
from cafe.services.lookup import occupancy, participant

Planner = Callable[[rotation.Problem], rotation.Plan]
Seats = dict[int, int]


class NotEnoughSeats(DomainError):
    """More people than seats: the facilitator must add a table."""

    code = "not_enough_seats"
    http_status = 409


def _round(session: Session, cafe: Cafe, number: int) -> Round:
    row = session.scalar(select(Round).where(Round.cafe_id == cafe.id, Round.number == number))
    if row is None:
        raise Invalid(f"Round {number} is not planned: add it in the set-up.")
    return row


def total_rounds(session: Session, cafe: Cafe) -> int:
    """How many rounds the café has planned."""
    return len(session.scalars(select(Round.id).where(Round.cafe_id == cafe.id)).all())


def problem_for(session: Session, cafe: Cafe, number: int) -> rotation.Problem:
    """The mixing engine's problem for rounds `number`..N, with rounds before it as history."""
    tables = session.scalars(
        select(CafeTable).where(CafeTable.cafe_id == cafe.id).order_by(CafeTable.id)
    ).all()
    people = session.scalars(
        select(Participant)
        .where(Participant.cafe_id == cafe.id, Participant.left_at_ms.is_(None))
        .order_by(Participant.id)
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
    return rotation.Problem(
        tables=tuple(rotation.Table(id=t.id, topic=t.topic_id, capacity=t.capacity) for t in tables),
        people=tuple(
            rotation.Person(id=p.id, host_of=host_of.get(p.id), stays_seated=p.stays_seated,
                            organisation=p.organisation)
            for p in people
        ),
        history=tuple(history[r] for r in sorted(history)),
        rounds=rounds_left,
        # Deterministic per café and round: the same state always gives the same seats.
        seed=cafe.id * 1000 + number,
        final_round_home=bool(cafe.settings.get("final_round_home")),
    )


def plan_next(problem: rotation.Problem, planner: Planner) -> Seats:
    """Plan the remaining rounds jointly and return the first; say clearly if seats run out."""
    if not problem.people:
        return {}
    try:
        result = planner(problem)
    except rotation.NotEnoughSeats as exc:
        raise NotEnoughSeats(f"{exc} Add a table, then try again.") from None
    return dict(result.rounds[0])


def write_round(session: Session, cafe: Cafe, number: int, planned: Mapping[int, int]) -> Event:
    """Store round `number`'s seats and announce them in one `seats_assigned` event.

    The plan was made outside this transaction; whoever joined meanwhile is seated like a
    late arrival, whoever left meanwhile is dropped, so nobody is lost between the two.
    """
    rnd = _round(session, cafe, number)
    session.execute(delete(Seat).where(Seat.round_id == rnd.id))
    present = set(session.scalars(select(Participant.id).where(
        Participant.cafe_id == cafe.id, Participant.left_at_ms.is_(None))))
    tables = {t.id: t for t in session.scalars(select(CafeTable).where(CafeTable.cafe_id == cafe.id))}
    seats: Seats = {}
    for pid, tid in planned.items():
        if pid in present and tid in tables:
            seats[pid] = tid
    for pid in sorted(present - set(seats)):
        tid = _emptiest_table(tables.values(), seats)
        if tid is not None:
            seats[pid] = tid
    if seats:
        # One executemany, not 1,000 ORM objects: this runs while the room waits for its seats.
        session.execute(insert(Seat), [
            {"cafe_id": cafe.id, "round_id": rnd.id, "participant_id": pid, "table_id": tid}
            for pid, tid in seats.items()])
    return eventlog.append(session, cafe.id, "seats_assigned",
                           {"round": number, "seats": {str(p): t for p, t in sorted(seats.items())}})


def _emptiest_table(tables: Iterable[CafeTable], seats: Mapping[int, int]) -> int | None:
    filled: dict[int, int] = {}
    for tid in seats.values():
        filled[tid] = filled.get(tid, 0) + 1
    best: tuple[float, int, int] | None = None
    for table in tables:
        used = filled.get(table.id, 0)
        if used >= table.capacity:
            continue
        key = (used / table.capacity, table.position, table.id)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def seat_late_arrival(session: Session, cafe: Cafe, person: Participant) -> list[Event]:
    """Someone joined mid-café: a seat this round at the emptiest table with room."""
    if cafe.status != "running" or cafe.current_round is None:
        return []
    rnd = _round(session, cafe, cafe.current_round)
    if session.scalar(select(Seat.id).where(Seat.round_id == rnd.id,
                                            Seat.participant_id == person.id)) is not None:
        return []
    tables = session.scalars(select(CafeTable).where(CafeTable.cafe_id == cafe.id)).all()
    seats = {pid: tid for pid, tid in session.execute(
        select(Seat.participant_id, Seat.table_id).join(Participant, Participant.id == Seat.participant_id)
        .where(Seat.round_id == rnd.id, Participant.left_at_ms.is_(None)))}
    tid = _emptiest_table(tables, seats)
    if tid is None:
        return []  # no free seat: the panel lists them as unseated until a table is added
    session.add(Seat(cafe_id=cafe.id, round_id=rnd.id, participant_id=person.id, table_id=tid))
    session.flush()
    return [eventlog.append(session, cafe.id, "participant_seated",
                            {"round": rnd.number, "participant_id": person.id, "table_id": tid})]


def move_participant(session: Session, cafe: Cafe, participant_id: object,
                     table_id: object) -> list[Event]:
    """The facilitator moves someone to another table for this round."""
    if cafe.status != "running" or cafe.current_round is None:
        raise Invalid("Seats exist once the café has started.")
    person = participant(session, cafe, participant_id)
    table = session.get(CafeTable, table_id) if isinstance(table_id, int) else None
    if table is None or table.cafe_id != cafe.id:
        raise NotFound("There is no such table in this café.")
    rnd = _round(session, cafe, cafe.current_round)
    seat = session.scalar(select(Seat).where(Seat.round_id == rnd.id,
                                             Seat.participant_id == person.id))
    if seat is not None and seat.table_id == table.id:
        return []
    if occupancy(session, cafe).get(table.id, 0) >= table.capacity:
        raise Invalid(f"{table.label} is full ({table.capacity} of {table.capacity}).")
    if seat is None:
        session.add(Seat(cafe_id=cafe.id, round_id=rnd.id, participant_id=person.id,
                         table_id=table.id))
    else:
        seat.table_id = table.id
    session.flush()
    return [eventlog.append(session, cafe.id, "participant_seated",
                            {"round": rnd.number, "participant_id": person.id, "table_id": table.id})]
