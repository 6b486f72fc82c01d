"""The `state` snapshot each role receives on (re)connect: everything it shows, nothing more."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cafe.events import Role, public_person
from cafe.models import Cafe, CafeTable, Participant, Round, Topic
from cafe.services.participants import counts, describe


def _cafe(cafe: Cafe, join_url: str) -> dict[str, Any]:
    return {
        "code": cafe.code,
        "title": cafe.title,
        "status": cafe.status,
        "current_round": cafe.current_round,
        "phase": cafe.phase,
        "ends_at_ms": cafe.ends_at_ms,
        "remaining_ms": cafe.remaining_ms,
        "join_url": join_url,
        "settings": {k: v for k, v in cafe.settings.items() if k != "demo"},
    }


def snapshot(session: Session, cafe: Cafe, role: Role, *, join_url: str,
             participant_id: int | None = None) -> dict[str, Any]:
    """A role's full state of a café, with the `seq` it is current to."""
    topics = session.scalars(
        select(Topic).where(Topic.cafe_id == cafe.id).order_by(Topic.position, Topic.id)
    ).all()
    tables = session.scalars(
        select(CafeTable).where(CafeTable.cafe_id == cafe.id)
        .order_by(CafeTable.position, CafeTable.id)
    ).all()
    rounds = session.scalars(
        select(Round).where(Round.cafe_id == cafe.id).order_by(Round.number)
    ).all()
    state: dict[str, Any] = {
        "seq": cafe.seq,
        "role": role,
        "cafe": _cafe(cafe, join_url),
        "topics": [
            {"id": t.id, "name": t.name, "description": t.description, "colour": t.colour,
             "position": t.position}
            for t in topics
        ],
        "tables": [
            {"id": t.id, "topic_id": t.topic_id, "label": t.label, "capacity": t.capacity,
             "host_id": t.host_id}
            for t in tables
        ],
        "rounds": [
            {"number": r.number, "question": r.question, "topic_questions": r.topic_questions,
             "discuss_seconds": r.discuss_seconds, "move_seconds": r.move_seconds}
            for r in rounds
        ],
        "counts": counts(session, cafe.id),
    }
    if role in ("board", "facilitator"):
        people = session.scalars(
            select(Participant)
            .where(Participant.cafe_id == cafe.id, Participant.left_at_ms.is_(None))
            .order_by(Participant.id)
        ).all()
        described = [describe(p) for p in people]
        if role == "board":
            described = [public_person(d) for d in described]
        state["participants"] = described
    if role == "phone" and participant_id is not None:
        me = session.get(Participant, participant_id)
        if me is not None:
            state["me"] = describe(me)
    return state
