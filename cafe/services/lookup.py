"""Small lookups several services share (kept apart so services do not import each other in circles)."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cafe.models import Cafe, Participant, Round, Seat
from cafe.services.errors import NotFound

# Beyond JavaScript's safe integers no client meant an id, and the database cannot hold one.
MAX_ID = 2**53 - 1

M = TypeVar("M")


def row_id(value: object) -> int | None:
    """`value` if it can be a row's id (a whole number the database holds), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


def get_row(session: Session, model: type[M], value: object) -> M | None:
    """The row of `model` with id `value`, or None (also for any value no id can be)."""
    key = row_id(value)
    return session.get(model, key) if key is not None else None


def participant(session: Session, cafe: Cafe, participant_id: object) -> Participant:
    """A participant of this café (not one who left), or NotFound."""
    person = get_row(session, Participant, participant_id)
    if person is None or person.cafe_id != cafe.id or person.left_at_ms is not None:
        raise NotFound("participant_not_found")
    return person


def occupancy(session: Session, cafe: Cafe) -> dict[int, int]:
    """How many people sit at each table in the current round."""
    if cafe.current_round is None:
        return {}
    rows = session.execute(
        select(Seat.table_id, func.count(Seat.id))
        .join(Round, Round.id == Seat.round_id)
        .join(Participant, Participant.id == Seat.participant_id)
        .where(Round.cafe_id == cafe.id, Round.number == cafe.current_round, Participant.left_at_ms.is_(None))
        .group_by(Seat.table_id)
    ).all()
    return {tid: n for tid, n in rows}
