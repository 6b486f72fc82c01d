"""Working groups: people sign up to carry a strategy area forward after the café.

A contact (email or phone) is kept only when the person says the convener may use it, for the
facilitator's exports only (no snapshot or event sent to anyone carries it), and is deleted the
café's `contact_days` after the sign-up. Exports name only the people who said yes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cafe.events import Event
from cafe.models import Cafe, Participant, Signup, Topic
from cafe.services import eventlog, settings
from cafe.services.errors import Forbidden, Invalid, NotFound
from cafe.services.lookup import get_row
from cafe.services.text import clean

CONTACT_MAX = 120


def signup_view(signup: Signup) -> dict[str, Any]:
    """A sign-up on the wire (never the contact)."""
    return {"id": signup.id, "topic_id": signup.topic_id, "participant_id": signup.participant_id, "name": signup.name}


def _topic(session: Session, cafe: Cafe, topic_id: object) -> Topic:
    topic = get_row(session, Topic, topic_id)
    if topic is None or topic.cafe_id != cafe.id:
        raise NotFound("area_not_found")
    return topic


def sign_up(
    session: Session,
    cafe: Cafe,
    person: Participant,
    *,
    topic_id: object,
    name: object = None,
    contact: object = None,
    consent: object = None,
) -> list[Event]:
    """Join a topic's working group (once per topic); with `consent`, the contact the convener
    may use (both or neither: a contact is never kept without a yes)."""
    if cafe.status == "closed":
        raise Forbidden("cafe_closed")
    topic = _topic(session, cafe, topic_id)
    who = clean(name, field="Your name", max_length=40, required=False) or (
        "" if person.anonymous else person.display_name
    )
    if not who:
        raise Invalid("signup_name")
    reach = clean(contact, field="The contact", max_length=CONTACT_MAX, required=False) or None
    if reach is not None and not ("@" in reach or sum(ch.isdigit() for ch in reach) >= 6):
        raise Invalid("signup_contact")
    if reach is not None and consent is not True:
        raise Invalid("contact_needs_consent")
    if consent is True and reach is None:
        raise Invalid("consent_needs_contact")
    existing = session.scalar(select(Signup).where(Signup.topic_id == topic.id, Signup.participant_id == person.id))
    if existing is not None:
        raise Invalid("already_signed_up", area=topic.name)
    signup = Signup(
        cafe_id=cafe.id, topic_id=topic.id, participant_id=person.id, name=who, contact=reach, consent=consent is True
    )
    session.add(signup)
    session.flush()
    return [eventlog.append(session, cafe.id, "signup_added", {"signup": signup_view(signup)})]


def withdraw(session: Session, cafe: Cafe, person: Participant, *, topic_id: object) -> list[Event]:
    """Leave a working group you joined."""
    topic = _topic(session, cafe, topic_id)
    signup = session.scalar(select(Signup).where(Signup.topic_id == topic.id, Signup.participant_id == person.id))
    if signup is None:
        raise Invalid("not_signed_up")
    session.delete(signup)
    return [eventlog.append(session, cafe.id, "signup_removed", {"signup_id": signup.id})]


def listing(session: Session, cafe: Cafe) -> list[dict[str, Any]]:
    """Every sign-up (without contacts), in the order they came."""
    return [
        signup_view(s) for s in session.scalars(select(Signup).where(Signup.cafe_id == cafe.id).order_by(Signup.id))
    ]


def consenting(session: Session, cafe: Cafe, topic_id: int | None = None) -> list[Signup]:
    """The sign-ups whose people said the convener may contact them: the only ones an export
    names (of one area, if given), in the order they came."""
    query = select(Signup).where(Signup.cafe_id == cafe.id, Signup.consent.is_(True)).order_by(Signup.id)
    if topic_id is not None:
        query = query.where(Signup.topic_id == topic_id)
    return list(session.scalars(query))


DAY_MS = 86_400_000


def forget_contacts(session: Session, now: int) -> int:
    """Delete every working-group contact older than its café's `contact_days`: the scheduled
    retention job. Returns how many were deleted."""
    rows = session.execute(
        select(Signup, Cafe.settings).join(Cafe, Cafe.id == Signup.cafe_id).where(Signup.contact.is_not(None))
    ).all()
    gone = 0
    for signup, stored in rows:
        days = settings.value(stored or {}, "contact_days")
        if signup.created_at_ms + days * DAY_MS <= now:
            signup.contact = None
            gone += 1
    return gone
