"""Arriving at a café: join, and if the rounds are under way, a seat at once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cafe.models import Cafe
from cafe.services import participants, seating


def arrive(session: Session, cafe: Cafe, **details: object) -> participants.Joined:
    """Join the café; someone arriving mid-round is seated straight away."""
    joined = participants.join(session, cafe, **details)
    late = seating.seat_late_arrival(session, cafe, joined.participant)
    return participants.Joined(joined.participant, joined.token, joined.events + late)
