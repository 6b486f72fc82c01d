"""Creating, finding and opening cafés, and the facilitator's secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cafe.events import Event
from cafe.models import Cafe, CafeTable, Round, Topic
from cafe.services import eventlog
from cafe.services.errors import Forbidden, NotFound
from cafe.services.palette import colour_for
from cafe.services.text import clean

# Six characters without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B): easy to read off a
# projector and to type on a phone. 24^6 ≈ 190 million codes.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY3467"
CODE_LENGTH = 6

ETIQUETTE = [
    "Focus on what matters",
    "Contribute your thinking",
    "Speak your mind and heart",
    "Listen to understand",
    "Link and connect ideas",
    "Listen together for insights",
    "Play, doodle, draw — have fun!",
]

DEFAULT_SETTINGS: dict[str, Any] = {
    "dots_per_round": 3,
    "harvest_dots": 5,
    "auto_advance": True,
    "final_round_home": False,
}


@dataclass(frozen=True)
class CreatedCafe:
    """A new café, its facilitator secret (shown once, stored hashed) and its events."""

    cafe: Cafe
    facilitator_secret: str
    events: list[Event]


def hash_secret(secret: str) -> str:
    """SHA-256 of a random secret (128+ bits of entropy need no slow hash)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    """A fresh 128-bit secret, URL-safe."""
    return secrets.token_urlsafe(16)


def normalise_code(code: object) -> str:
    """Upper-case a typed join code and drop spaces and dashes."""
    if not isinstance(code, str):
        return ""
    return "".join(ch for ch in code.upper() if ch.isalnum())[: CODE_LENGTH * 2]


def _unused_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalar(select(Cafe.id).where(Cafe.code == code)) is None:
            return code


def create_cafe(session: Session, title: object) -> CreatedCafe:
    """Create a café in draft with a join code and a facilitator secret."""
    clean_title = clean(title, field="The café's title", max_length=120)
    secret = new_secret()
    cafe = Cafe(
        code=_unused_code(session),
        title=clean_title,
        status="draft",
        settings=dict(DEFAULT_SETTINGS),
        facilitator_hash=hash_secret(secret),
        seq=0,
    )
    session.add(cafe)
    session.flush()
    event = eventlog.append(session, cafe.id, "cafe_created", {"cafe": {"code": cafe.code, "title": cafe.title}})
    return CreatedCafe(cafe=cafe, facilitator_secret=secret, events=[event])


def find_cafe(session: Session, code: object) -> Cafe:
    """The café with this join code, or NotFound with a message for the person."""
    wanted = normalise_code(code)
    cafe = session.scalar(select(Cafe).where(Cafe.code == wanted)) if wanted else None
    if cafe is None:
        raise NotFound("cafe_not_found")
    return cafe


def cafe_of_link(session: Session, code: object, secret: object) -> tuple[Cafe, str]:
    """The café a link names and its secret's hash; the same refusal for a missing secret and
    an unknown café as for a wrong secret (a link reveals nothing about which part was wrong)."""
    if not isinstance(secret, str) or not secret:
        raise Forbidden("wrong_facilitator_link")
    try:
        return find_cafe(session, code), hash_secret(secret)
    except NotFound:
        raise Forbidden("wrong_facilitator_link") from None


def check_facilitator(session: Session, code: object, secret: object) -> Cafe:
    """The café, if `secret` is its facilitator secret; Forbidden otherwise (nothing revealed)."""
    cafe, hashed = cafe_of_link(session, code, secret)
    if not hmac.compare_digest(cafe.facilitator_hash, hashed):
        raise Forbidden("wrong_facilitator_link")
    return cafe


def rotate_facilitator_secret(session: Session, cafe: Cafe) -> str:
    """Replace the facilitator secret; the old link stops working."""
    secret = new_secret()
    cafe.facilitator_hash = hash_secret(secret)
    return secret


# --- the demo café: MA SEN's 2019 strategy-area café ------------------------------------

DEMO_TITLE = "MA SEN Solidarity Economy Gathering — World Café"

# The five areas take the palette's first five colours (distinct for colour-blind people too).
DEMO_TOPICS: list[tuple[str, str, str, int]] = [
    ("Worker Co-ops", "Starting, converting and sustaining worker-owned businesses.", colour_for(0), 3),
    ("SE Education/Training", "Popular education and training for the solidarity economy.", colour_for(1), 3),
    ("SE Mapping/Value Chains", "Mapping who is doing what, and linking them into value chains.", colour_for(2), 3),
    (
        "SE & Social Movements/10 Year Agenda",
        "Building with social movements toward a ten-year agenda.",
        colour_for(3),
        3,
    ),
    (
        "Community Land Trusts/Affordable Housing",
        "Taking land and housing off the speculative market.",
        colour_for(4),
        2,
    ),
]

DEMO_QUESTIONS = [
    "What is already working in this strategy area in Massachusetts, and who is doing it?",
    "What is missing? What keeps frontline communities from building here?",
    "What could we do together next year that none of our groups could do alone?",
    "What will this working group take on first, and who else needs to be at the table?",
]


def create_demo(session: Session) -> CreatedCafe:
    """The MA SEN café: five strategy areas, 14 tables of 5 (3,3,3,3,2), 4 rounds."""
    created = create_cafe(session, DEMO_TITLE)
    cafe = created.cafe
    cafe.settings = {**cafe.settings, "demo": True}
    cafe.status = "lobby"
    number = 0
    for position, (name, description, colour, tables) in enumerate(DEMO_TOPICS):
        topic = Topic(cafe_id=cafe.id, name=name, description=description, colour=colour, position=position)
        session.add(topic)
        session.flush()
        for _ in range(tables):
            number += 1
            session.add(
                CafeTable(cafe_id=cafe.id, topic_id=topic.id, label=f"Table {number}", capacity=5, position=number)
            )
    for n, question in enumerate(DEMO_QUESTIONS, start=1):
        session.add(Round(cafe_id=cafe.id, number=n, question=question, discuss_seconds=20 * 60, move_seconds=2 * 60))
    session.flush()
    return created


def find_demo(session: Session) -> Cafe | None:
    """The most recent demo café, if one exists."""
    for cafe in session.scalars(select(Cafe).order_by(Cafe.id.desc())):
        if cafe.settings.get("demo"):
            return cafe
    return None
