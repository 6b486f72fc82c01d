"""Joining a café, recognising a returning phone, and presence."""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from cafe.events import Event
from cafe.models import Cafe, Participant, now_ms
from cafe.services import eventlog
from cafe.services.cafes import hash_secret, new_secret
from cafe.services.errors import Forbidden, Invalid
from cafe.services.text import clean

NAME_MAX = 40
ORGANISATION_MAX = 80
LANGUAGES = ("en", "es", "pt", "ht", "zh")


@dataclass(frozen=True)
class Joined:
    """A new participant, the token their phone keeps (shown once), and the events."""

    participant: Participant
    token: str
    events: list[Event]


def counts(session: Session, cafe_id: int) -> dict[str, int]:
    """How many have joined, and how many have a phone connected right now."""
    joined, present = session.execute(
        select(
            func.count(Participant.id),
            func.coalesce(func.sum(case((Participant.connections > 0, 1), else_=0)), 0),
        ).where(Participant.cafe_id == cafe_id, Participant.left_at_ms.is_(None))
    ).one()
    return {"joined": int(joined), "present": int(present)}


def lock_cafe(session: Session, cafe_id: int) -> None:
    """Take the café row's write lock (a no-op on SQLite, where a write already holds the file)."""
    # Presence changes and their counts are made under the same lock that orders `seq`, so on
    # PostgreSQL two phones connecting at once neither lose a count nor publish stale counts.
    # FOR NO KEY UPDATE, the lock the log's `UPDATE cafe SET seq` takes: it does not wait for the
    # key-share lock a new participant row's foreign key holds (FOR UPDATE would deadlock joins).
    session.execute(select(Cafe.id).where(Cafe.id == cafe_id)
                    .with_for_update(key_share=True))


def describe(person: Participant) -> dict[str, Any]:
    """The facilitator's view of a participant (events project it down for others)."""
    return {
        "id": person.id,
        "name": person.display_name,
        "anonymous": person.anonymous,
        "organisation": person.organisation,
        "present": person.present,
        "stays_seated": person.stays_seated,
    }


def check_access(cafe: Cafe, passcode: object) -> None:
    """A locked café takes nobody new; a café with a passcode wants the one said in the room."""
    if cafe.status == "closed":
        raise Forbidden("This café has closed. Thank you for coming!", code="cafe_closed")
    if cafe.settings.get("locked"):
        raise Forbidden("This café is not taking new people right now. Ask the facilitator.",
                        code="cafe_locked")
    expected = cafe.settings.get("passcode")
    if expected:
        if not isinstance(passcode, str) or not passcode.strip():
            raise Forbidden("Type the passcode the facilitator gave the room.",
                            code="passcode_required")
        if not hmac.compare_digest(passcode.strip().encode(), str(expected).encode()):
            raise Forbidden("That passcode is not right. Check it with the facilitator.",
                            code="wrong_passcode")


def join(session: Session, cafe: Cafe, *, name: object, organisation: object = None,
         anonymous: object = False, language: object = "en", passcode: object = None) -> Joined:
    """Add someone to a café; anonymous people get a friendly placeholder name."""
    check_access(cafe, passcode)
    if not isinstance(anonymous, bool):
        raise Invalid("Choose whether to stay anonymous.")
    org = clean(organisation, field="Organisation", max_length=ORGANISATION_MAX, required=False)
    if anonymous:
        number = session.scalar(
            select(func.count(Participant.id)).where(Participant.cafe_id == cafe.id)
        ) or 0
        display = f"Guest {number + 1}"
    else:
        display = clean(name, field="Your name", max_length=NAME_MAX)
    lang = language if isinstance(language, str) and language in LANGUAGES else "en"
    token = new_secret()
    person = Participant(
        cafe_id=cafe.id,
        display_name=display,
        anonymous=anonymous,
        organisation=org or None,
        language=lang,
        token_hash=hash_secret(token),
        connections=0,
    )
    session.add(person)
    session.flush()
    lock_cafe(session, cafe.id)
    event = eventlog.append(
        session, cafe.id, "participant_joined",
        {"participant": describe(person), "counts": counts(session, cafe.id)},
    )
    return Joined(participant=person, token=token, events=[event])


def authenticate(session: Session, cafe: Cafe, token: object) -> Participant:
    """The participant whose phone holds `token` in this café; Forbidden otherwise."""
    refusal = Forbidden("This phone is not signed in to this café. Please join again.",
                        code="unknown_participant")
    if not isinstance(token, str) or not token or len(token) > 100:
        raise refusal
    person = session.scalar(
        select(Participant).where(Participant.token_hash == hash_secret(token))
    )
    if person is None or person.cafe_id != cafe.id or person.left_at_ms is not None:
        raise refusal
    # Constant-time confirmation; the lookup above is by a hash, not the token itself.
    if not hmac.compare_digest(person.token_hash, hash_secret(token)):
        raise refusal
    return person


def connected(session: Session, participant_id: int) -> list[Event]:
    """A phone of this participant connected; an event when they become present."""
    person = session.get(Participant, participant_id)
    if person is None:
        return []
    lock_cafe(session, person.cafe_id)
    session.refresh(person)
    person.connections += 1
    person.last_seen_ms = now_ms()
    session.flush()
    if person.connections != 1:
        return []
    return [eventlog.append(session, person.cafe_id, "participant_connected",
                            {"participant_id": person.id, "counts": counts(session, person.cafe_id)})]


def disconnected(session: Session, participant_id: int) -> list[Event]:
    """A phone of this participant went away; an event when none is left."""
    person = session.get(Participant, participant_id)
    if person is None:
        return []
    lock_cafe(session, person.cafe_id)
    session.refresh(person)
    if person.connections <= 0:
        return []
    person.connections -= 1
    person.last_seen_ms = now_ms()
    session.flush()
    if person.connections != 0:
        return []
    return [eventlog.append(session, person.cafe_id, "participant_disconnected",
                            {"participant_id": person.id, "counts": counts(session, person.cafe_id)})]


def reset_presence(session: Session) -> list[Event]:
    """Mark everyone away (start-up of a lone process: no socket survives a restart)."""
    events: list[Event] = []
    stale = session.scalars(
        select(Participant).where(Participant.connections > 0).order_by(Participant.id)
    ).all()
    for person in stale:
        person.connections = 0
        session.flush()
        # An event, not a silent reset: clients that resync must see the same presence.
        events.append(eventlog.append(
            session, person.cafe_id, "participant_disconnected",
            {"participant_id": person.id, "counts": counts(session, person.cafe_id)},
        ))
    return events
