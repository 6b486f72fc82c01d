"""The `state` snapshot each role receives on (re)connect: everything it shows, nothing more."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cafe.events import Role, public_person
from cafe.models import Cafe, CafeTable, Participant, Round, Seat, Topic
from cafe.services import grouping, notes, photos, signups, spotlight, tablehelp
from cafe.services.participants import counts, describe
from cafe.services.views import (
    announcement,
    clock_of,
    round_view,
    settings_for,
    table_view,
    topic_view,
)


def seating(session: Session, cafe: Cafe, only: int | None = None) -> dict[str, Any]:
    """The current round's seats `{round, seats: {"<participant id>": table_id}}` (`only` one's)."""
    if cafe.current_round is None:
        return {"round": None, "seats": {}}
    query = (
        select(Seat.participant_id, Seat.table_id)
        .join(Round, Round.id == Seat.round_id)
        .join(Participant, Participant.id == Seat.participant_id)
        .where(Round.cafe_id == cafe.id, Round.number == cafe.current_round, Participant.left_at_ms.is_(None))
    )
    if only is not None:
        query = query.where(Seat.participant_id == only)
    rows = session.execute(query).all()
    return {"round": cafe.current_round, "seats": {str(pid): tid for pid, tid in rows}}


def snapshot(
    session: Session, cafe: Cafe, role: Role, *, join_url: str, participant_id: int | None = None
) -> dict[str, Any]:
    """A role's full state of a café, with the `seq` it is current to."""
    topics = session.scalars(select(Topic).where(Topic.cafe_id == cafe.id).order_by(Topic.position, Topic.id)).all()
    tables = session.scalars(
        select(CafeTable).where(CafeTable.cafe_id == cafe.id).order_by(CafeTable.position, CafeTable.id)
    ).all()
    rounds = session.scalars(select(Round).where(Round.cafe_id == cafe.id).order_by(Round.number)).all()
    state: dict[str, Any] = {
        "seq": cafe.seq,
        "role": role,
        "cafe": {
            "code": cafe.code,
            "title": cafe.title,
            **clock_of(cafe).as_dict(),
            "join_url": join_url,
            "settings": settings_for(cafe, role),
            "announcement": announcement(cafe),
            "spotlight": spotlight.current(cafe),
        },
        "topics": [topic_view(t) for t in topics],
        "tables": [table_view(t) for t in tables],
        "rounds": [round_view(r) for r in rounds],
        "counts": counts(session, cafe.id),
        # A phone knows its own seat only (as its personal `seats_assigned` says).
        "seating": seating(session, cafe, only=(participant_id or 0) if role == "phone" else None),
        "notes": notes.visible_notes(session, cafe, include_hidden=role == "facilitator"),
        "summaries": notes.summaries(session, cafe),
        "signups": signups.listing(session, cafe),
        "help": tablehelp.open_requests(session, cafe),
        "photos": photos.listing(session, cafe),
        "themes": grouping.listing(session, cafe),
    }
    if role in ("board", "facilitator", "staff"):
        people = session.scalars(
            select(Participant)
            .where(Participant.cafe_id == cafe.id, Participant.left_at_ms.is_(None))
            .order_by(Participant.id)
        ).all()
        described = [describe(p) for p in people]
        if role == "board":
            described = [public_person(d) for d in described]
        elif role == "staff":  # the team: everything but a person's contact details
            described = [{k: v for k, v in d.items() if k != "contact"} for d in described]
        state["participants"] = described
    if role == "phone" and participant_id is not None:
        me = session.get(Participant, participant_id)
        if me is not None:
            state["me"] = describe(me)
            state["my_votes"] = notes.my_votes(session, cafe, me.id)
            state["my_theme_votes"] = grouping.my_dots(session, me)
    return state
