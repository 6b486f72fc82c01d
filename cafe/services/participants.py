"""Joining a café, recognising a returning phone, and presence."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from cafe.events import Event
from cafe.models import Cafe, Participant, in_the_room, now_ms
from cafe.services import eventlog
from cafe.services.cafes import hash_secret, new_secret
from cafe.services.errors import Forbidden, Invalid
from cafe.services.text import clean

NAME_MAX = 40
ORGANISATION_MAX = 80
LANGUAGES = ("en", "es", "pt", "ht", "zh")
# "Languages I can talk in": at most this many, each at most this long when typed in.
SPOKEN_MAX = 8
SPOKEN_LENGTH = 30
# Names people type for the app's own languages (in those languages), so "Spanish" typed on
# one phone and "es" ticked on another are the same language to the seating.
LANGUAGE_NAMES = {
    "en": ("english", "inglés", "ingles", "inglês", "angle", "anglè", "英语", "英文"),
    "es": ("spanish", "español", "espanol", "espanhol", "panyòl", "panyol", "西班牙语", "西班牙文"),
    "pt": ("portuguese", "portugués", "portugues", "português", "pòtigè", "potige", "葡萄牙语"),
    "ht": (
        "haitian creole",
        "haitian",
        "creole",
        "kreyòl",
        "kreyol",
        "kreyòl ayisyen",
        "criollo haitiano",
        "crioulo haitiano",
        "海地克里奥尔语",
        "海地语",
    ),
    "zh": (
        "chinese",
        "mandarin",
        "chino",
        "chinês",
        "chines",
        "chinwa",
        "中文",
        "汉语",
        "普通话",
        "華語",
        "中文（简体）",
    ),
}
_NAMED = {name: code for code, names in LANGUAGE_NAMES.items() for name in names}


def language_key(text: str) -> str:
    """What a stated language is compared by: the app's code when it names one, else its words."""
    folded = " ".join(text.casefold().split())
    if folded in LANGUAGES:
        return folded
    return _NAMED.get(folded, folded)


def clean_languages(value: object) -> list[str]:
    """The languages someone can talk in, checked: a list of up to SPOKEN_MAX, no repeats."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid("languages_list")
    if len(value) > SPOKEN_MAX:
        raise Invalid("too_many_languages", n=SPOKEN_MAX)
    kept: list[str] = []
    keys: set[str] = set()
    for item in value:
        text = clean(item, field="A language", max_length=SPOKEN_LENGTH)
        key = language_key(text)
        if key in keys:
            continue
        keys.add(key)
        kept.append(key if key in LANGUAGES else text)
    return kept


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
        ).where(Participant.cafe_id == cafe_id, in_the_room())
    ).one()
    return {"joined": int(joined), "present": int(present)}


def describe(person: Participant) -> dict[str, Any]:
    """The facilitator's view of a participant (events project it down for others)."""
    return {
        "id": person.id,
        "name": person.display_name,
        "anonymous": person.anonymous,
        "organisation": person.organisation,
        "present": person.present,
        "stays_seated": person.stays_seated,
        "languages": list(person.languages or []),
        "companion_group": person.companion_group,
        "wants_companion": person.wants_companion,
        "admitted": person.admitted,
        "arrived": person.arrived,
        "registered": person.registered,
        "role": person.role,
        "contact": person.contact,
        "has_phone": person.has_phone,
        "route": list(person.route) if person.route else None,
    }


_WORDS = re.compile(r"[^\W\d_]{2,}(?: [^\W\d_]{2,}){1,4}")


def spoken_form(passcode: str) -> str:
    """A passcode as it is compared: digits as they are; words in lower case, one space apart
    ("River - Tables" and "river tables" are the same thing said out loud)."""
    return " ".join(passcode.replace("-", " ").split()).casefold()


def passcode_of(value: object) -> str:
    """A new passcode, checked: 6 to 12 digits, or two to five words, easy to say in the room.

    At 6 digits a guesser needs on average half a million tries; the back-off per address
    (docs/security.md) makes that days even from a hundred addresses.
    """
    if isinstance(value, str):
        said = spoken_form(value)
        if (said.isdigit() and 6 <= len(said) <= 12) or (_WORDS.fullmatch(said) and len(said) <= 40):
            return said
    raise Invalid("passcode_format")


def check_access(cafe: Cafe, passcode: object) -> None:
    """A locked café takes nobody new; a café with a passcode wants the one said in the room."""
    if cafe.status == "closed":
        raise Forbidden("cafe_closed")
    if cafe.settings.get("locked"):
        raise Forbidden("cafe_locked")
    expected = cafe.settings.get("passcode")
    if expected:
        if not isinstance(passcode, str) or not passcode.strip():
            raise Forbidden("passcode_required")
        if not hmac.compare_digest(spoken_form(passcode).encode(), spoken_form(str(expected)).encode()):
            raise Forbidden("wrong_passcode")


def join(
    session: Session,
    cafe: Cafe,
    *,
    name: object,
    organisation: object = None,
    anonymous: object = False,
    language: object = "en",
    passcode: object = None,
    languages: object = None,
    stays_seated: object = False,
    with_companion: object = False,
) -> Joined:
    """Add someone to a café; anonymous people get a friendly placeholder name."""
    check_access(cafe, passcode)
    if not isinstance(anonymous, bool):
        raise Invalid("anonymous_choice")
    if not isinstance(stays_seated, bool) or not isinstance(with_companion, bool):
        raise Invalid("checkboxes")
    spoken = clean_languages(languages)
    org = clean(organisation, field="Organisation", max_length=ORGANISATION_MAX, required=False)
    if anonymous:
        number = session.scalar(select(func.count(Participant.id)).where(Participant.cafe_id == cafe.id)) or 0
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
        languages=spoken,
        stays_seated=stays_seated,
        wants_companion=with_companion,
        # With `approve_joins` the facilitator lets people in: until then they wait.
        admitted=not cafe.settings.get("approve_joins"),
        token_hash=hash_secret(token),
        connections=0,
    )
    session.add(person)
    session.flush()
    # The counts are read under the café's lock (taken by the append), so they follow `seq`.
    event = eventlog.append(
        session,
        cafe.id,
        "participant_joined",
        lambda: {"participant": describe(person), "counts": counts(session, cafe.id)},
    )
    return Joined(participant=person, token=token, events=[event])


def authenticate(session: Session, cafe: Cafe, token: object) -> Participant:
    """The participant whose phone holds `token` in this café; Forbidden otherwise."""
    refusal = Forbidden("unknown_participant")
    if not isinstance(token, str) or not token or len(token) > 100:
        raise refusal
    person = session.scalar(select(Participant).where(Participant.token_hash == hash_secret(token)))
    if person is None or person.cafe_id != cafe.id or person.left_at_ms is not None:
        raise refusal
    # Constant-time confirmation; the lookup above is by a hash, not the token itself.
    if not hmac.compare_digest(person.token_hash, hash_secret(token)):
        raise refusal
    return person


def connected(session: Session, participant_id: int) -> list[Event]:
    """A phone of this participant connected; an event when they become present."""
    return _presence(session, participant_id, +1)[0]


def phone_connected(session: Session, participant_id: int) -> tuple[list[Event], bool]:
    """As `connected`, and whether this is someone registered beforehand who has not arrived yet
    (their personal link opened on a phone: they are here now), read by the same statement."""
    return _presence(session, participant_id, +1)


def disconnected(session: Session, participant_id: int) -> list[Event]:
    """A phone of this participant went away; an event when none is left."""
    return _presence(session, participant_id, -1)[0]


def _presence(session: Session, participant_id: int, change: int) -> tuple[list[Event], bool]:
    # The count of phones moves in one statement under the participant's row lock; the café's
    # lock (which orders `seq`, and is what 2,000 arriving phones queue for on PostgreSQL) is
    # taken only when presence flips, and held for the counts, the event and the commit.
    which = [Participant.id == participant_id]
    if change < 0:
        which.append(Participant.connections > 0)
    row = session.execute(
        update(Participant)
        .where(*which)
        .values(
            connections=Participant.connections + change,
            last_seen_ms=now_ms(),
            # A phone that connected once is theirs: from then on they give their own dots.
            **({"has_phone": True} if change > 0 else {}),
        )
        .returning(Participant.cafe_id, Participant.connections, Participant.arrived, Participant.left_at_ms)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        return [], False  # unknown participant, or no phone left to take away
    cafe_id, phones, arrived, left_at = row
    expected = change > 0 and not arrived and left_at is None
    if phones != (1 if change > 0 else 0):
        return [], expected  # another phone of the same person: presence does not change
    kind = "participant_connected" if change > 0 else "participant_disconnected"
    event = eventlog.append(
        session, cafe_id, kind, lambda: {"participant_id": participant_id, "counts": counts(session, cafe_id)}
    )
    return [event], expected


def reset_presence(session: Session) -> list[Event]:
    """Mark everyone away (start-up of a lone process: no socket survives a restart)."""
    events: list[Event] = []
    stale = session.scalars(select(Participant).where(Participant.connections > 0).order_by(Participant.id)).all()
    for person in stale:
        person.connections = 0
        session.flush()
        # An event, not a silent reset: clients that resync must see the same presence.
        events.append(
            eventlog.append(
                session,
                person.cafe_id,
                "participant_disconnected",
                {"participant_id": person.id, "counts": counts(session, person.cafe_id)},
            )
        )
    return events
