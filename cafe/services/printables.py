"""What the printed sheets say: a tent per table (its number, its strategy area, how to join), a
paper harvest card per table (each round's question, room to write), and per person a badge or
a route card with their printed route. In the sheet's language: the facilitator's own versions
of names and questions where they wrote them."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cafe.models import Cafe, CafeTable, Participant, Round, Topic
from cafe.services.attendees import personal_link
from cafe.services.errors import Words, say_table


def _topics(session: Session, cafe: Cafe) -> dict[int, Topic]:
    return {t.id: t for t in session.scalars(select(Topic).where(Topic.cafe_id == cafe.id))}


def _tables(session: Session, cafe: Cafe) -> list[CafeTable]:
    return list(
        session.scalars(
            select(CafeTable).where(CafeTable.cafe_id == cafe.id).order_by(CafeTable.position, CafeTable.id)
        )
    )


def _area(topic: Topic | None, lang: str) -> str:
    if topic is None:
        return ""
    own = (topic.translations or {}).get(lang) or {}
    return str(own.get("name") or topic.name)


def tents(session: Session, cafe: Cafe, lang: str, words: Words) -> list[dict[str, Any]]:
    """One tent per table, in the tables' order: its label, its area's name and colour."""
    topics = _topics(session, cafe)
    return [
        {
            "label": say_table(table.label, words),
            "area": _area(topics.get(table.topic_id), lang),
            "colour": topics[table.topic_id].colour if table.topic_id in topics else "#888888",
        }
        for table in _tables(session, cafe)
    ]


def _question(rnd: Round, topic_id: int, lang: str) -> str:
    own = (rnd.translations or {}).get(lang) or {}
    key = str(topic_id)
    return str(
        (own.get("topic_questions") or {}).get(key)
        or rnd.topic_questions.get(key)
        or own.get("question")
        or rnd.question
    )


def cards(session: Session, cafe: Cafe, lang: str, words: Words) -> list[dict[str, Any]]:
    """One harvest card per table: each round's question for its area, in the sheet's language."""
    rounds = list(session.scalars(select(Round).where(Round.cafe_id == cafe.id).order_by(Round.number)))
    return [
        {
            **tent,
            "rounds": [{"number": r.number, "question": _question(r, table.topic_id, lang)} for r in rounds],
        }
        for tent, table in zip(tents(session, cafe, lang, words), _tables(session, cafe), strict=True)
    ]


def routes(
    session: Session, cafe: Cafe, lang: str, words: Words, join_url: str, people: set[int] | None = None
) -> list[dict[str, Any]]:
    """Per person with a printed route (of `people`, if given), in name order: their name,
    organisation, each round's table with its area and colour, and the personal link (for the
    badge's QR code) of someone registered who has a phone or may bring one."""
    topics = _topics(session, cafe)
    tables = {t.id: t for t in _tables(session, cafe)}
    query = select(Participant).where(
        Participant.cafe_id == cafe.id, Participant.left_at_ms.is_(None), Participant.route.is_not(None)
    )
    found = []
    for person in session.scalars(query):
        if not person.route or (people is not None and person.id not in people):
            continue
        stops = []
        for number, tid in enumerate(person.route, start=1):
            table = tables.get(tid) if tid is not None else None
            if table is None:
                continue
            topic = topics.get(table.topic_id)
            stops.append(
                {
                    "round": number,
                    "label": say_table(table.label, words),
                    "area": _area(topic, lang),
                    "colour": topic.colour if topic else "#888888",
                }
            )
        found.append(
            {
                "id": person.id,
                "name": person.display_name,
                "organisation": person.organisation or "",
                "stops": stops,
                "link": personal_link(cafe, person, join_url) if person.registered and cafe.people_key else None,
                "has_phone": person.has_phone,
            }
        )
    return sorted(found, key=lambda p: (_in_order(str(p["name"])), p["id"]))


def _in_order(name: str) -> list[tuple[int, int | str]]:
    """A name's sort key: case-blind, its numbers by value ("Table 4" before "Table 11")."""
    return [(0, int(part)) if part.isdigit() else (1, part.casefold()) for part in re.split(r"(\d+)", name) if part]
